//! The contract runtime: a service decides from the facts it asks for; hostile scripts are
//! stopped by the limits with the same error every time; the budget is ours, not Rhai's.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]

use govchain_contracts::{
    Budget, ContractError, Limits, Need, Outcome, Payment, RecordWrite, Runtime, Schedule,
};
use serde_json::{Value, json};

fn runtime() -> Runtime {
    Runtime::new(Limits::default(), Schedule::default())
}

/// A registry of two persons and a law algorithm, answered as a host would.
fn host(need: &Need, budget: &mut Budget) -> Result<Value, ContractError> {
    let s = Schedule::default();
    match need {
        Need::Record { registry, key } => {
            budget.charge(s.record, "a record read")?;
            Ok(match (registry.as_str(), key.as_str()) {
                ("persons", "cit-0001") => {
                    json!({ "id": "cit-0001", "household": "hh-1", "status": "living" })
                }
                ("persons", "cit-0002") => {
                    json!({ "id": "cit-0002", "household": "hh-1", "status": "living" })
                }
                _ => Value::Null,
            })
        }
        Need::Find {
            registry,
            field,
            value,
        } => {
            budget.charge(s.find, "a lookup")?;
            Ok(match (registry.as_str(), field.as_str(), value.as_str()) {
                ("sanctions", "organisation", "org-0007") => json!([{ "reason": "fraud" }]),
                _ => json!([]),
            })
        }
        Need::Algorithm {
            law,
            function,
            args,
            ..
        } => {
            budget.charge(s.algorithm, "an algorithm")?;
            let rt = runtime();
            let script = rt
                .compile(
                    "fn amount(children, income) { if income < 500000 { children * 50000 } else { 0 } }",
                )
                .unwrap();
            assert_eq!(law, "child-subsidy-law");
            rt.call(&script, function, args, budget)
        }
    }
}

