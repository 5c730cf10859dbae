//! [`LoadedPaper`]: a paper config as loaded (its file, text and parsed form), shared by the
//! loading and validation code and the cross-paper reference checks.

use super::error_at;
use super::schema::PaperConfig;
use crate::error::HarnessError;
use std::path::PathBuf;

/// A paper config as loaded: its file, text, parsed form and SHA-256.
#[derive(Debug, Clone)]
pub struct LoadedPaper {
    /// Path of `configs/papers/<id>.toml`.
    pub path: PathBuf,
    /// The file's text (kept for line numbers).
    pub text: String,
    /// Parsed config.
    pub config: PaperConfig,
}

impl LoadedPaper {
    /// Paper id.
    pub fn id(&self) -> &str {
        &self.config.paper.id
    }

    /// Seeds of `dataset`: `start .. start + count`, with the per-dataset override and an
    /// optional cap from a suite or the command line (`limit` never raises the paper's count).
    pub fn seeds_for(&self, dataset: &str, limit: Option<usize>) -> Vec<u64> {
        let s = &self.config.seeds;
        let mut count = s.per_dataset.get(dataset).copied().unwrap_or(s.count);
        if let Some(l) = limit {
            count = count.min(l);
        }
        (s.start..s.start + count as u64).collect()
    }

    /// Number of seeds of `dataset` ([`LoadedPaper::seeds_for`]'s length), without allocating.
    pub fn seeds_for_count(&self, dataset: &str, limit: Option<usize>) -> usize {
        let s = &self.config.seeds;
        let count = s.per_dataset.get(dataset).copied().unwrap_or(s.count);
        limit.map_or(count, |l| count.min(l))
    }

    /// Whether the run matrix holds (`variant`, `dataset`): true unless `[variant_datasets]`
    /// lists the variant's datasets and `dataset` is not among them.
    pub fn runs_on(&self, variant: &str, dataset: &str) -> bool {
        self.config
            .variant_datasets
            .get(variant)
            .is_none_or(|ds| ds.iter().any(|d| d.get_ref() == dataset))
    }

    /// The metrics this config reads from the runs of its own `variant`: its claims' metrics,
    /// the metrics of the comparisons and multi-comparisons it is an arm of, and the axes and
    /// `beside` metrics of the trade-offs that show it. A metric outside this set may be
    /// non-finite in the variant's runs (not applicable to it, e.g. the learning-curve ratios of
    /// a single-model variant) without failing `harness check`.
    pub fn metrics_read(&self, variant: &str) -> std::collections::BTreeSet<String> {
        let c = &self.config;
        let own = self.id();
        let is_arm = |r: &super::MethodRef| r.paper(own) == own && r.variant() == variant;
        let mut read = std::collections::BTreeSet::new();
        for cl in c.claims.iter().filter(|cl| cl.variant.get_ref() == variant) {
            read.insert(cl.metric.get_ref().clone());
        }
        for cmp in &c.comparisons {
            for r in cmp.run_refs().filter(|r| is_arm(r.get_ref())) {
                read.insert(cmp.metric.get_ref().clone());
                read.extend(cmp.baseline_metric.as_ref().map(|m| m.get_ref().clone()));
                read.extend(r.get_ref().metric().map(str::to_string));
            }
        }
        for mc in &c.multi_comparisons {
            for m in mc.methods.iter().filter(|m| is_arm(m.get_ref())) {
                read.insert(
                    m.get_ref()
                        .metric()
                        .unwrap_or(mc.metric.get_ref())
                        .to_string(),
                );
            }
        }
        for t in &c.tradeoffs {
            if t.variants.is_empty() || t.variants.iter().any(|v| v.get_ref() == variant) {
                read.insert(t.x.get_ref().clone());
                read.insert(t.y.get_ref().clone());
                read.extend(t.beside.iter().map(|b| b.get_ref().clone()));
            }
        }
        read
    }

    /// A config error at the line of `span`.
    pub fn error(&self, span: std::ops::Range<usize>, message: impl Into<String>) -> HarnessError {
        error_at(&self.path, &self.text, span, message)
    }
}
