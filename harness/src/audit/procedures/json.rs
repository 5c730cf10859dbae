//! JSON of the `harness stats` answers: every non-finite float written as a string, since JSON
//! has no NaN or infinity.

use serde_json::Value;

/// A JSON number, or for a non-finite `x` the string `"NaN"`, `"Infinity"` or `"-Infinity"`.
pub fn num(x: f64) -> Value {
    match serde_json::Number::from_f64(x) {
        Some(n) => Value::Number(n),
        None if x.is_nan() => Value::String("NaN".into()),
        None if x > 0.0 => Value::String("Infinity".into()),
        None => Value::String("-Infinity".into()),
    }
}

/// `v` as JSON with every non-finite float written by [`num`] (serde_json alone would write
/// `null` for NaN and ±∞ alike). Goes through `serde_value`, which keeps the raw floats.
pub fn to_json<T: serde::Serialize>(v: &T) -> Value {
    match serde_value::to_value(v) {
        Ok(x) => from_serde_value(x),
        Err(e) => Value::String(format!("(cannot serialise output: {e})")),
    }
}

fn from_serde_value(v: serde_value::Value) -> Value {
    use serde_value::Value as V;
    match v {
        V::Bool(b) => Value::Bool(b),
        V::U8(n) => n.into(),
        V::U16(n) => n.into(),
        V::U32(n) => n.into(),
        V::U64(n) => n.into(),
        V::I8(n) => n.into(),
        V::I16(n) => n.into(),
        V::I32(n) => n.into(),
        V::I64(n) => n.into(),
        V::F32(x) => num(x as f64),
        V::F64(x) => num(x),
        V::Char(c) => Value::String(c.to_string()),
        V::String(s) => Value::String(s),
        V::Unit | V::Option(None) => Value::Null,
        V::Option(Some(b)) | V::Newtype(b) => from_serde_value(*b),
        V::Seq(items) => Value::Array(items.into_iter().map(from_serde_value).collect()),
        V::Map(m) => Value::Object(
            m.into_iter()
                .map(|(k, v)| {
                    let key = match k {
                        V::String(s) => s,
                        other => match from_serde_value(other) {
                            Value::String(s) => s,
                            x => x.to_string(),
                        },
                    };
                    (key, from_serde_value(v))
                })
                .collect(),
        ),
        V::Bytes(b) => Value::Array(b.into_iter().map(Value::from).collect()),
    }
}
