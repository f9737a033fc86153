//! The state the machine reads: production uses the redb store, tests a map.

use govchain_types::WriteSet;
use std::collections::BTreeMap;

/// A failure of the storage underneath, not of a transaction.
#[derive(Debug, thiserror::Error)]
#[error("state read failed: {0}")]
pub struct StateError(pub String);

/// Read access to the current state (the state after the parent block).
/// The keys a prefix scan found, with their values, in key order.
pub type Scanned = Vec<(Vec<u8>, Vec<u8>)>;

pub trait State {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StateError>;

    /// Every key starting with `prefix` that holds a value, with its value, in key order; or
    /// `None` if more than `most` of them hold one (the store also gives up past `most × 8 +
    /// 1,024` keys ever written under the prefix): bounds every node meets alike, for a lookup
    /// by index a service makes and the block schedule of cases. A state that cannot be scanned
    /// says so.
    fn scan_prefix(&self, prefix: &[u8], most: usize) -> Result<Option<Scanned>, StateError> {
        let _ = (prefix, most);
        Err(StateError("this state cannot be scanned by prefix".into()))
    }

    /// Whether `key` holds a value: what a reference check asks.
    fn contains(&self, key: &[u8]) -> Result<bool, StateError> {
        Ok(self.get(key)?.is_some())
    }
}

/// An in-memory state, for tests and tools.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MemState(pub BTreeMap<Vec<u8>, Vec<u8>>);

impl MemState {
    /// Applies one block's writes.
    pub fn apply(&mut self, writes: &WriteSet) {
        for (key, write) in writes {
            match &write.value {
                Some(v) => {
                    self.0.insert(key.clone(), v.clone());
                }
                None => {
                    self.0.remove(key);
                }
            }
        }
    }
}

impl State for MemState {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StateError> {
        Ok(self.0.get(key).cloned())
    }

    fn scan_prefix(&self, prefix: &[u8], most: usize) -> Result<Option<Scanned>, StateError> {
        let found: Vec<(Vec<u8>, Vec<u8>)> = self
            .0
            .range(prefix.to_vec()..)
            .take_while(|(k, _)| k.starts_with(prefix))
            .take(most.saturating_add(1))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        Ok((found.len() <= most).then_some(found))
    }
}

/// `base`'s scan with pending `writes` over it (a value written, or `None`: removed).
pub(crate) fn scan_over(
    base: &dyn State,
    writes: impl Iterator<Item = (Vec<u8>, Option<Vec<u8>>)>,
    prefix: &[u8],
    most: usize,
) -> Result<Option<Scanned>, StateError> {
    let Some(found) = base.scan_prefix(prefix, most)? else {
        return Ok(None);
    };
    let mut merged: BTreeMap<Vec<u8>, Vec<u8>> = found.into_iter().collect();
    for (k, v) in writes.filter(|(k, _)| k.starts_with(prefix)) {
        match v {
            Some(v) => {
                merged.insert(k, v);
            }
            None => {
                merged.remove(&k);
            }
        }
    }
    Ok((merged.len() <= most).then(|| merged.into_iter().collect()))
}

impl<S: State + ?Sized> State for &S {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StateError> {
        (**self).get(key)
    }

    fn scan_prefix(&self, prefix: &[u8], most: usize) -> Result<Option<Scanned>, StateError> {
        (**self).scan_prefix(prefix, most)
    }

    fn contains(&self, key: &[u8]) -> Result<bool, StateError> {
        (**self).contains(key)
    }
}
