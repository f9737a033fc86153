//! Money on the demo government through real transactions: who may issue, redeem, transfer and
//! freeze (with the article that decided), every refusal changing no balance, and the statement
//! each account's journal keeps.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    reason = "a test fails loudly"
)]

mod common;

use common::{Chain, expect};
use govchain_demo::genesis::{CITIZEN_OPENING, ORGANISATION_OPENING, TREASURY_OPENING};
use govchain_execution::schema;
use govchain_types::*;

fn pid(s: &str) -> PrincipalId {
    PrincipalId::new(s).unwrap()
}

fn balance(chain: &Chain, holder: &str) -> i128 {
    schema::account(&chain.state, "CNY", &pid(holder))
        .unwrap()
        .balance
        .0
}

fn supply(chain: &Chain) -> i128 {
    schema::currency(&chain.state, "CNY").unwrap().supply.0
}

fn transfer(to: &str, amount: i128) -> Payload {
    Payload::Transfer {
        currency: "CNY".into(),
        from: None,
        to: pid(to),
        amount: Amount(amount),
        memo: "rent".into(),
        reference: "inv-1".into(),
    }
}

fn issue(to: &str, amount: i128) -> Payload {
    Payload::Issue {
        currency: "CNY".into(),
        to: pid(to),
        amount: Amount(amount),
        memo: String::new(),
    }
}

fn redeem(from: &str, amount: i128) -> Payload {
    Payload::Redeem {
        currency: "CNY".into(),
        from: pid(from),
        amount: Amount(amount),
        memo: String::new(),
    }
}

fn freeze(holder: &str, on: bool) -> Payload {
    let (currency, holder, order) = ("CNY".into(), pid(holder), "(2026) Jing 01 Zhi 7".into());
    if on {
        Payload::Freeze {
            currency,
            holder,
            order,
        }
    } else {
        Payload::Unfreeze {
            currency,
            holder,
            order,
        }
    }
}

fn position(p: &str) -> Option<Acting> {
    Some(Acting::Position(p.into()))
}

