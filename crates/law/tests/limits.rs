//! The caps on what a caller may ask the law crate to look at: articles per bill, and the
//! entities and ancestry of a request given in full (review findings 7 and 12).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    reason = "a test fails loudly"
)]

use govchain_law::request::{MAX_ANCESTORS, MAX_ANCESTRY_DEPTH, MAX_OTHER_ENTITIES};
use govchain_law::*;
use govchain_types::*;
use std::time::{Duration, Instant};

fn bill(articles: usize) -> LawPackage {
    LawPackage {
        id: PrincipalId::new("big-law").unwrap(),
        version: 1,
        title: "a law of many articles".into(),
        level: Level::National,
        body: PrincipalId::new("legislature").unwrap(),
        jurisdiction: vec![],
        articles: (0..articles)
            .map(|i| Article {
                id: i.to_string(),
                title: "t".into(),
                kind: ArticleKind::Permission {
                    policy: "permit (principal, action, resource);".into(),
                },
            })
            .collect(),
        effective_from: 10,
        effective_until: None,
        repeals: vec![],
        constitutes: vec![],
        registries: vec![],
        currencies: vec![],
    }
}

#[test]
fn a_law_has_at_most_256_articles() {
    let cases = [
        (1, None),
        (package::MAX_ARTICLES, None),
        (
            package::MAX_ARTICLES + 1,
            Some("law `big-law` has 257 articles, more than 256"),
        ),
        (
            3_000,
            Some("law `big-law` has 3000 articles, more than 256"),
        ),
    ];
    for (articles, want) in cases {
        let b = bill(articles);
        for (what, got) in [
            ("check_size", check_size(&b)),
            ("check_shape", check_shape(&b)),
        ] {
            match want {
                None => assert_eq!(got, Ok(()), "{articles} articles, {what}"),
                Some(m) => assert!(
                    got.as_ref().unwrap_err().to_string().contains(m),
                    "{articles} articles, {what}: {got:?}"
                ),
            }
        }
    }
}

fn dept(i: usize) -> EntityRef {
    EntityRef::new("Department", format!("d{i}"))
}

/// A request whose resource heads a chain `d0 in d1 in … in d{depth}`: `depth` links, all but
/// the last ancestor given as other entities.
fn chain(depth: usize) -> AuthRequest {
    let mut req = request();
    req.resource = EntityData::new(dept(0)).parent(dept(1));
    req.others = (1..depth)
        .map(|i| EntityData::new(dept(i)).parent(dept(i + 1)))
        .collect();
    req
}

fn request() -> AuthRequest {
    AuthRequest {
        principal: EntityData::new(EntityRef::new("Principal", "p")),
        action: "insert".into(),
        resource: EntityData::new(EntityRef::new("Record", "r")),
        height: 1,
        via_contract: None,
        region: None,
        amount: 0,
        counterparty: String::new(),
        others: vec![],
    }
}

#[test]
fn a_request_given_in_full_is_bounded() {
    let many_others = |n: usize| {
        let mut r = request();
        r.others = (0..n).map(|i| EntityData::new(dept(i))).collect();
        r
    };
    let many_ancestors = |n: usize| {
        let mut r = request();
        r.principal.ancestors = (0..n).map(dept).collect();
        r
    };
    // 17 entities of 31 ancestors each: none too many alone, too many together.
    let wide = {
        let mut r = request();
        r.others = (0..17)
            .map(|i| {
                let mut e = EntityData::new(EntityRef::new("Principal", format!("o{i}")));
                e.ancestors = (0..31).map(dept).collect();
                e
            })
            .collect();
        r
    };
    let cycle = {
        let mut r = request();
        r.resource = EntityData::new(dept(0)).parent(dept(1));
        r.others = vec![EntityData::new(dept(1)).parent(dept(0))];
        r
    };
    let cases: Vec<(&str, AuthRequest, Option<&str>)> = vec![
        ("plain", request(), None),
        ("64 others", many_others(MAX_OTHER_ENTITIES), None),
        (
            "65 others",
            many_others(MAX_OTHER_ENTITIES + 1),
            Some("65 other entities, more than 64"),
        ),
        ("32 ancestors", many_ancestors(MAX_ANCESTORS), None),
        (
            "33 ancestors",
            many_ancestors(MAX_ANCESTORS + 1),
            Some("lists 33 ancestors, more than 32"),
        ),
        (
            "527 ancestors in all",
            wide,
            Some("527 ancestors in all, more than 512"),
        ),
        ("a chain 32 deep", chain(MAX_ANCESTRY_DEPTH), None),
        (
            "a chain 33 deep",
            chain(MAX_ANCESTRY_DEPTH + 1),
            Some("deeper than 32"),
        ),
        ("a chain 60 deep", chain(60), Some("deeper than 32")),
        ("a cycle", cycle, Some("deeper than 32 (or a cycle)")),
        (
            "a chain 10,000 deep",
            chain(10_000),
            Some("9999 other entities, more than 64"),
        ),
    ];
    for (what, req, want) in cases {
        let started = Instant::now();
        let got = check_bounds(&req);
        assert!(started.elapsed() < Duration::from_secs(1), "{what}: slow");
        match want {
            None => assert_eq!(got, Ok(()), "{what}"),
            Some(m) => assert!(
                got.as_ref().unwrap_err().to_string().contains(m),
                "{what}: {got:?}"
            ),
        }
    }
}

