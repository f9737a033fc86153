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

/// Most entities besides the principal and the resource in one caller-supplied request.
pub const MAX_OTHER_ENTITIES: usize = 64;
/// Most ancestors one entity of a caller-supplied request lists.
pub const MAX_ANCESTORS: usize = 32;
/// Most ancestors all the entities of a caller-supplied request list together.
pub const MAX_ANCESTORS_TOTAL: usize = 512;
/// Longest chain of ancestry (`a in b`, `b in c`, …) among the entities of a caller-supplied
/// request. Cedar closes the hierarchy transitively, which costs the square of a chain's length:
/// a 50,000-deep `Department in Department` chain took a validator's core for minutes.
pub const MAX_ANCESTRY_DEPTH: usize = 32;

/// Checks that a request given by a caller (an explanation, a verification sample) is small
/// enough to decide: at most [`MAX_OTHER_ENTITIES`] other entities, [`MAX_ANCESTORS`] ancestors
/// per entity and [`MAX_ANCESTORS_TOTAL`] in all, and no chain of ancestry deeper than
/// [`MAX_ANCESTRY_DEPTH`] (a cycle is infinitely deep). The kernel's own requests are built
/// from state and are not checked here.
pub fn check_bounds(req: &AuthRequest) -> Result<(), crate::LawError> {
    let bad = |m: String| Err(crate::LawError::Request(m));
    if req.others.len() > MAX_OTHER_ENTITIES {
        return bad(format!(
            "{} other entities, more than {MAX_OTHER_ENTITIES}",
            req.others.len()
        ));
    }
    let entities: Vec<&EntityData> = [&req.principal, &req.resource]
        .into_iter()
        .chain(&req.others)
        .collect();
    let mut total: usize = 0;
    for e in &entities {
        if e.ancestors.len() > MAX_ANCESTORS {
            return bad(format!(
                "entity `{}::{}` lists {} ancestors, more than {MAX_ANCESTORS}",
                e.uid.kind,
                e.uid.id,
                e.ancestors.len()
            ));
        }
        total = total.saturating_add(e.ancestors.len());
    }
    if total > MAX_ANCESTORS_TOTAL {
        return bad(format!(
            "the entities list {total} ancestors in all, more than {MAX_ANCESTORS_TOTAL}"
        ));
    }
    // The longest chain ending at each entity, found by relaxing every edge once per level: after
    // round k every chain of up to k links is counted, so a chain (or cycle) still growing after
    // MAX_ANCESTRY_DEPTH rounds is too deep. At most 66 entities and 512 edges: cheap.
    let parents: BTreeMap<&EntityRef, &[EntityRef]> = entities
        .iter()
        .map(|e| (&e.uid, e.ancestors.as_slice()))
        .collect();
    let mut depth: BTreeMap<&EntityRef, usize> = parents.keys().map(|k| (*k, 0)).collect();
    for _ in 0..=MAX_ANCESTRY_DEPTH {
        let mut grew = false;
        for (uid, ancestors) in &parents {
            let longest = ancestors
                .iter()
                .map(|a| depth.get(a).map_or(1, |d| d.saturating_add(1)))
                .max()
                .unwrap_or(0);
            if let Some(d) = depth.get_mut(uid)
                && longest > *d
            {
                *d = longest;
                grew = true;
            }
        }
        if !grew {
            break;
        }
    }
    // INVARIANT: chains of up to MAX_ANCESTRY_DEPTH links are counted exactly by now; a longer
    // chain or a cycle shows as a depth above it (visiting in key order may count more at once).
    if depth.values().all(|d| *d <= MAX_ANCESTRY_DEPTH) {
        return Ok(());
    }
    let deepest = depth
        .iter()
        .max_by_key(|(_, d)| **d)
        .map(|(uid, _)| format!("`{}::{}`", uid.kind, uid.id))
        .unwrap_or_default();
    bad(format!(
        "the ancestry of {deepest} is deeper than {MAX_ANCESTRY_DEPTH} (or a cycle)"
    ))
}
