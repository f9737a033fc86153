//! Wire and WAL encodings of Malachite's messages for govchain, in borsh.
//!
//! Malachite's generic types carry no encoding we can use (its borsh feature needs borsh on the
//! Ed25519 signature, which the orphan rule forbids), so each is mirrored in a local `W*` struct.
//! Decoding never panics: rounds travel as `Option<u32>` (Malachite's `Round::from(i64)` asserts),
//! trailing bytes are refused, and a vote or proposal must carry a defined round.

use crate::context::{Address, BlockId, GovCtx, Height, Proposal, ProposalPart, Signature, Vote};
use borsh::{BorshDeserialize, BorshSerialize};
use bytes::Bytes;
use malachitebft_app_channel::app::consensus::{LivenessMsg, ProposedValue, SignedConsensusMsg};
use malachitebft_app_channel::app::streaming::{StreamContent, StreamId, StreamMessage};
use malachitebft_app_channel::app::types::codec::{Codec, HasEncodedLen};
use malachitebft_core_types::{
    ExtendedCommitCertificate, ExtendedCommitSignature, NilOrVal, PolkaCertificate, PolkaSignature,
    Round, RoundCertificate, RoundCertificateType, RoundSignature, SignedMessage, ValidatorProof,
    Validity, VoteType,
};
use malachitebft_sync::{self as sync, PeerId, RawDecidedValue};

/// One codec for the WAL, the network and sync.
#[derive(Clone, Copy, Debug, Default)]
pub struct GovCodec;

/// Why bytes are not a message.
#[derive(Debug, thiserror::Error)]
#[error("malformed consensus message: {0}")]
pub struct CodecError(pub String);

type R<T> = Result<T, CodecError>;

fn bad(m: impl Into<String>) -> CodecError {
    CodecError(m.into())
}

fn to_bytes<T: BorshSerialize>(w: &T) -> R<Bytes> {
    borsh::to_vec(w)
        .map(Bytes::from)
        .map_err(|e| bad(e.to_string()))
}

fn from_bytes<T: BorshDeserialize>(b: &[u8]) -> R<T> {
    borsh::from_slice(b).map_err(|e| bad(e.to_string()))
}

fn defined(round: Option<u32>, what: &str) -> R<Round> {
    round
        .map(Round::new)
        .ok_or_else(|| bad(format!("{what} has no round")))
}

fn nil_or(v: &NilOrVal<BlockId>) -> Option<BlockId> {
    match v {
        NilOrVal::Nil => None,
        NilOrVal::Val(id) => Some(*id),
    }
}

fn to_nil_or(v: Option<BlockId>) -> NilOrVal<BlockId> {
    v.map_or(NilOrVal::Nil, NilOrVal::Val)
}

fn vote_type(t: VoteType) -> u8 {
    match t {
        VoteType::Prevote => 0,
        VoteType::Precommit => 1,
    }
}

fn to_vote_type(b: u8) -> R<VoteType> {
    match b {
        0 => Ok(VoteType::Prevote),
        1 => Ok(VoteType::Precommit),
        _ => Err(bad("unknown vote type")),
    }
}

fn sig(s: &Signature) -> [u8; 64] {
    s.to_bytes()
}

#[derive(BorshSerialize, BorshDeserialize)]
struct WExtension(Vec<u8>, [u8; 64]);

#[derive(BorshSerialize, BorshDeserialize)]
struct WVote {
    typ: u8,
    height: Height,
    round: Option<u32>,
    value: Option<BlockId>,
    validator: Address,
    extension: Option<WExtension>,
}

impl WVote {
    fn from(v: &Vote) -> Self {
        Self {
            typ: vote_type(v.typ),
            height: v.height,
            round: v.round.as_u32(),
            value: nil_or(&v.value),
            validator: v.validator,
            extension: v
                .extension
                .as_ref()
                .map(|e| WExtension(e.message.to_vec(), sig(&e.signature))),
        }
    }

    fn into_vote(self) -> R<Vote> {
        Ok(Vote {
            typ: to_vote_type(self.typ)?,
            height: self.height,
            round: defined(self.round, "a vote")?,
            value: to_nil_or(self.value),
            validator: self.validator,
            extension: self.extension.map(|WExtension(b, s)| {
                SignedMessage::new(Bytes::from(b), Signature::from_bytes(s))
            }),
        })
    }
}

#[derive(BorshSerialize, BorshDeserialize)]
struct WProposal {
    height: Height,
    round: Option<u32>,
    value: BlockId,
    pol_round: Option<u32>,
    proposer: Address,
}

