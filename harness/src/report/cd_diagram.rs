//! Critical-difference diagrams in the style of Demšar (2006), Fig. 1: an axis of average
//! ranks (1 = best, on the left, as Orange's `graph_ranks` draws it), each method placed at its
//! average rank with a line down to its label (the better half labelled on the left, the others
//! on the right), the Nemenyi critical difference drawn as a bar above the axis, and thick bars
//! joining the groups of methods that are not significantly different. Drawn with plotters'
//! SVG backend; the geometry ([`Layout`]) is computed apart from the drawing so that it can be
//! tested.

use super::model::PaperReport;
use super::multi::MultiComparisonRow;
use crate::error::HarnessError;
use crate::Result;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// Shortest length of the rank axis, pixels (SVG units); longer when the labels leave room
/// within [`MIN_WIDTH`].
pub const AXIS_LENGTH: f64 = 560.0;
/// Narrowest diagram (SVG units): on the page the diagram is scaled to the column width
/// (about 1250 px at most), so text keeps about its size.
pub const MIN_WIDTH: f64 = 1000.0;
/// Font size of labels and ticks (SVG units); the title is [`TITLE_FONT`].
const FONT: u32 = 16;
const TITLE_FONT: u32 = 18;
/// Width of one character of a label at [`FONT`] (upper estimate, sans-serif).
const CHAR_WIDTH: f64 = 9.0;
const AXIS_Y: f64 = 116.0;
const ROW: f64 = 30.0;
const GROUP_GAP: f64 = 9.0;
const BAR_PAD: f64 = 5.0;

/// One method placed on the diagram.
#[derive(Debug, Clone, PartialEq)]
pub struct Placed {
    /// Label.
    pub label: String,
    /// Average rank.
    pub rank: f64,
    /// Pixel x of the rank on the axis.
    pub x: f64,
    /// Pixel y of the elbow where the line turns to the label.
    pub y: f64,
    /// Labelled on the left (the better half) or on the right.
    pub left: bool,
    /// Pixel x where the horizontal line ends and the label starts.
    pub label_x: f64,
}

/// A horizontal bar: from `x0` to `x1` at height `y` (pixels).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bar {
    /// Left end.
    pub x0: f64,
    /// Right end.
    pub x1: f64,
    /// Height.
    pub y: f64,
}

/// The geometry of one diagram.
#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    /// Total width, pixels (the axis plus room for the longest label on either side).
    pub width: u32,
    /// Number of methods k (the axis runs from 1 to k).
    pub k: usize,
    /// Pixel x of rank 1.
    pub x_left: f64,
    /// Pixel x of rank k.
    pub x_right: f64,
    /// Pixel y of the axis.
    pub axis_y: f64,
    /// The methods, best first.
    pub methods: Vec<Placed>,
    /// The critical difference, drawn from rank 1 rightwards above the axis.
    pub cd: Bar,
    /// One bar per group of methods not significantly different.
    pub groups: Vec<Bar>,
    /// Total height, pixels.
    pub height: u32,
}

impl Layout {
    /// Pixel x of average rank `r`.
    pub fn x_of(&self, r: f64) -> f64 {
        rank_x(r, self.k, self.x_left, self.x_right)
    }
}

fn rank_x(r: f64, k: usize, x_left: f64, x_right: f64) -> f64 {
    x_left + (r - 1.0) / (k as f64 - 1.0) * (x_right - x_left)
}

