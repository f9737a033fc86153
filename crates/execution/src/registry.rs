//! Registry records: insert, update, close — each a new version that keeps who wrote it, in
//! which transaction, at which height and under which law; never deleted. Fields are checked
//! against the registry's definition in force; secondary indexes are kept as state keys.

use crate::authorize::{Action, authorize};
use crate::error::{Result, TxError};
use crate::laws::RegistryInForce;
use crate::overlay::TxOverlay;
use crate::payload::{Signer, TxContext, event};
use crate::schema::{self, RecordVersion};
use crate::state::State;
use govchain_law::{EntityData, EntityRef, Value, enclosing_regions, name_ok};
use govchain_types::Code;
use govchain_types::{
    Event, FieldDef, FieldType, FieldValue, Fields, PrincipalId, RecordStatus, RefTarget,
    RegistryDef, WrittenBy,
};

/// Whether `key` may key a record: 1 to 64 letters, digits, `-`, `_` and `.`.
pub fn key_ok(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= 64
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
}

fn is_leap(year: u32) -> bool {
    (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400)
}

/// A calendar date `YYYY-MM-DD` (years 0001–9999).
pub fn date_ok(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return false;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        let part = s.get(r)?;
        if !part.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        part.parse().ok()
    };
    let (Some(y), Some(m), Some(d)) = (num(0..4), num(5..7), num(8..10)) else {
        return false;
    };
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(y) => 29,
        2 => 28,
        _ => return false,
    };
    y >= 1 && (1..=days).contains(&d)
}

fn region_ok(s: &str) -> bool {
    s.len() == 6 && s.bytes().all(|b| b.is_ascii_digit())
}

fn decimal_ok(s: &str, scale: u8) -> bool {
    let digits = s.strip_prefix('-').unwrap_or(s);
    let (int, frac) = match digits.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (digits, None),
    };
    let int_ok = !int.is_empty() && int.len() <= 20 && int.bytes().all(|b| b.is_ascii_digit());
    let frac_ok = match (frac, scale) {
        (None, 0) => true,
        (Some(f), n) if n > 0 => f.len() == usize::from(n) && f.bytes().all(|b| b.is_ascii_digit()),
        _ => false,
    };
    int_ok && frac_ok
}

