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
use govchain_types::Code;
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
    /// Register a new principal (`resource` built by [`principal_target`]).
    CreatePrincipal {
        resource: EntityData,
    },
    /// Bind or revoke a key of a principal (`resource` built by [`principal_target`]).
    ManageKeys {
        resource: EntityData,
    },
    ChangeValidators,
    /// A body enacts a law.
    Enact {
        body: &'a LawBody,
        law: &'a LawPackage,
    },
    /// A body replaces `law` by a new version, repeals it, or defines anew what it defined.
    Amend {
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
    /// Insert, update or close a registry record (`resource` built by `registry::record_entity`).
    Record {
        action: &'static str,
        resource: EntityData,
    },
    /// Deploy a service, apply to one, or decide a case it opened (`deploy`, `apply` on the
    /// `Service` built by `services::service_entity`; `decide` on the `Case` built by
    /// `services::case_entity`).
    Service {
        action: &'static str,
        resource: EntityData,
    },
    /// Appoint to a position, or change its status (`appoint`, `set-position-status`).
    Position {
        action: &'static str,
        resource: EntityData,
    },
    /// Issue or redeem (on a `Currency`), transfer, freeze or unfreeze (on an `Account`): the
    /// amount and the other party go into the context.
    Money {
        action: &'static str,
        resource: EntityData,
        amount: govchain_types::Amount,
        counterparty: &'a PrincipalId,
    },
}

/// A law-making body as a Cedar principal or resource.
fn body_entity(body: &LawBody) -> EntityData {
    let count = |n: usize| Value::Long(i64::try_from(n).unwrap_or(i64::MAX));
    EntityData::new(EntityRef::new("Body", body.id.to_string()))
        .attr("id", Value::str(body.id.to_string()))
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

pub(crate) fn kind_name(kind: PrincipalKind) -> &'static str {
    match kind {
        PrincipalKind::Person => "person",
        PrincipalKind::Organisation => "organisation",
        PrincipalKind::Department => "department",
        PrincipalKind::Legislature => "legislature",
    }
}

/// The regions a principal is in, enclosing ones included: a person's or organisation's
/// registry region, a department's jurisdiction; `CN` for all.
pub(crate) fn principal_regions(
    state: &dyn crate::state::State,
    registries: &crate::laws::Registries,
    id: &PrincipalId,
    kind: PrincipalKind,
) -> Result<Vec<String>> {
    Ok(regions_of(
        own_record(state, registries, kind, id.as_str())?.as_ref(),
    ))
}

/// The regions a principal's own registry record places it in, enclosing ones included; `CN`
/// for all.
fn regions_of(
    own: Option<&(govchain_types::RegistryDef, crate::schema::RecordVersion)>,
) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut add = |code: &str| {
        for r in govchain_law::enclosing_regions(code) {
            if !out.contains(&r) {
                out.push(r);
            }
        }
    };
    if let Some((def, r)) = own {
        if let Some(region) = field_text(&r.fields, def.region_field.as_ref()) {
            add(&region);
        }
        if let Some(govchain_types::FieldValue::List(codes)) = def
            .jurisdiction_field
            .as_ref()
            .and_then(|f| r.fields.get(f))
        {
            for c in codes {
                add(c);
            }
        }
    }
    if !out.iter().any(|r| r == "CN") {
        out.push("CN".to_string());
    }
    out
}

/// Deepest department hierarchy followed.
const MAX_DEPTH: usize = 16;

/// The registry whose records are principals of `kind`, if the laws define one.
fn registry_of(
    registries: &crate::laws::Registries,
    kind: PrincipalKind,
) -> Option<&govchain_types::RegistryDef> {
    registries
        .values()
        .map(|r| &r.def)
        .find(|d| d.principals == Some(kind))
}

/// The principal's own registry record (a person's in `persons`, say), if there is one.
fn own_record(
    state: &dyn crate::state::State,
    registries: &crate::laws::Registries,
    kind: PrincipalKind,
    id: &str,
) -> Result<Option<(govchain_types::RegistryDef, crate::schema::RecordVersion)>> {
    let Some(def) = registry_of(registries, kind) else {
        return Ok(None);
    };
    Ok(crate::schema::record(state, &def.name, id)?.map(|r| (def.clone(), r)))
}