impl WProposal {
    fn from(p: &Proposal) -> Self {
        Self {
            height: p.height,
            round: p.round.as_u32(),
            value: p.value,
            pol_round: p.pol_round.as_u32(),
            proposer: p.proposer,
        }
    }

    fn into_proposal(self) -> R<Proposal> {
        Ok(Proposal {
            height: self.height,
            round: defined(self.round, "a proposal")?,
            value: self.value,
            pol_round: Round::from(self.pol_round),
            proposer: self.proposer,
        })
    }
}

#[derive(BorshSerialize, BorshDeserialize)]
enum WSigned {
    Vote(WVote, [u8; 64]),
    Proposal(WProposal, [u8; 64]),
}

#[derive(BorshSerialize, BorshDeserialize)]
struct WPolka {
    height: Height,
    round: Option<u32>,
    value_id: BlockId,
    signatures: Vec<(Address, [u8; 64])>,
}

impl WPolka {
    fn from(c: &PolkaCertificate<GovCtx>) -> Self {
        Self {
            height: c.height,
            round: c.round.as_u32(),
            value_id: c.value_id,
            signatures: c
                .polka_signatures
                .iter()
                .map(|s| (s.address, sig(&s.signature)))
                .collect(),
        }
    }

    fn into_cert(self) -> R<PolkaCertificate<GovCtx>> {
        Ok(PolkaCertificate {
            height: self.height,
            round: defined(self.round, "a polka certificate")?,
            value_id: self.value_id,
            polka_signatures: self
                .signatures
                .into_iter()
                .map(|(address, s)| PolkaSignature {
                    address,
                    signature: Signature::from_bytes(s),
                })
                .collect(),
        })
    }
}

#[derive(BorshSerialize, BorshDeserialize)]
struct WRoundCert {
    height: Height,
    round: Option<u32>,
    precommit: bool,
    signatures: Vec<(u8, Option<BlockId>, Address, [u8; 64])>,
}

impl WRoundCert {
    fn from(c: &RoundCertificate<GovCtx>) -> Self {
        Self {
            height: c.height,
            round: c.round.as_u32(),
            precommit: matches!(c.cert_type, RoundCertificateType::Precommit),
            signatures: c
                .round_signatures
                .iter()
                .map(|s| {
                    (
                        vote_type(s.vote_type),
                        nil_or(&s.value_id),
                        s.address,
                        sig(&s.signature),
                    )
                })
                .collect(),
        }
    }

    fn into_cert(self) -> R<RoundCertificate<GovCtx>> {
        let mut round_signatures = Vec::with_capacity(self.signatures.len());
        for (t, v, address, s) in self.signatures {
            round_signatures.push(RoundSignature {
                vote_type: to_vote_type(t)?,
                value_id: to_nil_or(v),
                address,
                signature: Signature::from_bytes(s),
            });
        }
        Ok(RoundCertificate {
            height: self.height,
            round: defined(self.round, "a round certificate")?,
            cert_type: if self.precommit {
                RoundCertificateType::Precommit
            } else {
                RoundCertificateType::Skip
            },
            round_signatures,
        })
    }
}

#[derive(BorshSerialize, BorshDeserialize)]
enum WLiveness {
    Vote(WVote, [u8; 64]),
    Polka(WPolka),
    SkipRound(WRoundCert),
}

#[derive(BorshSerialize, BorshDeserialize)]
struct WProposed {
    height: Height,
    round: Option<u32>,
    valid_round: Option<u32>,
    proposer: Address,
    value: BlockId,
    valid: bool,
}

#[derive(BorshSerialize, BorshDeserialize)]
struct WStream {
    id: Vec<u8>,
    sequence: u64,
    /// `None` is the end-of-stream marker.
    part: Option<ProposalPart>,
}

#[derive(BorshSerialize, BorshDeserialize)]
struct WProof {
    public_key: Vec<u8>,
    peer_id: Vec<u8>,
    signature: [u8; 64],
}

#[derive(BorshSerialize, BorshDeserialize)]
struct WStatus {
    peer_id: Vec<u8>,
    tip: Height,
    min: Height,
}

#[derive(BorshSerialize, BorshDeserialize)]
struct WRequest {
    from: Height,
    to: Height,
}

/// A commit certificate as it travels in sync responses.
#[derive(BorshSerialize, BorshDeserialize)]
pub(crate) struct WCommit {
    height: Height,
    round: Option<u32>,
    value_id: BlockId,
    signatures: Vec<(Address, [u8; 64], Option<WExtension>)>,
}