const SUBSIDY: &str = r#"
fn decide(app) {
    let mother = record("persons", app.input.mother);
    if mother == () { return #{ outcome: "rejected", article: "4", reason: "the mother is not registered" }; }
    let father = record("persons", app.input.father);
    if father == () || father.household != mother.household {
        return #{ outcome: "official", article: "5", reason: "the parents' households differ",
                  department: "hr-social-security", power: "pay-benefit" };
    }
    let amount = algorithm("child-subsidy-law", "1", "amount", [app.input.children, app.input.income]);
    #{ outcome: "approved", article: "2", reason: "eligible",
       writes: [#{ registry: "benefits", key: mother.id, fields: #{ amount_fen: amount } }],
       payments: [#{ from: "treasury", to: mother.id, currency: "CNY", amount: amount }] }
}
"#;

fn application(mother: &str, father: &str) -> Value {
    json!({ "applicant": mother, "input": { "mother": mother, "father": father, "children": 2, "income": 400000 } })
}

#[test]
fn a_service_decides_from_the_facts_it_asks_for() {
    let rt = runtime();
    let script = rt.compile(SUBSIDY).unwrap();
    let mut budget = Budget::new(10_000);
    let (outcome, facts) = rt
        .decide(
            &script,
            &application("cit-0001", "cit-0002"),
            &mut host,
            &mut budget,
        )
        .unwrap();
    assert_eq!(
        outcome,
        Outcome::Approved {
            article: "2".into(),
            reason: "eligible".into(),
            writes: vec![RecordWrite {
                registry: "benefits".into(),
                key: "cit-0001".into(),
                fields: [("amount_fen".to_string(), json!(100_000))].into(),
            }],
            payments: vec![Payment {
                from: "treasury".into(),
                to: "cit-0001".into(),
                currency: "CNY".into(),
                amount: 100_000,
            }],
            schedule: None,
        }
    );
    // Three facts, in the order asked; four runs of `decide` and one of the algorithm.
    let asked: Vec<&Need> = facts.iter().map(|f| &f.need).collect();
    assert!(matches!(asked[0], Need::Record { key, .. } if key == "cit-0001"));
    assert!(matches!(asked[1], Need::Record { key, .. } if key == "cit-0002"));
    assert!(matches!(asked[2], Need::Algorithm { function, .. } if function == "amount"));
    let s = Schedule::default();
    assert_eq!(
        budget.spent(),
        5 * s.run + 2 * s.record + s.algorithm,
        "charged by our schedule"
    );
    // The other ends: no record, and a father of another household.
    let rejected = rt
        .decide(
            &script,
            &application("cit-0404", "cit-0002"),
            &mut host,
            &mut Budget::new(10_000),
        )
        .unwrap()
        .0;
    assert_eq!(
        rejected,
        Outcome::Rejected {
            article: "4".into(),
            reason: "the mother is not registered".into()
        }
    );
    let official = rt
        .decide(
            &script,
            &application("cit-0001", "cit-0404"),
            &mut host,
            &mut Budget::new(10_000),
        )
        .unwrap()
        .0;
    assert!(
        matches!(&official, Outcome::Official { department, power, .. } if department == "hr-social-security" && power == "pay-benefit"),
        "{official:?}"
    );
}

#[test]
fn a_lookup_by_index_is_a_fact_too() {
    let rt = runtime();
    let script = rt
        .compile(
            r#"fn decide(app) {
                if find("sanctions", "organisation", app.input.organisation).len() > 0 {
                    return #{ outcome: "rejected", article: "5", reason: "sanctioned" };
                }
                #{ outcome: "approved", article: "5", reason: "no sanction" }
            }"#,
        )
        .unwrap();
    let decide = |org: &str| {
        rt.decide(
            &script,
            &json!({ "input": { "organisation": org } }),
            &mut host,
            &mut Budget::new(10_000),
        )
        .unwrap()
        .0
    };
    assert!(matches!(decide("org-0007"), Outcome::Rejected { .. }));
    assert!(matches!(decide("org-0001"), Outcome::Approved { .. }));
}

/// Each hostile script is stopped by a limit, with the same error on every run and on another
/// node's runtime.
#[test]
fn hostile_scripts_are_stopped_by_the_limits_with_the_same_error_every_time() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "an endless loop",
            "fn decide(app) { loop { } }",
            "Too many operations",
        ),
        (
            "a huge string",
            r#"fn decide(app) { let s = "x"; loop { s += s; } }"#,
            "too large",
        ),
        (
            "deep recursion",
            "fn f(n) { f(n + 1) } fn decide(app) { f(0) }",
            "Stack overflow",
        ),
        (
            "many variables",
            "fn decide(app) { let a0 = 0; let a1 = 1; let a2 = 2; let a3 = 3; let a4 = 4; let a5 = 5; let a6 = 6; let a7 = 7; let a8 = 8; }",
            "Too many variables",
        ),
        (
            "a huge map",
            r#"fn decide(app) { let m = #{}; let i = 0; loop { let one = #{}; one["k" + i] = i; m.mixin(one); i += 1; } }"#,
            "too large",
        ),
        // Rhai 1.27.0 checks the value set through an index, not the map it grows
        // (`src/eval/chaining.rs` 355): a map grown key by key is bounded by the operations
        // limit (a few MB at 200,000 operations), not by the map limit.
        (
            "a map grown key by key",
            r#"fn decide(app) { let m = #{}; let i = 0; loop { m["k" + i] = i; i += 1; } }"#,
            "Too many operations",
        ),
        (
            "a string padded to a gigabyte",
            r#"fn decide(app) { let s = ""; s.pad(1000000000, "x"); s }"#,
            "too large",
        ),
        (
            "an array padded to a billion entries",
            "fn decide(app) { let a = []; a.pad(1000000000, 0); a }",
            "too large",
        ),
        (
            "a huge array",
            "fn decide(app) { let a = []; loop { a.push(0); } }",
            "too large",
        ),
    ];
    let limits = Limits {
        variables: 8,
        ..Limits::default()
    };
    for (what, source, expected) in cases {
        let errors: Vec<ContractError> = (0..2)
            .map(|_| {
                let rt = Runtime::new(limits.clone(), Schedule::default());
                let script = rt.compile(source).unwrap();
                rt.decide(&script, &json!({}), &mut host, &mut Budget::new(10_000))
                    .unwrap_err()
            })
            .collect();
        assert!(
            matches!(&errors[0], ContractError::Limit(m) if m.contains(expected)),
            "{what}: {:?}",
            errors[0]
        );
        assert_eq!(errors[0], errors[1], "{what}: two runs differ");
    }
}

