//! The laws in force at a height, compiled once and shared: a cache keyed by the exact set of
//! (law, version) in force, so a block pays for compiling only when an enactment changed it.

use crate::error::{ExecError, Result};
use crate::schema::{self, LawRef};
use crate::state::State;
use govchain_law::LawBook;
use govchain_types::{Height, PrincipalId};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// Most distinct sets of laws kept compiled.
const CACHE_SIZE: usize = 16;

/// The (law, version) pairs in force, sorted: the key of a compiled book.
type InForce = Vec<(String, u32)>;
type Cache = BTreeMap<InForce, Compiled>;

/// A registry definition in force, and the law (id, version) that states it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegistryInForce {
    pub def: govchain_types::RegistryDef,
    pub law: govchain_types::PrincipalId,
    pub version: u32,
}

/// The registries in force, by name.
pub type Registries = BTreeMap<String, RegistryInForce>;

/// A currency definition in force, and the law (id, version) that states it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CurrencyInForce {
    pub def: govchain_types::CurrencyDef,
    pub law: govchain_types::PrincipalId,
    pub version: u32,
    pub level: govchain_types::Level,
}

impl CurrencyInForce {
    /// The citation of the law's currency provisions (its limits and fee), for refusals the
    /// kernel makes on the law's behalf.
    pub fn citation(&self) -> govchain_types::Citation {
        govchain_types::Citation {
            law: self.law.clone(),
            version: self.version,
            article: format!("currency {}", self.def.code),
            level: self.level,
        }
    }
}

/// The currencies in force, by code.
pub type Currencies = BTreeMap<String, CurrencyInForce>;

/// A law in force as services see it: its version and level, and its articles (an
/// algorithm's source by article id; `None` for a permission).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Statute {
    pub version: u32,
    pub level: govchain_types::Level,
    pub articles: BTreeMap<String, Option<String>>,
}

/// The laws in force, by id.
pub type Statutes = BTreeMap<String, Statute>;

/// The laws in force as services see them.
pub fn statutes_of<'a>(laws: impl IntoIterator<Item = &'a govchain_types::LawPackage>) -> Statutes {
    laws.into_iter()
        .map(|l| {
            let articles = l
                .articles
                .iter()
                .map(|a| {
                    let source = match &a.kind {
                        govchain_types::ArticleKind::Algorithm { source, .. } => {
                            Some(source.clone())
                        }
                        govchain_types::ArticleKind::Permission { .. } => None,
                    };
                    (a.id.clone(), source)
                })
                .collect();
            (
                l.id.to_string(),
                Statute {
                    version: l.version,
                    level: l.level,
                    articles,
                },
            )
        })
        .collect()
}

/// What the laws in force give the kernel: the compiled permission articles, the registry
/// definitions, the currencies, and the laws' articles (for services).
#[derive(Clone)]
pub struct Compiled {
    pub book: Arc<LawBook>,
    pub registries: Arc<Registries>,
    pub currencies: Arc<Currencies>,
    pub statutes: Arc<Statutes>,
}

/// The currencies `laws` define; a currency defined by two different laws is refused, and so
/// is a fee collected by nobody.
pub fn currencies_of<'a>(
    laws: impl IntoIterator<Item = &'a govchain_types::LawPackage>,
) -> std::result::Result<Currencies, String> {
    let mut out = Currencies::new();
    for law in laws {
        for def in &law.currencies {
            if let Some(other) = out.get(&def.code)
                && other.law != law.id
            {
                return Err(format!(
                    "currency `{}` is defined by both law `{}` and law `{}`",
                    def.code, other.law, law.id
                ));
            }
            out.insert(
                def.code.clone(),
                CurrencyInForce {
                    def: def.clone(),
                    law: law.id.clone(),
                    version: law.version,
                    level: law.level,
                },
            );
        }
    }
    Ok(out)
}

