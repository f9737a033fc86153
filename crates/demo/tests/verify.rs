//! Verification of bills against the demo laws: the conflict report catches the regional
//! article that tries to permit what a national law forbids, and the dry run lists the recorded
//! decisions a bill changes.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    reason = "a test fails loudly"
)]

use govchain_demo::cast::*;
use govchain_demo::{laws, regional_regulation};
use govchain_law::SchemaModel;
use govchain_law::verify::{Context, FindingKind, Report, verify};
use govchain_types::{Article, ArticleKind, LawPackage, Level};

fn without(id: &str) -> Vec<LawPackage> {
    laws().into_iter().filter(|l| l.id.as_str() != id).collect()
}

fn check(bill: &LawPackage, replay: &[govchain_law::AuthRequest]) -> Report {
    let now = without(bill.id.as_str());
    let mut with_bill = now.clone();
    with_bill.push(bill.clone());
    verify(
        bill,
        &Context {
            model: &SchemaModel::base(),
            now: &now,
            with_bill: &with_bill,
            replay,
        },
    )
}

fn found(r: &Report, kind: FindingKind, article: &str, other: &str) -> bool {
    r.findings.iter().any(|f| {
        f.kind == kind
            && f.article == article
            && f.other
                .as_ref()
                .map(|c| format!("{}/{}", c.law, c.article))
                .unwrap_or_default()
                == other
    })
}

#[test]
fn the_conflict_report_catches_the_overstepping_regional_article() {
    let r = check(&regional_regulation(), &[]);
    assert!(r.valid, "{:#?}", r.findings);
    assert!(
        found(
            &r,
            FindingKind::ForbiddenByHigher,
            "2",
            "civil-registration-law/7"
        ),
        "{:#?}",
        r.findings
    );
    assert!(
        found(&r, FindingKind::NeverDecides, "2", ""),
        "{:#?}",
        r.findings
    );
    // The witness is a real request: a department inserting a birth record.
    let f = r
        .findings
        .iter()
        .find(|f| f.kind == FindingKind::ForbiddenByHigher && f.article == "2")
        .unwrap();
    let w = f.witness.as_ref().unwrap();
    assert_eq!(w.principal.uid.kind, "Department");
    assert_eq!(w.action, "insert");
    // Article 1 stays within the national laws: only the constitution's general limits on
    // officials (term, jurisdiction) narrow it.
    for f in r.findings.iter().filter(|f| f.article == "1") {
        assert_eq!(f.kind, FindingKind::LimitedBy, "{f:#?}");
        assert_eq!(f.other.as_ref().unwrap().law.as_str(), "constitution");
    }
    assert!(r.sampled > 0);
}

fn bill(level: Level, articles: &[(&str, &str)]) -> LawPackage {
    LawPackage {
        id: govchain_demo::id("a-bill"),
        level,
        articles: articles
            .iter()
            .map(|(id, policy)| Article {
                id: id.to_string(),
                title: format!("article {id}"),
                kind: ArticleKind::Permission {
                    policy: policy.to_string(),
                },
            })
            .collect(),
        ..govchain_demo::civil_registration_law()
    }
}

#[test]
fn a_national_bill_limited_by_the_constitution_overriding_a_regional_permit_and_shadowed() {
    let b = bill(
        Level::National,
        &[
            // The constitution lets every principal manage its own keys: a national forbid
            // cannot take that away.
            (
                "1",
                r#"forbid (principal is Person, action == Action::"manage-keys", resource is Principal);"#,
            ),
            // The regional regulation lets officials read licences: a national forbid of it
            // prevails.
            (
                "2",
                r#"forbid (principal is Official, action == Action::"read", resource is Record) when { resource.registry == "licences" && resource.sensitivity == "secret" };"#,
            ),
            // The constitution already forbids a suspended official everything.
            (
                "3",
                r#"forbid (principal is Official, action == Action::"read", resource is Record) when { principal.status == "suspended" };"#,
            ),
        ],
    );
    let r = check(&b, &[]);
    assert!(r.valid, "{:#?}", r.findings);
    // Where a person manages its own keys the constitution prevails; elsewhere the forbid holds.
    assert!(
        found(&r, FindingKind::LimitedBy, "1", "constitution/3"),
        "{:#?}",
        r.findings
    );
    assert!(
        found(
            &r,
            FindingKind::OverridesLower,
            "2",
            "regional-regulation-110000/1"
        ),
        "{:#?}",
        r.findings
    );
    assert!(
        found(&r, FindingKind::Shadowed, "3", "constitution/10"),
        "{:#?}",
        r.findings
    );
    assert!(
        found(&r, FindingKind::NeverDecides, "3", ""),
        "{:#?}",
        r.findings
    );
}

