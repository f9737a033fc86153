//! The demo government at genesis: its principals, the initial load of its registries
//! (departments, persons, households, organisations, a sanction) and its officials' positions.

use crate::cast::{DEPARTMENTS, OFFICIALS, citizen_region};
use crate::id;
use govchain_types::{
    Amount, ChainParams, FieldValue, Fields, Genesis, GenesisAccount, GenesisBalance,
    GenesisRecord, GenesisValidator, Position, PrincipalKind, PublicKey,
};

/// The genesis authorities: they register principals and keys until the laws say otherwise.
pub const AUTHORITIES: [(&str, PrincipalKind); 6] = [
    ("legislature", PrincipalKind::Legislature),
    ("civil-affairs", PrincipalKind::Department),
    ("market-regulation", PrincipalKind::Department),
    ("hr-social-security", PrincipalKind::Department),
    ("central-bank", PrincipalKind::Department),
    ("treasury", PrincipalKind::Department),
];

/// How many citizens and organisations the demo has.
pub const CITIZENS: u32 = 100;
pub const ORGANISATIONS: u32 = 10;

/// What genesis holds of the demo government.
pub struct Cast {
    pub accounts: Vec<GenesisAccount>,
    pub records: Vec<GenesisRecord>,
    pub positions: Vec<Position>,
}

fn text(s: impl Into<String>) -> FieldValue {
    FieldValue::Text(s.into())
}

