//! The laws in force at a height, compiled once and shared: a cache keyed by the exact set of
//! (law, version) in force, so a block pays for compiling only when an enactment changed it.

use crate::error::{ExecError, Result};
use crate::schema::{self, LawRef};
use crate::state::State;
use govchain_law::LawBook;
use govchain_types::Height;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// Most distinct sets of laws kept compiled.
const CACHE_SIZE: usize = 16;

/// The (law, version) pairs in force, sorted: the key of a compiled book.
type InForce = Vec<(String, u32)>;
type Cache = BTreeMap<InForce, Arc<LawBook>>;

/// The compiled laws, by the set in force.
pub struct Laws {
    schema: govchain_law::Schema,
    cache: Mutex<Cache>,
}

/// Whether `law` decides at `height`, given every law in the index.
pub fn in_force(law: &LawRef, height: Height, index: &[LawRef]) -> bool {
    let started = law.effective_from <= height;
    let lapsed = law.effective_until.is_some_and(|until| height >= until);
    let repealed = index.iter().any(|other| {
        other.effective_from <= height
            && other.repeals.contains(&law.id)
            && (other.id != law.id || other.version > law.version)
    });
    let superseded = index.iter().any(|other| {
        other.id == law.id && other.version > law.version && other.effective_from <= height
    });
    started && !lapsed && !repealed && !superseded
}

impl Laws {
    pub fn new() -> std::result::Result<Self, govchain_law::SchemaError> {
        Ok(Self {
            schema: govchain_law::base_schema()?,
            cache: Mutex::new(BTreeMap::new()),
        })
    }

    /// Compiles `laws` against the schema (for checks at genesis and enactment).
    pub fn compile(
        &self,
        laws: &[govchain_types::LawPackage],
    ) -> std::result::Result<LawBook, govchain_law::LawError> {
        LawBook::compile(laws, self.schema.clone())
    }

    /// The book of the laws in force at `height`, read from `state`.
    pub fn book_at(&self, state: &dyn State, height: Height) -> Result<Arc<LawBook>> {
        let index = schema::law_index(state)?;
        let mut key: InForce = index
            .iter()
            .filter(|l| in_force(l, height, &index))
            .map(|l| (l.id.to_string(), l.version))
            .collect();
        key.sort();
        if let Some(book) = self.lock().get(&key) {
            return Ok(book.clone());
        }
        let mut laws = Vec::with_capacity(key.len());
        for l in index.iter().filter(|l| in_force(l, height, &index)) {
            let law = schema::law(state, &l.id, l.version)?.ok_or_else(|| ExecError::Corrupt {
                key: String::from_utf8_lossy(&schema::law_key(&l.id, l.version)).into_owned(),
                reason: "the law index names a law that is not stored".into(),
            })?;
            laws.push(law);
        }
        let book = Arc::new(self.compile(&laws).map_err(|e| ExecError::Corrupt {
            key: "law/index".into(),
            reason: format!("the laws in force do not compile: {e}"),
        })?);
        let mut cache = self.lock();
        if cache.len() >= CACHE_SIZE
            && let Some(first) = cache.keys().next().cloned()
        {
            cache.remove(&first);
        }
        cache.insert(key, book.clone());
        Ok(book)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Cache> {
        self.cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}
