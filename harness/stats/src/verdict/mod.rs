//! Verdict rules for reproduced claims and method-vs-baseline comparisons — the single place
//! where statistics become words. The rules are stated in [`CLAIM_RULES`] and
//! [`COMPARISON_RULES`] (printed under every verdict table) and implemented by
//! [`assess_claims`] and [`assess_comparison`]. Neither function panics on any input.
//!
//! Layout: [`claims`] (claim assessment), [`comparison`] (comparison assessment), [`evidence`]
//! (power and seeds needed behind 'reproduced' and 'no effect'), [`tuned`] (a comparison's verdict
//! read with its verdict against a tuned baseline), [`wording`]
//! (the rules in words); the inputs ([`Claim`], [`Outcome`], ...) live in [`crate::claim`] and the
//! thresholds ([`Rules`]) in [`crate::rules`], re-exported here so that
//! `repro_stats::verdict::{Claim, Rules, ...}` keep working.

pub mod claims;
pub mod comparison;
pub mod evidence;
pub mod tuned;
pub mod wording;

pub use crate::claim::{Claim, Direction, Outcome, ReportedAs};
pub use crate::rules::{Correction, Rules};
pub use claims::{assess_claims, ClaimAssessment, ClaimVerdict};
pub use comparison::{
    assess_comparison, ComparisonAssessment, ComparisonInput, ComparisonVerdict, DatasetEffect,
    DatasetResult, WinTieLoss,
};
pub use evidence::SeedsToDecide;
pub use tuned::{is_win, tuned_baseline_reading, TunedBaselineReading};
pub use wording::{claim_rules_text, comparison_rules_text, CLAIM_RULES, COMPARISON_RULES};
