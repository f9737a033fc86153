//! Attacks on the parts buffer (review finding "Critical 2"), as tables of what a peer sends and
//! what the buffer must answer, and a property test of its byte accounting.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    reason = "a test fails loudly"
)]

use super::*;
use crate::context::{BlockId, PrivateKey};
use crate::streaming::{publish, stream_id};
use govchain_types::{GenesisValidator, PrincipalId, PublicKey as GovKey};
use malachitebft_app_channel::app::streaming::StreamId;
use proptest::prelude::*;

const CURRENT: u64 = 10;
const ROUND: u32 = 1;

fn key(i: u8) -> PrivateKey {
    PrivateKey::from([i; 32])
}

fn address(i: u8) -> Address {
    Address::from_public_key(&key(i).public_key())
}

fn peer(i: u8) -> PeerId {
    peer_id_of(&key(i).public_key()).unwrap()
}

/// Validators 1 to 4; 5 and up are strangers.
fn set(ids: &[u8]) -> ValidatorSet {
    let list: Vec<GenesisValidator> = ids
        .iter()
        .map(|&i| GenesisValidator {
            name: PrincipalId::new(format!("v{i}")).unwrap(),
            key: GovKey::Ed25519(*key(i).public_key().as_bytes()),
            power: 1,
        })
        .collect();
    ValidatorSet::from_genesis(&list).unwrap()
}

fn view(height: u64, round: u32) -> View {
    View {
        height: Height(height),
        round,
        validators: set(&[1, 2, 3, 4]),
        next_validators: None,
    }
}

/// The validator (1 to 4) Malachite expects to propose at `height` and `round`.
fn proposer(height: u64, round: u32) -> u8 {
    let a = GovCtx
        .select_proposer(&set(&[1, 2, 3, 4]), Height(height), Round::new(round))
        .address;
    (1..=4).find(|&i| address(i) == a).unwrap()
}

/// Small caps, so that tests stay fast: 4 KiB blocks.
fn small() -> Limits {
    Limits::for_block_bytes(4096)
}

fn buffer(limits: Limits) -> PartsBuffer {
    PartsBuffer::new(limits, view(CURRENT, ROUND))
}

/// The messages of `proposer`'s stream for `height` and `round`, carrying `block`.
fn honest(proposer: u8, height: u64, round: u32, block: &[u8]) -> Vec<StreamMessage<ProposalPart>> {
    publish(
        Height(height),
        round,
        None,
        address(proposer),
        BlockId([proposer; 32]),
        block,
        |_| [7; 64],
    )
}

fn init(proposer: u8, height: u64, round: u32) -> StreamMessage<ProposalPart> {
    StreamMessage::new(
        stream_id(Height(height), round),
        0,
        StreamContent::Data(ProposalPart::Init {
            height: Height(height),
            round,
            pol_round: None,
            proposer: address(proposer),
            block_id: BlockId([0; 32]),
        }),
    )
}

fn data(height: u64, round: u32, sequence: u64, len: usize) -> StreamMessage<ProposalPart> {
    StreamMessage::new(
        stream_id(Height(height), round),
        sequence,
        StreamContent::Data(ProposalPart::Data(vec![0xab; len])),
    )
}

fn end(height: u64, round: u32, sequence: u64) -> StreamMessage<ProposalPart> {
    StreamMessage::new(
        stream_id(Height(height), round),
        sequence,
        StreamContent::Fin,
    )
}

/// The sum the buffer must keep in `total`.
fn counted(b: &PartsBuffer) -> usize {
    b.streams.values().map(|s| s.bytes).sum()
}

fn assert_within_caps(b: &PartsBuffer) {
    assert_eq!(b.total_bytes(), counted(b), "the running total drifted");
    assert!(
        b.total_bytes() <= b.limits().max_total_bytes,
        "over the total cap"
    );
    assert!(b.len() <= b.limits().max_streams, "over the stream count");
}

