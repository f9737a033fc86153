//! Table-driven tests of the envelope rules and the key-management payloads (STYLE.md §8).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    reason = "a test fails loudly"
)]

mod common;

use common::*;
use govchain_execution::{MemState, apply_block, genesis_writes, schema};
use govchain_types::{PrincipalKind, TxStatus};

struct Step {
    what: &'static str,
    height: u64,
    tx: govchain_crypto::VerifiedTx,
    status: TxStatus,
    code: Option<&'static str>,
}

fn ok(what: &'static str, height: u64, tx: govchain_crypto::VerifiedTx) -> Step {
    Step {
        what,
        height,
        tx,
        status: TxStatus::Ok,
        code: None,
    }
}

fn no(
    what: &'static str,
    height: u64,
    tx: govchain_crypto::VerifiedTx,
    status: TxStatus,
    code: &'static str,
) -> Step {
    Step {
        what,
        height,
        tx,
        status,
        code: Some(code),
    }
}

#[test]
fn envelope_and_key_rules() {
    let ca = key("civil-affairs");
    let hospital = key("hospital");
    let alice = key("alice");
    let alice2 = key("alice-2");
    let bob = key("bob");
    let stranger = key("stranger");
    use PrincipalKind::*;
    use TxStatus::*;
    let steps = vec![
        ok(
            "an authority creates a person with a key",
            1,
            tx(&ca, 0, 10, register("alice", Person, &alice)),
        ),
        no(
            "the same nonce again is rejected",
            1,
            tx(&ca, 0, 10, register("bob", Person, &bob)),
            Rejected,
            "replay",
        ),
        no(
            "a nonce from the future is rejected",
            1,
            tx(&ca, 5, 10, register("bob", Person, &bob)),
            Rejected,
            "nonce_too_high",
        ),
        no(
            "an expired transaction is rejected",
            2,
            tx(&ca, 1, 1, register("bob", Person, &bob)),
            Rejected,
            "expired",
        ),
        no(
            "a lifetime beyond the limit is rejected",
            2,
            tx(&ca, 1, 5_000, register("bob", Person, &bob)),
            Rejected,
            "lifetime_too_long",
        ),
        no(
            "an unregistered signer is rejected",
            2,
            tx(&stranger, 0, 10, register("x", Person, &bob)),
            Rejected,
            "unknown_signer",
        ),
        no(
            "a non-authority cannot create principals",
            2,
            tx(&hospital, 0, 10, register("bob", Person, &bob)),
            Failed,
            "unauthorized",
        ),
        no(
            "a failed tx still used its nonce",
            2,
            tx(&hospital, 0, 10, register("bob", Person, &bob)),
            Rejected,
            "replay",
        ),
        ok(
            "the principal adds its own second key",
            3,
            tx(&alice, 0, 10, register("alice", Person, &alice2)),
        ),
        no(
            "a key is never bound twice",
            3,
            tx(&ca, 1, 10, register("bob", Person, &alice2)),
            Failed,
            "key_exists",
        ),
        no(
            "a kind must match the principal's",
            3,
            tx(&ca, 2, 10, register("alice", Organisation, &bob)),
            Failed,
            "kind_mismatch",
        ),
        no(
            "another principal may not manage alice's keys",
            3,
            tx(&hospital, 1, 10, revoke("alice", &alice)),
            Failed,
            "unauthorized",
        ),
        ok(
            "alice revokes her first key with it",
            4,
            tx(&alice, 1, 10, revoke("alice", &alice)),
        ),
        ok(
            "the revoked key still signs in the same block",
            4,
            tx(&alice, 2, 10, register("alice", Person, &bob)),
        ),
        no(
            "the revoked key is refused from the next block",
            5,
            tx(&alice, 3, 10, register("alice", Person, &stranger)),
            Rejected,
            "key_revoked",
        ),
        no(
            "revoking twice fails",
            5,
            tx(&alice2, 0, 10, revoke("alice", &alice)),
            Failed,
            "already_revoked",
        ),
        no(
            "revoking a key bound to someone else fails",
            5,
            tx(&alice2, 1, 10, revoke("alice", &hospital)),
            Failed,
            "unknown_key",
        ),
        no(
            "a founding authority manages no one's keys but its own, unless a law says so",
            6,
            tx(&ca, 3, 10, revoke("alice", &bob)),
            Failed,
            "unauthorized",
        ),
        no(
            "nor another authority's",
            6,
            tx(&ca, 4, 10, register("legislature", Legislature, &stranger)),
            Failed,
            "unauthorized",
        ),
    ];

    let mut state = MemState::default();
    state.apply(&genesis_writes(&genesis()).unwrap());
    for step in steps {
        let before = state.clone();
        let out = apply_block(
            &state,
            &header(step.height),
            std::slice::from_ref(&step.tx),
            &LAWS,
        )
        .unwrap();
        let r = &out.receipts[0];
        assert_eq!(r.status, step.status, "{}: {:?}", step.what, r.error);
        assert_eq!(r.code.as_deref(), step.code, "{}: {:?}", step.what, r.error);
        let signer = &step.tx.tx().body.signer;
        let nonce_key = schema::nonce_key(signer);
        match step.status {
            Rejected => assert!(
                out.writes.is_empty(),
                "{}: a rejected tx wrote {:?}",
                step.what,
                out.writes.keys()
            ),
            Failed => {
                let keys: Vec<_> = out.writes.keys().collect();
                assert_eq!(
                    keys,
                    vec![&nonce_key],
                    "{}: a failed tx writes only the nonce",
                    step.what
                );
            }
            Ok => assert!(out.writes.len() > 1, "{}", step.what),
        }
        state.apply(&out.writes);
        if step.status != Rejected {
            let before_nonce = schema::next_nonce(&before, signer).unwrap();
            assert_eq!(
                schema::next_nonce(&state, signer).unwrap(),
                before_nonce + 1,
                "{}",
                step.what
            );
        }
    }
    let alice_rec = schema::principal(&state, &id("alice")).unwrap().unwrap();
    assert_eq!(
        alice_rec.keys,
        vec![alice.public_key(), alice2.public_key(), bob.public_key()]
    );
    assert_eq!(
        schema::key_record(&state, &alice.public_key())
            .unwrap()
            .unwrap()
            .revoked_from,
        Some(5)
    );
}