/// Checks one value against its field; returns it normalised (region sets sorted). Without a
/// state (`None`: offline, e.g. before an import), references are checked for form only.
///
/// INVARIANT: a refusal names the field and the rule, never the value: the message becomes the
/// receipt's error, which anyone may read, and the value may be of a protected record (a
/// mother's id, a household). The sender knows what it sent.
pub(crate) fn check_value(
    state: Option<&dyn State>,
    f: &FieldDef,
    v: &FieldValue,
) -> Result<std::result::Result<FieldValue, String>> {
    let text = match v {
        FieldValue::Text(t) => Some(t.as_str()),
        _ => None,
    };
    let wrong = |what: &str| Ok(Err(format!("field `{}` takes {what}", f.name)));
    Ok(Ok(match (&f.ty, v) {
        (FieldType::Text { max_len }, FieldValue::Text(t)) => {
            if t.len() > usize::try_from(*max_len).unwrap_or(usize::MAX) {
                return wrong(&format!("a text of at most {max_len} bytes"));
            }
            v.clone()
        }
        (FieldType::Integer { min, max }, FieldValue::Integer(n)) => {
            if n < min || n > max {
                return wrong(&format!("a whole number from {min} to {max}"));
            }
            v.clone()
        }
        (FieldType::Decimal { scale }, FieldValue::Text(t)) if decimal_ok(t, *scale) => v.clone(),
        (FieldType::Decimal { scale }, _) => {
            return wrong(&format!(
                "a decimal written with exactly {scale} digits after the point, e.g. \"12{}\"",
                if *scale > 0 {
                    format!(".{}", "0".repeat(usize::from(*scale)))
                } else {
                    String::new()
                }
            ));
        }
        (FieldType::Bool, FieldValue::Bool(_)) => v.clone(),
        (FieldType::Date, _) if text.is_some_and(date_ok) => v.clone(),
        (FieldType::Date, _) => return wrong("a date YYYY-MM-DD"),
        (FieldType::Enum { values }, FieldValue::Text(t)) if values.contains(t) => v.clone(),
        (FieldType::Enum { values }, _) => return wrong(&format!("one of {}", values.join(", "))),
        (FieldType::Hash, _)
            if text.is_some_and(|t| {
                t.len() == 64
                    && t.bytes()
                        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
            }) =>
        {
            v.clone()
        }
        (FieldType::Hash, _) => return wrong("a hash: 64 lowercase hex digits"),
        (FieldType::Region, _) if text.is_some_and(region_ok) => v.clone(),
        (FieldType::Region, _) => return wrong("a region code: six digits (GB/T 2260)"),
        (FieldType::Regions, FieldValue::List(codes)) => {
            if codes.is_empty() || codes.len() > 256 {
                return wrong("1 to 256 region codes");
            }
            if codes.iter().any(|c| !region_ok(c) && c.as_str() != "CN") {
                return Ok(Err(format!(
                    "field `{}`: a code of the list is not a region code (six digits, or CN)",
                    f.name
                )));
            }
            let mut sorted = codes.clone();
            sorted.sort();
            sorted.dedup();
            FieldValue::List(sorted)
        }
        (FieldType::Regions, _) => return wrong("a list of region codes"),
        (FieldType::Reference(target), FieldValue::Text(t)) => {
            match target {
                RefTarget::Person | RefTarget::Organisation | RefTarget::Principal => {
                    let Ok(id) = PrincipalId::new(t.as_str()) else {
                        return wrong("the id of a principal");
                    };
                    let want = match target {
                        RefTarget::Person => Some(govchain_types::PrincipalKind::Person),
                        RefTarget::Organisation => {
                            Some(govchain_types::PrincipalKind::Organisation)
                        }
                        _ => None,
                    };
                    let Some(state) = state else {
                        return Ok(Ok(v.clone()));
                    };
                    match schema::principal(state, &id)? {
                        Some(p) if want.is_none_or(|k| k == p.kind) => {}
                        Some(_) | None => {
                            return Ok(Err(format!(
                                "field `{}` names no registered {}",
                                f.name,
                                match target {
                                    RefTarget::Person => "person",
                                    RefTarget::Organisation => "organisation",
                                    _ => "principal",
                                }
                            )));
                        }
                    }
                }
                RefTarget::Record { registry } => {
                    let missing = match state {
                        Some(state) => !state.contains(&schema::record_key(registry, t))?,
                        None => false,
                    };
                    if !key_ok(t) || missing {
                        return Ok(Err(format!(
                            "field `{}` names no record of registry `{registry}`",
                            f.name
                        )));
                    }
                }
                // Accounts come with the Finance issue; until then the id's form is checked.
                RefTarget::Account => {
                    if !key_ok(t) {
                        return wrong("an account id");
                    }
                }
            }
            v.clone()
        }
        (FieldType::Text { .. } | FieldType::Reference(_), _) => {
            return wrong("text");
        }
        (FieldType::Integer { .. }, _) => return wrong("a whole number"),
        (FieldType::Bool, _) => return wrong("true or false"),
    }))
}

/// Checks `fields` against the definition and merges them over `base` (an update) — every
/// field known, of its type, every required field present after the merge.
pub fn check_fields(
    state: &dyn State,
    def: &RegistryDef,
    base: Option<&Fields>,
    fields: &Fields,
) -> Result<std::result::Result<Fields, String>> {
    check_fields_with(Some(state), def, base, fields)
}

/// [`check_fields`] without state: every type and required field, references for form only —
/// what a client checks before it sends an import.
pub fn check_fields_offline(
    def: &RegistryDef,
    fields: &Fields,
) -> std::result::Result<Fields, String> {
    check_fields_with(None, def, None, fields).unwrap_or_else(|e| Err(e.to_string()))
}

fn check_fields_with(
    state: Option<&dyn State>,
    def: &RegistryDef,
    base: Option<&Fields>,
    fields: &Fields,
) -> Result<std::result::Result<Fields, String>> {
    let mut out = base.cloned().unwrap_or_default();
    for (name, value) in fields {
        let Some(f) = def.fields.iter().find(|f| &f.name == name) else {
            return Ok(Err(format!(
                "registry `{}` has no field `{name}`; its fields: {}",
                def.name,
                def.fields
                    .iter()
                    .map(|f| f.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        };
        match check_value(state, f, value)? {
            Ok(v) => {
                out.insert(name.clone(), v);
            }
            Err(e) => return Ok(Err(e)),
        }
    }
    if let Some(missing) = def
        .fields
        .iter()
        .find(|f| f.required && !out.contains_key(&f.name))
    {
        return Ok(Err(format!(
            "registry `{}` requires field `{}`",
            def.name, missing.name
        )));
    }
    Ok(Ok(out))
}

fn text_of<'a>(fields: &'a Fields, name: Option<&String>) -> Option<&'a str> {
    match fields.get(name?)? {
        FieldValue::Text(t) => Some(t.as_str()),
        _ => None,
    }
}

/// The region a record is in, if its registry places records.
pub fn record_region<'a>(def: &RegistryDef, fields: &'a Fields) -> Option<&'a str> {
    text_of(fields, def.region_field.as_ref())
}