#[test]
fn refusals() {
    let p = proposer(CURRENT, ROUND);
    let other = (1..=4).find(|&i| i != p).unwrap();
    let next_p = 1;
    type Case = (
        &'static str,
        u8,
        Vec<StreamMessage<ProposalPart>>,
        Result<Accepted, Refused>,
    );
    let cases: Vec<Case> = vec![
        (
            "a stranger's Init for the current round",
            9,
            vec![init(9, CURRENT, ROUND)],
            Err(Refused::NotTheProposer),
        ),
        (
            "a validator's Init for a round it does not propose",
            other,
            vec![init(other, CURRENT, ROUND)],
            Err(Refused::NotTheProposer),
        ),
        (
            "a stranger's Init for the next height",
            9,
            vec![init(9, CURRENT + 1, 0)],
            Err(Refused::NotTheProposer),
        ),
        (
            "an Init for the height after next",
            p,
            vec![init(p, CURRENT + 2, 0)],
            Err(Refused::HeightOutOfView(CURRENT + 2)),
        ),
        (
            "an Init at height u64::MAX",
            p,
            vec![init(p, u64::MAX, 0)],
            Err(Refused::HeightOutOfView(u64::MAX)),
        ),
        (
            "an Init for a past height",
            p,
            vec![init(p, CURRENT - 1, 0)],
            Err(Refused::HeightOutOfView(CURRENT - 1)),
        ),
        (
            "a Data part before its Init, for a far height",
            p,
            vec![data(u64::MAX, 0, 1, 100)],
            Err(Refused::HeightOutOfView(u64::MAX)),
        ),
        (
            "a round past the window",
            proposer(CURRENT, ROUND + ROUND_WINDOW + 1),
            vec![init(
                proposer(CURRENT, ROUND + ROUND_WINDOW + 1),
                CURRENT,
                ROUND + ROUND_WINDOW + 1,
            )],
            Err(Refused::RoundOutOfView(ROUND + ROUND_WINDOW + 1)),
        ),
        (
            "a next-height round past the window",
            next_p,
            vec![init(next_p, CURRENT + 1, ROUND_WINDOW + 1)],
            Err(Refused::RoundOutOfView(ROUND_WINDOW + 1)),
        ),
        (
            "an Init naming another proposer than its publisher",
            next_p,
            vec![init(2, CURRENT + 1, 0)],
            Err(Refused::InitMismatch),
        ),
        (
            "an Init for another height than its stream id",
            p,
            vec![StreamMessage::new(
                stream_id(Height(CURRENT), ROUND),
                0,
                init(p, CURRENT + 1, ROUND).content,
            )],
            Err(Refused::InitMismatch),
        ),
        (
            "a stream id that is not a height and round",
            p,
            vec![StreamMessage::new(
                StreamId::new(bytes::Bytes::from_static(b"abc")),
                0,
                init(p, CURRENT, ROUND).content,
            )],
            Err(Refused::BadStreamId),
        ),
        (
            "a sequence past the part limit",
            p,
            vec![data(CURRENT, ROUND, small().max_stream_parts, 1)],
            Err(Refused::TooManyParts),
        ),
        (
            "a chunk larger than a proposer cuts",
            p,
            vec![init(p, CURRENT, ROUND), data(CURRENT, ROUND, 1, CHUNK + 1)],
            Err(Refused::Malformed),
        ),
        (
            "a part after the end marker",
            p,
            vec![
                init(p, CURRENT, ROUND),
                end(CURRENT, ROUND, 2),
                data(CURRENT, ROUND, 3, 1),
            ],
            Err(Refused::Malformed),
        ),
        (
            "more block bytes than the largest block",
            p,
            vec![
                init(p, CURRENT, ROUND),
                data(CURRENT, ROUND, 1, 4096),
                data(CURRENT, ROUND, 2, 4096),
            ],
            Err(Refused::StreamTooLarge),
        ),
        (
            "the expected proposer's Init",
            p,
            vec![init(p, CURRENT, ROUND)],
            Ok(Accepted::Pending),
        ),
        (
            "a validator's complete stream for the next height is held",
            next_p,
            honest(next_p, CURRENT + 1, 0, b"block"),
            Ok(Accepted::Held),
        ),
    ];
    for (what, publisher, msgs, expected) in cases {
        let mut b = buffer(small());
        let mut last = None;
        for m in msgs {
            last = Some(b.insert(peer(publisher), m));
            assert_within_caps(&b);
        }
        assert_eq!(last.unwrap(), expected, "{what}");
        if expected.is_err() {
            assert!(b.is_empty(), "{what}: the refused stream is gone");
            assert_eq!(b.total_bytes(), 0, "{what}");
        }
    }
}

#[test]
fn honest_streams_assemble_in_any_order_and_relayed() {
    let block: Vec<u8> = (0..3000u32).map(|i| (i % 251) as u8).collect();
    let p = proposer(CURRENT, ROUND);
    let msgs = honest(p, CURRENT, ROUND, &block);
    let orders: Vec<(&str, Vec<usize>)> = vec![
        ("in order", (0..msgs.len()).collect()),
        ("reversed", (0..msgs.len()).rev().collect()),
        ("end marker first, Init last", vec![3, 1, 2, 0]),
        ("twice each", (0..msgs.len()).flat_map(|i| [i, i]).collect()),
    ];
    for (what, order) in orders {
        let mut b = buffer(small());
        let mut out = None;
        for i in order {
            match b.insert(peer(p), msgs[i].clone()).unwrap() {
                Accepted::Assembled(a) => out = Some(a),
                Accepted::Pending | Accepted::Done => {}
                Accepted::Held => panic!("{what}: held"),
            }
        }
        let a = out.unwrap_or_else(|| panic!("{what}: not assembled"));
        assert_eq!(a.block_bytes, block, "{what}");
        assert_eq!(b.total_bytes(), 0, "{what}: nothing left");
    }
}