/// The jurisdiction a principal's registry record gives (a department's region codes).
fn jurisdiction_of(
    (def, r): &(govchain_types::RegistryDef, crate::schema::RecordVersion),
) -> Vec<String> {
    match def
        .jurisdiction_field
        .as_ref()
        .and_then(|f| r.fields.get(f))
    {
        Some(govchain_types::FieldValue::List(codes)) => codes.clone(),
        _ => Vec::new(),
    }
}

/// A department's jurisdiction as the departments registry holds it (empty without a record).
pub(crate) fn department_jurisdiction(
    state: &dyn crate::state::State,
    registries: &crate::laws::Registries,
    id: &PrincipalId,
) -> Result<Vec<String>> {
    Ok(
        own_record(state, registries, PrincipalKind::Department, id.as_str())?
            .as_ref()
            .map(jurisdiction_of)
            .unwrap_or_default(),
    )
}

fn field_text(fields: &govchain_types::Fields, name: Option<&String>) -> Option<String> {
    match fields.get(name?)? {
        govchain_types::FieldValue::Text(t) => Some(t.clone()),
        _ => None,
    }
}

/// `department` and every department above it, from the departments registry's parent field.
pub(crate) fn department_chain(
    state: &dyn crate::state::State,
    registries: &crate::laws::Registries,
    department: &str,
) -> Result<Vec<EntityRef>> {
    let mut out = vec![EntityRef::new("Department", department)];
    let mut at = department.to_string();
    for _ in 0..MAX_DEPTH {
        let parent = match own_record(state, registries, PrincipalKind::Department, &at)? {
            Some((def, r)) => field_text(&r.fields, def.parent_field.as_ref()),
            None => None,
        };
        match parent {
            Some(p) if !out.iter().any(|e| e.id == p) => {
                out.push(EntityRef::new("Department", p.as_str()));
                at = p;
            }
            _ => break,
        }
    }
    Ok(out)
}

/// The signer as a Cedar principal, as it stands in state at this block: an official (when it
/// acts in a position), or its own kind with the attributes its registry record gives; its own
/// `Principal` record is an ancestor (so `principal in resource` reads "acts on itself").
pub(crate) fn principal_entity(
    state: &dyn crate::state::State,
    registries: &crate::laws::Registries,
    principal: &PrincipalId,
    record: &PrincipalRecord,
    position: Option<&crate::schema::PositionRecord>,
) -> Result<EntityData> {
    let id = principal.to_string();
    let authority = Value::Bool(record.authority);
    if let Some(p) = position {
        let pos = &p.position;
        let long = height_value;
        let mut e = EntityData::new(EntityRef::new("Official", &id))
            .attr("department", Value::str(pos.department.to_string()))
            .attr("powers", Value::strs(pos.powers.iter().cloned()))
            .attr(
                "jurisdiction",
                Value::strs(pos.jurisdiction.iter().cloned()),
            )
            .attr("term_from", long(Some(pos.term_from)))
            .attr("term_to", long(pos.term_to))
            .attr("status", Value::str(p.status.name()));
        for d in department_chain(state, registries, pos.department.as_str())? {
            e = e.parent(d);
        }
        return Ok(e.parent(EntityRef::new("Principal", id)));
    }
    let own = own_record(state, registries, record.kind, &id)?;
    let region = own
        .as_ref()
        .and_then(|(def, r)| field_text(&r.fields, def.region_field.as_ref()))
        .unwrap_or_default();
    let entity = match record.kind {
        PrincipalKind::Person => EntityData::new(EntityRef::new("Person", &id))
            .attr("region", Value::str(region))
            .attr("authority", authority),
        PrincipalKind::Organisation => EntityData::new(EntityRef::new("Organisation", &id))
            .attr("region", Value::str(region))
            .attr("authority", authority),
        PrincipalKind::Department => {
            let jurisdiction = own.as_ref().map(jurisdiction_of).unwrap_or_default();
            let mut e = EntityData::new(EntityRef::new("Department", &id))
                .attr("jurisdiction", Value::strs(jurisdiction))
                .attr("authority", authority);
            for d in department_chain(state, registries, &id)?
                .into_iter()
                .skip(1)
            {
                e = e.parent(d);
            }
            e
        }
        PrincipalKind::Legislature => {
            EntityData::new(EntityRef::new("Legislature", &id)).attr("authority", authority)
        }
    };
    Ok(entity.parent(EntityRef::new("Principal", id)))
}