#[test]
fn a_host_call_storm_is_stopped_by_the_facts_limit_or_the_budget() {
    let rt = runtime();
    let storm = rt
        .compile(r#"fn decide(app) { let i = 0; loop { record("persons", "p" + i); i += 1; } }"#)
        .unwrap();
    let e = rt
        .decide(&storm, &json!({}), &mut host, &mut Budget::new(1_000_000))
        .unwrap_err();
    assert_eq!(e, ContractError::TooManyFacts(Limits::default().facts));
    let e = rt
        .decide(&storm, &json!({}), &mut host, &mut Budget::new(1_000))
        .unwrap_err();
    assert!(matches!(e, ContractError::Budget { .. }), "{e:?}");
}

/// A script cannot catch the stop that fetches a fact and go on without it.
#[test]
fn a_script_cannot_swallow_a_fact_it_has_not_been_given() {
    let rt = runtime();
    let script = rt
        .compile(
            r#"fn decide(app) {
                let p = ();
                try { p = record("persons", "cit-0001"); } catch (e) { p = #{ status: "forged" }; }
                #{ outcome: "approved", article: "1", reason: p.status }
            }"#,
        )
        .unwrap();
    let (outcome, _) = rt
        .decide(&script, &json!({}), &mut host, &mut Budget::new(10_000))
        .unwrap();
    assert!(
        matches!(&outcome, Outcome::Approved { reason, .. } if reason == "living"),
        "{outcome:?}"
    );
}

#[test]
fn what_the_language_leaves_out_does_not_compile_or_does_nothing() {
    let rt = runtime();
    for (what, source) in [
        ("a float", "fn decide(app) { 1.5 }"),
        ("eval", r#"fn decide(app) { eval("1") }"#),
        ("a module", r#"import "x" as y; fn decide(app) { 1 }"#),
        // A fact asked for inside a function pointer would come back catchable: none exist.
        (
            "a closure",
            r#"fn decide(app) { ["cit-0001"].map(|k| record("persons", k)) }"#,
        ),
        (
            "a function pointer",
            r#"fn f(k) { k } fn decide(app) { let p = Fn("f"); p.call(1) }"#,
        ),
        ("curry", r#"fn f(a, b) { a } fn decide(app) { curry(1) }"#),
    ] {
        assert!(
            matches!(rt.compile(source), Err(ContractError::Compile(_))),
            "{what} compiled"
        );
    }
    for (what, source) in [
        ("the clock", "fn decide(app) { timestamp() }"),
        ("sleep", "fn decide(app) { sleep(10) }"),
        ("a random number", "fn decide(app) { rand() }"),
    ] {
        let script = rt.compile(source).unwrap();
        let e = rt
            .decide(&script, &json!({}), &mut host, &mut Budget::new(10_000))
            .unwrap_err();
        assert!(
            matches!(&e, ContractError::Failed(m) if m.contains("Function not found")),
            "{what}: {e:?}"
        );
    }
    // `print` and `debug` write nowhere.
    let script = rt
        .compile(r#"fn decide(app) { print("x"); debug("y"); #{ outcome: "rejected", article: "1", reason: "r" } }"#)
        .unwrap();
    assert!(
        rt.decide(&script, &json!({}), &mut host, &mut Budget::new(10_000))
            .is_ok()
    );
    // A script over the size limit is refused before it is parsed.
    let big = format!("fn decide(app) {{ \"{}\" }}", "x".repeat(70_000));
    assert!(matches!(
        rt.compile(&big),
        Err(ContractError::TooLarge { .. })
    ));
    // Integer overflow is an error, not a wrap.
    let script = rt
        .compile("fn decide(app) { 9223372036854775807 + 1 }")
        .unwrap();
    assert!(matches!(
        rt.decide(&script, &json!({}), &mut host, &mut Budget::new(10_000)),
        Err(ContractError::Failed(_))
    ));
}

#[test]
fn an_answer_that_is_not_an_outcome_is_refused_with_what_is_wrong() {
    let rt = runtime();
    let cases = [
        ("1", "a number"),
        (
            r#"#{ outcome: "maybe", article: "1", reason: "r" }"#,
            "`maybe`",
        ),
        (
            r#"#{ outcome: "rejected", reason: "r" }"#,
            "`article` is missing",
        ),
        (
            r#"#{ outcome: "rejected", article: "1", reason: "r", writes: [] }"#,
            "has `writes`",
        ),
        (
            r#"#{ outcome: "approved", article: "1", reason: "r", payments: [#{ from: "a", to: "b", currency: "CNY", amount: -5 }] }"#,
            "positive integer",
        ),
        (
            r#"#{ outcome: "approved", article: "1", reason: "r", writes: [#{ registry: "x", key: "k" }] }"#,
            "`fields` is missing",
        ),
        (
            r#"#{ outcome: "approved", article: "1", reason: "r", writes: [#{ registry: "x", key: "k", fields: #{} }, #{ registry: "x", key: "k", fields: #{} }, #{ registry: "x", key: "k", fields: #{} }, #{ registry: "x", key: "k", fields: #{} }, #{ registry: "x", key: "k", fields: #{} }, #{ registry: "x", key: "k", fields: #{} }, #{ registry: "x", key: "k", fields: #{} }, #{ registry: "x", key: "k", fields: #{} }, #{ registry: "x", key: "k", fields: #{} }, #{ registry: "x", key: "k", fields: #{} }, #{ registry: "x", key: "k", fields: #{} }, #{ registry: "x", key: "k", fields: #{} }, #{ registry: "x", key: "k", fields: #{} }, #{ registry: "x", key: "k", fields: #{} }, #{ registry: "x", key: "k", fields: #{} }, #{ registry: "x", key: "k", fields: #{} }, #{ registry: "x", key: "k", fields: #{} }] }"#,
            "at most 16",
        ),
    ];
    for (answer, expected) in cases {
        let script = rt
            .compile(&format!("fn decide(app) {{ {answer} }}"))
            .unwrap();
        let e = rt
            .decide(&script, &json!({}), &mut host, &mut Budget::new(10_000))
            .unwrap_err();
        assert!(
            matches!(&e, ContractError::Answer(m) if m.contains(expected)),
            "{answer}: {e:?}"
        );
    }
    let script = rt.compile("fn other(app) { 1 }").unwrap();
    assert_eq!(
        rt.decide(&script, &json!({}), &mut host, &mut Budget::new(10_000))
            .unwrap_err(),
        ContractError::NoFunction {
            name: "decide".into(),
            params: 1
        }
    );
}

/// The operations of all of a decision's runs count against one limit: a script that spends
/// 60,000 operations a run (within the per-run limit) and asks for fact after fact is stopped
/// at the decision's limit, the same way each time.
#[test]
fn a_decision_is_bounded_in_operations_across_its_runs() {
    let rt = Runtime::new(
        Limits {
            application_operations: 200_000,
            ..Limits::default()
        },
        Schedule::default(),
    );
    let script = rt
        .compile(
            r#"fn decide(app) {
                let i = 0;
                let n = 0;
                loop {
                    let j = 0;
                    while j < 10000 { j += 1; }
                    record("persons", "p" + n);
                    n += 1;
                }
            }"#,
        )
        .unwrap();
    let errors: Vec<ContractError> = (0..2)
        .map(|_| {
            rt.decide(&script, &json!({}), &mut host, &mut Budget::new(1_000_000))
                .unwrap_err()
        })
        .collect();
    assert!(
        matches!(&errors[0], ContractError::Limit(m) if m.contains("in all")),
        "{:?}",
        errors[0]
    );
    assert_eq!(errors[0], errors[1]);
    // An ordinary decision is far within it, and the limit is given back afterwards.
    let ok = rt.compile(SUBSIDY).unwrap();
    rt.decide(
        &ok,
        &application("cit-0001", "cit-0002"),
        &mut host,
        &mut Budget::new(10_000),
    )
    .unwrap();
}
