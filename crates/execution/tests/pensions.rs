//! Pensions paid by schedule, on real stores: over random heights of application, restarts of
//! a node (its store closed and opened again) and a node catching up from genesis, each
//! pensioner is paid exactly once per period, at the height the period falls due, and money is
//! conserved; both nodes agree on every state root.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    reason = "a test fails loudly"
)]

mod common;

use common::{CHAIN, Latest, demo_genesis, header, key};
use govchain_crypto::{VerifiedTx, block_hash, merkle_root, sign_tx, tx_hash, verify_tx};
use govchain_execution::{Laws, apply_block, genesis_writes, schema};
use govchain_store::{CommitInput, Store};
use govchain_types::*;
use proptest::prelude::*;

/// Citizens the demo's registers grant a pension (of pension age, 180 months or more).
const PENSIONERS: [u32; 8] = [1, 2, 3, 4, 5, 6, 8, 9];
/// The pension law's month, in blocks.
const MONTH: u64 = 30;

fn pid(s: &str) -> PrincipalId {
    PrincipalId::new(s).unwrap()
}

fn open(dir: &tempfile::TempDir) -> Store {
    Store::open(&dir.path().join("chain.redb"), Scheme::Ed25519).unwrap()
}

fn commit_genesis(store: &Store) {
    let writes = genesis_writes(&demo_genesis()).unwrap();
    store
        .commit(CommitInput {
            height: 0,
            block: None,
            block_hash: Hash::ZERO,
            certificate: None,
            receipts: &[],
            tx_ids: &[],
            writes: &writes,
            audit: &[],
            journal: &[],
        })
        .unwrap();
}

/// Applies `block` on `store` and commits it: its state root.
fn commit(store: &Store, block: &Block, txs: &[VerifiedTx], laws: &Laws) -> Hash {
    let out = apply_block(&Latest(store), &block.header, txs, laws).unwrap();
    let ids: Vec<_> = txs.iter().map(|t| t.id()).collect();
    store
        .commit(CommitInput {
            height: block.header.height,
            block: Some(block),
            block_hash: block_hash(Scheme::Ed25519, &block.header),
            certificate: None,
            receipts: &out.receipts,
            tx_ids: &ids,
            writes: &out.writes,
            audit: &[],
            journal: &out.journal,
        })
        .unwrap()
}

fn block(height: u64, txs: &[VerifiedTx]) -> Block {
    let leaves: Vec<_> = txs
        .iter()
        .map(|t| tx_hash(Scheme::Ed25519, t.tx()))
        .collect();
    let mut h = header(height);
    h.tx_root = merkle_root(Scheme::Ed25519, &leaves);
    Block {
        header: h,
        txs: txs.iter().map(|t| t.tx().clone()).collect(),
    }
}

fn apply_for_pension(who: &str, height: u64) -> VerifiedTx {
    let body = TxBody {
        chain_id: CHAIN.into(),
        signer: key(who).public_key(),
        nonce: 0,
        valid_until: height + 5,
        acting_as: None,
        payload: Payload::Apply {
            service: pid("pension"),
            input: Fields::new(),
        },
    };
    verify_tx(Scheme::Ed25519, sign_tx(Scheme::Ed25519, &key(who), body)).unwrap()
}

fn balance(store: &Store, holder: &str, at: Option<u64>) -> i128 {
    let value = store
        .get(&schema::account_key("CNY", &pid(holder)), at)
        .unwrap()
        .unwrap()
        .value;
    decode::<schema::AccountRecord>("account", &value)
        .unwrap()
        .balance
        .0
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 6, ..ProptestConfig::default() })]

    #[test]
    fn each_pensioner_is_paid_once_per_period_across_restarts_and_catch_up(
        applied in prop::collection::vec(1u64..=40, PENSIONERS.len()),
        restarts in prop::collection::vec(1u64..=130, 0..4),
        last in 100u64..=130,
    ) {
        let laws = Laws::new().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let mut store = open(&dir);
        commit_genesis(&store);
        let mut blocks = Vec::new();
        let mut ids = vec![Hash::ZERO; PENSIONERS.len()];
        for height in 1..=last {
            let mut txs = Vec::new();
            for (i, n) in PENSIONERS.iter().enumerate() {
                if applied[i] == height {
                    let tx = apply_for_pension(&format!("cit-{n:04}"), height);
                    ids[i] = tx.id();
                    txs.push(tx);
                }
            }
            let b = block(height, &txs);
            let root = commit(&store, &b, &txs, &laws);
            blocks.push((b, txs, root));
            if restarts.contains(&height) {
                drop(store);
                store = open(&dir);
            }
        }
        // Each pensioner: paid at every `applied + k × MONTH` up to the last block, once.
        for (i, n) in PENSIONERS.iter().enumerate() {
            let who = format!("cit-{n:04}");
            let app = schema::application(&Latest(&store), &ids[i]).unwrap().unwrap();
            prop_assert_eq!(&app.status, &ApplicationStatus::Approved, "{}: {:?}", who, app.timeline);
            let due: Vec<u64> = (1..).map(|k| applied[i] + k * MONTH).take_while(|h| *h <= last).collect();
            // Each period's step, kept apart; none beyond the last due.
            let runs: Vec<u64> = (1..=due.len() as u64 + 1)
                .filter_map(|p| store.get(&schema::period_key(&ids[i], p), None).unwrap())
                .map(|v| decode::<ApplicationStep>("period", &v.value).unwrap())
                .inspect(|s| assert_eq!(s.kind, "period_run"))
                .map(|s| s.height)
                .collect();
            prop_assert_eq!(&runs, &due, "{}", who);
            let schedule = app.schedule.clone().unwrap();
            prop_assert_eq!(schedule.done, due.len() as u64);
            prop_assert_eq!(schedule.next, applied[i] + (due.len() as u64 + 1) * MONTH);
            let benefit = schema::record(&Latest(&store), "benefits", &format!("pension-{who}")).unwrap().unwrap();
            let FieldValue::Integer(amount) = benefit.fields["amount_fen"] else { panic!() };
            let paid = balance(&store, &who, None) - balance(&store, &who, Some(applied[i]));
            prop_assert_eq!(paid, i128::from(amount) * due.len() as i128, "{}", who);
        }
        // Conserved: what the pensioners got is what the treasury paid.
        let mut paid_in_all = 0i128;
        for n in PENSIONERS {
            let who = format!("cit-{n:04}");
            paid_in_all += balance(&store, &who, None) - balance(&store, &who, Some(0));
        }
        prop_assert_eq!(balance(&store, "treasury", Some(0)) - balance(&store, "treasury", None), paid_in_all);
        // A node catching up from genesis replays the same blocks to the same roots.
        let dir2 = tempfile::tempdir().unwrap();
        let fresh = open(&dir2);
        commit_genesis(&fresh);
        for (b, txs, root) in &blocks {
            prop_assert_eq!(&commit(&fresh, b, txs, &laws), root, "height {}", b.header.height);
        }
    }
}
