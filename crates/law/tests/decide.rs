//! The authorization function over sample laws: a permission table with citations, the legal
//! hierarchy, jurisdiction, refusals of bad articles, and agreement of the indexed buckets with
//! the whole body of law.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    reason = "a test fails loudly"
)]

use govchain_law::*;
use govchain_types::{Article, ArticleKind, LawPackage, Level, PrincipalId};
use proptest::prelude::*;

fn law(id: &str, level: Level, jurisdiction: &[&str], articles: &[(&str, &str)]) -> LawPackage {
    LawPackage {
        id: PrincipalId::new(id).unwrap(),
        version: 1,
        title: format!("the {id}"),
        level,
        body: PrincipalId::new("legislature").unwrap(),
        jurisdiction: jurisdiction.iter().map(|s| s.to_string()).collect(),
        articles: articles
            .iter()
            .map(|(a, text)| Article {
                id: a.to_string(),
                title: format!("article {a}"),
                kind: ArticleKind::Permission {
                    policy: text.to_string(),
                },
            })
            .collect(),
        effective_from: 0,
        effective_until: None,
        repeals: vec![],
        constitutes: vec![],
        registries: vec![],
        currencies: vec![],
    }
}

fn laws() -> Vec<LawPackage> {
    vec![
        law(
            "constitution",
            Level::Constitution,
            &[],
            &[
                (
                    "1",
                    r#"permit (principal is Legislature, action == Action::"change-validators", resource);"#,
                ),
                (
                    "2",
                    r#"permit (principal, action in [Action::"create-principal", Action::"manage-keys"], resource is Principal)
                     when { principal has authority && principal.authority };"#,
                ),
                (
                    "3",
                    r#"permit (principal, action == Action::"manage-keys", resource is Principal) when { principal in resource };"#,
                ),
                (
                    "4",
                    r#"forbid (principal is Official, action, resource) unless { principal.status == "active" && principal.term_from <= context.height && context.height < principal.term_to };"#,
                ),
            ],
        ),
        law(
            "national-registry-law",
            Level::National,
            &[],
            &[
                (
                    "7",
                    r#"permit (principal is Official, action == Action::"create-principal", resource is Principal) when { principal.powers.contains("register-birth") && resource.kind == "person" };"#,
                ),
                (
                    "8",
                    r#"forbid (principal is Person, action == Action::"create-principal", resource);"#,
                ),
            ],
        ),
        law(
            "regional-regulation-110000",
            Level::Regional,
            &["110000"],
            &[
                // Tries to take away what the constitution grants: a lower forbid cannot.
                (
                    "1",
                    r#"forbid (principal is Department, action == Action::"manage-keys", resource) when { resource.kind == "organisation" };"#,
                ),
                // Tries to permit what a national law forbids: it cannot.
                (
                    "2",
                    r#"permit (principal is Person, action == Action::"create-principal", resource);"#,
                ),
            ],
        ),
    ]
}

fn book() -> LawBook {
    LawBook::compile(&laws(), base_schema().unwrap()).unwrap()
}

fn person(id: &str, authority: bool) -> EntityData {
    EntityData::new(EntityRef::new("Person", id))
        .attr("region", Value::str("110101"))
        .attr("authority", Value::Bool(authority))
        .parent(EntityRef::new("Principal", id))
}

fn department(id: &str, authority: bool) -> EntityData {
    EntityData::new(EntityRef::new("Department", id))
        .attr("jurisdiction", Value::strs(["110000"]))
        .attr("authority", Value::Bool(authority))
        .parent(EntityRef::new("Principal", id))
}

fn legislature() -> EntityData {
    EntityData::new(EntityRef::new("Legislature", "legislature"))
        .attr("authority", Value::Bool(true))
        .parent(EntityRef::new("Principal", "legislature"))
}

fn official(id: &str, status: &str, term_to: i64) -> EntityData {
    EntityData::new(EntityRef::new("Official", id))
        .attr("powers", Value::strs(["register-birth"]))
        .attr("jurisdiction", Value::strs(["110101"]))
        .attr("term_from", Value::Long(0))
        .attr("term_to", Value::Long(term_to))
        .attr("status", Value::str(status))
        .parent(EntityRef::new("Department", "civil-affairs-110101"))
        .parent(EntityRef::new("Principal", id))
}

fn principal_record(id: &str, kind: &str) -> EntityData {
    EntityData::new(EntityRef::new("Principal", id))
        .attr("kind", Value::str(kind))
        .attr("exists", Value::Bool(true))
}