impl WCommit {
    fn from(c: &ExtendedCommitCertificate<GovCtx>) -> Self {
        Self {
            height: c.height,
            round: c.round.as_u32(),
            value_id: c.value_id,
            signatures: c
                .commit_signatures
                .iter()
                .map(|s| {
                    (
                        s.address,
                        sig(&s.signature),
                        s.extension
                            .as_ref()
                            .map(|e| WExtension(e.message.to_vec(), sig(&e.signature))),
                    )
                })
                .collect(),
        }
    }

    fn into_cert(self) -> R<ExtendedCommitCertificate<GovCtx>> {
        Ok(ExtendedCommitCertificate {
            height: self.height,
            round: defined(self.round, "a commit certificate")?,
            value_id: self.value_id,
            commit_signatures: self
                .signatures
                .into_iter()
                .map(|(address, s, ext)| ExtendedCommitSignature {
                    address,
                    signature: Signature::from_bytes(s),
                    extension: ext.map(|WExtension(b, s)| {
                        SignedMessage::new(Bytes::from(b), Signature::from_bytes(s))
                    }),
                })
                .collect(),
        })
    }
}

#[derive(BorshSerialize, BorshDeserialize)]
struct WResponse {
    start: Height,
    values: Vec<(Vec<u8>, WCommit)>,
}

impl Codec<ProposalPart> for GovCodec {
    type Error = CodecError;
    fn decode(&self, bytes: Bytes) -> R<ProposalPart> {
        from_bytes(&bytes)
    }
    fn encode(&self, msg: &ProposalPart) -> R<Bytes> {
        to_bytes(msg)
    }
}

impl Codec<SignedConsensusMsg<GovCtx>> for GovCodec {
    type Error = CodecError;
    fn decode(&self, bytes: Bytes) -> R<SignedConsensusMsg<GovCtx>> {
        Ok(match from_bytes::<WSigned>(&bytes)? {
            WSigned::Vote(v, s) => SignedConsensusMsg::Vote(SignedMessage::new(
                v.into_vote()?,
                Signature::from_bytes(s),
            )),
            WSigned::Proposal(p, s) => SignedConsensusMsg::Proposal(SignedMessage::new(
                p.into_proposal()?,
                Signature::from_bytes(s),
            )),
        })
    }
    fn encode(&self, msg: &SignedConsensusMsg<GovCtx>) -> R<Bytes> {
        to_bytes(&match msg {
            SignedConsensusMsg::Vote(v) => {
                WSigned::Vote(WVote::from(&v.message), sig(&v.signature))
            }
            SignedConsensusMsg::Proposal(p) => {
                WSigned::Proposal(WProposal::from(&p.message), sig(&p.signature))
            }
        })
    }
}

impl Codec<LivenessMsg<GovCtx>> for GovCodec {
    type Error = CodecError;
    fn decode(&self, bytes: Bytes) -> R<LivenessMsg<GovCtx>> {
        Ok(match from_bytes::<WLiveness>(&bytes)? {
            WLiveness::Vote(v, s) => {
                LivenessMsg::Vote(SignedMessage::new(v.into_vote()?, Signature::from_bytes(s)))
            }
            WLiveness::Polka(c) => LivenessMsg::PolkaCertificate(c.into_cert()?),
            WLiveness::SkipRound(c) => LivenessMsg::SkipRoundCertificate(c.into_cert()?),
        })
    }
    fn encode(&self, msg: &LivenessMsg<GovCtx>) -> R<Bytes> {
        to_bytes(&match msg {
            LivenessMsg::Vote(v) => WLiveness::Vote(WVote::from(&v.message), sig(&v.signature)),
            LivenessMsg::PolkaCertificate(c) => WLiveness::Polka(WPolka::from(c)),
            LivenessMsg::SkipRoundCertificate(c) => WLiveness::SkipRound(WRoundCert::from(c)),
        })
    }
}

impl Codec<StreamMessage<ProposalPart>> for GovCodec {
    type Error = CodecError;
    fn decode(&self, bytes: Bytes) -> R<StreamMessage<ProposalPart>> {
        let w: WStream = from_bytes(&bytes)?;
        Ok(StreamMessage::new(
            StreamId::new(Bytes::from(w.id)),
            w.sequence,
            w.part.map_or(StreamContent::Fin, StreamContent::Data),
        ))
    }
    fn encode(&self, msg: &StreamMessage<ProposalPart>) -> R<Bytes> {
        to_bytes(&WStream {
            id: msg.stream_id.to_bytes().to_vec(),
            sequence: msg.sequence,
            part: msg.content.as_data().cloned(),
        })
    }
}

