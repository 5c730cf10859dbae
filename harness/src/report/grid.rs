//! A table for a terminal: columns fitted to the terminal's width, long cells wrapped inside
//! their column (never a row across lines of the screen), each cell painted on its own.
//!
//! Every compact terminal table (`harness run|report`, `harness audit claim`) is a [`Grid`];
//! a renderer fills it with [`Cell`]s and [`Grid::render`] lays it out for a
//! [`crate::out::Console`].

use anstyle::Style;
use textwrap::core::display_width;

/// One cell: its text and, on a colour terminal, its style.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Cell {
    /// The text (may be wrapped at spaces, or inside a word longer than the column).
    pub text: String,
    /// The style on a colour terminal (`None`: plain).
    pub style: Option<Style>,
}

impl Cell {
    /// A plain cell.
    pub fn plain(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            style: None,
        }
    }

    /// A cell painted with `style` on a colour terminal.
    pub fn styled(text: impl Into<String>, style: Style) -> Self {
        Self {
            text: text.into(),
            style: Some(style),
        }
    }
}

/// A table of rows under a bold header, indented by two spaces, columns two spaces apart.
#[derive(Debug, Clone, Default)]
pub struct Grid {
    header: Vec<String>,
    rows: Vec<Vec<Cell>>,
    /// Columns of prose (verdicts, flags): on a narrow terminal they wrap first.
    prose: Vec<usize>,
}

/// The indentation of every line of a grid (characters).
const INDENT: usize = 2;
/// The space between two columns (characters).
const GAP: usize = 2;
/// The width prose columns ([`Grid::prose`]) wrap to before other columns are narrowed
/// (characters; never below the column's longest word).
pub const PROSE_WIDTH: usize = 16;
/// The narrowest a column is squeezed to when even its longest word does not fit (characters);
/// words longer than that are broken.
const MIN_COLUMN: usize = 4;

impl Grid {
    /// A grid with these column names.
    pub fn new(header: &[&str]) -> Self {
        Self {
            header: header.iter().map(|h| h.to_string()).collect(),
            rows: Vec::new(),
            prose: Vec::new(),
        }
    }

    /// Marks the columns `cols` (0-based) as prose: when the line is too long they wrap first,
    /// down to [`PROSE_WIDTH`], before any other column is narrowed.
    pub fn prose(mut self, cols: &[usize]) -> Self {
        self.prose = cols.to_vec();
        self
    }

    /// Appends a row. Errors: none; a row with fewer cells than the header is padded with empty
    /// cells, extra cells are dropped (a renderer's bug would show as a missing column, never a
    /// panic).
    pub fn push(&mut self, mut row: Vec<Cell>) {
        row.resize(self.header.len(), Cell::default());
        self.rows.push(row);
    }

    /// The natural width of each column: its widest cell (header included), in terminal
    /// columns.
    fn natural_widths(&self) -> Vec<usize> {
        (0..self.header.len())
            .map(|i| {
                self.rows
                    .iter()
                    .map(|r| display_width(&r[i].text))
                    .chain([display_width(&self.header[i])])
                    .max()
                    .unwrap_or(0)
            })
            .collect()
    }

    /// The longest word of each column (header included; a hyphenated word counts by its parts,
    /// since it may wrap after a hyphen): the narrowest it goes without breaking a word.
    fn word_widths(&self) -> Vec<usize> {
        (0..self.header.len())
            .map(|i| {
                self.rows
                    .iter()
                    .map(|r| r[i].text.as_str())
                    .chain([self.header[i].as_str()])
                    .flat_map(|t| t.split_whitespace())
                    // textwrap may break after a hyphen: `concrete-rmse-lr001` needs 9 columns
                    .flat_map(|w| w.split_inclusive('-'))
                    .map(display_width)
                    .max()
                    .unwrap_or(0)
            })
            .collect()
    }

    /// Column widths for a line of `width` terminal columns (`None`: no limit): the natural
    /// widths, then, while the line is too long, the widest column shrinks one column at a time
    /// — the prose columns first, down to [`PROSE_WIDTH`], then any column down to its longest word, then (only if that is not enough) down to
    /// [`MIN_COLUMN`], breaking words: in the other columns first, in the first column (which
    /// names the row) last.
    pub fn widths(&self, width: Option<usize>) -> Vec<usize> {
        let mut w = self.natural_widths();
        let Some(width) = width else { return w };
        let n = w.len();
        let room = width.saturating_sub(INDENT + GAP * n.saturating_sub(1));
        // the first column names the row: its words are broken last
        let words = self.word_widths();
        let mut keep_first = vec![MIN_COLUMN; n];
        if let Some(first) = keep_first.first_mut() {
            *first = words.first().copied().unwrap_or(MIN_COLUMN);
        }
        // prose first: down to PROSE_WIDTH (or its longest word); every other column as it is
        let prose_first: Vec<usize> = (0..n)
            .map(|i| {
                if self.prose.contains(&i) {
                    words[i].max(PROSE_WIDTH).min(w[i])
                } else {
                    w[i]
                }
            })
            .collect();
        for floor in [prose_first, words, keep_first, vec![MIN_COLUMN; n]] {
            while w.iter().sum::<usize>() > room {
                // the widest column that can still give a character
                let Some(i) = (0..n)
                    .filter(|&i| w[i] > floor[i].max(1))
                    .max_by_key(|&i| (w[i], std::cmp::Reverse(i)))
                else {
                    break;
                };
                w[i] -= 1;
            }
        }
        w
    }