/// Lays out a diagram of `labels` at average `ranks` (same length k ≥ 2, ranks in [1, k]),
/// critical difference `cd` (rank units, > 0) and `groups` (indices into `ranks`, as
/// [`repro_stats::nemenyi_groups::groups`] returns them). Errors: k < 2, lengths differ, a rank outside
/// [1, k] or non-finite, a non-positive CD, a group index out of range.
pub fn layout(labels: &[String], ranks: &[f64], cd: f64, groups: &[Vec<usize>]) -> Result<Layout> {
    let k = ranks.len();
    let bad = |m: String| HarnessError::Other(format!("critical-difference diagram: {m}"));
    if k < 2 || labels.len() != k {
        return Err(bad(format!(
            "{} labels for {k} ranks (need k ≥ 2)",
            labels.len()
        )));
    }
    if let Some(r) = ranks
        .iter()
        .find(|r| !(r.is_finite() && **r >= 1.0 - 1e-9 && **r <= k as f64 + 1e-9))
    {
        return Err(bad(format!("average rank {r} outside [1, {k}]")));
    }
    if !(cd > 0.0 && cd.is_finite()) {
        return Err(bad(format!("critical difference {cd} must be > 0")));
    }
    if groups.iter().flatten().any(|&i| i >= k) {
        return Err(bad("group index out of range".into()));
    }
    // room for "label (r.rr)" at CHAR_WIDTH per character; the axis takes what MIN_WIDTH leaves
    let longest = labels.iter().map(|l| l.chars().count()).max().unwrap_or(0) as f64;
    let margin = (longest + 7.0) * CHAR_WIDTH + 30.0;
    let axis_length = AXIS_LENGTH.max(MIN_WIDTH - 2.0 * margin);
    let (x_left, x_right) = (margin, margin + axis_length);
    let mut order: Vec<usize> = (0..k).collect();
    order.sort_by(|&a, &b| ranks[a].total_cmp(&ranks[b]));
    let half = k.div_ceil(2);
    let first_row = AXIS_Y + 20.0 + GROUP_GAP * (groups.len() as f64 + 1.0);
    let methods: Vec<Placed> = order
        .iter()
        .enumerate()
        .map(|(pos, &i)| {
            let left = pos < half;
            // left half: best at the top; right half: worst at the top (as Demšar's figure)
            let row = if left { pos } else { k - 1 - pos };
            Placed {
                label: labels[i].clone(),
                rank: ranks[i],
                x: rank_x(ranks[i], k, x_left, x_right),
                y: first_row + row as f64 * ROW,
                left,
                label_x: if left { x_left - 14.0 } else { x_right + 14.0 },
            }
        })
        .collect();
    let groups: Vec<Bar> = groups
        .iter()
        .enumerate()
        .map(|(g, members)| {
            let lo = members
                .iter()
                .map(|&i| ranks[i])
                .fold(f64::INFINITY, f64::min);
            let hi = members
                .iter()
                .map(|&i| ranks[i])
                .fold(f64::NEG_INFINITY, f64::max);
            Bar {
                x0: rank_x(lo, k, x_left, x_right) - BAR_PAD,
                x1: rank_x(hi, k, x_left, x_right) + BAR_PAD,
                y: AXIS_Y + 12.0 + GROUP_GAP * g as f64,
            }
        })
        .collect();
    let rows = half.max(k - half) as f64;
    Ok(Layout {
        width: (2.0 * margin + axis_length).ceil() as u32,
        k,
        x_left,
        x_right,
        axis_y: AXIS_Y,
        cd: Bar {
            x0: x_left,
            x1: rank_x(1.0 + cd, k, x_left, x_right),
            y: AXIS_Y - 54.0,
        },
        groups,
        methods,
        height: (first_row + rows * ROW + 12.0).ceil() as u32,
    })
}

fn plot_error(e: impl std::fmt::Display) -> HarnessError {
    HarnessError::Other(format!("drawing the critical-difference diagram: {e}"))
}

fn pt(x: f64, y: f64) -> (i32, i32) {
    (x.round() as i32, y.round() as i32)
}