#[test]
fn far_streams_never_evict_the_current_one() {
    let block = vec![1u8; 3000];
    let p = proposer(CURRENT, ROUND);
    let msgs = honest(p, CURRENT, ROUND, &block);
    let mut b = buffer(small());
    // Everything but the last message of the current round's stream.
    let (last, first) = msgs.split_last().unwrap();
    for m in first {
        assert_eq!(b.insert(peer(p), m.clone()), Ok(Accepted::Pending));
    }
    // 10,000 streams at far heights, from validators and strangers, each as big as allowed,
    // and every stream the next height admits, from every validator, filling the caps.
    for i in 0..10_000u64 {
        let publisher = (i % 6) as u8 + 1;
        let height = match i % 3 {
            0 => u64::MAX - i,
            1 => CURRENT + 2 + i,
            _ => CURRENT + 1,
        };
        let round = (i % u64::from(ROUND_WINDOW + 1)) as u32;
        let _ = b.insert(peer(publisher), init(publisher, height, round));
        let _ = b.insert(peer(publisher), data(height, round, 1, 4000));
        assert_within_caps(&b);
    }
    // Streams of other rounds of the current height, by their own proposers.
    for round in 0..=ROUND + ROUND_WINDOW {
        let q = proposer(CURRENT, round);
        let _ = b.insert(peer(q), init(q, CURRENT, round));
        let _ = b.insert(peer(q), data(CURRENT, round, 1, 4000));
        assert_within_caps(&b);
    }
    match b.insert(peer(p), last.clone()) {
        Ok(Accepted::Assembled(a)) => assert_eq!(a.block_bytes, block),
        other => panic!("the current stream did not survive: {other:?}"),
    }
}

#[test]
fn endless_data_stops_at_the_stream_cap() {
    let limits = Limits::for_block_bytes(8 * 1024 * 1024);
    let p = proposer(CURRENT, ROUND);
    let mut b = buffer(limits);
    assert_eq!(
        b.insert(peer(p), init(p, CURRENT, ROUND)),
        Ok(Accepted::Pending)
    );
    let mut refused = None;
    for seq in 1..10_000u64 {
        match b.insert(peer(p), data(CURRENT, ROUND, seq, CHUNK)) {
            Ok(Accepted::Pending) => assert!(b.total_bytes() <= limits.max_stream_bytes),
            Ok(other) => panic!("{other:?}"),
            Err(e) => {
                refused = Some((seq, e));
                break;
            }
        }
    }
    let (seq, why) = refused.expect("the stream was never cut off");
    assert!(
        seq < limits.max_stream_parts,
        "cut off by bytes, at sequence {seq}"
    );
    assert_eq!(why, Refused::StreamTooLarge);
    assert!(b.is_empty(), "the stream is dropped");
    assert_eq!(b.total_bytes(), 0);
    // The same with small parts: the part count stops it.
    let mut b = buffer(limits);
    let _ = b.insert(peer(p), init(p, CURRENT, ROUND));
    let mut last = Ok(Accepted::Pending);
    for seq in 1..=limits.max_stream_parts {
        last = b.insert(peer(p), data(CURRENT, ROUND, seq, 1));
        if last.is_err() {
            break;
        }
    }
    assert_eq!(last, Err(Refused::TooManyParts));
    assert!(b.is_empty());
}

#[test]
fn held_streams_are_released_or_dropped_when_their_height_starts() {
    let p = proposer(CURRENT + 1, 0);
    let other = (1..=4).find(|&i| i != p).unwrap();
    let mut b = buffer(small());
    assert_eq!(
        b.insert(peer(p), honest(p, CURRENT + 1, 0, b"x")[0].clone()),
        Ok(Accepted::Pending)
    );
    for m in honest(p, CURRENT + 1, 0, b"x") {
        let _ = b.insert(peer(p), m);
    }
    // Another validator's stream for a round it will not propose at that height.
    for m in honest(other, CURRENT + 1, 0, b"y") {
        let _ = b.insert(peer(other), m);
    }
    assert_eq!(b.len(), 2);
    let released = b.set_view(view(CURRENT + 1, 0));
    assert_eq!(released.len(), 1, "only the expected proposer's");
    assert_eq!(released[0].proposer, address(p));
    assert!(b.is_empty());
    assert_eq!(b.total_bytes(), 0);
}

