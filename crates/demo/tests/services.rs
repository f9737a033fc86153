//! Public services on the demo chain: the business-licence service decides applications from
//! the registers (approved, rejected, a case for an official), and every power around it —
//! deploying, upgrading, applying, what its contract may read — is tried by those the laws do
//! not give it, each refused with its code (and article, where one decided).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    reason = "a test fails loudly"
)]

mod common;

use common::{Chain, cited, expect};
use govchain_demo::services::grant_licence;
use govchain_execution::{State, schema};
use govchain_types::*;

fn pid(s: &str) -> PrincipalId {
    PrincipalId::new(s).unwrap()
}

fn text(s: &str) -> FieldValue {
    FieldValue::Text(s.into())
}

fn licence(org: &str, activity: &str) -> Payload {
    Payload::Apply {
        service: pid("grant-licence"),
        input: [
            ("organisation".to_string(), text(org)),
            ("activity".to_string(), text(activity)),
            ("valid_from".to_string(), text("2026-12-01")),
        ]
        .into(),
    }
}

/// The representative of `org` (org-0001 → cit-0011) acting for it.
fn for_org(org: &str) -> (String, Option<Acting>) {
    let n: u32 = org.trim_start_matches("org-").parse().unwrap();
    (
        format!("cit-{:04}", n + 10),
        Some(Acting::Organisation(pid(org))),
    )
}

fn application(c: &Chain, r: &Receipt) -> Application {
    schema::application(&c.state, &r.tx_id).unwrap().unwrap()
}

fn event<'a>(r: &'a Receipt, kind: &str) -> &'a Event {
    r.events
        .iter()
        .find(|e| e.kind == kind)
        .unwrap_or_else(|| panic!("no `{kind}` event: {:?}", r.events))
}

#[test]
fn the_licence_service_decides_from_the_registers() {
    let c = &mut Chain::new();
    // org-0001, not sanctioned, in 110101, for retail: granted at once.
    let (rep, acting) = for_org("org-0001");
    let r = expect(
        c,
        "an allowed activity",
        &rep,
        acting.clone(),
        licence("org-0001", "retail"),
        (true, "", "business-licence-law/5"),
    );
    let app = application(c, &r);
    assert_eq!(app.status, ApplicationStatus::Approved);
    assert_eq!(app.applicant, pid("org-0001"));
    assert_eq!(app.version, 1);
    let steps: Vec<&str> = app.timeline.iter().map(|s| s.kind.as_str()).collect();
    assert_eq!(steps, ["submitted", "approved"]);
    assert_eq!(app.timeline[1].by, "grant-licence@1");
    assert!(
        event(&r, "application_decided")
            .attributes
            .contains(&("outcome".to_string(), "approved".to_string()))
    );
    let key = format!("lic-org-0001-{}", c.height);
    let written = schema::record(&c.state, "licences", &key).unwrap().unwrap();
    assert_eq!(written.fields["status"], text("granted"));
    assert_eq!(written.fields["activity"], text("retail"));
    assert_eq!(written.written.service.as_deref(), Some("grant-licence@1"));
    assert_eq!(written.written.signer, pid("org-0001"));
    assert_eq!(
        written.citation.as_ref().map(|c| c.article.as_str()),
        Some("5"),
        "the record cites the article the service applied"
    );

    // Fireworks are restricted in 110101: the data cannot decide, a licensing officer will.
    let r = expect(
        c,
        "a restricted activity",
        &rep,
        acting,
        licence("org-0001", "fireworks"),
        (true, "", "business-licence-law/5"),
    );
    let app = application(c, &r);
    assert_eq!(app.status, ApplicationStatus::CaseOpened);
    let case = app.case.unwrap();
    assert_eq!(case.department, pid("market-regulation"));
    assert_eq!(case.power, "grant-licence");
    assert!(
        app.timeline[1].reason.contains("restricted"),
        "{:?}",
        app.timeline
    );
    assert!(
        schema::record(&c.state, "licences", &format!("lic-org-0001-{}", c.height))
            .unwrap()
            .is_none(),
        "no licence for a case"
    );

    // org-0007 is sanctioned: rejected, with the reason and the article.
    let (rep, acting) = for_org("org-0007");
    let r = expect(
        c,
        "a sanctioned organisation",
        &rep,
        acting,
        licence("org-0007", "retail"),
        (true, "", "business-licence-law/5"),
    );
    let app = application(c, &r);
    assert_eq!(app.status, ApplicationStatus::Rejected);
    assert!(
        app.timeline[1].reason.contains("sanction"),
        "{:?}",
        app.timeline
    );
    assert!(
        schema::record(&c.state, "licences", &format!("lic-org-0007-{}", c.height))
            .unwrap()
            .is_none()
    );
}

#[test]
fn who_may_apply_and_with_what_input_is_checked_before_the_script_runs() {
    let c = &mut Chain::new();
    let (rep, acting) = for_org("org-0002");
    // A person in their own name: the law lets organisations apply, nobody else.
    expect(
        c,
        "a citizen for a licence in their own name",
        "cit-0001",
        None,
        licence("org-0001", "retail"),
        (false, "unauthorized", ""),
    );
    // An official of another department.
    expect(
        c,
        "a registrar",
        "off-wang",
        Some(Acting::Position("pos-off-wang".into())),
        licence("org-0001", "retail"),
        (false, "unauthorized", ""),
    );
    // A representative applying for another organisation: the service refuses it.
    let r = expect(
        c,
        "org-0002 for org-0001",
        &rep,
        acting.clone(),
        licence("org-0001", "retail"),
        (true, "", "business-licence-law/5"),
    );
    assert_eq!(application(c, &r).status, ApplicationStatus::Rejected);
    // Input that does not fit the form: every field's error, nothing written.
    let bad = Payload::Apply {
        service: pid("grant-licence"),
        input: [
            ("organisation".to_string(), text("org-0002")),
            ("valid_from".to_string(), text("2026-02-30")),
            ("colour".to_string(), text("red")),
        ]
        .into(),
    };
    let r = expect(
        c,
        "a bad date, an unknown field, a missing one",
        &rep,
        acting.clone(),
        bad,
        (false, "invalid_input", ""),
    );
    let message = r.error.unwrap();
    for field in ["`valid_from`", "`colour`", "`activity`: required"] {
        assert!(message.contains(field), "{field} not named: {message}");
    }
    expect(
        c,
        "a service that does not exist",
        &rep,
        acting,
        Payload::Apply {
            service: pid("grant-visa"),
            input: Fields::new(),
        },
        (false, "unknown_service", ""),
    );
}

fn deploy(def: ServiceDef) -> Payload {
    Payload::DeployService { service: def }
}

#[test]
fn a_service_is_deployed_only_as_its_law_lets() {
    let c = &mut Chain::new();
    let v2 = ServiceDef {
        version: 2,
        title: "Business licence (2027)".into(),
        ..grant_licence()
    };
    expect(
        c,
        "another ministry deploys market regulation's service",
        "civil-affairs",
        None,
        deploy(v2.clone()),
        (false, "unauthorized", ""),
    );
    expect(
        c,
        "a citizen deploys a service",
        "cit-0001",
        None,
        deploy(v2.clone()),
        (false, "unauthorized", ""),
    );
    expect(
        c,
        "market regulation deploys a service of the child-subsidy law",
        "market-regulation",
        None,
        deploy(ServiceDef {
            name: pid("pay-subsidy"),
            version: 1,
            law: pid("child-subsidy-law"),
            articles: vec!["1".into()],
            department: pid("market-regulation"),
            ..grant_licence()
        }),
        (false, "unauthorized", ""),
    );
    expect(
        c,
        "a version that is not the next",
        "market-regulation",
        None,
        deploy(ServiceDef {
            version: 3,
            ..v2.clone()
        }),
        (false, "bad_version", ""),
    );
    for (what, def) in [
        (
            "a script that does not compile",
            ServiceDef {
                script: "fn decide(app) { 1.5 }".into(),
                ..v2.clone()
            },
        ),
        (
            "a script without decide",
            ServiceDef {
                script: "fn other(app) { 1 }".into(),
                ..v2.clone()
            },
        ),
        (
            "an article its law does not have",
            ServiceDef {
                articles: vec!["99".into()],
                ..v2.clone()
            },
        ),
        (
            "a department that is not one",
            ServiceDef {
                department: pid("cit-0001"),
                ..v2.clone()
            },
        ),
    ] {
        expect(
            c,
            what,
            "market-regulation",
            None,
            deploy(def),
            (false, "invalid_service", ""),
        );
    }
    expect(
        c,
        "market regulation upgrades its service",
        "market-regulation",
        None,
        deploy(v2),
        (true, "", "business-licence-law/11"),
    );
    let deployed = schema::service(&c.state, &pid("grant-licence"), 2)
        .unwrap()
        .unwrap();
    assert_eq!(deployed.deployed_by, pid("market-regulation"));
    // An application made now runs version 2, and keeps it.
    let (rep, acting) = for_org("org-0001");
    let r = expect(
        c,
        "an application under version 2",
        &rep,
        acting,
        licence("org-0001", "retail"),
        (true, "", "business-licence-law/5"),
    );
    assert_eq!(application(c, &r).version, 2);
    assert_eq!(application(c, &r).timeline[1].by, "grant-licence@2");
}