/// The registries `laws` define; a registry defined by two different laws is refused. A
/// registry of principals (persons, organisations, departments) and the fields that make
/// principals of its records — region, jurisdiction, parent, representative of principals —
/// decide who is who for every law: only national law or the constitution defines one, and one
/// registry holds each kind of principal.
pub fn registries_of<'a>(
    laws: impl IntoIterator<Item = &'a govchain_types::LawPackage>,
) -> std::result::Result<Registries, String> {
    let mut out = Registries::new();
    for law in laws {
        for def in &law.registries {
            let of_principals = def.principals.is_some()
                || def.jurisdiction_field.is_some()
                || def.parent_field.is_some()
                || def.representative_field.is_some();
            if of_principals && law.level < govchain_types::Level::National {
                return Err(format!(
                    "registry `{}` of law `{}` defines principals or who represents, contains or governs them: only a national law or the constitution may, not a {} law",
                    def.name,
                    law.id,
                    law.level.name()
                ));
            }
            if let Some(kind) = def.principals
                && let Some(other) = out
                    .values()
                    .find(|r| r.def.principals == Some(kind) && r.def.name != def.name)
            {
                return Err(format!(
                    "registry `{}` of law `{}` holds {kind:?} principals, which registry `{}` of law `{}` holds already",
                    def.name, law.id, other.def.name, other.law
                ));
            }
            if let Some(other) = out.get(&def.name)
                && other.law != law.id
            {
                return Err(format!(
                    "registry `{}` is defined by both law `{}` and law `{}`",
                    def.name, other.law, law.id
                ));
            }
            out.insert(
                def.name.clone(),
                RegistryInForce {
                    def: def.clone(),
                    law: law.id.clone(),
                    version: law.version,
                },
            );
        }
    }
    Ok(out)
}

/// The compiled laws, by the set in force.
pub struct Laws {
    model: govchain_law::SchemaModel,
    schema: govchain_law::Schema,
    cache: Mutex<Cache>,
    /// The contract runtime: services' scripts and laws' algorithms, compiled once each.
    runtime: govchain_contracts::Runtime,
}

/// Whether `law` decides at `height`, given every law in the index.
pub fn in_force(law: &LawRef, height: Height, index: &[LawRef]) -> bool {
    let started = law.effective_from <= height;
    let lapsed = law.effective_until.is_some_and(|until| height >= until);
    // A repeal ends the versions enacted before it (the index is in order of enactment), not a
    // version enacted after it: a law repealed and later enacted anew is in force again.
    let enacted = index
        .iter()
        .position(|l| l.id == law.id && l.version == law.version);
    let repealed = index.iter().enumerate().any(|(i, other)| {
        other.effective_from <= height
            && other.repeals.contains(&law.id)
            && (other.id != law.id || other.version > law.version)
            && enacted.is_none_or(|e| i > e)
    });
    let superseded = index.iter().any(|other| {
        other.id == law.id && other.version > law.version && other.effective_from <= height
    });
    started && !lapsed && !repealed && !superseded
}

/// The entries of `index` in force at `height`, in index order: what [`in_force`] says of each,
/// in one pass over the index (n log n) rather than a scan of the index per entry, which made
/// every block and every signed read quadratic in the number of laws ever enacted.
pub fn in_force_at(index: &[LawRef], height: Height) -> Vec<&LawRef> {
    // Where each version was enacted (its first entry, as `in_force` takes it).
    let mut enacted: BTreeMap<(&PrincipalId, u32), usize> = BTreeMap::new();
    // The newest version of each law that has started: older ones are superseded.
    let mut newest: BTreeMap<&PrincipalId, u32> = BTreeMap::new();
    // The last started repeal of each law by another law, by position in the index; and the
    // started repeals of a law by its own versions, which end only older versions.
    let mut repealed_by_other: BTreeMap<&PrincipalId, usize> = BTreeMap::new();
    let mut repealed_by_itself: BTreeMap<&PrincipalId, Vec<(usize, u32)>> = BTreeMap::new();
    for (i, l) in index.iter().enumerate() {
        enacted.entry((&l.id, l.version)).or_insert(i);
        if l.effective_from > height {
            continue;
        }
        let v = newest.entry(&l.id).or_insert(l.version);
        *v = (*v).max(l.version);
        for r in &l.repeals {
            if *r == l.id {
                repealed_by_itself
                    .entry(r)
                    .or_default()
                    .push((i, l.version));
            } else {
                repealed_by_other.insert(r, i);
            }
        }
    }
    index
        .iter()
        .filter(|law| {
            let started = law.effective_from <= height;
            let lapsed = law.effective_until.is_some_and(|until| height >= until);
            let at = enacted.get(&(&law.id, law.version)).copied();
            let after = |i: usize| at.is_none_or(|e| i > e);
            let repealed = repealed_by_other.get(&law.id).is_some_and(|&i| after(i))
                || repealed_by_itself
                    .get(&law.id)
                    .is_some_and(|r| r.iter().any(|&(i, v)| v > law.version && after(i)));
            let superseded = newest.get(&law.id).is_some_and(|&v| v > law.version);
            started && !lapsed && !repealed && !superseded
        })
        .collect()
}

