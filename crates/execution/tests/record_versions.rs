//! No past version is ever lost: random updates and closes of registry records, committed to a
//! real store block by block, read back as of every height equal a model of what was written.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    reason = "a test fails loudly"
)]

mod common;

use common::{Latest, demo_genesis, header, key};
use govchain_crypto::{block_hash, merkle_root, sign_tx, tx_hash, verify_tx};
use govchain_execution::schema::{self, RecordVersion};
use govchain_execution::{apply_block, genesis_writes};
use govchain_store::{CommitInput, Store};
use govchain_types::*;
use proptest::prelude::*;
use std::collections::BTreeMap;

/// One step: update organisation `org` (1..=4) to form `form`, or close it.
#[derive(Clone, Debug)]
enum Op {
    Update { org: u8, form: u8 },
    Close { org: u8 },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (1u8..=4, 0u8..4).prop_map(|(org, form)| Op::Update { org, form }),
        1 => (1u8..=4).prop_map(|org| Op::Close { org }),
    ]
}

const FORMS: [&str; 4] = ["company", "partnership", "association", "sole-trader"];

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    #[test]
    fn every_version_stays_readable_as_of_its_height(blocks in prop::collection::vec(prop::collection::vec(op(), 0..4), 1..8)) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("chain.redb"), Scheme::Ed25519).unwrap();
        let writes = genesis_writes(&demo_genesis()).unwrap();
        store.commit(CommitInput { height: 0, block: None, block_hash: Hash::ZERO, certificate: None, receipts: &[], tx_ids: &[], writes: &writes, audit: &[], journal: &[] }).unwrap();
        let laws = govchain_execution::Laws::new().unwrap();
        // The model: per height, each organisation's (form, closed).
        let mut model: BTreeMap<u8, (String, bool)> = (1..=4).map(|o| (o, ("company".to_string(), false))).collect();
        let mut snapshots = vec![model.clone()];
        let mut nonce = 0u64;
        for (i, ops) in blocks.iter().enumerate() {
            let height = i as u64 + 1;
            let mut txs = Vec::new();
            let mut expected = model.clone();
            for op in ops {
                let (org, payload) = match op {
                    Op::Update { org, form } => (*org, Payload::UpdateRecord {
                        registry: "organisations".into(),
                        key: format!("org-{org:04}"),
                        fields: [("form".to_string(), FieldValue::Text(FORMS[*form as usize].into()))].into_iter().collect(),
                    }),
                    Op::Close { org } => (*org, Payload::CloseRecord {
                        registry: "organisations".into(),
                        key: format!("org-{org:04}"),
                        reason: "dissolved".into(),
                    }),
                };
                // Closed records refuse further writes: the model says what will happen.
                if expected[&org].1 {
                    continue;
                }
                if let Op::Close { .. } = op {
                    // The licensing officer may not close organisations: refused, nothing changes.
                } else if let Op::Update { form, .. } = op {
                    expected.insert(org, (FORMS[*form as usize].to_string(), false));
                }
                let body = TxBody {
                    chain_id: common::CHAIN.into(),
                    signer: key("off-chen").public_key(),
                    nonce,
                    valid_until: height + 5,
                    acting_as: Some(Acting::Position("pos-off-chen".into())),
                    payload,
                };
                nonce += 1;
                txs.push(verify_tx(Scheme::Ed25519, sign_tx(Scheme::Ed25519, &key("off-chen"), body)).unwrap());
            }
            let ids: Vec<_> = txs.iter().map(|t| t.id()).collect();
            let leaves: Vec<_> = txs.iter().map(|t| tx_hash(Scheme::Ed25519, t.tx())).collect();
            let mut h = header(height);
            h.tx_root = merkle_root(Scheme::Ed25519, &leaves);
            let block = Block { header: h, txs: txs.iter().map(|t| t.tx().clone()).collect() };
            let out = apply_block(&Latest(&store), &block.header, &txs, &laws).unwrap();
            store.commit(CommitInput {
                height,
                block: Some(&block),
                block_hash: block_hash(Scheme::Ed25519, &block.header),
                certificate: None,
                receipts: &out.receipts,
                tx_ids: &ids,
                writes: &out.writes,
                audit: &[],
                journal: &[],
            }).unwrap();
            model = expected;
            snapshots.push(model.clone());
        }
        // Every organisation, as of every height, reads as the model says.
        for (h, snap) in snapshots.iter().enumerate() {
            for (org, (form, closed)) in snap {
                let v = store.get(&schema::record_key("organisations", &format!("org-{org:04}")), Some(h as u64)).unwrap().unwrap();
                let rec: RecordVersion = decode("record", &v.value).unwrap();
                prop_assert_eq!(rec.fields.get("form"), Some(&FieldValue::Text(form.clone())), "org {} at height {}", org, h);
                // The licensing officer's closes are refused: nothing is closed.
                prop_assert_eq!(matches!(rec.status, RecordStatus::Closed { .. }), *closed, "org {} at height {}", org, h);
            }
        }
        // And the history holds one version per write that took effect, oldest first.
        for org in 1..=4u8 {
            let k = schema::record_key("organisations", &format!("org-{org:04}"));
            let hist = store.history(&k, None, 1_000).unwrap();
            let changes = snapshots.windows(2).filter(|w| w[0][&org] != w[1][&org]).count();
            prop_assert!(hist.len() > changes, "org {}: {} versions for {} changes", org, hist.len(), changes);
            prop_assert!(hist.windows(2).all(|w| w[0].height < w[1].height));
        }
    }
}
