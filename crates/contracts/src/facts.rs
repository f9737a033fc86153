//! What a script may ask of the host, and the facts the host has answered.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// A fact a script asked for and the host had not fetched yet.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Need {
    /// A record of a registry as of the block, or `null` if there is none.
    Record { registry: String, key: String },
    /// The records of a registry whose `field` holds `value` (an index the registry's law
    /// declares), as a list, in key order.
    Find {
        registry: String,
        field: String,
        value: String,
    },
    /// A function of a law's algorithm article, called with `args`.
    Algorithm {
        law: String,
        article: String,
        function: String,
        args: Vec<Value>,
    },
}

impl Need {
    /// The name the facts know it by: the same need, the same name, on every node.
    pub fn key(&self) -> String {
        match self {
            Need::Record { registry, key } => format!("record\u{0}{registry}\u{0}{key}"),
            Need::Find {
                registry,
                field,
                value,
            } => format!("find\u{0}{registry}\u{0}{field}\u{0}{value}"),
            Need::Algorithm {
                law,
                article,
                function,
                args,
            } => format!(
                "algorithm\u{0}{law}\u{0}{article}\u{0}{function}\u{0}{}",
                Value::Array(args.clone())
            ),
        }
    }
}

/// A fact the host fetched for a script, and its answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fact {
    pub need: Need,
    pub answer: Value,
}

/// The facts fetched so far for one application, by [`Need::key`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Facts {
    pub(crate) answers: BTreeMap<String, Value>,
    /// In the order they were fetched.
    pub(crate) fetched: Vec<Fact>,
}

impl Facts {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn get(&self, need: &Need) -> Option<&Value> {
        self.answers.get(&need.key())
    }

    pub fn insert(&mut self, need: Need, answer: Value) {
        self.answers.insert(need.key(), answer.clone());
        self.fetched.push(Fact { need, answer });
    }

    pub fn len(&self) -> usize {
        self.fetched.len()
    }

    pub fn is_empty(&self) -> bool {
        self.fetched.is_empty()
    }

    /// Every fact fetched, in order: what the decision was made on.
    pub fn into_fetched(self) -> Vec<Fact> {
        self.fetched
    }
}
