//! A bill's shape and the legislature's threshold signatures: n−1 signatures, a duplicate
//! signer and a non-member are refused.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    reason = "a test fails loudly"
)]

use govchain_crypto::SecretKey;
use govchain_law::*;
use govchain_types::*;

fn id(s: &str) -> PrincipalId {
    PrincipalId::new(s).unwrap()
}

fn member_key(i: usize) -> SecretKey {
    SecretKey::from_seed(Scheme::Ed25519, format!("leg-{i}").as_bytes())
}

fn legislature() -> LawBody {
    LawBody {
        id: id("legislature"),
        kind: govchain_types::BodyKind::Legislature,
        jurisdiction: vec![],
        members: (1..=5)
            .map(|i| BodyMember {
                id: id(&format!("leg-{i}")),
                key: member_key(i).public_key(),
            })
            .collect(),
        threshold: 3,
    }
}

fn bill() -> LawPackage {
    LawPackage {
        id: id("national-2026-07"),
        version: 1,
        title: "a national law".into(),
        level: Level::National,
        body: id("legislature"),
        jurisdiction: vec![],
        articles: vec![Article {
            id: "4".into(),
            title: "registrars register births".into(),
            kind: ArticleKind::Permission {
                policy: "permit (principal, action, resource);".into(),
            },
        }],
        effective_from: 10,
        effective_until: None,
        repeals: vec![],
        constitutes: vec![],
        registries: vec![],
        currencies: vec![],
    }
}

fn sign(i: usize, b: &LawPackage) -> MemberSignature {
    MemberSignature {
        member: id(&format!("leg-{i}")),
        signature: govchain_crypto::Signer::sign(
            &member_key(i),
            &bill_signing_bytes("test-chain", Scheme::Ed25519, b),
        ),
    }
}

#[test]
fn thresholds() {
    let body = legislature();
    let b = bill();
    let three: Vec<_> = (1..=3).map(|i| sign(i, &b)).collect();
    let signers = check_signatures("test-chain", Scheme::Ed25519, &body, &b, &three).unwrap();
    assert_eq!(signers.len(), 3);

    let two = &three[..2];
    assert!(matches!(
        check_signatures("test-chain", Scheme::Ed25519, &body, &b, two),
        Err(BillError::BelowThreshold {
            have: 2,
            need: 3,
            ..
        })
    ));

    let dup = vec![sign(1, &b), sign(1, &b), sign(2, &b)];
    assert!(matches!(
        check_signatures("test-chain", Scheme::Ed25519, &body, &b, &dup),
        Err(BillError::DuplicateSigner(_))
    ));

    let mut stranger = three.clone();
    stranger[2].member = id("leg-9");
    assert!(matches!(
        check_signatures("test-chain", Scheme::Ed25519, &body, &b, &stranger),
        Err(BillError::NotMember(..))
    ));

    // A signature on another bill does not count for this one.
    let mut other = b.clone();
    other.effective_from = 11;
    let mut forged = three.clone();
    forged[0] = sign(1, &other);
    assert!(matches!(
        check_signatures("test-chain", Scheme::Ed25519, &body, &b, &forged),
        Err(BillError::BadSignature(_))
    ));
}

#[test]
fn shapes() {
    check_shape(&bill()).unwrap();
    let mut b = bill();
    b.articles.push(b.articles[0].clone());
    assert!(
        check_shape(&b)
            .unwrap_err()
            .to_string()
            .contains("appears twice")
    );
    let mut b = bill();
    b.jurisdiction = vec!["11".into()];
    assert!(check_shape(&b).is_err());
    let mut b = bill();
    b.effective_until = Some(5);
    assert!(check_shape(&b).is_err());
    let mut b = bill();
    b.articles.clear();
    assert!(check_shape(&b).is_err());
}