#[test]
fn one_block_many_txs_in_order() {
    let ca = key("civil-affairs");
    let people: Vec<_> = (0..20).map(|i| key(&format!("p{i}"))).collect();
    let txs: Vec<_> = people
        .iter()
        .enumerate()
        .map(|(i, k)| {
            tx(
                &ca,
                i as u64,
                10,
                register(&format!("p{i}"), PrincipalKind::Person, k),
            )
        })
        .collect();
    let mut state = MemState::default();
    state.apply(&genesis_writes(&genesis()).unwrap());
    let out = apply_block(&state, &header(1), &txs, &LAWS).unwrap();
    assert!(out.receipts.iter().all(|r| r.status == TxStatus::Ok));
    assert_eq!(
        out.receipts.iter().map(|r| r.index).collect::<Vec<_>>(),
        (0..20).collect::<Vec<_>>()
    );
    // Each write is attributed to the transaction that made it last.
    let w = &out.writes[&schema::principal_key(&id("p7"))];
    assert_eq!(w.tx_index, Some(7));
    assert_eq!(
        out.writes[&schema::nonce_key(&ca.public_key())].tx_index,
        Some(19)
    );
    state.apply(&out.writes);
    assert_eq!(schema::next_nonce(&state, &ca.public_key()).unwrap(), 20);
}

