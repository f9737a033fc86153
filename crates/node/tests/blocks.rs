//! Blocks a Byzantine proposer (or a lying peer serving sync) could send, checked by
//! `App::check_proposal` — the one check the consensus host runs on proposals and on synced
//! decided values alike. Every block here is refused before a vote or a commit; the honest
//! block beside them passes on a node whose pool holds its transactions and on a fresh node
//! that holds none (a node that syncs).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    reason = "a test fails loudly"
)]

use govchain_crypto::{SecretKey, sign_tx, tx_hash};
use govchain_execution::check_block_limits;
use govchain_mempool::MempoolConfig;
use govchain_node::{App, SoloProducer};
use govchain_types::*;

const CHAIN: &str = "blocks-test";

fn key(n: &str) -> SecretKey {
    SecretKey::from_seed(Scheme::Ed25519, n.as_bytes())
}

/// A node of a chain with two validators, `validator` and `other-validator`, whose authority
/// `civil-affairs` may register keys.
fn node(params: ChainParams) -> (App, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let genesis = Genesis {
        chain_id: CHAIN.into(),
        scheme: Scheme::Ed25519,
        genesis_time_ms: 1,
        params,
        validators: ["validator", "other-validator"]
            .iter()
            .map(|v| GenesisValidator {
                name: PrincipalId::new("civil-affairs").unwrap(),
                key: key(v).public_key(),
                power: 1,
            })
            .collect(),
        accounts: vec![GenesisAccount {
            id: PrincipalId::new("civil-affairs").unwrap(),
            kind: PrincipalKind::Department,
            authority: true,
            keys: vec![key("civil-affairs").public_key()],
        }],
        bodies: vec![],
        laws: vec![govchain_law::bootstrap::constitution()],
        records: vec![],
        positions: vec![],
        balances: vec![],
        snapshots: vec![],
        services: vec![],
    };
    let app = App::open(
        dir.path(),
        genesis,
        dir.path(),
        key("validator").public_key(),
        MempoolConfig::default(),
    )
    .unwrap();
    (app, dir)
}

/// Registers person `who`; `pad` lengthens the name (and so the transaction).
fn tx(nonce: u64, who: &str) -> Tx {
    let ca = key("civil-affairs");
    sign_tx(
        Scheme::Ed25519,
        &ca,
        TxBody {
            chain_id: CHAIN.into(),
            signer: ca.public_key(),
            nonce,
            valid_until: 10,
            acting_as: None,
            payload: Payload::RegisterKey {
                principal: PrincipalId::new(who).unwrap(),
                kind: PrincipalKind::Person,
                key: key(who).public_key(),
            },
        },
    )
}

/// [`tx`] with its body changed by `change`, signed by `signer` (a seed).
fn tx_with(nonce: u64, who: &str, signer: &str, change: fn(&mut TxBody)) -> Tx {
    let k = key(signer);
    let mut body = tx(nonce, who).body;
    body.signer = k.public_key();
    change(&mut body);
    sign_tx(Scheme::Ed25519, &k, body)
}

/// The same body under a signature nobody made: the same id, other bytes.
fn forged(t: &Tx) -> Tx {
    let mut f = t.clone();
    f.signature = Signature::Ed25519([0x5a; 64]);
    f
}

/// The next block of `app` carrying `txs`, proposed by `proposer`, with an honest tx root over
/// the full bytes of `txs` (so only the rule under test can refuse it).
fn block(app: &App, proposer: &str, txs: Vec<Tx>) -> Block {
    let mut b = app
        .propose(&key(proposer).public_key(), 0, 10)
        .unwrap()
        .block;
    b.txs = txs;
    b.header.tx_root = root(&b.txs);
    b
}

fn root(txs: &[Tx]) -> Hash {
    let leaves: Vec<Hash> = txs.iter().map(|t| tx_hash(Scheme::Ed25519, t)).collect();
    govchain_crypto::merkle_root(Scheme::Ed25519, &leaves)
}

fn tx_size() -> usize {
    tx(0, "cit-0001").encode().len()
}

struct Case {
    what: &'static str,
    params: ChainParams,
    /// Transactions submitted to the checking node's pool first.
    pooled: Vec<Tx>,
    /// The block to check, built on the checking node.
    block: fn(&App) -> Block,
    /// `None`: accepted; `Some(s)`: refused with an error that contains `s`.
    refused: Option<&'static str>,
}

fn honest(app: &App) -> Block {
    block(app, "validator", vec![tx(0, "cit-0001"), tx(1, "cit-0002")])
}

