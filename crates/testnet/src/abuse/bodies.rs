//! What the abuse sends: bills to verify, authorization requests to explain and signed reads,
//! each at, just past or far past the caps the node documents (`api::Limits`, the law crate's
//! `MAX_ARTICLES` and `check_bounds`).

use govchain_crypto::SecretKey;
use govchain_types::{PublicKey, ReadRequest, ReadTarget, SignedRead};
use serde_json::{Value, json};

/// Most articles a law may have (`govchain_law::MAX_ARTICLES`).
pub const MAX_ARTICLES: usize = 256;
/// Most other entities, ancestors per entity, and ancestry depth of an explained request
/// (`govchain_law::check_bounds`).
pub const MAX_OTHERS: usize = 64;
pub const MAX_ANCESTORS: usize = 32;
pub const MAX_ANCESTORS_TOTAL: usize = 512;
pub const MAX_DEPTH: usize = 32;

/// One request of a flood.
#[derive(Clone, Debug)]
pub enum Req {
    Get(String),
    /// A JSON body to a path.
    Post(String, bytes::Bytes),
}

fn article(id: usize, policy: &str) -> Value {
    json!({ "id": id.to_string(), "title": "t", "type": "permission", "policy": policy })
}

fn bill(articles: Vec<Value>) -> Value {
    json!({
        "id": "abuse-law", "version": 1, "title": "A law of many articles",
        "level": "national", "body": "legislature", "effective_from": 1_000_000,
        "articles": articles
    })
}

const SMALL_POLICY: &str = r#"forbid (principal is Department, action == Action::"create-principal", resource is Principal);"#;

/// `{"bill": …}` of small articles: as many as fit in `bytes`, or with `past`, the fewest that
/// make it at least `bytes`.
fn bill_of_small_articles(bytes: usize, past: bool) -> Vec<u8> {
    let mut size = json!({ "bill": bill(vec![]) }).to_string().len();
    let mut articles = Vec::new();
    loop {
        let next = article(articles.len(), SMALL_POLICY);
        // The article and the comma before it.
        let grown = size
            .saturating_add(next.to_string().len())
            .saturating_add(1);
        if (past && size >= bytes) || (!past && grown > bytes) {
            break;
        }
        size = grown;
        articles.push(next);
    }
    json!({ "bill": bill(articles) }).to_string().into_bytes()
}

/// An 8 MiB bill of small articles: past the body limit many times over (413).
pub fn oversized_bill() -> Vec<u8> {
    bill_of_small_articles(8 << 20, true)
}

/// A bill of thousands of small articles just under the body limit: read and parsed whole,
/// refused for its count (400 `invalid_request`).
pub fn bill_of_thousands(body_limit: usize) -> Vec<u8> {
    bill_of_small_articles(body_limit.saturating_sub(4096), false)
}

