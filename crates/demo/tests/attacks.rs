//! Attacks on the demo government, run as real transactions through `apply_block`: an insider
//! department or official, a lower law-making body, a replayed or revoked signature. Each row
//! says who tries what, and the refusal code and the article that decided (empty when no law
//! permits it: default deny); every refusal changes nothing but the signer's nonce. Rows that
//! are allowed show the power each attack reaches for does exist, in the right hands.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    reason = "a test fails loudly"
)]

mod common;

use common::{Chain, enact, expect, key, member_signatures};
use govchain_types::*;

fn pid(s: &str) -> PrincipalId {
    PrincipalId::new(s).unwrap()
}

fn bind(principal: &str, kind: PrincipalKind, new_key: &str) -> Payload {
    Payload::RegisterKey {
        principal: pid(principal),
        kind,
        key: key(new_key).public_key(),
    }
}

fn permit(id: &str, policy: &str) -> Article {
    Article {
        id: id.into(),
        title: format!("article {id}"),
        kind: ArticleKind::Permission {
            policy: policy.into(),
        },
    }
}

/// A bill of `body` at `level` for `jurisdiction`, effective from `from`.
fn bill(
    id: &str,
    level: Level,
    body: &str,
    jurisdiction: &[&str],
    from: u64,
    articles: Vec<Article>,
) -> LawPackage {
    LawPackage {
        id: pid(id),
        version: 1,
        title: format!("bill {id}"),
        level,
        body: pid(body),
        jurisdiction: jurisdiction.iter().map(|s| (*s).to_string()).collect(),
        articles,
        effective_from: from,
        effective_until: None,
        repeals: vec![],
        constitutes: vec![],
        registries: vec![],
        currencies: vec![],
    }
}

fn harmless() -> Vec<Article> {
    vec![permit(
        "1",
        r#"permit (principal is Official, action == Action::"read", resource is Record)
           when { resource.registry == "households" && principal.powers.contains("register-birth") };"#,
    )]
}

fn position(id: &str, holder: &str, department: &str, powers: &[&str], juris: &[&str]) -> Payload {
    Payload::Appoint {
        position: Position {
            id: id.into(),
            holder: pid(holder),
            department: pid(department),
            title: "officer".into(),
            powers: powers.iter().map(|s| (*s).to_string()).collect(),
            jurisdiction: juris.iter().map(|s| (*s).to_string()).collect(),
            term_from: 1,
            term_to: Some(1_000_000),
        },
    }
}

const DENIED: (bool, &str, &str) = (false, "unauthorized", "");

