//! Money against a reference model: random sequences of issue, redeem, transfer, freeze and
//! unfreeze — zero, negative and overflowing amounts, overdrafts, frozen accounts and a freeze
//! outside the court's region included — run through `apply_block` in blocks of several
//! transactions, and after every block each balance, the supply and every freeze agree with a
//! `BTreeMap` model, and the supply equals the sum of the balances.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    reason = "a test fails loudly"
)]

mod common;

use common::{header, key};
use govchain_crypto::{sign_tx, verify_tx};
use govchain_execution::{Laws, MemState, apply_block, finance, genesis_writes, schema};
use govchain_types::*;
use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

/// Holders: four citizens in the court's region `110000`, and `cit-0003` in `310101`, outside it.
const HOLDERS: [&str; 5] = ["cit-0001", "cit-0002", "cit-0003", "cit-0004", "cit-0005"];
const GOVERNOR: &str = "off-zhou";
const JUDGE: &str = "judge-wu";

fn pid(s: &str) -> PrincipalId {
    PrincipalId::new(s).unwrap()
}

/// The demo genesis and a test currency `TST` with no supply limit, which the governor issues
/// and redeems from any account, in any amount: so every overflow is reachable.
fn genesis() -> Genesis {
    let mut g = common::genesis();
    let policy = |action: &str| Article {
        id: if action == "issue" { "1" } else { "2" }.into(),
        title: format!("the governor may {action} TST"),
        kind: ArticleKind::Permission {
            policy: format!(
                r#"permit (principal is Official, action == Action::"{action}", resource is Currency)
                   when {{ resource.code == "TST" && principal.powers.contains("issue-currency") }};"#
            ),
        },
    };
    let mut law = g
        .laws
        .iter()
        .find(|l| l.id.as_str() == "pension-law")
        .unwrap()
        .clone();
    law.id = pid("test-money-law");
    law.title = "Test Money Law".into();
    law.registries = vec![];
    law.articles = vec![policy("issue"), policy("redeem")];
    law.currencies = vec![CurrencyDef {
        code: "TST".into(),
        name: "Test money".into(),
        decimals: 0,
        issuer: pid("central-bank"),
        max_supply: None,
        transfer_fee: None,
    }];
    g.laws.push(law);
    g
}

#[derive(Clone, Debug)]
enum Op {
    Issue(usize, i128),
    Redeem(usize, i128),
    Transfer(usize, usize, i128),
    Freeze(usize),
    Unfreeze(usize),
}

fn amount() -> impl Strategy<Value = i128> {
    prop_oneof![
        4 => 1i128..2_000,
        1 => Just(0i128),
        1 => -1_000i128..0,
        1 => Just(i128::MAX),
        1 => (0i128..3).prop_map(|d| i128::MAX / 2 + d),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    let who = 0..HOLDERS.len();
    prop_oneof![
        3 => (who.clone(), amount()).prop_map(|(h, a)| Op::Issue(h, a)),
        2 => (who.clone(), amount()).prop_map(|(h, a)| Op::Redeem(h, a)),
        6 => (who.clone(), who.clone(), amount()).prop_map(|(f, t, a)| Op::Transfer(f, t, a)),
        1 => who.clone().prop_map(Op::Freeze),
        1 => who.prop_map(Op::Unfreeze),
    ]
}

/// The reference model: balances, supply and frozen accounts of `TST`.
#[derive(Default)]
struct Model {
    balances: BTreeMap<usize, i128>,
    supply: i128,
    frozen: BTreeSet<usize>,
}

impl Model {
    /// What the chain must answer (`Ok` or the refusal's code), and the model after it.
    fn apply(&mut self, op: &Op) -> Result<(), &'static str> {
        let bal = |m: &Model, h: usize| m.balances.get(&h).copied().unwrap_or(0);
        match *op {
            Op::Issue(_, a) | Op::Redeem(_, a) | Op::Transfer(_, _, a) if a <= 0 => {
                Err("bad_amount")
            }
            Op::Issue(h, a) => {
                let supply = self.supply.checked_add(a).ok_or("overflow")?;
                let b = bal(self, h).checked_add(a).ok_or("overflow")?;
                self.supply = supply;
                self.balances.insert(h, b);
                Ok(())
            }
            Op::Redeem(h, a) => {
                if self.frozen.contains(&h) {
                    return Err("frozen");
                }
                if bal(self, h) < a {
                    return Err("insufficient_funds");
                }
                self.supply -= a;
                self.balances.insert(h, bal(self, h) - a);
                Ok(())
            }
            Op::Transfer(f, t, _) if f == t => Err("same_account"),
            Op::Transfer(f, t, a) => {
                if self.frozen.contains(&f) {
                    return Err("unauthorized");
                }
                if bal(self, f) < a {
                    return Err("insufficient_funds");
                }
                self.balances.insert(f, bal(self, f) - a);
                self.balances.insert(t, bal(self, t) + a);
                Ok(())
            }
            // The court may not act outside its region, whatever the account's state.
            Op::Freeze(2) | Op::Unfreeze(2) => Err("unauthorized"),
            Op::Freeze(h) if self.frozen.contains(&h) => Err("already_frozen"),
            Op::Freeze(h) => {
                self.frozen.insert(h);
                Ok(())
            }
            Op::Unfreeze(h) if !self.frozen.contains(&h) => Err("not_frozen"),
            Op::Unfreeze(h) => {
                self.frozen.remove(&h);
                Ok(())
            }
        }
    }
}