#[test]
fn a_block_for_another_chain_is_an_error() {
    let mut state = MemState::default();
    state.apply(&genesis_writes(&genesis()).unwrap());
    let mut h = header(1);
    h.chain_id = "other".into();
    assert!(apply_block(&state, &h, &[], &LAWS).is_err());
}

#[test]
fn genesis_is_validated() {
    let mut g = genesis();
    let shared = g.accounts[0].keys[0].clone();
    g.accounts[1].keys.push(shared);
    assert!(
        genesis_writes(&g)
            .unwrap_err()
            .to_string()
            .contains("more than one account")
    );
    let mut g = genesis();
    g.validators[0].power = 0;
    assert!(genesis_writes(&g).is_err());
    let mut g = genesis();
    g.accounts[0].keys =
        vec![govchain_crypto::SecretKey::from_seed(govchain_types::Scheme::Sm2, b"x").public_key()];
    assert!(
        genesis_writes(&g)
            .unwrap_err()
            .to_string()
            .contains("not a ed25519 key")
    );
    let mut g = genesis();
    g.accounts.iter_mut().for_each(|a| a.authority = false);
    assert!(genesis_writes(&g).is_err());
}

/// Three of the legislature's five members: its threshold.
const THREE: [&str; 3] = ["leg-1", "leg-2", "leg-3"];

#[test]
fn the_legislature_changes_the_validator_set_from_a_given_height() {
    let ca = key("civil-affairs");
    let leg = key("legislature");
    let new_set = vec![
        govchain_types::GenesisValidator {
            name: id("civil-affairs"),
            key: key("v1").public_key(),
            power: 10,
        },
        govchain_types::GenesisValidator {
            name: id("hospital"),
            key: key("v2").public_key(),
            power: 1,
        },
    ];
    let update = |validators: Vec<govchain_types::GenesisValidator>, effective_height| {
        govchain_types::Payload::UpdateValidators {
            validators,
            effective_height,
        }
    };
    let mut state = MemState::default();
    state.apply(&genesis_writes(&genesis()).unwrap());
    let cases = vec![
        (
            "an authority that is not the legislature",
            tx(&ca, 0, 10, update(new_set.clone(), 5)),
            "unauthorized",
        ),
        (
            "a change for the current block",
            by_legislature(&leg, 0, 10, update(new_set.clone(), 1), &THREE),
            "too_early",
        ),
        (
            // The outgoing set must sign a state that holds the schedule (certificates).
            "a change for the next block",
            by_legislature(&leg, 1, 10, update(new_set.clone(), 2), &THREE),
            "too_early",
        ),
        (
            "an empty set",
            by_legislature(&leg, 2, 10, update(vec![], 5), &THREE),
            "invalid_validators",
        ),
        (
            "a key twice",
            by_legislature(
                &leg,
                3,
                10,
                update(vec![new_set[0].clone(), new_set[0].clone()], 5),
                &THREE,
            ),
            "invalid_validators",
        ),
        (
            "the legislature's key alone, without its members",
            tx(&leg, 4, 10, update(new_set.clone(), 5)),
            "members_required",
        ),
    ];
    for (what, t, code) in cases {
        let out = apply_block(&state, &header(1), std::slice::from_ref(&t), &LAWS).unwrap();
        assert_eq!(out.receipts[0].code.as_deref(), Some(code), "{what}");
        state.apply(&out.writes);
    }
    let t = by_legislature(&leg, 5, 10, update(new_set.clone(), 4), &THREE);
    let out = apply_block(&state, &header(2), &[t], &LAWS).unwrap();
    assert_eq!(
        out.receipts[0].status,
        TxStatus::Ok,
        "{:?}",
        out.receipts[0].error
    );
    state.apply(&out.writes);
    // Before height 4 the genesis set is in force; at 4 the new one.
    let out = apply_block(&state, &header(3), &[], &LAWS).unwrap();
    state.apply(&out.writes);
    assert_eq!(schema::validators(&state).unwrap(), genesis().validators);
    assert_eq!(
        schema::validators_at(&state, 3).unwrap(),
        genesis().validators
    );
    assert_eq!(schema::validators_at(&state, 4).unwrap(), new_set);
    let out = apply_block(&state, &header(4), &[], &LAWS).unwrap();
    state.apply(&out.writes);
    assert_eq!(schema::validators(&state).unwrap(), new_set);
    assert!(
        !state.0.contains_key(&schema::validator_update_key(4)),
        "the schedule is consumed"
    );
}