#[test]
fn the_conflict_search_samples_within_its_budget_however_many_articles() {
    use govchain_law::verify::{Context, MAX_SEARCH_SAMPLES, SAMPLES_PER_SHAPE, verify};
    let cases = [
        // (articles of one request shape each, most samples)
        (1, SAMPLES_PER_SHAPE),
        (17, MAX_SEARCH_SAMPLES),
    ];
    for (articles, most) in cases {
        let mut b = bill(articles);
        for a in &mut b.articles {
            a.kind = ArticleKind::Permission {
                policy: "forbid (principal is Department, action == Action::\"create-principal\", resource is Principal);".into(),
            };
        }
        let r = verify(
            &b,
            &Context {
                model: &SchemaModel::base(),
                now: &[],
                with_bill: std::slice::from_ref(&b),
                replay: &[],
            },
        );
        assert!(r.valid, "{articles}: {:?}", r.findings);
        assert!(
            r.sampled > 0 && r.sampled <= most,
            "{articles} articles sampled {}, more than {most}",
            r.sampled
        );
    }
}

/// A bill of the most articles, each a long condition, all in one request shape: every decision
/// weighs about a megabyte of policies. Before the work budget one such verification ran for
/// more than five minutes on a validator's core (`govchain attack api`); now the search and the
/// dry run stop at their budgets, in decisions weighed by the policies they are decided against.
#[test]
fn a_bill_of_heavy_articles_is_searched_and_replayed_within_the_work_budget() {
    use govchain_law::verify::{
        Context, DECISION_OVERHEAD, MAX_REPLAY_WORK, MAX_SEARCH_WORK, verify,
    };
    let mut policy = String::from(
        r#"forbid (principal is Department, action == Action::"manage-keys", resource is Principal) when { resource.kind == "k0""#,
    );
    for k in 1..120 {
        policy.push_str(&format!(r#" || resource.kind == "k{k}""#));
    }
    policy.push_str(" };");
    let mut b = bill(govchain_law::package::MAX_ARTICLES);
    for a in &mut b.articles {
        a.kind = ArticleKind::Permission {
            policy: policy.clone(),
        };
    }
    let bucket = policy.len() * b.articles.len();
    assert!(bucket > 800 * 1024, "the bucket weighs {bucket} bytes");
    let replay = vec![request(); 1_000];
    let started = Instant::now();
    let r = verify(
        &b,
        &Context {
            model: &SchemaModel::base(),
            now: &[],
            with_bill: std::slice::from_ref(&b),
            replay: &replay,
        },
    );
    assert!(r.valid, "{:?}", r.findings);
    let cost = bucket + DECISION_OVERHEAD;
    // At least one sample per article, else within the budget.
    let most = (MAX_SEARCH_WORK / cost).max(b.articles.len());
    assert!(
        r.sampled > 0 && r.sampled <= most,
        "sampled {}, more than {most}",
        r.sampled
    );
    // Each replayed request is charged the largest bucket of each book (the laws now: none).
    let most_replayed = MAX_REPLAY_WORK / (cost + DECISION_OVERHEAD);
    assert!(
        r.dry_run.replayed > 0 && r.dry_run.replayed <= most_replayed,
        "replayed {}, more than {most_replayed}",
        r.dry_run.replayed
    );
    println!(
        "{} samples, {} replayed in {:?}",
        r.sampled,
        r.dry_run.replayed,
        started.elapsed()
    );
}

/// A verification told to stop (its request timed out, its client went away) samples and
/// replays nothing more: the API's one expensive worker is free again at once.
#[test]
fn a_cancelled_verification_stops_sampling_and_replaying() {
    use govchain_law::verify::{Cancel, Context, verify, verify_until};
    let mut b = bill(3);
    for a in &mut b.articles {
        a.kind = ArticleKind::Permission {
            policy: "forbid (principal is Department, action == Action::\"create-principal\", resource is Principal);".into(),
        };
    }
    let replay = vec![request(); 10];
    let ctx = Context {
        model: &SchemaModel::base(),
        now: &[],
        with_bill: std::slice::from_ref(&b),
        replay: &replay,
    };
    let whole = verify(&b, &ctx);
    assert!(
        whole.sampled > 0 && whole.dry_run.replayed == 10,
        "{whole:?}"
    );
    let cancel = Cancel::new();
    cancel.cancel();
    let stopped = verify_until(&b, &ctx, &cancel);
    assert_eq!(stopped.sampled, 0, "sampled after the cancel");
    assert_eq!(stopped.dry_run.replayed, 0, "replayed after the cancel");
}
