//! The short versions in CI of the fuzz targets `signed_read` and `bill_verify`
//! (`fuzz/fuzz_targets/`): random but well-formed signed reads and bills, written as a stranger
//! would send them, through the same harness (`stranger/mod.rs`) the fuzz targets run, plus the
//! inputs the longer fuzz runs found.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    reason = "a test fails loudly"
)]

mod stranger;

use govchain_law::{AuthRequest, EntityData, EntityRef};
use govchain_types::{
    Acting, ArticleKind, Level, PrincipalId, ReadRequest, ReadTarget, SignedRead, encode,
};
use proptest::prelude::*;

fn one_of(items: &'static [&'static str]) -> impl Strategy<Value = String> {
    prop_oneof![
        4 => proptest::sample::select(items).prop_map(str::to_string),
        1 => "[a-z0-9-]{0,12}",
    ]
}

fn principal() -> impl Strategy<Value = PrincipalId> {
    one_of(&["cit-0001", "org-0001", "treasury", "off-wang", "nobody"])
        .prop_filter_map("a principal id", |s| PrincipalId::new(s).ok())
}

fn target() -> impl Strategy<Value = ReadTarget> {
    let registry = || {
        one_of(&[
            "persons",
            "households",
            "departments",
            "sanctions",
            "no-such",
        ])
    };
    let key = || one_of(&["cit-0001", "hh-0001", "civil-affairs", "org-0001", ""]);
    prop_oneof![
        (registry(), key(), proptest::option::of(0u64..5)).prop_map(|(registry, key, height)| {
            ReadTarget::Record {
                registry,
                key,
                height,
            }
        }),
        (registry(), key()).prop_map(|(registry, key)| ReadTarget::History { registry, key }),
        (registry(), key()).prop_map(|(registry, key)| ReadTarget::Certificate {
            registry,
            key,
            height: None
        }),
        (any::<u64>(), any::<u32>()).prop_map(|(after, limit)| ReadTarget::Audit { after, limit }),
        any::<[u8; 32]>().prop_map(|h| ReadTarget::DryRun {
            bill: govchain_types::Hash(h)
        }),
        (one_of(&["CNY", "cny", "USD"]), principal()).prop_map(|(currency, holder)| {
            ReadTarget::Account {
                currency,
                holder,
                height: None,
                proof: false,
            }
        }),
        (one_of(&["CNY"]), principal()).prop_map(|(currency, holder)| ReadTarget::Statement {
            currency,
            holder,
            after: None,
            limit: Some(10),
            newest_first: false,
        }),
    ]
}

fn acting() -> impl Strategy<Value = Option<Acting>> {
    proptest::option::of(prop_oneof![
        one_of(&["pos-off-wang", "pos-off-li", "pos-none"]).prop_map(Acting::Position),
        principal().prop_map(Acting::Organisation),
    ])
}

