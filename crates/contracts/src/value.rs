//! Values between the host and scripts: JSON without floats. Integers are `i64` (minor units),
//! maps are sorted (Rhai's `Map` is a `BTreeMap`), and nothing else crosses.

use rhai::{Array, Dynamic, Map};
use serde_json::Value;

/// A value a script cannot take or give.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValueError {
    #[error("a number that is not a 64-bit integer: {0}")]
    NotAnInteger(String),
    #[error("a value of type `{0}`, which a contract cannot return")]
    Unsupported(String),
    #[error("nested deeper than {0} levels")]
    TooDeep(usize),
}

/// How deep a value may nest between host and script.
pub const MAX_DEPTH: usize = 32;

/// A JSON value as a script sees it.
pub fn to_dynamic(v: &Value) -> Result<Dynamic, ValueError> {
    to_dynamic_at(v, 0)
}

fn to_dynamic_at(v: &Value, depth: usize) -> Result<Dynamic, ValueError> {
    if depth > MAX_DEPTH {
        return Err(ValueError::TooDeep(MAX_DEPTH));
    }
    Ok(match v {
        Value::Null => Dynamic::UNIT,
        Value::Bool(b) => Dynamic::from_bool(*b),
        Value::Number(n) => match n.as_i64() {
            Some(i) => Dynamic::from_int(i),
            None => return Err(ValueError::NotAnInteger(n.to_string())),
        },
        Value::String(s) => Dynamic::from(s.clone()),
        Value::Array(items) => {
            let mut out = Array::with_capacity(items.len());
            for i in items {
                out.push(to_dynamic_at(i, depth.saturating_add(1))?);
            }
            Dynamic::from_array(out)
        }
        Value::Object(fields) => {
            let mut out = Map::new();
            for (k, v) in fields {
                out.insert(
                    k.as_str().into(),
                    to_dynamic_at(v, depth.saturating_add(1))?,
                );
            }
            Dynamic::from_map(out)
        }
    })
}

/// What a script gave, as JSON: unit is `null`; a character is a string.
pub fn from_dynamic(d: &Dynamic) -> Result<Value, ValueError> {
    from_dynamic_at(d, 0)
}

fn from_dynamic_at(d: &Dynamic, depth: usize) -> Result<Value, ValueError> {
    if depth > MAX_DEPTH {
        return Err(ValueError::TooDeep(MAX_DEPTH));
    }
    if d.is_unit() {
        return Ok(Value::Null);
    }
    if let Ok(b) = d.as_bool() {
        return Ok(Value::Bool(b));
    }
    if let Ok(i) = d.as_int() {
        return Ok(Value::from(i));
    }
    if let Ok(c) = d.as_char() {
        return Ok(Value::String(c.to_string()));
    }
    if d.is_string() {
        return Ok(Value::String(d.clone().into_string().unwrap_or_default()));
    }
    if let Some(items) = d.read_lock::<Array>() {
        let mut out = Vec::with_capacity(items.len());
        for i in items.iter() {
            out.push(from_dynamic_at(i, depth.saturating_add(1))?);
        }
        return Ok(Value::Array(out));
    }
    if let Some(fields) = d.read_lock::<Map>() {
        let mut out = serde_json::Map::new();
        for (k, v) in fields.iter() {
            out.insert(k.to_string(), from_dynamic_at(v, depth.saturating_add(1))?);
        }
        return Ok(Value::Object(out));
    }
    Err(ValueError::Unsupported(d.type_name().to_string()))
}