/// A record as the resource of an authorization request.
pub fn record_entity(def: &RegistryDef, key: &str, fields: &Fields) -> EntityData {
    let regions = match record_region(def, fields) {
        Some(r) => enclosing_regions(r),
        None => vec!["CN".to_string()],
    };
    let subject = match (&def.subject_field, def.principals) {
        (Some(f), _) => text_of(fields, Some(f)).unwrap_or_default().to_string(),
        (None, Some(_)) => key.to_string(),
        (None, None) => String::new(),
    };
    EntityData::new(EntityRef::new("Record", format!("{}/{key}", def.name)))
        .attr("registry", Value::str(def.name.as_str()))
        .attr("department", Value::str(def.department.to_string()))
        .attr("sensitivity", Value::str(def.sensitivity.name()))
        .attr("regions", Value::strs(regions))
        .attr("subject", Value::entity("Principal", subject))
}

/// The index entries of a record: one per indexed field value (per code of a region set).
pub(crate) fn index_keys(def: &RegistryDef, key: &str, fields: &Fields) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for field in &def.indexes {
        let values: Vec<String> = match fields.get(field) {
            Some(FieldValue::Text(t)) => vec![t.clone()],
            Some(FieldValue::Integer(n)) => vec![n.to_string()],
            Some(FieldValue::Bool(b)) => vec![b.to_string()],
            Some(FieldValue::List(items)) => items.clone(),
            None => Vec::new(),
        };
        for v in values {
            out.push(schema::index_key(&def.name, field, &v, key));
        }
    }
    out
}

fn unknown_registry(name: &str) -> TxError {
    TxError::new(
        Code::UnknownRegistry,
        format!("no law in force defines a registry `{name}`"),
    )
}

/// Who writes a record: a signer, or a service's contract deciding an application.
pub(crate) enum Writer<'a> {
    Signer(&'a Signer),
    Contract(&'a crate::services::ContractActor),
}

impl Writer<'_> {
    /// The laws' decision on this writer's `action`: the signer as it acts, or the contract
    /// (a `Contract` principal, `via_contract` its service).
    fn authorize(
        &self,
        tx: &mut TxOverlay<'_>,
        ctx: &TxContext<'_>,
        action: &Action<'_>,
    ) -> Result<std::result::Result<(), TxError>> {
        match self {
            Writer::Signer(signer) => authorize(tx, ctx, signer, action),
            Writer::Contract(c) => crate::authorize::authorize_as(
                tx,
                ctx,
                c.entity.clone(),
                Some(c.service.as_str()),
                action,
            ),
        }
    }

    fn written_by(&self, ctx: &TxContext<'_>) -> WrittenBy {
        match self {
            Writer::Signer(signer) => WrittenBy {
                height: ctx.height,
                tx: ctx.tx_id,
                signer: signer.principal.clone(),
                position: signer.position.as_ref().map(|p| p.position.id.clone()),
                organisation: signer.organisation.as_ref().map(|(id, _)| id.clone()),
                service: None,
            },
            Writer::Contract(c) => WrittenBy {
                height: ctx.height,
                tx: ctx.tx_id,
                signer: c.applicant.clone(),
                position: None,
                organisation: None,
                service: Some(c.label()),
            },
        }
    }
}

/// An organisation's principal record and the representative its registry record names, if the
/// laws define a registry of organisations with a representative field.
pub fn representative(
    state: &dyn State,
    registries: &crate::laws::Registries,
    org: &PrincipalId,
) -> Result<Option<(crate::schema::PrincipalRecord, String)>> {
    let Some(record) = schema::principal(state, org)? else {
        return Ok(None);
    };
    if record.kind != govchain_types::PrincipalKind::Organisation {
        return Ok(None);
    }
    let Some(def) = registries
        .values()
        .map(|r| &r.def)
        .find(|d| d.principals == Some(govchain_types::PrincipalKind::Organisation))
    else {
        return Ok(None);
    };
    let Some(version) = schema::record(state, &def.name, org.as_str())? else {
        return Ok(None);
    };
    if matches!(version.status, RecordStatus::Closed { .. }) {
        return Ok(None);
    }
    Ok(
        text_of(&version.fields, def.representative_field.as_ref())
            .map(|r| (record, r.to_string())),
    )
}

