//! The redb tables and how their keys and values are laid out.
//!
//! | table          | key                          | value                                        |
//! |----------------|------------------------------|----------------------------------------------|
//! | `sys`          | name                         | `scheme` (1 byte), `latest` (u64 BE), `format` |
//! | `meta`         | name                         | caller's bytes (e.g. the genesis document)   |
//! | `jmt_nodes`    | version BE ‖ nibbles ‖ 0xFF  | borsh(jmt `Node`)                            |
//! | `versions`     | (key hash, height)           | borsh([`StoredVersion`])                     |
//! | `keys`         | state key                    | last height that wrote it (prefix scans)     |
//! | `roots`        | height                       | state root after that height                 |
//! | `blocks`       | height                       | canonical `Block` (absent for genesis)       |
//! | `block_hashes` | height                       | block hash                                   |
//! | `certificates` | height                       | canonical `CommitCertificate`, if any        |
//! | `receipts`     | (height, index)              | canonical `Receipt`                          |
//! | `tx_index`     | tx id                        | (height, index)                              |
//! | `audit`        | (height, index)              | an authorization request and its decision    |
//! | `reads`        | sequence number              | a protected read served (the read log)       |
//! | `read_ids`     | hash of a signed read request | its `valid_until` (replays refused while live) |
//! | `read_expiry`  | `valid_until` (BE) ‖ request hash | nothing: the live requests by expiry, so pruning reads only what expired |
//! | `journal`      | caller's key (e.g. an account's statement line) | caller's bytes, derived from the blocks |
//!
//! The jmt version of a height is the height itself: jmt 0.12 writes a root node for every version
//! it is given, even for an empty write set (it copies the previous root), so `roots` and the tree
//! agree at every height.

use crate::{Error, Result};
use borsh::{BorshDeserialize, BorshSerialize};
use govchain_types::{Height, Scheme};
use jmt::storage::NodeKey;
use redb::{ReadableTable, TableDefinition};

pub(crate) type Bytes = &'static [u8];

pub(crate) const SYS: TableDefinition<&str, Bytes> = TableDefinition::new("sys");
pub(crate) const META: TableDefinition<&str, Bytes> = TableDefinition::new("meta");
pub(crate) const NODES: TableDefinition<Bytes, Bytes> = TableDefinition::new("jmt_nodes");
pub(crate) const VERSIONS: TableDefinition<([u8; 32], u64), Bytes> =
    TableDefinition::new("versions");
pub(crate) const ROOTS: TableDefinition<u64, [u8; 32]> = TableDefinition::new("roots");
pub(crate) const BLOCKS: TableDefinition<u64, Bytes> = TableDefinition::new("blocks");
pub(crate) const BLOCK_HASHES: TableDefinition<u64, [u8; 32]> =
    TableDefinition::new("block_hashes");
pub(crate) const CERTIFICATES: TableDefinition<u64, Bytes> = TableDefinition::new("certificates");
pub(crate) const RECEIPTS: TableDefinition<(u64, u32), Bytes> = TableDefinition::new("receipts");
/// Every state key ever written, in key order (for prefix scans), with the last height that
/// wrote it.
pub(crate) const KEYS: TableDefinition<Bytes, u64> = TableDefinition::new("keys");
/// Protected reads this node served, by sequence number (outside the state root).
pub(crate) const READS: TableDefinition<u64, Bytes> = TableDefinition::new("reads");
pub(crate) const READ_IDS: TableDefinition<[u8; 32], u64> = TableDefinition::new("read_ids");
/// The live read requests ordered by expiry: `(valid_until, id)`.
pub(crate) const READ_EXPIRY: TableDefinition<(u64, [u8; 32]), ()> =
    TableDefinition::new("read_expiry");
pub(crate) const JOURNAL: TableDefinition<Bytes, Bytes> = TableDefinition::new("journal");
pub(crate) const AUDIT: TableDefinition<(u64, u32), Bytes> = TableDefinition::new("audit");
pub(crate) const TX_INDEX: TableDefinition<[u8; 32], (u64, u32)> = TableDefinition::new("tx_index");

pub(crate) const SYS_SCHEME: &str = "scheme";
pub(crate) const SYS_LATEST: &str = "latest";
pub(crate) const SYS_FORMAT: &str = "format";