    /// The grid as text, one `\n`-terminated line per screen line: fitted to `width` terminal
    /// columns (`None`: each column as wide as its widest cell), painted when `colour`.
    /// Lines are never longer than `width` unless even [`MIN_COLUMN`]-wide columns do not fit.
    pub fn render(&self, width: Option<usize>, colour: bool) -> String {
        let w = self.widths(width);
        let bold = Style::new().bold();
        let header: Vec<Cell> = self
            .header
            .iter()
            .map(|h| Cell::styled(h.clone(), bold))
            .collect();
        let mut out = String::new();
        for row in std::iter::once(&header).chain(&self.rows) {
            let wrapped: Vec<Vec<String>> = row
                .iter()
                .zip(&w)
                .map(|(c, &cw)| wrap(&c.text, cw))
                .collect();
            let height = wrapped.iter().map(Vec::len).max().unwrap_or(1);
            for k in 0..height {
                let mut line = " ".repeat(INDENT);
                for (i, (cell, lines)) in row.iter().zip(&wrapped).enumerate() {
                    let text = lines.get(k).map(String::as_str).unwrap_or("");
                    if i > 0 {
                        line.push_str(&" ".repeat(GAP));
                    }
                    match cell.style {
                        Some(st) if colour && !text.is_empty() => {
                            line.push_str(&format!("{st}{text}{st:#}"))
                        }
                        _ => line.push_str(text),
                    }
                    line.push_str(&" ".repeat(w[i].saturating_sub(display_width(text))));
                }
                out.push_str(line.trim_end());
                out.push('\n');
            }
        }
        out
    }
}

/// `text` wrapped to lines of at most `width` columns (at spaces; a longer word is broken).
fn wrap(text: &str, width: usize) -> Vec<String> {
    if text.is_empty() {
        return vec![String::new()];
    }
    textwrap::wrap(text, textwrap::Options::new(width.max(1)).break_words(true))
        .into_iter()
        .map(|l| l.into_owned())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid() -> Grid {
        let mut g = Grid::new(&["claim", "verdict", "flags"]);
        g.push(vec![
            Cell::plain("mlp"),
            Cell::plain("not reproduced"),
            Cell::plain("beyond the best of 100 experiments of 20 runs"),
        ]);
        g.push(vec![Cell::plain("cnn"), Cell::plain("reproduced")]);
        g
    }

    #[test]
    fn without_a_width_each_row_is_one_line() {
        let text = grid().render(None, false);
        assert_eq!(text.lines().count(), 3, "{text}");
        assert!(text
            .contains("  mlp    not reproduced  beyond the best of 100 experiments of 20 runs\n"));
    }

    #[test]
    fn a_narrow_terminal_wraps_inside_cells_never_rows() {
        for width in [30, 40, 50, 64, 80] {
            let text = grid().render(Some(width), false);
            for line in text.lines() {
                assert!(display_width(line) <= width, "{width}: {line:?}\n{text}");
            }
            // every word of the flag is still there, in order, in the flags column
            let col = text.lines().next().unwrap().find("flags").unwrap();
            let flag: Vec<&str> = text
                .lines()
                .skip(1)
                .filter_map(|l| l.get(col..))
                .flat_map(str::split_whitespace)
                .take_while(|w| *w != "reproduced")
                .collect();
            let want = "beyond the best of 100 experiments of 20 runs";
            if width >= 40 {
                // room for every column's longest word: no word is broken
                assert_eq!(flag.join(" "), want, "{width}\n{text}");
            } else {
                // too narrow for "experiments": broken, but every character is there, in order
                assert_eq!(flag.concat(), want.replace(' ', ""), "{width}\n{text}");
            }
        }
    }

    #[test]
    fn colour_wraps_each_cell_line_and_plain_text_is_unchanged() {
        let mut g = Grid::new(&["a", "b"]);
        g.push(vec![
            Cell::plain("x"),
            Cell::styled("red words", Style::new().bold()),
        ]);
        let coloured = g.render(Some(9), true);
        assert!(coloured.contains("\u{1b}["), "{coloured}");
        let stripped = console::strip_ansi_codes(&coloured).to_string();
        assert_eq!(stripped, g.render(Some(9), false));
    }

    #[test]
    fn a_width_too_small_for_every_column_still_renders_every_cell() {
        let text = grid().render(Some(5), false);
        assert!(text.contains("mlp"), "{text}");
        assert!(text.contains("20"), "{text}");
    }
}