/// A signed read as a client would build it, by one of the demo's principals or a stranger.
fn signed_read() -> impl Strategy<Value = SignedRead> {
    (
        0..=stranger::READERS.len(),
        one_of(&[stranger::CHAIN, "other-chain"]),
        acting(),
        target(),
        0u64..30,
        any::<u64>(),
        "[ -~]{0,20}",
    )
        .prop_map(
            |(who, chain_id, acting_as, target, valid_until, nonce, purpose)| {
                let name = stranger::READERS.get(who).copied().unwrap_or("stranger");
                let k = stranger::key(name);
                let request = ReadRequest {
                    chain_id,
                    node: stranger::key("validator").public_key(),
                    reader: k.public_key(),
                    acting_as,
                    target,
                    valid_until,
                    nonce,
                    purpose,
                };
                let signature = k.sign(&request.signing_bytes());
                SignedRead { request, signature }
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Signed reads as JSON, as `{"read": hex}` and as borsh, with random steering and random
    /// bytes flipped: never a panic, every refusal has a code.
    #[test]
    fn signed_reads_from_strangers(
        read in signed_read(),
        steer in any::<u8>(),
        form in 0..3u8,
        flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..3),
    ) {
        let mut body = match form {
            0 => serde_json::to_vec(&read).unwrap(),
            1 => serde_json::to_vec(&serde_json::json!({ "read": hex::encode(encode(&read)) }))
                .unwrap(),
            _ => encode(&read),
        };
        for (at, byte) in flips {
            let i = at.index(body.len().max(1));
            if let Some(b) = body.get_mut(i) {
                *b ^= byte;
            }
        }
        let mut data = vec![steer];
        data.extend(body);
        stranger::signed_read(&data);
    }
}

/// Policies to put in a bill's articles: well-formed, ill-typed, and not Cedar.
const POLICIES: [&str; 6] = [
    "permit(principal, action == Action::\"read\", resource);",
    "forbid(principal, action, resource) when { principal.region == \"110101\" };",
    "permit(principal is Person, action == Action::\"transfer\", resource) when { context.amount < 100 };",
    "permit(principal, action, resource) when { resource.nope.nope > 1 };",
    "permit(principal, action, resource) when { 1 + \"a\" };",
    "not cedar at all {",
];

/// A bill: one of the demo's laws as a new version, with some of its articles replaced.
fn bill() -> impl Strategy<Value = govchain_types::LawPackage> {
    let laws = govchain_demo::laws();
    (
        proptest::sample::select(laws),
        0u32..3,
        prop_oneof![
            Just(Level::National),
            Just(Level::Regional),
            Just(Level::Department)
        ],
        proptest::collection::vec((any::<prop::sample::Index>(), 0..POLICIES.len()), 0..3),
        0u64..4,
    )
        .prop_map(|(mut law, bump, level, edits, from)| {
            law.version = law.version.saturating_add(bump);
            law.level = level;
            law.effective_from = from;
            for (at, policy) in edits {
                if law.articles.is_empty() {
                    break;
                }
                let i = at.index(law.articles.len());
                law.articles[i].kind = ArticleKind::Permission {
                    policy: POLICIES[policy].to_string(),
                };
            }
            law
        })
}

fn sample() -> AuthRequest {
    govchain_demo::cast::request(
        govchain_demo::cast::citizen(1),
        "read",
        EntityData::new(EntityRef::new("Record", "persons/cit-0001")),
        1,
    )
}

proptest! {
    // Each case compiles the demo's laws twice and may search 24,000 requests.
    #![proptest_config(ProptestConfig::with_cases(12))]

    /// Bills as `POST /v1/laws/verify` takes them, bare or with samples: never a panic, and a
    /// report with an `invalid` finding is never valid.
    #[test]
    fn bills_from_strangers(bill in bill(), samples in 0..3usize, bare in any::<bool>()) {
        let body = if bare {
            serde_json::to_vec(&bill).unwrap()
        } else {
            let samples = (samples > 0).then(|| vec![sample(); samples]);
            serde_json::to_vec(&serde_json::json!({ "bill": bill, "samples": samples })).unwrap()
        };
        stranger::bill_verify(&body);
    }
}

/// Writes the seed corpus of the fuzz target `bill_verify` (`fuzz/seeds/bill_verify/`): each of
/// the demo's laws as its next version, bare and with a sample. Run by hand:
/// `cargo test -p govchain-demo --test stranger_inputs -- --ignored write_bill_seeds`.
#[test]
#[ignore = "writes files; run by hand"]
fn write_bill_seeds() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/seeds/bill_verify");
    std::fs::create_dir_all(&dir).unwrap();
    for mut law in govchain_demo::laws() {
        law.version += 1;
        let bare = serde_json::to_vec(&law).unwrap();
        std::fs::write(dir.join(format!("{}.json", law.id)), bare).unwrap();
        let with = serde_json::json!({ "bill": law, "samples": [sample()] });
        let with = serde_json::to_vec(&with).unwrap();
        std::fs::write(dir.join(format!("{}-sampled.json", law.id)), with).unwrap();
    }
}

fn field_value() -> impl Strategy<Value = govchain_types::FieldValue> {
    use govchain_types::FieldValue;
    prop_oneof![
        one_of(&[
            "org-0001",
            "org-0007",
            "cit-0001",
            "n-0001",
            "retail",
            "fireworks",
            "2026-12-01",
            "2026-02-30",
            "110101",
            ""
        ])
        .prop_map(FieldValue::Text),
        "\\PC{0,300}".prop_map(FieldValue::Text),
        any::<i64>().prop_map(FieldValue::Integer),
        any::<bool>().prop_map(FieldValue::Bool),
        proptest::collection::vec("[a-z0-9]{0,8}", 0..40).prop_map(FieldValue::List),
    ]
}

/// An application's input: the services' field names and others, any values.
fn input() -> impl Strategy<Value = govchain_types::Fields> {
    proptest::collection::btree_map(
        one_of(&[
            "organisation",
            "activity",
            "valid_from",
            "notification",
            "father",
            "child",
        ]),
        field_value(),
        0..6,
    )
}