/// A version of the licence service whose script is `script`, deployed by market regulation.
fn with_script(c: &mut Chain, version: u32, script: &str) {
    let r = c.run(
        "market-regulation",
        None,
        deploy(ServiceDef {
            version,
            script: script.into(),
            ..grant_licence()
        }),
    );
    assert_eq!(r.status, TxStatus::Ok, "{:?}", r.error);
}

#[test]
fn what_a_service_may_do_is_what_its_law_lets_its_contract_do() {
    let c = &mut Chain::new();
    let (rep, acting) = for_org("org-0001");
    // Its contract reads organisations and sanctions, not persons (protected).
    with_script(
        c,
        2,
        r#"fn decide(app) { let p = record("persons", "cit-0011");
            #{ outcome: "rejected", article: "5", reason: p.household } }"#,
    );
    let r = expect(
        c,
        "the contract reads a person",
        &rep,
        acting.clone(),
        licence("org-0001", "retail"),
        (false, "unauthorized", ""),
    );
    let message = r.error.unwrap();
    assert!(
        message.contains("persons"),
        "names what it refused: {message}"
    );
    assert!(
        !message.contains("cit-0011"),
        "a public receipt names no protected record: {message}"
    );
    // It may insert licences (art. 2), not organisations.
    with_script(
        c,
        3,
        r#"fn decide(app) { #{ outcome: "approved", article: "5", reason: "r",
            writes: [#{ registry: "organisations", key: "org-0001", fields: #{ name: "Mine now" } }] } }"#,
    );
    expect(
        c,
        "the contract rewrites an organisation",
        &rep,
        acting.clone(),
        licence("org-0001", "retail"),
        (false, "unauthorized", ""),
    );
    // It pays nothing the law did not let it.
    with_script(
        c,
        4,
        r#"fn decide(app) { #{ outcome: "approved", article: "5", reason: "r",
            payments: [#{ from: "treasury", to: app.applicant, currency: "CNY", amount: 100000 }] } }"#,
    );
    expect(
        c,
        "the contract pays itself from the treasury",
        &rep,
        acting.clone(),
        licence("org-0001", "retail"),
        (false, "unauthorized", ""),
    );
    // It cites only the articles it carries out.
    with_script(
        c,
        5,
        r#"fn decide(app) { #{ outcome: "rejected", article: "1", reason: "r" } }"#,
    );
    let r = expect(
        c,
        "the script cites an article it does not carry out",
        &rep,
        acting.clone(),
        licence("org-0001", "retail"),
        (false, "contract_failed", ""),
    );
    assert!(r.error.unwrap().contains("article `1`"));
    // An endless loop fails the same way on every node, and the budget is ours.
    with_script(c, 6, "fn decide(app) { loop { } }");
    let mut other = Chain::new();
    let receipts: Vec<Receipt> = [&mut *c, &mut other]
        .into_iter()
        .enumerate()
        .map(|(i, chain)| {
            if i == 1 {
                for v in 2..=6 {
                    with_script(chain, v, "fn decide(app) { loop { } }");
                }
            }
            chain.run_acting(&rep, acting.clone(), licence("org-0001", "retail"))
        })
        .collect();
    for r in &receipts {
        assert_eq!(r.code.as_deref(), Some("contract_failed"), "{:?}", r.error);
        assert!(r.error.as_ref().unwrap().contains("Too many operations"));
    }
    assert_eq!(receipts[0].error, receipts[1].error, "two nodes differ");
    with_script(
        c,
        7,
        r#"fn decide(app) { let i = 0; loop { find("sanctions", "organisation", "org-" + i); i += 1; } }"#,
    );
    let r = c.run_acting(&rep, acting, licence("org-0001", "retail"));
    assert_eq!(r.code.as_deref(), Some("contract_failed"), "{:?}", r.error);
    assert_eq!(cited(&r), "");
}

/// `market-regulation` offers `person` a licensing officer's position in `jurisdiction`, and
/// the person accepts it.
fn licensing_officer(c: &mut Chain, person: &str, jurisdiction: &str) -> String {
    let id = format!("pos-{person}");
    let r = c.run(
        "market-regulation",
        None,
        Payload::Appoint {
            position: Position {
                id: id.clone(),
                holder: pid(person),
                department: pid("market-regulation"),
                title: "licensing officer".into(),
                powers: vec!["grant-licence".into()],
                jurisdiction: vec![jurisdiction.into()],
                term_from: c.height + 1,
                term_to: Some(c.height + 10_000),
            },
        },
    );
    assert_eq!(r.status, TxStatus::Ok, "{:?}", r.error);
    let r = c.run(
        person,
        None,
        Payload::SetPositionStatus {
            id: id.clone(),
            status: PositionStatus::Active,
            reason: "I accept".into(),
        },
    );
    assert_eq!(r.status, TxStatus::Ok, "{:?}", r.error);
    id
}

fn decide(application: Hash, approve: bool, reasons: &str) -> Payload {
    Payload::DecideCase {
        application,
        approve,
        reasons: reasons.into(),
    }
}

#[test]
fn a_case_is_decided_only_by_a_competent_official_without_a_conflict() {
    let c = &mut Chain::new();
    let (rep, org1) = for_org("org-0001");
    let opened = c.run_acting(&rep, org1.clone(), licence("org-0001", "fireworks"));
    let case = opened.tx_id;
    assert_eq!(
        application(c, &opened).status,
        ApplicationStatus::CaseOpened
    );
    assert_eq!(
        application(c, &opened).case.unwrap().region.as_deref(),
        Some("110101"),
        "the case is where the organisation is"
    );
    let shanghai = licensing_officer(c, "cit-0003", "310000");
    let own = licensing_officer(c, "cit-0011", "110000");
    let second = Some(Acting::Position(licensing_officer(c, "cit-0004", "110000")));
    let chen = Some(Acting::Position("pos-off-chen".into()));
    for (what, who, acting, code) in [
        (
            "a registrar",
            "off-wang",
            Some(Acting::Position("pos-off-wang".into())),
            "unauthorized",
        ),
        (
            "a benefits officer",
            "off-sun",
            Some(Acting::Position("pos-off-sun".into())),
            "unauthorized",
        ),
        (
            "market regulation itself",
            "market-regulation",
            None,
            "unauthorized",
        ),
        ("the applicant", "cit-0011", org1.clone(), "unauthorized"),
        (
            "a licensing officer of Shanghai",
            "cit-0003",
            Some(Acting::Position(shanghai.clone())),
            "unauthorized",
        ),
        (
            "a licensing officer who represents the applicant",
            "cit-0011",
            Some(Acting::Position(own.clone())),
            "conflict_of_interest",
        ),
    ] {
        let r = expect(
            c,
            what,
            who,
            acting,
            decide(case, true, "approved"),
            (false, code, ""),
        );
        if code == "conflict_of_interest" {
            assert!(r.error.unwrap().contains("represent"), "{what}");
        }
    }
    expect(
        c,
        "no reasons",
        "off-chen",
        chen.clone(),
        decide(case, true, " "),
        (false, "bad_text", ""),
    );
    expect(
        c,
        "no such application",
        "off-chen",
        chen.clone(),
        decide(Hash([9; 32]), true, "approved"),
        (false, "not_pending", ""),
    );
    // Market regulation upgrades the service to refuse everything; the case keeps version 1.
    let r = c.run(
        "market-regulation",
        None,
        deploy(ServiceDef {
            version: 2,
            script: r#"fn decide(app) { #{ outcome: "rejected", article: "5", reason: "closed" } }
                       fn decided(app, d) { #{ outcome: "rejected", article: "5", reason: "closed" } }"#
                .into(),
            ..grant_licence()
        }),
    );
    assert_eq!(r.status, TxStatus::Ok, "{:?}", r.error);
    // Fireworks need two licensing officers who concur (four eyes).
    let r = expect(
        c,
        "the licensing officer of the region approves first",
        "off-chen",
        chen.clone(),
        decide(
            case,
            true,
            "a licensed display, with the fire brigade's consent",
        ),
        (true, "", "business-licence-law/14"),
    );
    assert!(
        r.events[0]
            .attributes
            .contains(&("outcome".into(), "awaiting_second_official".into()))
    );
    assert_eq!(
        application(c, &opened).status,
        ApplicationStatus::CaseOpened
    );
    expect(
        c,
        "the same officer again",
        "off-chen",
        chen.clone(),
        decide(case, true, "still approved"),
        (false, "four_eyes", ""),
    );
    let r = expect(
        c,
        "a second licensing officer concurs",
        "cit-0004",
        second,
        decide(case, true, "agreed: the site is safe"),
        (true, "", "business-licence-law/14"),
    );
    let app = schema::application(&c.state, &case).unwrap().unwrap();
    assert_eq!(app.status, ApplicationStatus::Approved);
    let steps: Vec<&str> = app.timeline.iter().map(|s| s.kind.as_str()).collect();
    assert_eq!(
        steps,
        [
            "submitted",
            "case_opened",
            "first_decision",
            "decided_approve",
            "approved"
        ]
    );
    assert_eq!(app.timeline[2].by, "off-chen (pos-off-chen)");
    assert_eq!(app.timeline[3].by, "cit-0004 (pos-cit-0004)");
    assert_eq!(
        app.timeline[4].by, "grant-licence@1",
        "the version it started under"
    );
    let licence = schema::record(
        &c.state,
        "licences",
        &format!("lic-org-0001-{}", opened.height),
    )
    .unwrap()
    .unwrap();
    assert_eq!(licence.fields["activity"], text("fireworks"));
    assert_eq!(
        licence.citation.map(|c| c.article),
        Some("5".to_string()),
        "the licence cites the service's article"
    );
    assert!(r.events.iter().any(|e| e.kind == "case_decided"));
    expect(
        c,
        "a decided case, again",
        "off-chen",
        chen.clone(),
        decide(case, false, "changed my mind"),
        (false, "not_pending", ""),
    );
}

#[test]
fn a_rejected_case_writes_nothing_but_its_timeline() {
    let c = &mut Chain::new();
    let (rep, org1) = for_org("org-0001");
    let opened = c.run_acting(&rep, org1, licence("org-0001", "fireworks"));
    let chen = Some(Acting::Position("pos-off-chen".into()));
    let second = Some(Acting::Position(licensing_officer(c, "cit-0004", "110000")));
    let id = opened.tx_id;
    let steps = [
        ("off-chen", chen.clone(), false, "first_decision"),
        // The second disagrees: back to waiting for two who concur.
        ("cit-0004", second.clone(), true, "dissent"),
        ("cit-0004", second, false, "first_decision"),
        ("off-chen", chen, false, "decided_reject"),
    ];
    for (who, acting, approve, kind) in steps {
        expect(
            c,
            kind,
            who,
            acting,
            decide(id, approve, "no safe site for storage"),
            (true, "", "business-licence-law/14"),
        );
        let app = application(c, &opened);
        let last_official = app
            .timeline
            .iter()
            .rev()
            .find(|s| s.by.contains("pos-"))
            .unwrap();
        assert_eq!(last_official.kind, kind);
    }
    let app = application(c, &opened);
    assert_eq!(app.status, ApplicationStatus::Rejected);
    assert_eq!(
        app.timeline.last().unwrap().reason,
        "no safe site for storage"
    );
    assert!(
        schema::record(
            &c.state,
            "licences",
            &format!("lic-org-0001-{}", opened.height)
        )
        .unwrap()
        .is_none()
    );
}

/// The demo with a district office of market regulation in 110101 (`market-regulation-110101`,
/// under `market-regulation`).
fn with_district_office() -> Chain {
    let mut g = common::genesis();
    g.accounts.push(GenesisAccount {
        id: pid("market-regulation-110101"),
        kind: PrincipalKind::Department,
        authority: false,
        keys: vec![common::key("market-regulation-110101").public_key()],
    });
    g.records.push(GenesisRecord {
        registry: "departments".into(),
        key: "market-regulation-110101".into(),
        fields: [
            ("name".to_string(), text("Market regulation, Dongcheng")),
            (
                "jurisdiction".to_string(),
                FieldValue::List(vec!["110101".into()]),
            ),
            ("parent".to_string(), text("market-regulation")),
        ]
        .into(),
    });
    Chain::from_genesis(&g)
}

/// A licence service whose fireworks cases go to the district office, to be decided within
/// `deadline` blocks, reminded after `reminder`.
fn district_cases(c: &mut Chain, version: u32, department: &str, deadline: u64, reminder: u64) {
    let script = format!(
        r#"fn decide(app) {{
            #{{ outcome: "official", article: "5", reason: "fireworks", department: "{department}",
               power: "grant-licence", region: "110101", deadline: {deadline}, reminder: {reminder} }}
        }}"#
    );
    with_script(c, version, &script);
}