impl Laws {
    pub fn new() -> std::result::Result<Self, govchain_law::SchemaError> {
        let model = govchain_law::SchemaModel::base();
        Ok(Self {
            schema: model.schema()?,
            model,
            cache: Mutex::new(BTreeMap::new()),
            runtime: govchain_contracts::Runtime::new(
                govchain_contracts::Limits::default(),
                govchain_contracts::Schedule::default(),
            ),
        })
    }

    /// The contract runtime, with the scripts compiled so far.
    pub fn runtime(&self) -> &govchain_contracts::Runtime {
        &self.runtime
    }

    /// The schema, as data (for verifying bills).
    pub fn model(&self) -> &govchain_law::SchemaModel {
        &self.model
    }

    /// Compiles `laws` against the schema (for checks at genesis and enactment).
    pub fn compile(
        &self,
        laws: &[govchain_types::LawPackage],
    ) -> std::result::Result<LawBook, govchain_law::LawError> {
        LawBook::compile(laws, self.schema.clone())
    }

    /// Compiles `laws` and gathers their registries: what genesis and enactment check.
    pub fn compile_all(
        &self,
        laws: &[govchain_types::LawPackage],
    ) -> std::result::Result<Compiled, String> {
        let book = self.compile(laws).map_err(|e| e.to_string())?;
        Ok(Compiled {
            book: Arc::new(book),
            registries: Arc::new(registries_of(laws)?),
            currencies: Arc::new(currencies_of(laws)?),
            statutes: Arc::new(statutes_of(laws)),
        })
    }

    /// The book of the laws in force at `height`, read from `state`.
    pub fn book_at(&self, state: &dyn State, height: Height) -> Result<Arc<LawBook>> {
        Ok(self.at(state, height)?.book)
    }

