//! Registry operations on the demo government through real transactions: who may insert,
//! update and close which records (with the article that decided), officials acting in their
//! positions as they stand at each block, records versioned and never lost.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    reason = "a test fails loudly"
)]

mod common;

use common::{Chain, cited};
use govchain_execution::schema;
use govchain_types::*;

fn fields(pairs: &[(&str, &str)]) -> Fields {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), FieldValue::Text(v.to_string())))
        .collect()
}

fn insert(registry: &str, key: &str, f: &[(&str, &str)]) -> Payload {
    Payload::InsertRecord {
        registry: registry.into(),
        key: key.into(),
        fields: fields(f),
    }
}

fn birth(key: &str, region: &str) -> Payload {
    insert(
        "births",
        key,
        &[
            ("child_name", "Baby"),
            ("mother", "cit-0001"),
            ("birth_date", "2026-11-20"),
            ("region", region),
        ],
    )
}

fn licence(key: &str) -> Payload {
    insert(
        "licences",
        key,
        &[
            ("organisation", "org-0001"),
            ("activity", "bakery"),
            ("region", "110101"),
            ("valid_from", "2026-12-01"),
            ("status", "granted"),
        ],
    )
}

/// (what, signer, position, payload, ok?, code if refused, "law/article" that decided)
type Row = (
    &'static str,
    &'static str,
    Option<&'static str>,
    Payload,
    bool,
    &'static str,
    &'static str,
);

