//! Checks of a law package as a bill: its shape, and the body's threshold signatures.

use govchain_crypto::{hash, verify};
use govchain_types::{
    ArticleKind, CurrencyDef, Hash, Interpretation, LawBody, LawPackage, Level, MemberSignature,
    PrincipalId, RegistryDef, Scheme, encode,
};
use std::collections::BTreeSet;

/// Domain separation for members' signatures on bills.
pub const BILL_SIGNING_DOMAIN: &[u8] = b"govchain/bill/v1\0";
/// Domain separation for members' signatures on interpretations.
pub const INTERPRETATION_SIGNING_DOMAIN: &[u8] = b"govchain/interpretation/v1\0";
/// The domain of a body's approval of a genesis snapshot file.
pub const SNAPSHOT_SIGNING_DOMAIN: &[u8] = b"govchain/snapshot/v1\0";
/// Longest interpretation text accepted, in bytes.
pub const MAX_INTERPRETATION_BYTES: usize = 16 * 1024;
/// Most articles in one law: each is compiled, indexed and searched for conflicts, so a law of
/// thousands makes verifying or enacting it cost gigabytes (review finding 7).
pub const MAX_ARTICLES: usize = 256;

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

/// The bytes members sign: a domain tag, the chain (so a signature is good on one chain
/// only) and the hash of the bill's canonical encoding.
pub fn bill_signing_bytes(chain_id: &str, scheme: Scheme, bill: &LawPackage) -> Vec<u8> {
    let mut out = BILL_SIGNING_DOMAIN.to_vec();
    out.extend_from_slice(&encode(&(chain_id, bill_hash(scheme, bill))));
    out
}

/// The bytes members sign to approve a genesis snapshot file: the chain, the registry, the
/// record count and the file's hash (not its name, nor the other signatures).
pub fn snapshot_signing_bytes(chain_id: &str, s: &govchain_types::GenesisSnapshot) -> Vec<u8> {
    let mut out = SNAPSHOT_SIGNING_DOMAIN.to_vec();
    out.extend_from_slice(&encode(&(chain_id, s.registry.as_str(), s.records, s.hash)));
    out
}

