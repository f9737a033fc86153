//! The consensus crate's pure parts: encodings round-trip and refuse garbage without panics,
//! proposal parts reassemble in any order, and a precommit's signature is a govchain commit
//! signature that `govchain_crypto::verify_commit` accepts offline.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    reason = "a test fails loudly"
)]

use bytes::Bytes;
use govchain_consensus::codec::GovCodec;
use govchain_consensus::context::*;
use govchain_consensus::signing::{GovSigner, GovVerifier, vote_sign_bytes};
use govchain_consensus::streaming::{Accepted, Limits, PartsBuffer, View, peer_id_of, publish};
use govchain_types::{CommitCertificate, CommitSignature, GenesisValidator, PrincipalId};
use malachitebft_app_channel::app::consensus::SignedConsensusMsg;
use malachitebft_app_channel::app::streaming::StreamMessage;
use malachitebft_app_channel::app::types::codec::Codec;
use malachitebft_core_types::{Context as _, NilOrVal, Round};
use malachitebft_signing::{Signer, Verifier};
use malachitebft_sync::{self as sync, PeerId};
use proptest::prelude::*;

fn key(i: u8) -> PrivateKey {
    PrivateKey::from([i; 32])
}

fn vote(value: Option<[u8; 32]>, precommit: bool) -> Vote {
    let v = value.map_or(NilOrVal::Nil, |b| NilOrVal::Val(BlockId(b)));
    let a = Address::from_public_key(&key(1).public_key());
    if precommit {
        GovCtx.new_precommit(Height(7), Round::new(2), v, a)
    } else {
        GovCtx.new_prevote(Height(7), Round::new(2), v, a)
    }
}

#[tokio::test]
async fn signed_messages_round_trip_and_verify() {
    let signer = GovSigner {
        key: key(1),
        chain_id: "c".into(),
    };
    let verifier = GovVerifier {
        chain_id: "c".into(),
    };
    for v in [
        vote(Some([3; 32]), true),
        vote(None, true),
        vote(Some([3; 32]), false),
        vote(None, false),
    ] {
        let signed = signer.sign_vote(v.clone()).await.unwrap();
        let msg = SignedConsensusMsg::Vote(signed.clone());
        let bytes = Codec::<SignedConsensusMsg<GovCtx>>::encode(&GovCodec, &msg).unwrap();
        let back = Codec::<SignedConsensusMsg<GovCtx>>::decode(&GovCodec, bytes).unwrap();
        assert_eq!(back, msg);
        let pk = key(1).public_key();
        assert!(
            verifier
                .verify_signed_vote(&v, &signed.signature, &pk)
                .await
                .unwrap()
                .is_valid()
        );
        // Another chain's verifier refuses it.
        let other = GovVerifier {
            chain_id: "d".into(),
        };
        assert!(
            !other
                .verify_signed_vote(&v, &signed.signature, &pk)
                .await
                .unwrap()
                .is_valid()
        );
    }
    // Prevote and precommit for the same value sign different bytes.
    assert_ne!(
        vote_sign_bytes("c", &vote(Some([3; 32]), true)),
        vote_sign_bytes("c", &vote(Some([3; 32]), false))
    );
}

#[tokio::test]
async fn precommits_are_govchain_commit_signatures() {
    let keys: Vec<PrivateKey> = (1..=4).map(key).collect();
    let validators: Vec<GenesisValidator> = keys
        .iter()
        .map(|k| GenesisValidator {
            name: PrincipalId::new("v").unwrap(),
            key: govchain_types::PublicKey::Ed25519(*k.public_key().as_bytes()),
            power: 1,
        })
        .collect();
    let block = BlockId([9; 32]);
    let mut signatures = Vec::new();
    for k in &keys[..3] {
        let signer = GovSigner {
            key: k.clone(),
            chain_id: "chain".into(),
        };
        let v = GovCtx.new_precommit(
            Height(5),
            Round::new(1),
            NilOrVal::Val(block),
            signer.address(),
        );
        let signed = signer.sign_vote(v).await.unwrap();
        signatures.push(CommitSignature {
            validator: govchain_types::PublicKey::Ed25519(*k.public_key().as_bytes()),
            signature: govchain_types::Signature::Ed25519(signed.signature.to_bytes()),
        });
    }
    let cert = CommitCertificate {
        height: 5,
        round: 1,
        block_hash: block.hash(),
        signatures,
    };
    govchain_crypto::verify_commit(govchain_types::Scheme::Ed25519, "chain", &validators, &cert)
        .unwrap();
    let mut two = cert.clone();
    two.signatures.pop();
    assert!(
        govchain_crypto::verify_commit(govchain_types::Scheme::Ed25519, "chain", &validators, &two)
            .is_err()
    );
}

#[test]
fn sync_messages_round_trip() {
    let peer = PeerId::from_bytes(&libp2p_peer_bytes()).unwrap();
    let status = sync::Status::<GovCtx> {
        peer_id: peer,
        tip_height: Height(9),
        history_min_height: Height(1),
    };
    let b = Codec::<sync::Status<GovCtx>>::encode(&GovCodec, &status).unwrap();
    assert_eq!(
        Codec::<sync::Status<GovCtx>>::decode(&GovCodec, b).unwrap(),
        status
    );
    let req = sync::Request::<GovCtx>::ValueRequest(sync::ValueRequest::new(Height(2)..=Height(4)));
    let b = Codec::<sync::Request<GovCtx>>::encode(&GovCodec, &req).unwrap();
    assert_eq!(
        Codec::<sync::Request<GovCtx>>::decode(&GovCodec, b).unwrap(),
        req
    );
}

