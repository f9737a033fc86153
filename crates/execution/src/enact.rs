//! Enacting a law: the body's threshold signatures, the constitution's permission for that body
//! to enact that level, the next version, a future effective height, and laws that still compile
//! together once it is in force.

use crate::authorize::{Action, authorize};
use crate::error::{Result, TxError};
use crate::laws::in_force;
use crate::overlay::TxOverlay;
use crate::payload::{Signer, TxContext, event};
use crate::schema::{self, LawRef};
use govchain_types::{Event, LawPackage, MemberSignature};

pub(crate) fn enact_law(
    tx: &mut TxOverlay<'_>,
    ctx: &TxContext<'_>,
    signer: &Signer,
    law: &LawPackage,
    signatures: &[MemberSignature],
) -> Result<std::result::Result<Vec<Event>, TxError>> {
    if let Err(e) = govchain_law::check_shape(law) {
        return Ok(Err(TxError::new("invalid_bill", e.to_string())));
    }
    let Some(body) = schema::body(tx, &law.body)? else {
        return Ok(Err(TxError::new(
            "unknown_body",
            format!("there is no law-making body `{}`", law.body),
        )));
    };
    let signers = match govchain_law::check_signatures(ctx.scheme, &body, law, signatures) {
        Ok(s) => s,
        Err(e) => return Ok(Err(TxError::new("not_enacted", e.to_string()))),
    };
    // The constitution says which body may enact which level.
    if let Err(e) = authorize(tx, ctx, signer, &Action::Enact { law })? {
        return Ok(Err(e));
    }
    if law.effective_from <= ctx.height {
        return Ok(Err(TxError::new(
            "too_early",
            format!(
                "a law takes effect at a later block than {}, not at {}",
                ctx.height, law.effective_from
            ),
        )));
    }
    let mut index = schema::law_index(tx)?;
    let latest = index
        .iter()
        .filter(|l| l.id == law.id)
        .map(|l| l.version)
        .max()
        .unwrap_or(0);
    if law.version != latest.saturating_add(1) {
        return Ok(Err(TxError::new(
            "bad_version",
            format!(
                "law `{}` is at version {latest}: the next is {}, not {}",
                law.id,
                latest.saturating_add(1),
                law.version
            ),
        )));
    }
    // The body of law in force once this one is must still compile (schema, conflicts of ids).
    index.push(LawRef::of(law));
    let mut future = Vec::new();
    for l in index
        .iter()
        .filter(|l| in_force(l, law.effective_from, &index))
    {
        if l.id == law.id && l.version == law.version {
            future.push(law.clone());
        } else if let Some(stored) = schema::law(tx, &l.id, l.version)? {
            future.push(stored);
        }
    }
    if let Err(e) = ctx.compiler.compile(&future) {
        return Ok(Err(TxError::new("invalid_bill", e.to_string())));
    }
    tx.put(schema::law_key(&law.id, law.version), schema::value(law));
    tx.put(schema::LAW_INDEX.to_vec(), schema::value(&index));
    Ok(Ok(vec![event(
        "law_enacted",
        &[
            ("law", law.id.to_string()),
            ("version", law.version.to_string()),
            ("level", law.level.to_string()),
            ("effective_from", law.effective_from.to_string()),
            (
                "signed_by",
                signers
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(","),
            ),
        ],
    )]))
}
