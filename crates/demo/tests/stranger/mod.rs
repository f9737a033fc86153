//! The harness of two inputs a stranger sends to the API, shared by the fuzz targets
//! `fuzz/fuzz_targets/signed_read.rs` and `bill_verify.rs` and their short versions in CI
//! (`tests/stranger_inputs.rs`), against the demo government's genesis state in memory.
//!
//! - [`signed_read`]: any bytes sent to `POST /v1/read`, decoded as the API decodes them (JSON
//!   `{request, signature}`, or `{"read": hex}` of the canonical borsh encoding) and as borsh,
//!   then checked as the node checks a signed read (`node/src/signed.rs`): the node it names,
//!   the signature, the envelope (`execution::envelope::check_envelope`), and the laws' decision
//!   for the target. Never a panic, and every refusal has a code: an envelope refusal one of
//!   the envelope's (`Code`s of stage `Both`), a decision's refusal a message; an allowed read
//!   cites the article that allowed it. The first byte steers the input towards the decision,
//!   which a stranger's
//!   signature never reaches: its low four bits pick a demo principal whose key replaces the
//!   reader's (0: none), bit 4 puts the demo chain id in, bit 5 a `valid_until` within the
//!   lifetime, bit 6 this node's key; the request is then signed with that principal's key.
//! - [`bill_verify`]: any bytes sent to `POST /v1/laws/verify` (the JSON `{bill, samples}`; bare
//!   law-package JSON, as `govchain law verify` reads a bill file, is taken as `{bill}`): the
//!   route's caps (`api/src/handlers.rs::verify_bill`: 256 articles, 1,000 samples, the entity
//!   bounds of each sample), then the verification the node runs
//!   (`node/src/backend.rs::verify_bill`: `govchain_law::verify::verify` with its 24,000-request
//!   search, and `govchain_execution::bill_problems`) against the demo's laws in force. Never a
//!   panic, and a report with an `invalid` finding is never valid; time and memory are bounded
//!   by libFuzzer's `-timeout` and `-rss_limit_mb` (`scripts/fuzz`).
//! - [`service_tx`]: any bytes as the payload of a transaction to the services — an
//!   application's input, a service package to deploy, a case's decision, an appeal, a
//!   confirmation — signed by a demo principal the first byte picks and applied in a block to
//!   the demo state (`execution::apply_block`). Never a panic or a storage error; a refused
//!   transaction writes only its signer's nonce; money is conserved.

#![allow(
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects,
    reason = "a harness fails loudly"
)]
#![allow(dead_code, reason = "each fuzz target runs one of the three")]

use govchain_crypto::SecretKey;
use govchain_execution::envelope::{self, NonceRule};
use govchain_execution::{
    Laws, MemState, bill_problems, decide_as, decide_read_versions, genesis_writes, schema,
    with_bill,
};
use govchain_law::verify::{Context, FindingKind, verify};
use govchain_law::{AuthRequest, EntityData, EntityRef};
use govchain_types::{LawPackage, ReadTarget, Scheme, SignedRead, decode};
use serde::Deserialize;
use std::sync::LazyLock;

pub const CHAIN: &str = "demo-fuzz";
/// The node's `MAX_READ_LIFETIME`.
const MAX_READ_LIFETIME: u64 = 20;
/// The head of the chain is genesis, so reads are decided, and bills verified, for block 1.
const NEXT: u64 = 1;
/// `govchain_api::MAX_VERIFY_SAMPLES`, the route's default cap.
pub const MAX_SAMPLES: usize = 1_000;

/// Readers the first byte of a signed read may pick.
pub const READERS: [&str; 12] = [
    "legislature",
    "civil-affairs",
    "market-regulation",
    "treasury",
    "central-bank",
    "off-wang",
    "off-li",
    "cit-0001",
    "cit-0002",
    "org-0001",
    "member-leg-1",
    "validator",
];

pub fn key(name: &str) -> SecretKey {
    SecretKey::from_seed(Scheme::Ed25519, name.as_bytes())
}

struct Demo {
    state: MemState,
    laws: Laws,
}

static DEMO: LazyLock<Demo> = LazyLock::new(|| {
    let g = govchain_demo::genesis::document(CHAIN, key("validator").public_key(), |id| {
        key(id).public_key()
    });
    let mut state = MemState::default();
    state.apply(&genesis_writes(&g).expect("the demo genesis loads"));
    Demo {
        state,
        laws: Laws::new().expect("the base schema compiles"),
    }
});

