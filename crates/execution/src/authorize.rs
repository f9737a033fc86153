//! The one place every transaction's right to act is decided: the laws in force.
//!
//! The kernel builds one request — the signer as a principal with its attributes, the action,
//! the resource with its attributes, the block height — and the compiled laws decide it
//! (`govchain_law::LawBook`): default deny, the legal hierarchy, and the article that decided.
//! The citation goes into the receipt; a refusal shows it.

use crate::error::{Result, TxError};
use crate::overlay::TxOverlay;
use crate::payload::{Signer, TxContext};
use crate::schema::PrincipalRecord;
use borsh::{BorshDeserialize, BorshSerialize};
use govchain_law::{AuthRequest, EntityData, EntityRef, Value};
use govchain_types::{Citation, LawBody, LawPackage, PrincipalId, PrincipalKind};
use serde::{Deserialize, Serialize};

/// One authorization request a transaction made, and how the laws decided it.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct Audited {
    /// The transaction's index in its block.
    pub tx_index: u32,
    pub request: AuthRequest,
    pub allowed: bool,
    pub decided_by: Option<Citation>,
}

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
    /// A body enacts a law.
    Enact {
        body: &'a LawBody,
        law: &'a LawPackage,
    },
    /// A body's law constitutes (or reconstitutes) a body.
    Constitute {
        by: &'a LawBody,
        body: &'a LawBody,
    },
    /// A body interprets a law.
    Interpret {
        body: &'a LawBody,
        law: &'a LawPackage,
    },
}

/// A law-making body as a Cedar principal or resource.
fn body_entity(body: &LawBody) -> EntityData {
    let count = |n: usize| Value::Long(i64::try_from(n).unwrap_or(i64::MAX));
    EntityData::new(EntityRef::new("Body", body.id.to_string()))
        .attr("kind", Value::str(body.kind.name()))
        .attr(
            "jurisdiction",
            Value::strs(body.jurisdiction.iter().cloned()),
        )
        .attr("members", count(body.members.len()))
        .attr("threshold", Value::Long(i64::from(body.threshold)))
}

fn law_entity(law: &LawPackage) -> EntityData {
    EntityData::new(EntityRef::new("Law", law.id.to_string()))
        .attr("level", Value::str(law.level.name()))
        .attr(
            "jurisdiction",
            Value::strs(law.jurisdiction.iter().cloned()),
        )
        .attr("body", Value::str(law.body.to_string()))
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
fn principal_entity(principal: &PrincipalId, record: &PrincipalRecord) -> EntityData {
    let authority = Value::Bool(record.authority);
    let id = principal.to_string();
    let entity = match record.kind {
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

/// The request the kernel asks the laws: `principal` (with its record) doing `action` at
/// `height` — or, for the acts of law-making bodies, the body doing it. Returns the action's
/// name and the request.
pub(crate) fn request_for(
    principal: &PrincipalId,
    record: &PrincipalRecord,
    action: &Action<'_>,
    height: govchain_types::Height,
) -> (&'static str, AuthRequest) {
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
        Action::Enact { law, .. } => ("enact", law_entity(law)),
        Action::Constitute { body, .. } => ("constitute", body_entity(body)),
        Action::Interpret { law, .. } => ("interpret", law_entity(law)),
    };
    let who = match action {
        Action::Enact { body, .. } | Action::Interpret { body, .. } => body_entity(body),
        Action::Constitute { by, .. } => body_entity(by),
        _ => principal_entity(principal, record),
    };
    // A law of a region is enacted or interpreted in that region: regional laws of the region
    // decide it too.
    let region = match action {
        Action::Enact { law, .. } | Action::Interpret { law, .. } => law.jurisdiction.first(),
        _ => None,
    };
    let request = AuthRequest {
        principal: who,
        action: name.to_string(),
        resource,
        height,
        via_contract: None,
        region: region.cloned(),
        others: Vec::new(),
    };
    (name, request)
}

/// Decides whether `signer` may perform `action` at this block. On allow the citation is
/// recorded for the receipt; a refusal (`Ok(Err(_))`) carries it in its message.
pub(crate) fn authorize(
    tx: &mut TxOverlay<'_>,
    ctx: &TxContext<'_>,
    signer: &Signer,
    action: &Action<'_>,
) -> Result<std::result::Result<(), TxError>> {
    let (name, request) = request_for(&signer.principal, &signer.record, action, ctx.height);
    let decision = match ctx.laws.decide(&request) {
        Ok(d) => d,
        Err(e) => {
            return Ok(Err(TxError::new(
                "unauthorized",
                format!("the request cannot be decided: {e}"),
            )));
        }
    };
    let who = request.principal.uid.id.clone();
    tx.audit.push(Audited {
        tx_index: 0,
        allowed: decision.allowed,
        decided_by: decision.decided_by.clone(),
        request: request.clone(),
    });
    if decision.allowed {
        // The first decision of a transaction is its main act (e.g. enact before constitute).
        if tx.citation.is_none() {
            tx.citation = decision.decided_by;
        }
        return Ok(Ok(()));
    }
    let what = format!("`{who}` may not `{name}` on `{}`", request.resource.uid.id);
    Ok(Err(match decision.decided_by {
        Some(c) => TxError::new("unauthorized", format!("denied by {c}: {what}")).citing(c),
        None => TxError::new(
            "unauthorized",
            format!("no law in force permits it: {what}"),
        ),
    }))
}

/// What `explain` answers: the decision, and the request the laws were asked.
#[derive(Debug, Clone)]
pub struct Explanation {
    pub decision: govchain_law::Decision,
    pub action: &'static str,
    pub resource: String,
}

/// Explains, without a transaction, how the laws in force at `height` decide `principal` doing
/// one of the kernel's actions: `create-principal` (of `target`, a person unless `kind` says
/// otherwise), `manage-keys` (of `target`) or `change-validators`.
pub fn explain(
    state: &dyn crate::state::State,
    laws: &crate::laws::Laws,
    height: govchain_types::Height,
    principal: &PrincipalId,
    action: &str,
    target: Option<&PrincipalId>,
    kind: Option<PrincipalKind>,
) -> Result<std::result::Result<Explanation, String>> {
    let Some(record) = crate::schema::principal(state, principal)? else {
        return Ok(Err(format!("`{principal}` is not registered")));
    };
    let act = match (action, target) {
        ("change-validators", _) => Action::ChangeValidators,
        ("create-principal", Some(t)) => Action::CreatePrincipal {
            principal: t,
            kind: kind.unwrap_or(PrincipalKind::Person),
        },
        ("manage-keys", Some(t)) => match crate::schema::principal(state, t)? {
            Some(r) => Action::ManageKeys {
                principal: t,
                kind: r.kind,
            },
            None => return Ok(Err(format!("`{t}` is not registered"))),
        },
        ("create-principal" | "manage-keys", None) => {
            return Ok(Err(format!("`{action}` needs a target principal")));
        }
        (other, _) => {
            return Ok(Err(format!(
                "`{other}` is not an action explain knows: use create-principal, manage-keys or change-validators"
            )));
        }
    };
    let book = laws.book_at(state, height)?;
    let (name, request) = request_for(principal, &record, &act, height);
    Ok(match book.decide(&request) {
        Ok(decision) => Ok(Explanation {
            decision,
            action: name,
            resource: format!("{}::{}", request.resource.uid.kind, request.resource.uid.id),
        }),
        Err(e) => Err(e.to_string()),
    })
}