/// The bytes members sign for an interpretation: a domain tag, the chain and the hash of the
/// interpretation.
pub fn interpretation_signing_bytes(chain_id: &str, scheme: Scheme, i: &Interpretation) -> Vec<u8> {
    let mut out = INTERPRETATION_SIGNING_DOMAIN.to_vec();
    out.extend_from_slice(&encode(&(chain_id, hash(scheme, &encode(i)))));
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

/// Whether `s` is a name of a registry, field or record key: 1 to 64 lowercase letters, digits,
/// `-` and `_`, starting with a letter or digit.
pub fn name_ok(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

/// Checks a registry definition: names, unique fields, indexes and special fields that exist
/// with the right types.
pub fn check_registry(def: &RegistryDef) -> Result<(), BillError> {
    use govchain_types::{FieldType, RefTarget};
    let bad = |m: String| {
        Err(BillError::Malformed(format!(
            "registry `{}`: {m}",
            def.name
        )))
    };
    if !name_ok(&def.name) {
        return bad("a registry name is 1 to 64 lowercase letters, digits, `-` and `_`".into());
    }
    if def.title.trim().is_empty() {
        return bad("it has no title".into());
    }
    if def.fields.is_empty() || def.fields.len() > 128 {
        return bad("it needs 1 to 128 fields".into());
    }
    let mut names = BTreeSet::new();
    for f in &def.fields {
        if !name_ok(&f.name) {
            return bad(format!("`{}` is not a field name", f.name));
        }
        if !names.insert(f.name.as_str()) {
            return bad(format!("field `{}` appears twice", f.name));
        }
        match &f.ty {
            FieldType::Integer { min, max } if min > max => {
                return bad(format!("field `{}`: min above max", f.name));
            }
            FieldType::Decimal { scale } if *scale > 18 => {
                return bad(format!("field `{}`: a scale of at most 18", f.name));
            }
            FieldType::Text { max_len } if *max_len == 0 || *max_len > 65_536 => {
                return bad(format!("field `{}`: a text of 1 to 65536 bytes", f.name));
            }
            FieldType::Enum { values } if values.is_empty() => {
                return bad(format!("field `{}`: an enum needs values", f.name));
            }
            FieldType::Reference(RefTarget::Record { registry }) if !name_ok(registry) => {
                return bad(format!(
                    "field `{}`: `{registry}` is not a registry",
                    f.name
                ));
            }
            _ => {}
        }
    }
    let field = |n: &str| def.fields.iter().find(|f| f.name == n);
    for i in &def.indexes {
        if field(i).is_none() {
            return bad(format!("index on `{i}`, which is not a field"));
        }
    }
    if let Some(r) = &def.region_field
        && !field(r).is_some_and(|f| f.ty == FieldType::Region)
    {
        return bad(format!(
            "the region field `{r}` is not a field of type region"
        ));
    }
    if let Some(s) = &def.subject_field
        && !field(s).is_some_and(|f| {
            matches!(
                f.ty,
                FieldType::Reference(
                    RefTarget::Person | RefTarget::Organisation | RefTarget::Principal
                )
            )
        })
    {
        return bad(format!(
            "the subject field `{s}` is not a reference to a principal"
        ));
    }
    if let Some(j) = &def.jurisdiction_field
        && !field(j).is_some_and(|f| f.ty == FieldType::Regions)
    {
        return bad(format!(
            "the jurisdiction field `{j}` is not a field of type regions"
        ));
    }
    if let Some(p) = &def.parent_field
        && !field(p).is_some_and(|f| matches!(f.ty, FieldType::Reference(RefTarget::Principal)))
    {
        return bad(format!(
            "the parent field `{p}` is not a reference to a principal"
        ));
    }
    if let Some(r) = &def.representative_field
        && !field(r).is_some_and(|f| matches!(f.ty, FieldType::Reference(RefTarget::Person)))
    {
        return bad(format!(
            "the representative field `{r}` is not a reference to a person"
        ));
    }
    if def.sensitivity == govchain_types::Sensitivity::Secret
        && !def
            .fields
            .iter()
            .any(|f| f.ty == FieldType::Hash && f.required)
    {
        return bad(
            "a secret registry keeps only a hash on chain: it needs a required hash field".into(),
        );
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

/// Checks a currency definition: its code, minor units and the limits and fee the law sets.
pub fn check_currency(def: &CurrencyDef) -> Result<(), BillError> {
    let bad = |m: String| {
        Err(BillError::Malformed(format!(
            "currency `{}`: {m}",
            def.code
        )))
    };
    if !govchain_types::currency_code_ok(&def.code) {
        return bad("a currency code is 2 to 12 capital letters and digits, a letter first".into());
    }
    if def.name.trim().is_empty() {
        return bad("it has no name".into());
    }
    if def.decimals > 18 {
        return bad(format!("{} decimal places; at most 18", def.decimals));
    }
    if let Some(max) = def.max_supply
        && max.0 <= 0
    {
        return bad(format!("the supply limit {max} is not positive"));
    }
    if let Some(fee) = &def.transfer_fee {
        if fee.flat.0 < 0 {
            return bad(format!("the flat fee {} is negative", fee.flat));
        }
        if fee.basis_points > 10_000 {
            return bad(format!(
                "a fee of {} basis points is more than the amount",
                fee.basis_points
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

/// Checks what a bill costs to look at before anything looks at it closely: at most
/// [`MAX_ARTICLES`] articles. Part of [`check_shape`]; cheap, for callers that refuse early.
pub fn check_size(bill: &LawPackage) -> Result<(), BillError> {
    let count = bill.articles.len();
    if count > MAX_ARTICLES {
        return Err(BillError::Malformed(format!(
            "law `{}` has {count} articles, more than {MAX_ARTICLES}",
            bill.id
        )));
    }
    Ok(())
}

/// Checks the shape of a bill: articles present with unique ids and not too many, region codes,
/// heights. Policy text is checked by the authorizer, which compiles it.
pub fn check_shape(bill: &LawPackage) -> Result<(), BillError> {
    let bad = |m: String| Err(BillError::Malformed(m));
    check_size(bill)?;
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
    let mut defined = BTreeSet::new();
    for def in &bill.registries {
        check_registry(def)?;
        if !defined.insert(&def.name) {
            return bad(format!(
                "law `{}` defines registry `{}` twice",
                bill.id, def.name
            ));
        }
    }
    let mut currencies = BTreeSet::new();
    for def in &bill.currencies {
        check_currency(def)?;
        if !currencies.insert(&def.code) {
            return bad(format!(
                "law `{}` defines currency `{}` twice",
                bill.id, def.code
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
    chain_id: &str,
    scheme: Scheme,
    body: &LawBody,
    bill: &LawPackage,
    signatures: &[MemberSignature],
) -> Result<Vec<PrincipalId>, BillError> {
    check_member_signatures(
        body,
        &bill_signing_bytes(chain_id, scheme, bill),
        signatures,
    )
}

/// Checks that at least the body's threshold of distinct members signed `msg`, each with the
/// key the body names for it. Returns the signers.
pub fn check_member_signatures(
    body: &LawBody,
    msg: &[u8],
    signatures: &[MemberSignature],
) -> Result<Vec<PrincipalId>, BillError> {
    check_member_signatures_with(body, msg, signatures, |m| vec![m.key.clone()])
}

/// Checks that at least the body's threshold of distinct members signed `msg`, each with one of
/// the keys `keys_of` gives for it (on chain: the member's keys in force in the key registry, so
/// a revoked key no longer counts). Returns the signers.
pub fn check_member_signatures_with(
    body: &LawBody,
    msg: &[u8],
    signatures: &[MemberSignature],
    keys_of: impl Fn(&govchain_types::BodyMember) -> Vec<govchain_types::PublicKey>,
) -> Result<Vec<PrincipalId>, BillError> {
    let mut signers = BTreeSet::new();
    for s in signatures {
        let Some(member) = body.members.iter().find(|m| m.id == s.member) else {
            return Err(BillError::NotMember(s.member.clone(), body.id.clone()));
        };
        if !signers.insert(s.member.clone()) {
            return Err(BillError::DuplicateSigner(s.member.clone()));
        }
        if !keys_of(member)
            .iter()
            .any(|k| verify(k, msg, &s.signature).is_ok())
        {
            return Err(BillError::BadSignature(s.member.clone()));
        }
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