/// Who `who` acts as, as state holds it at this block: the position it holds, the
/// organisation whose registry record names it the representative, or the body whose members'
/// threshold signed the transaction (`members_signed`: the transaction's
/// `member_signing_bytes`, `None` for a read). Whether the position still lets it act (status,
/// term) is for the laws to say. `Ok(Err(_))`: it may not act so.
pub(crate) type Acts = (
    Option<crate::schema::PositionRecord>,
    Option<(PrincipalId, PrincipalRecord)>,
);

pub(crate) fn resolve_acting(
    state: &dyn crate::state::State,
    registries: &crate::laws::Registries,
    height: govchain_types::Height,
    who: &PrincipalId,
    acting: Option<&govchain_types::Acting>,
    members_signed: Option<&[u8]>,
) -> Result<std::result::Result<Acts, TxError>> {
    Ok(match acting {
        None => Ok((None, None)),
        Some(govchain_types::Acting::Body { id, signatures }) => {
            let Some(msg) = members_signed else {
                return Ok(Err(TxError::new(
                    Code::NotApproved,
                    "a body acts by its members' signatures on a transaction, not on a read",
                )));
            };
            // Only the legislature acts in its own name this way: a body constituted with the
            // id of a citizen, a department or an organisation must not become that principal.
            let record = match crate::schema::principal(state, id)? {
                Some(r) if r.kind == PrincipalKind::Legislature => r,
                _ => {
                    return Ok(Err(TxError::new(
                        Code::NotApproved,
                        format!(
                            "`{id}` is not the legislature: other bodies act by enacting bills"
                        ),
                    )));
                }
            };
            match crate::schema::body_at(state, id, height)? {
                Some(b) if b.kind == govchain_types::BodyKind::Legislature => {}
                _ => {
                    return Ok(Err(TxError::new(
                        Code::NotApproved,
                        format!("`{id}` is not constituted as the legislature"),
                    )));
                }
            }
            match crate::enact::signed_by_body(
                state,
                height,
                id,
                msg,
                signatures,
                Code::NotApproved,
            )? {
                Ok(_) => Ok((None, Some((id.clone(), record)))),
                Err(e) => Err(e),
            }
        }
        Some(govchain_types::Acting::Position(id)) => match crate::schema::position(state, id)? {
            Some(p) if &p.position.holder == who => Ok((Some(p), None)),
            Some(_) => Err(TxError::new(
                Code::NotHolder,
                format!("`{who}` does not hold position `{id}`"),
            )),
            None => Err(TxError::new(
                Code::UnknownPosition,
                format!("there is no position `{id}`"),
            )),
        },
        Some(govchain_types::Acting::Organisation(org)) => {
            match crate::registry::representative(state, registries, org)? {
                Some((record, rep)) if rep == who.as_str() => {
                    Ok((None, Some((org.clone(), record))))
                }
                _ => Err(TxError::new(
                    Code::NotRepresentative,
                    format!("`{who}` is not the representative of `{org}` in its registry record"),
                )),
            }
        }
    })
}

/// A position as the resource of `appoint` and `set-position-status`: within its department
/// and every department above it.
pub(crate) fn position_entity(
    state: &dyn crate::state::State,
    registries: &crate::laws::Registries,
    p: &govchain_types::Position,
) -> Result<EntityData> {
    let mut e = EntityData::new(EntityRef::new("Position", p.id.as_str()))
        .attr("department", Value::str(p.department.to_string()))
        .attr("holder", Value::entity("Principal", p.holder.to_string()))
        .attr("powers", Value::strs(p.powers.iter().cloned()))
        .attr("jurisdiction", Value::strs(p.jurisdiction.iter().cloned()))
        .attr("term_from", height_value(Some(p.term_from)))
        .attr("term_to", height_value(p.term_to));
    for d in department_chain(state, registries, p.department.as_str())? {
        e = e.parent(d);
    }
    Ok(e)
}

/// A height as a Cedar integer: `None` (open-ended) and heights past Cedar's range read as the
/// largest integer.
fn height_value(h: Option<u64>) -> Value {
    Value::Long(h.map_or(i64::MAX, |h| i64::try_from(h).unwrap_or(i64::MAX)))
}

