//! The JSON renderer: `results/<paper>.json`, the whole model serialised (pretty-printed), less
//! the fields marked `serde(skip)` (learning curves, rules value). Reads only the model.

use super::model::PaperReport;
use crate::error::HarnessError;
use crate::Result;

/// The report as pretty-printed JSON. Errors: a value serde cannot serialise.
pub fn json(r: &PaperReport) -> Result<String> {
    serde_json::to_string_pretty(r)
        .map_err(|e| HarnessError::Other(format!("serializing report: {e}")))
}
