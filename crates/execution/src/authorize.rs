//! The one place every transaction's right to act is decided: the laws in force.
//!
//! The kernel builds one request — the signer as a principal with its attributes, the action,
//! the resource with its attributes, the block height — and the compiled laws decide it
//! (`govchain_law::LawBook`): default deny, the legal hierarchy, and the article that decided.
//! The citation goes into the receipt; a refusal shows it.

use crate::error::{Result, TxError};
use crate::overlay::TxOverlay;
use crate::payload::{Signer, TxContext};
use govchain_law::{AuthRequest, EntityData, EntityRef, Value};
use govchain_types::{PrincipalId, PrincipalKind};

/// What a transaction asks to do.
pub(crate) enum Action<'a> {
    CreatePrincipal {
        principal: &'a PrincipalId,
        kind: PrincipalKind,
    },
    ManageKeys {
        principal: &'a PrincipalId,
        kind: PrincipalKind,
    },
    ChangeValidators,
    Enact {
        law: &'a govchain_types::LawPackage,
    },
}

fn kind_name(kind: PrincipalKind) -> &'static str {
    match kind {
        PrincipalKind::Person => "person",
        PrincipalKind::Organisation => "organisation",
        PrincipalKind::Department => "department",
        PrincipalKind::Legislature => "legislature",
    }
}

/// The signer as a Cedar principal: its kind, attributes, and its own `Principal` record as an
/// ancestor (so `principal in resource` reads "acts on itself").
fn principal_entity(signer: &Signer) -> EntityData {
    let authority = Value::Bool(signer.record.authority);
    let id = signer.principal.to_string();
    let entity = match signer.record.kind {
        PrincipalKind::Person => EntityData::new(EntityRef::new("Person", &id))
            .attr("region", Value::str(""))
            .attr("authority", authority),
        PrincipalKind::Organisation => EntityData::new(EntityRef::new("Organisation", &id))
            .attr("region", Value::str(""))
            .attr("authority", authority),
        PrincipalKind::Department => EntityData::new(EntityRef::new("Department", &id))
            .attr("jurisdiction", Value::Set(Vec::new()))
            .attr("authority", authority),
        PrincipalKind::Legislature => {
            EntityData::new(EntityRef::new("Legislature", &id)).attr("authority", authority)
        }
    };
    entity.parent(EntityRef::new("Principal", id))
}

fn principal_resource(id: &PrincipalId, kind: PrincipalKind, exists: bool) -> EntityData {
    EntityData::new(EntityRef::new("Principal", id.to_string()))
        .attr("kind", Value::str(kind_name(kind)))
        .attr("exists", Value::Bool(exists))
}

/// Decides whether `signer` may perform `action` at this block. On allow the citation is
/// recorded for the receipt; a refusal (`Ok(Err(_))`) carries it in its message.
pub(crate) fn authorize(
    tx: &mut TxOverlay<'_>,
    ctx: &TxContext<'_>,
    signer: &Signer,
    action: &Action<'_>,
) -> Result<std::result::Result<(), TxError>> {
    let (name, resource) = match action {
        Action::CreatePrincipal { principal, kind } => (
            "create-principal",
            principal_resource(principal, *kind, false),
        ),
        Action::ManageKeys { principal, kind } => {
            ("manage-keys", principal_resource(principal, *kind, true))
        }
        Action::ChangeValidators => (
            "change-validators",
            EntityData::new(EntityRef::new("ValidatorSet", "current")),
        ),
        Action::Enact { law } => (
            "enact",
            EntityData::new(EntityRef::new("Law", law.id.to_string()))
                .attr("level", Value::str(law.level.name()))
                .attr(
                    "jurisdiction",
                    Value::strs(law.jurisdiction.iter().cloned()),
                )
                .attr("body", Value::str(law.body.to_string())),
        ),
    };
    let request = AuthRequest {
        principal: principal_entity(signer),
        action: name.to_string(),
        resource: resource.clone(),
        height: ctx.height,
        via_contract: None,
        region: None,
        others: Vec::new(),
    };
    let decision = match ctx.laws.decide(&request) {
        Ok(d) => d,
        Err(e) => {
            return Ok(Err(TxError::new(
                "unauthorized",
                format!("the request cannot be decided: {e}"),
            )));
        }
    };
    if decision.allowed {
        tx.citation = decision.decided_by;
        return Ok(Ok(()));
    }
    let what = format!(
        "`{}` may not `{name}` on `{}`",
        signer.principal, resource.uid.id
    );
    Ok(Err(match decision.decided_by {
        Some(c) => TxError::new("unauthorized", format!("denied by {c}: {what}")).citing(c),
        None => TxError::new(
            "unauthorized",
            format!("no law in force permits it: {what}"),
        ),
    }))
}