#[test]
fn an_undecided_case_is_reminded_then_escalates_at_its_deadline() {
    let run = || {
        let c = &mut with_district_office();
        district_cases(c, 2, "market-regulation-110101", 3, 1);
        let (rep, org1) = for_org("org-0001");
        let opened = c.run_acting(&rep, org1, licence("org-0001", "fireworks"));
        let case = application(c, &opened).case.unwrap();
        assert_eq!(case.department, pid("market-regulation-110101"));
        assert_eq!(case.deadline, Some(opened.height + 3));
        let kinds = |c: &Chain| -> Vec<String> {
            application(c, &opened)
                .timeline
                .iter()
                .map(|s| s.kind.clone())
                .collect()
        };
        // The reminder, at the start of the next block.
        c.empty_block();
        assert_eq!(kinds(c), ["submitted", "case_opened", "reminded"]);
        // The ministry's officer may not decide a district office's case.
        let chen = Some(Acting::Position("pos-off-chen".into()));
        expect(
            c,
            "the ministry's officer, before the escalation",
            "off-chen",
            chen.clone(),
            decide(opened.tx_id, true, "approved"),
            (false, "unauthorized", ""),
        );
        assert_eq!(kinds(c).len(), 3, "nothing before the deadline");
        c.empty_block();
        // At the deadline's block start: escalated to the ministry, with a new deadline.
        let app = application(c, &opened);
        assert_eq!(
            kinds(c),
            ["submitted", "case_opened", "reminded", "escalated"]
        );
        let case = app.case.clone().unwrap();
        assert_eq!(case.department, pid("market-regulation"));
        assert_eq!(case.deadline, Some(opened.height + 3 + 3));
        assert_eq!(app.timeline[3].height, opened.height + 3);
        // The ministry has no parent: undecided at its deadline, the case is overdue.
        for _ in 0..3 {
            c.empty_block();
        }
        let app = application(c, &opened);
        assert_eq!(app.timeline.last().unwrap().kind, "overdue");
        assert_eq!(app.case.as_ref().unwrap().deadline, None);
        // Overdue, it is still decided: by the ministry's officer now.
        expect(
            c,
            "the ministry's officer, after the escalation",
            "off-chen",
            chen,
            decide(opened.tx_id, true, "approved"),
            (true, "", "business-licence-law/14"),
        );
        let app = application(c, &opened);
        assert_eq!(app.status, ApplicationStatus::Approved);
        app
    };
    // Every node alike.
    assert_eq!(run(), run());
}

