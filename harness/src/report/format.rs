//! Number formatting and escaping shared by every renderer: the tables' number and p-value
//! formats, HTML and LaTeX escaping, and the CSS class of a verdict word. A leaf module: it
//! imports nothing from the rest of the report.

/// A number for the tables: 1 decimal from 100, 4 decimals down to 0.001, then 2 significant
/// digits in scientific form (so 0.0001 is not printed as 0.0000); never "-0.0000"; `—` for
/// none or NaN, `∞`/`−∞` for infinities.
pub fn f(v: Option<f64>) -> String {
    match v {
        Some(x) if x.is_nan() => "—".into(),
        Some(x) if x.is_infinite() => if x > 0.0 { "∞" } else { "−∞" }.into(),
        Some(x) if x.abs() == 0.0 => "0".into(),
        Some(x) if x.abs() >= 100.0 => format!("{x:.1}"),
        Some(x) if x.abs() < 0.001 => format!("{x:.1e}"),
        Some(x) => {
            let s = format!("{x:.4}");
            if s.trim_start_matches('-')
                .chars()
                .all(|c| c == '0' || c == '.')
            {
                "0".into()
            } else {
                s
            }
        }
        None => "—".into(),
    }
}

/// A p-value for the tables: 4 decimals, scientific with 2 significant digits below 10⁻⁴, `—`
/// for none.
pub fn p(v: Option<f64>) -> String {
    match v {
        Some(x) if x < 1e-4 => format!("{x:.1e}"),
        Some(x) => format!("{x:.4}"),
        None => "—".into(),
    }
}

/// An interval as `[lo, hi]` in the [`f`] format, `—` for none.
pub fn interval(v: Option<(f64, f64)>) -> String {
    match v {
        Some((a, b)) => format!("[{}, {}]", f(Some(a)), f(Some(b))),
        None => "—".into(),
    }
}

/// Escapes `&`, `<`, `>` and `"` for HTML text and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
    out
}

/// The CSS class of a verdict word: `v-not-reproduced`.
pub fn verdict_class(word: &str) -> String {
    format!("v-{}", word.replace(',', "").replace(' ', "-"))
}

/// Escapes LaTeX's special characters in `s` (text mode).
pub fn latex_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\textbackslash{}"),
            '&' | '%' | '$' | '#' | '_' | '{' | '}' => {
                out.push('\\');
                out.push(c);
            }
            '~' => out.push_str("\\textasciitilde{}"),
            '^' => out.push_str("\\textasciicircum{}"),
            '−' => out.push('-'),
            '—' | '–' => out.push_str("--"),
            '±' => out.push_str("$\\pm$"),
            '∞' => out.push_str("$\\infty$"),
            '√' => out.push_str("$\\surd$"),
            _ => out.push(c),
        }
    }
    out
}

/// A number for a LaTeX table (math mode minus sign, `--` for none).
pub fn tex_num(v: Option<f64>) -> String {
    match v {
        Some(x) if x.is_infinite() => if x > 0.0 { "$\\infty$" } else { "$-\\infty$" }.into(),
        Some(_) => format!("${}$", f(v)),
        None => "--".into(),
    }
}

/// A p-value for a LaTeX table (`$1.2\times 10^{-5}$` below 10⁻⁴, `--` for none).
pub fn tex_p(v: Option<f64>) -> String {
    match v {
        Some(x) if x < 1e-4 => {
            let e = format!("{x:.1e}");
            match e.split_once('e') {
                Some((m, ex)) => format!("${m}\\times 10^{{{ex}}}$"),
                None => e,
            }
        }
        Some(x) => format!("${x:.4}$"),
        None => "--".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_never_print_as_negative_zero() {
        assert_eq!(f(Some(-0.00001)), "-1.0e-5");
        assert_eq!(f(Some(-0.0)), "0");
        assert_eq!(f(Some(0.00012)), "1.2e-4");
        assert_eq!(f(Some(-0.123456)), "-0.1235");
        assert!(!f(Some(-0.00004)).contains("0.0000"));
    }

    #[test]
    fn escape_handles_markup() {
        assert_eq!(escape(r#"a<b & "c">"#), "a&lt;b &amp; &quot;c&quot;&gt;");
    }

    #[test]
    fn latex_escapes_specials() {
        assert_eq!(
            latex_escape(r"a_b & 50% $x$ #1 {y} ~ ^ \ −"),
            r"a\_b \& 50\% \$x\$ \#1 \{y\} \textasciitilde{} \textasciicircum{} \textbackslash{} -"
        );
        assert_eq!(tex_p(Some(1.2e-5)), "$1.2\\times 10^{-5}$");
        assert_eq!(tex_num(None), "--");
    }
}