/// The layout version written in `sys/format`.
/// 2: the `keys` and `audit` tables (the Registries issue).
/// 3: the `journal` table (account statements, the Finance issue).
/// 4: `jmt_nodes` keyed by nibbles in walk order (the one-pass genesis tree).
/// 5: headers name their round and the tx root covers full transactions; `read_expiry` (the
///    Security issue).
/// 6: a read log entry says what came of the read (`ReadOutcome`, the Security issue).
/// 7: the chain's rules changed under the data (no activation heights yet): blocks carry no
///    transaction its envelope refuses, a refusal for who a transaction acts as uses its nonce,
///    positions start as offers, a repeal ends only earlier versions (the Security issue).
/// 8: a record version's `written` names the service that wrote it; services and applications
///    in state (the Services issue).
/// 9: an application keeps its schedule; the block agenda counts its entries per height.
pub(crate) const FORMAT: u8 = 9;

/// One version of a key: what the `versions` table holds.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub(crate) struct StoredVersion {
    /// `None` is a deletion.
    pub value: Option<Vec<u8>>,
    pub tx_index: Option<u32>,
}

/// A [`StoredVersion`] borrowing its value: encodes to the same bytes, without copying the value
/// first.
#[derive(BorshSerialize)]
pub(crate) struct StoredVersionRef<'a> {
    pub value: Option<&'a [u8]>,
    pub tx_index: Option<u32>,
}

impl StoredVersionRef<'_> {
    /// Encodes into `buf`, replacing what it held.
    pub(crate) fn encode_into(&self, buf: &mut Vec<u8>) -> Result<()> {
        buf.clear();
        self.encode_after(buf)
    }

    /// Encodes at the end of `buf`.
    pub(crate) fn encode_after(&self, buf: &mut Vec<u8>) -> Result<()> {
        borsh::to_writer(&mut *buf, self).map_err(|e| Error::corrupt(format!("state version: {e}")))
    }
}

impl StoredVersion {
    pub(crate) fn decode(bytes: &[u8]) -> Result<Self> {
        borsh::from_slice(bytes).map_err(|e| Error::corrupt(format!("state version: {e}")))
    }
}

/// The `jmt_nodes` key: the version big-endian (a height's new nodes sit together), then the
/// node's nibble path one nibble per byte, then `0xFF`. Within a version the keys are in the
/// order of a depth-first walk that visits children before their parent (a parent's `0xFF`
/// sorts after every nibble of its children), the order the one-pass genesis build makes nodes
/// in: it appends to the table.
pub(crate) fn node_key_bytes(key: &NodeKey) -> Vec<u8> {
    let path = key.nibble_path();
    let mut out = Vec::with_capacity(8 + 64 + 1);
    out.extend_from_slice(&key.version().to_be_bytes());
    out.extend(path.nibbles().map(u8::from));
    out.push(NODE_KEY_END);
    out
}

/// The byte that ends a node key's path.
pub(crate) const NODE_KEY_END: u8 = 0xFF;

pub(crate) fn scheme_byte(scheme: Scheme) -> u8 {
    match scheme {
        Scheme::Ed25519 => 0,
        Scheme::Sm2 => 1,
    }
}

pub(crate) fn scheme_from_byte(b: u8) -> Result<Scheme> {
    match b {
        0 => Ok(Scheme::Ed25519),
        1 => Ok(Scheme::Sm2),
        other => Err(Error::corrupt(format!("unknown scheme byte `{other}`"))),
    }
}

/// The latest committed height recorded in `sys`, if any.
pub(crate) fn latest(sys: &impl ReadableTable<&'static str, Bytes>) -> Result<Option<Height>> {
    let Some(guard) = sys.get(SYS_LATEST)? else {
        return Ok(None);
    };
    let bytes: [u8; 8] = guard
        .value()
        .try_into()
        .map_err(|_| Error::corrupt("latest height is not 8 bytes"))?;
    Ok(Some(u64::from_be_bytes(bytes)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_borrowed_version_encodes_as_an_owned_one() -> Result<()> {
        let mut buf = vec![9; 3];
        for (value, tx_index) in [
            (Some(vec![1u8, 2, 3]), Some(7)),
            (None, None),
            (Some(vec![]), None),
        ] {
            let r = StoredVersionRef {
                value: value.as_deref(),
                tx_index,
            };
            r.encode_into(&mut buf)?;
            assert_eq!(
                StoredVersion::decode(&buf)?,
                StoredVersion { value, tx_index }
            );
        }
        Ok(())
    }
}