#[test]
fn a_case_goes_only_to_its_services_department_or_an_office_under_it() {
    let c = &mut with_district_office();
    // A new version keeps its law and department: no other ministry takes over the name (and
    // the powers laws give a contract by its service's name).
    expect(
        c,
        "version 2 for another department",
        "market-regulation",
        None,
        deploy(ServiceDef {
            version: 2,
            department: pid("market-regulation-110101"),
            ..grant_licence()
        }),
        (false, "invalid_service", ""),
    );
    district_cases(c, 2, "civil-affairs", 3, 1);
    let (rep, org1) = for_org("org-0001");
    let r = expect(
        c,
        "a case sent to another ministry",
        &rep,
        org1.clone(),
        licence("org-0001", "fireworks"),
        (false, "contract_failed", ""),
    );
    assert!(r.error.unwrap().contains("not service"), "names the rule");
    district_cases(c, 3, "market-regulation-110101", 3, 5);
    let r = expect(
        c,
        "a reminder after the deadline",
        &rep,
        org1,
        licence("org-0001", "fireworks"),
        (false, "contract_failed", ""),
    );
    assert!(r.error.unwrap().contains("reminder"));
}

fn apply(service: &str, input: &[(&str, &str)]) -> Payload {
    Payload::Apply {
        service: pid(service),
        input: input
            .iter()
            .map(|(k, v)| (k.to_string(), text(v)))
            .collect(),
    }
}

fn balance(c: &Chain, holder: &str) -> i128 {
    schema::account(&c.state, "CNY", &pid(holder))
        .unwrap()
        .balance
        .0
}

fn steps(app: &Application) -> Vec<&str> {
    app.timeline.iter().map(|s| s.kind.as_str()).collect()
}

/// A hospital of `110101` notifies the birth of `child` to `mother` (record `key`).
fn notify_birth(c: &mut Chain, key: &str, mother: &str, child: &str) {
    let fields = [
        ("child_name", text(child)),
        ("mother", text(mother)),
        ("birth_date", text("2026-11-20")),
        ("region", text("110101")),
        ("hospital", text("hospital-110101")),
    ];
    expect(
        c,
        "a hospital's notification",
        "hospital-110101",
        None,
        Payload::InsertRecord {
            registry: "birth-notifications".into(),
            key: key.into(),
            fields: fields
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
        },
        (true, "", "civil-registration-law/2"),
    );
}

#[test]
fn a_birth_is_registered_then_its_child_subsidy_paid_from_the_registers() {
    let c = &mut Chain::new();
    notify_birth(c, "n-0001", "cit-0001", "Baby One");
    // The mother applies, naming the father: both in household hh-0001, the law's algorithm
    // decides at once.
    let r = expect(
        c,
        "the registration of a notified birth",
        "cit-0001",
        None,
        apply(
            "register-birth",
            &[("notification", "n-0001"), ("father", "cit-0002")],
        ),
        (true, "", "civil-registration-law/8"),
    );
    let app = application(c, &r);
    assert_eq!(steps(&app), ["submitted", "approved"], "{:?}", app.timeline);
    let birth = schema::record(&c.state, "births", "b-n-0001")
        .unwrap()
        .unwrap();
    let FieldValue::Text(child) = &birth.fields["child"] else {
        panic!("{:?}", birth.fields)
    };
    let person = schema::record(&c.state, "persons", child).unwrap().unwrap();
    assert_eq!(person.fields["household"], text("hh-0001"));
    assert_eq!(person.fields["birth_date"], text("2026-11-20"));
    assert_eq!(birth.written.service.as_deref(), Some("register-birth@1"));
    // Registered once only.
    let r = expect(
        c,
        "the same birth again",
        "cit-0002",
        None,
        apply(
            "register-birth",
            &[("notification", "n-0001"), ("father", "cit-0002")],
        ),
        (true, "", "civil-registration-law/8"),
    );
    assert_eq!(application(c, &r).status, ApplicationStatus::Rejected);
    // Not a parent: refused by the service.
    let r = expect(
        c,
        "a stranger registers another's child",
        "cit-0009",
        None,
        apply("register-birth", &[("notification", "n-0001")]),
        (true, "", "civil-registration-law/8"),
    );
    assert_eq!(application(c, &r).status, ApplicationStatus::Rejected);

    // A child of another household: the registers cannot decide; a benefits officer will.
    let r = expect(
        c,
        "another household's child",
        "cit-0004",
        None,
        apply("child-subsidy", &[("child", child)]),
        (true, "", "child-subsidy-law/1"),
    );
    let app = application(c, &r);
    assert_eq!(app.status, ApplicationStatus::CaseOpened);
    assert_eq!(app.case.as_ref().unwrap().power, "pay-benefit");
    // The child subsidy: hh-0001's income (8,000 yuan a month) is in the middle bracket:
    // 300 yuan, recorded as a benefit and paid from the treasury.
    let (treasury, mother) = (balance(c, "treasury"), balance(c, "cit-0001"));
    let r = expect(
        c,
        "the subsidy for the new child",
        "cit-0001",
        None,
        apply("child-subsidy", &[("child", child)]),
        (true, "", "child-subsidy-law/1"),
    );
    let app = application(c, &r);
    assert_eq!(
        app.status,
        ApplicationStatus::Approved,
        "{:?}",
        app.timeline
    );
    assert_eq!(balance(c, "cit-0001") - mother, 30_000);
    assert_eq!(treasury - balance(c, "treasury"), 30_000);
    let benefit = schema::record(&c.state, "benefits", &format!("cs-{child}"))
        .unwrap()
        .unwrap();
    assert_eq!(benefit.fields["amount_fen"], FieldValue::Integer(30_000));
    assert_eq!(benefit.fields["from"], text("2026-12-01"));
    // Once per child: the father's application is refused by the service.
    let r = expect(
        c,
        "the same child's subsidy again",
        "cit-0002",
        None,
        apply("child-subsidy", &[("child", child)]),
        (true, "", "child-subsidy-law/1"),
    );
    assert_eq!(application(c, &r).status, ApplicationStatus::Rejected);
    assert_eq!(
        balance(c, "cit-0002"),
        govchain_demo::genesis::CITIZEN_OPENING
    );
    // A person who is not a child under three.
    let r = expect(
        c,
        "an adult as the child",
        "cit-0001",
        None,
        apply("child-subsidy", &[("child", "cit-0002")]),
        (true, "", "child-subsidy-law/1"),
    );
    let app = application(c, &r);
    assert_eq!(app.status, ApplicationStatus::Rejected);
    assert!(
        app.timeline[1].reason.contains("three"),
        "{:?}",
        app.timeline
    );
}

#[test]
fn a_birth_the_registers_cannot_decide_goes_to_the_district_registrar() {
    let c = &mut Chain::new();
    // cit-0004 and cit-0005 live in different households: the law's algorithm cannot decide.
    notify_birth(c, "n-0002", "cit-0004", "Baby Two");
    let r = expect(
        c,
        "parents of different households",
        "cit-0004",
        None,
        apply(
            "register-birth",
            &[("notification", "n-0002"), ("father", "cit-0005")],
        ),
        (true, "", "civil-registration-law/8"),
    );
    let app = application(c, &r);
    let case = app.case.clone().unwrap();
    assert_eq!(case.department, pid("civil-affairs-110101"));
    assert_eq!(case.power, "register-birth");
    assert!(app.timeline[1].reason.contains("households"));
    // A registrar of the other district is refused; the district's registrar registers it.
    expect(
        c,
        "the registrar of 110102",
        "off-li",
        Some(Acting::Position("pos-off-li".into())),
        decide(
            app.id,
            true,
            "the parents are married; households to be merged",
        ),
        (false, "unauthorized", ""),
    );
    expect(
        c,
        "the registrar of 110101",
        "off-wang",
        Some(Acting::Position("pos-off-wang".into())),
        decide(
            app.id,
            true,
            "the parents are married; households to be merged",
        ),
        (true, "", "civil-registration-law/15"),
    );
    let app = schema::application(&c.state, &app.id).unwrap().unwrap();
    assert_eq!(app.status, ApplicationStatus::Approved);
    let birth = schema::record(&c.state, "births", "b-n-0002")
        .unwrap()
        .unwrap();
    assert_eq!(birth.fields["father"], text("cit-0005"));
    assert_eq!(birth.citation.as_ref().unwrap().article, "8");
}