#[test]
fn an_insider_department_cannot_seize_another_principal() {
    let mut chain = Chain::new();
    let c = &mut chain;
    use PrincipalKind::*;
    // The confirmed attack: market regulation binds a key of its own to the legislature and
    // to the treasury, then moves money out of the treasury with it.
    expect(
        c,
        "market regulation binds a key to the legislature",
        "market-regulation",
        None,
        bind("legislature", Legislature, "stolen"),
        DENIED,
    );
    expect(
        c,
        "market regulation binds a key to the treasury",
        "market-regulation",
        None,
        bind("treasury", Department, "stolen"),
        DENIED,
    );
    let r = c.run(
        "stolen",
        None,
        Payload::Transfer {
            currency: "CNY".into(),
            from: None,
            to: pid("org-0001"),
            amount: Amount(100_000_000),
            memo: String::new(),
            reference: String::new(),
        },
    );
    assert_eq!(r.status, TxStatus::Rejected, "{:?}", r.error);
    expect(
        c,
        "market regulation revokes the treasury's key",
        "market-regulation",
        None,
        Payload::RevokeKey {
            principal: pid("treasury"),
            key: key("treasury").public_key(),
        },
        DENIED,
    );
    // Officials and law-makers are out of a department's reach, even in its jurisdiction.
    expect(
        c,
        "civil affairs binds a key to another department's official",
        "civil-affairs",
        None,
        bind("off-chen", Person, "stolen-2"),
        DENIED,
    );
    expect(
        c,
        "civil affairs binds a key to a legislator",
        "civil-affairs",
        None,
        bind("leg-1", Person, "stolen-3"),
        DENIED,
    );
    expect(
        c,
        "market regulation binds a key to a citizen",
        "market-regulation",
        None,
        bind("cit-0003", Person, "stolen-4"),
        DENIED,
    );
    expect(
        c,
        "a district office binds a key to a citizen of another province",
        "civil-affairs-110101",
        None,
        bind("cit-0003", Person, "stolen-5"),
        DENIED,
    );
    expect(
        c,
        "civil affairs creates a principal of a legislator's id",
        "civil-affairs",
        None,
        bind("leg-1", Person, "stolen-6"),
        DENIED,
    );
    // The same powers, where the laws put them.
    expect(
        c,
        "civil affairs binds a key to a citizen in its jurisdiction",
        "civil-affairs",
        None,
        bind("cit-0003", Person, "cit-0003-new"),
        (true, "", "civil-registration-law/10"),
    );
    expect(
        c,
        "market regulation binds a key to an organisation",
        "market-regulation",
        None,
        bind("org-0003", Organisation, "org-0003-new"),
        (true, "", "business-licence-law/9"),
    );
    // Appointing someone gives no hold on their keys: market regulation appoints the central
    // bank's governor to one of its own positions, then tries to bind a key to him (and with it
    // to act in his central-bank position and issue money).
    expect(
        c,
        "market regulation appoints the governor to a position of its own",
        "market-regulation",
        None,
        position(
            "mr-x",
            "off-zhou",
            "market-regulation",
            &["grant-licence"],
            &["110000"],
        ),
        (true, "", "business-licence-law/10"),
    );
    expect(
        c,
        "market regulation then binds a key to the governor",
        "market-regulation",
        None,
        bind("off-zhou", Person, "stolen-7"),
        DENIED,
    );
    expect(
        c,
        "a department binds a key to an official of its own",
        "market-regulation",
        None,
        bind("off-chen", Person, "stolen-8"),
        DENIED,
    );
    let three = ["leg-1", "leg-2", "leg-3"];
    let official = bind("off-chen", Person, "off-chen-new");
    let acting = c.by_members("member-leg-1", "legislature", &three, &official);
    expect(
        c,
        "the legislature, by three of its five members, binds a key to an official",
        "member-leg-1",
        Some(acting),
        official,
        (true, "", "state-organisation-law/2"),
    );
    let treasury = bind("treasury", Department, "treasury-new");
    let acting = c.by_members("member-leg-1", "legislature", &three, &treasury);
    expect(
        c,
        "the legislature, by three of its five members, binds a key to the treasury",
        "member-leg-1",
        Some(acting),
        treasury,
        (true, "", "state-organisation-law/2"),
    );
    expect(
        c,
        "a citizen binds a key to itself",
        "cit-0001",
        None,
        bind("cit-0001", Person, "cit-0001-new"),
        (true, "", "constitution/3"),
    );
}

#[test]
fn appointments_stay_within_the_appointing_departments_powers_and_jurisdiction() {
    let mut chain = Chain::new();
    let c = &mut chain;
    expect(
        c,
        "market regulation appoints a judge",
        "market-regulation",
        None,
        position(
            "p1",
            "cit-0004",
            "market-regulation",
            &["freeze-account"],
            &["110000"],
        ),
        DENIED,
    );
    expect(
        c,
        "market regulation appoints an auditor",
        "market-regulation",
        None,
        position(
            "p2",
            "cit-0004",
            "market-regulation",
            &["audit"],
            &["110000"],
        ),
        DENIED,
    );
    expect(
        c,
        "a district office appoints with nationwide jurisdiction",
        "civil-affairs-110101",
        None,
        position(
            "p3",
            "cit-0004",
            "civil-affairs-110101",
            &["register-birth"],
            &["CN"],
        ),
        (false, "beyond_jurisdiction", ""),
    );
    expect(
        c,
        "market regulation appoints into civil affairs' structure",
        "market-regulation",
        None,
        position(
            "p4",
            "cit-0004",
            "civil-affairs-110101",
            &["register-birth"],
            &["110101"],
        ),
        (false, "unauthorized", "constitution/17"),
    );
    let Payload::Appoint { position: mut open } = position(
        "p5",
        "cit-0004",
        "civil-affairs-110101",
        &["register-birth"],
        &["110101"],
    ) else {
        unreachable!()
    };
    open.term_to = None;
    expect(
        c,
        "an appointment without an end of term",
        "civil-affairs",
        None,
        Payload::Appoint { position: open },
        (false, "unauthorized", "constitution/18"),
    );
    // An end of term at the largest height is no end either; the longest term is 160,000,000
    // blocks.
    for (what, to) in [
        ("an appointment ending at the largest height", u64::MAX - 1),
        (
            "an appointment one block longer than the longest term",
            160_000_002,
        ),
    ] {
        let Payload::Appoint { position: mut long } = position(
            "p5",
            "cit-0004",
            "civil-affairs-110101",
            &["register-birth"],
            &["110101"],
        ) else {
            unreachable!()
        };
        long.term_to = Some(to);
        expect(
            c,
            what,
            "civil-affairs",
            None,
            Payload::Appoint { position: long },
            (false, "unauthorized", "constitution/18"),
        );
    }
    expect(
        c,
        "civil affairs appoints a registrar in a district",
        "civil-affairs",
        None,
        position(
            "p6",
            "cit-0004",
            "civil-affairs-110101",
            &["register-birth"],
            &["110101"],
        ),
        (true, "", "civil-registration-law/11"),
    );
    expect(
        c,
        "the central bank appoints a governor",
        "central-bank",
        None,
        position(
            "p7",
            "cit-0007",
            "central-bank",
            &["issue-currency"],
            &["CN"],
        ),
        (true, "", "currency-law/7"),
    );
    // A department with a jurisdiction of one district cannot reach beyond it.
    expect(
        c,
        "a district office appoints for the province",
        "civil-affairs-110101",
        None,
        position(
            "p8",
            "cit-0004",
            "civil-affairs-110101",
            &["register-birth"],
            &["110000"],
        ),
        (false, "beyond_jurisdiction", ""),
    );
}