#[test]
fn assembled_proposals_are_admitted_only_for_this_height_and_round() {
    let b = buffer(small());
    let p = proposer(CURRENT, ROUND);
    type Case = (&'static str, u64, u32, Address, Result<(), Refused>);
    let table: Vec<Case> = vec![
        ("expected", CURRENT, ROUND, address(p), Ok(())),
        (
            "past round",
            CURRENT,
            0,
            address(proposer(CURRENT, 0)),
            Ok(()),
        ),
        (
            "wrong proposer",
            CURRENT,
            ROUND,
            address(9),
            Err(Refused::NotTheProposer),
        ),
        (
            "next height",
            CURRENT + 1,
            0,
            address(p),
            Err(Refused::HeightOutOfView(CURRENT + 1)),
        ),
        (
            "round past the window",
            CURRENT,
            ROUND + ROUND_WINDOW + 1,
            address(proposer(CURRENT, ROUND + ROUND_WINDOW + 1)),
            Err(Refused::RoundOutOfView(ROUND + ROUND_WINDOW + 1)),
        ),
    ];
    for (what, h, r, a, expected) in table {
        assert_eq!(b.admits_proposal(h, r, &a), expected, "{what}");
    }
}

#[test]
fn peer_ids_are_libp2p_peer_ids_of_the_consensus_key() {
    use malachitebft_app_channel::app::types::Keypair;
    for i in [1u8, 2, 200] {
        let mut secret = [i; 32];
        let libp2p = Keypair::ed25519_from_bytes(&mut secret)
            .unwrap()
            .public()
            .to_peer_id();
        assert_eq!(
            peer_id_of(&key(i).public_key()).unwrap().to_bytes(),
            libp2p.to_bytes()
        );
    }
}

#[derive(Clone, Debug)]
enum Op {
    /// An `Init` naming `claimed` as its proposer.
    Init {
        claimed: u8,
    },
    Data {
        len: usize,
    },
    Fin,
    End,
}

fn op() -> impl Strategy<Value = (Op, u8, u64, u32, u64)> {
    let kind = prop_oneof![
        (1u8..=6).prop_map(|claimed| Op::Init { claimed }),
        (0usize..5000).prop_map(|len| Op::Data { len }),
        Just(Op::Fin),
        Just(Op::End),
    ];
    // Publisher, height (current, next, after next, far), round, sequence.
    (
        kind,
        1u8..=6,
        prop_oneof![
            Just(CURRENT),
            Just(CURRENT + 1),
            Just(CURRENT + 2),
            Just(u64::MAX)
        ],
        0u32..6,
        0u64..8,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Whatever validators and strangers send, the byte total matches the streams and stays under
    /// its cap, and the current round's honest stream, interleaved with it all, assembles.
    #[test]
    fn caps_hold_and_the_honest_stream_assembles(
        ops in proptest::collection::vec(op(), 0..300),
        order in Just((0..4).collect::<Vec<usize>>()).prop_shuffle(),
    ) {
        let p = proposer(CURRENT, ROUND);
        let block = vec![3u8; 3000];
        let honest_msgs = honest(p, CURRENT, ROUND, &block);
        prop_assert_eq!(honest_msgs.len(), 4);
        let mut b = buffer(small());
        let mut assembled = None;
        let every = ops.len() / 4 + 1;
        let mut next_honest = order.iter();
        for (i, (kind, publisher, height, round, seq)) in ops.into_iter().enumerate() {
            // The honest proposer's own stream cannot be forged: gossipsub signs the source.
            let forged = publisher == p && height == CURRENT && round == ROUND;
            if !forged {
                let id = stream_id(Height(height), round);
                let content = match kind {
                    Op::Init { claimed } => init(claimed, height, round).content,
                    Op::Data { len } => StreamContent::Data(ProposalPart::Data(vec![1; len])),
                    Op::Fin => StreamContent::Data(ProposalPart::Fin { signature: [0; 64] }),
                    Op::End => StreamContent::Fin,
                };
                let _ = b.insert(peer(publisher), StreamMessage::new(id, seq, content));
                assert_within_caps(&b);
            }
            if i % every == every - 1 && let Some(&j) = next_honest.next() {
                if let Ok(Accepted::Assembled(a)) = b.insert(peer(p), honest_msgs[j].clone()) {
                    assembled = Some(a);
                }
                assert_within_caps(&b);
            }
        }
        for &j in next_honest {
            if let Ok(Accepted::Assembled(a)) = b.insert(peer(p), honest_msgs[j].clone()) {
                assembled = Some(a);
            }
            assert_within_caps(&b);
        }
        prop_assert_eq!(assembled.map(|a| a.block_bytes), Some(block));
    }
}
