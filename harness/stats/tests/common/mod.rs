//! Shared by the reference-value tests: the test vectors committed under `tests/special/`.

use serde_json::Value;

/// The cases `name` of the JSON file `tests/special/<file>`: each case a row of numbers (the
/// inputs, then the reference value), as the generating script wrote them. Panics (failing the
/// test) when the file or the key is missing.
pub fn cases(file: &str, name: &str) -> Vec<Vec<f64>> {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/special")
        .join(file);
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
    doc[name]
        .as_array()
        .unwrap_or_else(|| panic!("no `{name}` in {}", p.display()))
        .iter()
        .map(|c| {
            c.as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_f64().unwrap())
                .collect()
        })
        .collect()
}
