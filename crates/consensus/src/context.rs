//! govchain's Malachite `Context`: heights, validator addresses, the value that consensus
//! decides (a block id; the block itself travels as proposal parts), votes and proposals.
//! Adapted from Malachite's test context (circlefin/malachite `code/crates/test/src/context.rs`).

use borsh::{BorshDeserialize, BorshSerialize};
use bytes::Bytes;
use govchain_types::{GenesisValidator, Hash, PublicKey as GovKey};
use malachitebft_core_types::{
    self as mct, LinearTimeouts, NilOrVal, Round, SignedExtension, VoteType, VotingPower,
};
use sha2::Digest;
use std::fmt;
use std::sync::Arc;

pub use malachitebft_signing_ed25519::{Ed25519, PrivateKey, PublicKey, Signature};

/// A block height.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    BorshSerialize,
    BorshDeserialize,
)]
pub struct Height(pub u64);

impl fmt::Display for Height {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl mct::Height for Height {
    const ZERO: Self = Height(0);
    const INITIAL: Self = Height(1);

    fn increment_by(&self, n: u64) -> Self {
        Height(self.0.saturating_add(n))
    }

    fn decrement_by(&self, n: u64) -> Option<Self> {
        self.0.checked_sub(n).map(Height)
    }

    fn as_u64(&self) -> u64 {
        self.0
    }
}

/// A validator's address: the first 20 bytes of SHA-256 of its Ed25519 consensus key.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, BorshSerialize, BorshDeserialize,
)]
pub struct Address(pub [u8; 20]);

impl Address {
    pub fn from_key_bytes(key: &[u8; 32]) -> Self {
        let digest = sha2::Sha256::digest(key);
        let mut out = [0u8; 20];
        out.copy_from_slice(digest.get(..20).unwrap_or(&[0u8; 20]));
        Address(out)
    }

    pub fn from_public_key(pk: &PublicKey) -> Self {
        Self::from_key_bytes(pk.as_bytes())
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

impl mct::Address for Address {}

/// What consensus decides: the hash of a block's header.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, BorshSerialize, BorshDeserialize,
)]
pub struct BlockId(pub [u8; 32]);

impl BlockId {
    pub fn hash(&self) -> Hash {
        Hash(self.0)
    }
}

impl From<Hash> for BlockId {
    fn from(h: Hash) -> Self {
        BlockId(h.0)
    }
}

impl fmt::Display for BlockId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

impl mct::Value for BlockId {
    type Id = BlockId;

    fn id(&self) -> BlockId {
        *self
    }
}

/// A validator: address, consensus key, voting power.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Validator {
    pub address: Address,
    pub public_key: PublicKey,
    pub voting_power: VotingPower,
}

impl mct::Validator<GovCtx> for Validator {
    fn address(&self) -> &Address {
        &self.address
    }

    fn public_key(&self) -> &PublicKey {
        &self.public_key
    }

    fn voting_power(&self) -> VotingPower {
        self.voting_power
    }
}

/// Why a validator set cannot be built.
#[derive(Debug, thiserror::Error)]
#[error("invalid validator set: {0}")]
pub struct ValidatorSetError(pub String);

/// The validator set, sorted as Malachite requires: power descending, then address ascending.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidatorSet {
    validators: Arc<Vec<Validator>>,
}

impl ValidatorSet {
    /// Builds the set from genesis validators (Ed25519 keys, positive power, no duplicates).
    pub fn from_genesis(genesis: &[GenesisValidator]) -> Result<Self, ValidatorSetError> {
        let mut validators = Vec::with_capacity(genesis.len());
        let mut total: u64 = 0;
        for v in genesis {
            let GovKey::Ed25519(bytes) = &v.key else {
                return Err(ValidatorSetError(format!(
                    "validator `{}` has no ed25519 key",
                    v.name
                )));
            };
            let public_key = PublicKey::from_bytes(*bytes).map_err(|e| {
                ValidatorSetError(format!("validator `{}` has a bad key: {e}", v.name))
            })?;
            total = total
                .checked_add(v.power)
                .ok_or_else(|| ValidatorSetError("total power overflows".into()))?;
            validators.push(Validator {
                address: Address::from_key_bytes(bytes),
                public_key,
                voting_power: v.power,
            });
        }
        // Malachite multiplies the total power by 2 or 3 in its quorum checks.
        if total > u64::MAX / 4 {
            return Err(ValidatorSetError("total voting power is too large".into()));
        }
        if validators.is_empty() {
            return Err(ValidatorSetError("no validators".into()));
        }
        validators.sort_by(|a, b| {
            b.voting_power
                .cmp(&a.voting_power)
                .then(a.address.cmp(&b.address))
        });
        if validators
            .windows(2)
            .any(|w| matches!(w, [a, b] if a.address == b.address))
        {
            return Err(ValidatorSetError("a validator appears twice".into()));
        }
        Ok(Self {
            validators: Arc::new(validators),
        })
    }

    pub fn iter(&self) -> impl Iterator<Item = &Validator> {
        self.validators.iter()
    }

    pub fn get(&self, address: &Address) -> Option<&Validator> {
        self.validators.iter().find(|v| &v.address == address)
    }
}

impl mct::ValidatorSet<GovCtx> for ValidatorSet {
    fn count(&self) -> usize {
        self.validators.len()
    }

    fn total_voting_power(&self) -> VotingPower {
        self.validators
            .iter()
            .fold(0u64, |acc, v| acc.saturating_add(v.voting_power))
    }