/// The body of `POST /v1/read`, as `api/src/handlers.rs::signed_read` reads it.
#[derive(Deserialize)]
#[serde(untagged)]
enum ReadBody {
    Hex { read: String },
    Json(Box<SignedRead>),
}

fn from_api(body: &[u8]) -> Option<SignedRead> {
    match serde_json::from_slice::<ReadBody>(body).ok()? {
        ReadBody::Json(s) => Some(*s),
        ReadBody::Hex { read } => {
            let bytes = hex::decode(read.trim()).ok()?;
            decode::<SignedRead>("signed read request", &bytes).ok()
        }
    }
}

/// Any bytes as the body of `POST /v1/read`; the first byte steers (see the module doc).
pub fn signed_read(data: &[u8]) {
    let Some((&steer, body)) = data.split_first() else {
        return;
    };
    let mut reads = Vec::new();
    reads.extend(from_api(body));
    reads.extend(decode::<SignedRead>("signed read request", body).ok());
    for signed in reads {
        read(steer, signed);
    }
}

/// What the node does with a signed read, up to the answer.
fn read(steer: u8, mut signed: SignedRead) {
    let demo = &*DEMO;
    let pick = usize::from(steer & 0x0f);
    if let Some(name) = pick.checked_sub(1).and_then(|i| READERS.get(i)) {
        let k = key(name);
        let r = &mut signed.request;
        r.reader = k.public_key();
        if steer & 0x10 != 0 {
            r.chain_id = CHAIN.into();
        }
        if steer & 0x20 != 0 {
            r.valid_until = NEXT + r.valid_until % (MAX_READ_LIFETIME + 1);
        }
        if steer & 0x40 != 0 {
            r.node = key("validator").public_key();
        }
        signed.signature = k.sign(&r.signing_bytes());
    }
    let r = &signed.request;
    // The node serves only reads signed for it (`wrong_node`); this node is the validator's.
    if r.node != key("validator").public_key() {
        return;
    }
    if r.reader.scheme() != Scheme::Ed25519 {
        return;
    }
    if govchain_crypto::verify(&r.reader, &r.signing_bytes(), &signed.signature).is_err() {
        return;
    }
    if r.purpose.len() > 1024 {
        return;
    }
    let env = envelope::Envelope {
        chain_id: &r.chain_id,
        signer: &r.reader,
        valid_until: r.valid_until,
        nonce: None,
    };
    let rules = envelope::Rules {
        chain_id: CHAIN,
        height: NEXT,
        max_lifetime: MAX_READ_LIFETIME,
        nonce: NonceRule::Exact,
    };
    let key = match envelope::check_envelope(&demo.state, &env, &rules) {
        Err(e) => panic!("the in-memory state failed: {e}"),
        Ok(Err(refusal)) => {
            assert_eq!(
                refusal.code().stage(),
                govchain_types::Stage::Both,
                "an envelope refusal with a code of another stage: {refusal:?}"
            );
            assert!(!refusal.to_string().is_empty());
            return;
        }
        Ok(Ok(key)) => key,
    };
    let reader = key.principal;
    let acting = r.acting_as.as_ref();
    let (state, laws) = (&demo.state, &demo.laws);
    let decision = match &r.target {
        ReadTarget::Record { registry, key, .. }
        | ReadTarget::History { registry, key }
        | ReadTarget::Certificate { registry, key, .. } => {
            // The node decides on the version it would return; at genesis, the one in force.
            let version = match schema::record(state, registry, key) {
                Err(e) => panic!("the in-memory state failed: {e}"),
                Ok(None) => return,
                Ok(Some(v)) => v,
            };
            decide_read_versions(
                state,
                laws,
                NEXT,
                &reader,
                acting,
                registry,
                key,
                &[&version.fields],
            )
            .map(|d| {
                d.and_then(|mut all| all.pop().ok_or_else(|| "nothing was decided".to_string()))
            })
        }
        ReadTarget::Account {
            currency, holder, ..
        }
        | ReadTarget::Statement {
            currency, holder, ..
        } => govchain_execution::finance::decide_account_read(
            state, laws, NEXT, &reader, acting, currency, holder,
        ),
        ReadTarget::Audit { .. } => {
            let log = EntityData::new(EntityRef::new("AuditLog", "reads"));
            decide_as(state, laws, NEXT, &reader, acting, "audit", log)
        }
        ReadTarget::Application { id } | ReadTarget::Periods { id, .. } => {
            // The node decides on the application it would return; at genesis there is none.
            match schema::application(state, id) {
                Err(e) => panic!("the in-memory state failed: {e}"),
                Ok(None) => return,
                Ok(Some(app)) => decide_as(
                    state,
                    laws,
                    NEXT,
                    &reader,
                    acting,
                    "read",
                    govchain_execution::services::application_entity(&app),
                ),
            }
        }
        // At genesis nobody has applied and no case waits: the node answers an empty list
        // (its own) or decides on no application; nothing to decide here.
        ReadTarget::Applications { .. } | ReadTarget::Cases { .. } => return,
        ReadTarget::DryRun { .. } => {
            // The node decides it with the bill it comes with: here, the constitution's.
            let bill = govchain_law::bootstrap::constitution();
            let dry = match govchain_execution::dry_run_entity(state, &bill, NEXT) {
                Err(e) => panic!("the in-memory state failed: {e}"),
                Ok(d) => d,
            };
            decide_as(state, laws, NEXT, &reader, acting, "dry-run", dry)
        }
    };
    match decision {
        Err(e) => panic!("the in-memory state failed: {e}"),
        Ok(Err(refusal)) => assert!(!refusal.is_empty(), "a refusal without a message"),
        Ok(Ok(d)) => {
            if d.allowed {
                assert!(d.decided_by.is_some(), "an allowed read cites no article");
            }
        }
    }
}

