//! The limits every block keeps, whoever built it: the same [`ChainParams`] fields the mempool
//! enforces at admission, checked in one place.
//!
//! - each transaction's canonical encoding is at most `max_tx_bytes` ([`check_tx_size`], which
//!   admission calls on the bytes it receives);
//! - a block has at most `max_block_txs` transactions;
//! - a block's canonical encoding is at most `max_block_bytes`.
//!
//! - every transaction passes its envelope at the block, its nonces in sequence
//!   ([`envelope_failures`]).
//!
//! [`check_block_limits`] is called by the proposer's assembly (`node::App::propose`) and by
//! `node::App::check_proposal`, which the consensus host runs on proposals from peers and on
//! decided values synced from peers alike. It returns the full hash of each transaction (body
//! and signature, [`govchain_crypto::tx_hash`]): the leaves of the header's `tx_root`, which
//! [`crate::validate_header`] takes only in this checked form.

use govchain_crypto::{hash, merkle_root};
use govchain_types::{Block, ChainParams, Hash, Scheme};

/// A transaction larger than the chain allows.
#[derive(Debug, Clone, Copy, thiserror::Error, PartialEq, Eq)]
#[error("transaction is {size} bytes, more than the limit of {limit}")]
pub struct TxTooLarge {
    pub size: usize,
    pub limit: u32,
}

/// Why a block breaks the chain's limits.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum BlockRuleError {
    #[error("block has {count} transactions, more than the limit of {limit}")]
    TooManyTxs { count: usize, limit: u32 },
    #[error("transaction {index} of the block: {source}")]
    TxTooLarge { index: usize, source: TxTooLarge },
    #[error("block is at least {size} bytes, more than the limit of {limit}")]
    BlockTooLarge { size: usize, limit: u32 },
    #[error("transaction {index} of the block would be rejected: {source}")]
    Rejected {
        index: usize,
        source: crate::envelope::EnvelopeError,
    },
}

/// The rule on one transaction: its canonical encoding (`size` bytes) is at most
/// `max_tx_bytes`. Admission and blocks both use it.
pub fn check_tx_size(params: &ChainParams, size: usize) -> Result<(), TxTooLarge> {
    if size > params.max_tx_bytes as usize {
        return Err(TxTooLarge {
            size,
            limit: params.max_tx_bytes,
        });
    }
    Ok(())
}

/// A block's transactions after [`check_block_limits`]: the full hash of each one's canonical
/// encoding, in block order. Only that function makes one, so a header is never checked against
/// transaction ids (which leave the signature out) by mistake.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TxHashes(Vec<Hash>);

impl TxHashes {
    pub fn as_slice(&self) -> &[Hash] {
        &self.0
    }

    /// The tx root a header must carry: the Merkle root (RFC 6962) of these hashes.
    pub fn root(&self, scheme: Scheme) -> Hash {
        merkle_root(scheme, &self.0)
    }
}

/// Checks `block` against the chain's limits and returns its transactions' full hashes.
///
/// The count is checked before any transaction is encoded, and the byte total stops the walk as
/// soon as it passes the limit, so an oversized block costs little to refuse.
pub fn check_block_limits(
    scheme: Scheme,
    params: &ChainParams,
    block: &Block,
) -> Result<TxHashes, BlockRuleError> {
    let count = block.txs.len();
    if count > params.max_block_txs as usize {
        return Err(BlockRuleError::TooManyTxs {
            count,
            limit: params.max_block_txs,
        });
    }
    let limit = params.max_block_bytes;
    // `encode(Block)` is the version byte, the header, the u32 count of transactions and each
    // transaction's borsh bytes; `header.encode()` carries the version byte, and each
    // `tx.encode()` one more version byte that the block does not repeat.
    let mut size = block.header.encode().len().saturating_add(4);
    let mut hashes = Vec::with_capacity(count);
    for (index, tx) in block.txs.iter().enumerate() {
        let bytes = tx.encode();
        check_tx_size(params, bytes.len())
            .map_err(|source| BlockRuleError::TxTooLarge { index, source })?;
        size = size.saturating_add(bytes.len().saturating_sub(1));
        if size > limit as usize {
            return Err(BlockRuleError::BlockTooLarge { size, limit });
        }
        // INVARIANT: this is `govchain_crypto::tx_hash(scheme, tx)`, from the bytes at hand.
        hashes.push(hash(scheme, &bytes));
    }
    if size > limit as usize {
        return Err(BlockRuleError::BlockTooLarge { size, limit });
    }
    Ok(TxHashes(hashes))
}

