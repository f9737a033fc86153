//! Positions: a department appoints a person to a position (powers, jurisdiction, term), which
//! is offered until the person accepts it, and suspends, reinstates or ends it. The holder, and
//! only the holder, accepts or declines an offer, and may resign. An official's rights are judged
//! on the position as it stands at the executing block, so a dismissal takes effect from the
//! next block.

use crate::authorize::{Action, authorize, department_jurisdiction, position_entity};
use crate::error::{Result, TxError};
use crate::overlay::TxOverlay;
use crate::payload::{Signer, TxContext, event};
use crate::registry::key_ok;
use crate::schema::{self, PositionRecord};
use govchain_types::Code;
use govchain_types::{Event, Position, PositionStatus, PrincipalKind};

fn jurisdiction_ok(codes: &[String]) -> bool {
    !codes.is_empty()
        && codes.len() <= 256
        && codes
            .iter()
            .all(|c| c == "CN" || (c.len() == 6 && c.bytes().all(|b| b.is_ascii_digit())))
}

pub(crate) fn appoint(
    tx: &mut TxOverlay<'_>,
    ctx: &TxContext<'_>,
    signer: &Signer,
    position: &Position,
) -> Result<std::result::Result<Vec<Event>, TxError>> {
    let bad = |m: String| Ok(Err(TxError::new(Code::InvalidPosition, m)));
    if !key_ok(&position.id) {
        return bad(format!(
            "`{}` is not a position id: 1 to 64 letters, digits, `-`, `_` and `.`",
            position.id
        ));
    }
    if position.title.trim().is_empty() || position.powers.is_empty() || position.powers.len() > 64
    {
        return bad("a position needs a title and 1 to 64 powers".into());
    }
    if !jurisdiction_ok(&position.jurisdiction) {
        return bad("a jurisdiction is 1 to 256 region codes (six digits, or CN)".into());
    }
    if position.term_to.is_some_and(|to| to <= position.term_from) {
        return bad("the term ends before it starts".into());
    }
    match schema::principal(tx, &position.holder)? {
        Some(p) if p.kind == PrincipalKind::Person => {}
        _ => return bad(format!("`{}` is not a registered person", position.holder)),
    }
    match schema::principal(tx, &position.department)? {
        Some(p) if p.kind == PrincipalKind::Department => {}
        _ => return bad(format!("`{}` is not a department", position.department)),
    }
    // A kernel rule no law can waive: a department confers no jurisdiction it does not have.
    let own = department_jurisdiction(tx, ctx.registries, &position.department)?;
    if let Some(code) = position
        .jurisdiction
        .iter()
        .find(|c| !govchain_law::within(c, &own))
    {
        return Ok(Err(TxError::new(
            Code::BeyondJurisdiction,
            format!(
                "region `{code}` is outside the jurisdiction of `{}` ({})",
                position.department,
                if own.is_empty() {
                    "none".to_string()
                } else {
                    own.join(", ")
                }
            ),
        )));
    }
    if schema::position(tx, &position.id)?.is_some() {
        return Ok(Err(TxError::new(
            Code::Exists,
            format!(
                "position `{}` exists; change its status instead",
                position.id
            ),
        )));
    }
    let resource = position_entity(tx, ctx.registries, position)?;
    if let Err(e) = authorize(
        tx,
        ctx,
        signer,
        &Action::Position {
            action: "appoint",
            resource,
        },
    )? {
        return Ok(Err(e));
    }
    // Nobody holds a position without consent: it is offered until the holder accepts it.
    let record = PositionRecord {
        position: position.clone(),
        status: PositionStatus::Offered,
        since: ctx.height,
        reason: "appointed".into(),
        citation: tx.citation.clone(),
    };
    tx.put(schema::position_key(&position.id), schema::value(&record));
    let mut holds = schema::holds(tx, &position.holder)?;
    holds.push(position.id.clone());
    tx.put(schema::holds_key(&position.holder), schema::value(&holds));
    Ok(Ok(vec![event(
        "appointed",
        &[
            ("position", position.id.clone()),
            ("holder", position.holder.to_string()),
            ("department", position.department.to_string()),
            ("status", PositionStatus::Offered.name().to_string()),
        ],
    )]))
}

/// Whether the change is the holder's own to make, whatever the laws say: accepting or declining
/// an offer, resigning.
fn holders_own(from: PositionStatus, to: PositionStatus) -> bool {
    use PositionStatus::*;
    matches!(
        (from, to),
        (Offered, Active | Ended) | (Active | Suspended, Ended)
    )
}

pub(crate) fn set_status(
    tx: &mut TxOverlay<'_>,
    ctx: &TxContext<'_>,
    signer: &Signer,
    id: &str,
    status: PositionStatus,
    reason: &str,
) -> Result<std::result::Result<Vec<Event>, TxError>> {
    let Some(mut record) = schema::position(tx, id)? else {
        return Ok(Err(TxError::new(
            Code::NotFound,
            format!("there is no position `{id}`"),
        )));
    };
    if record.status == PositionStatus::Ended {
        return Ok(Err(TxError::new(
            Code::Ended,
            format!("position `{id}` has ended; appoint anew"),
        )));
    }
    if reason.trim().is_empty() || reason.len() > 1024 {
        return Ok(Err(TxError::new(
            Code::InvalidPosition,
            "a change of status needs a reason of 1 to 1024 bytes",
        )));
    }
    // The holder itself, in its own name (not in a position, not for an organisation).
    let by_holder = signer.principal == record.position.holder
        && signer.position.is_none()
        && signer.organisation.is_none();
    match (by_holder, holders_own(record.status, status)) {
        // Consent and resignation are the holder's alone, and need no law.
        (true, true) => tx.citation = None,
        // Only the holder accepts an offer: no department puts anyone in office, directly or
        // through a suspension and a reinstatement. Others may only withdraw it (ended).
        _ if record.status == PositionStatus::Offered && status != PositionStatus::Ended => {
            return Ok(Err(TxError::new(
                Code::NotHolder,
                format!(
                    "position `{id}` is offered to `{}`: only they accept it; it may only be withdrawn (ended)",
                    record.position.holder
                ),
            )));
        }
        _ => {
            let resource = position_entity(tx, ctx.registries, &record.position)?;
            let act = Action::Position {
                action: "set-position-status",
                resource,
            };
            if let Err(e) = authorize(tx, ctx, signer, &act)? {
                return Ok(Err(e));
            }
        }
    }
    record.status = status;
    record.since = ctx.height;
    record.reason = reason.to_string();
    record.citation = tx.citation.clone();
    tx.put(schema::position_key(id), schema::value(&record));
    Ok(Ok(vec![event(
        "position_status",
        &[
            ("position", id.to_string()),
            ("status", status.name().to_string()),
        ],
    )]))
}
