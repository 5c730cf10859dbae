//! What a claim is: the claimed number ([`Claim`]), which way is better ([`Direction`]), how the
//! paper obtained it ([`ReportedAs`]) and what one reproduced run gave ([`Outcome`]). Shared by
//! the claim verdicts ([`crate::verdict`]), the paper-level test ([`crate::paper_level`]), the
//! faithfulness check ([`crate::faithfulness`]) and the rank tests ([`crate::friedman`]).

use crate::error::StatsError;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Which way is better for a metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// Larger values are better (accuracy, return, AUC).
    Higher,
    /// Smaller values are better (error, loss, perplexity).
    Lower,
}

impl Direction {
    /// `+1` for `Higher`, `−1` for `Lower`: multiply a value by this to get its "goodness".
    pub fn sign(self) -> f64 {
        match self {
            Direction::Higher => 1.0,
            Direction::Lower => -1.0,
        }
    }
}

/// How the paper reported the claimed number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ReportedAs {
    /// One run (one seed). The claim is compared like one fresh draw (prediction interval).
    SingleRun,
    /// Mean over `n` runs.
    MeanOf {
        /// Number of runs averaged by the paper.
        n: usize,
    },
    /// Best of `n` runs (declared seed selection).
    BestOf {
        /// Number of runs the best was taken from.
        n: usize,
    },
    /// Not stated; treated like `SingleRun` (the most lenient reading).
    #[default]
    Unknown,
}

/// One run's outcome. `Failed` (diverged/crashed/NaN) is never dropped: it counts in `n_runs`,
/// `n_failed`, the percentile (as the worst value) and the failure-share rule.
///
/// Serialised as a JSON number, or the string `"failed"`; deserialises a number, `null`, or one of
/// the strings `failed`, `diverged`, `crashed`, `nan`, `inf`, `-inf` (case-insensitive) as `Failed`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Outcome {
    /// A finished run's metric value (data units).
    Value(f64),
    /// A run that diverged or crashed.
    Failed,
}

impl Outcome {
    /// The finite value, or `None` for `Failed` and non-finite values.
    pub fn finite(&self) -> Option<f64> {
        match self {
            Outcome::Value(v) if v.is_finite() => Some(*v),
            _ => None,
        }
    }
    /// Parses a CSV/plain-text cell: a number, or `nan`/`failed`/`diverged`/`crashed`/`inf`
    /// (→ `Failed`). Returns `None` for anything else (e.g. an empty cell or a typo).
    pub fn parse_cell(cell: &str) -> Option<Outcome> {
        let t = cell.trim();
        let l = t.to_ascii_lowercase();
        if matches!(
            l.as_str(),
            "nan" | "failed" | "diverged" | "crashed" | "inf" | "-inf" | "+inf" | "fail"
        ) {
            return Some(Outcome::Failed);
        }
        match t.parse::<f64>() {
            Ok(v) if v.is_finite() => Some(Outcome::Value(v)),
            Ok(_) => Some(Outcome::Failed),
            Err(_) => None,
        }
    }
}

impl Serialize for Outcome {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.finite() {
            Some(v) => s.serialize_f64(v),
            None => s.serialize_str("failed"),
        }
    }
}

impl<'de> Deserialize<'de> for Outcome {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            N(f64),
            S(String),
        }
        let raw: Option<Raw> = Option::deserialize(d)?;
        match raw {
            None => Ok(Outcome::Failed),
            Some(Raw::N(v)) => Ok(if v.is_finite() {
                Outcome::Value(v)
            } else {
                Outcome::Failed
            }),
            Some(Raw::S(s)) => Outcome::parse_cell(&s).ok_or_else(|| {
                serde::de::Error::custom(format!(
                    "run outcome {s:?} is neither a number nor one of failed/diverged/crashed/nan"
                ))
            }),
        }
    }
}

/// A claimed number from a paper.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Claim {
    /// Identifier (e.g. `table2/mnist1d/cnn`).
    pub id: String,
    /// The claimed value (metric units).
    pub value: f64,
    /// Standard error printed with the claim (e.g. "2.97 ± 0.19" as mean ± SE), if any.
    #[serde(default)]
    pub standard_error: Option<f64>,
    /// Which way is better.
    pub direction: Direction,
    /// How the number was obtained.
    #[serde(default)]
    pub reported_as: ReportedAs,
    /// Resolution the claim is printed to, in the metric's units (e.g. 0.01 for "32%" stored as
    /// the fraction 0.32). A printed value stands for every value within half a step of it, so the
    /// tests use the value in that range least favourable to rejecting the claim
    /// (`value − resolution/2` when higher is better); `None` or 0 = exact.
    #[serde(default)]
    pub resolution: Option<f64>,
    /// Practical margin (metric units, > 0): the largest shortfall from the claim that still
    /// counts as reproducing it. `reproduced` needs the runs to exclude a shortfall of this size
    /// and the test to have had the power to detect it; `None` = `Rules::relative_margin` ×
    /// |tested value|.
    #[serde(default)]
    pub margin: Option<f64>,
}

impl Claim {
    /// Checks the claim's fields: finite `value`; `standard_error` finite and ≥ 0; `resolution`
    /// finite and > 0; `reported_as` `mean_of`/`best_of` with `n ≥ 1`. Errors name the claim
    /// and the field (`assess_claims` itself never fails; front ends call this first).
    pub fn validate(&self) -> crate::error::Result<()> {
        let bad = |field: &str, value: String, reason: &str| {
            Err(StatsError::param(
                &format!("claim `{}`: {field}", self.id),
                value,
                reason,
            ))
        };
        if !self.value.is_finite() {
            return bad("value", self.value.to_string(), "must be a finite number");
        }
        if let Some(se) = self.standard_error {
            if !(se.is_finite() && se >= 0.0) {
                return bad(
                    "standard_error",
                    se.to_string(),
                    "must be a finite number ≥ 0 (the SE printed with the claim)",
                );
            }
        }
        if let Some(r) = self.resolution {
            if !(r.is_finite() && r > 0.0) {
                return bad(
                    "resolution",
                    r.to_string(),
                    "must be a finite number > 0 (e.g. 0.01 for a claim printed as a whole percent); omit it for an exact claim",
                );
            }
        }
        if let Some(m) = self.margin {
            if !(m.is_finite() && m > 0.0) {
                return bad(
                    "margin",
                    m.to_string(),
                    "must be a finite number > 0 in the metric's unit (e.g. 0.01 for one accuracy point); omit it for the default",
                );
            }
        }
        match self.reported_as {
            ReportedAs::MeanOf { n: 0 } => bad("reported_as.n", "0".into(), "mean_of needs n ≥ 1"),
            ReportedAs::BestOf { n: 0 } => bad("reported_as.n", "0".into(), "best_of needs n ≥ 1"),
            _ => Ok(()),
        }
    }

    /// The value the tests use: the printed value moved half a resolution step towards "worse"
    /// (see [`Claim::resolution`]).
    pub fn tested_value(&self) -> f64 {
        match self.resolution {
            Some(r) if r.is_finite() && r > 0.0 => self.value - self.direction.sign() * r / 2.0,
            _ => self.value,
        }
    }

    /// The practical margin in force (metric units): the declared [`Claim::margin`], else
    /// `relative_margin × |tested value|`; `None` when neither is positive and finite.
    pub fn margin_or(&self, relative_margin: f64) -> Option<f64> {
        let m = self
            .margin
            .unwrap_or(relative_margin * self.tested_value().abs());
        (m.is_finite() && m > 0.0).then_some(m)
    }
}
