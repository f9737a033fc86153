//! The proposal-parts harness shared by the fuzz target `fuzz/fuzz_targets/proposal_parts.rs`
//! and its short version in CI (`tests/parts_fuzz.rs`): any sequence of proposal parts from
//! validators and strangers — structured, or bytes off the wire decoded as the network decodes
//! them — fed to `PartsBuffer`, with the round's honest proposer's stream interleaved. Never a
//! panic, the buffer's total bytes and stream count stay under their caps, whatever it
//! assembles is from the proposer expected for its round, what decodes re-encodes to the same
//! bytes, and the honest stream assembles (unless the view moved on).

#![allow(
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    reason = "a harness fails loudly"
)]

use arbitrary::Arbitrary;
use bytes::Bytes;
use govchain_consensus::codec::GovCodec;
use govchain_consensus::context::{
    Address, BlockId, Height, PrivateKey, ProposalPart, ValidatorSet,
};
use govchain_consensus::streaming::{
    Accepted, Assembled, Limits, PartsBuffer, View, peer_id_of, publish, stream_id,
};
use govchain_types::{GenesisValidator, PrincipalId, PublicKey as GovKey};
use malachitebft_app_channel::app::streaming::{StreamContent, StreamId, StreamMessage};
use malachitebft_app_channel::app::types::codec::Codec;
use malachitebft_sync::PeerId;
use std::sync::LazyLock;

const CURRENT: u64 = 10;
const ROUND: u32 = 1;
/// Small caps (4 KiB blocks), so that the caps are reached within a few parts.
const BLOCK_BYTES: u32 = 4096;

#[derive(Arbitrary, Debug)]
pub enum Op {
    /// A part built from its fields.
    Part {
        peer: u8,
        height: Choice<u64>,
        round: u8,
        stream: StreamSel,
        sequence: Choice<u64>,
        content: Content,
    },
    /// Bytes off the wire from a peer, decoded as the network decodes a stream message.
    Wire { peer: u8, bytes: Vec<u8> },
    /// The next message of the honest proposer's stream.
    Honest,
    /// Consensus moves to another round or height.
    SetView {
        height: Choice<u64>,
        round: u8,
        next: bool,
    },
}

/// A small number near where the buffer decides, or any number.
#[derive(Arbitrary, Debug, Clone, Copy)]
pub enum Choice<T> {
    Near(u8),
    Any(T),
}

#[derive(Arbitrary, Debug)]
pub enum StreamSel {
    /// The stream id of the part's height and round.
    Canonical,
    /// Any bytes as a stream id.
    Raw(Vec<u8>),
}

#[derive(Arbitrary, Debug)]
pub enum Content {
    Init {
        claimed: u8,
        height: Choice<u64>,
        round: u8,
        pol_round: Option<u32>,
        block_id: [u8; 32],
    },
    /// `len` bytes of block data.
    Data {
        len: u32,
        byte: u8,
    },
    Fin {
        signature: u8,
    },
    End,
}

fn key(i: u8) -> PrivateKey {
    PrivateKey::from([i; 32])
}

/// What every run starts from, computed once: deriving keys dominated a run's time.
struct Fixture {
    /// Peer ids and addresses of validators 1 to 4 and strangers 5 to 8.
    peers: Vec<PeerId>,
    addresses: Vec<Address>,
    validators: ValidatorSet,
    next_set: ValidatorSet,
}

static FIXTURE: LazyLock<Option<Fixture>> = LazyLock::new(|| {
    Some(Fixture {
        peers: (1..=8)
            .map(|i| peer_id_of(&key(i).public_key()))
            .collect::<Option<_>>()?,
        addresses: (1..=8)
            .map(|i| Address::from_public_key(&key(i).public_key()))
            .collect(),
        validators: set(&[1, 2, 3, 4])?,
        next_set: set(&[1, 2, 3, 5])?,
    })
});

/// Validators 1 to 4, strangers 5 to 8.
fn peer_index(p: u8) -> u8 {
    p % 8 + 1
}

fn set(ids: &[u8]) -> Option<ValidatorSet> {
    let list: Vec<GenesisValidator> = ids
        .iter()
        .map(|&i| {
            Some(GenesisValidator {
                name: PrincipalId::new(format!("v{i}")).ok()?,
                key: GovKey::Ed25519(*key(i).public_key().as_bytes()),
                power: 1,
            })
        })
        .collect::<Option<_>>()?;
    ValidatorSet::from_genesis(&list).ok()
}

fn height(c: Choice<u64>) -> u64 {
    match c {
        // The past height, the current, the next, the one after.
        Choice::Near(n) => CURRENT - 1 + u64::from(n % 4),
        Choice::Any(h) => h,
    }
}

fn sequence(c: Choice<u64>) -> u64 {
    match c {
        Choice::Near(n) => u64::from(n % 32),
        Choice::Any(s) => s,
    }
}

fn check(b: &PartsBuffer, limits: &Limits) {
    assert!(
        b.total_bytes() <= limits.max_total_bytes,
        "over the total byte cap"
    );
    assert!(b.len() <= limits.max_streams, "over the stream count");
}