#[test]
fn schema_problems_are_all_listed_before_the_vote() {
    let b = bill(
        Level::National,
        &[
            (
                "1",
                r#"permit (principal is Official, action == Action::"insrt", resource is Record);"#,
            ),
            (
                "2",
                r#"permit (principal is Official, action == Action::"read", resource is Record) when { principal.rank == 3 };"#,
            ),
            (
                "3",
                r#"permit (principal is Official, action == Action::"read", resource is Record) when { resource.registry == "x" };"#,
            ),
        ],
    );
    let r = check(&b, &[]);
    assert!(!r.valid);
    let mut invalid: Vec<&str> = r
        .findings
        .iter()
        .filter(|f| f.kind == FindingKind::Invalid)
        .map(|f| f.article.as_str())
        .collect();
    invalid.dedup();
    assert_eq!(invalid, ["1", "2"], "{:#?}", r.findings);
    assert!(
        r.findings.iter().any(|f| f.message.contains("insrt")),
        "{:#?}",
        r.findings
    );
}

#[test]
fn the_dry_run_lists_the_decisions_a_bill_changes() {
    let replay = vec![
        request(
            official("off-wang").unwrap(),
            "insert",
            record(
                "births",
                "b-1",
                "civil-affairs",
                "protected",
                "110101",
                "cit-0003",
            ),
            5,
        ),
        request(
            official("off-li").unwrap(),
            "insert",
            record(
                "births",
                "b-2",
                "civil-affairs",
                "protected",
                "110102",
                "cit-0004",
            ),
            6,
        ),
        request(
            citizen(1),
            "read",
            record(
                "persons",
                "cit-0001",
                "civil-affairs",
                "protected",
                "110101",
                "cit-0001",
            ),
            7,
        ),
    ];
    // An amendment of the civil registration law that suspends registration in district 110102.
    let mut amended = govchain_demo::civil_registration_law();
    amended.version = 2;
    amended.articles.push(Article {
        id: "12".into(),
        title: "registration in 110102 is suspended".into(),
        kind: ArticleKind::Permission {
            policy: r#"forbid (principal is Official, action == Action::"insert", resource is Record) when { resource.registry == "births" && resource.regions.contains("110102") };"#.into(),
        },
    });
    let now = laws();
    let mut with_bill = without("civil-registration-law");
    with_bill.push(amended.clone());
    let r = verify(
        &amended,
        &Context {
            model: &SchemaModel::base(),
            now: &now,
            with_bill: &with_bill,
            replay: &replay,
        },
    );
    assert!(r.valid, "{:#?}", r.findings);
    assert_eq!(r.dry_run.replayed, 3);
    assert_eq!(r.dry_run.changed, 1, "{:#?}", r.dry_run);
    assert_eq!(r.dry_run.newly_denied, 1);
    let c = &r.dry_run.changes[0];
    assert_eq!(c.request.principal.uid.id, "off-li");
    assert!(c.before.allowed && !c.after.allowed);
    assert_eq!(c.after.decided_by.as_ref().unwrap().article, "12");
    // The amendment's article 12 meets only other laws' articles in the report (its own law's
    // articles are the bill's).
    assert!(
        r.findings.iter().all(|f| f
            .other
            .as_ref()
            .is_none_or(|o| o.law.as_str() != "civil-registration-law")),
        "{:#?}",
        r.findings
    );
}