#[test]
fn a_lower_body_cannot_touch_a_higher_law() {
    let mut chain = Chain::new();
    let c = &mut chain;
    let board = |l: &LawPackage| enact(l, &["off-zhao"]);
    let council = |l: &LawPackage| enact(l, &["council-1", "council-2"]);
    let from = c.height + 5;
    // The confirmed attack: the civil affairs board repeals the constitution.
    let mut repeal = bill(
        "board-rule",
        Level::Department,
        "civil-affairs-board",
        &["110000"],
        from,
        harmless(),
    );
    repeal.repeals = vec![pid("constitution")];
    expect(
        c,
        "a department board repeals the constitution",
        "civil-affairs",
        None,
        board(&repeal),
        (false, "unauthorized", "constitution/16"),
    );
    // ... and replaces a national law by a department rule of its own.
    let mut v2 = govchain_demo::civil_registration_law();
    v2.version = 2;
    v2.level = Level::Department;
    v2.body = pid("civil-affairs-board");
    v2.jurisdiction = vec!["110000".into()];
    v2.effective_from = from;
    expect(
        c,
        "a department board replaces a national law",
        "civil-affairs",
        None,
        board(&v2),
        (false, "unauthorized", "constitution/16"),
    );
    // A department makes a national registry public by defining it anew.
    let mut public = bill(
        "open-data",
        Level::Department,
        "civil-affairs-board",
        &["110000"],
        from,
        harmless(),
    );
    let mut persons = govchain_demo::civil_registration_law()
        .registries
        .into_iter()
        .find(|r| r.name == "persons")
        .unwrap();
    persons.sensitivity = Sensitivity::Public;
    public.registries = vec![persons];
    expect(
        c,
        "a department makes the national persons registry public",
        "civil-affairs",
        None,
        board(&public),
        (false, "unauthorized", "constitution/16"),
    );
    // A regional council amends a national law.
    let mut subsidy = govchain_demo::child_subsidy_law();
    subsidy.version = 2;
    subsidy.level = Level::Regional;
    subsidy.body = pid("council-110000");
    subsidy.jurisdiction = vec!["110000".into()];
    subsidy.effective_from = from;
    expect(
        c,
        "a regional council amends a national law",
        "civil-affairs",
        None,
        council(&subsidy),
        (false, "unauthorized", "constitution/16"),
    );
    // A regional council enacts outside its region.
    let outside = bill(
        "shanghai-rule",
        Level::Regional,
        "council-110000",
        &["310000"],
        from,
        harmless(),
    );
    expect(
        c,
        "a regional council enacts for another province",
        "civil-affairs",
        None,
        council(&outside),
        DENIED,
    );
    // A repeal of something that is no law.
    let mut ghost = bill(
        "ghost",
        Level::National,
        "legislature",
        &[],
        from,
        harmless(),
    );
    ghost.repeals = vec![pid("no-such-law")];
    expect(
        c,
        "a bill repeals a law that does not exist",
        "legislature",
        None,
        enact(&ghost, &["leg-1", "leg-2", "leg-3"]),
        (false, "unknown_law", ""),
    );
    // A lower law cannot grant law-making powers: the board's own rule gives it the power to
    // enact regional laws, and the rule is enacted, but it never counts.
    let from = c.height + 3;
    let grab = bill(
        "board-powers",
        Level::Department,
        "civil-affairs-board",
        &["110000"],
        from,
        vec![permit(
            "1",
            r#"permit (principal is Body, action == Action::"enact", resource is Law);"#,
        )],
    );
    expect(
        c,
        "a department board enacts a rule granting itself law-making powers",
        "civil-affairs",
        None,
        board(&grab),
        (true, "", "constitution/6"),
    );
    while c.height < from {
        c.run(
            "cit-0001",
            None,
            bind("cit-0001", PrincipalKind::Person, &format!("k{}", c.height)),
        );
    }
    let regional = bill(
        "board-regional",
        Level::Regional,
        "civil-affairs-board",
        &["110000"],
        c.height + 2,
        harmless(),
    );
    expect(
        c,
        "the board then enacts a regional law under its own rule",
        "civil-affairs",
        None,
        board(&regional),
        DENIED,
    );
    // The powers the attacks reached for, where the constitution puts them.
    let mut own = bill(
        "board-rule-2",
        Level::Department,
        "civil-affairs-board",
        &["110000"],
        c.height + 2,
        harmless(),
    );
    own.repeals = vec![pid("board-powers")];
    expect(
        c,
        "the board repeals its own rule",
        "civil-affairs",
        None,
        board(&own),
        (true, "", "constitution/6"),
    );
    let mut national = govchain_demo::child_subsidy_law();
    national.version = 2;
    national.effective_from = c.height + 2;
    expect(
        c,
        "the legislature amends a national law",
        "legislature",
        None,
        enact(&national, &["leg-1", "leg-2", "leg-3"]),
        (true, "", "constitution/4"),
    );
}