fn fields(pairs: Vec<(&str, FieldValue)>) -> Fields {
    pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

fn record(registry: &str, key: &str, f: Fields) -> GenesisRecord {
    GenesisRecord {
        registry: registry.into(),
        key: key.into(),
        fields: f,
    }
}

/// The surname of an official's id: `off-wang` → `Wang`.
fn display_name(id: &str) -> String {
    let last = id.rsplit('-').next().unwrap_or(id);
    let mut chars = last.chars();
    match chars.next() {
        Some(c) => format!("{}{} (official)", c.to_uppercase(), chars.as_str()),
        None => id.to_string(),
    }
}

/// A birth date for citizen `n`: spread over 1950–2009.
fn birth_date(n: u32) -> String {
    let year = 1950u32.saturating_add(n.checked_rem(60).unwrap_or(0));
    let month = n.checked_rem(12).unwrap_or(0).saturating_add(1);
    let day = n.checked_rem(28).unwrap_or(0).saturating_add(1);
    format!("{year:04}-{month:02}-{day:02}")
}

/// The monthly income of household `hh-0001` (cit-0001 and cit-0002), in fen: 8,000 yuan, in
/// the child subsidy's middle bracket.
pub const HH_0001_INCOME: i64 = 800_000;

/// Citizen `n`'s pension account: months of contributions and the individual account's balance
/// (fen). Every seventh citizen has contributed less than the 180 months a pension needs.
pub fn pension_account(n: u32) -> (i64, i64) {
    let n = i64::from(n);
    let months = if n.checked_rem(7) == Some(0) {
        120
    } else {
        n.saturating_mul(37)
            .checked_rem(240)
            .unwrap_or(0)
            .saturating_add(180)
    };
    (months, n.saturating_mul(250_000).saturating_add(5_000_000))
}

/// The demo's principals, records and positions. `key_of(id)` gives the key of each principal
/// that has one (`None`: registered without a key yet).
pub fn cast(mut key_of: impl FnMut(&str) -> Option<PublicKey>) -> Cast {
    let mut accounts = Vec::new();
    let mut account = |name: &str, kind: PrincipalKind, authority: bool| GenesisAccount {
        id: id(name),
        kind,
        authority,
        keys: key_of(name).into_iter().collect(),
    };
    for (name, kind) in AUTHORITIES {
        accounts.push(account(name, kind, true));
    }
    for (name, _, _) in DEPARTMENTS {
        if !AUTHORITIES.iter().any(|(a, _)| *a == name) {
            accounts.push(account(name, PrincipalKind::Department, false));
        }
    }
    for (name, ..) in OFFICIALS {
        accounts.push(account(name, PrincipalKind::Person, false));
    }
    for n in 1..=CITIZENS {
        accounts.push(account(
            &format!("cit-{n:04}"),
            PrincipalKind::Person,
            false,
        ));
    }
    for n in 1..=ORGANISATIONS {
        accounts.push(account(
            &format!("org-{n:04}"),
            PrincipalKind::Organisation,
            false,
        ));
    }

    let mut records = Vec::new();
    for (name, parent, jurisdiction) in DEPARTMENTS {
        let mut f = vec![
            ("name", text(name)),
            (
                "jurisdiction",
                FieldValue::List(jurisdiction.iter().map(|c| (*c).to_string()).collect()),
            ),
        ];
        f.extend(parent.map(|p| ("parent", text(p))));
        records.push(record("departments", name, fields(f)));
    }
    // Households: the married parents cit-0001 and cit-0002 share one; everyone else has
    // their own.
    records.push(record(
        "households",
        "hh-0001",
        fields(vec![
            ("region", text("110101")),
            ("address", text("1 East Street, 110101")),
            ("income_fen", FieldValue::Integer(HH_0001_INCOME)),
        ]),
    ));
    for n in 3..=CITIZENS {
        records.push(record(
            "households",
            &format!("hh-{n:04}"),
            fields(vec![("region", text(citizen_region(n)))]),
        ));
    }
    for n in 1..=CITIZENS {
        let household = if n <= 2 { 1 } else { n };
        records.push(record(
            "persons",
            &format!("cit-{n:04}"),
            fields(vec![
                ("name", text(format!("Citizen {n:04}"))),
                ("birth_date", text(birth_date(n))),
                ("sex", text(if n % 2 == 0 { "male" } else { "female" })),
                ("region", text(citizen_region(n))),
                ("household", text(format!("hh-{household:04}"))),
                ("status", text("living")),
            ]),
        ));
    }
    // Pension accounts of the citizens of pension age (born before 1966), and of three
    // younger ones still contributing.
    for n in (1..=CITIZENS).filter(|n| birth_date(*n).as_str() < "1966" || *n <= 20) {
        let (months, balance) = pension_account(n);
        records.push(record(
            "pension-accounts",
            &format!("cit-{n:04}"),
            fields(vec![
                ("person", text(format!("cit-{n:04}"))),
                ("contribution_months", FieldValue::Integer(months)),
                ("account_balance_fen", FieldValue::Integer(balance)),
                ("region", text(citizen_region(n))),
            ]),
        ));
    }
    for (name, department, _, jurisdiction) in OFFICIALS {
        let region = jurisdiction
            .iter()
            .find(|c| c.len() == 6)
            .copied()
            .unwrap_or("110000");
        records.push(record(
            "persons",
            name,
            fields(vec![
                ("name", text(display_name(name))),
                ("birth_date", text("1980-06-15")),
                ("region", text(region)),
                ("status", text("living")),
            ]),
        ));
        let _ = department;
    }
    for n in 1..=ORGANISATIONS {
        records.push(record(
            "organisations",
            &format!("org-{n:04}"),
            fields(vec![
                ("name", text(format!("Organisation {n:04} Ltd"))),
                ("region", text("110101")),
                (
                    "representative",
                    text(format!("cit-{:04}", n.saturating_add(10))),
                ),
                ("form", text("company")),
            ]),
        ));
    }
    records.push(record(
        "sanctions",
        "s-0001",
        fields(vec![
            ("organisation", text("org-0007")),
            (
                "reason",
                text("operating without the required safety inspection"),
            ),
            ("from", text("2026-01-01")),
            ("region", text("110101")),
        ]),
    ));

    let positions = OFFICIALS
        .iter()
        .map(|(name, department, powers, jurisdiction)| Position {
            id: format!("pos-{name}"),
            holder: id(name),
            department: id(department),
            title: powers.first().map_or("official", |p| *p).to_string(),
            powers: powers.iter().map(|p| (*p).to_string()).collect(),
            jurisdiction: jurisdiction.iter().map(|j| (*j).to_string()).collect(),
            term_from: 0,
            term_to: None,
        })
        .collect();
    Cast {
        accounts,
        records,
        positions,
    }
}

/// A whole genesis document of the demo government, for tests and benchmarks: one validator
/// (run by `civil-affairs`), every principal and law-making body member keyed by `key_of`
/// (members as `member-<id>`), the chain's scheme that of those keys.
pub fn document(
    chain_id: &str,
    validator: PublicKey,
    mut key_of: impl FnMut(&str) -> PublicKey,
) -> Genesis {
    let scheme = key_of("civil-affairs").scheme();
    let cast = cast(|id| Some(key_of(id)));
    let bodies = crate::bodies(|m| key_of(&format!("member-{m}")));
    let mut accounts = cast.accounts;
    crate::add_members(&mut accounts, &bodies);
    Genesis {
        chain_id: chain_id.into(),
        scheme,
        genesis_time_ms: 0,
        params: ChainParams::default(),
        validators: vec![GenesisValidator {
            name: id("civil-affairs"),
            key: validator,
            power: 1,
        }],
        accounts,
        bodies,
        laws: crate::laws(),
        records: cast.records,
        positions: cast.positions,
        balances: balances(),
        snapshots: Vec::new(),
        services: crate::services::services(),
    }
}

/// The treasury's opening balance (fen): 1 billion yuan.
pub const TREASURY_OPENING: i128 = 100_000_000_000;
/// Each citizen's opening balance (fen): 10,000 yuan.
pub const CITIZEN_OPENING: i128 = 1_000_000;
/// Each organisation's opening balance (fen): 500,000 yuan.
pub const ORGANISATION_OPENING: i128 = 50_000_000;

/// The CNY balances the demo chain starts with: the treasury's, every citizen's and every
/// organisation's. The supply is their sum.
pub fn balances() -> Vec<GenesisBalance> {
    let cny = |holder: String, amount: i128| GenesisBalance {
        holder: id(&holder),
        currency: "CNY".into(),
        amount: Amount(amount),
    };
    let mut out = vec![cny("treasury".into(), TREASURY_OPENING)];
    out.extend((1..=CITIZENS).map(|n| cny(format!("cit-{n:04}"), CITIZEN_OPENING)));
    out.extend((1..=ORGANISATIONS).map(|n| cny(format!("org-{n:04}"), ORGANISATION_OPENING)));
    out
}
