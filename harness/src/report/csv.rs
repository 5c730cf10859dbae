//! The CSV renderer: `results/<paper>.csv`, one row per claim. Reads only the model.

use super::model::PaperReport;
use crate::Result;

/// One CSV row per claim: the numbers of the claims table, written with the `csv` crate (cells
/// holding commas, quotes or newlines are quoted).
pub fn csv(r: &PaperReport) -> Result<String> {
    let header = [
        "paper",
        "claim",
        "variant",
        "dataset",
        "metric",
        "claimed",
        "claimed_se",
        "n_runs",
        "n_failed",
        "mean",
        "sd",
        "se",
        "t_ci_low",
        "t_ci_high",
        "bootstrap_ci_low",
        "bootstrap_ci_high",
        "min",
        "median",
        "max",
        "percentile",
        "p_value",
        "p_adjusted",
        "p_family",
        "best_of_k_normal",
        "best_of_k_empirical",
        "looks_like_best_of",
        "beyond_best_of",
        "verdict",
        "margin",
        "power",
        "seeds_to_decide",
        "flags",
    ];
    let err = |e: csv::Error| crate::error::HarnessError::Other(format!("writing CSV: {e}"));
    let mut w = csv::Writer::from_writer(Vec::new());
    let protocols = super::protocol::csv_cells(&r.protocols, &r.claims);
    let mut header = header.to_vec();
    if protocols.is_some() {
        header.push("protocol_attribution");
    }
    w.write_record(&header).map_err(err)?;
    let o = |v: Option<f64>| v.map(|x| x.to_string()).unwrap_or_default();
    let u = |v: Option<u64>| v.map(|x| x.to_string()).unwrap_or_default();
    for (i, c) in r.claims.iter().enumerate() {
        let a = &c.assessment;
        let mut record = vec![
            r.paper.clone(),
            c.id.clone(),
            c.variant.clone(),
            c.dataset.clone(),
            c.metric.clone(),
            a.claimed.to_string(),
            o(c.claimed_standard_error),
            a.n_runs.to_string(),
            a.n_failed.to_string(),
            o(a.mean),
            o(a.sd),
            o(c.standard_error()),
            o(a.t_ci.map(|x| x.0)),
            o(a.t_ci.map(|x| x.1)),
            o(a.bootstrap_ci.map(|x| x.0)),
            o(a.bootstrap_ci.map(|x| x.1)),
            o(a.min),
            o(a.median),
            o(a.max),
            o(a.percentile),
            o(a.p_value),
            o(a.p_adjusted),
            r.p_family.clone(),
            o(a.best_of_k_normal),
            o(a.best_of_k_empirical),
            u(a.looks_like_best_of),
            u(a.beyond_best_of),
            a.verdict.to_string(),
            o(a.margin),
            o(a.power),
            match a.seeds_to_decide {
                Some(repro_stats::verdict::SeedsToDecide::Seeds(n)) => n.to_string(),
                Some(repro_stats::verdict::SeedsToDecide::Never) => "never".into(),
                None => String::new(),
            },
            a.flags().join("; "),
        ];
        if let Some(cells) = &protocols {
            record.push(cells[i].clone());
        }
        w.write_record(&record).map_err(err)?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| crate::error::HarnessError::Other(format!("writing CSV: {e}")))?;
    String::from_utf8(bytes)
        .map_err(|e| crate::error::HarnessError::Other(format!("writing CSV: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::model::fixtures::{claim, report};

    /// A claim id holding a comma and a quote survives the CSV round trip in one cell.
    #[test]
    fn csv_quotes_commas_and_quotes() {
        let r = report(vec![claim("top-1, \"clean\" test", None, &[1.0, 2.0, 3.0])]);
        let text = csv(&r).unwrap();
        assert!(text.contains("\"top-1, \"\"clean\"\" test\""), "{text}");
        let mut rd = ::csv::Reader::from_reader(text.as_bytes());
        let headers = rd.headers().unwrap().clone();
        let rows: Vec<::csv::StringRecord> = rd.records().map(|x| x.unwrap()).collect();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].len(), headers.len());
        assert_eq!(&rows[0][1], "top-1, \"clean\" test");
        assert_eq!(&rows[0][22], "Holm over the paper's 1 claim");
    }
}