#[test]
fn receipts_name_the_article_that_decided() {
    let ca = key("civil-affairs");
    let alice = key("alice");
    let mut state = MemState::default();
    state.apply(&genesis_writes(&genesis()).unwrap());
    let t = tx(&ca, 0, 10, register("alice", PrincipalKind::Person, &alice));
    let out = apply_block(&state, &header(1), &[t], &LAWS).unwrap();
    let by = out.receipts[0].decided_by.clone().unwrap();
    assert_eq!(
        (by.law.as_str(), by.article.as_str()),
        ("constitution", "2")
    );
    state.apply(&out.writes);
    // Alice adds her own key: article 3.
    let t = tx(
        &alice,
        0,
        10,
        register("alice", PrincipalKind::Person, &key("alice-2")),
    );
    let out = apply_block(&state, &header(2), &[t], &LAWS).unwrap();
    assert_eq!(out.receipts[0].decided_by.as_ref().unwrap().article, "3");
    state.apply(&out.writes);
    // Alice may not touch the hospital's keys: nothing permits it, and the refusal says so.
    let t = tx(&alice, 1, 10, revoke("hospital", &key("hospital")));
    let out = apply_block(&state, &header(3), &[t], &LAWS).unwrap();
    let r = &out.receipts[0];
    assert_eq!(r.code.as_deref(), Some("unauthorized"));
    assert!(
        r.error
            .as_deref()
            .unwrap()
            .starts_with("no law in force permits it"),
        "{:?}",
        r.error
    );
    assert!(r.decided_by.is_none());
}

fn bill(
    id_: &str,
    version: u32,
    effective_from: u64,
    policy: &str,
    repeals: &[&str],
) -> govchain_types::LawPackage {
    govchain_types::LawPackage {
        id: id(id_),
        version,
        title: format!("the {id_} law"),
        level: govchain_types::Level::National,
        body: id("legislature"),
        jurisdiction: vec![],
        articles: vec![govchain_types::Article {
            id: "1".into(),
            title: "the rule".into(),
            kind: govchain_types::ArticleKind::Permission {
                policy: policy.into(),
            },
        }],
        effective_from,
        effective_until: None,
        repeals: repeals.iter().map(|r| id(r)).collect(),
        constitutes: vec![],
        registries: vec![],
        currencies: vec![],
    }
}

fn signed(b: &govchain_types::LawPackage, members: &[usize]) -> govchain_types::Payload {
    let names: Vec<String> = members.iter().map(|i| format!("leg-{i}")).collect();
    signed_by(b, &names.iter().map(String::as_str).collect::<Vec<_>>())
}

/// A bill signed by the named members.
fn signed_by(b: &govchain_types::LawPackage, members: &[&str]) -> govchain_types::Payload {
    let msg = govchain_law::bill_signing_bytes(common::CHAIN, govchain_types::Scheme::Ed25519, b);
    govchain_types::Payload::EnactLaw {
        law: b.clone(),
        signatures: member_signatures(&msg, members),
    }
}

fn member_signatures(msg: &[u8], members: &[&str]) -> Vec<govchain_types::MemberSignature> {
    members
        .iter()
        .map(|m| govchain_types::MemberSignature {
            member: id(m),
            signature: govchain_crypto::Signer::sign(&key(m), msg),
        })
        .collect()
}