    fn get_by_address(&self, address: &Address) -> Option<&Validator> {
        self.get(address)
    }

    fn get_by_index(&self, index: usize) -> Option<&Validator> {
        self.validators.get(index)
    }
}

/// A proposal: the block id proposed at a height and round.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Proposal {
    pub height: Height,
    pub round: Round,
    pub value: BlockId,
    pub pol_round: Round,
    pub proposer: Address,
}

impl mct::Proposal<GovCtx> for Proposal {
    fn height(&self) -> Height {
        self.height
    }

    fn round(&self) -> Round {
        self.round
    }

    fn value(&self) -> &BlockId {
        &self.value
    }

    fn take_value(self) -> BlockId {
        self.value
    }

    fn pol_round(&self) -> Round {
        self.pol_round
    }

    fn validator_address(&self) -> &Address {
        &self.proposer
    }
}

/// The parts a proposer streams: `Init`, the encoded block in `Data` chunks, then `Fin` with the
/// proposer's signature over everything before it (see `streaming`).
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub enum ProposalPart {
    Init {
        height: Height,
        round: u32,
        pol_round: Option<u32>,
        proposer: Address,
        block_id: BlockId,
    },
    Data(Vec<u8>),
    Fin {
        signature: [u8; 64],
    },
}

impl mct::ProposalPart<GovCtx> for ProposalPart {
    fn is_first(&self) -> bool {
        matches!(self, Self::Init { .. })
    }

    fn is_last(&self) -> bool {
        matches!(self, Self::Fin { .. })
    }
}

/// A prevote or precommit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Vote {
    pub typ: VoteType,
    pub height: Height,
    pub round: Round,
    pub value: NilOrVal<BlockId>,
    pub validator: Address,
    pub extension: Option<SignedExtension<GovCtx>>,
}

impl mct::Vote<GovCtx> for Vote {
    fn height(&self) -> Height {
        self.height
    }

    fn round(&self) -> Round {
        self.round
    }

    fn value(&self) -> &NilOrVal<BlockId> {
        &self.value
    }

    fn take_value(self) -> NilOrVal<BlockId> {
        self.value
    }

    fn vote_type(&self) -> VoteType {
        self.typ
    }

    fn validator_address(&self) -> &Address {
        &self.validator
    }

    fn extension(&self) -> Option<&SignedExtension<GovCtx>> {
        self.extension.as_ref()
    }

    fn take_extension(&mut self) -> Option<SignedExtension<GovCtx>> {
        self.extension.take()
    }

    fn extend(self, extension: SignedExtension<GovCtx>) -> Self {
        Self {
            extension: Some(extension),
            ..self
        }
    }
}

/// govchain's consensus context.
#[derive(Clone, Copy, Debug, Default)]
pub struct GovCtx;

impl mct::Context for GovCtx {
    type Address = Address;
    type Height = Height;
    type ProposalPart = ProposalPart;
    type Proposal = Proposal;
    type Validator = Validator;
    type ValidatorSet = ValidatorSet;
    type Timeouts = LinearTimeouts;
    type Value = BlockId;
    type Vote = Vote;
    type Extension = Bytes;
    type SigningScheme = Ed25519;

    /// Round-robin over the sorted set: `(height - 1 + round) mod n`, a pure function of its
    /// inputs (sync calls it for past heights too).
    fn select_proposer<'a>(
        &self,
        validator_set: &'a ValidatorSet,
        height: Height,
        round: Round,
    ) -> &'a Validator {
        let n = validator_set.validators.len().max(1) as u64;
        let r = u64::from(round.as_u32().unwrap_or(0));
        let i = height
            .0
            .saturating_sub(1)
            .wrapping_add(r)
            .checked_rem(n)
            .unwrap_or(0);
        #[allow(
            clippy::expect_used,
            reason = "the set is never empty: ValidatorSet::from_genesis refuses an empty one"
        )]
        validator_set
            .validators
            .get(usize::try_from(i).unwrap_or(0))
            .or_else(|| validator_set.validators.first())
            .expect("a validator set is never empty")
    }

    fn new_proposal(
        &self,
        height: Height,
        round: Round,
        value: BlockId,
        pol_round: Round,
        address: Address,
    ) -> Proposal {
        Proposal {
            height,
            round,
            value,
            pol_round,
            proposer: address,
        }
    }

    fn new_prevote(
        &self,
        height: Height,
        round: Round,
        value_id: NilOrVal<BlockId>,
        address: Address,
    ) -> Vote {
        Vote {
            typ: VoteType::Prevote,
            height,
            round,
            value: value_id,
            validator: address,
            extension: None,
        }
    }

    fn new_precommit(
        &self,
        height: Height,
        round: Round,
        value_id: NilOrVal<BlockId>,
        address: Address,
    ) -> Vote {
        Vote {
            typ: VoteType::Precommit,
            height,
            round,
            value: value_id,
            validator: address,
            extension: None,
        }
    }
}

/// Malachite's default timeouts, shortened for a LAN of government data centres: propose 1 s,
/// prevote and precommit 500 ms, each growing by 500 ms per round.
pub fn timeouts() -> LinearTimeouts {
    use std::time::Duration;
    LinearTimeouts {
        propose: Duration::from_millis(1_000),
        propose_delta: Duration::from_millis(500),
        prevote: Duration::from_millis(500),
        prevote_delta: Duration::from_millis(500),
        precommit: Duration::from_millis(500),
        precommit_delta: Duration::from_millis(500),
        ..LinearTimeouts::default()
    }
}
