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