/// A valid libp2p peer id: the identity multihash of a protobuf-encoded Ed25519 public key.
fn libp2p_peer_bytes() -> Vec<u8> {
    let pk = key(5).public_key();
    let mut proto = vec![0x08, 0x01, 0x12, 0x20];
    proto.extend_from_slice(pk.as_bytes());
    let mut out = vec![0x00, proto.len() as u8];
    out.extend(proto);
    out
}

#[test]
fn parts_reassemble_in_any_order_and_tampering_is_detected() {
    let signer = GovSigner {
        key: key(2),
        chain_id: "c".into(),
    };
    let block: Vec<u8> = (0..700_000u32).map(|i| (i % 251) as u8).collect();
    let msgs = publish(
        Height(3),
        0,
        None,
        signer.address(),
        BlockId([1; 32]),
        &block,
        |d| signer.sign_bytes(d).to_bytes(),
    );
    assert!(msgs.len() >= 6, "init, 3 chunks, fin, end marker");
    let peer = peer_id_of(&signer.key.public_key()).unwrap();
    // A set of one: its only validator proposes every round.
    let genesis = [GenesisValidator {
        name: PrincipalId::new("v").unwrap(),
        key: govchain_types::PublicKey::Ed25519(*signer.key.public_key().as_bytes()),
        power: 1,
    }];
    let new_buffer = || {
        PartsBuffer::new(
            Limits::for_block_bytes(1024 * 1024),
            View {
                height: Height(3),
                round: 0,
                validators: ValidatorSet::from_genesis(&genesis).unwrap(),
                next_validators: None,
            },
        )
    };
    let assembled = |r: Result<Accepted, _>| match r.unwrap() {
        Accepted::Assembled(a) => Some(a),
        _ => None,
    };
    let mut order: Vec<usize> = (0..msgs.len()).rev().collect();
    order.swap(1, 3);
    let mut buf = new_buffer();
    let mut out = None;
    for i in order {
        assert!(out.is_none(), "completed before every part arrived");
        // Encode and decode each part on the way, as the network does.
        let b = Codec::<StreamMessage<ProposalPart>>::encode(&GovCodec, &msgs[i]).unwrap();
        let m = Codec::<StreamMessage<ProposalPart>>::decode(&GovCodec, b).unwrap();
        out = assembled(buf.insert(peer, m));
    }
    let a = out.expect("assembled");
    assert_eq!(a.block_bytes, block);
    assert!(
        signer
            .key
            .public_key()
            .verify(&a.digest, &Signature::from_bytes(a.signature))
            .is_ok()
    );
    // A flipped data byte changes the digest the signature must cover.
    let mut tampered = msgs.clone();
    if let malachitebft_app_channel::app::streaming::StreamContent::Data(ProposalPart::Data(d)) =
        &mut tampered[1].content
    {
        d[0] ^= 1;
    }
    let mut buf = new_buffer();
    let mut out = None;
    for m in tampered {
        out = assembled(buf.insert(peer, m));
    }
    let a = out.unwrap();
    assert!(
        signer
            .key
            .public_key()
            .verify(&a.digest, &Signature::from_bytes(a.signature))
            .is_err()
    );
}

proptest! {
    #[test]
    fn garbage_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let b = Bytes::from(bytes);
        let _ = Codec::<SignedConsensusMsg<GovCtx>>::decode(&GovCodec, b.clone());
        let _ = Codec::<StreamMessage<ProposalPart>>::decode(&GovCodec, b.clone());
        let _ = Codec::<ProposalPart>::decode(&GovCodec, b.clone());
        let _ = Codec::<sync::Status<GovCtx>>::decode(&GovCodec, b.clone());
        let _ = Codec::<sync::Request<GovCtx>>::decode(&GovCodec, b.clone());
        let _ = Codec::<sync::Response<GovCtx>>::decode(&GovCodec, b.clone());
        let _ = Codec::<malachitebft_app_channel::app::consensus::LivenessMsg<GovCtx>>::decode(&GovCodec, b.clone());
        let _ = Codec::<malachitebft_app_channel::app::consensus::ProposedValue<GovCtx>>::decode(&GovCodec, b.clone());
        let _ = Codec::<malachitebft_core_types::PolkaCertificate<GovCtx>>::decode(&GovCodec, b.clone());
        let _ = Codec::<malachitebft_core_types::ValidatorProof<GovCtx>>::decode(&GovCodec, b);
    }

    #[test]
    fn votes_with_nil_rounds_are_refused(h in any::<u64>()) {
        // A hand-made vote with no round: typ, height, round None, value None, validator, ext None.
        let mut raw = vec![0u8, 0u8];
        raw.extend_from_slice(&h.to_le_bytes());
        raw.push(0); // round: None
        raw.push(0); // value: None
        raw.extend_from_slice(&[0u8; 20]);
        raw.push(0); // no extension
        raw.extend_from_slice(&[0u8; 64]);
        prop_assert!(Codec::<SignedConsensusMsg<GovCtx>>::decode(&GovCodec, Bytes::from(raw)).is_err());
    }
}