/// Draws `l` as an SVG document (`title` above the axis).
pub fn svg(title: &str, l: &Layout) -> Result<String> {
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (l.width, l.height)).into_drawing_area();
        root.fill(&WHITE).map_err(plot_error)?;
        let black = BLACK.stroke_width(1);
        let font = |size: u32, h: HPos, v: VPos| {
            TextStyle::from(("sans-serif", size).into_font()).pos(Pos::new(h, v))
        };
        root.draw(&Text::new(
            title.to_string(),
            pt(f64::from(l.width) / 2.0, 8.0),
            font(TITLE_FONT, HPos::Center, VPos::Top),
        ))
        .map_err(plot_error)?;
        // axis with ticks at every rank and half rank
        let axis = [pt(l.x_left, l.axis_y), pt(l.x_right, l.axis_y)];
        root.draw(&PathElement::new(axis.to_vec(), black))
            .map_err(plot_error)?;
        for t in 0..=(2 * (l.k - 1)) {
            let r = 1.0 + t as f64 / 2.0;
            let x = l.x_of(r);
            let len = if t % 2 == 0 { 8.0 } else { 4.0 };
            root.draw(&PathElement::new(
                vec![pt(x, l.axis_y), pt(x, l.axis_y - len)],
                black,
            ))
            .map_err(plot_error)?;
            if t % 2 == 0 {
                root.draw(&Text::new(
                    format!("{}", 1 + t / 2),
                    pt(x, l.axis_y - 10.0),
                    font(FONT, HPos::Center, VPos::Bottom),
                ))
                .map_err(plot_error)?;
            }
        }
        // critical difference
        let cd = l.cd;
        root.draw(&PathElement::new(
            vec![pt(cd.x0, cd.y), pt(cd.x1, cd.y)],
            BLACK.stroke_width(2),
        ))
        .map_err(plot_error)?;
        for x in [cd.x0, cd.x1] {
            root.draw(&PathElement::new(
                vec![pt(x, cd.y - 5.0), pt(x, cd.y + 5.0)],
                black,
            ))
            .map_err(plot_error)?;
        }
        root.draw(&Text::new(
            "CD".to_string(),
            pt((cd.x0 + cd.x1) / 2.0, cd.y - 5.0),
            font(FONT, HPos::Center, VPos::Bottom),
        ))
        .map_err(plot_error)?;
        // methods
        for m in &l.methods {
            let path = vec![pt(m.x, l.axis_y), pt(m.x, m.y), pt(m.label_x, m.y)];
            root.draw(&PathElement::new(path, black))
                .map_err(plot_error)?;
            let (h, text) = if m.left {
                (HPos::Right, format!("{} ({:.2})", m.label, m.rank))
            } else {
                (HPos::Left, format!("({:.2}) {}", m.rank, m.label))
            };
            let tx = if m.left {
                m.label_x - 5.0
            } else {
                m.label_x + 5.0
            };
            root.draw(&Text::new(text, pt(tx, m.y), font(FONT, h, VPos::Center)))
                .map_err(plot_error)?;
        }
        // groups not significantly different
        for g in &l.groups {
            root.draw(&PathElement::new(
                vec![pt(g.x0, g.y), pt(g.x1, g.y)],
                BLACK.stroke_width(4),
            ))
            .map_err(plot_error)?;
        }
        root.present().map_err(plot_error)?;
    }
    Ok(out)
}

/// The diagram of one multi-comparison (None when it has no across-datasets result).
pub fn comparison_svg(m: &MultiComparisonRow) -> Result<Option<String>> {
    let Some(a) = &m.across else {
        return Ok(None);
    };
    let l = layout(
        &m.methods,
        &a.friedman.average_ranks,
        a.cd.cd_computed,
        &a.groups,
    )?;
    let title = format!(
        "{}: average ranks of {} over {} datasets, Nemenyi CD = {:.3} (α = {})",
        m.id,
        m.metric,
        a.datasets.len(),
        a.cd.cd_computed,
        m.alpha
    );
    svg(&title, &l).map(Some)
}