/// Scripts to deploy: sound, hostile, and not Rhai.
const SCRIPTS: [&str; 6] = [
    r#"fn decide(app) { #{ outcome: "approved", article: "5", reason: "ok" } }"#,
    r#"fn decide(app) { loop { } }"#,
    r#"fn decide(app) { #{ outcome: "approved", article: "5", reason: "ok", schedule: #{ every: 1 } } }"#,
    r#"fn decide(app) { #{ outcome: "official", article: "5", reason: "?", department: "market-regulation", power: "grant-licence", deadline: 1, deemed: "approved" } }"#,
    r#"fn opened(r) { [#{ applicant: "cit-0001" }] } fn decide(app) { record("persons", "cit-0001") }"#,
    "fn decide(app) {",
];

/// A service package: one of the demo's, with its version, form, script, articles and watched
/// registries changed at random.
fn service_def() -> impl Strategy<Value = govchain_types::ServiceDef> {
    (
        proptest::sample::select(govchain_demo::services::services()),
        prop_oneof![4 => Just(2u32), 1 => 0u32..4],
        0..SCRIPTS.len() + 1,
        proptest::collection::vec(one_of(&["5", "1", "8", "99"]), 0..3),
        proptest::collection::vec(one_of(&["births", "persons", "nope"]), 0..3),
        any::<bool>(),
    )
        .prop_map(
            |(mut def, version, script, articles, on_insert, drop_form)| {
                def.version = version;
                if let Some(s) = SCRIPTS.get(script) {
                    def.script = (*s).to_string();
                }
                if !articles.is_empty() {
                    def.articles = articles;
                }
                def.on_insert = on_insert;
                if drop_form {
                    def.form.clear();
                }
                def
            },
        )
}

fn service_payload() -> impl Strategy<Value = govchain_types::Payload> {
    use govchain_types::{Hash, Payload};
    prop_oneof![
        4 => (
            proptest::sample::select(stranger::SERVICES.to_vec()),
            input()
        )
            .prop_map(|(service, input)| Payload::Apply {
                service: PrincipalId::new(service).unwrap(),
                input,
            }),
        4 => service_def().prop_map(|service| Payload::DeployService { service }),
        1 => (any::<[u8; 32]>(), any::<bool>(), "\\PC{0,50}").prop_map(|(h, approve, reasons)| {
            Payload::DecideCase {
                application: Hash(h),
                approve,
                reasons,
            }
        }),
        1 => (any::<[u8; 32]>(), "\\PC{0,50}").prop_map(|(h, reasons)| Payload::Appeal {
            application: Hash(h),
            reasons,
        }),
        1 => any::<[u8; 32]>().prop_map(|h| Payload::Confirm {
            application: Hash(h)
        }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(192))]

    /// Applications, service packages, decisions, appeals and confirmations as anyone may sign
    /// them (the short version of the fuzz target `service_tx`): never a panic or a failed
    /// block, a refusal writes only the nonce, money is conserved.
    #[test]
    fn transactions_to_the_services_from_anyone(
        who in 0..stranger::SERVICE_SIGNERS.len(),
        payload in service_payload(),
        form in 0..3u8,
        competent in any::<bool>(),
    ) {
        // Half the time, the one the laws let: an applicant of the service, the department
        // that deploys it; else anyone.
        let mut payload = payload;
        if let (govchain_types::Payload::Apply { service, input }, true) = (&mut payload, competent) {
            // An input that fits the form, with the values the case drew where they fit.
            let text = |s: &str| govchain_types::FieldValue::Text(s.into());
            let drawn = |k: &str| input.get(k).cloned();
            *input = match service.as_str() {
                "grant-licence" => [
                    ("organisation".to_string(), text("org-0001")),
                    ("activity".to_string(), drawn("activity").unwrap_or(text("retail"))),
                    ("valid_from".to_string(), text("2026-12-01")),
                ]
                .into(),
                "child-subsidy" => [("child".to_string(), drawn("child").unwrap_or(text("cit-0002")))].into(),
                _ => govchain_types::Fields::new(),
            };
        }
        let who = match (&payload, competent) {
            (govchain_types::Payload::Apply { service, .. }, true) => {
                if service.as_str() == "grant-licence" { 1 } else { 0 }
            }
            (govchain_types::Payload::DeployService { service }, true) => {
                if service.department.as_str() == "market-regulation" { 3 } else { 4 }
            }
            _ => who,
        };
        let (signer, acting) = stranger::SERVICE_SIGNERS[who];
        match form {
            // As the structured value, and as the fuzz target reads bytes.
            0 => stranger::run_service_tx(signer, acting, payload),
            1 => {
                let mut data = vec![(who as u8) | 0x80];
                data.extend(serde_json::to_vec(&payload).unwrap());
                stranger::service_tx(&data);
            }
            _ => {
                let mut data = vec![(who as u8) | 0xc0];
                data.extend(encode(&payload));
                stranger::service_tx(&data);
            }
        }
    }
}