#[test]
fn blocks_a_byzantine_proposer_could_send() {
    let default = ChainParams::default;
    let cases = [
        Case {
            what: "honest block, its transactions in this node's pool",
            params: default(),
            pooled: vec![tx(0, "cit-0001"), tx(1, "cit-0002")],
            block: honest,
            refused: None,
        },
        Case {
            what: "honest block checked by a node that never saw its transactions (sync)",
            params: default(),
            pooled: vec![],
            block: honest,
            refused: None,
        },
        Case {
            what: "garbage signature on a transaction whose id this node's pool holds",
            params: default(),
            pooled: vec![tx(0, "cit-0001"), tx(1, "cit-0002")],
            block: |app| {
                block(
                    app,
                    "validator",
                    vec![tx(0, "cit-0001"), forged(&tx(1, "cit-0002"))],
                )
            },
            refused: Some("signature"),
        },
        Case {
            what: "garbage signature, checked by a node that syncs (empty pool)",
            params: default(),
            pooled: vec![],
            block: |app| block(app, "validator", vec![forged(&tx(0, "cit-0001"))]),
            refused: Some("signature"),
        },
        Case {
            what: "garbage signature under the honest block's tx root",
            params: default(),
            pooled: vec![tx(0, "cit-0001")],
            block: |app| {
                let mut b = block(app, "validator", vec![tx(0, "cit-0001")]);
                b.txs = vec![forged(&tx(0, "cit-0001"))];
                b
            },
            refused: Some("tx root"),
        },
        Case {
            what: "tx root over the ids (the old rule)",
            params: default(),
            pooled: vec![],
            block: |app| {
                let mut b = block(app, "validator", vec![tx(0, "cit-0001")]);
                let ids = [govchain_crypto::tx_id(Scheme::Ed25519, &b.txs[0].body)];
                b.header.tx_root = govchain_crypto::merkle_root(Scheme::Ed25519, &ids);
                b
            },
            refused: Some("tx root"),
        },
        Case {
            what: "a transaction one byte over max_tx_bytes",
            params: ChainParams {
                max_tx_bytes: (tx_size() - 1) as u32,
                ..default()
            },
            pooled: vec![],
            block: |app| block(app, "validator", vec![tx(0, "cit-0001")]),
            refused: Some("more than the limit"),
        },
        Case {
            what: "a block one transaction over max_block_txs",
            params: ChainParams {
                max_block_txs: 2,
                ..default()
            },
            pooled: vec![],
            block: |app| {
                block(
                    app,
                    "validator",
                    (0..3).map(|i| tx(i, &format!("cit-000{i}"))).collect(),
                )
            },
            refused: Some("3 transactions, more than the limit of 2"),
        },
        Case {
            what: "a block over max_block_bytes, each transaction within max_tx_bytes",
            params: ChainParams {
                max_block_bytes: (3 * tx_size()) as u32,
                ..default()
            },
            pooled: vec![],
            block: |app| {
                block(
                    app,
                    "validator",
                    (0..3).map(|i| tx(i, &format!("cit-000{i}"))).collect(),
                )
            },
            refused: Some("bytes, more than the limit"),
        },
        // Transactions whose envelope execution would reject: the block is refused, so a
        // proposer cannot fill blocks with them.
        Case {
            what: "a transaction signed for another chain",
            params: default(),
            pooled: vec![],
            block: |app| {
                block(
                    app,
                    "validator",
                    vec![tx_with(0, "cit-0001", "civil-affairs", |b| {
                        b.chain_id = "another-chain".into()
                    })],
                )
            },
            refused: Some("would be rejected: the request is for chain `another-chain`"),
        },
        Case {
            what: "an expired transaction",
            params: default(),
            pooled: vec![],
            block: |app| {
                block(
                    app,
                    "validator",
                    vec![tx_with(0, "cit-0001", "civil-affairs", |b| {
                        b.valid_until = 0
                    })],
                )
            },
            refused: Some("would be rejected: the request expired"),
        },
        Case {
            what: "a transaction valid for longer than the chain allows",
            params: default(),
            pooled: vec![],
            block: |app| {
                block(
                    app,
                    "validator",
                    vec![tx_with(0, "cit-0001", "civil-affairs", |b| {
                        b.valid_until = u64::MAX
                    })],
                )
            },
            refused: Some("would be rejected: valid_until"),
        },
        Case {
            what: "a transaction signed by a key registered to nobody",
            params: default(),
            pooled: vec![],
            block: |app| {
                block(
                    app,
                    "validator",
                    vec![tx_with(0, "cit-0001", "nobody", |_| {})],
                )
            },
            refused: Some("would be rejected: key"),
        },
        Case {
            what: "one nonce twice in a block",
            params: default(),
            pooled: vec![],
            block: |app| block(app, "validator", vec![tx(0, "cit-0001"), tx(0, "cit-0002")]),
            refused: Some("transaction 1 of the block would be rejected: nonce 0 was already used"),
        },
        Case {
            what: "a gap in a signer's nonces",
            params: default(),
            pooled: vec![],
            block: |app| block(app, "validator", vec![tx(0, "cit-0001"), tx(2, "cit-0002")]),
            refused: Some("transaction 1 of the block would be rejected: nonce 2 is ahead"),
        },
        Case {
            what: "a signer's first transaction not at its next nonce",
            params: default(),
            pooled: vec![],
            block: |app| block(app, "validator", vec![tx(1, "cit-0001")]),
            refused: Some("transaction 0 of the block would be rejected: nonce 1 is ahead"),
        },
        Case {
            what: "header names a validator that is not the round's proposer",
            params: default(),
            pooled: vec![],
            block: |app| block(app, "other-validator", vec![tx(0, "cit-0001")]),
            refused: Some("is not the proposer of round 0"),
        },
        Case {
            what: "header names a key that is no validator at all",
            params: default(),
            pooled: vec![],
            block: |app| block(app, "stranger", vec![]),
            refused: Some("is not the proposer of round 0"),
        },
    ];
    for case in cases {
        let (app, _dir) = node(case.params);
        for r in app.submit(case.pooled.iter().map(Tx::encode).collect()) {
            r.unwrap();
        }
        let b = (case.block)(&app);
        // The consensus host passes the validator it selects for the header's round; here,
        // `validator` is round 0's.
        let got = app.check_proposal(&b, &key("validator").public_key());
        match (case.refused, got) {
            (None, Ok(txs)) => {
                let executed: Vec<&Tx> = txs.iter().map(|v| v.tx()).collect();
                let carried: Vec<&Tx> = b.txs.iter().collect();
                assert_eq!(
                    executed, carried,
                    "{}: executes the block's own bytes",
                    case.what
                );
            }
            (None, Err(e)) => panic!("{}: refused: {e}", case.what),
            (Some(want), Ok(_)) => panic!("{}: accepted, wanted `{want}`", case.what),
            (Some(want), Err(e)) => {
                assert!(e.to_string().contains(want), "{}: {e}", case.what);
                assert!(
                    matches!(
                        govchain_consensus::Application::check(
                            &app,
                            &b,
                            &key("validator").public_key()
                        ),
                        Err(govchain_consensus::AppError::Invalid(_))
                    ),
                    "{}: consensus sees an invalid block (a vote against), not a local failure",
                    case.what
                );
            }
        }
        assert_eq!(app.head().height, 0, "{}", case.what);
    }
}