#[test]
fn a_pension_is_granted_from_the_registers_then_paid_each_month_until_the_pensioner_dies() {
    let c = &mut Chain::new();
    // cit-0001, born 1951, 217 months of contributions: a pension of
    // 1,000,000 × 217 / 1200 + 5,250,000 / 139 = 218,602 fen a month.
    let r = expect(
        c,
        "a pensioner",
        "cit-0001",
        None,
        apply("pension", &[]),
        (true, "", "pension-law/1"),
    );
    let app = application(c, &r);
    assert_eq!(
        app.status,
        ApplicationStatus::Approved,
        "{:?}",
        app.timeline
    );
    let schedule = app.schedule.clone().unwrap();
    assert_eq!((schedule.every, schedule.done), (30, 0));
    assert_eq!(schedule.next, c.height + 30);
    let granted = c.height;
    let benefit = schema::record(&c.state, "benefits", "pension-cit-0001")
        .unwrap()
        .unwrap();
    assert_eq!(benefit.fields["amount_fen"], FieldValue::Integer(218_602));
    // Refused by the service: too young; too few months; a second pension.
    for (who, why) in [
        ("cit-0030", "pension age"),
        ("cit-0007", "180 months"),
        ("cit-0001", "already"),
    ] {
        let r = expect(
            c,
            who,
            who,
            None,
            apply("pension", &[]),
            (true, "", "pension-law/1"),
        );
        let app = application(c, &r);
        assert_eq!(app.status, ApplicationStatus::Rejected, "{who}");
        assert!(
            app.timeline[1].reason.contains(why),
            "{who}: {:?}",
            app.timeline
        );
    }
    // Of pension age without an account: a case for a pensions officer.
    let r = expect(
        c,
        "no pension account",
        "cit-0076",
        None,
        apply("pension", &[]),
        (true, "", "pension-law/1"),
    );
    assert_eq!(application(c, &r).status, ApplicationStatus::CaseOpened);

    // Each month at its block's start: paid once.
    let start = balance(c, "cit-0001");
    while c.height < granted + 30 * 2 {
        c.empty_block();
    }
    let app = schema::application(&c.state, &app.id).unwrap().unwrap();
    let schedule = app.schedule.clone().unwrap();
    assert_eq!(schedule.done, 2);
    assert_eq!(schedule.last.as_ref().unwrap().kind, "period_run");
    assert_eq!(balance(c, "cit-0001") - start, 2 * 218_602);
    let runs: Vec<_> = (1..=2)
        .map(|p| {
            let step: ApplicationStep = decode(
                "period",
                &c.state
                    .get(&schema::period_key(&app.id, p))
                    .unwrap()
                    .unwrap(),
            )
            .unwrap();
            (step.kind, step.height)
        })
        .collect();
    assert_eq!(
        runs,
        [
            ("period_run".to_string(), granted + 30),
            ("period_run".to_string(), granted + 60)
        ]
    );
    assert_eq!(
        steps(&app),
        ["submitted", "approved"],
        "periods are kept apart"
    );
    // A pensions officer edits the benefit's record: the amount paid is the one granted.
    expect(
        c,
        "an officer raises the recorded amount",
        "off-sun",
        Some(Acting::Position("pos-off-sun".into())),
        Payload::UpdateRecord {
            registry: "benefits".into(),
            key: "pension-cit-0001".into(),
            fields: [("amount_fen".to_string(), FieldValue::Integer(999_999_999))].into(),
        },
        (true, "", "pension-law/3"),
    );
    let before = balance(c, "cit-0001");
    while c.height < granted + 30 * 3 {
        c.empty_block();
    }
    assert_eq!(balance(c, "cit-0001") - before, 218_602);
    // The payments are on the pensioner's statement, at the block's start, citing art. 2.
    let lines: Vec<Posting> = c
        .journal
        .iter()
        .filter(|(k, _)| k.starts_with(&schema::statement_prefix("CNY", &pid("cit-0001"))))
        .map(|(_, v)| decode::<Posting>("statement line", v).unwrap())
        .collect();
    let paid: Vec<_> = lines.iter().filter(|l| l.amount.0 == 218_602).collect();
    assert_eq!(paid.len(), 3, "{lines:?}");
    assert_eq!(paid[0].citation.as_ref().unwrap().article, "2");
    assert_eq!(paid[0].reference, app.id.to_string());

    // The registrar records the death: the next month's run ends the pension, paying nothing.
    expect(
        c,
        "a death recorded",
        "off-wang",
        Some(Acting::Position("pos-off-wang".into())),
        Payload::UpdateRecord {
            registry: "persons".into(),
            key: "cit-0001".into(),
            fields: [("status".to_string(), text("deceased"))].into(),
        },
        (true, "", "civil-registration-law/4"),
    );
    let before = balance(c, "cit-0001");
    while c.height < granted + 30 * 5 {
        c.empty_block();
    }
    let app = schema::application(&c.state, &app.id).unwrap().unwrap();
    assert!(app.schedule.is_none());
    assert_eq!(steps(&app).last(), Some(&"schedule_ended"));
    assert_eq!(balance(c, "cit-0001"), before);
}

/// Civil affairs appoints `person` to a further position `id` (accepted at once).
fn civil_position(
    c: &mut Chain,
    person: &str,
    id: &str,
    department: &str,
    powers: &[&str],
    region: &str,
) {
    let r = c.run(
        "civil-affairs",
        None,
        Payload::Appoint {
            position: Position {
                id: id.into(),
                holder: pid(person),
                department: pid(department),
                title: "registrar".into(),
                powers: powers.iter().map(|p| p.to_string()).collect(),
                jurisdiction: vec![region.into()],
                term_from: c.height + 1,
                term_to: Some(c.height + 100_000),
            },
        },
    );
    assert_eq!(r.status, TxStatus::Ok, "{:?}", r.error);
    let r = c.run(
        person,
        None,
        Payload::SetPositionStatus {
            id: id.into(),
            status: PositionStatus::Active,
            reason: "I accept".into(),
        },
    );
    assert_eq!(r.status, TxStatus::Ok, "{:?}", r.error);
}

fn appeal(application: Hash, reasons: &str) -> Payload {
    Payload::Appeal {
        application,
        reasons: reasons.into(),
    }
}

fn queue(c: &Chain, department: &str) -> Vec<Hash> {
    c.state
        .scan_prefix(&schema::case_queue_prefix(&pid(department)), 100)
        .unwrap()
        .unwrap()
        .into_iter()
        .map(|(_, id)| Hash(id.try_into().unwrap()))
        .collect()
}