#[test]
fn money_moves_only_as_the_currency_law_allows() {
    let mut chain = Chain::new();
    let opening = supply(&chain);
    assert_eq!(
        opening,
        TREASURY_OPENING + 100 * CITIZEN_OPENING + 10 * ORGANISATION_OPENING
    );
    let c = &mut chain;
    // Transfers by holders.
    expect(
        c,
        "a citizen pays another",
        "cit-0001",
        None,
        transfer("cit-0002", 12_345),
        (true, "", "currency-law/3"),
    );
    assert_eq!(balance(c, "cit-0001"), CITIZEN_OPENING - 12_345);
    assert_eq!(balance(c, "cit-0002"), CITIZEN_OPENING + 12_345);
    let stranger = Payload::Transfer {
        currency: "CNY".into(),
        from: Some(pid("cit-0001")),
        to: pid("cit-0003"),
        amount: Amount(1),
        memo: String::new(),
        reference: String::new(),
    };
    expect(
        c,
        "a stranger moves someone else's money",
        "cit-0003",
        None,
        stranger,
        (false, "unauthorized", ""),
    );
    expect(
        c,
        "a zero amount",
        "cit-0001",
        None,
        transfer("cit-0002", 0),
        (false, "bad_amount", ""),
    );
    expect(
        c,
        "a negative amount",
        "cit-0001",
        None,
        transfer("cit-0002", -5),
        (false, "bad_amount", ""),
    );
    let usd = Payload::Transfer {
        currency: "USD".into(),
        from: None,
        to: pid("cit-0002"),
        amount: Amount(5),
        memo: String::new(),
        reference: String::new(),
    };
    expect(
        c,
        "an unknown currency",
        "cit-0001",
        None,
        usd,
        (false, "unknown_currency", ""),
    );
    expect(
        c,
        "to nobody",
        "cit-0001",
        None,
        transfer("cit-9999", 5),
        (false, "unknown_holder", ""),
    );
    expect(
        c,
        "to oneself",
        "cit-0001",
        None,
        transfer("cit-0001", 5),
        (false, "same_account", ""),
    );
    expect(
        c,
        "more than the balance",
        "cit-0001",
        None,
        transfer("cit-0002", CITIZEN_OPENING),
        (false, "insufficient_funds", ""),
    );
    expect(
        c,
        "the largest amount there is",
        "cit-0001",
        None,
        transfer("cit-0002", i128::MAX),
        (false, "insufficient_funds", ""),
    );
    // An organisation pays through its representative (org-0001 → cit-0011), nobody else.
    let org = Some(Acting::Organisation(pid("org-0001")));
    expect(
        c,
        "a representative pays for the organisation",
        "cit-0011",
        org.clone(),
        transfer("cit-0005", 50_000),
        (true, "", "currency-law/3"),
    );
    assert_eq!(balance(c, "org-0001"), ORGANISATION_OPENING - 50_000);
    expect(
        c,
        "a citizen who does not represent it",
        "cit-0012",
        org,
        transfer("cit-0005", 1),
        (false, "not_representative", ""),
    );

    // Issue and redeem by the central bank's governor, within the law's limits.
    let before = supply(c);
    expect(
        c,
        "the governor issues into the treasury",
        "off-zhou",
        position("pos-off-zhou"),
        issue("treasury", 100_000_000),
        (true, "", "currency-law/1"),
    );
    assert_eq!(supply(c), before + 100_000_000);
    assert_eq!(balance(c, "treasury"), TREASURY_OPENING + 100_000_000);
    expect(
        c,
        "more than 10 billion yuan at once",
        "off-zhou",
        position("pos-off-zhou"),
        issue("treasury", 1_000_000_000_001),
        (false, "unauthorized", ""),
    );
    expect(
        c,
        "a pensions officer issues",
        "off-sun",
        position("pos-off-sun"),
        issue("off-sun", 100),
        (false, "not_issuer", "currency-law/currency CNY"),
    );
    expect(
        c,
        "the central bank without an official",
        "central-bank",
        None,
        issue("treasury", 100),
        (false, "unauthorized", ""),
    );
    expect(
        c,
        "the governor without his position",
        "off-zhou",
        None,
        issue("treasury", 100),
        (false, "not_issuer", "currency-law/currency CNY"),
    );
    expect(
        c,
        "the governor issues to the central bank",
        "off-zhou",
        position("pos-off-zhou"),
        issue("central-bank", 70_000),
        (true, "", "currency-law/1"),
    );
    expect(
        c,
        "the governor redeems from the central bank",
        "off-zhou",
        position("pos-off-zhou"),
        redeem("central-bank", 30_000),
        (true, "", "currency-law/2"),
    );
    assert_eq!(balance(c, "central-bank"), 40_000);
    expect(
        c,
        "redeeming more than it holds",
        "off-zhou",
        position("pos-off-zhou"),
        redeem("central-bank", 40_001),
        (false, "insufficient_funds", ""),
    );
    expect(
        c,
        "the governor redeems a citizen's money",
        "off-zhou",
        position("pos-off-zhou"),
        redeem("cit-0001", 1),
        (false, "unauthorized", ""),
    );

    // A court freezes within its jurisdiction; nothing leaves a frozen account, money still
    // arrives, and unfreezing restores it.
    expect(
        c,
        "a registrar freezes",
        "off-wang",
        position("pos-off-wang"),
        freeze("org-0007", true),
        (false, "unauthorized", ""),
    );
    expect(
        c,
        "the judge freezes outside the court's region",
        "judge-wu",
        position("pos-judge-wu"),
        freeze("cit-0030", true),
        (false, "unauthorized", ""),
    );
    expect(
        c,
        "the judge freezes org-0007",
        "judge-wu",
        position("pos-judge-wu"),
        freeze("org-0007", true),
        (true, "", "currency-law/5"),
    );
    expect(
        c,
        "freezing twice",
        "judge-wu",
        position("pos-judge-wu"),
        freeze("org-0007", true),
        (false, "already_frozen", ""),
    );
    let org7 = Some(Acting::Organisation(pid("org-0007")));
    expect(
        c,
        "a frozen account pays",
        "cit-0017",
        org7.clone(),
        transfer("cit-0001", 100),
        (false, "unauthorized", "currency-law/4"),
    );
    expect(
        c,
        "a frozen account receives",
        "cit-0001",
        None,
        transfer("org-0007", 100),
        (true, "", "currency-law/3"),
    );
    let frozen = schema::account(&c.state, "CNY", &pid("org-0007"))
        .unwrap()
        .frozen
        .unwrap();
    assert_eq!(frozen.order, "(2026) Jing 01 Zhi 7");
    assert_eq!(frozen.by, pid("judge-wu"));
    expect(
        c,
        "the judge unfreezes org-0007",
        "judge-wu",
        position("pos-judge-wu"),
        freeze("org-0007", false),
        (true, "", "currency-law/5"),
    );
    expect(
        c,
        "unfreezing twice",
        "judge-wu",
        position("pos-judge-wu"),
        freeze("org-0007", false),
        (false, "not_frozen", ""),
    );
    expect(
        c,
        "the unfrozen account pays",
        "cit-0017",
        org7,
        transfer("cit-0001", 100),
        (true, "", "currency-law/3"),
    );
}

