//! Did-you-mean hints for names typed on the command line (procedures, datasets).

/// The candidate closest to `name` (Jaro–Winkler similarity ≥ 0.8 or Levenshtein distance ≤ 2,
/// `strsim`), for "did you mean" hints.
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| {
            (
                c,
                strsim::jaro_winkler(&name.to_lowercase(), &c.to_lowercase()),
            )
        })
        .filter(|(c, score)| *score >= 0.8 || strsim::levenshtein(name, c) <= 2)
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(c, _)| c)
}