#[test]
fn a_rejection_is_appealed_once_to_the_parent_department_and_heard_by_another_official() {
    let c = &mut Chain::new();
    // off-zhao, head of civil affairs (hear-appeal), also sits as a district registrar; off-li
    // is made a second head who hears appeals.
    civil_position(
        c,
        "off-zhao",
        "pos-zhao-110101",
        "civil-affairs-110101",
        &["register-birth"],
        "110101",
    );
    civil_position(
        c,
        "off-li",
        "pos-li-head",
        "civil-affairs",
        &["hear-appeal"],
        "110000",
    );
    let zhao_district = Some(Acting::Position("pos-zhao-110101".into()));
    let zhao_head = Some(Acting::Position("pos-off-zhao".into()));
    let li_head = Some(Acting::Position("pos-li-head".into()));
    let mut cases = Vec::new();
    for (n, mother, father) in [
        ("n-0003", "cit-0004", "cit-0005"),
        ("n-0004", "cit-0010", "cit-0011"),
    ] {
        notify_birth(c, n, mother, "A child");
        let r = c.run(
            mother,
            None,
            apply("register-birth", &[("notification", n), ("father", father)]),
        );
        let app = application(c, &r);
        assert_eq!(
            app.case.as_ref().unwrap().department,
            pid("civil-affairs-110101")
        );
        assert_eq!(queue(c, "civil-affairs-110101").last(), Some(&app.id));
        expect(
            c,
            "the district registrar refuses",
            "off-zhao",
            zhao_district.clone(),
            decide(app.id, false, "the father's declaration is missing"),
            (true, "", "civil-registration-law/15"),
        );
        assert_eq!(application(c, &r).status, ApplicationStatus::Rejected);
        assert!(
            !queue(c, "civil-affairs-110101").contains(&app.id),
            "decided: out of the queue"
        );
        cases.push((mother, app.id));
    }
    let (mother, first) = cases[0];
    // Refused: someone else than the applicant; an application not rejected.
    expect(
        c,
        "the father appeals the mother's application",
        "cit-0005",
        None,
        appeal(first, "unfair"),
        (false, "unauthorized", ""),
    );
    let pension = c.run("cit-0001", None, apply("pension", &[]));
    expect(
        c,
        "an approved application",
        "cit-0001",
        None,
        appeal(pension.tx_id, "more, please"),
        (false, "not_appealable", ""),
    );
    // The mother appeals: a case for civil affairs (the district office's parent), hear-appeal.
    expect(
        c,
        "the applicant appeals",
        mother,
        None,
        appeal(first, "the declaration was filed"),
        (true, "", "civil-registration-law/14"),
    );
    let app = schema::application(&c.state, &first).unwrap().unwrap();
    assert_eq!(app.status, ApplicationStatus::CaseOpened);
    let case = app.case.clone().unwrap();
    assert_eq!(
        (case.department.as_str(), case.power.as_str(), case.appeal),
        ("civil-affairs", "hear-appeal", true)
    );
    assert_eq!(case.region.as_deref(), Some("110101"));
    assert_eq!(queue(c, "civil-affairs"), [first]);
    // Refused: the district registrar (not the parent department); the head who decided it
    // before, in his other position; the applicant appealing again while it is heard.
    expect(
        c,
        "a district registrar hears the appeal",
        "off-wang",
        Some(Acting::Position("pos-off-wang".into())),
        decide(first, true, "ok"),
        (false, "unauthorized", ""),
    );
    expect(
        c,
        "the official who decided it hears the appeal",
        "off-zhao",
        zhao_head,
        decide(first, true, "ok"),
        (false, "conflict_of_interest", ""),
    );
    expect(
        c,
        "a second appeal while heard",
        mother,
        None,
        appeal(first, "again"),
        (false, "not_appealable", ""),
    );
    // The first case's own reminder and deadline (500 and 1000 blocks after it opened) pass:
    // they were that case's, not the appeal's, which has its own.
    let opened_at = app.timeline[1].height;
    let appeal_due = case.deadline.unwrap();
    assert!(appeal_due > opened_at + 1000);
    while c.height <= opened_at + 1000 {
        c.empty_block();
    }
    let app = schema::application(&c.state, &first).unwrap().unwrap();
    assert_eq!(
        app.timeline.last().unwrap().kind,
        "appealed",
        "{:?}",
        app.timeline
    );
    assert_eq!(app.case.as_ref().unwrap().deadline, Some(appeal_due));
    // Another head hears it and upholds the appeal: the service registers the birth.
    expect(
        c,
        "another head upholds the appeal",
        "off-li",
        li_head.clone(),
        decide(first, true, "the declaration is on file"),
        (true, "", "civil-registration-law/15"),
    );
    let app = schema::application(&c.state, &first).unwrap().unwrap();
    assert_eq!(app.status, ApplicationStatus::Approved);
    assert!(
        schema::record(&c.state, "births", "b-n-0003")
            .unwrap()
            .is_some()
    );
    let kinds: Vec<&str> = app.timeline.iter().map(|s| s.kind.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "submitted",
            "case_opened",
            "decided_reject",
            "rejected",
            "appealed",
            "decided_approve",
            "approved"
        ]
    );
    assert!(queue(c, "civil-affairs").is_empty());
    // The second birth: its appeal refused, and no appeal after that.
    let (mother, second) = cases[1];
    expect(
        c,
        "the second appeal",
        mother,
        None,
        appeal(second, "please"),
        (true, "", "civil-registration-law/14"),
    );
    expect(
        c,
        "the appeal refused",
        "off-li",
        li_head,
        decide(second, false, "no declaration"),
        (true, "", "civil-registration-law/15"),
    );
    expect(
        c,
        "appealed once already",
        mother,
        None,
        appeal(second, "please, again"),
        (false, "not_appealable", ""),
    );
    assert!(
        schema::record(&c.state, "births", "b-n-0004")
            .unwrap()
            .is_none()
    );
}

#[test]
fn a_case_its_law_deems_approved_at_the_deadline_is_carried_out_at_that_block() {
    let run = || {
        let c = &mut Chain::new();
        with_script(
            c,
            2,
            r#"fn decide(app) {
                #{ outcome: "official", article: "5", reason: "fireworks", department: "market-regulation",
                   power: "grant-licence", region: "110101", deadline: 3, deemed: "approved" }
            }
            fn decided(app, decision) {
                if !decision.approve { return #{ outcome: "rejected", article: "5", reason: decision.reasons }; }
                #{ outcome: "approved", article: "5", reason: decision.reasons,
                   writes: [#{ registry: "licences", key: "lic-deemed-" + app.height,
                               fields: #{ organisation: app.input.organisation, activity: app.input.activity,
                                          region: "110101", valid_from: app.input.valid_from, status: "granted" } }] }
            }"#,
        );
        let (rep, org1) = for_org("org-0001");
        let opened = c.run_acting(&rep, org1, licence("org-0001", "fireworks"));
        assert_eq!(queue(c, "market-regulation"), [opened.tx_id]);
        for _ in 0..3 {
            c.empty_block();
        }
        let app = application(c, &opened);
        assert_eq!(
            app.status,
            ApplicationStatus::Approved,
            "{:?}",
            app.timeline
        );
        let last: Vec<(&str, &str, u64)> = app.timeline[2..]
            .iter()
            .map(|s| (s.kind.as_str(), s.by.as_str(), s.height))
            .collect();
        assert_eq!(
            last,
            [
                ("deemed_approve", "chain", opened.height + 3),
                ("approved", "grant-licence@2", opened.height + 3)
            ]
        );
        let licence = schema::record(
            &c.state,
            "licences",
            &format!("lic-deemed-{}", opened.height),
        )
        .unwrap()
        .unwrap();
        assert_eq!(licence.written.service.as_deref(), Some("grant-licence@2"));
        assert!(queue(c, "market-regulation").is_empty());
        // Decided: no official decides it after.
        expect(
            c,
            "an official after the deemed decision",
            "off-chen",
            Some(Acting::Position("pos-off-chen".into())),
            decide(opened.tx_id, false, "too late"),
            (false, "not_pending", ""),
        );
        app
    };
    assert_eq!(run(), run());
}

#[test]
fn a_birth_recorded_opens_the_child_subsidy_for_each_parent_to_confirm() {
    let c = &mut Chain::new();
    notify_birth(c, "n-0005", "cit-0001", "Baby Five");
    let r = c.run(
        "cit-0001",
        None,
        apply(
            "register-birth",
            &[("notification", "n-0005"), ("father", "cit-0002")],
        ),
    );
    assert_eq!(application(c, &r).status, ApplicationStatus::Approved);
    let birth = schema::record(&c.state, "births", "b-n-0005")
        .unwrap()
        .unwrap();
    // At the next block's start: an application for each parent, waiting for them.
    c.empty_block();
    let proposed = |who: &str| {
        let ids = govchain_execution::services::applications_of(&c.state, &pid(who), 10).unwrap();
        ids.into_iter()
            .map(|id| schema::application(&c.state, &id).unwrap().unwrap())
            .find(|a| a.service == pid("child-subsidy"))
            .unwrap_or_else(|| panic!("no subsidy opened for {who}"))
    };
    let (mother, father) = (proposed("cit-0001"), proposed("cit-0002"));
    for app in [&mother, &father] {
        assert_eq!(app.status, ApplicationStatus::Proposed);
        assert_eq!(app.input["child"], birth.fields["child"]);
        assert_eq!(steps(app), ["proposed"]);
        assert_eq!(app.timeline[0].by, "child-subsidy@1");
    }
    // Nobody else confirms it, and nothing is paid before it is confirmed.
    let opening = balance(c, "cit-0001");
    expect(
        c,
        "the father confirms the mother's",
        "cit-0002",
        None,
        Payload::Confirm {
            application: mother.id,
        },
        (false, "unauthorized", ""),
    );
    assert_eq!(balance(c, "cit-0001"), opening);
    // The mother confirms: decided from the registers, paid.
    expect(
        c,
        "the mother confirms",
        "cit-0001",
        None,
        Payload::Confirm {
            application: mother.id,
        },
        (true, "", "child-subsidy-law/1"),
    );
    let app = schema::application(&c.state, &mother.id).unwrap().unwrap();
    assert_eq!(steps(&app), ["proposed", "confirmed", "approved"]);
    assert_eq!(balance(c, "cit-0001") - opening, 30_000);
    // Once: confirming again is refused; the father's is rejected by the service.
    expect(
        c,
        "the mother again",
        "cit-0001",
        None,
        Payload::Confirm {
            application: mother.id,
        },
        (false, "not_pending", ""),
    );
    expect(
        c,
        "the father confirms his",
        "cit-0002",
        None,
        Payload::Confirm {
            application: father.id,
        },
        (true, "", "child-subsidy-law/1"),
    );
    let app = schema::application(&c.state, &father.id).unwrap().unwrap();
    assert_eq!(app.status, ApplicationStatus::Rejected);
    assert_eq!(
        balance(c, "cit-0002"),
        govchain_demo::genesis::CITIZEN_OPENING
    );
}

