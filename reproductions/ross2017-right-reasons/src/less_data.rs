//! "Learning from less data" (`experiments/Toy Colors.ipynb`, cells 33–37; the models come from
//! `bin/check_color_data_requirements.py`, dtak/rrr at d83a16e): on toy colours, for each
//! training-set size `l` of `np.logspace(1, 4, 32).astype(int)`, five models are trained on the
//! first `l` training images, `MultilayerPerceptron(l2_grads=10000)` fitted with
//! `normalize=True`, `num_epochs = int((10000 / float(l)) * 32)` and `batch_size = min(256, l)`,
//! one per annotation ([`Arm`]); each is scored on the whole test set. The notebook then prints
//! how many times more data the unannotated model needs to pass an accuracy cutoff
//! (`improvement_over_normal`): the ratio of the first sizes whose test accuracy exceeds the
//! cutoff, unannotated over annotated ([`extra_data_ratio`]). Each run is one draw of the
//! whole experiment (the notebook's numbers come from one): a new dataset, every model
//! initialised from the run's seed (stream `init/less-data/<arm>/<size>`).

use crate::config::LessDataSettings;
use crate::toy_colors;

/// One annotation of the learning curves, as the script names them (`A_anti_rule1 =
/// ignore_rule1`, `A_pro_rule1 = ~A_anti_rule1`, …). Rule 1 is the corners (region 1), rule 2
/// the top-middle pixels (region 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arm {
    /// A = 0 (`params_for(None)`, the notebook's "Normal").
    Normal,
    /// A = everything but the corners: the model may only use rule 1.
    ProRule1,
    /// A = everything but the top-middle pixels: only rule 2.
    ProRule2,
    /// A = the corners: rule 1 forbidden.
    AntiRule1,
    /// A = the top-middle pixels: rule 2 forbidden.
    AntiRule2,
}

impl Arm {
    /// Every arm, in the script's order of training.
    pub const ALL: [Arm; 5] = [
        Arm::Normal,
        Arm::ProRule1,
        Arm::ProRule2,
        Arm::AntiRule1,
        Arm::AntiRule2,
    ];

    /// The name used in curve and metric names (`normal`, `pro_rule1`, …).
    pub fn name(self) -> &'static str {
        match self {
            Arm::Normal => "normal",
            Arm::ProRule1 => "pro_rule1",
            Arm::ProRule2 => "pro_rule2",
            Arm::AntiRule1 => "anti_rule1",
            Arm::AntiRule2 => "anti_rule2",
        }
    }

    /// The arm's annotation of one image: 75 features, 1.0 where the input gradient is
    /// penalised; `None` for [`Arm::Normal`].
    pub fn annotation(self) -> Option<[f32; toy_colors::FEATURES]> {
        let corners = toy_colors::feature_mask(&toy_colors::CORNERS);
        let top_middle = toy_colors::feature_mask(&toy_colors::TOP_MIDDLE);
        let not = |m: [f32; toy_colors::FEATURES]| m.map(|v| 1.0 - v);
        match self {
            Arm::Normal => None,
            Arm::ProRule1 => Some(not(corners)),
            Arm::ProRule2 => Some(not(top_middle)),
            Arm::AntiRule1 => Some(corners),
            Arm::AntiRule2 => Some(top_middle),
        }
    }
}

/// The printed ratios (cell 37, `print_improvement`): metric name, arm, accuracy cutoff.
pub const RATIOS: [(&str, Arm, f64); 14] = [
    ("extra_data_vs_anti_rule2_at_80", Arm::AntiRule2, 0.80),
    ("extra_data_vs_anti_rule2_at_90", Arm::AntiRule2, 0.90),
    ("extra_data_vs_anti_rule2_at_95", Arm::AntiRule2, 0.95),
    ("extra_data_vs_anti_rule2_at_99", Arm::AntiRule2, 0.99),
    ("extra_data_vs_pro_rule1_at_80", Arm::ProRule1, 0.80),
    ("extra_data_vs_pro_rule1_at_90", Arm::ProRule1, 0.90),
    ("extra_data_vs_pro_rule1_at_95", Arm::ProRule1, 0.95),
    ("extra_data_vs_pro_rule1_at_99", Arm::ProRule1, 0.99),
    ("extra_data_vs_pro_rule2_at_90", Arm::ProRule2, 0.90),
    ("extra_data_vs_pro_rule2_at_95", Arm::ProRule2, 0.95),
    ("extra_data_vs_pro_rule2_at_97", Arm::ProRule2, 0.97),
    ("extra_data_vs_anti_rule1_at_70", Arm::AntiRule1, 0.70),
    ("extra_data_vs_anti_rule1_at_80", Arm::AntiRule1, 0.80),
    ("extra_data_vs_anti_rule1_at_90", Arm::AntiRule1, 0.90),
];

