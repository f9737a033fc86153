//! No sequence of enactments, repeals and lapses leaves the laws uncompilable at any height:
//! random bills of the legislature — defining registries and currencies that others define too,
//! repealing, lapsing, taking effect at random future heights — run through `apply_block` on the
//! demo government, whether each is enacted or refused, and after each the laws in force compile
//! at the current height and at every height at which they are scheduled to change.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    reason = "a test fails loudly"
)]

mod common;

use common::{Chain, enact};
use govchain_execution::schema;
use govchain_types::*;
use proptest::prelude::*;

const LAWS: [&str; 4] = ["law-a", "law-b", "law-c", "law-d"];
const REGISTRIES: [&str; 3] = ["reg-x", "reg-y", "reg-z"];
const CURRENCIES: [&str; 2] = ["XAA", "XBB"];

fn pid(s: &str) -> PrincipalId {
    PrincipalId::new(s).unwrap()
}

fn currency(code: &str) -> CurrencyDef {
    let mut def = govchain_demo::currency_law().currencies[0].clone();
    def.code = code.into();
    def.name = code.into();
    def
}

/// One random bill: which law (its next version is taken), what it defines and repeals, when it
/// takes effect (blocks from now) and for how long.
#[derive(Clone, Debug)]
struct Op {
    law: usize,
    registries: Vec<usize>,
    currencies: Vec<usize>,
    repeals: Vec<usize>,
    after: u64,
    lasts: Option<u64>,
}

fn op() -> impl Strategy<Value = Op> {
    (
        0..LAWS.len(),
        proptest::sample::subsequence((0..REGISTRIES.len()).collect::<Vec<_>>(), 0..=2),
        proptest::sample::subsequence((0..CURRENCIES.len()).collect::<Vec<_>>(), 0..=1),
        proptest::sample::subsequence((0..LAWS.len()).collect::<Vec<_>>(), 0..=1),
        1..12u64,
        proptest::option::of(1..12u64),
    )
        .prop_map(|(law, registries, currencies, repeals, after, lasts)| Op {
            law,
            registries,
            currencies,
            repeals,
            after,
            lasts,
        })
}

fn bill(chain: &Chain, op: &Op) -> LawPackage {
    let id = pid(LAWS[op.law]);
    let version = schema::law_index(&chain.state)
        .unwrap()
        .iter()
        .filter(|l| l.id == id)
        .map(|l| l.version)
        .max()
        .unwrap_or(0)
        + 1;
    let from = chain.height + 1 + op.after;
    LawPackage {
        id,
        version,
        title: "a random law".into(),
        level: Level::National,
        body: pid("legislature"),
        jurisdiction: vec![],
        articles: vec![Article {
            id: "1".into(),
            title: "registrars read the registry".into(),
            kind: ArticleKind::Permission {
                policy:
                    r#"permit (principal is Official, action == Action::"read", resource is Record)
                   when { principal.powers.contains("register-birth") };"#
                        .into(),
            },
        }],
        effective_from: from,
        effective_until: op.lasts.map(|l| from + l),
        repeals: op.repeals.iter().map(|i| pid(LAWS[*i])).collect(),
        constitutes: vec![],
        registries: op
            .registries
            .iter()
            .map(|i| common::registry_def(REGISTRIES[*i]))
            .collect(),
        currencies: op
            .currencies
            .iter()
            .map(|i| currency(CURRENCIES[*i]))
            .collect(),
    }
}

/// Every height from `now` on at which the laws in force may change, and `now` itself.
fn heights_to_check(chain: &Chain) -> Vec<u64> {
    let now = chain.height + 1;
    let mut out: Vec<u64> = schema::law_index(&chain.state)
        .unwrap()
        .iter()
        .flat_map(|l| [Some(l.effective_from), l.effective_until])
        .flatten()
        .filter(|h| *h > now)
        .collect();
    out.push(now);
    out.sort_unstable();
    out.dedup();
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn the_laws_compile_at_every_height(ops in proptest::collection::vec(op(), 1..14)) {
        let mut chain = Chain::new();
        for op in &ops {
            let law = bill(&chain, op);
            let r = chain.run("legislature", None, enact(&law, &["leg-1", "leg-2", "leg-3"]));
            if r.status != TxStatus::Ok {
                // Refusals are the kernel's checks, never a failure to decide.
                let code = r.code.clone().unwrap_or_default();
                prop_assert!(
                    ["invalid_bill", "unknown_law", "too_many_pending"].contains(&code.as_str()),
                    "{code}: {:?}", r.error
                );
            }
            for h in heights_to_check(&chain) {
                prop_assert!(
                    chain.laws.at(&chain.state, h).is_ok(),
                    "the laws do not compile at height {h} after {ops:?}"
                );
            }
        }
    }
}

/// Without the check at every height (the kernel before it), this sequence left height 7
/// uncompilable: law A defines `reg-x` from 7, law B defines it from 4.
#[test]
fn the_sequence_that_stopped_every_node_is_refused() {
    let mut chain = Chain::new();
    let a = Op {
        law: 0,
        registries: vec![0],
        currencies: vec![],
        repeals: vec![],
        after: 5,
        lasts: None,
    };
    let r = chain.run(
        "legislature",
        None,
        enact(&bill(&chain, &a), &["leg-1", "leg-2", "leg-3"]),
    );
    assert_eq!(r.status, TxStatus::Ok, "{:?}", r.error);
    let b = Op {
        law: 1,
        after: 1,
        ..a
    };
    let r = chain.run(
        "legislature",
        None,
        enact(&bill(&chain, &b), &["leg-1", "leg-2", "leg-3"]),
    );
    assert_eq!(r.code.as_deref(), Some("invalid_bill"), "{:?}", r.error);
    for h in heights_to_check(&chain) {
        chain.laws.at(&chain.state, h).unwrap();
    }
}
