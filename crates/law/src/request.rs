//! An authorization request as the kernel builds it: typed values, no JSON. The kernel gathers
//! the principal's and resource's attributes from state first (STYLE.md §3); deciding looks
//! nothing up.

use borsh::{BorshDeserialize, BorshSerialize};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A value of an entity attribute or of the context. In JSON: a string, a number, a bool, an
/// array (a set) or `{"entity": {"kind": .., "id": ..}}`.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Value {
    Str(String),
    Long(i64),
    Bool(bool),
    Set(Vec<Value>),
    Entity(EntityValue),
}

impl Value {
    pub fn str(s: impl Into<String>) -> Self {
        Value::Str(s.into())
    }

    pub fn entity(kind: impl Into<String>, id: impl Into<String>) -> Self {
        Value::Entity(EntityValue {
            entity: EntityRef::new(kind, id),
        })
    }

    pub fn strs<I: IntoIterator<Item = S>, S: Into<String>>(items: I) -> Self {
        Value::Set(items.into_iter().map(|s| Value::Str(s.into())).collect())
    }
}

/// A reference to an entity, as an attribute value.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct EntityValue {
    pub entity: EntityRef,
}

/// An entity's type and id, e.g. `Official` `off-wang`.
#[derive(
    Clone,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    BorshSerialize,
    BorshDeserialize,
    Serialize,
    Deserialize,
)]
pub struct EntityRef {
    pub kind: String,
    pub id: String,
}

impl EntityRef {
    pub fn new(kind: impl Into<String>, id: impl Into<String>) -> Self {
        Self {
            kind: kind.into(),
            id: id.into(),
        }
    }
}

/// An entity with its attributes and every ancestor (the hierarchy is not looked up).
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct EntityData {
    pub uid: EntityRef,
    #[serde(default)]
    pub attrs: BTreeMap<String, Value>,
    #[serde(default)]
    pub ancestors: Vec<EntityRef>,
}

impl EntityData {
    pub fn new(uid: EntityRef) -> Self {
        Self {
            uid,
            attrs: BTreeMap::new(),
            ancestors: Vec::new(),
        }
    }

    pub fn attr(mut self, name: &str, value: Value) -> Self {
        self.attrs.insert(name.to_string(), value);
        self
    }

    pub fn parent(mut self, parent: EntityRef) -> Self {
        self.ancestors.push(parent);
        self
    }
}

/// One request: principal, action, resource, context, and any other entities a policy reads.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct AuthRequest {
    pub principal: EntityData,
    pub action: String,
    pub resource: EntityData,
    /// The block height the request is decided at.
    pub height: u64,
    /// The service contract acting, if any.
    #[serde(default)]
    pub via_contract: Option<String>,
    /// The region the request concerns; regional and department laws apply only within theirs.
    #[serde(default)]
    pub region: Option<String>,
    /// The amount of money the request moves, issues or redeems, in minor units (`context.amount`;
    /// 0 when none, and capped at the largest Cedar integer).
    #[serde(default)]
    pub amount: i64,
    /// The other party, for money: the receiver of a transfer, the account issued into or
    /// redeemed from (`context.counterparty`; empty when none).
    #[serde(default)]
    pub counterparty: String,
    #[serde(default)]
    pub others: Vec<EntityData>,
}
