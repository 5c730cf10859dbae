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

/// The decimals needed to print multiples of the step `r` exactly: 0.01 → 2, 0.5 → 1, 1 → 0,
/// 25 → 0, 1e-4 → 4 (at most 12; 0 for a non-positive or non-finite step).
pub fn decimals_of(r: f64) -> usize {
    if !(r.is_finite() && r > 0.0) {
        return 0;
    }
    (0..=12)
        .find(|&d| {
            let scaled = r * 10f64.powi(d as i32);
            (scaled - scaled.round()).abs() <= 1e-9 * scaled.abs().max(1.0)
        })
        .unwrap_or(12)
}

/// A claimed number as the paper printed it (issue 28: a rounded claim must read at its own
/// precision): with the `resolution` it is printed to, at that resolution's decimals
/// (488.75 to 0.01 → `488.75`, -200 → `-200.00`); without one, the shortest decimal that reads
/// back as the same number (0.88325, -82.48), or the [`f`] format when that needs more than 10
/// significant digits or the number is below 10⁻⁴ or from 10⁷ in size.
pub fn claim_number(x: f64, resolution: Option<f64>) -> String {
    if !x.is_finite() {
        return f(Some(x));
    }
    if let Some(r) = resolution.filter(|r| r.is_finite() && *r > 0.0) {
        let d = decimals_of(r);
        return format!("{x:.d$}");
    }
    let shortest = format!("{x}");
    let digits = shortest
        .chars()
        .filter(char::is_ascii_digit)
        .skip_while(|c| *c == '0')
        .count();
    if x == 0.0 {
        "0".into()
    } else if digits > 10 || x.abs() < 1e-4 || x.abs() >= 1e7 {
        f(Some(x))
    } else {
        shortest
    }
}

/// A value derived from a claim printed to the step `r` — the value it is tested at, the ends of
/// the band it rounds from — one decimal finer than `r` (488.745 for a step of 0.01), so the
/// band never collapses to the claim's own digits.
pub fn finer_number(x: f64, r: f64) -> String {
    if !x.is_finite() {
        return f(Some(x));
    }
    let d = decimals_of(r) + 1;
    let s = format!("{x:.d$}");
    if s.trim_start_matches('-')
        .chars()
        .all(|c| c == '0' || c == '.')
    {
        s.trim_start_matches('-').to_string()
    } else {
        s
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

/// The CSS class of a verdict: `v-not-reproduced`; of a verdict with its evidence in brackets
/// (`consistent, underpowered (≈ 34 seeds)`), the class of the verdict word alone.
pub fn verdict_class(verdict: &str) -> String {
    let word = verdict.split(" (").next().unwrap_or(verdict).trim();
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
    fn claims_read_at_their_own_precision() {
        // issue 28 item 5: 488.75 printed to 0.01 was shown as 488.8, tested at 488.7
        assert_eq!(claim_number(488.75, Some(0.01)), "488.75");
        assert_eq!(finer_number(488.745, 0.01), "488.745");
        assert_eq!(finer_number(488.755, 0.01), "488.755");
        assert_eq!(claim_number(0.8833, Some(1e-4)), "0.8833");
        assert_eq!(finer_number(0.88325, 1e-4), "0.88325");
        assert_eq!(claim_number(-200.0, Some(0.01)), "-200.00");
        assert_eq!(claim_number(0.88325, None), "0.88325");
        assert_eq!(claim_number(-82.48, None), "-82.48");
        assert_eq!(claim_number(0.68, None), "0.68");
        assert_eq!(claim_number(0.0, None), "0");
        assert_eq!(claim_number(1.0 / 3.0, None), "0.3333");
        assert_eq!(claim_number(3e-6, None), "3.0e-6");
        assert_eq!(claim_number(f64::INFINITY, None), "∞");
        assert_eq!(decimals_of(0.01), 2);
        assert_eq!(decimals_of(0.5), 1);
        assert_eq!(decimals_of(25.0), 0);
        assert_eq!(decimals_of(1e-4), 4);
        assert_eq!(decimals_of(0.0), 0);
        assert_eq!(finer_number(-0.00001, 0.01), "0.000");
    }

    #[test]
    fn a_verdict_with_its_evidence_has_the_class_of_its_word() {
        assert_eq!(verdict_class("not reproduced"), "v-not-reproduced");
        assert_eq!(
            verdict_class("consistent, underpowered (more seeds cannot decide: x)"),
            "v-consistent-underpowered"
        );
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
