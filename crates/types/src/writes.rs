//! The writes of one block, as execution hands them to the store.

use std::collections::BTreeMap;

/// One key's final write in a block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Write {
    /// The new value; `None` deletes the key from the current state (its history stays).
    pub value: Option<Vec<u8>>,
    /// Index in the block of the transaction that wrote it last; `None` for genesis and for
    /// writes the block itself makes.
    pub tx_index: Option<u32>,
}

/// All writes of one block, ordered by key so every node commits them alike.
pub type WriteSet = BTreeMap<Vec<u8>, Write>;