#[test]
fn the_permission_matrix_of_registry_operations() {
    let mut chain = Chain::new();
    #[rustfmt::skip]
    let rows: Vec<Row> = vec![
        ("a registrar registers a birth in the district", "off-wang", Some("pos-off-wang"), birth("b-1", "110101"), true, "", "civil-registration-law/1"),
        ("not in another district", "off-wang", Some("pos-off-wang"), birth("b-2", "110102"), false, "unauthorized", "constitution/11"),
        ("that district's registrar does", "off-li", Some("pos-off-li"), birth("b-2", "110102"), true, "", "civil-registration-law/1"),
        ("not as a plain person: no position, no power", "off-wang", None, birth("b-3", "110101"), false, "unauthorized", ""),
        ("not in someone else's position", "off-wang", Some("pos-off-li"), birth("b-3", "110102"), false, "not_holder", ""),
        ("a hospital may not register a birth", "hospital-110101", None, birth("b-4", "110101"), false, "unauthorized", "civil-registration-law/7"),
        ("a hospital notifies one", "hospital-110101", None, insert("birth-notifications", "n-1", &[("child_name", "Baby"), ("mother", "cit-0001"), ("birth_date", "2026-11-20"), ("region", "110101"), ("hospital", "hospital-110101")]), true, "", "civil-registration-law/2"),
        ("the ministry's head updates a person of the province", "off-zhao", Some("pos-off-zhao"), Payload::UpdateRecord { registry: "persons".into(), key: "cit-0001".into(), fields: fields(&[("sex", "female")]) }, true, "", "civil-registration-law/4"),
        ("a citizen may not update their own record", "cit-0001", None, Payload::UpdateRecord { registry: "persons".into(), key: "cit-0001".into(), fields: fields(&[("name", "Someone Else")]) }, false, "unauthorized", ""),
        ("a licensing officer grants a licence", "off-chen", Some("pos-off-chen"), licence("l-1"), true, "", "business-licence-law/1"),
        ("a pensions officer may not", "off-sun", Some("pos-off-sun"), licence("l-2"), false, "unauthorized", ""),
        ("the legislature's key alone registers a department: it acts only by its members", "legislature", None, insert("departments", "civil-affairs-310101", &[("name", "Civil affairs office 310101"), ("parent", "civil-affairs")]), false, "members_required", ""),
        ("a record that misses a required field is refused before any law is asked", "off-wang", Some("pos-off-wang"), insert("births", "b-5", &[("child_name", "Baby")]), false, "invalid_record", ""),
        ("an unknown field is refused", "off-wang", Some("pos-off-wang"), insert("births", "b-5", &[("child_name", "Baby"), ("mother", "cit-0001"), ("birth_date", "2026-11-20"), ("region", "110101"), ("colour", "red")]), false, "invalid_record", ""),
        ("a bad date is refused", "off-wang", Some("pos-off-wang"), birth_on("b-5", "2026-02-30"), false, "invalid_record", ""),
        ("a reference to nobody is refused", "off-wang", Some("pos-off-wang"), insert("births", "b-5", &[("child_name", "Baby"), ("mother", "cit-9999"), ("birth_date", "2026-11-20"), ("region", "110101")]), false, "invalid_record", ""),
        ("an existing key is refused", "off-wang", Some("pos-off-wang"), birth("b-1", "110101"), false, "exists", ""),
        ("an unknown registry is refused", "off-wang", Some("pos-off-wang"), insert("dragons", "d-1", &[("name", "x")]), false, "unknown_registry", ""),
        ("a registrar closes a birth record (an error of entry)", "off-wang", Some("pos-off-wang"), Payload::CloseRecord { registry: "births".into(), key: "b-1".into(), reason: "entered twice".into() }, false, "unauthorized", ""),
    ];
    let mut failures = Vec::new();
    for (what, who, position, payload, ok, code, by) in rows {
        let r = chain.run(who, position, payload);
        let got_ok = r.status == TxStatus::Ok;
        let got_code = r.code.clone().unwrap_or_default();
        if got_ok != ok || (!ok && got_code != code) || cited(&r) != by {
            failures.push(format!(
                "{what}: expected {} {code} by `{by}`, got {:?} {got_code} by `{}`: {:?}",
                if ok { "ok" } else { "refused" },
                r.status,
                cited(&r),
                r.error
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // A written record keeps who wrote it, where, and under which law.
    let b1 = schema::record(&chain.state, "births", "b-1")
        .unwrap()
        .unwrap();
    assert_eq!(b1.written.signer.as_str(), "off-wang");
    assert_eq!(b1.written.position.as_deref(), Some("pos-off-wang"));
    assert_eq!(b1.written.height, 1);
    assert_eq!(b1.law.as_str(), "civil-registration-law");
    assert_eq!(b1.citation.as_ref().unwrap().article, "1");
    // The secondary index finds it.
    let idx = schema::index_key("births", "mother", "cit-0001", "b-1");
    assert_eq!(
        govchain_execution::State::get(&chain.state, &idx)
            .unwrap()
            .as_deref(),
        Some(b"b-1".as_slice())
    );
}

fn birth_on(key: &str, date: &str) -> Payload {
    insert(
        "births",
        key,
        &[
            ("child_name", "Baby"),
            ("mother", "cit-0001"),
            ("birth_date", date),
            ("region", "110101"),
        ],
    )
}

#[test]
fn a_dismissed_official_is_refused_from_the_block_after_the_dismissal() {
    let mut chain = Chain::new();
    let r = chain.run("off-chen", Some("pos-off-chen"), licence("l-1"));
    assert_eq!(r.status, TxStatus::Ok, "{:?}", r.error);
    // Another department may not dismiss him; his own may.
    let dismiss = Payload::SetPositionStatus {
        id: "pos-off-chen".into(),
        status: PositionStatus::Ended,
        reason: "dismissed for misconduct".into(),
    };
    let r = chain.run("civil-affairs", None, dismiss.clone());
    assert_eq!(r.code.as_deref(), Some("unauthorized"), "{:?}", r.error);
    let r = chain.run("market-regulation", None, dismiss);
    assert_eq!(r.status, TxStatus::Ok, "{:?}", r.error);
    assert_eq!(cited(&r), "constitution/13");
    let dismissed_at = chain.height;
    // The next block: refused, citing the constitution.
    let r = chain.run("off-chen", Some("pos-off-chen"), licence("l-2"));
    assert_eq!(chain.height, dismissed_at + 1);
    assert_eq!(r.code.as_deref(), Some("unauthorized"), "{:?}", r.error);
    assert_eq!(cited(&r), "constitution/10");
    assert!(
        r.error
            .unwrap()
            .contains("denied by law `constitution` article `10`")
    );
    // An ended position cannot be revived; a new appointment is needed.
    let r = chain.run(
        "market-regulation",
        None,
        Payload::SetPositionStatus {
            id: "pos-off-chen".into(),
            status: PositionStatus::Active,
            reason: "reinstated".into(),
        },
    );
    assert_eq!(r.code.as_deref(), Some("ended"));
    let appoint = |id: &str, department: &str| Payload::Appoint {
        position: Position {
            id: id.into(),
            holder: govchain_demo::id("cit-0003"),
            department: govchain_demo::id(department),
            title: "licensing officer".into(),
            powers: vec!["grant-licence".into()],
            jurisdiction: vec!["110000".into()],
            term_from: 0,
            term_to: Some(100),
        },
    };
    // A district office may not appoint in market regulation; market regulation may.
    let r = chain.run(
        "civil-affairs",
        None,
        appoint("pos-cit-0003", "market-regulation"),
    );
    assert_eq!(r.code.as_deref(), Some("unauthorized"));
    let r = chain.run(
        "market-regulation",
        None,
        appoint("pos-cit-0003", "market-regulation"),
    );
    assert_eq!(r.status, TxStatus::Ok, "{:?}", r.error);
    // Offered, not yet held: the appointee acts in it once they accept it, not before, and
    // the department cannot accept it for them.
    let r = chain.run("cit-0003", Some("pos-cit-0003"), licence("l-3"));
    assert_eq!(r.code.as_deref(), Some("unauthorized"), "{:?}", r.error);
    let accept = Payload::SetPositionStatus {
        id: "pos-cit-0003".into(),
        status: PositionStatus::Active,
        reason: "accepted".into(),
    };
    let r = chain.run("market-regulation", None, accept.clone());
    assert_eq!(r.code.as_deref(), Some("not_holder"), "{:?}", r.error);
    let r = chain.run("cit-0003", None, accept);
    assert_eq!(r.status, TxStatus::Ok, "{:?}", r.error);
    let r = chain.run("cit-0003", Some("pos-cit-0003"), licence("l-3"));
    assert_eq!(r.status, TxStatus::Ok, "{:?}", r.error);
}

#[test]
fn departments_inherit_from_the_departments_registry() {
    // A district office is within the ministry: the ministry's departments registry record
    // gives the district its parent, so a rule about `Department::"civil-affairs"` covers it.
    let chain = Chain::new();
    let rec = schema::record(&chain.state, "departments", "civil-affairs-110101")
        .unwrap()
        .unwrap();
    assert_eq!(
        rec.fields.get("parent"),
        Some(&FieldValue::Text("civil-affairs".into()))
    );
    assert_eq!(
        rec.fields.get("jurisdiction"),
        Some(&FieldValue::List(vec!["110101".into()]))
    );
}

fn person(n: u32, region: &str) -> ImportedRecord {
    ImportedRecord {
        key: format!("imp-{n:06}"),
        fields: fields(&[
            ("name", "Imported Person"),
            ("birth_date", "1990-01-01"),
            ("region", region),
            ("status", "living"),
        ]),
    }
}

#[test]
fn an_import_chunk_loads_whole_or_not_at_all() {
    let mut chain = Chain::new();
    let import = |records: Vec<ImportedRecord>| Payload::ImportRecords {
        registry: "persons".into(),
        records,
    };
    // One malformed record (a bad region) in the middle: the chunk is refused, naming it, and
    // nothing of it is loaded.
    let mut bad = (0..10).map(|n| person(n, "110101")).collect::<Vec<_>>();
    bad[6] = person(6, "11010");
    let r = chain.run("civil-affairs", None, import(bad));
    assert_eq!(r.code.as_deref(), Some("invalid_record"), "{:?}", r.error);
    assert!(
        r.error
            .as_deref()
            .unwrap()
            .starts_with("record 6 (`imp-000006`)"),
        "{:?}",
        r.error
    );
    assert!(
        schema::record(&chain.state, "persons", "imp-000000")
            .unwrap()
            .is_none()
    );
    // A key twice in one chunk is refused too.
    let r = chain.run(
        "civil-affairs",
        None,
        import(vec![person(1, "110101"), person(1, "110102")]),
    );
    assert_eq!(r.code.as_deref(), Some("invalid_record"), "{:?}", r.error);
    // Another department may not load persons.
    let r = chain.run("market-regulation", None, import(vec![person(1, "110101")]));
    assert_eq!(r.code.as_deref(), Some("unauthorized"), "{:?}", r.error);
    // The ministry loads a good chunk, under the article that allows it.
    let good = (0..10).map(|n| person(n, "110102")).collect::<Vec<_>>();
    let r = chain.run("civil-affairs", None, import(good));
    assert_eq!(r.status, TxStatus::Ok, "{:?}", r.error);
    assert_eq!(cited(&r), "civil-registration-law/9");
    let p = schema::record(&chain.state, "persons", "imp-000009")
        .unwrap()
        .unwrap();
    assert_eq!(p.written.signer.as_str(), "civil-affairs");
    assert!(
        govchain_execution::State::get(
            &chain.state,
            &schema::index_key("persons", "region", "110102", "imp-000009")
        )
        .unwrap()
        .is_some()
    );
    // Loading it again is refused: the records exist.
    let r = chain.run("civil-affairs", None, import(vec![person(3, "110102")]));
    assert_eq!(r.code.as_deref(), Some("invalid_record"));
}

#[test]
fn an_organisation_acts_through_its_representative() {
    let mut chain = Chain::new();
    let apply = |key: &str| {
        insert(
            "licence-applications",
            key,
            &[
                ("organisation", "org-0001"),
                ("activity", "bakery"),
                ("region", "110101"),
            ],
        )
    };
    let for_org = |chain: &mut Chain, who: &str, org: &str, p: Payload| {
        chain.run_acting(who, Some(Acting::Organisation(govchain_demo::id(org))), p)
    };
    // cit-0011 represents org-0001 (its registry record says so); cit-0012 does not.
    let r = for_org(&mut chain, "cit-0011", "org-0001", apply("a-1"));
    assert_eq!(r.status, TxStatus::Ok, "{:?}", r.error);
    assert_eq!(cited(&r), "business-licence-law/7");
    let rec = schema::record(&chain.state, "licence-applications", "a-1")
        .unwrap()
        .unwrap();
    assert_eq!(rec.written.signer.as_str(), "cit-0011");
    assert_eq!(
        rec.written.organisation.as_ref().map(|o| o.as_str()),
        Some("org-0001")
    );
    let r = for_org(&mut chain, "cit-0012", "org-0001", apply("a-2"));
    assert_eq!(
        r.code.as_deref(),
        Some("not_representative"),
        "{:?}",
        r.error
    );
    // In their own name the representative may not apply for the organisation.
    let r = chain.run("cit-0011", None, apply("a-3"));
    assert_eq!(r.code.as_deref(), Some("unauthorized"), "{:?}", r.error);
    // An organisation applies only for itself.
    let other = insert(
        "licence-applications",
        "a-4",
        &[
            ("organisation", "org-0002"),
            ("activity", "bakery"),
            ("region", "110101"),
        ],
    );
    let r = for_org(&mut chain, "cit-0011", "org-0001", other);
    assert_eq!(r.code.as_deref(), Some("unauthorized"), "{:?}", r.error);
    // A new representative takes over from the next block: market regulation updates the
    // organisation's record.
    let r = chain.run(
        "off-chen",
        Some("pos-off-chen"),
        Payload::UpdateRecord {
            registry: "organisations".into(),
            key: "org-0001".into(),
            fields: fields(&[("representative", "cit-0012")]),
        },
    );
    assert_eq!(r.status, TxStatus::Ok, "{:?}", r.error);
    let r = for_org(&mut chain, "cit-0011", "org-0001", apply("a-5"));
    assert_eq!(r.code.as_deref(), Some("not_representative"));
    let r = for_org(&mut chain, "cit-0012", "org-0001", apply("a-5"));
    assert_eq!(r.status, TxStatus::Ok, "{:?}", r.error);
}

#[test]
fn a_registry_redefined_by_a_new_version_of_its_law_keeps_old_records_readable() {
    let mut chain = Chain::new();
    // Version 2 of the business licence law adds a `website` field to organisations, from
    // height 3.
    let mut v2 = govchain_demo::business_licence_law();
    v2.version = 2;
    v2.effective_from = 3;
    let orgs = v2
        .registries
        .iter_mut()
        .find(|r| r.name == "organisations")
        .unwrap();
    orgs.fields.push(FieldDef {
        name: "website".into(),
        ty: FieldType::Text { max_len: 200 },
        required: false,
    });
    let r = chain.enact(v2);
    assert_eq!(r.status, TxStatus::Ok, "{:?}", r.error);
    let website = || Payload::UpdateRecord {
        registry: "organisations".into(),
        key: "org-0001".into(),
        fields: fields(&[("website", "https://org-0001.example")]),
    };
    // Height 2: the field does not exist yet.
    let r = chain.run("off-chen", Some("pos-off-chen"), website());
    assert_eq!(r.code.as_deref(), Some("invalid_record"), "{:?}", r.error);
    // Height 3: it does; the new version is written under law version 2.
    let r = chain.run("off-chen", Some("pos-off-chen"), website());
    assert_eq!(r.status, TxStatus::Ok, "{:?}", r.error);
    let now = schema::record(&chain.state, "organisations", "org-0001")
        .unwrap()
        .unwrap();
    assert_eq!(now.law_version, 2);
    assert_eq!(
        now.fields.get("website"),
        Some(&FieldValue::Text("https://org-0001.example".into()))
    );
    // A record not touched since genesis still reads, under the definition it was written with.
    let old = schema::record(&chain.state, "organisations", "org-0002")
        .unwrap()
        .unwrap();
    assert_eq!(old.law_version, 1);
    assert!(!old.fields.contains_key("website"));
}
