//! The permission table of the demo government: principal × action × resource → allowed or
//! denied, and the law and article that decided, over the laws of DEMO.md — the legislature,
//! the regional council, ministries and district offices, officials, citizens and services.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    reason = "a test fails loudly"
)]

use govchain_demo::cast::*;
use govchain_demo::{civil_registration_law, laws, regional_regulation};
use govchain_law::{AuthRequest, LawBook, base_schema};
use govchain_types::{LawPackage, Level};

const H: u64 = 50;

fn book() -> LawBook {
    LawBook::compile(&laws(), base_schema().unwrap()).unwrap()
}

/// A bill of `level` by `body` for `jurisdiction`, as the resource of `enact`.
fn bill(level: Level, body: &str, jurisdiction: &[&str]) -> LawPackage {
    LawPackage {
        id: govchain_demo::id("a-bill"),
        level,
        body: govchain_demo::id(body),
        jurisdiction: jurisdiction.iter().map(|s| s.to_string()).collect(),
        ..civil_registration_law()
    }
}

fn off(id: &str) -> govchain_law::EntityData {
    official(id).unwrap()
}

fn dept(id: &str) -> govchain_law::EntityData {
    department(id).unwrap()
}

fn births(region: &str) -> govchain_law::EntityData {
    record(
        "births",
        "b-1",
        "civil-affairs",
        "protected",
        region,
        "cit-0003",
    )
}

/// (what, request, allowed, "law/article" that decided or "" for default deny)
type Row = (&'static str, AuthRequest, bool, &'static str);