/// The body of `POST /v1/laws/verify` (`govchain_api`'s `VerifyRequest`).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VerifyRequest {
    bill: LawPackage,
    samples: Option<Vec<AuthRequest>>,
    /// A signed read of the dry run: decided like any signed read (`signed_read`).
    #[allow(
        dead_code,
        reason = "parsed as the route parses it; its checks are signed_read's"
    )]
    read: Option<String>,
}

/// Any bytes as the body of `POST /v1/laws/verify`.
pub fn bill_verify(data: &[u8]) {
    let req = match serde_json::from_slice::<VerifyRequest>(data) {
        Ok(r) => r,
        Err(_) => match serde_json::from_slice::<LawPackage>(data) {
            Ok(bill) => VerifyRequest {
                bill,
                samples: None,
                read: None,
            },
            Err(_) => return,
        },
    };
    // The route's caps, before a worker is taken.
    if govchain_law::check_size(&req.bill).is_err() {
        return;
    }
    if let Some(samples) = &req.samples {
        if samples.len() > MAX_SAMPLES {
            return;
        }
        if samples
            .iter()
            .any(|s| govchain_law::check_bounds(s).is_err())
        {
            return;
        }
    }
    let demo = &*DEMO;
    let bill = &req.bill;
    // The node's verification.
    let report = if govchain_law::check_shape(bill).is_err() {
        let report = verify(
            bill,
            &Context {
                model: demo.laws.model(),
                now: &[],
                with_bill: &[],
                replay: &[],
            },
        );
        assert!(!report.valid, "a malformed bill verified as valid");
        report
    } else {
        let (now, with) = with_bill(&demo.state, bill, NEXT).expect("the in-memory state");
        let replay = req.samples.unwrap_or_default();
        let mut report = verify(
            bill,
            &Context {
                model: demo.laws.model(),
                now: &now,
                with_bill: &with,
                replay: &replay,
            },
        );
        let problems =
            bill_problems(&demo.state, &demo.laws, bill, NEXT).expect("the in-memory state");
        for p in problems {
            assert_eq!(
                p.code.stage(),
                govchain_types::Stage::Receipt,
                "a bill problem with a code of another stage: {p:?}"
            );
            report.valid = false;
        }
        report
    };
    let invalid = report
        .findings
        .iter()
        .any(|f| f.kind == FindingKind::Invalid);
    assert!(
        !(report.valid && invalid),
        "a valid report with an invalid finding"
    );
}