#[test]
fn a_signature_changes_the_tx_root_but_not_the_ids() {
    let (app, _dir) = node(ChainParams::default());
    let honest = block(&app, "validator", vec![tx(0, "cit-0001")]);
    let mut bad = honest.clone();
    bad.txs = vec![forged(&honest.txs[0])];
    bad.header.tx_root = root(&bad.txs);
    let id = |b: &Block| govchain_crypto::tx_id(Scheme::Ed25519, &b.txs[0].body);
    assert_eq!(id(&honest), id(&bad));
    assert_ne!(honest.header.tx_root, bad.header.tx_root);
    assert_ne!(
        govchain_crypto::block_hash(Scheme::Ed25519, &honest.header),
        govchain_crypto::block_hash(Scheme::Ed25519, &bad.header)
    );
}

#[test]
fn a_commit_executes_only_the_blocks_own_bytes() {
    let (app, _dir) = node(ChainParams::default());
    app.submit(vec![tx(0, "cit-0001").encode()])[0]
        .clone()
        .unwrap();
    // A decided block that carries a forged copy, with the pool's verified copy to execute: the
    // swap the review found (`node/src/app.rs` before the fix) is refused at commit too.
    let p = app.propose(&key("validator").public_key(), 0, 10).unwrap();
    let mut b = p.block.clone();
    b.txs = vec![forged(&b.txs[0])];
    b.header.tx_root = root(&b.txs);
    let cert = CommitCertificate {
        height: 1,
        round: 0,
        block_hash: govchain_crypto::block_hash(Scheme::Ed25519, &b.header),
        signatures: vec![],
    };
    let err = app.commit(&b, &p.txs, &cert).unwrap_err();
    assert!(err.to_string().contains("not the block's own"), "{err}");
    assert_eq!(app.head().height, 0);
}

#[test]
fn the_proposer_assembles_within_the_limits() {
    // Room for the header and two of the transactions, not three.
    let params = ChainParams {
        max_block_bytes: 600,
        max_block_txs: 5,
        ..ChainParams::default()
    };
    let (app, _dir) = node(params.clone());
    let header = app
        .propose(&key("validator").public_key(), 0, 10)
        .unwrap()
        .block
        .header
        .encode()
        .len();
    assert!(header + 4 + 3 * (tx_size() - 1) > 600 && header + 4 + 2 * tx_size() <= 600);
    let all: Vec<Vec<u8>> = (0..8)
        .map(|i| tx(i, &format!("cit-000{i}")).encode())
        .collect();
    for r in app.submit(all) {
        r.unwrap();
    }
    let p = app.propose(&key("validator").public_key(), 0, 10).unwrap();
    assert_eq!(p.block.txs.len(), 2);
    assert!(p.block.encode().len() <= 600);
    check_block_limits(Scheme::Ed25519, &params, &p.block).unwrap();
    // What it proposes, every node accepts, and it commits.
    app.check_proposal(&p.block, &key("validator").public_key())
        .unwrap();
    let info = SoloProducer::produce(&app, &key("validator")).unwrap();
    assert_eq!((info.height, info.txs), (1, 2));
}