/// A principal as the resource of `create-principal` and `manage-keys`, as it stands: its
/// kind; its region and every region enclosing it (`CN` for all); the department owning the
/// registry that holds it; whether it is a genesis authority, an official (a position
/// not ended: the departments of those positions, and those above, are its ancestors) or a member
/// of a law-making body (now, before or as a pending law will constitute it). `record` is `None`
/// for a principal not yet registered.
pub(crate) fn principal_target(
    state: &dyn crate::state::State,
    registries: &crate::laws::Registries,
    id: &PrincipalId,
    kind: PrincipalKind,
    record: Option<&PrincipalRecord>,
) -> Result<EntityData> {
    let exists = record.is_some();
    let (region, regions) = if exists {
        let own = own_record(state, registries, kind, id.as_str())?;
        let region = own
            .as_ref()
            .and_then(|(def, r)| field_text(&r.fields, def.region_field.as_ref()))
            .unwrap_or_default();
        (region, regions_of(own.as_ref()))
    } else {
        (String::new(), vec!["CN".to_string()])
    };
    let department = registry_of(registries, kind)
        .map(|d| d.department.to_string())
        .unwrap_or_default();
    let held = if exists {
        crate::schema::positions_held(state, id)?
    } else {
        Vec::new()
    };
    let lawmaker = crate::schema::is_lawmaker(state, id)?;
    let mut e = EntityData::new(EntityRef::new("Principal", id.to_string()))
        .attr("kind", Value::str(kind_name(kind)))
        .attr("exists", Value::Bool(exists))
        .attr("region", Value::str(region))
        .attr("regions", Value::strs(regions))
        .attr("department", Value::str(department))
        .attr(
            "authority",
            Value::Bool(record.is_some_and(|r| r.authority)),
        )
        .attr("official", Value::Bool(!held.is_empty()))
        .attr("lawmaker", Value::Bool(lawmaker));
    let mut parents: Vec<EntityRef> = Vec::new();
    for p in &held {
        for d in department_chain(state, registries, p.position.department.as_str())? {
            if !parents.contains(&d) {
                parents.push(d);
            }
        }
    }
    for d in parents {
        e = e.parent(d);
    }
    Ok(e)
}

