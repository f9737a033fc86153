//! The state the machine reads: production uses the redb store, tests a map.

use govchain_types::WriteSet;
use std::collections::BTreeMap;

/// A failure of the storage underneath, not of a transaction.
#[derive(Debug, thiserror::Error)]
#[error("state read failed: {0}")]
pub struct StateError(pub String);

/// Read access to the current state (the state after the parent block).
pub trait State {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StateError>;

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
}

impl<S: State + ?Sized> State for &S {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StateError> {
        (**self).get(key)
    }

    fn contains(&self, key: &[u8]) -> Result<bool, StateError> {
        (**self).contains(key)
    }
}