/// What a record payload asks.
pub(crate) enum RecordOp<'a> {
    Insert(&'a Fields),
    Update(&'a Fields),
    Close(&'a str),
}

pub(crate) fn write_record(
    tx: &mut TxOverlay<'_>,
    ctx: &TxContext<'_>,
    writer: &Writer<'_>,
    registry: &str,
    key: &str,
    op: RecordOp<'_>,
) -> Result<std::result::Result<Vec<Event>, TxError>> {
    let Some(RegistryInForce { def, law, version }) = ctx.registries.get(registry) else {
        return Ok(Err(unknown_registry(registry)));
    };
    if !key_ok(key) || (def.principals.is_some() && PrincipalId::new(key).is_err()) {
        return Ok(Err(TxError::new(
            Code::BadKey,
            format!("`{key}` is not a record key: 1 to 64 letters, digits, `-`, `_` and `.`"),
        )));
    }
    let existing = schema::record(tx, registry, key)?;
    let (fields, status, action, kind) = match (&op, &existing) {
        (RecordOp::Insert(_), Some(_)) => {
            return Ok(Err(TxError::new(
                Code::Exists,
                format!("registry `{registry}` already has a record `{key}`; update it instead"),
            )));
        }
        (RecordOp::Update(_) | RecordOp::Close(_), None) => {
            return Ok(Err(TxError::new(
                Code::NotFound,
                format!("registry `{registry}` has no record `{key}`"),
            )));
        }
        (RecordOp::Update(_) | RecordOp::Close(_), Some(r))
            if matches!(r.status, RecordStatus::Closed { .. }) =>
        {
            return Ok(Err(TxError::new(
                Code::Closed,
                format!("record `{key}` of registry `{registry}` is closed"),
            )));
        }
        (RecordOp::Insert(f), None) => match check_fields(tx, def, None, f)? {
            Ok(f) => (f, RecordStatus::Active, "insert", "record_inserted"),
            Err(e) => return Ok(Err(TxError::new(Code::InvalidRecord, e))),
        },
        (RecordOp::Update(f), Some(r)) => match check_fields(tx, def, Some(&r.fields), f)? {
            Ok(f) => (f, RecordStatus::Active, "update", "record_updated"),
            Err(e) => return Ok(Err(TxError::new(Code::InvalidRecord, e))),
        },
        (RecordOp::Close(reason), Some(r)) => {
            if reason.trim().is_empty() || reason.len() > 1024 {
                return Ok(Err(TxError::new(
                    Code::InvalidRecord,
                    "closing a record needs a reason of 1 to 1024 bytes",
                )));
            }
            (
                r.fields.clone(),
                RecordStatus::Closed {
                    reason: (*reason).to_string(),
                },
                "close",
                "record_closed",
            )
        }
    };
    // The laws decide on the record as it is, and (if that moves it) as it will be.
    if let Some(before) = &existing {
        let resource = record_entity(def, key, &before.fields);
        if let Err(e) = writer.authorize(tx, ctx, &Action::Record { action, resource })? {
            return Ok(Err(e));
        }
    }
    let after = record_entity(def, key, &fields);
    let moved = existing
        .as_ref()
        .is_none_or(|b| record_entity(def, key, &b.fields) != after);
    if moved
        && let Err(e) = writer.authorize(
            tx,
            ctx,
            &Action::Record {
                action,
                resource: after,
            },
        )?
    {
        return Ok(Err(e));
    }
    if let Some(before) = &existing {
        for k in index_keys(def, key, &before.fields) {
            tx.delete(k);
        }
    }
    for k in index_keys(def, key, &fields) {
        tx.put(k, key.as_bytes().to_vec());
    }
    let version = RecordVersion {
        fields,
        status,
        law: law.clone(),
        law_version: *version,
        written: writer.written_by(ctx),
        citation: tx.citation.clone(),
    };
    tx.put(schema::record_key(registry, key), schema::value(&version));
    if existing.is_none() {
        crate::services::on_insert(tx, ctx, registry, key)?;
    }
    Ok(Ok(vec![event(
        kind,
        &[("registry", registry.to_string()), ("key", key.to_string())],
    )]))
}

/// Whether `registry` names a registry (for reads: it may no longer be in force).
pub fn registry_name_ok(registry: &str) -> bool {
    name_ok(registry)
}

/// A registry as a whole, as the resource of `import`.
/// A registry as the resource of `import`, for the records of one region (`region`: their
/// region code; `None`: records with no region, which are everywhere, `CN`).
pub fn registry_entity(def: &RegistryDef, region: Option<&str>) -> EntityData {
    let regions = match region {
        Some(r) => enclosing_regions(r),
        None => vec!["CN".to_string()],
    };
    EntityData::new(EntityRef::new("Registry", def.name.as_str()))
        .attr("name", Value::str(def.name.as_str()))
        .attr("department", Value::str(def.department.to_string()))
        .attr("sensitivity", Value::str(def.sensitivity.name()))
        .attr("regions", Value::strs(regions))
}

/// Most records in one import chunk.
pub const MAX_IMPORT_CHUNK: usize = 10_000;

/// Loads a chunk of new records: every record is checked, then the laws decide `import` once
/// for each region the records are in (so jurisdiction and regional laws apply to every
/// record); one bad record, or one region refused, refuses the whole chunk.
pub(crate) fn import_records(
    tx: &mut TxOverlay<'_>,
    ctx: &TxContext<'_>,
    signer: &Signer,
    registry: &str,
    records: &[govchain_types::ImportedRecord],
) -> Result<std::result::Result<Vec<Event>, TxError>> {
    let Some(RegistryInForce { def, law, version }) = ctx.registries.get(registry) else {
        return Ok(Err(unknown_registry(registry)));
    };
    if records.is_empty() || records.len() > MAX_IMPORT_CHUNK {
        return Ok(Err(TxError::new(
            Code::InvalidImport,
            format!("an import chunk holds 1 to {MAX_IMPORT_CHUNK} records"),
        )));
    }
    let mut checked = Vec::with_capacity(records.len());
    let mut keys = std::collections::BTreeSet::new();
    let mut regions: std::collections::BTreeSet<Option<String>> = std::collections::BTreeSet::new();
    for (i, r) in records.iter().enumerate() {
        let fail = |m: String| {
            Ok(Err(TxError::new(
                Code::InvalidRecord,
                format!(
                    "record {i} (`{}`): {m}; nothing of this chunk was loaded",
                    r.key
                ),
            )))
        };
        if !key_ok(&r.key)
            || (def.principals.is_some() && PrincipalId::new(r.key.as_str()).is_err())
        {
            return fail("not a record key: 1 to 64 letters, digits, `-`, `_` and `.`".into());
        }
        if !keys.insert(r.key.as_str()) || schema::record(tx, registry, &r.key)?.is_some() {
            return fail(format!("registry `{registry}` already has it"));
        }
        let fields = match check_fields(tx, def, None, &r.fields)? {
            Ok(f) => f,
            Err(e) => return fail(e),
        };
        regions.insert(record_region(def, &fields).map(str::to_string));
        checked.push((r, fields));
    }
    for region in &regions {
        let act = Action::Record {
            action: "import",
            resource: registry_entity(def, region.as_deref()),
        };
        if let Err(e) = authorize(tx, ctx, signer, &act)? {
            return Ok(Err(e));
        }
    }
    let written = Writer::Signer(signer).written_by(ctx);
    for (r, fields) in checked {
        for k in index_keys(def, &r.key, &fields) {
            tx.put(k, r.key.as_bytes().to_vec());
        }
        let version = RecordVersion {
            fields,
            status: RecordStatus::Active,
            law: law.clone(),
            law_version: *version,
            written: written.clone(),
            citation: tx.citation.clone(),
        };
        tx.put(
            schema::record_key(registry, &r.key),
            schema::value(&version),
        );
    }
    Ok(Ok(vec![event(
        "records_imported",
        &[
            ("registry", registry.to_string()),
            ("count", records.len().to_string()),
            (
                "first",
                records.first().map(|r| r.key.clone()).unwrap_or_default(),
            ),
            (
                "last",
                records.last().map(|r| r.key.clone()).unwrap_or_default(),
            ),
        ],
    )]))
}