fn statement(chain: &Chain, holder: &str) -> Vec<Posting> {
    let prefix = schema::statement_prefix("CNY", &pid(holder));
    chain
        .journal
        .range(prefix.clone()..)
        .take_while(|(k, _)| k.starts_with(&prefix))
        .map(|(_, v)| decode::<Posting>("posting", v).unwrap())
        .collect()
}

#[test]
fn every_change_of_a_balance_is_a_statement_line() {
    let mut chain = Chain::new();
    chain.run("cit-0001", None, transfer("cit-0002", 500));
    chain.run("cit-0002", None, transfer("cit-0001", 200));
    chain.run("cit-0003", None, transfer("cit-0001", 0)); // refused: no line
    chain.run("off-zhou", Some("pos-off-zhou"), issue("cit-0001", 1_000));
    let lines = statement(&chain, "cit-0001");
    let kinds: Vec<_> = lines
        .iter()
        .map(|p| (p.kind, p.amount.0, p.balance.0, p.height))
        .collect();
    assert_eq!(
        kinds,
        vec![
            (PostingKind::Sent, -500, CITIZEN_OPENING - 500, 1),
            (PostingKind::Received, 200, CITIZEN_OPENING - 300, 2),
            (PostingKind::Issued, 1_000, CITIZEN_OPENING + 700, 4),
        ]
    );
    assert_eq!(lines[0].counterparty, Some(pid("cit-0002")));
    assert_eq!(lines[0].memo, "rent");
    assert_eq!(lines[0].reference, "inv-1");
    assert_eq!(
        lines[0].citation.as_ref().map(|c| c.article.as_str()),
        Some("3")
    );
    assert_eq!(lines[2].counterparty, Some(pid("central-bank")));
    // The last line's balance is the account's balance in state.
    assert_eq!(lines[2].balance.0, balance(&chain, "cit-0001"));
}

/// The demo genesis with the currency law amended to set a fee: 1 fen plus 0.5 % to the
/// treasury.
#[test]
fn a_fee_is_charged_only_when_a_law_sets_it() {
    let mut g = common::genesis();
    let law = g
        .laws
        .iter_mut()
        .find(|l| l.id.as_str() == "currency-law")
        .unwrap();
    law.currencies[0].transfer_fee = Some(TransferFee {
        flat: Amount(1),
        basis_points: 50,
        collector: pid("treasury"),
    });
    let mut chain = Chain::from_genesis(&g);
    let r = chain.run("cit-0001", None, transfer("cit-0002", 10_000));
    assert_eq!(r.status, TxStatus::Ok, "{:?}", r.error);
    assert!(
        r.events[0]
            .attributes
            .contains(&("fee".to_string(), "51".to_string()))
    );
    assert_eq!(balance(&chain, "cit-0001"), CITIZEN_OPENING - 10_051);
    assert_eq!(balance(&chain, "cit-0002"), CITIZEN_OPENING + 10_000);
    assert_eq!(balance(&chain, "treasury"), TREASURY_OPENING + 51);
    // The fee counts toward what the sender must have.
    let all = balance(&chain, "cit-0001");
    let r = chain.run("cit-0001", None, transfer("cit-0002", all));
    assert_eq!(r.code.as_deref(), Some("insufficient_funds"));
    // Without the amendment, the same transfer costs nothing extra.
    let mut plain = Chain::new();
    plain.run("cit-0001", None, transfer("cit-0002", 10_000));
    assert_eq!(balance(&plain, "cit-0001"), CITIZEN_OPENING - 10_000);
}

