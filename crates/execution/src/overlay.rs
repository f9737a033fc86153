//! Pending writes over a base state: one layer for the block, one for the transaction.

use crate::state::{State, StateError};
use govchain_types::{Write, WriteSet};
use std::collections::BTreeMap;

/// The block's writes so far over the parent state.
pub struct BlockOverlay<'a> {
    base: &'a dyn State,
    pub(crate) writes: WriteSet,
}

impl<'a> BlockOverlay<'a> {
    pub fn new(base: &'a dyn State) -> Self {
        Self {
            base,
            writes: WriteSet::new(),
        }
    }

    /// Adds a transaction's writes, attributed to it.
    pub fn merge(&mut self, tx_index: Option<u32>, writes: BTreeMap<Vec<u8>, Option<Vec<u8>>>) {
        for (key, value) in writes {
            self.writes.insert(key, Write { value, tx_index });
        }
    }
}

impl State for BlockOverlay<'_> {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StateError> {
        match self.writes.get(key) {
            Some(w) => Ok(w.value.clone()),
            None => self.base.get(key),
        }
    }
}

/// One transaction's tentative writes; dropped if the transaction fails.
pub struct TxOverlay<'a> {
    base: &'a dyn State,
    pub(crate) writes: BTreeMap<Vec<u8>, Option<Vec<u8>>>,
    /// The law article that allowed what the transaction did.
    pub(crate) citation: Option<govchain_types::Citation>,
    /// The authorization requests the transaction made, with their decisions.
    pub(crate) audit: Vec<crate::Audited>,
    /// The statement lines of the balances it changed.
    pub(crate) postings: Vec<crate::finance::PendingPosting>,
}

impl<'a> TxOverlay<'a> {
    pub fn new(base: &'a dyn State) -> Self {
        Self {
            base,
            writes: BTreeMap::new(),
            citation: None,
            audit: Vec::new(),
            postings: Vec::new(),
        }
    }

    pub fn put(&mut self, key: Vec<u8>, value: Vec<u8>) {
        self.writes.insert(key, Some(value));
    }

    /// Removes `key` from the state from this version on (earlier versions stay readable).
    pub fn delete(&mut self, key: Vec<u8>) {
        self.writes.insert(key, None);
    }
}

impl State for TxOverlay<'_> {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StateError> {
        match self.writes.get(key) {
            Some(v) => Ok(v.clone()),
            None => self.base.get(key),
        }
    }
}