/// The request the kernel asks the laws: `principal` (with its record) doing `action` at
/// `height` — or, for the acts of law-making bodies, the body doing it. Returns the action's
/// name and the request.
pub(crate) fn request_for(
    signer: EntityData,
    action: &Action<'_>,
    height: govchain_types::Height,
) -> (&'static str, AuthRequest) {
    let (name, resource) = match action {
        Action::CreatePrincipal { resource } => ("create-principal", resource.clone()),
        Action::ManageKeys { resource } => ("manage-keys", resource.clone()),
        Action::ChangeValidators => (
            "change-validators",
            EntityData::new(EntityRef::new("ValidatorSet", "current")),
        ),
        Action::Enact { law, .. } => ("enact", law_entity(law)),
        Action::Amend { law, .. } => ("amend", law_entity(law)),
        Action::Constitute { body, .. } => ("constitute", body_entity(body)),
        Action::Interpret { law, .. } => ("interpret", law_entity(law)),
        Action::Record { action, resource }
        | Action::Position { action, resource }
        | Action::Service { action, resource }
        | Action::Money {
            action, resource, ..
        } => (*action, resource.clone()),
    };
    let who = match action {
        Action::Enact { body, .. }
        | Action::Interpret { body, .. }
        | Action::Amend { body, .. } => body_entity(body),
        Action::Constitute { by, .. } => body_entity(by),
        _ => signer,
    };
    // A law of a region is enacted or interpreted in that region, and a record is acted on
    // where it is: the regional laws of that region decide too.
    let region = match action {
        Action::Enact { law, .. } | Action::Interpret { law, .. } | Action::Amend { law, .. } => {
            law.jurisdiction.first().cloned()
        }
        Action::Record { resource, .. }
        | Action::Money { resource, .. }
        | Action::CreatePrincipal { resource }
        | Action::ManageKeys { resource } => match resource.attrs.get("regions") {
            Some(Value::Set(codes)) => codes.iter().find_map(|c| match c {
                Value::Str(s) if s != "CN" => Some(s.clone()),
                _ => None,
            }),
            _ => None,
        },
        _ => None,
    };
    let (amount, counterparty) = match action {
        // Cedar's integers are 64-bit: a larger amount reads as the largest, which every limit
        // a law can write refuses.
        Action::Money {
            amount,
            counterparty,
            ..
        } => (
            i64::try_from(amount.0).unwrap_or(if amount.0 < 0 { i64::MIN } else { i64::MAX }),
            counterparty.to_string(),
        ),
        _ => (0, String::new()),
    };
    let request = AuthRequest {
        principal: who,
        action: name.to_string(),
        resource,
        height,
        via_contract: None,
        region,
        amount,
        counterparty,
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
    let who = match action {
        Action::Enact { .. }
        | Action::Interpret { .. }
        | Action::Constitute { .. }
        | Action::Amend { .. } => EntityData::new(EntityRef::new("Principal", "")),
        _ => signer_entity(tx, ctx, signer)?,
    };
    authorize_as(tx, ctx, who, None, action)
}

/// The principal the signer acts as, as the laws see it: the organisation it represents, or
/// itself (an official when it acts in a position).
pub(crate) fn signer_entity(
    state: &dyn crate::state::State,
    ctx: &TxContext<'_>,
    signer: &Signer,
) -> Result<EntityData> {
    match &signer.organisation {
        Some((org, record)) => principal_entity(state, ctx.registries, org, record, None),
        None => principal_entity(
            state,
            ctx.registries,
            &signer.principal,
            &signer.record,
            signer.position.as_ref(),
        ),
    }
}

/// Decides whether `who` (a principal as the laws see it; a `Contract` when `via_contract`
/// names the service) may perform `action` at this block.
pub(crate) fn authorize_as(
    tx: &mut TxOverlay<'_>,
    ctx: &TxContext<'_>,
    who: EntityData,
    via_contract: Option<&str>,
    action: &Action<'_>,
) -> Result<std::result::Result<(), TxError>> {
    let (name, mut request) = request_for(who, action, ctx.height);
    request.via_contract = via_contract.map(str::to_string);
    let decision = match ctx.laws.decide(&request) {
        Ok(d) => d,
        Err(e) => {
            return Ok(Err(TxError::new(
                Code::Unauthorized,
                format!("the request cannot be decided: {e}"),
            )));
        }
    };
    if tx.audit_on {
        tx.audit.push(Audited {
            tx_index: 0,
            allowed: decision.allowed,
            decided_by: decision.decided_by.clone(),
            request: request.clone(),
        });
    }
    if decision.allowed {
        // The first decision of a transaction is its main act (e.g. enact before constitute).
        if tx.citation.is_none() {
            tx.citation = decision.decided_by;
        }
        return Ok(Ok(()));
    }
    Ok(Err(denial(&decision, name, &request)))
}

/// The refusal of a request the laws denied, citing the article that decided (if any).
fn denial(decision: &govchain_law::Decision, name: &str, request: &AuthRequest) -> TxError {
    let what = format!(
        "`{}` may not `{name}` on `{}`",
        request.principal.uid.id, request.resource.uid.id
    );
    match &decision.decided_by {
        Some(c) => {
            TxError::new(Code::Unauthorized, format!("denied by {c}: {what}")).citing(c.clone())
        }
        None => TxError::new(
            Code::Unauthorized,
            format!("no law in force permits it: {what}"),
        ),
    }
}

/// Decides `action` by `who` with `book` at `height`, outside any transaction (nothing is
/// recorded): what verifying a bill asks.
pub(crate) fn decide_pure(
    book: &govchain_law::LawBook,
    who: EntityData,
    action: &Action<'_>,
    height: govchain_types::Height,
) -> std::result::Result<(), TxError> {
    let (name, request) = request_for(who, action, height);
    match book.decide(&request) {
        Ok(d) if d.allowed => Ok(()),
        Ok(d) => Err(denial(&d, name, &request)),
        Err(e) => Err(TxError::new(
            Code::Unauthorized,
            format!("the request cannot be decided: {e}"),
        )),
    }
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
    let compiled = laws.at(state, height)?;
    let regs = &compiled.registries;
    let act = match (action, target) {
        ("change-validators", _) => Action::ChangeValidators,
        ("create-principal", Some(t)) => {
            let kind = kind.unwrap_or(PrincipalKind::Person);
            let existing = crate::schema::principal(state, t)?;
            Action::CreatePrincipal {
                resource: principal_target(state, regs, t, kind, existing.as_ref())?,
            }
        }
        ("manage-keys", Some(t)) => match crate::schema::principal(state, t)? {
            Some(r) => Action::ManageKeys {
                resource: principal_target(state, regs, t, r.kind, Some(&r))?,
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
    let who = principal_entity(state, &compiled.registries, principal, &record, None)?;
    let (name, request) = request_for(who, &act, height);
    Ok(match compiled.book.decide(&request) {
        Ok(decision) => Ok(Explanation {
            decision,
            action: name,
            resource: format!("{}::{}", request.resource.uid.kind, request.resource.uid.id),
        }),
        Err(e) => Err(e.to_string()),
    })
}

/// How the laws in force at `height` decide `who` (acting in `position`, if given) doing
/// `action` on `resource`, with the principal as `state` holds it: for requests that are not
/// transactions (reads, audits). `Ok(Err(_))` says why it cannot be decided.
pub fn decide_as(
    state: &dyn crate::state::State,
    laws: &crate::laws::Laws,
    height: govchain_types::Height,
    who: &PrincipalId,
    acting: Option<&govchain_types::Acting>,
    action: &'static str,
    resource: EntityData,
) -> Result<std::result::Result<govchain_law::Decision, String>> {
    decide_each(state, laws, height, who, acting, action, vec![resource])
        .map(|r| r.map(|mut d| d.pop()))
        .map(|r| r.and_then(|d| d.ok_or_else(|| "nothing was decided".to_string())))
}

/// A bill's dry run as the laws see it (the resource of `dry-run`): its law, level and body,
/// and the members of that body as it stands at `height` (none if there is no such body).
pub fn dry_run_entity(
    state: &dyn crate::state::State,
    bill: &govchain_types::LawPackage,
    height: govchain_types::Height,
) -> Result<EntityData> {
    let members = crate::schema::body_at(state, &bill.body, height)?
        .map(|b| b.members)
        .unwrap_or_default();
    Ok(
        EntityData::new(EntityRef::new("DryRun", bill.id.to_string()))
            .attr("law", Value::str(bill.id.to_string()))
            .attr("level", Value::str(bill.level.name()))
            .attr("body", Value::str(bill.body.to_string()))
            .attr(
                "members",
                Value::Set(
                    members
                        .iter()
                        .map(|m| Value::entity("Principal", m.id.to_string()))
                        .collect(),
                ),
            ),
    )
}

/// [`decide_as`] for several resources of one request: the principal is resolved once, each
/// resource decided on its own. One decision per resource, in order.
fn decide_each(
    state: &dyn crate::state::State,
    laws: &crate::laws::Laws,
    height: govchain_types::Height,
    who: &PrincipalId,
    acting: Option<&govchain_types::Acting>,
    action: &'static str,
    resources: Vec<EntityData>,
) -> Result<std::result::Result<Vec<govchain_law::Decision>, String>> {
    let Some(record) = crate::schema::principal(state, who)? else {
        return Ok(Err(format!("`{who}` is not registered")));
    };
    let compiled = laws.at(state, height)?;
    let principal = match resolve_acting(state, &compiled.registries, height, who, acting, None)? {
        Err(e) => return Ok(Err(e.message)),
        Ok((_, Some((org, org_record)))) => {
            principal_entity(state, &compiled.registries, &org, &org_record, None)?
        }
        Ok((position, None)) => {
            principal_entity(state, &compiled.registries, who, &record, position.as_ref())?
        }
    };
    let mut out = Vec::with_capacity(resources.len());
    for resource in resources {
        let (_, request) = request_for(
            principal.clone(),
            &Action::Record { action, resource },
            height,
        );
        match compiled.book.decide(&request) {
            Ok(d) => out.push(d),
            Err(e) => return Ok(Err(e.to_string())),
        }
    }
    Ok(Ok(out))
}

/// How the laws in force at `height` decide `reader` (acting in `position`, if given) reading
/// each given version of record `key` of `registry`, each on its own fields: a read of a past
/// height or of history returns versions that may place the record elsewhere, or name another
/// subject, than it does now, so each is decided on what it shows (the Security issue: "a read
/// of history is decided for each version it returns"). One decision per version, in order.
/// `Ok(Err(_))` says why the read cannot be decided (an unknown reader, position or registry).
#[allow(
    clippy::too_many_arguments,
    reason = "a read request's parts, as decide_read takes them"
)]
pub fn decide_read_versions(
    state: &dyn crate::state::State,
    laws: &crate::laws::Laws,
    height: govchain_types::Height,
    reader: &PrincipalId,
    acting: Option<&govchain_types::Acting>,
    registry: &str,
    key: &str,
    versions: &[&govchain_types::Fields],
) -> Result<std::result::Result<Vec<govchain_law::Decision>, String>> {
    let compiled = laws.at(state, height)?;
    let Some(reg) = compiled.registries.get(registry) else {
        return Ok(Err(format!(
            "no law in force defines a registry `{registry}`"
        )));
    };
    let resources = versions
        .iter()
        .map(|fields| crate::registry::record_entity(&reg.def, key, fields))
        .collect();
    decide_each(state, laws, height, reader, acting, "read", resources)
}