#[test]
fn pending_laws_are_checked_together_at_every_height_they_change() {
    let mut chain = Chain::new();
    let c = &mut chain;
    let registry = common::registry_def;
    let legislature = ["leg-1", "leg-2", "leg-3"];
    // Law A defines `fishing-permits` from height 100; law B defines it too, from 50. Checked
    // only at its own height, B was enacted and every node stopped at 100.
    let mut a = bill(
        "fishing-law",
        Level::National,
        "legislature",
        &[],
        100,
        harmless(),
    );
    a.registries = vec![registry("fishing-permits")];
    expect(
        c,
        "law A, effective at 100",
        "legislature",
        None,
        enact(&a, &legislature),
        (true, "", "constitution/4"),
    );
    let mut b = bill(
        "angling-law",
        Level::National,
        "legislature",
        &[],
        50,
        harmless(),
    );
    b.registries = vec![registry("fishing-permits")];
    let r = expect(
        c,
        "law B defines the same registry, effective at 50",
        "legislature",
        None,
        enact(&b, &legislature),
        (false, "invalid_bill", ""),
    );
    assert!(r.error.unwrap().contains("from height 100"));
    // B that repeals A from 50 on is fine: nothing defines the registry twice at any height.
    b.repeals = vec![pid("fishing-law")];
    expect(
        c,
        "law B repealing A",
        "legislature",
        None,
        enact(&b, &legislature),
        (true, "", "constitution/4"),
    );
    // A registry law that lapses at 40: another law may define the registry after the lapse,
    // not while the first is still in force.
    let mut lapsing = bill(
        "fixed-term-law",
        Level::National,
        "legislature",
        &[],
        20,
        harmless(),
    );
    lapsing.registries = vec![registry("boat-permits")];
    lapsing.effective_until = Some(40);
    expect(
        c,
        "a registry law that lapses at 40",
        "legislature",
        None,
        enact(&lapsing, &legislature),
        (true, "", "constitution/4"),
    );
    let mut early = bill(
        "boat-law",
        Level::National,
        "legislature",
        &[],
        30,
        harmless(),
    );
    early.registries = vec![registry("boat-permits")];
    let r = expect(
        c,
        "a law defining it from 30",
        "legislature",
        None,
        enact(&early, &legislature),
        (false, "invalid_bill", ""),
    );
    assert!(r.error.unwrap().contains("from height 30"));
    early.effective_from = 45;
    expect(
        c,
        "the same law from 45, after the lapse",
        "legislature",
        None,
        enact(&early, &legislature),
        (true, "", "constitution/4"),
    );
}

#[test]
fn bill_and_interpretation_signatures_bind_the_chain() {
    let mut chain = Chain::new();
    let c = &mut chain;
    let law = bill(
        "chain-bound",
        Level::National,
        "legislature",
        &[],
        10,
        harmless(),
    );
    let other = govchain_law::bill_signing_bytes("another-chain", Scheme::Ed25519, &law);
    let replayed = Payload::EnactLaw {
        law: law.clone(),
        signatures: member_signatures(&other, &["leg-1", "leg-2", "leg-3"]),
    };
    expect(
        c,
        "a bill signed for another chain",
        "legislature",
        None,
        replayed,
        (false, "not_enacted", ""),
    );
    let i = Interpretation {
        id: "2026-1".into(),
        law: pid("constitution"),
        articles: vec!["10".into()],
        title: "on terms".into(),
        text: "A suspended position is not active.".into(),
        body: pid("legislature"),
    };
    let other = govchain_law::interpretation_signing_bytes("another-chain", Scheme::Ed25519, &i);
    expect(
        c,
        "an interpretation signed for another chain",
        "legislature",
        None,
        Payload::Interpret {
            interpretation: i.clone(),
            signatures: member_signatures(&other, &["leg-1", "leg-2", "leg-3"]),
        },
        (false, "not_recorded", ""),
    );
}