fn check_assembled(b: &PartsBuffer, a: &Assembled) {
    assert!(
        b.admits_proposal(a.height.0, a.round, &a.proposer).is_ok(),
        "assembled a proposal its round's proposer did not publish: {a:?}"
    );
}

/// Feeds `ops` to a buffer at height 10, round 1, with the honest proposer's stream interleaved,
/// and checks the invariants after every step.
pub fn run(ops: Vec<Op>) {
    let Some(Fixture {
        peers,
        addresses,
        validators,
        next_set,
    }) = &*FIXTURE
    else {
        panic!("the validators' keys do not make a set");
    };
    let address = |i: u8| addresses[usize::from(i - 1)];
    let limits = Limits::for_block_bytes(BLOCK_BYTES);
    let view = |height: u64, round: u32, next: bool| View {
        height: Height(height),
        round,
        validators: validators.clone(),
        next_validators: next.then(|| next_set.clone()),
    };
    let mut b = PartsBuffer::new(limits, view(CURRENT, ROUND, false));
    let Some(p) = (1..=4u8).find(|&i| b.admits_proposal(CURRENT, ROUND, &address(i)).is_ok())
    else {
        panic!("no validator proposes at the current round");
    };
    let block = vec![3u8; 3000];
    let honest = publish(
        Height(CURRENT),
        ROUND,
        None,
        address(p),
        BlockId([p; 32]),
        &block,
        |_| [7; 64],
    );
    let honest_id = stream_id(Height(CURRENT), ROUND);
    let honest_peer = peers[usize::from(p - 1)];
    let mut honest_left = honest.into_iter();
    let mut assembled = None;
    let mut moved = false;

    let feed = |b: &mut PartsBuffer, publisher: u8, msg: StreamMessage<ProposalPart>| {
        let peer = peers[usize::from(peer_index(publisher) - 1)];
        // The honest proposer's stream cannot be forged: gossipsub signs the source.
        if peer == honest_peer && msg.stream_id == honest_id {
            return;
        }
        if let Ok(Accepted::Assembled(a)) = b.insert(peer, msg) {
            check_assembled(b, &a);
        }
        check(b, &limits);
    };

    for op in ops {
        match op {
            Op::Part {
                peer,
                height: h,
                round,
                stream,
                sequence: seq,
                content,
            } => {
                let (h, round) = (height(h), u32::from(round % 8));
                let id = match stream {
                    StreamSel::Canonical => stream_id(Height(h), round),
                    StreamSel::Raw(bytes) => StreamId::new(Bytes::from(bytes)),
                };
                let content = match content {
                    Content::Init {
                        claimed,
                        height: ih,
                        round: ir,
                        pol_round,
                        block_id,
                    } => StreamContent::Data(ProposalPart::Init {
                        height: Height(height(ih)),
                        round: u32::from(ir % 8),
                        pol_round,
                        proposer: address(peer_index(claimed)),
                        block_id: BlockId(block_id),
                    }),
                    Content::Data { len, byte } => {
                        // Up to a little over one chunk.
                        let len = usize::try_from(len % (256 * 1024 + 2)).unwrap_or(0);
                        StreamContent::Data(ProposalPart::Data(vec![byte; len]))
                    }
                    Content::Fin { signature } => StreamContent::Data(ProposalPart::Fin {
                        signature: [signature; 64],
                    }),
                    Content::End => StreamContent::Fin,
                };
                feed(&mut b, peer, StreamMessage::new(id, sequence(seq), content));
            }
            Op::Wire { peer, bytes } => {
                let wire = Bytes::from(bytes);
                if let Ok(part) = Codec::<ProposalPart>::decode(&GovCodec, wire.clone())
                    && let Ok(again) = Codec::<ProposalPart>::encode(&GovCodec, &part)
                {
                    assert_eq!(again, wire, "non-canonical proposal part accepted");
                }
                if let Ok(msg) =
                    Codec::<StreamMessage<ProposalPart>>::decode(&GovCodec, wire.clone())
                {
                    if let Ok(again) = Codec::<StreamMessage<ProposalPart>>::encode(&GovCodec, &msg)
                    {
                        assert_eq!(again, wire, "non-canonical stream message accepted");
                    }
                    feed(&mut b, peer, msg);
                }
            }
            Op::Honest => {
                if let Some(msg) = honest_left.next() {
                    if let Ok(Accepted::Assembled(a)) = b.insert(honest_peer, msg) {
                        check_assembled(&b, &a);
                        assembled = Some(a);
                    }
                    check(&b, &limits);
                }
            }
            Op::SetView {
                height: h,
                round,
                next,
            } => {
                let (h, round) = (height(h), u32::from(round % 8));
                moved |= h != CURRENT || round != ROUND;
                for a in b.set_view(view(h, round, next)) {
                    check_assembled(&b, &a);
                }
                check(&b, &limits);
            }
        }
    }
    for msg in honest_left {
        if let Ok(Accepted::Assembled(a)) = b.insert(honest_peer, msg) {
            assembled = Some(a);
        }
        check(&b, &limits);
    }
    if !moved {
        assert_eq!(
            assembled.map(|a| a.block_bytes),
            Some(block),
            "the honest proposer's stream did not assemble"
        );
    }
}