/// `num_epochs = int((10000 / float(l)) * 32)` for a training set of `count` images, with the
/// script's 10000 and 32 from `s`; at least 1.
pub fn epochs_for(s: &LessDataSettings, count: usize) -> usize {
    ((s.reference_count / count as f64) * s.reference_epochs).max(1.0) as usize
}

/// One arm's learning curve: (training-set size, test accuracy as a fraction), in increasing
/// size.
pub type LearningCurve = Vec<(usize, f64)>;

/// The first size whose accuracy exceeds `cutoff` (`next(i for i, val in enumerate(scores) if
/// val > cutoff)`); `None` when no size does.
pub fn first_size_above(curve: &LearningCurve, cutoff: f64) -> Option<usize> {
    curve.iter().find(|(_, acc)| *acc > cutoff).map(|(n, _)| *n)
}

/// One extra-data ratio and whether it rests on a censored curve.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ExtraData {
    /// Unannotated size over annotated size (> 1: the annotation saves data).
    pub ratio: f64,
    /// A curve never passed the cutoff and was counted as passing at `censor_at`.
    pub censored: bool,
}

/// `improvement_over_normal(scores, cutoff)`: the first size at which the unannotated model
/// passes `cutoff` divided by the annotated one's. Where a curve never passes the cutoff (the
/// notebook's `next(...)` would raise `StopIteration`; it did not on its one run) it is counted
/// as passing at `censor_at` (the run uses twice its largest size), a bound rather than a
/// value, and the result says so.
pub fn extra_data_ratio(
    normal: &LearningCurve,
    annotated: &LearningCurve,
    cutoff: f64,
    censor_at: usize,
) -> ExtraData {
    let n = first_size_above(normal, cutoff);
    let a = first_size_above(annotated, cutoff);
    ExtraData {
        ratio: n.unwrap_or(censor_at) as f64 / a.unwrap_or(censor_at) as f64,
        censored: n.is_none() || a.is_none(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> LessDataSettings {
        LessDataSettings {
            counts: vec![10, 12, 10000],
            l2_grads: 10000.0,
            reference_count: 10000.0,
            reference_epochs: 32.0,
        }
    }

    /// The script's budget, checked against its own printout (`print(l, num_epochs)`):
    /// Python's `int((10000 / float(l)) * 32)` for the sizes of `np.logspace(1, 4, 32)`.
    #[test]
    fn epochs_follow_the_scripts_rule() {
        let s = settings();
        let printed = [
            (10, 32000),
            (12, 26666),
            (15, 21333),
            (19, 16842),
            (226, 1415),
            (282, 1134),
            (5124, 62),
            (8002, 39),
            (10000, 32),
        ];
        for (l, epochs) in printed {
            assert_eq!(epochs_for(&s, l), epochs, "l = {l}");
        }
    }

    #[test]
    fn ratios_read_the_first_size_strictly_above_the_cutoff() {
        let normal = vec![(10, 0.5), (100, 0.8), (1000, 0.95)];
        let pro = vec![(10, 0.85), (100, 0.96), (1000, 0.99)];
        // 0.8 is not above 0.8: the normal model first passes it at 1000
        let ratio = |a: &LearningCurve, b: &LearningCurve, cutoff| {
            let r = extra_data_ratio(a, b, cutoff, 2000);
            (r.ratio, r.censored)
        };
        assert_eq!(ratio(&normal, &pro, 0.8), (100.0, false));
        assert_eq!(ratio(&normal, &pro, 0.9), (10.0, false));
        assert_eq!(ratio(&pro, &normal, 0.6), (0.1, false));
        // the normal curve never passes 0.97: counted at 2000 (the annotated one at 1000), flagged
        assert_eq!(ratio(&normal, &pro, 0.97), (2.0, true));
        assert_eq!(ratio(&normal, &normal, 0.995), (1.0, true));
        assert_eq!(first_size_above(&normal, 0.99), None);
    }

    #[test]
    fn annotations_are_the_scripts_masks() {
        let count = |a: Option<[f32; 75]>| a.map(|m| m.iter().filter(|v| **v > 0.0).count());
        assert_eq!(count(Arm::Normal.annotation()), None);
        assert_eq!(count(Arm::AntiRule1.annotation()), Some(4 * 3));
        assert_eq!(count(Arm::AntiRule2.annotation()), Some(3 * 3));
        assert_eq!(count(Arm::ProRule1.annotation()), Some(75 - 12));
        assert_eq!(count(Arm::ProRule2.annotation()), Some(75 - 9));
        // the corner pixel (0, 0) is penalised by anti-rule-1 and free under pro-rule-1
        assert_eq!(Arm::AntiRule1.annotation().unwrap()[0], 1.0);
        assert_eq!(Arm::ProRule1.annotation().unwrap()[0], 0.0);
        let names: Vec<&str> = RATIOS.iter().map(|r| r.0).collect();
        let mut unique = names.clone();
        unique.dedup();
        assert_eq!(names.len(), unique.len());
    }
}