    /// The compiled laws and registries in force at `height`, read from `state`.
    pub fn at(&self, state: &dyn State, height: Height) -> Result<Compiled> {
        let index = schema::law_index(state)?;
        let in_force = in_force_at(&index, height);
        let mut key: InForce = in_force
            .iter()
            .map(|l| (l.id.to_string(), l.version))
            .collect();
        key.sort();
        if let Some(compiled) = self.lock().get(&key) {
            return Ok(compiled.clone());
        }
        let mut laws = Vec::with_capacity(key.len());
        for l in in_force {
            let law = schema::law(state, &l.id, l.version)?.ok_or_else(|| ExecError::Corrupt {
                key: String::from_utf8_lossy(&schema::law_key(&l.id, l.version)).into_owned(),
                reason: "the law index names a law that is not stored".into(),
            })?;
            laws.push(law);
        }
        let compiled = self.compile_all(&laws).map_err(|e| ExecError::Corrupt {
            key: "law/index".into(),
            reason: format!("the laws in force do not compile: {e}"),
        })?;
        let mut cache = self.lock();
        if cache.len() >= CACHE_SIZE
            && let Some(first) = cache.keys().next().cloned()
        {
            cache.remove(&first);
        }
        cache.insert(key, compiled.clone());
        Ok(compiled)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Cache> {
        self.cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Loads the packages of the index entries in force at `height`.
pub(crate) fn load_in_force(
    state: &dyn State,
    index: &[LawRef],
    height: Height,
    bill: Option<&govchain_types::LawPackage>,
) -> Result<Vec<govchain_types::LawPackage>> {
    let mut out = Vec::new();
    for l in in_force_at(index, height) {
        if let Some(b) = bill.filter(|b| b.id == l.id && b.version == l.version) {
            out.push(b.clone());
            continue;
        }
        let law = schema::law(state, &l.id, l.version)?.ok_or_else(|| ExecError::Corrupt {
            key: String::from_utf8_lossy(&schema::law_key(&l.id, l.version)).into_owned(),
            reason: "the law index names a law that is not stored".into(),
        })?;
        out.push(law);
    }
    Ok(out)
}

/// The laws in force at `height`, and those that would be in force at the bill's effective
/// height were it enacted now (what it supersedes or repeals left out): what a bill is checked
/// against at enactment and verified against before the vote.
pub fn with_bill(
    state: &dyn State,
    bill: &govchain_types::LawPackage,
    height: Height,
) -> Result<(
    Vec<govchain_types::LawPackage>,
    Vec<govchain_types::LawPackage>,
)> {
    let mut index = schema::law_index(state)?;
    let now = load_in_force(state, &index, height, None)?;
    index.push(LawRef::of(bill));
    let future = load_in_force(state, &index, bill.effective_from.max(height), Some(bill))?;
    Ok((now, future))
}

/// One version of a law in its history.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct LawVersion {
    #[serde(flatten)]
    pub entry: LawRef,
    pub title: String,
    /// The height it stopped deciding, and why, if it has (or is scheduled to).
    pub ended: Option<Ended>,
}

/// Why and from when a version no longer decides.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Ended {
    pub from: Height,
    /// `superseded` (by version n), `repealed` (by law x) or `lapsed`.
    pub how: String,
}

/// Every version of law `id`, oldest first, with when and how each ended.
pub fn history(state: &dyn State, id: &govchain_types::PrincipalId) -> Result<Vec<LawVersion>> {
    let index = schema::law_index(state)?;
    let mut out = Vec::new();
    for (at, l) in index.iter().enumerate().filter(|(_, l)| &l.id == id) {
        let title = schema::law(state, &l.id, l.version)?
            .map(|p| p.title)
            .unwrap_or_default();
        let mut ends: Vec<Ended> = Vec::new();
        if let Some(until) = l.effective_until {
            ends.push(Ended {
                from: until,
                how: "lapsed".into(),
            });
        }
        for (i, other) in index.iter().enumerate() {
            if other.id == l.id && other.version > l.version {
                ends.push(Ended {
                    from: other.effective_from,
                    how: format!("superseded by version {}", other.version),
                });
            } else if other.repeals.contains(&l.id)
                && (other.id != l.id || other.version > l.version)
                // As `in_force`: a repeal ends only the versions enacted before it.
                && i > at
            {
                ends.push(Ended {
                    from: other.effective_from,
                    how: format!("repealed by law `{}` version {}", other.id, other.version),
                });
            }
        }
        let ended = ends.into_iter().min_by_key(|e| e.from);
        out.push(LawVersion {
            entry: l.clone(),
            title,
            ended,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

    use super::*;
    use proptest::prelude::*;

    fn id(i: u8) -> PrincipalId {
        PrincipalId::new(format!("law-{i}")).unwrap()
    }

    /// One index entry: which law, its version, when it starts and lapses, what it repeals.
    fn entry() -> impl Strategy<Value = LawRef> {
        (
            0u8..3,
            1u32..4,
            0u64..12,
            proptest::option::of(0u64..16),
            proptest::collection::vec(0u8..3, 0..2),
        )
            .prop_map(|(law, version, from, until, repeals)| LawRef {
                id: id(law),
                version,
                level: govchain_types::Level::National,
                effective_from: from,
                effective_until: until,
                repeals: repeals.into_iter().map(id).collect(),
                constitutes: vec![],
                enacted_at: 0,
                signed_by: vec![],
            })
    }

    proptest! {
        /// The one-pass reading of an index agrees with the rule read entry by entry, at every
        /// height, for any index (however odd: versions out of order, a law repealing itself,
        /// one version twice).
        #[test]
        fn in_force_at_agrees_with_in_force_entry_by_entry(
            index in proptest::collection::vec(entry(), 0..14)
        ) {
            for h in 0..18 {
                let one_pass: Vec<&LawRef> = in_force_at(&index, h);
                let by_entry: Vec<&LawRef> =
                    index.iter().filter(|l| in_force(l, h, &index)).collect();
                prop_assert_eq!(one_pass, by_entry, "at height {}", h);
            }
        }
    }
}