fn table() -> Vec<Row> {
    let r = request;
    let person_rec = |n: u32| {
        record(
            "persons",
            &format!("cit-{n:04}"),
            "civil-affairs",
            "protected",
            citizen_region(n),
            &format!("cit-{n:04}"),
        )
    };
    vec![
        // The legislature and the other law-making bodies.
        (
            "the legislature enacts a national law",
            r(
                body("legislature").unwrap(),
                "enact",
                law(&bill(Level::National, "legislature", &[])),
                H,
            ),
            true,
            "constitution/4",
        ),
        (
            "the legislature amends the constitution",
            r(
                body("legislature").unwrap(),
                "enact",
                law(&bill(Level::Constitution, "legislature", &[])),
                H,
            ),
            true,
            "constitution/4",
        ),
        (
            "the council enacts a regional law for its region",
            r(
                body("council-110000").unwrap(),
                "enact",
                law(&bill(Level::Regional, "council-110000", &["110000"])),
                H,
            ),
            true,
            "constitution/5",
        ),
        (
            "the council may not legislate for another region",
            r(
                body("council-110000").unwrap(),
                "enact",
                law(&bill(Level::Regional, "council-110000", &["310000"])),
                H,
            ),
            false,
            "",
        ),
        (
            "the council may not enact a national law",
            r(
                body("council-110000").unwrap(),
                "enact",
                law(&bill(Level::National, "council-110000", &[])),
                H,
            ),
            false,
            "",
        ),
        (
            "a ministry's board enacts department rules",
            r(
                body("civil-affairs-board").unwrap(),
                "enact",
                law(&bill(Level::Department, "civil-affairs-board", &["110000"])),
                H,
            ),
            true,
            "constitution/6",
        ),
        (
            "a ministry's board may not enact a regional law",
            r(
                body("civil-affairs-board").unwrap(),
                "enact",
                law(&bill(Level::Regional, "civil-affairs-board", &["110000"])),
                H,
            ),
            false,
            "",
        ),
        (
            "the legislature constitutes a body",
            r(
                body("legislature").unwrap(),
                "constitute",
                body("council-110000").unwrap(),
                H,
            ),
            true,
            "constitution/7",
        ),
        (
            "a council may not constitute bodies",
            r(
                body("council-110000").unwrap(),
                "constitute",
                body("council-110000").unwrap(),
                H,
            ),
            false,
            "",
        ),
        (
            "the legislature interprets a national law",
            r(
                body("legislature").unwrap(),
                "interpret",
                law(&civil_registration_law()),
                H,
            ),
            true,
            "constitution/8",
        ),
        (
            "the council interprets its regional law",
            r(
                body("council-110000").unwrap(),
                "interpret",
                law(&regional_regulation()),
                H,
            ),
            true,
            "constitution/9",
        ),
        (
            "the council may not interpret a national law",
            r(
                body("council-110000").unwrap(),
                "interpret",
                law(&civil_registration_law()),
                H,
            ),
            false,
            "",
        ),
        // District registry offices: power and jurisdiction.
        (
            "a registrar registers a birth in the district",
            r(off("off-wang"), "insert", births("110101"), H),
            true,
            "civil-registration-law/1",
        ),
        (
            "a registrar may not register a birth in another district",
            r(off("off-wang"), "insert", births("110102"), H),
            false,
            "constitution/11",
        ),
        (
            "the other district's registrar registers it",
            r(off("off-li"), "insert", births("110102"), H),
            true,
            "civil-registration-law/1",
        ),
        (
            "a registrar reads a person of the district",
            r(off("off-wang"), "read", person_rec(1), H),
            true,
            "civil-registration-law/4",
        ),
        (
            "a registrar may not read a person of another province",
            r(off("off-wang"), "read", person_rec(3), H),
            false,
            "constitution/11",
        ),
        (
            "the ministry's head reads a person of the province",
            r(off("off-zhao"), "read", person_rec(2), H),
            true,
            "civil-registration-law/4",
        ),
        (
            "the ministry's head may not register births (no such power)",
            r(off("off-zhao"), "insert", births("110101"), H),
            false,
            "",
        ),
        (
            "a registrar decides a civil case",
            r(
                off("off-wang"),
                "decide",
                record(
                    "civil-cases",
                    "c-1",
                    "civil-affairs-110101",
                    "protected",
                    "110101",
                    "cit-0001",
                ),
                H,
            ),
            true,
            "civil-registration-law/6",
        ),
        // Hospitals: notify, never register — the regional article that tries cannot.
        (
            "a hospital notifies a birth in its district",
            r(
                dept("hospital-110101"),
                "insert",
                record(
                    "birth-notifications",
                    "n-1",
                    "civil-affairs",
                    "protected",
                    "110101",
                    "cit-0001",
                ),
                H,
            ),
            true,
            "civil-registration-law/2",
        ),
        (
            "a hospital may not notify outside its district",
            r(
                dept("hospital-110101"),
                "insert",
                record(
                    "birth-notifications",
                    "n-2",
                    "civil-affairs",
                    "protected",
                    "110102",
                    "cit-0002",
                ),
                H,
            ),
            false,
            "",
        ),
        (
            "a hospital may not register a birth, whatever the region says",
            r(dept("hospital-110101"), "insert", births("110101"), H),
            false,
            "civil-registration-law/7",
        ),
        (
            "no department reads protected data outside its jurisdiction",
            r(dept("hospital-110101"), "read", person_rec(3), H),
            false,
            "constitution/12",
        ),
        // Market regulation and licences.
        (
            "a licensing officer grants a licence",
            r(
                off("off-chen"),
                "insert",
                record(
                    "licences",
                    "l-1",
                    "market-regulation",
                    "public",
                    "110101",
                    "org-0001",
                ),
                H,
            ),
            true,
            "business-licence-law/1",
        ),
        (
            "a dismissed officer may not",
            r(
                dismissed(off("off-chen"), 40),
                "insert",
                record(
                    "licences",
                    "l-2",
                    "market-regulation",
                    "public",
                    "110101",
                    "org-0002",
                ),
                H,
            ),
            false,
            "constitution/10",
        ),
        (
            "an officer whose term ends at 40 acts at 39",
            r(
                off("off-chen").attr("term_to", govchain_law::Value::Long(40)),
                "insert",
                record(
                    "licences",
                    "l-2",
                    "market-regulation",
                    "public",
                    "110101",
                    "org-0002",
                ),
                39,
            ),
            true,
            "business-licence-law/1",
        ),
        (
            "and not at 40",
            r(
                off("off-chen").attr("term_to", govchain_law::Value::Long(40)),
                "insert",
                record(
                    "licences",
                    "l-2",
                    "market-regulation",
                    "public",
                    "110101",
                    "org-0002",
                ),
                40,
            ),
            false,
            "constitution/10",
        ),
        (
            "the licensing service grants a licence",
            r(
                contract("grant-licence"),
                "insert",
                record(
                    "licences",
                    "l-3",
                    "market-regulation",
                    "public",
                    "110102",
                    "org-0003",
                ),
                H,
            ),
            true,
            "business-licence-law/2",
        ),
        (
            "another service may not",
            r(
                contract("pension"),
                "insert",
                record(
                    "licences",
                    "l-4",
                    "market-regulation",
                    "public",
                    "110102",
                    "org-0003",
                ),
                H,
            ),
            false,
            "",
        ),
        (
            "an official of the region reads its licences (regional law)",
            r(
                off("off-sun"),
                "read",
                record(
                    "licences",
                    "l-1",
                    "market-regulation",
                    "public",
                    "110101",
                    "org-0001",
                ),
                H,
            ),
            true,
            "regional-regulation-110000/1",
        ),
        (
            "an organisation reads its own record",
            r(
                organisation(1),
                "read",
                record(
                    "organisations",
                    "org-0001",
                    "market-regulation",
                    "public",
                    "110101",
                    "org-0001",
                ),
                H,
            ),
            true,
            "business-licence-law/4",
        ),
        (
            "an organisation may not read another's",
            r(
                organisation(1),
                "read",
                record(
                    "organisations",
                    "org-0007",
                    "market-regulation",
                    "public",
                    "110101",
                    "org-0007",
                ),
                H,
            ),
            false,
            "",
        ),
        // Citizens.
        (
            "a citizen reads their own record",
            r(citizen(1), "read", person_rec(1), H),
            true,
            "civil-registration-law/5",
        ),
        (
            "a citizen may not read a neighbour's record",
            r(citizen(1), "read", person_rec(2), H),
            false,
            "",
        ),
        (
            "a citizen may not register a birth",
            r(citizen(1), "insert", births("110101"), H),
            false,
            "",
        ),
        (
            "a citizen transfers from their own account",
            r(
                citizen(1),
                "transfer",
                account("cit-0001", "person", "110101", false),
                H,
            ),
            true,
            "currency-law/3",
        ),
        (
            "a citizen may not move a frozen account",
            r(
                citizen(1),
                "transfer",
                account("cit-0001", "person", "110101", true),
                H,
            ),
            false,
            "currency-law/4",
        ),
        (
            "a citizen may not move another's money",
            r(
                citizen(2),
                "transfer",
                account("cit-0001", "person", "110101", false),
                H,
            ),
            false,
            "",
        ),
        // Money: issue, benefits, courts.
        (
            "the governor issues CNY into the treasury",
            money(
                r(off("off-zhou"), "issue", cny(), H),
                100_000_000,
                "treasury",
            ),
            true,
            "currency-law/1",
        ),
        (
            "the governor may not issue more than 10 billion yuan at once",
            money(
                r(off("off-zhou"), "issue", cny(), H),
                1_000_000_000_001,
                "treasury",
            ),
            false,
            "",
        ),
        (
            "the governor redeems CNY from the central bank's account",
            money(
                r(off("off-zhou"), "redeem", cny(), H),
                5_000,
                "central-bank",
            ),
            true,
            "currency-law/2",
        ),
        (
            "the governor may not redeem a citizen's money",
            money(r(off("off-zhou"), "redeem", cny(), H), 5_000, "cit-0001"),
            false,
            "",
        ),
        (
            "a pensions officer may not issue CNY",
            money(r(off("off-sun"), "issue", cny(), H), 100, "treasury"),
            false,
            "",
        ),
        (
            "the pension service pays from the treasury",
            r(
                contract("pension"),
                "transfer",
                account("treasury", "department", "110000", false),
                H,
            ),
            true,
            "pension-law/2",
        ),
        (
            "the subsidy service pays from the treasury",
            r(
                contract("child-subsidy"),
                "transfer",
                account("treasury", "department", "110000", false),
                H,
            ),
            true,
            "child-subsidy-law/2",
        ),
        (
            "a service may not pay from a citizen's account",
            r(
                contract("pension"),
                "transfer",
                account("cit-0001", "person", "110101", false),
                H,
            ),
            false,
            "",
        ),
        (
            "a judge freezes an account",
            r(
                off("judge-wu"),
                "freeze",
                account("org-0007", "organisation", "110101", false),
                H,
            ),
            true,
            "currency-law/5",
        ),
        (
            "a judge may not freeze an account outside the court's jurisdiction",
            r(
                off("judge-wu"),
                "freeze",
                account("cit-0030", "person", "310101", false),
                H,
            ),
            false,
            "",
        ),
        (
            "a registrar may not freeze an account",
            r(
                off("off-wang"),
                "freeze",
                account("org-0007", "organisation", "110101", false),
                H,
            ),
            false,
            "",
        ),
        (
            "a pensions officer decides a subsidy case",
            r(
                off("off-sun"),
                "decide",
                record(
                    "benefit-cases",
                    "k-1",
                    "hr-social-security",
                    "protected",
                    "110102",
                    "cit-0005",
                ),
                H,
            ),
            true,
            "child-subsidy-law/3",
        ),
        (
            "a pensions officer records a benefit",
            r(
                off("off-sun"),
                "insert",
                record(
                    "benefits",
                    "p-1",
                    "hr-social-security",
                    "protected",
                    "110101",
                    "cit-0004",
                ),
                H,
            ),
            true,
            "pension-law/3",
        ),
        (
            "a pensions officer may not outside the jurisdiction",
            r(
                off("off-sun"),
                "insert",
                record(
                    "benefits",
                    "p-2",
                    "hr-social-security",
                    "protected",
                    "310101",
                    "cit-0006",
                ),
                H,
            ),
            false,
            "constitution/11",
        ),
    ]
}