#[test]
fn a_revoked_legislators_signature_no_longer_counts() {
    let mut chain = Chain::new();
    let c = &mut chain;
    let revoke = Payload::RevokeKey {
        principal: pid("leg-1"),
        key: key("member-leg-1").public_key(),
    };
    let acting = c.by_members(
        "member-leg-2",
        "legislature",
        &["leg-2", "leg-3", "leg-4"],
        &revoke,
    );
    expect(
        c,
        "the legislature, by three members, revokes leg-1's key",
        "member-leg-2",
        Some(acting),
        revoke,
        (true, "", "state-organisation-law/2"),
    );
    let law = bill(
        "after-revocation",
        Level::National,
        "legislature",
        &[],
        c.height + 5,
        harmless(),
    );
    expect(
        c,
        "a bill signed with the revoked key",
        "legislature",
        None,
        enact(&law, &["leg-1", "leg-2", "leg-3"]),
        (false, "not_enacted", ""),
    );
    expect(
        c,
        "the same bill signed by three members in office",
        "legislature",
        None,
        enact(&law, &["leg-2", "leg-3", "leg-4"]),
        (true, "", "constitution/4"),
    );
}

fn imported(key: &str, region: &str) -> ImportedRecord {
    let text = |s: &str| FieldValue::Text(s.into());
    ImportedRecord {
        key: key.into(),
        fields: [
            ("name", text("Imported Person")),
            ("birth_date", text("1990-01-01")),
            ("region", text(region)),
            ("status", text("living")),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect(),
    }
}

#[test]
fn an_import_is_decided_for_every_region_its_records_are_in() {
    let mut chain = Chain::new();
    let c = &mut chain;
    let import = |records: Vec<ImportedRecord>| Payload::ImportRecords {
        registry: "persons".into(),
        records,
    };
    // A district office may load persons (the law names the ministry and its offices), but
    // only of its own district: one record of another province refuses the chunk.
    expect(
        c,
        "a district office loads a chunk with a person of another province",
        "civil-affairs-110101",
        None,
        import(vec![
            imported("imp-1", "110101"),
            imported("imp-2", "310101"),
        ]),
        (false, "unauthorized", "constitution/20"),
    );
    expect(
        c,
        "a district office loads persons of its district",
        "civil-affairs-110101",
        None,
        import(vec![
            imported("imp-1", "110101"),
            imported("imp-3", "110101"),
        ]),
        (true, "", "civil-registration-law/9"),
    );
    expect(
        c,
        "the ministry loads persons of every region",
        "civil-affairs",
        None,
        import(vec![
            imported("imp-4", "110102"),
            imported("imp-5", "310101"),
        ]),
        (true, "", "civil-registration-law/9"),
    );
}

#[test]
fn a_person_a_pending_law_seats_on_a_body_is_out_of_a_departments_reach() {
    let mut chain = Chain::new();
    let c = &mut chain;
    // The legislature reconstitutes the council with a citizen, from a later height.
    let mut council = govchain_demo::bodies(|m| key(&format!("member-{m}")).public_key())
        .into_iter()
        .find(|b| b.id.as_str() == "council-110000")
        .unwrap();
    council.members.push(BodyMember {
        id: pid("cit-0005"),
        key: key("cit-0005").public_key(),
    });
    let mut reform = bill(
        "council-reform",
        Level::National,
        "legislature",
        &[],
        c.height + 10,
        harmless(),
    );
    reform.constitutes = vec![council];
    expect(
        c,
        "the legislature seats cit-0005 on the council from a later height",
        "legislature",
        None,
        enact(&reform, &["leg-1", "leg-2", "leg-3"]),
        (true, "", "constitution/4"),
    );
    // Before the law takes effect, civil affairs may not plant a key on the future member.
    expect(
        c,
        "civil affairs binds a key to the council's future member",
        "civil-affairs",
        None,
        bind("cit-0005", PrincipalKind::Person, "planted"),
        DENIED,
    );
    expect(
        c,
        "civil affairs binds a key to another citizen",
        "civil-affairs",
        None,
        bind("cit-0008", PrincipalKind::Person, "cit-0008-new"),
        (true, "", "civil-registration-law/10"),
    );
}

#[test]
fn a_board_cannot_redefine_who_is_who_nor_use_up_the_room_of_others() {
    let mut chain = Chain::new();
    let c = &mut chain;
    let board = |l: &LawPackage| enact(l, &["off-zhao"]);
    // A department's rule defining a second registry of departments, whose records would give
    // departments their jurisdictions and parents (a name that sorts before `departments`).
    let mut fake = govchain_demo::state_organisation_law().registries[0].clone();
    fake.name = "a-departments".into();
    fake.department = pid("civil-affairs");
    let mut rule = bill(
        "board-regs",
        Level::Department,
        "civil-affairs-board",
        &["110000"],
        c.height + 5,
        harmless(),
    );
    rule.registries = vec![fake.clone()];
    let r = expect(
        c,
        "a board defines a registry of departments",
        "civil-affairs",
        None,
        board(&rule),
        (false, "invalid_bill", ""),
    );
    assert!(r.error.unwrap().contains("only a national law"));
    // Not even the legislature defines a second registry of one kind of principal.
    let mut national = bill(
        "second-register",
        Level::National,
        "legislature",
        &[],
        c.height + 5,
        harmless(),
    );
    national.registries = vec![fake];
    let r = expect(
        c,
        "a second registry of departments",
        "legislature",
        None,
        enact(&national, &["leg-1", "leg-2", "leg-3"]),
        (false, "invalid_bill", ""),
    );
    assert!(r.error.unwrap().contains("holds Department principals"));
    // A board's pending enactments are capped; the legislature's room is its own.
    let far = 1_000_000;
    for i in 0..govchain_execution::MAX_PENDING_PER_BODY as u64 {
        let mut l = bill(
            &format!("filler-{i}"),
            Level::Department,
            "civil-affairs-board",
            &["110000"],
            far - 2 * i,
            harmless(),
        );
        l.effective_until = Some(far - 2 * i + 1);
        expect(
            c,
            "a board schedules a rule far ahead",
            "civil-affairs",
            None,
            board(&l),
            (true, "", "constitution/6"),
        );
    }
    let one_more = bill(
        "filler-x",
        Level::Department,
        "civil-affairs-board",
        &["110000"],
        c.height + 5,
        harmless(),
    );
    expect(
        c,
        "one more from the board",
        "civil-affairs",
        None,
        board(&one_more),
        (false, "too_many_pending", ""),
    );
    let mut repeal = bill(
        "board-cleanup",
        Level::National,
        "legislature",
        &[],
        c.height + 5,
        harmless(),
    );
    repeal.repeals = vec![pid("filler-0")];
    expect(
        c,
        "the legislature still enacts, and repeals the board's rule",
        "legislature",
        None,
        enact(&repeal, &["leg-1", "leg-2", "leg-3"]),
        (true, "", "constitution/4"),
    );
}

#[test]
fn a_member_cannot_make_its_bodys_signatures_costly_to_check() {
    let mut chain = Chain::new();
    let c = &mut chain;
    // off-zhao holds two keys in force (its own and its member key); each signature of the
    // board is tried against every key in force, so their number is bounded.
    let max = govchain_execution::MAX_KEYS_IN_FORCE;
    for i in 2..max {
        expect(
            c,
            "off-zhao binds another key to itself",
            "off-zhao",
            None,
            bind("off-zhao", PrincipalKind::Person, &format!("zhao-{i}")),
            (true, "", "constitution/3"),
        );
    }
    expect(
        c,
        "one key more than the most in force",
        "off-zhao",
        None,
        bind("off-zhao", PrincipalKind::Person, "zhao-extra"),
        (false, "too_many_keys", ""),
    );
    expect(
        c,
        "after revoking one, a new key binds",
        "off-zhao",
        None,
        Payload::RevokeKey {
            principal: pid("off-zhao"),
            key: key("zhao-2").public_key(),
        },
        (true, "", "constitution/3"),
    );
    c.run(
        "cit-0001",
        None,
        bind("cit-0001", PrincipalKind::Person, "filler-block"),
    );
    expect(
        c,
        "a key binds once one is revoked",
        "off-zhao",
        None,
        bind("off-zhao", PrincipalKind::Person, "zhao-extra"),
        (true, "", "constitution/3"),
    );
}

/// The legislature is its members: whoever holds the `legislature` principal's key can submit
/// bills and interpretations (which carry the members' own signatures) and nothing else; every
/// other act in its name carries the signatures of its threshold of members, with their keys in
/// force, over that very transaction (chain, submitter, nonce, expiry, payload).
#[test]
fn the_legislature_acts_only_by_its_members() {
    let mut chain = Chain::new();
    let c = &mut chain;
    use PrincipalKind::*;
    let validators = Payload::UpdateValidators {
        validators: vec![GenesisValidator {
            name: pid("civil-affairs"),
            key: key("usurper-validator").public_key(),
            power: 1,
        }],
        effective_height: 1_000,
    };
    expect(
        c,
        "the legislature's key alone replaces the validators",
        "legislature",
        None,
        validators.clone(),
        (false, "members_required", ""),
    );
    expect(
        c,
        "the legislature's key alone binds a key to the treasury",
        "legislature",
        None,
        bind("treasury", Department, "stolen"),
        (false, "members_required", ""),
    );
    expect(
        c,
        "the legislature's key alone keeps the register of departments",
        "legislature",
        None,
        Payload::CloseRecord {
            registry: "departments".into(),
            key: "treasury".into(),
            reason: "abolished".into(),
        },
        (false, "members_required", ""),
    );
    let treasury = bind("treasury", Department, "treasury-new");
    let two = c.by_members(
        "member-leg-1",
        "legislature",
        &["leg-1", "leg-2"],
        &treasury,
    );
    expect(
        c,
        "two of five members (the threshold is three)",
        "member-leg-1",
        Some(two),
        treasury.clone(),
        (false, "not_approved", ""),
    );
    let with_councillor = c.by_members(
        "member-leg-1",
        "legislature",
        &["leg-1", "leg-2", "council-1"],
        &treasury,
    );
    expect(
        c,
        "two members and a member of another body",
        "member-leg-1",
        Some(with_councillor),
        treasury.clone(),
        (false, "not_approved", ""),
    );
    let for_official = bind("off-chen", Person, "off-chen-new");
    let signed_for_other = c.by_members(
        "member-leg-1",
        "legislature",
        &["leg-1", "leg-2", "leg-3"],
        &for_official,
    );
    expect(
        c,
        "three members' signatures over another act, sent with this one",
        "member-leg-1",
        Some(signed_for_other),
        treasury.clone(),
        (false, "not_approved", ""),
    );
    let council = c.by_members(
        "member-council-1",
        "council-110000",
        &["council-1", "council-2"],
        &treasury,
    );
    expect(
        c,
        "a council in its own name (a body that is no principal)",
        "member-council-1",
        Some(council),
        treasury.clone(),
        (false, "not_approved", ""),
    );
    // Three members, carried by any registered key: a citizen's.
    let acting = c.by_members(
        "cit-0001",
        "legislature",
        &["leg-3", "leg-4", "leg-5"],
        &treasury,
    );
    expect(
        c,
        "three members, submitted by a citizen's key",
        "cit-0001",
        Some(acting.clone()),
        treasury,
        (true, "", "state-organisation-law/2"),
    );
    // The same signatures again: they were for the nonce just used.
    let again = bind("treasury", Department, "treasury-newer");
    expect(
        c,
        "the same members' signatures replayed on the next transaction",
        "cit-0001",
        Some(acting),
        again,
        (false, "not_approved", ""),
    );
    let acting = c.by_members(
        "member-leg-5",
        "legislature",
        &["leg-1", "leg-3", "leg-5"],
        &validators,
    );
    expect(
        c,
        "the legislature, by three members, replaces the validators",
        "member-leg-5",
        Some(acting),
        validators,
        (true, "", "constitution/1"),
    );
}

fn status(id: &str, to: PositionStatus, reason: &str) -> Payload {
    Payload::SetPositionStatus {
        id: id.into(),
        status: to,
        reason: reason.into(),
    }
}

/// Nobody is put in office without consent: an appointment is an offer, which the person, and
/// only the person, accepts or declines; until then it confers nothing. The holder may resign;
/// getting back in after a suspension is the department's, as the laws say.
#[test]
fn a_position_is_held_only_with_its_holders_consent() {
    let mut chain = Chain::new();
    let c = &mut chain;
    let registrar = |id: &str, who: &str| {
        position(
            id,
            who,
            "civil-affairs-110101",
            &["register-birth"],
            &["110101"],
        )
    };
    let birth = |key: &str| Payload::InsertRecord {
        registry: "births".into(),
        key: key.into(),
        fields: [
            ("child_name", "Baby"),
            ("mother", "cit-0001"),
            ("birth_date", "2026-11-20"),
            ("region", "110101"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), FieldValue::Text(v.into())))
        .collect(),
    };
    let in_p = || Some(Acting::Position("p1".into()));
    expect(
        c,
        "civil affairs appoints cit-0004 a registrar: an offer",
        "civil-affairs",
        None,
        registrar("p1", "cit-0004"),
        (true, "", "civil-registration-law/11"),
    );
    expect(
        c,
        "the appointee acts in an offered position",
        "cit-0004",
        in_p(),
        birth("b-1"),
        (false, "unauthorized", "constitution/10"),
    );
    expect(
        c,
        "the department accepts the offer for them",
        "civil-affairs",
        None,
        status("p1", PositionStatus::Active, "accepted"),
        (false, "not_holder", ""),
    );
    expect(
        c,
        "another person accepts it",
        "cit-0005",
        None,
        status("p1", PositionStatus::Active, "accepted"),
        (false, "not_holder", ""),
    );
    expect(
        c,
        "the district office suspends the offer, to reinstate it later",
        "civil-affairs-110101",
        None,
        status("p1", PositionStatus::Suspended, "pending"),
        (false, "not_holder", ""),
    );
    expect(
        c,
        "the appointee accepts",
        "cit-0004",
        None,
        status("p1", PositionStatus::Active, "accepted"),
        (true, "", ""),
    );
    expect(
        c,
        "then registers a birth in it",
        "cit-0004",
        in_p(),
        birth("b-1"),
        (true, "", "civil-registration-law/1"),
    );
    expect(
        c,
        "the district office suspends the registrar",
        "civil-affairs-110101",
        None,
        status("p1", PositionStatus::Suspended, "inquiry"),
        (true, "", "constitution/13"),
    );
    expect(
        c,
        "the suspended registrar reinstates themself",
        "cit-0004",
        None,
        status("p1", PositionStatus::Active, "reinstated"),
        (false, "unauthorized", ""),
    );
    expect(
        c,
        "the suspended registrar resigns",
        "cit-0004",
        None,
        status("p1", PositionStatus::Ended, "resigned"),
        (true, "", ""),
    );
    expect(
        c,
        "civil affairs offers cit-0005 a position",
        "civil-affairs",
        None,
        registrar("p2", "cit-0005"),
        (true, "", "civil-registration-law/11"),
    );
    expect(
        c,
        "cit-0005 declines",
        "cit-0005",
        None,
        status("p2", PositionStatus::Ended, "declined"),
        (true, "", ""),
    );
    expect(
        c,
        "civil affairs offers cit-0006 a position and withdraws it",
        "civil-affairs",
        None,
        registrar("p3", "cit-0006"),
        (true, "", "civil-registration-law/11"),
    );
    expect(
        c,
        "the offer withdrawn by the district office",
        "civil-affairs-110101",
        None,
        status("p3", PositionStatus::Ended, "withdrawn"),
        (true, "", "constitution/13"),
    );
    expect(
        c,
        "a declined offer cannot be accepted later",
        "cit-0005",
        None,
        status("p2", PositionStatus::Active, "accepted after all"),
        (false, "ended", ""),
    );
}