/// Who signs an operation, in which position, and what it asks.
fn tx_of(op: &Op) -> (&'static str, Option<Acting>, Payload) {
    let tst = || "TST".to_string();
    let governor = Some(Acting::Position("pos-off-zhou".into()));
    let judge = Some(Acting::Position("pos-judge-wu".into()));
    match *op {
        Op::Issue(h, a) => (
            GOVERNOR,
            governor,
            Payload::Issue {
                currency: tst(),
                to: pid(HOLDERS[h]),
                amount: Amount(a),
                memo: String::new(),
            },
        ),
        Op::Redeem(h, a) => (
            GOVERNOR,
            governor,
            Payload::Redeem {
                currency: tst(),
                from: pid(HOLDERS[h]),
                amount: Amount(a),
                memo: String::new(),
            },
        ),
        Op::Transfer(f, t, a) => (
            HOLDERS[f],
            None,
            Payload::Transfer {
                currency: tst(),
                from: None,
                to: pid(HOLDERS[t]),
                amount: Amount(a),
                memo: String::new(),
                reference: String::new(),
            },
        ),
        Op::Freeze(h) => (
            JUDGE,
            judge,
            Payload::Freeze {
                currency: tst(),
                holder: pid(HOLDERS[h]),
                order: "order-1".into(),
            },
        ),
        Op::Unfreeze(h) => (
            JUDGE,
            judge,
            Payload::Unfreeze {
                currency: tst(),
                holder: pid(HOLDERS[h]),
                order: "order-2".into(),
            },
        ),
    }
}

fn run(blocks: Vec<Vec<Op>>) {
    let laws = Laws::new().unwrap();
    let mut state = MemState::default();
    state.apply(&genesis_writes(&genesis()).unwrap());
    let mut model = Model::default();
    let mut nonces: BTreeMap<&str, u64> = BTreeMap::new();
    for (i, ops) in blocks.iter().enumerate() {
        let height = i as u64 + 1;
        let txs: Vec<_> = ops
            .iter()
            .map(|op| {
                let (who, acting, payload) = tx_of(op);
                let nonce = nonces.entry(who).or_default();
                let body = TxBody {
                    chain_id: "demo-test".into(),
                    signer: key(who).public_key(),
                    nonce: *nonce,
                    valid_until: height + 5,
                    acting_as: acting,
                    payload,
                };
                *nonce += 1;
                verify_tx(Scheme::Ed25519, sign_tx(Scheme::Ed25519, &key(who), body)).unwrap()
            })
            .collect();
        let out = apply_block(&state, &header(height), &txs, &laws).unwrap();
        for (op, r) in ops.iter().zip(&out.receipts) {
            let expected = model.apply(op);
            let got = match r.status {
                TxStatus::Ok => Ok(()),
                _ => Err(r.code.clone().unwrap_or_default()),
            };
            assert_eq!(
                got,
                expected.map_err(str::to_string),
                "{op:?} at height {height}: {:?}",
                r.error
            );
        }
        state.apply(&out.writes);
        for (h, name) in HOLDERS.iter().enumerate() {
            let account = schema::account(&state, "TST", &pid(name)).unwrap();
            assert_eq!(
                account.balance.0,
                model.balances.get(&h).copied().unwrap_or(0),
                "{name}"
            );
            assert_eq!(
                account.frozen.is_some(),
                model.frozen.contains(&h),
                "{name}"
            );
        }
        assert_eq!(
            schema::currency(&state, "TST").unwrap().supply.0,
            model.supply
        );
        for (code, (supply, sum)) in finance::totals(&state).unwrap() {
            assert_eq!(supply, sum, "{code} is not conserved at height {height}");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn money_agrees_with_the_model_and_is_conserved(
        blocks in prop::collection::vec(prop::collection::vec(op(), 1..5), 1..12)
    ) {
        run(blocks);
    }
}

#[test]
fn overflowing_the_supply_is_refused_and_changes_nothing() {
    run(vec![
        vec![Op::Issue(0, i128::MAX), Op::Issue(1, 1)],
        vec![Op::Transfer(0, 1, i128::MAX), Op::Redeem(1, i128::MAX)],
        vec![
            Op::Issue(3, 5),
            Op::Redeem(0, i128::MAX - 5),
            Op::Issue(3, 10),
        ],
    ]);
}
