//! Pending writes over a base state: one layer for the block, one for the transaction.

use crate::state::{State, StateError};
use govchain_types::{Write, WriteSet};
use std::collections::BTreeMap;

/// The block's writes so far over the parent state, and the parent state's values read so
/// far (a transaction reads the signer's records several times; the store is read once).
pub struct BlockOverlay<'a> {
    base: &'a dyn State,
    pub(crate) writes: WriteSet,
    read: std::cell::RefCell<BTreeMap<Vec<u8>, Option<Vec<u8>>>>,
}

impl<'a> BlockOverlay<'a> {
    pub fn new(base: &'a dyn State) -> Self {
        Self {
            base,
            writes: WriteSet::new(),
            read: std::cell::RefCell::new(BTreeMap::new()),
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
        if let Some(w) = self.writes.get(key) {
            return Ok(w.value.clone());
        }
        if let Some(v) = self.read.borrow().get(key) {
            return Ok(v.clone());
        }
        let v = self.base.get(key)?;
        self.read.borrow_mut().insert(key.to_vec(), v.clone());
        Ok(v)
    }

    fn scan_prefix(
        &self,
        prefix: &[u8],
        most: usize,
    ) -> Result<Option<crate::state::Scanned>, StateError> {
        let pending = self
            .writes
            .range(prefix.to_vec()..)
            .take_while(|(k, _)| k.starts_with(prefix))
            .map(|(k, w)| (k.clone(), w.value.clone()));
        crate::state::scan_over(self.base, pending, prefix, most)
    }
}

/// One transaction's tentative writes; dropped if the transaction fails.
pub struct TxOverlay<'a> {
    base: &'a dyn State,
    pub(crate) writes: BTreeMap<Vec<u8>, Option<Vec<u8>>>,
    /// The law article that allowed what the transaction did.
    pub(crate) citation: Option<govchain_types::Citation>,
    /// The authorization requests the transaction made, with their decisions (when
    /// `audit_on`: the block keeps those of a sample of its transactions).
    pub(crate) audit: Vec<crate::Audited>,
    pub(crate) audit_on: bool,
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
            audit_on: true,
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

    fn scan_prefix(
        &self,
        prefix: &[u8],
        most: usize,
    ) -> Result<Option<crate::state::Scanned>, StateError> {
        let pending = self
            .writes
            .range(prefix.to_vec()..)
            .take_while(|(k, _)| k.starts_with(prefix))
            .map(|(k, v)| (k.clone(), v.clone()));
        crate::state::scan_over(self.base, pending, prefix, most)
    }
}