/// Hostile scripts deployed as a new version of a service: each application is refused with
/// the same code and message on two nodes, writes nothing but the nonce, and the chain goes on
/// (the next version decides again).
#[test]
fn hostile_scripts_are_stopped_alike_on_every_node_and_the_chain_goes_on() {
    let many_variables = format!(
        "fn decide(app) {{ {} }}",
        (0..300)
            .map(|i| format!("let v{i} = {i};"))
            .collect::<String>()
    );
    let cases: Vec<(&str, String, &str)> = vec![
        ("an endless loop", "fn decide(app) { loop { } }".into(), "contract_failed"),
        (
            "a huge string",
            r#"fn decide(app) { let s = "x"; loop { s += s; } }"#.into(),
            "contract_failed",
        ),
        (
            "deep recursion",
            "fn f(n) { f(n + 1) } fn decide(app) { f(0) }".into(),
            "contract_failed",
        ),
        ("many variables", many_variables, "contract_failed"),
        (
            "a huge map",
            r#"fn decide(app) { let m = #{}; let i = 0; loop { let one = #{}; one["k" + i] = i; m.mixin(one); i += 1; } }"#.into(),
            "contract_failed",
        ),
        (
            "a host-call storm",
            r#"fn decide(app) { let i = 0; loop { record("organisations", "org-" + i); i += 1; } }"#.into(),
            "contract_failed",
        ),
        (
            "a storm of lookups",
            r#"fn decide(app) { let i = 0; loop { find("sanctions", "organisation", "org-" + i); i += 1; } }"#.into(),
            "contract_failed",
        ),
    ];
    let (rep, acting) = for_org("org-0001");
    let mut nodes = [Chain::new(), Chain::new()];
    for (version, (what, script, code)) in (2u32..).zip(&cases) {
        let mut seen = Vec::new();
        for c in &mut nodes {
            with_script(c, version, script);
            let r = expect(
                c,
                what,
                &rep,
                acting.clone(),
                licence("org-0001", "retail"),
                (false, code, ""),
            );
            seen.push((r.code, r.error, c.state.clone()));
        }
        assert_eq!(seen[0], seen[1], "{what}: the nodes differ");
    }
    // The chain goes on: a sound version decides again.
    for c in &mut nodes {
        with_script(c, 2 + cases.len() as u32, &grant_licence().script);
        expect(
            c,
            "a sound version after them",
            &rep,
            acting.clone(),
            licence("org-0001", "retail"),
            (true, "", "business-licence-law/5"),
        );
    }
}

/// Social security appoints `person` a benefits officer for `110000` until `term_to`.
fn benefits_officer(c: &mut Chain, person: &str, term_to: u64) -> Option<Acting> {
    let id = format!("pos-benefits-{person}");
    let r = c.run(
        "hr-social-security",
        None,
        Payload::Appoint {
            position: Position {
                id: id.clone(),
                holder: pid(person),
                department: pid("hr-social-security"),
                title: "benefits officer".into(),
                powers: vec!["pay-benefit".into()],
                jurisdiction: vec!["110000".into()],
                term_from: c.height + 1,
                term_to: Some(term_to),
            },
        },
    );
    assert_eq!(r.status, TxStatus::Ok, "{:?}", r.error);
    let r = c.run(
        person,
        None,
        Payload::SetPositionStatus {
            id: id.clone(),
            status: PositionStatus::Active,
            reason: "I accept".into(),
        },
    );
    assert_eq!(r.status, TxStatus::Ok, "{:?}", r.error);
    Some(Acting::Position(id))
}

#[test]
fn officials_are_refused_after_their_term_and_for_their_own_or_their_households_cases() {
    let c = &mut Chain::new();
    // Two children: cit-0001's (household hh-0001, with cit-0002) and cit-0004's (hh-0004).
    let mut children = Vec::new();
    for (n, mother) in [("n-0011", "cit-0001"), ("n-0014", "cit-0004")] {
        notify_birth(c, n, mother, "A child");
        let r = c.run(
            mother,
            None,
            apply("register-birth", &[("notification", n)]),
        );
        assert_eq!(application(c, &r).status, ApplicationStatus::Approved);
        let birth = schema::record(&c.state, "births", &format!("b-{n}"))
            .unwrap()
            .unwrap();
        let FieldValue::Text(child) = birth.fields["child"].clone() else {
            panic!()
        };
        children.push(child);
    }
    // Subsidies for a child of another household: cases for a benefits officer.
    let case = |c: &mut Chain, who: &str, child: &str| {
        let r = c.run(who, None, apply("child-subsidy", &[("child", child)]));
        let app = application(c, &r);
        assert_eq!(
            app.status,
            ApplicationStatus::CaseOpened,
            "{:?}",
            app.timeline
        );
        app.id
    };
    let of_cit_0001 = case(c, "cit-0001", &children[1]);
    let of_cit_0004 = case(c, "cit-0004", &children[0]);
    let spouse = benefits_officer(c, "cit-0002", c.height + 100_000);
    let applicant = benefits_officer(c, "cit-0004", c.height + 100_000);
    let short = benefits_officer(c, "cit-0005", c.height + 3);
    let sun = Some(Acting::Position("pos-off-sun".into()));
    // Refused, each with its code: of the applicant's household; the applicant itself; after
    // the term; without the power (a registrar); out of the department (a licensing officer).
    for _ in 0..3 {
        c.empty_block();
    }
    // (what, who, acting, application, code, in the message)
    type Row<'a> = (&'a str, &'a str, Option<Acting>, Hash, &'a str, &'a str);
    let rows: [Row<'_>; 5] = [
        (
            "the applicant's spouse",
            "cit-0002",
            spouse,
            of_cit_0001,
            "conflict_of_interest",
            "household",
        ),
        (
            "the applicant",
            "cit-0004",
            applicant,
            of_cit_0004,
            "conflict_of_interest",
            "their own",
        ),
        (
            "an officer after the term",
            "cit-0005",
            short,
            of_cit_0001,
            "unauthorized",
            "law `constitution` article `10`",
        ),
        (
            "a registrar",
            "off-wang",
            Some(Acting::Position("pos-off-wang".into())),
            of_cit_0001,
            "unauthorized",
            "",
        ),
        (
            "a licensing officer",
            "off-chen",
            Some(Acting::Position("pos-off-chen".into())),
            of_cit_0001,
            "unauthorized",
            "",
        ),
    ];
    for (what, who, acting, app, code, why) in rows {
        let before = c.state.clone();
        let r = c.run_acting(who, acting, decide(app, true, "eligible"));
        assert_ne!(r.status, TxStatus::Ok, "{what}");
        if !code.is_empty() {
            assert_eq!(r.code.as_deref(), Some(code), "{what}: {:?}", r.error);
        }
        assert!(
            r.error.as_deref().unwrap_or("").contains(why),
            "{what}: {:?}",
            r.error
        );
        let changed = common::changed_besides_nonces(&before, &c.state);
        assert!(changed.is_empty(), "{what}: {changed:?}");
    }
    // The pensions officer, in term and unrelated, decides both.
    for app in [of_cit_0001, of_cit_0004] {
        expect(
            c,
            "the pensions officer",
            "off-sun",
            sun.clone(),
            decide(app, true, "eligible: the child lives with the applicant"),
            (true, "", "child-subsidy-law/7"),
        );
    }
}