fn request(
    principal: EntityData,
    action: &str,
    resource: EntityData,
    region: Option<&str>,
) -> AuthRequest {
    AuthRequest {
        principal,
        action: action.into(),
        resource,
        height: 100,
        via_contract: None,
        amount: 0,
        counterparty: String::new(),
        region: region.map(str::to_string),
        others: vec![],
    }
}

fn cite(law: &str, article: &str) -> Option<(String, String)> {
    Some((law.to_string(), article.to_string()))
}

/// (what, request, allowed, decided by (law, article))
type Row = (&'static str, AuthRequest, bool, Option<(String, String)>);

#[test]
fn permission_table_with_citations() {
    let b = book();
    let validators = EntityData::new(EntityRef::new("ValidatorSet", "current"));
    #[rustfmt::skip]
    let table: Vec<Row> = vec![
        ("the legislature changes validators", request(legislature(), "change-validators", validators.clone(), None), true, cite("constitution", "1")),
        ("a department cannot change validators", request(department("civil-affairs", true), "change-validators", validators.clone(), None), false, None),
        ("an authority creates a person", request(department("civil-affairs", true), "create-principal", principal_record("cit-0001", "person"), None), true, cite("constitution", "2")),
        ("a non-authority department cannot", request(department("hospital-110101", false), "create-principal", principal_record("cit-0001", "person"), None), false, None),
        ("a citizen manages its own keys", request(person("cit-0001", false), "manage-keys", principal_record("cit-0001", "person"), None), true, cite("constitution", "3")),
        ("but not another's", request(person("cit-0001", false), "manage-keys", principal_record("cit-0002", "person"), None), false, None),
        ("a registrar in office registers a birth", request(official("off-wang", "active", 1000), "create-principal", principal_record("cit-0101", "person"), Some("110101")), true, cite("national-registry-law", "7")),
        ("a dismissed registrar cannot", request(official("off-chen", "ended", 1000), "create-principal", principal_record("cit-0101", "person"), Some("110101")), false, cite("constitution", "4")),
        ("a registrar past term cannot", request(official("off-wang", "active", 50), "create-principal", principal_record("cit-0101", "person"), Some("110101")), false, cite("constitution", "4")),
        ("a registrar cannot create organisations", request(official("off-wang", "active", 1000), "create-principal", principal_record("org-0001", "organisation"), Some("110101")), false, None),
    ];
    for (what, req, allowed, by) in table {
        let d = b.decide(&req).unwrap();
        assert_eq!(d.allowed, allowed, "{what}: {d}");
        let got = d
            .decided_by
            .as_ref()
            .map(|c| (c.law.to_string(), c.article.clone()));
        assert_eq!(got, by, "{what}: {d}");
        assert_eq!(
            d,
            b.decide_whole(&req).unwrap(),
            "{what}: the bucket and the whole book disagree"
        );
    }
}

#[test]
fn the_hierarchy_and_jurisdiction() {
    let b = book();
    // A national forbid beats a regional permit (a lower law cannot permit what a higher forbids).
    let d = b
        .decide(&request(
            person("cit-0001", false),
            "create-principal",
            principal_record("x", "person"),
            Some("110101"),
        ))
        .unwrap();
    assert!(!d.allowed);
    assert_eq!(d.decided_by.unwrap().law.as_str(), "national-registry-law");
    assert_eq!(
        d.permits.len(),
        1,
        "the regional permit applied but did not prevail"
    );
    // A regional forbid cannot take away what the constitution grants.
    let req = request(
        department("civil-affairs", true),
        "manage-keys",
        principal_record("org-0007", "organisation"),
        Some("110101"),
    );
    let d = b.decide(&req).unwrap();
    assert!(d.allowed, "{d}");
    assert_eq!(d.forbids.len(), 1);
    assert_eq!(d.decided_by.unwrap().level, Level::Constitution);
    // Outside its region the regional law does not apply at all.
    let mut req = req;
    req.region = Some("310101".into());
    assert!(b.decide(&req).unwrap().forbids.is_empty());
    assert!(
        covers("110000", "110101") && covers("110100", "110101") && !covers("110000", "310101")
    );
}

#[test]
fn bad_articles_are_refused_with_their_citation() {
    let deep = format!(
        "permit (principal, action, resource) when {{ {}true{} }};",
        "(".repeat(40),
        ")".repeat(40)
    );
    let cases = vec![
        (
            "does not parse",
            r#"permit (principal, action, resource) when { "#,
        ),
        (
            "unknown attribute",
            r#"permit (principal is Person, action == Action::"manage-keys", resource) when { principal.rank == 1 };"#,
        ),
        (
            "unknown action",
            r#"permit (principal, action == Action::"fly", resource);"#,
        ),
        (
            "wrong resource for the action",
            r#"permit (principal, action == Action::"enact", resource is Principal);"#,
        ),
        ("too deep", deep.as_str()),
    ];
    for (what, text) in cases {
        let l = law("bad-law", Level::National, &[], &[("9", text)]);
        let err = LawBook::compile(&[l], base_schema().unwrap())
            .err()
            .unwrap_or_else(|| panic!("{what} compiled"));
        let msg = err.to_string();
        assert!(
            msg.starts_with("law `bad-law` article `9`"),
            "{what}: {msg}"
        );
    }
}

fn arb_principal() -> impl Strategy<Value = EntityData> {
    prop_oneof![
        any::<bool>().prop_map(|a| person("cit-0001", a)),
        any::<bool>().prop_map(|a| department("civil-affairs", a)),
        Just(legislature()),
        (
            prop_oneof![Just("active"), Just("ended"), Just("suspended")],
            0i64..200
        )
            .prop_map(|(s, t)| official("off-x", s, t)),
    ]
}

fn arb_resource() -> impl Strategy<Value = EntityData> {
    prop_oneof![
        (
            prop_oneof![Just("cit-0001"), Just("cit-0002"), Just("civil-affairs")],
            prop_oneof![Just("person"), Just("organisation")]
        )
            .prop_map(|(id, k)| principal_record(id, k)),
        Just(EntityData::new(EntityRef::new("ValidatorSet", "current"))),
    ]
}

proptest! {
    #[test]
    fn buckets_agree_with_the_whole_book(
        p in arb_principal(),
        r in arb_resource(),
        action in prop_oneof![Just("create-principal"), Just("manage-keys"), Just("change-validators")],
        region in prop_oneof![Just(None), Just(Some("110101")), Just(Some("310101"))],
    ) {
        let b = book();
        let req = request(p, action, r, region);
        // A request the schema does not allow is an error both ways.
        match (b.decide(&req), b.decide_whole(&req)) {
            (Ok(x), Ok(y)) => prop_assert_eq!(x, y),
            (Err(_), Err(_)) => {}
            (x, y) => prop_assert!(false, "{:?} vs {:?}", x, y),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Arbitrary text as a permission rule never panics; a refusal cites the law and article.
    #[test]
    fn any_rule_text_is_refused_cleanly_or_compiles(
        text in prop_oneof![
            ".{0,200}",
            "(permit|forbid) \\(principal( is (Person|Official|Department))?, action( == Action::\"(manage-keys|enact|fly)\")?, resource\\)( when \\{ (principal|resource|context)\\.[a-z]{1,8} (==|<|in) [a-z0-9\"]{1,6} \\})?;",
        ]
    ) {
        let l = law("fuzzed", Level::National, &[], &[("1", text.as_str())]);
        if let Err(e) = LawBook::compile(&[l], base_schema().unwrap()) {
            prop_assert!(e.to_string().starts_with("law `fuzzed` article `1`"), "{}", e);
        }
    }

    /// Arbitrary bytes never decode into a panic.
    #[test]
    fn law_package_decoding_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let _ = govchain_types::decode::<LawPackage>("law package", &bytes);
    }
}

/// The kernel's path builds its request without asking the schema: every request shape the
/// schema allows is decided both ways (so the kernel's context fits every action's), and a shape
/// it does not allow is refused both ways.
#[test]
fn every_request_shape_of_the_schema_is_decided_on_both_paths() {
    let b = book();
    let schema = base_schema().unwrap();
    let envs: Vec<(String, String, String)> = schema
        .request_envs()
        .map(|e| {
            (
                e.principal().to_string(),
                e.action().id().unescaped().to_string(),
                e.resource().to_string(),
            )
        })
        .collect();
    assert!(envs.len() > 20, "{} request shapes", envs.len());
    for (p, action, r) in &envs {
        let mut req = request(
            EntityData::new(EntityRef::new(p.as_str(), "x")),
            action,
            EntityData::new(EntityRef::new(r.as_str(), "y")),
            Some("110101"),
        );
        req.via_contract = Some("svc".into());
        req.amount = 5;
        req.counterparty = "cit-0001".into();
        let fast = b
            .decide(&req)
            .unwrap_or_else(|e| panic!("{p} {action} {r}: {e}"));
        let whole = b
            .decide_whole(&req)
            .unwrap_or_else(|e| panic!("{p} {action} {r}: {e}"));
        assert_eq!(fast, whole, "{p} {action} {r}");
    }
    let odd = request(
        EntityData::new(EntityRef::new("ValidatorSet", "current")),
        "enact",
        EntityData::new(EntityRef::new("Person", "cit-0001")),
        None,
    );
    assert!(b.decide(&odd).is_err() && b.decide_whole(&odd).is_err());
    let unknown = request(
        person("cit-0001", true),
        "fly",
        person("cit-0002", false),
        None,
    );
    assert!(b.decide(&unknown).is_err() && b.decide_whole(&unknown).is_err());
}

/// Ancestors the kernel lists whole are taken as they are; a request whose ancestors are not
/// closed (an entity's parent listed only among the others) is decided on its closure, and a
/// cycle is refused — on both paths alike.
#[test]
fn ancestors_not_listed_whole_are_closed_and_cycles_refused() {
    let l = law(
        "keys-law",
        Level::National,
        &[],
        &[(
            "1",
            r#"permit (principal is Official, action == Action::"manage-keys", resource is Principal) when { principal in Department::"ministry" };"#,
        )],
    );
    let b = LawBook::compile(&[l], base_schema().unwrap()).unwrap();
    let dept = |id: &str, parent: Option<&str>| {
        let d = department(id, false);
        match parent {
            Some(p) => d.parent(EntityRef::new("Department", p)),
            None => d,
        }
    };
    let mut official = official("off-x", "active", 1_000);
    official.ancestors = vec![EntityRef::new("Department", "district")];
    let ask = |others: Vec<EntityData>| {
        let mut req = request(
            official.clone(),
            "manage-keys",
            principal_record("cit-0001", "person"),
            None,
        );
        req.others = others;
        (b.decide(&req), b.decide_whole(&req))
    };
    // Closed: the ministry listed among the official's own ancestors.
    let mut whole = official.clone();
    whole
        .ancestors
        .push(EntityRef::new("Department", "ministry"));
    let mut req = request(
        whole,
        "manage-keys",
        principal_record("cit-0001", "person"),
        None,
    );
    req.others = vec![dept("district", Some("ministry"))];
    assert!(b.decide(&req).unwrap().allowed);
    assert_eq!(b.decide(&req).unwrap(), b.decide_whole(&req).unwrap());
    // Not closed: the ministry only as the district's parent.
    let (fast, reference) = ask(vec![dept("district", Some("ministry"))]);
    assert!(fast.as_ref().unwrap().allowed);
    assert_eq!(fast.unwrap(), reference.unwrap());
    // No path to the ministry.
    let (fast, reference) = ask(vec![dept("district", None)]);
    assert!(!fast.as_ref().unwrap().allowed);
    assert_eq!(fast.unwrap(), reference.unwrap());
    // A cycle between two departments.
    let (fast, reference) = ask(vec![
        dept("district", Some("ministry")),
        dept("ministry", Some("district")),
    ]);
    assert_eq!(
        fast.is_err(),
        reference.is_err(),
        "{fast:?} vs {reference:?}"
    );
}

/// A forbid the type checker calls false for a request's shape can still fail to evaluate
/// there (an overflow before the false part); failing, it counts as applying on both paths, so
/// it is filed under every shape its scope matches.
#[test]
fn a_forbid_that_fails_before_its_false_part_denies_on_both_paths() {
    for rule in [
        r#"forbid (principal, action, resource) when { context.amount + 1 > 0 && principal is Person };"#,
        r#"forbid (principal, action, resource) unless { context.amount + 1 > 0 || principal is Official };"#,
    ] {
        let mut all = laws();
        all.push(law("overflow-law", Level::National, &[], &[("1", rule)]));
        let b = LawBook::compile(&all, base_schema().unwrap()).unwrap();
        let ask = |amount: i64| {
            let mut req = request(
                official("off-x", "active", 1_000),
                "create-principal",
                principal_record("cit-0009", "person"),
                None,
            );
            req.amount = amount;
            let fast = b.decide(&req).unwrap();
            assert_eq!(
                fast,
                b.decide_whole(&req).unwrap(),
                "{rule} amount {amount}"
            );
            fast
        };
        // No overflow: the registrar's permit decides.
        assert!(ask(5).allowed, "{rule}");
        // Overflow: the forbid fails, and fails closed.
        let d = ask(i64::MAX);
        assert!(!d.allowed, "{rule}");
        assert_eq!(
            d.decided_by.map(|c| c.law.to_string()),
            Some("overflow-law".to_string())
        );
    }
}