/// A repeal ends the versions of a law enacted before it, not one enacted after it: a law
/// repealed and later enacted anew is in force again (a repeal once killed every later version,
/// so the new one was enacted and never took effect).
#[test]
fn a_law_repealed_and_enacted_anew_is_in_force() {
    let mut chain = Chain::new();
    let c = &mut chain;
    let three = ["leg-1", "leg-2", "leg-3"];
    let start = c.height;
    let v1 = bill(
        "tide-law",
        Level::National,
        "legislature",
        &[],
        start + 5,
        harmless(),
    );
    let mut repeal = bill(
        "tide-repeal",
        Level::National,
        "legislature",
        &[],
        start + 10,
        harmless(),
    );
    repeal.repeals = vec![pid("tide-law")];
    let mut v2 = v1.clone();
    v2.version = 2;
    v2.effective_from = start + 20;
    for (what, law) in [
        ("tide-law version 1", &v1),
        ("a law repealing it", &repeal),
        ("tide-law enacted anew", &v2),
    ] {
        expect(
            c,
            what,
            "legislature",
            None,
            enact(law, &three),
            (true, "", "constitution/4"),
        );
    }
    let index = govchain_execution::schema::law_index(&c.state).unwrap();
    let version_in_force = |h: u64| {
        index
            .iter()
            .filter(|l| l.id.as_str() == "tide-law" && govchain_execution::in_force(l, h, &index))
            .map(|l| l.version)
            .collect::<Vec<_>>()
    };
    assert_eq!(version_in_force(start + 6), vec![1]);
    assert_eq!(version_in_force(start + 12), Vec::<u32>::new(), "repealed");
    assert_eq!(version_in_force(start + 21), vec![2], "enacted anew");
    assert!(c.laws.at(&c.state, start + 21).is_ok());
    // The law's history says the same: version 1 repealed, version 2 not.
    let history = govchain_execution::history(&c.state, &pid("tide-law")).unwrap();
    let ended: Vec<Option<String>> = history
        .iter()
        .map(|v| v.ended.as_ref().map(|e| e.how.clone()))
        .collect();
    assert_eq!(
        ended,
        vec![
            Some("repealed by law `tide-repeal` version 1".to_string()),
            None
        ],
        "{history:?}"
    );
}