#[test]
fn a_schedule_whose_periods_are_refused_three_times_in_a_row_ends() {
    let c = &mut Chain::new();
    // A licence service that would pay from the treasury every 2 blocks: its law gives its
    // contract no such power, so every period is refused (nothing paid), and the third ends it.
    with_script(
        c,
        2,
        r#"fn decide(app) {
            #{ outcome: "approved", article: "5", reason: "granted", schedule: #{ every: 2 } }
        }
        fn scheduled(app, period) {
            #{ outcome: "approved", article: "5", reason: "a payment",
               payments: [#{ from: "treasury", to: app.applicant, currency: "CNY", amount: 100 }] }
        }"#,
    );
    let (rep, acting) = for_org("org-0001");
    let r = c.run_acting(&rep, acting, licence("org-0001", "retail"));
    let id = r.tx_id;
    let treasury = balance(c, "treasury");
    for _ in 0..8 {
        c.empty_block();
    }
    let app = schema::application(&c.state, &id).unwrap().unwrap();
    assert!(app.schedule.is_none(), "{:?}", app.schedule);
    let ended = app.timeline.last().unwrap();
    assert_eq!(ended.kind, "schedule_ended");
    assert!(ended.reason.contains("3 periods in a row"), "{ended:?}");
    assert_eq!(ended.height, r.height + 6);
    for p in 1..=3 {
        let step: ApplicationStep = decode(
            "period",
            &c.state.get(&schema::period_key(&id, p)).unwrap().unwrap(),
        )
        .unwrap();
        assert_eq!(step.kind, "period_failed");
        assert!(step.reason.contains("unauthorized"), "{step:?}");
    }
    assert!(c.state.get(&schema::period_key(&id, 4)).unwrap().is_none());
    assert_eq!(balance(c, "treasury"), treasury, "nothing paid");
    // A schedule needs `scheduled`: an approval starting one without it is refused.
    with_script(
        c,
        3,
        r#"fn decide(app) {
            #{ outcome: "approved", article: "5", reason: "granted", schedule: #{ every: 2 } }
        }"#,
    );
    let (rep, acting) = for_org("org-0002");
    expect(
        c,
        "a schedule without scheduled()",
        &rep,
        acting,
        licence("org-0002", "retail"),
        (false, "contract_failed", ""),
    );
}

/// A chain whose blocks' scripts may use at most `operations` Rhai operations in all.
fn with_contract_operations(operations: u64) -> Chain {
    let mut g = common::genesis();
    g.params.contract_operations = operations;
    Chain::from_genesis(&g)
}

#[test]
fn a_blocks_scripts_share_one_bound_on_their_work() {
    let run = || {
        let c = &mut with_contract_operations(2_000_000);
        // A service whose every decision burns about 100,000 operations.
        with_script(
            c,
            2,
            r#"fn decide(app) {
                let i = 0; while i < 25000 { i += 1; }
                #{ outcome: "rejected", article: "5", reason: "after some work" }
            }"#,
        );
        // Forty applications in one block: the first fit, the rest wait for a later block.
        let (rep, acting) = for_org("org-0001");
        let first = c.nonces.get(rep.as_str()).copied().unwrap_or(0);
        let txs: Vec<_> = (0..40u64)
            .map(|n| {
                let mut body = c.next_body(&rep, acting.clone(), licence("org-0001", "retail"));
                body.nonce = first + n;
                govchain_crypto::verify_tx(
                    Scheme::Ed25519,
                    govchain_crypto::sign_tx(Scheme::Ed25519, &common::key(&rep), body),
                )
                .unwrap()
            })
            .collect();
        c.height += 1;
        let out =
            govchain_execution::apply_block(&c.state, &common::header(c.height), &txs, &c.laws)
                .unwrap();
        let outcome: Vec<(TxStatus, Option<String>)> = out
            .receipts
            .iter()
            .map(|r| (r.status.clone(), r.code.clone()))
            .collect();
        let decided = outcome
            .iter()
            .take_while(|(s, _)| *s == TxStatus::Ok)
            .count();
        assert!((5..40).contains(&decided), "{outcome:?}");
        assert!(
            outcome[decided..]
                .iter()
                .all(|(s, c)| *s == TxStatus::Failed && c.as_deref() == Some("out_of_budget")),
            "{outcome:?}"
        );
        let last = out.receipts.last().unwrap();
        assert!(
            last.error.as_deref().unwrap().contains("contract work"),
            "{last:?}"
        );
        outcome
    };
    assert_eq!(run(), run(), "every node alike");
}

#[test]
fn work_at_a_blocks_start_past_its_share_carries_over_to_the_next_block() {
    let run = || {
        // Eight schedules due at one block, each run burning about a fifth of the block's
        // work: the block start's share (two fifths) fits a few; the rest run at the next
        // blocks' starts, in order, each period once.
        let c = &mut with_contract_operations(200_000);
        with_script(
            c,
            2,
            r#"fn decide(app) {
                #{ outcome: "approved", article: "5", reason: "granted",
                   schedule: #{ every: 5, times: 1 } }
            }
            fn scheduled(app, period) {
                let i = 0; while i < 10000 { i += 1; }
                #{ outcome: "approved", article: "5", reason: "a period's work" }
            }"#,
        );
        let orgs: Vec<String> = (1..=8).map(|n| format!("org-{n:04}")).collect();
        let txs: Vec<_> = orgs
            .iter()
            .map(|o| {
                let (rep, acting) = for_org(o);
                let body = c.next_body(&rep, acting, licence(o, "retail"));
                govchain_crypto::verify_tx(
                    Scheme::Ed25519,
                    govchain_crypto::sign_tx(Scheme::Ed25519, &common::key(&rep), body),
                )
                .unwrap()
            })
            .collect();
        c.height += 1;
        let granted_at = c.height;
        let out =
            govchain_execution::apply_block(&c.state, &common::header(c.height), &txs, &c.laws)
                .unwrap();
        c.state.apply(&out.writes);
        assert!(
            out.receipts.iter().all(|r| r.status == TxStatus::Ok),
            "{:?}",
            out.receipts
        );
        while c.height < granted_at + 5 + 10 {
            c.empty_block();
        }
        let ran: Vec<u64> = out
            .receipts
            .iter()
            .map(|r| {
                let app = schema::application(&c.state, &r.tx_id).unwrap().unwrap();
                assert!(app.schedule.is_none(), "its one period ran");
                let step: ApplicationStep = decode(
                    "period",
                    &c.state
                        .get(&schema::period_key(&r.tx_id, 1))
                        .unwrap()
                        .unwrap(),
                )
                .unwrap();
                assert_eq!(step.kind, "period_run");
                assert!(
                    c.state
                        .get(&schema::period_key(&r.tx_id, 2))
                        .unwrap()
                        .is_none()
                );
                step.height - (granted_at + 5)
            })
            .collect();
        let mut late = ran.clone();
        late.sort_unstable();
        assert_eq!(late[0], 0, "some at the due block: {ran:?}");
        assert!(late[7] >= 2, "carried over more than one block: {ran:?}");
        ran
    };
    assert_eq!(run(), run(), "every node alike");
}

#[test]
fn one_applicant_keeps_at_most_so_many_cases_waiting() {
    let c = &mut Chain::new();
    notify_birth(c, "n-0021", "cit-0001", "A child");
    c.run(
        "cit-0001",
        None,
        apply("register-birth", &[("notification", "n-0021")]),
    );
    let FieldValue::Text(child) = schema::record(&c.state, "births", "b-n-0021")
        .unwrap()
        .unwrap()
        .fields["child"]
        .clone()
    else {
        panic!()
    };
    // cit-0004 asks the subsidy for a child of another household, again and again: each a case.
    let limit = govchain_execution::services::MAX_OPEN_CASES;
    let mut cases = Vec::new();
    for _ in 0..limit {
        let r = c.run(
            "cit-0004",
            None,
            apply("child-subsidy", &[("child", &child)]),
        );
        assert_eq!(application(c, &r).status, ApplicationStatus::CaseOpened);
        cases.push(r.tx_id);
    }
    let r = expect(
        c,
        "one case more",
        "cit-0004",
        None,
        apply("child-subsidy", &[("child", &child)]),
        (false, "too_many_cases", ""),
    );
    assert!(r.error.unwrap().contains("waiting"));
    // Another applicant is not held back; and once one is decided, cit-0004 may open another.
    let r = c.run(
        "cit-0003",
        None,
        apply("child-subsidy", &[("child", &child)]),
    );
    assert_eq!(application(c, &r).status, ApplicationStatus::CaseOpened);
    expect(
        c,
        "the pensions officer refuses one",
        "off-sun",
        Some(Acting::Position("pos-off-sun".into())),
        decide(
            cases[0],
            false,
            "the child does not live with the applicant",
        ),
        (true, "", "child-subsidy-law/7"),
    );
    let r = c.run(
        "cit-0004",
        None,
        apply("child-subsidy", &[("child", &child)]),
    );
    assert_eq!(application(c, &r).status, ApplicationStatus::CaseOpened);
}