/// The envelope of each transaction of a block at its height, against the state before it
/// (`crate::envelope::check_envelope`: chain, expiry, lifetime, the signer's key in force), its
/// nonce the signer's next one, or the next after the signer's previous transaction in the
/// block. An honest proposer's pool guarantees it (it reaps runs of consecutive nonces and drops
/// what expired or lost its key at each commit), so a proposal that breaks it is refused: a
/// proposer cannot fill blocks with transactions execution would only reject. The proposer's
/// assembly drops what fails (a late admission can race a commit). Returns each failing
/// transaction's index and why, in block order; a transaction after a failed one of the same
/// signer fails too (its nonce no longer follows).
pub fn envelope_failures<'a>(
    state: &dyn crate::state::State,
    chain_id: &str,
    height: govchain_types::Height,
    max_lifetime: u64,
    txs: impl IntoIterator<Item = &'a govchain_types::TxBody>,
) -> crate::Result<Vec<(usize, crate::envelope::EnvelopeError)>> {
    use crate::envelope::{Envelope, EnvelopeError, NonceRule, Rules, check_envelope};
    let rules = Rules {
        chain_id,
        height,
        max_lifetime,
        nonce: NonceRule::Exact,
    };
    // The next nonce of each signer seen so far in the block.
    let mut next: std::collections::HashMap<&govchain_types::PublicKey, u64> =
        std::collections::HashMap::new();
    let mut failures = Vec::new();
    for (i, body) in txs.into_iter().enumerate() {
        let seen = next.get(&body.signer).copied();
        let envelope = Envelope {
            chain_id: &body.chain_id,
            signer: &body.signer,
            valid_until: body.valid_until,
            // The state's nonce rule for the signer's first transaction; later ones follow it.
            nonce: if seen.is_some() {
                None
            } else {
                Some(body.nonce)
            },
        };
        let refusal = match check_envelope(state, &envelope, &rules)? {
            Err(e) => Some(e),
            Ok(_) => match seen {
                Some(expected) if body.nonce != expected => Some(if body.nonce < expected {
                    EnvelopeError::NonceUsed {
                        nonce: body.nonce,
                        expected,
                    }
                } else {
                    EnvelopeError::NonceAhead {
                        nonce: body.nonce,
                        expected,
                        window: 0,
                    }
                }),
                _ => None,
            },
        };
        match refusal {
            Some(e) => {
                // The signer's sequence stops here: a later transaction of it cannot follow.
                next.entry(&body.signer).or_insert(u64::MAX);
                failures.push((i, e));
            }
            None => match body.nonce.checked_add(1) {
                Some(n) => {
                    next.insert(&body.signer, n);
                }
                None => {
                    next.insert(&body.signer, u64::MAX);
                }
            },
        }
    }
    Ok(failures)
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        clippy::indexing_slicing,
        clippy::arithmetic_side_effects,
        reason = "a test fails loudly"
    )]

    use super::*;
    use govchain_crypto::{SecretKey, sign_tx, tx_hash};
    use govchain_types::{Header, Payload, PrincipalId, PrincipalKind, Tx, TxBody};

    fn tx(nonce: u64, name_len: usize) -> Tx {
        let key = SecretKey::from_seed(Scheme::Ed25519, b"signer");
        sign_tx(
            Scheme::Ed25519,
            &key,
            TxBody {
                chain_id: "rules".into(),
                signer: key.public_key(),
                nonce,
                valid_until: 10,
                acting_as: None,
                payload: Payload::RegisterKey {
                    principal: PrincipalId::new("p".repeat(name_len.max(1))).unwrap(),
                    kind: PrincipalKind::Person,
                    key: key.public_key(),
                },
            },
        )
    }

    fn block(txs: Vec<Tx>) -> Block {
        Block {
            header: Header {
                chain_id: "rules".into(),
                height: 1,
                round: 0,
                time_ms: 1,
                parent_hash: Hash::ZERO,
                tx_root: Hash::ZERO,
                state_root: Hash::ZERO,
                proposer: SecretKey::from_seed(Scheme::Ed25519, b"v").public_key(),
                validator_set_hash: Hash::ZERO,
            },
            txs,
        }
    }

    #[test]
    fn the_byte_count_is_the_encoded_block() {
        for n in [0, 1, 3] {
            let b = block((0..n).map(|i| tx(i, 10)).collect());
            let generous = ChainParams::default();
            assert!(check_block_limits(Scheme::Ed25519, &generous, &b).is_ok());
            let exact = b.encode().len() as u32;
            let fits = ChainParams {
                max_block_bytes: exact,
                ..ChainParams::default()
            };
            assert!(
                check_block_limits(Scheme::Ed25519, &fits, &b).is_ok(),
                "{n} txs"
            );
            let short = ChainParams {
                max_block_bytes: exact - 1,
                ..ChainParams::default()
            };
            assert_eq!(
                check_block_limits(Scheme::Ed25519, &short, &b),
                Err(BlockRuleError::BlockTooLarge {
                    size: exact as usize,
                    limit: exact - 1
                }),
                "{n} txs"
            );
        }
    }

    #[test]
    fn limits_table() {
        let small = tx(0, 5);
        let big = tx(1, 60);
        let big_size = big.encode().len();
        let two = block(vec![small.clone(), small.clone()]);
        let with_big = block(vec![small.clone(), big.clone()]);
        let with_params = |f: fn(&mut ChainParams, usize)| {
            let mut p = ChainParams::default();
            f(&mut p, big_size);
            p
        };
        let cases: Vec<(&str, &Block, ChainParams, Option<BlockRuleError>)> = vec![
            ("within every limit", &two, ChainParams::default(), None),
            (
                "one transaction more than max_block_txs",
                &two,
                with_params(|p, _| p.max_block_txs = 1),
                Some(BlockRuleError::TooManyTxs { count: 2, limit: 1 }),
            ),
            (
                "exactly max_block_txs",
                &two,
                with_params(|p, _| p.max_block_txs = 2),
                None,
            ),
            (
                "a transaction one byte over max_tx_bytes",
                &with_big,
                with_params(|p, s| p.max_tx_bytes = (s - 1) as u32),
                Some(BlockRuleError::TxTooLarge {
                    index: 1,
                    source: TxTooLarge {
                        size: big_size,
                        limit: (big_size - 1) as u32,
                    },
                }),
            ),
            (
                "a transaction of exactly max_tx_bytes",
                &with_big,
                with_params(|p, s| p.max_tx_bytes = s as u32),
                None,
            ),
            (
                "a block over max_block_bytes",
                &two,
                with_params(|p, _| p.max_block_bytes = 100),
                Some(BlockRuleError::BlockTooLarge {
                    size: two.header.encode().len() + 4 + small.encode().len() - 1,
                    limit: 100,
                }),
            ),
        ];
        for (what, b, params, want) in cases {
            let got = check_block_limits(Scheme::Ed25519, &params, b);
            match want {
                None => assert!(got.is_ok(), "{what}: {got:?}"),
                Some(e) => assert_eq!(got, Err(e), "{what}"),
            }
        }
    }

    #[test]
    fn the_leaves_are_full_hashes_and_a_signature_changes_the_root() {
        let honest = tx(0, 5);
        let mut forged = honest.clone();
        forged.signature = govchain_types::Signature::Ed25519([7; 64]);
        let params = ChainParams::default();
        let a = check_block_limits(Scheme::Ed25519, &params, &block(vec![honest.clone()])).unwrap();
        let b = check_block_limits(Scheme::Ed25519, &params, &block(vec![forged.clone()])).unwrap();
        assert_eq!(a.as_slice(), &[tx_hash(Scheme::Ed25519, &honest)]);
        assert_eq!(b.as_slice(), &[tx_hash(Scheme::Ed25519, &forged)]);
        assert_ne!(a.root(Scheme::Ed25519), b.root(Scheme::Ed25519));
    }
}
