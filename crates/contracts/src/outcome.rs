//! How a service's decision ends, read strictly from what its script returns.
//!
//! A script returns a map:
//! - `#{ outcome: "approved", article: "8", reason: "…", writes: [#{ registry, key, fields }],
//!   payments: [#{ from, to, currency, amount }],
//!   schedule: #{ every: 30, times: 12, granted: #{ amount_fen: 1000 } } }`
//!   (writes, payments and schedule may be left out; a schedule runs the script's
//!   `scheduled(application, period)` every `every` blocks, `times` times or until it ends);
//! - `#{ outcome: "rejected", article: "5", reason: "…" }`;
//! - `#{ outcome: "official", article: "8", reason: "…", department: "…", power: "…",
//!   region: "110101", officials: 2 }` (`region`, where the case belongs, may be left out;
//!   `officials`, 1 or 2 — four eyes — is 1 if left out; `deadline` and `reminder` in blocks,
//!   and `deemed: "approved"` or `"rejected"` — decided so at the deadline, if the law says —
//!   may be left out).
//!
//! Anything else — an unknown key, a missing one, a value of the wrong type, more writes or
//! payments than allowed — is refused with a message naming it, so a service cannot do by
//! accident what its law did not say.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// Most records one decision writes.
pub const MAX_WRITES: usize = 16;
/// Most payments one decision makes.
pub const MAX_PAYMENTS: usize = 16;
/// Most entries of what a schedule grants.
pub const MAX_GRANTED: usize = 16;

/// A record the decision writes: inserted if the registry has no record of that key, else a new
/// version with these fields changed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordWrite {
    pub registry: String,
    pub key: String,
    pub fields: BTreeMap<String, Value>,
}

/// A payment the decision makes, in minor units, from an account holder's account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payment {
    pub from: String,
    pub to: String,
    pub currency: String,
    pub amount: i64,
}

/// A schedule an approval starts: `scheduled(application, period)` every `every` blocks from
/// the approval on, `times` times if it says (else until a run ends it).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Every {
    pub every: u64,
    pub times: Option<u64>,
    /// What the approval grants, fixed for the schedule's life (each run sees it).
    pub granted: BTreeMap<String, Value>,
}

/// How the decision ends.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    Approved {
        article: String,
        reason: String,
        writes: Vec<RecordWrite>,
        payments: Vec<Payment>,
        /// Runs to come, at block start, if the service pays or acts periodically.
        schedule: Option<Every>,
    },
    Rejected {
        article: String,
        reason: String,
    },
    /// The data could not decide: a case for an official of `department` with `power`.
    Official {
        article: String,
        reason: String,
        department: String,
        power: String,
        /// Where the case belongs (a region code): the jurisdiction an official deciding it
        /// must hold. `None`: the whole country.
        region: Option<String>,
        /// How many distinct officials must concur: 1, or 2 (four eyes).
        officials: u8,
        /// In how many blocks it must be decided (the statutory deadline), and after how many
        /// its officials are reminded, if the law sets them.
        deadline: Option<u64>,
        reminder: Option<u64>,
        /// Decided by the law at the deadline instead of escalating, if its law says so:
        /// approved (`true`) or rejected (`deemed: "approved"` / `"rejected"`).
        deemed: Option<bool>,
    },
}

impl Outcome {
    /// The article of the service's law that the decision applied.
    pub fn article(&self) -> &str {
        match self {
            Outcome::Approved { article, .. }
            | Outcome::Rejected { article, .. }
            | Outcome::Official { article, .. } => article,
        }
    }

