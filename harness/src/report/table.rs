//! A table in no particular format: a header and rows of plain-text cells, rendered as
//! Markdown, HTML or LaTeX by the same code, so that the published formats cannot drift apart.

use super::format::{latex_escape, verdict_class};
use std::fmt::Write as _;

/// A header and rows of plain-text cells.
pub struct Table {
    /// Column titles.
    pub header: Vec<String>,
    /// Rows of cells (as many as the header).
    pub rows: Vec<Vec<String>>,
    /// Column shown in bold (the verdict).
    pub bold: Option<usize>,
    /// In HTML, the first column links to `#<prefix><cell>` (the claim's figure).
    pub anchor: Option<&'static str>,
}

impl Table {
    /// An empty table with these column titles.
    pub fn new(header: &[&str]) -> Self {
        Self {
            header: header.iter().map(|h| h.to_string()).collect(),
            rows: Vec::new(),
            bold: None,
            anchor: None,
        }
    }

    /// The table as Markdown (the bold column in `**…**`).
    pub fn markdown(&self) -> String {
        let mut s = format!(
            "| {} |\n|{}\n",
            self.header.join(" | "),
            "---|".repeat(self.header.len())
        );
        for row in &self.rows {
            let cells: Vec<String> = row
                .iter()
                .enumerate()
                .map(|(i, c)| match self.bold {
                    Some(b) if b == i => format!("**{c}**"),
                    _ => c.clone(),
                })
                .collect();
            let _ = writeln!(s, "| {} |", cells.join(" | "));
        }
        s
    }

    /// The table as HTML (maud template; every cell escaped). The bold column is the verdict,
    /// coloured by its class (`v-reproduced`, …); with `anchor`, the first column links to the
    /// claim's figure.
    pub fn html(&self) -> maud::Markup {
        maud::html! {
            table {
                tr { @for h in &self.header { th { (h) } } }
                @for row in &self.rows {
                    tr {
                        @for (i, c) in row.iter().enumerate() {
                            @if i == 0 && self.anchor.is_some() {
                                td { a href=(format!("#{}{c}", self.anchor.unwrap_or(""))) { (c) } }
                            } @else if self.bold == Some(i) {
                                td class=(format!("verdict {}", verdict_class(c))) { (c) }
                            } @else {
                                td { (c) }
                            }
                        }
                    }
                }
            }
        }
    }

    /// The table as a LaTeX `tabular` (`booktabs` rules) with column alignment `align`
    /// (e.g. `llrl`); every cell escaped.
    pub fn latex(&self, align: &str) -> String {
        let line = |cells: &[String]| {
            cells
                .iter()
                .map(|c| latex_escape(c))
                .collect::<Vec<_>>()
                .join(" & ")
        };
        let mut s = format!(
            "\\begin{{tabular}}{{{align}}}\n\\toprule\n{} \\\\\n\\midrule\n",
            line(&self.header)
        );
        for row in &self.rows {
            let _ = writeln!(s, "{} \\\\", line(row));
        }
        s.push_str("\\bottomrule\n\\end{tabular}\n");
        s
    }
}