/// The largest bill the node verifies: the most articles a law may have, each a valid policy
/// with as long a condition as fits under the body limit, so the search runs on all of it.
pub fn largest_allowed_bill(body_limit: usize) -> Vec<u8> {
    let overhead = json!({ "bill": bill(vec![]) }).to_string().len();
    let room = body_limit.saturating_sub(overhead).saturating_sub(4096);
    let head = r#"forbid (principal is Department, action == Action::"manage-keys", resource is Principal) when { resource.kind == "k0""#;
    let size = |terms: &str| {
        article(MAX_ARTICLES, &format!("{head}{terms} }};"))
            .to_string()
            .len()
            .saturating_add(1)
            .saturating_mul(MAX_ARTICLES)
    };
    let mut terms = String::new();
    for k in 1usize.. {
        let term = format!(r#" || resource.kind == "k{k}""#);
        if size(&format!("{terms}{term}")) > room {
            break;
        }
        terms.push_str(&term);
    }
    let policy = format!("{head}{terms} }};");
    let articles = (0..MAX_ARTICLES).map(|i| article(i, &policy)).collect();
    json!({ "bill": bill(articles) }).to_string().into_bytes()
}

fn dept(i: usize) -> Value {
    json!({ "kind": "Department", "id": format!("d{i}") })
}

/// A department as the schema describes one.
fn department(i: usize, ancestors: Vec<Value>) -> Value {
    json!({ "uid": dept(i), "attrs": { "jurisdiction": ["CN"], "authority": false }, "ancestors": ancestors })
}

/// Civil affairs asking to manage the keys of a person, whose record sits under `ancestors`,
/// with `others` described: a request the schema admits, so the laws decide it in full.
fn explained(ancestors: Vec<Value>, others: Vec<Value>) -> Vec<u8> {
    json!({
        "principal": {
            "uid": { "kind": "Department", "id": "civil-affairs" },
            "attrs": { "jurisdiction": ["CN"], "authority": true }
        },
        "action": "manage-keys",
        "resource": {
            "uid": { "kind": "Principal", "id": "cit-abuse" },
            "attrs": {
                "kind": "person", "exists": true, "region": "110101",
                "regions": ["110101", "110100", "110000", "CN"], "department": "civil-affairs",
                "authority": false, "official": false, "lawmaker": false
            },
            "ancestors": ancestors
        },
        "height": 1,
        "others": others
    })
    .to_string()
    .into_bytes()
}

/// A request whose resource sits under a chain of `depth` departments: in `d1` in … in
/// `d<depth>`, the last not described.
pub fn department_chain(depth: usize) -> Vec<u8> {
    let others = (1..depth)
        .map(|i| department(i, vec![dept(i.saturating_add(1))]))
        .collect();
    explained(vec![dept(1)], others)
}

/// A request with `others` other departments, each listing `per` ancestors among a few roots,
/// and the resource under the roots too (the widest the caps allow is 63 × 8 + 8 = 512).
pub fn wide_request(others: usize, per: usize) -> Vec<u8> {
    let root = |j: usize| json!({ "kind": "Department", "id": format!("root{j}") });
    let roots: Vec<Value> = (0..per).map(root).collect();
    let list = (1..=others).map(|i| department(i, roots.clone())).collect();
    explained(roots, list)
}

/// The explanations of the explain phase: the deepest and widest requests the caps allow, then
/// just past and far past them, and a plain `GET`.
pub fn explanations() -> Vec<Req> {
    let post = |b: Vec<u8>| Req::Post("/v1/explain".into(), b.into());
    let per = MAX_ANCESTORS_TOTAL.checked_div(MAX_OTHERS).unwrap_or(1);
    vec![
        post(department_chain(MAX_DEPTH)),
        post(wide_request(MAX_OTHERS.saturating_sub(1), per)),
        post(department_chain(MAX_DEPTH.saturating_add(1))),
        post(wide_request(MAX_OTHERS.saturating_add(1), per)),
        post(wide_request(MAX_OTHERS, MAX_ANCESTORS.saturating_add(1))),
        post(department_chain(10_000)),
        Req::Get(
            "/v1/explain?principal=civil-affairs&action=create-principal&target=cit-0001".into(),
        ),
    ]
}

/// What signs a read and what it names.
pub struct ReadSigner {
    pub chain_id: String,
    /// The attacked node's consensus key.
    pub node: PublicKey,
}

impl ReadSigner {
    /// `{"read": hex}` of a signed read of `holder`'s CNY account, good until `valid_until`.
    pub fn account_read(
        &self,
        key: &SecretKey,
        holder: &str,
        valid_until: u64,
        nonce: u64,
    ) -> Option<Vec<u8>> {
        let request = ReadRequest {
            chain_id: self.chain_id.clone(),
            node: self.node.clone(),
            reader: key.public_key(),
            acting_as: None,
            target: ReadTarget::Account {
                currency: "CNY".into(),
                holder: govchain_types::PrincipalId::new(holder).ok()?,
                height: None,
                proof: false,
            },
            valid_until,
            nonce,
            purpose: "abuse".into(),
        };
        let signature = key.sign(&request.signing_bytes());
        let signed = SignedRead { request, signature };
        Some(
            json!({ "read": hex::encode(govchain_types::encode(&signed)) })
                .to_string()
                .into_bytes(),
        )
    }
}

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "a test fails loudly"
)]
mod tests {
    use super::*;

    fn request(body: &[u8]) -> govchain_law::AuthRequest {
        serde_json::from_slice(body).unwrap()
    }

    /// The caps copied here are the law crate's: what is meant to pass its bounds passes, what
    /// is meant to be past them is refused.
    #[test]
    fn the_explanations_sit_at_and_past_the_caps() {
        use govchain_law::request as caps;
        assert_eq!(MAX_ARTICLES, govchain_law::package::MAX_ARTICLES);
        assert_eq!(MAX_OTHERS, caps::MAX_OTHER_ENTITIES);
        assert_eq!(MAX_ANCESTORS, caps::MAX_ANCESTORS);
        assert_eq!(MAX_ANCESTORS_TOTAL, caps::MAX_ANCESTORS_TOTAL);
        assert_eq!(MAX_DEPTH, caps::MAX_ANCESTRY_DEPTH);
        let per = MAX_ANCESTORS_TOTAL / MAX_OTHERS;
        let within = [
            department_chain(MAX_DEPTH),
            wide_request(MAX_OTHERS - 1, per),
        ];
        for body in within {
            assert!(govchain_law::check_bounds(&request(&body)).is_ok());
        }
        let past = [
            department_chain(MAX_DEPTH + 1),
            wide_request(MAX_OTHERS + 1, per),
            wide_request(MAX_OTHERS, MAX_ANCESTORS + 1),
            department_chain(10_000),
        ];
        for body in past {
            assert!(govchain_law::check_bounds(&request(&body)).is_err());
        }
    }

    #[test]
    fn the_bills_sit_at_and_past_the_body_limit() {
        let limit = 1 << 20;
        assert!(oversized_bill().len() >= 8 << 20);
        let thousands = bill_of_thousands(limit);
        assert!(thousands.len() < limit && thousands.len() > limit - 16 * 1024);
        let bill: Value = serde_json::from_slice(&thousands).unwrap();
        assert!(bill["bill"]["articles"].as_array().unwrap().len() > 2_000);
        let largest = largest_allowed_bill(limit);
        assert!(largest.len() < limit && largest.len() > limit * 9 / 10);
        let package: govchain_types::LawPackage = serde_json::from_value(
            serde_json::from_slice::<Value>(&largest).unwrap()["bill"].clone(),
        )
        .unwrap();
        assert_eq!(package.articles.len(), MAX_ARTICLES);
        assert!(govchain_law::check_size(&package).is_ok());
    }
}