#[test]
fn the_permission_table_of_the_demo_government() {
    let book = book();
    let mut failures = Vec::new();
    for (what, request, allowed, by) in table() {
        // The cast fits the schema: every attribute declared and of its type.
        book.check_request(&request)
            .unwrap_or_else(|e| panic!("{what}: {e}"));
        let d = book.decide(&request).unwrap();
        let cited = d
            .decided_by
            .as_ref()
            .map(|c| format!("{}/{}", c.law, c.article))
            .unwrap_or_default();
        if d.allowed != allowed || cited != by {
            failures.push(format!(
                "{what}: expected {} by `{by}`, got {} by `{cited}`",
                if allowed { "allowed" } else { "denied" },
                if d.allowed { "allowed" } else { "denied" },
            ));
        }
        // The buckets decide as the whole body of law does.
        assert_eq!(d, book.decide_whole(&request).unwrap(), "{what}");
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_regional_article_that_oversteps_is_applicable_but_does_not_decide() {
    let book = book();
    let d = book
        .decide(&request(
            dept("hospital-110101"),
            "insert",
            births("110101"),
            H,
        ))
        .unwrap();
    assert!(!d.allowed);
    let permits: Vec<String> = d
        .permits
        .iter()
        .map(|c| format!("{}/{}", c.law, c.article))
        .collect();
    assert_eq!(permits, ["regional-regulation-110000/2"]);
    assert_eq!(
        d.to_string(),
        "denied by law `civil-registration-law` article `7`"
    );
}

#[test]
fn the_demo_laws_and_bodies_are_well_formed() {
    for l in laws() {
        govchain_law::check_shape(&l).unwrap();
    }
    let mut n = 0u8;
    for b in govchain_demo::bodies(|_| {
        n += 1;
        govchain_crypto::SecretKey::from_seed(govchain_types::Scheme::Ed25519, &[n]).public_key()
    }) {
        govchain_law::check_body(&b).unwrap();
    }
    for (id, ..) in OFFICIALS {
        assert!(official(id).is_some());
    }
    for (id, ..) in DEPARTMENTS {
        assert!(department(id).is_some());
    }
}