#[test]
fn genesis_balances_are_checked() {
    let mut g = common::genesis();
    g.balances.push(GenesisBalance {
        holder: pid("nobody-at-all"),
        currency: "CNY".into(),
        amount: Amount(1),
    });
    let e = govchain_execution::genesis_writes(&g)
        .unwrap_err()
        .to_string();
    assert!(e.contains("not a genesis account"), "{e}");
    let mut g = common::genesis();
    g.balances[0].currency = "USD".into();
    let e = govchain_execution::genesis_writes(&g)
        .unwrap_err()
        .to_string();
    assert!(e.contains("no genesis law defines that currency"), "{e}");
    let mut g = common::genesis();
    g.balances[0].amount = Amount(govchain_demo::CNY_MAX_SUPPLY + 1);
    let e = govchain_execution::genesis_writes(&g)
        .unwrap_err()
        .to_string();
    assert!(e.contains("limit"), "{e}");
}

#[test]
fn money_in_circulation_keeps_its_currency_and_minor_units() {
    let mut chain = Chain::new();
    let amended = |f: &dyn Fn(&mut LawPackage)| {
        let mut v2 = govchain_demo::currency_law();
        v2.version = 2;
        v2.effective_from = 5;
        f(&mut v2);
        v2
    };
    let r = chain.enact(amended(&|l| l.currencies[0].decimals = 3));
    assert_eq!(r.code.as_deref(), Some("invalid_bill"), "{:?}", r.error);
    assert!(r.error.unwrap().contains("minor units"));
    let r = chain.enact(amended(&|l| l.currencies.clear()));
    assert_eq!(r.code.as_deref(), Some("invalid_bill"), "{:?}", r.error);
    assert!(r.error.unwrap().contains("redeem what circulates first"));
    // Raising the cap is the legislature's to do.
    let r = chain.enact(amended(&|l| {
        l.currencies[0].max_supply = Some(Amount(govchain_demo::CNY_MAX_SUPPLY * 2));
    }));
    assert_eq!(r.status, TxStatus::Ok, "{:?}", r.error);
}

/// An account as of a past height is read as it stood: a court of province 110000 may read the
/// account of cit-0001 as it was while cit-0001 lived there, and not once cit-0001 lives in
/// 310101 — the holder's region is the account's as of the height read.
#[test]
fn an_account_is_read_as_it_stood() {
    use govchain_execution::finance::{decide_account_read, decide_account_read_as_of};
    let chain = Chain::new();
    let then = chain.state.clone();
    // cit-0001 as the state holds them after a move to 310101.
    let mut now = chain.state.clone();
    let mut person = schema::record(&now, "persons", "cit-0001")
        .unwrap()
        .unwrap();
    person
        .fields
        .insert("region".into(), FieldValue::Text("310101".into()));
    now.0.insert(
        schema::record_key("persons", "cit-0001"),
        schema::value(&person),
    );
    let judge = pid("judge-wu");
    let court = Acting::Position("pos-judge-wu".into());
    let cit = pid("cit-0001");
    let read_then = decide_account_read_as_of(
        &now,
        &then,
        &chain.laws,
        1,
        &judge,
        Some(&court),
        "CNY",
        &cit,
    )
    .unwrap()
    .unwrap();
    assert!(read_then.allowed, "{read_then}");
    assert_eq!(read_then.decided_by.unwrap().law.as_str(), "currency-law");
    let read_now = decide_account_read(&now, &chain.laws, 1, &judge, Some(&court), "CNY", &cit)
        .unwrap()
        .unwrap();
    assert!(!read_now.allowed, "{read_now}");
}
