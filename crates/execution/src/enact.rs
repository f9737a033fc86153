//! Enacting a law: the body's threshold signatures, the constitution's permission for that body
//! to enact that level, the next version, a future effective height, and laws that still compile
//! together once it is in force.

use crate::authorize::{Action, authorize};
use crate::error::{Result, TxError};
use crate::overlay::TxOverlay;
use crate::payload::{Signer, TxContext, event};
use crate::schema::{self, InterpretationRecord, LawRef};
use govchain_types::{Event, Interpretation, LawPackage, MemberSignature};

/// The body `id` as it stands at this block, and the members whose signatures over `msg` reach
/// its threshold; a shortfall is refused with `code`.
fn signed_by_body(
    tx: &TxOverlay<'_>,
    ctx: &TxContext<'_>,
    id: &govchain_types::PrincipalId,
    msg: &[u8],
    signatures: &[MemberSignature],
    code: &'static str,
) -> Result<std::result::Result<(govchain_types::LawBody, Vec<govchain_types::PrincipalId>), TxError>>
{
    let Some(body) = schema::body_at(tx, id, ctx.height)? else {
        return Ok(Err(TxError::new(
            "unknown_body",
            format!("there is no law-making body `{id}`"),
        )));
    };
    Ok(
        match govchain_law::check_member_signatures(&body, msg, signatures) {
            Ok(signers) => Ok((body, signers)),
            Err(e) => Err(TxError::new(code, e.to_string())),
        },
    )
}

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
    let msg = govchain_law::bill_signing_bytes(ctx.scheme, law);
    let (body, signers) = match signed_by_body(tx, ctx, &law.body, &msg, signatures, "not_enacted")?
    {
        Ok(b) => b,
        Err(e) => return Ok(Err(e)),
    };
    // The constitution says which body may enact which level, and who constitutes bodies.
    if let Err(e) = authorize(tx, ctx, signer, &Action::Enact { body: &body, law })? {
        return Ok(Err(e));
    }
    for new in &law.constitutes {
        if let Some(m) = new.members.iter().find(|m| m.key.scheme() != ctx.scheme) {
            return Ok(Err(TxError::new(
                "invalid_bill",
                format!(
                    "member `{}` of body `{}` has a {} key; this chain signs with {}",
                    m.id,
                    new.id,
                    m.key.scheme(),
                    ctx.scheme
                ),
            )));
        }
        let act = Action::Constitute {
            by: &body,
            body: new,
        };
        if let Err(e) = authorize(tx, ctx, signer, &act)? {
            return Ok(Err(e));
        }
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
    let (_, future) = crate::laws::with_bill(tx, law, ctx.height)?;
    let compiled = match ctx.compiler.compile_all(&future) {
        Ok(c) => c,
        Err(e) => return Ok(Err(TxError::new("invalid_bill", e))),
    };
    // Money in circulation keeps its meaning: its currency stays, with its minor units.
    for (code, now) in ctx.currencies {
        if schema::currency(tx, code)?.supply.0 == 0 {
            continue;
        }
        let problem = match compiled.currencies.get(code) {
            None => Some("abolish it: redeem what circulates first".to_string()),
            Some(next) if next.def.decimals != now.def.decimals => Some(format!(
                "change its minor units from {} to {} decimals, which would change every balance: define a new currency",
                now.def.decimals, next.def.decimals
            )),
            Some(_) => None,
        };
        if let Some(p) = problem {
            return Ok(Err(TxError::new(
                "invalid_bill",
                format!("{code} is in circulation; the bill would {p}"),
            )));
        }
    }
    index.push(LawRef {
        enacted_at: ctx.height,
        signed_by: signers.clone(),
        ..LawRef::of(law)
    });
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

/// Records an interpretation of a law: the body's threshold signatures, the constitution's
/// permission for that body to interpret that law, articles that exist, an id not used before.
pub(crate) fn interpret(
    tx: &mut TxOverlay<'_>,
    ctx: &TxContext<'_>,
    signer: &Signer,
    interpretation: &Interpretation,
    signatures: &[MemberSignature],
) -> Result<std::result::Result<Vec<Event>, TxError>> {
    if let Err(e) = govchain_law::check_interpretation(interpretation) {
        return Ok(Err(TxError::new("invalid_interpretation", e.to_string())));
    }
    let msg = govchain_law::interpretation_signing_bytes(ctx.scheme, interpretation);
    let signed = signed_by_body(
        tx,
        ctx,
        &interpretation.body,
        &msg,
        signatures,
        "not_recorded",
    )?;
    let (body, signers) = match signed {
        Ok(b) => b,
        Err(e) => return Ok(Err(e)),
    };
    // The latest version of the law enacted so far: its articles are the ones interpreted.
    let index = schema::law_index(tx)?;
    let latest = index
        .iter()
        .filter(|l| l.id == interpretation.law)
        .map(|l| l.version)
        .max();
    let Some(law) = (match latest {
        Some(v) => schema::law(tx, &interpretation.law, v)?,
        None => None,
    }) else {
        return Ok(Err(TxError::new(
            "unknown_law",
            format!("there is no law `{}`", interpretation.law),
        )));
    };
    if let Some(missing) = interpretation
        .articles
        .iter()
        .find(|a| !law.articles.iter().any(|x| &x.id == *a))
    {
        return Ok(Err(TxError::new(
            "unknown_article",
            format!(
                "law `{}` version {} has no article `{missing}`",
                law.id, law.version
            ),
        )));
    }
    if let Err(e) = authorize(
        tx,
        ctx,
        signer,
        &Action::Interpret {
            body: &body,
            law: &law,
        },
    )? {
        return Ok(Err(e));
    }
    let mut records = schema::interpretations(tx, &law.id)?;
    if records
        .iter()
        .any(|r| r.interpretation.id == interpretation.id)
    {
        return Ok(Err(TxError::new(
            "duplicate",
            format!(
                "law `{}` already has an interpretation `{}`",
                law.id, interpretation.id
            ),
        )));
    }
    records.push(InterpretationRecord {
        interpretation: interpretation.clone(),
        recorded_at: ctx.height,
        signed_by: signers.clone(),
    });
    tx.put(
        schema::interpretations_key(&law.id),
        schema::value(&records),
    );
    Ok(Ok(vec![event(
        "interpretation_recorded",
        &[
            ("law", law.id.to_string()),
            ("interpretation", interpretation.id.clone()),
            ("articles", interpretation.articles.join(",")),
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