impl Codec<ValidatorProof<GovCtx>> for GovCodec {
    type Error = CodecError;
    fn decode(&self, bytes: Bytes) -> R<ValidatorProof<GovCtx>> {
        let w: WProof = from_bytes(&bytes)?;
        Ok(ValidatorProof::new(
            w.public_key,
            w.peer_id,
            Signature::from_bytes(w.signature),
        ))
    }
    fn encode(&self, msg: &ValidatorProof<GovCtx>) -> R<Bytes> {
        to_bytes(&WProof {
            public_key: msg.public_key.clone(),
            peer_id: msg.peer_id.clone(),
            signature: sig(&msg.signature),
        })
    }
}

impl Codec<ProposedValue<GovCtx>> for GovCodec {
    type Error = CodecError;
    fn decode(&self, bytes: Bytes) -> R<ProposedValue<GovCtx>> {
        let w: WProposed = from_bytes(&bytes)?;
        Ok(ProposedValue {
            height: w.height,
            round: defined(w.round, "a proposed value")?,
            valid_round: Round::from(w.valid_round),
            proposer: w.proposer,
            value: w.value,
            validity: if w.valid {
                Validity::Valid
            } else {
                Validity::Invalid
            },
        })
    }
    fn encode(&self, msg: &ProposedValue<GovCtx>) -> R<Bytes> {
        to_bytes(&WProposed {
            height: msg.height,
            round: msg.round.as_u32(),
            valid_round: msg.valid_round.as_u32(),
            proposer: msg.proposer,
            value: msg.value,
            valid: matches!(msg.validity, Validity::Valid),
        })
    }
}

impl Codec<PolkaCertificate<GovCtx>> for GovCodec {
    type Error = CodecError;
    fn decode(&self, bytes: Bytes) -> R<PolkaCertificate<GovCtx>> {
        from_bytes::<WPolka>(&bytes)?.into_cert()
    }
    fn encode(&self, msg: &PolkaCertificate<GovCtx>) -> R<Bytes> {
        to_bytes(&WPolka::from(msg))
    }
}

impl Codec<sync::Status<GovCtx>> for GovCodec {
    type Error = CodecError;
    fn decode(&self, bytes: Bytes) -> R<sync::Status<GovCtx>> {
        let w: WStatus = from_bytes(&bytes)?;
        Ok(sync::Status {
            peer_id: PeerId::from_bytes(&w.peer_id).map_err(|_| bad("bad peer id"))?,
            tip_height: w.tip,
            history_min_height: w.min,
        })
    }
    fn encode(&self, msg: &sync::Status<GovCtx>) -> R<Bytes> {
        to_bytes(&WStatus {
            peer_id: msg.peer_id.to_bytes(),
            tip: msg.tip_height,
            min: msg.history_min_height,
        })
    }
}

impl Codec<sync::Request<GovCtx>> for GovCodec {
    type Error = CodecError;
    fn decode(&self, bytes: Bytes) -> R<sync::Request<GovCtx>> {
        let w: WRequest = from_bytes(&bytes)?;
        if w.from > w.to {
            return Err(bad("empty request range"));
        }
        Ok(sync::Request::ValueRequest(sync::ValueRequest::new(
            w.from..=w.to,
        )))
    }
    fn encode(&self, msg: &sync::Request<GovCtx>) -> R<Bytes> {
        let sync::Request::ValueRequest(r) = msg;
        to_bytes(&WRequest {
            from: *r.range.start(),
            to: *r.range.end(),
        })
    }
}

impl Codec<sync::Response<GovCtx>> for GovCodec {
    type Error = CodecError;
    fn decode(&self, bytes: Bytes) -> R<sync::Response<GovCtx>> {
        let w: WResponse = from_bytes(&bytes)?;
        let mut values = Vec::with_capacity(w.values.len());
        for (value, cert) in w.values {
            values.push(RawDecidedValue::new(Bytes::from(value), cert.into_cert()?));
        }
        Ok(sync::Response::ValueResponse(sync::ValueResponse::new(
            w.start, values,
        )))
    }
    fn encode(&self, msg: &sync::Response<GovCtx>) -> R<Bytes> {
        let sync::Response::ValueResponse(r) = msg;
        to_bytes(&WResponse {
            start: r.start_height,
            values: r
                .values
                .iter()
                .map(|v| (v.value_bytes.to_vec(), WCommit::from(&v.certificate)))
                .collect(),
        })
    }
}

impl HasEncodedLen<sync::Response<GovCtx>> for GovCodec {
    fn encoded_len(&self, msg: &sync::Response<GovCtx>) -> R<usize> {
        Codec::<sync::Response<GovCtx>>::encode(self, msg).map(|b| b.len())
    }
}
