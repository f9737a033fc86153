//! Checks of a law package as a bill: its shape, and the body's threshold signatures.

use govchain_crypto::{hash, verify};
use govchain_types::{
    ArticleKind, Hash, LawBody, LawPackage, MemberSignature, PrincipalId, Scheme, encode,
};
use std::collections::BTreeSet;

/// Domain separation for members' signatures on bills.
pub const BILL_SIGNING_DOMAIN: &[u8] = b"govchain/bill/v1\0";

/// Why a bill is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BillError {
    #[error("malformed bill: {0}")]
    Malformed(String),
    #[error("law `{law}` article `{article}`: {reason}")]
    Article {
        law: String,
        article: String,
        reason: String,
    },
    #[error("`{0}` is not a member of `{1}`")]
    NotMember(PrincipalId, PrincipalId),
    #[error("member `{0}` signed twice")]
    DuplicateSigner(PrincipalId),
    #[error("the signature of member `{0}` does not verify")]
    BadSignature(PrincipalId),
    #[error("{have} of the {need} signatures `{body}` requires")]
    BelowThreshold {
        body: PrincipalId,
        have: u32,
        need: u32,
    },
}

/// The bytes members sign: a domain tag and the hash of the bill's canonical encoding.
pub fn bill_signing_bytes(scheme: Scheme, bill: &LawPackage) -> Vec<u8> {
    let mut out = BILL_SIGNING_DOMAIN.to_vec();
    out.extend_from_slice(bill_hash(scheme, bill).as_bytes());
    out
}

/// The identity of a bill.
pub fn bill_hash(scheme: Scheme, bill: &LawPackage) -> Hash {
    hash(scheme, &encode(bill))
}

fn region_code_ok(code: &str) -> bool {
    code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit())
}

/// Checks the shape of a bill: articles present with unique ids, region codes, heights. Policy
/// text is checked by the authorizer, which compiles it.
pub fn check_shape(bill: &LawPackage) -> Result<(), BillError> {
    let bad = |m: String| Err(BillError::Malformed(m));
    if bill.title.trim().is_empty() {
        return bad(format!("law `{}` has no title", bill.id));
    }
    if bill.version == 0 {
        return bad(format!("law `{}`: versions start at 1", bill.id));
    }
    if bill.articles.is_empty() {
        return bad(format!("law `{}` has no articles", bill.id));
    }
    if let Some(until) = bill.effective_until
        && until <= bill.effective_from
    {
        return bad(format!(
            "law `{}` lapses at {until}, not after it takes effect at {}",
            bill.id, bill.effective_from
        ));
    }
    for code in &bill.jurisdiction {
        if !region_code_ok(code) {
            return bad(format!(
                "law `{}`: `{code}` is not a region code (six digits, GB/T 2260)",
                bill.id
            ));
        }
    }
    let mut ids = BTreeSet::new();
    for a in &bill.articles {
        let fail = |reason: &str| BillError::Article {
            law: bill.id.to_string(),
            article: a.id.clone(),
            reason: reason.to_string(),
        };
        let id_ok = !a.id.is_empty()
            && a.id.len() <= 16
            && a.id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.');
        if !id_ok {
            return Err(fail("an article id is 1 to 16 letters, digits and dots"));
        }
        if !ids.insert(a.id.as_str()) {
            return Err(fail("the article id appears twice"));
        }
        match &a.kind {
            ArticleKind::Permission { policy } if policy.trim().is_empty() => {
                return Err(fail("the permission rule is empty"));
            }
            ArticleKind::Algorithm { source, .. } if source.trim().is_empty() => {
                return Err(fail("the algorithm is empty"));
            }
            _ => {}
        }
    }
    Ok(())
}

/// Checks that at least the body's threshold of distinct members signed the bill. Returns the
/// signers.
pub fn check_signatures(
    scheme: Scheme,
    body: &LawBody,
    bill: &LawPackage,
    signatures: &[MemberSignature],
) -> Result<Vec<PrincipalId>, BillError> {
    let msg = bill_signing_bytes(scheme, bill);
    let mut signers = BTreeSet::new();
    for s in signatures {
        let Some(member) = body.members.iter().find(|m| m.id == s.member) else {
            return Err(BillError::NotMember(s.member.clone(), body.id.clone()));
        };
        if !signers.insert(s.member.clone()) {
            return Err(BillError::DuplicateSigner(s.member.clone()));
        }
        verify(&member.key, &msg, &s.signature)
            .map_err(|_| BillError::BadSignature(s.member.clone()))?;
    }
    let have = u32::try_from(signers.len()).unwrap_or(u32::MAX);
    if have < body.threshold || body.threshold == 0 {
        return Err(BillError::BelowThreshold {
            body: body.id.clone(),
            have,
            need: body.threshold.max(1),
        });
    }
    Ok(signers.into_iter().collect())
}