/// Signers [`service_tx`]'s first byte picks (low four bits), with what they act as.
pub const SERVICE_SIGNERS: [(&str, Option<&str>); 8] = [
    ("cit-0001", None),
    ("cit-0011", Some("org-0001")),
    ("cit-0017", Some("org-0007")),
    ("market-regulation", None),
    ("hr-social-security", None),
    ("off-chen", Some("pos-off-chen")),
    ("off-wang", Some("pos-off-wang")),
    ("hospital-110101", None),
];

/// Services [`service_tx`] sends inputs to (bits 4-5 of the first byte).
pub const SERVICES: [&str; 4] = [
    "grant-licence",
    "register-birth",
    "child-subsidy",
    "pension",
];

/// Any bytes as a transaction to the services (see the module doc): the first byte picks the
/// signer (bits 0-3), the service (bits 4-5) and how the rest is read (bits 6-7): the JSON of
/// an application's input, of a service package to deploy, of any payload, or its borsh.
pub fn service_tx(data: &[u8]) {
    let Some((&steer, rest)) = data.split_first() else {
        return;
    };
    let (who, acting) = SERVICE_SIGNERS[usize::from(steer & 0x0f) % SERVICE_SIGNERS.len()];
    let service = SERVICES[usize::from((steer >> 4) & 0x03)];
    let payload = match steer >> 6 {
        0 => match serde_json::from_slice::<govchain_types::Fields>(rest) {
            Ok(input) => govchain_types::Payload::Apply {
                service: govchain_types::PrincipalId::new(service).expect("a service name"),
                input,
            },
            Err(_) => return,
        },
        1 => match serde_json::from_slice::<govchain_types::ServiceDef>(rest) {
            Ok(service) => govchain_types::Payload::DeployService { service },
            Err(_) => return,
        },
        2 => match serde_json::from_slice::<govchain_types::Payload>(rest) {
            Ok(p) => p,
            Err(_) => return,
        },
        _ => match decode::<govchain_types::Payload>("payload", rest) {
            Ok(p) => p,
            Err(_) => return,
        },
    };
    run_service_tx(who, acting, payload);
}

/// `who` (acting as `acting`: a position or an organisation) signs `payload` and it runs in
/// block 1 of the demo chain; the invariants of [`service_tx`] are checked.
pub fn run_service_tx(who: &str, acting: Option<&str>, payload: govchain_types::Payload) {
    let demo = &*DEMO;
    let acting_as = acting.map(|a| match govchain_types::PrincipalId::new(a) {
        Ok(org) if a.starts_with("org-") => govchain_types::Acting::Organisation(org),
        _ => govchain_types::Acting::Position(a.to_string()),
    });
    let body = govchain_types::TxBody {
        chain_id: CHAIN.into(),
        signer: key(who).public_key(),
        nonce: 0,
        valid_until: 10,
        acting_as,
        payload,
    };
    let tx = govchain_crypto::sign_tx(Scheme::Ed25519, &key(who), body);
    let Ok(vtx) = govchain_crypto::verify_tx(Scheme::Ed25519, tx) else {
        return;
    };
    let header = govchain_types::Header {
        chain_id: CHAIN.into(),
        height: 1,
        round: 0,
        time_ms: 1_796_083_200_000,
        parent_hash: govchain_types::Hash::ZERO,
        tx_root: govchain_types::Hash::ZERO,
        state_root: govchain_types::Hash::ZERO,
        proposer: key("validator").public_key(),
        validator_set_hash: govchain_types::Hash::ZERO,
    };
    let out = govchain_execution::apply_block(&demo.state, &header, &[vtx], &demo.laws)
        .expect("a transaction never fails the block");
    let receipt = out.receipts.first().expect("one receipt");
    if receipt.status != govchain_types::TxStatus::Ok {
        assert!(
            receipt.code.is_some(),
            "a refusal without a code: {receipt:?}"
        );
        assert!(
            out.writes.keys().all(|k| k.starts_with(b"nonce/")),
            "a refused transaction wrote {:?}",
            out.writes
                .keys()
                .map(|k| String::from_utf8_lossy(k))
                .collect::<Vec<_>>()
        );
    }
    let mut after = demo.state.clone();
    after.apply(&out.writes);
    for (code, (supply, sum)) in
        govchain_execution::finance::totals(&after).expect("the totals are read")
    {
        assert_eq!(supply, sum, "{code} is not conserved");
    }
}
