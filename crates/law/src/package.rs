//! Checks of a law package as a bill: its shape, and the body's threshold signatures.

use govchain_crypto::{hash, verify};
use govchain_types::{
    ArticleKind, Hash, Interpretation, LawBody, LawPackage, Level, MemberSignature, PrincipalId,
    Scheme, encode,
};
use std::collections::BTreeSet;

/// Domain separation for members' signatures on bills.
pub const BILL_SIGNING_DOMAIN: &[u8] = b"govchain/bill/v1\0";
/// Domain separation for members' signatures on interpretations.
pub const INTERPRETATION_SIGNING_DOMAIN: &[u8] = b"govchain/interpretation/v1\0";
/// Longest interpretation text accepted, in bytes.
pub const MAX_INTERPRETATION_BYTES: usize = 16 * 1024;

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

/// The bytes members sign for an interpretation.
pub fn interpretation_signing_bytes(scheme: Scheme, i: &Interpretation) -> Vec<u8> {
    let mut out = INTERPRETATION_SIGNING_DOMAIN.to_vec();
    out.extend_from_slice(hash(scheme, &encode(i)).as_bytes());
    out
}

/// Checks the shape of an interpretation: an id, articles named, a text of bounded size.
pub fn check_interpretation(i: &Interpretation) -> Result<(), BillError> {
    let bad = |m: String| Err(BillError::Malformed(m));
    let id_ok = !i.id.is_empty()
        && i.id.len() <= 32
        && i.id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.');
    if !id_ok {
        return bad("an interpretation id is 1 to 32 letters, digits, dashes and dots".into());
    }
    if i.articles.is_empty() {
        return bad(format!("interpretation `{}` names no article", i.id));
    }
    if i.title.trim().is_empty() || i.text.trim().is_empty() {
        return bad(format!(
            "interpretation `{}` needs a title and a text",
            i.id
        ));
    }
    if i.text.len() > MAX_INTERPRETATION_BYTES {
        return bad(format!(
            "interpretation `{}` is {} bytes, more than {MAX_INTERPRETATION_BYTES}",
            i.id,
            i.text.len()
        ));
    }
    Ok(())
}

/// Checks a law-making body: members unique, a threshold they can reach, region codes.
pub fn check_body(body: &LawBody) -> Result<(), BillError> {
    let bad = |m: String| Err(BillError::Malformed(m));
    let mut ids = BTreeSet::new();
    let mut keys = BTreeSet::new();
    for m in &body.members {
        if !ids.insert(&m.id) || !keys.insert(&m.key) {
            return bad(format!(
                "body `{}`: member `{}` or its key appears twice",
                body.id, m.id
            ));
        }
    }
    let members = u32::try_from(body.members.len()).unwrap_or(u32::MAX);
    if body.threshold == 0 || body.threshold > members {
        return bad(format!(
            "body `{}` needs a threshold between 1 and its {members} members",
            body.id
        ));
    }
    for code in &body.jurisdiction {
        if !region_code_ok(code) {
            return bad(format!(
                "body `{}`: `{code}` is not a region code (six digits, GB/T 2260)",
                body.id
            ));
        }
    }
    Ok(())
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
    if matches!(bill.level, Level::Regional | Level::Department) && bill.jurisdiction.is_empty() {
        return bad(format!(
            "law `{}` is a {} law: name the regions it applies to",
            bill.id, bill.level
        ));
    }
    let mut constituted = BTreeSet::new();
    for body in &bill.constitutes {
        check_body(body)?;
        if !constituted.insert(&body.id) {
            return bad(format!(
                "law `{}` constitutes body `{}` twice",
                bill.id, body.id
            ));
        }
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
    check_member_signatures(body, &bill_signing_bytes(scheme, bill), signatures)
}

/// Checks that at least the body's threshold of distinct members signed `msg`. Returns the
/// signers.
pub fn check_member_signatures(
    body: &LawBody,
    msg: &[u8],
    signatures: &[MemberSignature],
) -> Result<Vec<PrincipalId>, BillError> {
    let mut signers = BTreeSet::new();
    for s in signatures {
        let Some(member) = body.members.iter().find(|m| m.id == s.member) else {
            return Err(BillError::NotMember(s.member.clone(), body.id.clone()));
        };
        if !signers.insert(s.member.clone()) {
            return Err(BillError::DuplicateSigner(s.member.clone()));
        }
        verify(&member.key, msg, &s.signature)
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