/// Every multi-comparison diagram of a paper stacked in one SVG document (for
/// `results/<paper>-cd.svg`); None when there is none.
pub fn paper_svg(r: &PaperReport) -> Result<Option<String>> {
    let mut parts = Vec::new();
    for m in &r.multi_comparisons {
        if let Some(s) = comparison_svg(m)? {
            parts.push(s);
        }
    }
    if parts.is_empty() {
        return Ok(None);
    }
    let attr = |s: &str, name: &str| -> u32 {
        s.split(&format!(" {name}=\""))
            .nth(1)
            .and_then(|t| t.split('"').next())
            .and_then(|t| t.parse::<u32>().ok())
            .unwrap_or(200)
    };
    let width = parts.iter().map(|s| attr(s, "width")).max().unwrap_or(600);
    let mut y = 0u32;
    let mut body = String::new();
    for s in &parts {
        let (w, h) = (attr(s, "width"), attr(s, "height"));
        let inner = s
            .split_once('>')
            .map(|(_, rest)| rest.trim_end().trim_end_matches("</svg>"))
            .unwrap_or_default();
        body.push_str(&format!(
            "<svg x=\"0\" y=\"{y}\" width=\"{w}\" height=\"{h}\">{inner}</svg>\n"
        ));
        y += h;
    }
    Ok(Some(format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{y}\" viewBox=\"0 0 {width} {y}\">\n{body}</svg>\n"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use repro_stats::friedman::{friedman, nemenyi_cd};
    use repro_stats::nemenyi_groups::groups;
    use repro_stats::verdict::Direction;

    /// Demšar (2006) Table 6 as ranks (the rank matrix of harness/stats/tests/demsar.rs).
    fn demsar_ranks() -> Vec<Vec<f64>> {
        vec![
            vec![4., 3., 2., 1.],
            vec![1., 2., 3., 4.],
            vec![4., 1., 2., 3.],
            vec![4., 1., 3., 2.],
            vec![4., 2., 3., 1.],
            vec![1., 2.5, 4., 2.5],
            vec![3., 2., 4., 1.],
            vec![2.5, 2.5, 4., 1.],
            vec![4., 3., 2., 1.],
            vec![2.5, 2.5, 2.5, 2.5],
            vec![4., 2.5, 1., 2.5],
            vec![3., 2., 4., 1.],
            vec![4., 1., 2., 3.],
            vec![3., 1., 4., 2.],
        ]
    }

    fn labels() -> Vec<String> {
        ["C4.5", "C4.5+m", "C4.5+cf", "C4.5+m+cf"]
            .map(String::from)
            .to_vec()
    }

    /// Demšar's Fig. 1 (Nemenyi at α = 0.10, CD = 1.12): the axis runs 1..4, each method sits at
    /// its average rank (3.143, 2.000, 2.893, 1.964), C4.5+m+cf and C4.5+m are labelled on the
    /// left, C4.5+cf and C4.5 on the right, the CD bar is 1.12 ranks long, and two bars join
    /// {C4.5+m+cf, C4.5+m, C4.5+cf} and {C4.5+cf, C4.5}; C4.5 is joined to neither C4.5+m nor
    /// C4.5+m+cf (the significant differences).
    #[test]
    fn geometry_of_demsars_figure_1() {
        let fr = friedman(&demsar_ranks(), Direction::Lower).unwrap();
        let cd = nemenyi_cd(4, 14, 0.10).unwrap().cd_computed;
        let g = groups(&fr.average_ranks, cd);
        let l = layout(&labels(), &fr.average_ranks, cd, &g).unwrap();
        let unit = (l.x_right - l.x_left) / 3.0;
        assert!((l.x_of(1.0) - l.x_left).abs() < 1e-9 && (l.x_of(4.0) - l.x_right).abs() < 1e-9);
        let by: Vec<(&str, f64, bool)> = l
            .methods
            .iter()
            .map(|m| (m.label.as_str(), m.rank, m.left))
            .collect();
        let names: Vec<&str> = by.iter().map(|b| b.0).collect();
        assert_eq!(names, ["C4.5+m+cf", "C4.5+m", "C4.5+cf", "C4.5"]);
        assert_eq!(
            by.iter().map(|b| b.2).collect::<Vec<_>>(),
            [true, true, false, false]
        );
        for (m, want) in l.methods.iter().zip([1.964286, 2.0, 2.892857, 3.142857]) {
            assert!((m.rank - want).abs() < 1e-6, "{} {}", m.label, m.rank);
            assert!((m.x - (l.x_left + (want - 1.0) * unit)).abs() < 1e-3);
            assert!(m.y > l.axis_y);
            assert!(if m.left {
                m.label_x < l.x_left
            } else {
                m.label_x > l.x_right
            });
        }
        // best at the top on the left, worst at the top on the right
        assert!(l.methods[0].y < l.methods[1].y && l.methods[3].y < l.methods[2].y);
        assert!(((l.cd.x1 - l.cd.x0) - cd * unit).abs() < 1e-9);
        assert!((cd - 1.118).abs() < 1e-3);
        assert_eq!(l.groups.len(), 2);
        let covers = |b: &Bar, r: f64| b.x0 < l.x_of(r) && l.x_of(r) < b.x1;
        let (g0, g1) = (&l.groups[0], &l.groups[1]);
        assert!(covers(g0, 1.964286) && covers(g0, 2.892857) && !covers(g0, 3.142857));
        assert!(covers(g1, 2.892857) && covers(g1, 3.142857) && !covers(g1, 2.0));
        assert!((g0.x0 - (l.x_of(1.964286) - BAR_PAD)).abs() < 1e-3);
        assert!((g1.x1 - (l.x_of(3.142857) + BAR_PAD)).abs() < 1e-3);
        // the bars lie between the axis and the first label row
        let first = l.methods.iter().map(|m| m.y).fold(f64::INFINITY, f64::min);
        assert!(l.groups.iter().all(|b| b.y > l.axis_y && b.y < first));
        // at α = 0.05 (CD 1.25) no pair differs: one bar over all four
        let cd05 = nemenyi_cd(4, 14, 0.05).unwrap().cd_computed;
        let l05 = layout(
            &labels(),
            &fr.average_ranks,
            cd05,
            &groups(&fr.average_ranks, cd05),
        )
        .unwrap();
        assert_eq!(l05.groups.len(), 1);
        assert!(covers(&l05.groups[0], 1.964286) && covers(&l05.groups[0], 3.142857));
        let svg = svg("Demšar (2006), Fig. 1", &l).unwrap();
        assert!(svg.starts_with("<svg") && svg.contains("C4.5+m+cf (1.96)"));
        assert!(svg.contains("(3.14) C4.5"));
        // title, 4 tick labels, "CD", 4 method labels
        assert_eq!(svg.matches("<text").count(), 10);
        // drawn at about the page's width, so that the page scales it little: text at FONT
        assert!(f64::from(l.width) >= MIN_WIDTH && l.x_right - l.x_left >= AXIS_LENGTH);
        let sizes: Vec<f64> = svg
            .split("font-size=\"")
            .skip(1)
            .filter_map(|t| t.split('"').next()?.parse().ok())
            .collect();
        assert_eq!(sizes.len(), 10);
        // plotters writes a font of n points as n / 1.24 SVG units
        assert!(
            sizes.iter().all(|s| *s >= f64::from(FONT) / 1.24 - 1e-9),
            "{sizes:?}"
        );
    }

    #[test]
    fn bad_input_is_an_error_not_a_panic() {
        let two = ["a".to_string(), "b".to_string()];
        assert!(layout(&two[..1], &[1.0], 0.5, &[]).is_err());
        assert!(layout(&two, &[1.0, 3.5], 0.5, &[]).is_err());
        assert!(layout(&two, &[1.0, f64::NAN], 0.5, &[]).is_err());
        assert!(layout(&two, &[1.0, 2.0], 0.0, &[]).is_err());
        assert!(layout(&two, &[1.0, 2.0], 0.5, &[vec![0, 2]]).is_err());
        assert!(layout(&two, &[1.0, 2.0], 0.5, &[vec![0, 1]]).is_ok());
    }
}