#[test]
fn laws_are_enacted_by_threshold_take_effect_at_their_height_and_can_be_repealed() {
    let leg = key("legislature");
    let hospital = key("hospital");
    let ca = key("civil-affairs");
    let births = bill(
        "hospital-births",
        1,
        5,
        r#"permit (principal is Department, action == Action::"create-principal", resource is Principal) when { resource.kind == "person" };"#,
        &[],
    );
    let mut state = MemState::default();
    state.apply(&genesis_writes(&genesis()).unwrap());
    let mut nonce = 0;
    let run = |state: &mut MemState,
               height: u64,
               signer: &govchain_crypto::SecretKey,
               n: u64,
               p: govchain_types::Payload| {
        let out = apply_block(
            state,
            &header(height),
            &[tx(signer, n, height + 10, p)],
            &LAWS,
        )
        .unwrap();
        state.apply(&out.writes);
        out.receipts[0].clone()
    };
    #[rustfmt::skip]
    let refusals = vec![
        ("n-1 signatures", signed(&births, &[1, 2]), "not_enacted"),
        ("a duplicate signer", signed(&births, &[1, 1, 2]), "not_enacted"),
        ("a non-member", { let mut p = signed(&births, &[1, 2, 3]); if let govchain_types::Payload::EnactLaw { signatures, .. } = &mut p { signatures[2].member = id("leg-9"); } p }, "not_enacted"),
        ("a rule that names an unknown attribute", signed(&bill("bad", 1, 5, r#"permit (principal is Person, action == Action::"manage-keys", resource) when { principal.rank == 1 };"#, &[]), &[1, 2, 3]), "invalid_bill"),
        ("an effective height in the past", signed(&bill("late", 1, 1, r#"permit (principal is Legislature, action == Action::"enact", resource);"#, &[]), &[1, 2, 3]), "too_early"),
    ];
    for (what, payload, code) in refusals {
        let r = run(&mut state, 1, &leg, nonce, payload);
        nonce += 1;
        assert_eq!(r.code.as_deref(), Some(code), "{what}: {:?}", r.error);
    }
    // A regional council may not enact a national law, even with its members' signatures.
    let council_bill = govchain_types::LawPackage {
        body: id("council-110000"),
        ..births.clone()
    };
    let r = run(
        &mut state,
        1,
        &ca,
        0,
        signed_by(&council_bill, &["council-1", "council-3"]),
    );
    assert_eq!(r.code.as_deref(), Some("unauthorized"), "{:?}", r.error);
    assert!(
        r.error
            .as_deref()
            .unwrap_or_default()
            .contains("`council-110000` may not `enact`"),
        "{:?}",
        r.error
    );

    let r = run(&mut state, 2, &leg, nonce, signed(&births, &[2, 4, 5]));
    nonce += 1;
    assert_eq!(r.status, TxStatus::Ok, "{:?}", r.error);
    assert_eq!(r.decided_by.as_ref().map(|c| c.article.as_str()), Some("4"));
    // The same version twice is refused.
    let r = run(&mut state, 2, &leg, nonce, signed(&births, &[1, 2, 3]));
    nonce += 1;
    assert_eq!(r.code.as_deref(), Some("bad_version"));

    // Before its height the law decides nothing; from it, everything.
    let r = run(
        &mut state,
        4,
        &hospital,
        0,
        register("baby-1", PrincipalKind::Person, &key("baby-1")),
    );
    assert_eq!(r.code.as_deref(), Some("unauthorized"), "at height 4");
    let r = run(
        &mut state,
        5,
        &hospital,
        1,
        register("baby-2", PrincipalKind::Person, &key("baby-2")),
    );
    assert_eq!(r.status, TxStatus::Ok, "{:?}", r.error);
    assert_eq!(
        r.decided_by.as_ref().map(|c| c.law.as_str()),
        Some("hospital-births")
    );

    // A repeal from height 8 restores the earlier state.
    let repealer = bill(
        "births-repeal",
        1,
        8,
        r#"forbid (principal is Contract, action == Action::"change-validators", resource);"#,
        &["hospital-births"],
    );
    let r = run(&mut state, 6, &leg, nonce, signed(&repealer, &[1, 3, 5]));
    assert_eq!(r.status, TxStatus::Ok, "{:?}", r.error);
    let r = run(
        &mut state,
        7,
        &hospital,
        2,
        register("baby-3", PrincipalKind::Person, &key("baby-3")),
    );
    assert_eq!(r.status, TxStatus::Ok, "still in force at 7: {:?}", r.error);
    let r = run(
        &mut state,
        8,
        &hospital,
        3,
        register("baby-4", PrincipalKind::Person, &key("baby-4")),
    );
    assert_eq!(r.code.as_deref(), Some("unauthorized"), "repealed at 8");
}

/// Applies one transaction in a block of its own and returns its receipt.
fn run_one(
    state: &mut MemState,
    height: u64,
    signer: &govchain_crypto::SecretKey,
    nonce: u64,
    payload: govchain_types::Payload,
) -> govchain_types::Receipt {
    let out = apply_block(
        state,
        &header(height),
        &[tx(signer, nonce, height + 10, payload)],
        &LAWS,
    )
    .unwrap();
    state.apply(&out.writes);
    out.receipts[0].clone()
}

fn regional(
    id_: &str,
    version: u32,
    effective_from: u64,
    region: &str,
) -> govchain_types::LawPackage {
    govchain_types::LawPackage {
        level: govchain_types::Level::Regional,
        body: id("council-110000"),
        jurisdiction: vec![region.into()],
        ..bill(
            id_,
            version,
            effective_from,
            r#"permit (principal is Official, action == Action::"read", resource is Record) when { resource.registry == "licences" };"#,
            &[],
        )
    }
}

fn body(
    name: &str,
    kind: govchain_types::BodyKind,
    region: &[&str],
    members: &[&str],
    threshold: u32,
) -> govchain_types::LawBody {
    govchain_types::LawBody {
        id: id(name),
        kind,
        jurisdiction: region.iter().map(|r| r.to_string()).collect(),
        members: members
            .iter()
            .map(|m| govchain_types::BodyMember {
                id: id(m),
                key: key(m).public_key(),
            })
            .collect(),
        threshold,
    }
}

#[test]
fn each_body_enacts_its_level_and_bodies_change_only_by_law() {
    let ca = key("civil-affairs");
    let mut state = MemState::default();
    state.apply(&genesis_writes(&genesis()).unwrap());
    let mut n = 0;
    let mut run = |state: &mut MemState, height: u64, p: govchain_types::Payload| {
        n += 1;
        run_one(state, height, &ca, n - 1, p)
    };
    // The council enacts for its region, not for another, and not a national law.
    let r = run(
        &mut state,
        1,
        signed_by(
            &regional("reg-a", 1, 20, "110000"),
            &["council-1", "council-2"],
        ),
    );
    assert_eq!(r.status, TxStatus::Ok, "{:?}", r.error);
    assert_eq!(
        r.decided_by
            .map(|c| format!("{}/{}", c.law, c.article))
            .as_deref(),
        Some("constitution/5")
    );
    let r = run(
        &mut state,
        1,
        signed_by(
            &regional("reg-b", 1, 20, "310000"),
            &["council-1", "council-2"],
        ),
    );
    assert_eq!(r.code.as_deref(), Some("unauthorized"), "{:?}", r.error);
    // A regional or department law must name its regions.
    let r = run(
        &mut state,
        1,
        signed_by(
            &regional("reg-c", 1, 20, "110000").tap_jurisdiction(vec![]),
            &["council-1", "council-2"],
        ),
    );
    assert_eq!(r.code.as_deref(), Some("invalid_bill"), "{:?}", r.error);
    // The board of a ministry enacts department rules.
    let rule = govchain_types::LawPackage {
        level: govchain_types::Level::Department,
        body: id("civil-affairs-board"),
        ..regional("ca-rule", 1, 20, "110000")
    };
    let r = run(&mut state, 1, signed_by(&rule, &["off-zhao"]));
    assert_eq!(r.status, TxStatus::Ok, "{:?}", r.error);
    assert_eq!(r.decided_by.map(|c| c.article).as_deref(), Some("6"));

    // A council cannot constitute a body, even its own.
    let grab = govchain_types::LawPackage {
        constitutes: vec![body(
            "council-110000",
            govchain_types::BodyKind::Council,
            &["110000"],
            &["council-1"],
            1,
        )],
        ..regional("reg-grab", 1, 20, "110000")
    };
    let r = run(&mut state, 2, signed_by(&grab, &["council-1", "council-2"]));
    assert_eq!(r.code.as_deref(), Some("unauthorized"), "{:?}", r.error);
    assert!(
        r.error.as_deref().unwrap().contains("`constitute`"),
        "{:?}",
        r.error
    );

    // The legislature reconstitutes the council from height 5. Members sign with keys of the
    // key registry: the law is refused while its new members are not registered, and enacted
    // once they are.
    let reform = govchain_types::LawPackage {
        constitutes: vec![body(
            "council-110000",
            govchain_types::BodyKind::Council,
            &["110000"],
            &["council-4", "council-5"],
            2,
        )],
        ..bill(
            "council-reform",
            1,
            5,
            r#"forbid (principal is Contract, action == Action::"change-validators", resource);"#,
            &[],
        )
    };
    let r = run(&mut state, 2, signed(&reform, &[1, 2, 3]));
    assert_eq!(r.code.as_deref(), Some("invalid_bill"), "{:?}", r.error);
    for m in ["council-4", "council-5"] {
        let r = run(&mut state, 2, register(m, PrincipalKind::Person, &key(m)));
        assert_eq!(r.status, TxStatus::Ok, "{:?}", r.error);
    }
    let r = run(&mut state, 2, signed(&reform, &[1, 2, 3]));
    assert_eq!(r.status, TxStatus::Ok, "{:?}", r.error);
    // Until 5 the old members sign; from 5 only the new ones.
    let r = run(
        &mut state,
        4,
        signed_by(
            &regional("reg-a", 2, 20, "110000"),
            &["council-1", "council-2"],
        ),
    );
    assert_eq!(r.status, TxStatus::Ok, "before the reform: {:?}", r.error);
    let r = run(
        &mut state,
        5,
        signed_by(
            &regional("reg-a", 3, 20, "110000"),
            &["council-1", "council-2"],
        ),
    );
    assert_eq!(r.code.as_deref(), Some("not_enacted"), "{:?}", r.error);
    let r = run(
        &mut state,
        5,
        signed_by(
            &regional("reg-a", 3, 20, "110000"),
            &["council-4", "council-5"],
        ),
    );
    assert_eq!(r.status, TxStatus::Ok, "after the reform: {:?}", r.error);
    assert_eq!(
        schema::body_at(&state, &id("council-110000"), 4)
            .unwrap()
            .unwrap()
            .members
            .len(),
        3
    );
    assert_eq!(
        schema::body_at(&state, &id("council-110000"), 5)
            .unwrap()
            .unwrap()
            .members
            .len(),
        2
    );
    // A repeal of the reform restores the genesis council.
    let undo = bill(
        "reform-repeal",
        1,
        9,
        r#"forbid (principal is Contract, action == Action::"manage-keys", resource);"#,
        &["council-reform"],
    );
    let r = run(&mut state, 6, signed(&undo, &[1, 4, 5]));
    assert_eq!(r.status, TxStatus::Ok, "{:?}", r.error);
    assert_eq!(
        schema::body_at(&state, &id("council-110000"), 9)
            .unwrap()
            .unwrap()
            .members
            .len(),
        3
    );
    let index = schema::law_index(&state).unwrap();
    let reform_ref = index
        .iter()
        .find(|l| l.id.as_str() == "council-reform")
        .unwrap();
    assert_eq!(reform_ref.enacted_at, 2);
    assert_eq!(reform_ref.signed_by.len(), 3);
}

fn interpretation(
    id_: &str,
    law: &str,
    articles: &[&str],
    body: &str,
) -> govchain_types::Interpretation {
    govchain_types::Interpretation {
        id: id_.into(),
        law: id(law),
        articles: articles.iter().map(|a| a.to_string()).collect(),
        title: "on acting within a term".into(),
        text: "A position suspended by a court order counts as not active.".into(),
        body: id(body),
    }
}

fn interpret(i: &govchain_types::Interpretation, members: &[&str]) -> govchain_types::Payload {
    let msg = govchain_law::interpretation_signing_bytes(
        common::CHAIN,
        govchain_types::Scheme::Ed25519,
        i,
    );
    govchain_types::Payload::Interpret {
        interpretation: i.clone(),
        signatures: member_signatures(&msg, members),
    }
}

#[test]
fn the_legislature_records_interpretations_linked_to_articles() {
    let ca = key("civil-affairs");
    let mut state = MemState::default();
    state.apply(&genesis_writes(&genesis()).unwrap());
    let mut n = 0;
    let mut run = |state: &mut MemState, p: govchain_types::Payload| {
        n += 1;
        run_one(state, 1, &ca, n - 1, p)
    };
    let good = interpretation("2026-1", "constitution", &["10"], "legislature");
    #[rustfmt::skip]
    let refusals = vec![
        ("below the threshold", interpret(&good, &["leg-1", "leg-2"]), "not_recorded"),
        ("an unknown law", interpret(&interpretation("2026-1", "no-such-law", &["1"], "legislature"), &["leg-1", "leg-2", "leg-3"]), "unknown_law"),
        ("an unknown article", interpret(&interpretation("2026-1", "constitution", &["99"], "legislature"), &["leg-1", "leg-2", "leg-3"]), "unknown_article"),
        ("a council on the constitution", interpret(&interpretation("2026-1", "constitution", &["10"], "council-110000"), &["council-1", "council-2"]), "unauthorized"),
        ("no articles", interpret(&interpretation("2026-1", "constitution", &[], "legislature"), &["leg-1", "leg-2", "leg-3"]), "invalid_interpretation"),
        ("a bad id", interpret(&interpretation("a b", "constitution", &["10"], "legislature"), &["leg-1", "leg-2", "leg-3"]), "invalid_interpretation"),
    ];
    for (what, payload, code) in refusals {
        let r = run(&mut state, payload);
        assert_eq!(r.code.as_deref(), Some(code), "{what}: {:?}", r.error);
    }
    assert!(
        schema::interpretations(&state, &id("constitution"))
            .unwrap()
            .is_empty()
    );
    let r = run(&mut state, interpret(&good, &["leg-1", "leg-3", "leg-5"]));
    assert_eq!(r.status, TxStatus::Ok, "{:?}", r.error);
    assert_eq!(r.decided_by.map(|c| c.article).as_deref(), Some("8"));
    assert_eq!(r.events[0].kind, "interpretation_recorded");
    let r = run(&mut state, interpret(&good, &["leg-1", "leg-3", "leg-5"]));
    assert_eq!(r.code.as_deref(), Some("duplicate"), "{:?}", r.error);
    let recorded = schema::interpretations(&state, &id("constitution")).unwrap();
    assert_eq!(recorded.len(), 1);
    assert_eq!(recorded[0].interpretation, good);
    assert_eq!(recorded[0].recorded_at, 1);
}

trait TapJurisdiction {
    fn tap_jurisdiction(self, j: Vec<String>) -> Self;
}

impl TapJurisdiction for govchain_types::LawPackage {
    fn tap_jurisdiction(mut self, j: Vec<String>) -> Self {
        self.jurisdiction = j;
        self
    }
}