    /// Reads a script's answer.
    pub fn parse(v: &Value) -> Result<Self, String> {
        let Value::Object(m) = v else {
            return Err(format!(
                "the script returned {}, not a map with an `outcome`",
                kind(v)
            ));
        };
        let outcome = text(m, "outcome")?;
        let allowed: &[&str] = match outcome.as_str() {
            "approved" => &[
                "outcome", "article", "reason", "writes", "payments", "schedule",
            ],
            "rejected" => &["outcome", "article", "reason"],
            "official" => &[
                "outcome",
                "article",
                "reason",
                "department",
                "power",
                "region",
                "officials",
                "deadline",
                "reminder",
                "deemed",
            ],
            other => {
                return Err(format!(
                    "`outcome` is `{other}`; it is `approved`, `rejected` or `official`"
                ));
            }
        };
        only(m, allowed, "the outcome")?;
        let article = text(m, "article")?;
        let reason = text(m, "reason")?;
        Ok(match outcome.as_str() {
            "approved" => Outcome::Approved {
                article,
                reason,
                writes: list(m, "writes", MAX_WRITES)?
                    .iter()
                    .enumerate()
                    .map(|(i, w)| write(w).map_err(|e| format!("`writes[{i}]`: {e}")))
                    .collect::<Result<_, _>>()?,
                payments: list(m, "payments", MAX_PAYMENTS)?
                    .iter()
                    .enumerate()
                    .map(|(i, p)| payment(p).map_err(|e| format!("`payments[{i}]`: {e}")))
                    .collect::<Result<_, _>>()?,
                schedule: match m.get("schedule") {
                    None | Some(Value::Null) => None,
                    Some(Value::Object(e)) => {
                        only(e, &["every", "times", "granted"], "a schedule")?;
                        Some(Every {
                            every: blocks(e, "every")?
                                .ok_or_else(|| "`schedule` has no `every`".to_string())?,
                            times: blocks(e, "times")?,
                            granted: match e.get("granted") {
                                None | Some(Value::Null) => BTreeMap::new(),
                                Some(Value::Object(g)) if g.len() <= MAX_GRANTED => {
                                    g.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
                                }
                                Some(_) => {
                                    return Err(format!(
                                        "`granted` is a map of at most {MAX_GRANTED} entries"
                                    ));
                                }
                            },
                        })
                    }
                    Some(v) => return Err(format!("`schedule` is {}, not a map", kind(v))),
                },
            },
            "rejected" => Outcome::Rejected { article, reason },
            _ => Outcome::Official {
                article,
                reason,
                department: text(m, "department")?,
                power: text(m, "power")?,
                region: match m.get("region") {
                    None | Some(Value::Null) => None,
                    Some(_) => Some(text(m, "region")?),
                },
                deadline: blocks(m, "deadline")?,
                reminder: blocks(m, "reminder")?,
                deemed: match m.get("deemed") {
                    None | Some(Value::Null) => None,
                    Some(Value::String(d)) if d == "approved" => Some(true),
                    Some(Value::String(d)) if d == "rejected" => Some(false),
                    Some(v) => {
                        return Err(format!(
                            "`deemed` is {v}; it is `approved` or `rejected` (at the deadline)"
                        ));
                    }
                },
                officials: match m.get("officials") {
                    None => 1,
                    Some(Value::Number(n)) if n.as_u64() == Some(1) => 1,
                    Some(Value::Number(n)) if n.as_u64() == Some(2) => 2,
                    Some(v) => {
                        return Err(format!("`officials` is {v}; it is 1 or 2 (four eyes)"));
                    }
                },
            },
        })
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "nothing",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a map",
    }
}

fn only(m: &Map<String, Value>, allowed: &[&str], what: &str) -> Result<(), String> {
    match m.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(k) => Err(format!(
            "{what} has `{k}`, which it may not (it has {})",
            allowed.join(", ")
        )),
        None => Ok(()),
    }
}

/// Most blocks a deadline or reminder may lie ahead (about three years at a block a second).
pub const MAX_DEADLINE_BLOCKS: u64 = 100_000_000;

/// An optional count of blocks, 1 to [`MAX_DEADLINE_BLOCKS`].
fn blocks(m: &Map<String, Value>, key: &str) -> Result<Option<u64>, String> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => match n.as_u64() {
            Some(b) if (1..=MAX_DEADLINE_BLOCKS).contains(&b) => Ok(Some(b)),
            _ => Err(format!(
                "`{key}` is {n}; it is a number of blocks from 1 to {MAX_DEADLINE_BLOCKS}"
            )),
        },
        Some(v) => Err(format!("`{key}` is {}, not a number of blocks", kind(v))),
    }
}

fn text(m: &Map<String, Value>, key: &str) -> Result<String, String> {
    match m.get(key) {
        Some(Value::String(s)) if !s.is_empty() => Ok(s.clone()),
        Some(v) => Err(format!("`{key}` is {}, not a non-empty string", kind(v))),
        None => Err(format!("`{key}` is missing")),
    }
}

fn list<'a>(m: &'a Map<String, Value>, key: &str, most: usize) -> Result<&'a [Value], String> {
    match m.get(key) {
        None => Ok(&[]),
        Some(Value::Array(items)) if items.len() <= most => Ok(items),
        Some(Value::Array(items)) => Err(format!(
            "`{key}` has {} entries; at most {most}",
            items.len()
        )),
        Some(v) => Err(format!("`{key}` is {}, not a list", kind(v))),
    }
}

fn write(v: &Value) -> Result<RecordWrite, String> {
    let Value::Object(m) = v else {
        return Err(format!("{}, not a map", kind(v)));
    };
    only(m, &["registry", "key", "fields"], "a write")?;
    let fields = match m.get("fields") {
        Some(Value::Object(f)) => f.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
        Some(v) => return Err(format!("`fields` is {}, not a map", kind(v))),
        None => return Err("`fields` is missing".into()),
    };
    Ok(RecordWrite {
        registry: text(m, "registry")?,
        key: text(m, "key")?,
        fields,
    })
}

fn payment(v: &Value) -> Result<Payment, String> {
    let Value::Object(m) = v else {
        return Err(format!("{}, not a map", kind(v)));
    };
    only(m, &["from", "to", "currency", "amount"], "a payment")?;
    let amount = match m.get("amount") {
        Some(Value::Number(n)) => match n.as_i64() {
            Some(a) if a > 0 => a,
            _ => return Err(format!("`amount` is {n}; it is a positive integer")),
        },
        Some(v) => return Err(format!("`amount` is {}, not an integer", kind(v))),
        None => return Err("`amount` is missing".into()),
    };
    Ok(Payment {
        from: text(m, "from")?,
        to: text(m, "to")?,
        currency: text(m, "currency")?,
        amount,
    })
}
