//! Public services: deployed as a law lets a ministry, applied to by whom the law lets apply,
//! and decided by their scripts from the registries.
//!
//! An application runs the service's version in force when it is made (kept for the
//! application's life). Its input is checked against the service's form first (every field's
//! error named; nothing written). The script then asks for facts — records, lookups by index,
//! a law's algorithm — each fetched here through the one authorization function, the service's
//! contract acting for the applicant, and charged to the application's budget; and it ends in
//! an outcome: approved (its records written and payments made by the contract, each decided by
//! the laws), rejected, or a case for an official of the competent department. The outcome
//! cites an article the service carries out; the application and its timeline are kept.

use crate::agenda::{self, List};
use crate::authorize::{Action, authorize, authorize_as};
use crate::error::{ExecError, Result, TxError};
use crate::overlay::TxOverlay;
use crate::payload::{Signer, TxContext, event};
use crate::registry::{RecordOp, Writer, check_value, record_entity, write_record};
use crate::schema;
use crate::state::State;
use govchain_contracts::{Budget, ContractError, Need, Outcome};
use govchain_law::{EntityData, EntityRef, Value};
use govchain_types::{
    Application, ApplicationStatus, ApplicationStep, CaseInfo, Citation, Code, Event, FieldType,
    FieldValue, Fields, PrincipalId, ServiceDef, ServiceRecord,
};
use serde_json::Value as Json;

/// What an application may spend on its script's host calls, in the runtime's schedule units
/// (a record read costs 200, a run 100): about a hundred reads.
pub const APPLICATION_BUDGET: u64 = 25_000;
/// Most articles a service carries out, and fields of its form.
pub const MAX_SERVICE_ARTICLES: usize = 32;
pub const MAX_FORM_FIELDS: usize = 64;
/// Most records a lookup by index may return to a script.
pub const MAX_FOUND: usize = 64;
/// Most registries a service watches for new records, and most services that watch one.
pub const MAX_TRIGGERS: usize = 4;
pub const MAX_WATCHERS: usize = 16;
/// Most applications a service opens from one record.
pub const MAX_OPENED: usize = 4;
/// Most of one applicant's applications waiting in a case at once: each holds entries on the
/// agenda and in a department's queue, so one applicant may not crowd them.
pub const MAX_OPEN_CASES: u64 = 32;
/// The work of a block's scripts: the Rhai operations used so far of the most the chain's
/// parameters allow (`ChainParams::contract_operations`). Past it, an application waits for a
/// later block (`out_of_budget`). Work at the block's start (deemed decisions, schedules,
/// applications opened from records) stops at two fifths of it and carries what is left over
/// to the next block.
pub struct BlockWork {
    used: std::cell::Cell<u64>,
    limit: u64,
}

impl BlockWork {
    pub fn new(limit: u64) -> Self {
        Self {
            used: std::cell::Cell::new(0),
            limit,
        }
    }

    fn left(&self) -> u64 {
        self.limit.saturating_sub(self.used.get())
    }

    fn add(&self, operations: u64) {
        self.used.set(self.used.get().saturating_add(operations));
    }

    /// Whether the block start's share is spent.
    fn start_spent(&self) -> bool {
        self.used.get() >= (self.limit / 5).saturating_mul(2)
    }
}

/// A transaction's result: its events, a refusal, or a storage failure.
type TxOutcome = Result<std::result::Result<Vec<Event>, TxError>>;

/// A service as the resource of `deploy` and `apply`.
pub fn service_entity(def: &ServiceDef) -> EntityData {
    EntityData::new(EntityRef::new("Service", def.name.to_string()))
        .attr("name", Value::str(def.name.to_string()))
        .attr("law", Value::str(def.law.to_string()))
        .attr("department", Value::str(def.department.to_string()))
        .attr("version", Value::Long(i64::from(def.version)))
}

/// A service's contract deciding an application: the principal the laws see when it reads,
/// writes and pays.
pub(crate) struct ContractActor {
    pub entity: EntityData,
    pub service: String,
    pub version: u32,
    pub applicant: PrincipalId,
}

impl ContractActor {
    pub fn new(def: &ServiceDef, applicant: PrincipalId) -> Self {
        let id = format!("{}-v{}", def.name, def.version);
        Self {
            entity: EntityData::new(EntityRef::new("Contract", id.clone()))
                .attr("service", Value::str(def.name.to_string()))
                .attr("version", Value::Long(i64::from(def.version)))
                .parent(EntityRef::new("Principal", id)),
            service: def.name.to_string(),
            version: def.version,
            applicant,
        }
    }

    /// `name@version`, as records it writes say.
    pub fn label(&self) -> String {
        format!("{}@{}", self.service, self.version)
    }
}

fn invalid(message: impl Into<String>) -> TxError {
    TxError::new(Code::InvalidService, message)
}

/// What a service must be, whoever deploys it and whenever (at genesis too): its texts,
/// articles and form well formed, the law it carries out in force (`statutes`) with those
/// articles, and its script compiling within the runtime's limits with a
/// `decide(application)`.
pub fn check_definition(
    def: &ServiceDef,
    statutes: &crate::laws::Statutes,
    registries: &crate::laws::Registries,
    runtime: &govchain_contracts::Runtime,
) -> std::result::Result<(), String> {
    if def.title.trim().is_empty() || def.title.len() > 200 {
        return Err("a service's title is 1 to 200 bytes".into());
    }
    if def.articles.is_empty() || def.articles.len() > MAX_SERVICE_ARTICLES {
        return Err(format!(
            "a service carries out 1 to {MAX_SERVICE_ARTICLES} articles"
        ));
    }
    if def.form.len() > MAX_FORM_FIELDS {
        return Err(format!(
            "a service's form has at most {MAX_FORM_FIELDS} fields"
        ));
    }
    let mut names = std::collections::BTreeSet::new();
    for f in &def.form {
        if !govchain_law::name_ok(&f.name) || !names.insert(f.name.as_str()) {
            return Err(format!(
                "form field `{}` is not a name, or is named twice",
                f.name
            ));
        }
    }
    let Some(law) = statutes.get(def.law.as_str()) else {
        return Err(format!(
            "no law `{}` is in force for the service to carry out",
            def.law
        ));
    };
    if let Some(a) = def.articles.iter().find(|a| !law.articles.contains_key(*a)) {
        return Err(format!("law `{}` has no article `{a}`", def.law));
    }
    if def.on_insert.len() > MAX_TRIGGERS {
        return Err(format!(
            "a service opens applications from at most {MAX_TRIGGERS} registries"
        ));
    }
    let mut watched = std::collections::BTreeSet::new();
    for r in &def.on_insert {
        if !registries.contains_key(r.as_str()) || !watched.insert(r.as_str()) {
            return Err(format!(
                "`{r}` in `on_insert` is no registry in force, or is named twice"
            ));
        }
    }
    match runtime.compile(&def.script) {
        Ok(script) if !script.has_function("decide", 1) => {
            Err("the script has no function `decide(application)`".into())
        }
        Ok(script) if !def.on_insert.is_empty() && !script.has_function("opened", 1) => {
            Err("a service with `on_insert` has a function `opened(record)` in its script".into())
        }
        Ok(_) => Ok(()),
        Err(e) => Err(e.to_string()),
    }
}

/// [`check_definition`] at this block, and the department a department.
fn check_service(
    state: &dyn State,
    ctx: &TxContext<'_>,
    def: &ServiceDef,
) -> Result<std::result::Result<(), TxError>> {
    if let Err(e) = check_definition(def, ctx.statutes, ctx.registries, ctx.compiler.runtime()) {
        return Ok(Err(invalid(e)));
    }
    match schema::principal(state, &def.department)? {
        Some(p) if p.kind == govchain_types::PrincipalKind::Department => Ok(Ok(())),
        _ => Ok(Err(invalid(format!(
            "`{}` is not a department",
            def.department
        )))),
    }
}

/// `DeployService`: the service's next version, as a law lets the signer.
pub(crate) fn deploy(
    tx: &mut TxOverlay<'_>,
    ctx: &TxContext<'_>,
    signer: &Signer,
    def: &ServiceDef,
) -> TxOutcome {
    let next = schema::service_latest(tx, &def.name)?
        .unwrap_or(0)
        .checked_add(1)
        .ok_or_else(|| ExecError::Corrupt {
            key: String::from_utf8_lossy(&schema::service_latest_key(&def.name)).into_owned(),
            reason: "a service's version overflows".into(),
        })?;
    if def.version != next {
        return Ok(Err(TxError::new(
            Code::BadVersion,
            format!(
                "service `{}` is deployed next as version {next}, not {}",
                def.name, def.version
            ),
        )));
    }
    // A service's name is its contract's identity in the laws (`principal.service == …`): a
    // later version keeps the law it carries out and its department, so no other ministry's
    // law can take over the name and the powers other laws give it.
    let previous = match next.checked_sub(1).filter(|v| *v > 0) {
        Some(v) => schema::service(tx, &def.name, v)?,
        None => None,
    };
    if let Some(previous) = &previous
        && (previous.def.law != def.law || previous.def.department != def.department)
    {
        return Ok(Err(invalid(format!(
            "service `{}` carries out law `{}` for `{}`; a new version keeps both (a new service takes a new name)",
            def.name, previous.def.law, previous.def.department
        ))));
    }
    if let Err(e) = check_service(tx, ctx, def)? {
        return Ok(Err(e));
    }
    // Each registry is watched by a bounded number of services (a record's insertion costs
    // each of them an entry on the agenda).
    for r in &def.on_insert {
        let watchers = tx
            .scan_prefix(&schema::service_trigger_prefix(r), MAX_WATCHERS)?
            .map(|w| {
                w.iter()
                    .filter(|(k, _)| *k != schema::service_trigger_key(r, &def.name))
                    .count()
            });
        if watchers.is_none_or(|n| n >= MAX_WATCHERS) {
            return Ok(Err(invalid(format!(
                "registry `{r}` is watched by {MAX_WATCHERS} services already"
            ))));
        }
    }
    let act = Action::Service {
        action: "deploy",
        resource: service_entity(def),
    };
    if let Err(e) = authorize(tx, ctx, signer, &act)? {
        return Ok(Err(e));
    }
    let record = ServiceRecord {
        def: def.clone(),
        deployed_at: ctx.height,
        deployed_by: signer.principal.clone(),
        citation: tx.citation.clone(),
    };
    put_service(tx, &record, previous.as_ref().map(|p| &p.def));
    Ok(Ok(vec![event(
        "service_deployed",
        &[
            ("service", def.name.to_string()),
            ("version", def.version.to_string()),
        ],
    )]))
}

fn put_service(tx: &mut TxOverlay<'_>, record: &ServiceRecord, previous: Option<&ServiceDef>) {
    // The registries it watches are its latest version's.
    for r in previous.map(|p| p.on_insert.as_slice()).unwrap_or_default() {
        tx.delete(schema::service_trigger_key(r, &record.def.name));
    }
    for r in &record.def.on_insert {
        tx.put(
            schema::service_trigger_key(r, &record.def.name),
            record.def.name.as_str().as_bytes().to_vec(),
        );
    }
    tx.put(
        schema::service_key(&record.def.name, record.def.version),
        schema::value(record),
    );
    tx.put(
        schema::service_latest_key(&record.def.name),
        schema::value(&record.def.version),
    );
}

/// Checks an application's input against the service's form: every field's error, named.
fn check_form(
    state: &dyn State,
    def: &ServiceDef,
    input: &Fields,
) -> Result<std::result::Result<Fields, Vec<String>>> {
    let mut errors = Vec::new();
    let mut out = Fields::new();
    for (name, value) in input {
        let Some(f) = def.form.iter().find(|f| &f.name == name) else {
            errors.push(format!("`{name}`: the form has no such field"));
            continue;
        };
        match check_value(Some(state), f, value)? {
            Ok(v) => {
                out.insert(name.clone(), v);
            }
            Err(e) => errors.push(format!("`{name}`: {e}")),
        }
    }
    for f in def.form.iter().filter(|f| f.required) {
        if !input.contains_key(&f.name) {
            errors.push(format!("`{}`: required", f.name));
        }
    }
    Ok(if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    })
}

/// A record's fields as a script sees them: `FieldValue`'s own JSON (a text, an integer,
/// true/false, a list of texts).
fn fields_json(fields: &Fields) -> Json {
    serde_json::to_value(fields).unwrap_or_default()
}

/// A read the laws refuse the contract, named by its registry only: which record (and whether
/// it exists) is not the receipt's to say.
fn refused(actor: &ContractActor, registry: &str) -> ContractError {
    ContractError::Refused(format!(
        "the laws do not let service `{}` read this record of `{registry}`",
        actor.service
    ))
}

/// What failed in a script, as the receipt says it. Receipts are public: a failure that could
/// echo a value the script was given or computed (Rhai's messages quote operands; an answer
/// quotes what it got) is told by its kind and place only.
fn contract_error(e: &ContractError) -> TxError {
    match e {
        ContractError::Budget { .. } => TxError::new(Code::OutOfBudget, e.to_string()),
        ContractError::Refused(m) => TxError::new(Code::Unauthorized, m.clone()),
        ContractError::Failed(m) => TxError::new(
            Code::ContractFailed,
            format!("the script failed{}", place(m)),
        ),
        ContractError::Answer(_) | ContractError::Value(_) => TxError::new(
            Code::ContractFailed,
            "the script's answer is not a valid outcome (its values are not shown: they may be protected)",
        ),
        _ => TxError::new(Code::ContractFailed, e.to_string()),
    }
}

/// ` at line L, position P` of a Rhai error's text, if it says where (its `(line L, position
/// P)`).
fn place(message: &str) -> String {
    message
        .rfind("(line ")
        .and_then(|i| message.get(i.saturating_add(1)..))
        .and_then(|rest| rest.split(')').next())
        .map(|p| format!(" at {p}"))
        .unwrap_or_default()
}

/// Record `key` of registry `r` as the contract may read it: its fields, `None` if there is no
/// record in force (absent or closed), or refused by the laws (named by its registry only).
fn readable(
    tx: &mut TxOverlay<'_>,
    ctx: &TxContext<'_>,
    actor: &ContractActor,
    r: &crate::laws::RegistryInForce,
    key: &str,
) -> Result<std::result::Result<Option<Fields>, ContractError>> {
    let Some(version) = schema::record(tx, &r.def.name, key)? else {
        return Ok(Ok(None));
    };
    if matches!(version.status, govchain_types::RecordStatus::Closed { .. }) {
        return Ok(Ok(None));
    }
    let act = Action::Record {
        action: "read",
        resource: record_entity(&r.def, key, &version.fields),
    };
    if authorize_as(tx, ctx, actor.entity.clone(), Some(&actor.service), &act)?.is_err() {
        return Ok(Err(refused(actor, &r.def.name)));
    }
    Ok(Ok(Some(version.fields)))
}

/// Fetches what a script asked for, as its contract (acting for the applicant) may see it.
fn fetch(
    tx: &mut TxOverlay<'_>,
    ctx: &TxContext<'_>,
    actor: &ContractActor,
    need: &Need,
    budget: &mut Budget,
) -> Result<std::result::Result<Json, ContractError>> {
    let schedule = ctx.compiler.runtime().schedule().clone();
    let host = |m: String| Ok(Err(ContractError::Host(m)));
    match need {
        Need::Record { registry, key } => {
            if let Err(e) = budget.charge(schedule.record, "a record read") {
                return Ok(Err(e));
            }
            let Some(r) = ctx.registries.get(registry.as_str()) else {
                return host(format!("no law in force defines a registry `{registry}`"));
            };
            Ok(
                readable(tx, ctx, actor, r, key)?
                    .map(|f| f.map_or(Json::Null, |f| fields_json(&f))),
            )
        }
        Need::Find {
            registry,
            field,
            value,
        } => {
            if let Err(e) = budget.charge(schedule.find, "a lookup by index") {
                return Ok(Err(e));
            }
            let Some(r) = ctx.registries.get(registry.as_str()) else {
                return host(format!("no law in force defines a registry `{registry}`"));
            };
            if !r.def.indexes.iter().any(|i| i == field) {
                return host(format!("registry `{registry}` has no index on `{field}`"));
            }
            let prefix = schema::index_prefix(registry, field, value);
            let Some(entries) = tx.scan_prefix(&prefix, MAX_FOUND)? else {
                return host(format!(
                    "more than {MAX_FOUND} records of `{registry}` have `{field}` = `{value}`"
                ));
            };
            let mut found = Vec::new();
            for (_, key) in entries {
                let key = String::from_utf8_lossy(&key).into_owned();
                if let Err(e) = budget.charge(schedule.find_per_record, "a record found") {
                    return Ok(Err(e));
                }
                let fields = match readable(tx, ctx, actor, r, &key)? {
                    Ok(Some(f)) => f,
                    Ok(None) => continue,
                    Err(e) => return Ok(Err(e)),
                };
                let mut record = fields_json(&fields);
                if let Json::Object(m) = &mut record {
                    m.insert("_key".into(), Json::String(key));
                }
                found.push(record);
            }
            Ok(Ok(Json::Array(found)))
        }
        Need::Algorithm {
            law,
            article,
            function,
            args,
        } => {
            if let Err(e) = budget.charge(schedule.algorithm, "an algorithm") {
                return Ok(Err(e));
            }
            let Some(source) = ctx
                .statutes
                .get(law.as_str())
                .and_then(|l| l.articles.get(article.as_str()))
            else {
                return host(format!("law `{law}` in force has no article `{article}`"));
            };
            let Some(source) = source else {
                return host(format!(
                    "article `{article}` of law `{law}` is a permission, not an algorithm"
                ));
            };
            let runtime = ctx.compiler.runtime();
            let script = match runtime.compile(source) {
                Ok(s) => s,
                Err(e) => return Ok(Err(e)),
            };
            Ok(runtime.call(&script, function, args, budget))
        }
    }
}

/// The application as its service's script sees it: `height` is the block it was made in,
/// `date` the UTC date of the block the script runs in (today, for the script).
fn application_json(
    id: &govchain_types::Hash,
    def: &ServiceDef,
    applicant: &PrincipalId,
    height: govchain_types::Height,
    date: &str,
    input: &Fields,
) -> Json {
    serde_json::json!({
        "id": id.to_string(),
        "service": def.name.to_string(),
        "version": def.version,
        "applicant": applicant.to_string(),
        "height": height,
        "date": date,
        "input": fields_json(input),
    })
}

/// A schedule an approval starts: every `every` blocks, `times` times if it says, with what it
/// granted.
struct Starts {
    every: u64,
    times: Option<u64>,
    granted: Fields,
}

/// What an outcome did: the application's new status, its case, the reason, and the events.
struct CarriedOut {
    status: ApplicationStatus,
    case: Option<CaseInfo>,
    schedule: Option<Starts>,
    reason: String,
    events: Vec<Event>,
}

/// Carries out an outcome as the service's contract: its writes and payments, each decided by
/// the laws, or the case it opens.
fn carry_out(
    tx: &mut TxOverlay<'_>,
    ctx: &TxContext<'_>,
    def: &ServiceDef,
    actor: &ContractActor,
    input: &Fields,
    outcome: &Outcome,
) -> Result<std::result::Result<CarriedOut, TxError>> {
    let failed = |m: String| Ok(Err(TxError::new(Code::ContractFailed, m)));
    let mut events = Vec::new();
    Ok(Ok(match outcome {
        Outcome::Approved {
            reason,
            writes,
            payments,
            schedule,
            ..
        } => {
            for w in writes {
                let mut fields = Fields::new();
                for (k, v) in &w.fields {
                    match serde_json::from_value::<FieldValue>(v.clone()) {
                        Ok(v) => {
                            fields.insert(k.clone(), v);
                        }
                        Err(_) => {
                            return failed(format!(
                                "field `{k}` of a record the script writes is not a text, a 64-bit integer, true/false or a list of texts"
                            ));
                        }
                    }
                }
                let op = if schema::record(tx, &w.registry, &w.key)?.is_some() {
                    RecordOp::Update(&fields)
                } else {
                    RecordOp::Insert(&fields)
                };
                match write_record(tx, ctx, &Writer::Contract(actor), &w.registry, &w.key, op)? {
                    Ok(e) => events.extend(e),
                    Err(e) => return Ok(Err(e)),
                }
            }
            for p in payments {
                let (Ok(from), Ok(to)) = (PrincipalId::new(&p.from), PrincipalId::new(&p.to))
                else {
                    return failed(format!(
                        "a payment from `{}` to `{}`: not principals",
                        p.from, p.to
                    ));
                };
                let reference = ctx.tx_id.to_string();
                let order = crate::finance::TransferOrder {
                    code: &p.currency,
                    from: &from,
                    to: &to,
                    amount: govchain_types::Amount(i128::from(p.amount)),
                    memo: &def.title,
                    reference: &reference,
                };
                match crate::finance::move_money(
                    tx,
                    ctx,
                    actor.entity.clone(),
                    Some(&actor.service),
                    &order,
                )? {
                    Ok(e) => events.extend(e),
                    Err(e) => return Ok(Err(e)),
                }
            }
            let schedule = match schedule {
                None => None,
                Some(e) => {
                    let runtime = ctx.compiler.runtime();
                    if !runtime
                        .compile(&def.script)
                        .is_ok_and(|s| s.has_function("scheduled", 2))
                    {
                        return failed(
                            "an approval starts a schedule, and the script has no function `scheduled(application, period)`".into(),
                        );
                    }
                    let mut granted = Fields::new();
                    for (k, v) in &e.granted {
                        match serde_json::from_value::<FieldValue>(v.clone()) {
                            Ok(v) if govchain_law::name_ok(k) => {
                                granted.insert(k.clone(), v);
                            }
                            _ => {
                                return failed(format!(
                                    "`granted.{k}` of a schedule is not a name with a text, a 64-bit integer, true/false or a list of texts"
                                ));
                            }
                        }
                    }
                    Some(Starts {
                        every: e.every,
                        times: e.times,
                        granted,
                    })
                }
            };
            CarriedOut {
                status: ApplicationStatus::Approved,
                case: None,
                schedule,
                reason: reason.clone(),
                events,
            }
        }
        Outcome::Rejected { reason, .. } => CarriedOut {
            status: ApplicationStatus::Rejected,
            case: None,
            schedule: None,
            reason: reason.clone(),
            events,
        },
        Outcome::Official {
            reason,
            department,
            power,
            region,
            officials,
            deadline,
            reminder,
            deemed,
            ..
        } => {
            // The case goes to the service's department, or an office under it.
            let chain = crate::authorize::department_chain(tx, ctx.registries, department)?;
            if !chain.iter().any(|d| d.id == def.department.as_str()) {
                return failed(format!(
                    "the case's department `{department}` is not service `{}`'s department `{}` nor under it",
                    def.name, def.department
                ));
            }
            if let (Some(d), Some(r)) = (deadline, reminder)
                && r >= d
            {
                return failed(format!(
                    "the reminder ({r} blocks) comes at or after the deadline ({d} blocks)"
                ));
            }
            let Ok(department) = PrincipalId::new(department) else {
                return failed(format!(
                    "the case's department `{department}` is not a principal"
                ));
            };
            // Where the case belongs: as the script says, else the form's region field.
            let region = region.clone().or_else(|| {
                def.form
                    .iter()
                    .find_map(|f| match (&f.ty, input.get(&f.name)) {
                        (FieldType::Region, Some(FieldValue::Text(r))) => Some(r.clone()),
                        _ => None,
                    })
            });
            CarriedOut {
                status: ApplicationStatus::CaseOpened,
                case: Some(CaseInfo {
                    department,
                    power: power.clone(),
                    region,
                    officials: *officials,
                    first: None,
                    deadline: deadline.map(|d| ctx.height.saturating_add(d)),
                    period: *deadline,
                    reminder: reminder.map(|r| ctx.height.saturating_add(r)),
                    deemed: *deemed,
                    appeal: false,
                }),
                schedule: None,
                reason: reason.clone(),
                events,
            }
        }
    }))
}

/// Puts a case's deadline and reminder on the block agenda (each at the first height from its
/// own with room), and records where they landed. An entry stays until its height's start (a
/// case decided before then is skipped there).
fn schedule_case(
    tx: &mut TxOverlay<'_>,
    id: &govchain_types::Hash,
    case: &mut CaseInfo,
) -> Result<()> {
    if let Some(d) = case.deadline {
        case.deadline = Some(agenda::put(tx, List::CaseDue, d, id)?);
    }
    if let Some(r) = case.reminder {
        case.reminder = Some(agenda::put(tx, List::CaseReminder, r, id)?);
    }
    Ok(())
}

/// A case's entry in its department's queue: the department, then the deadline (the cases
/// due first come first; none last), then the application.
fn queue_key(id: &govchain_types::Hash, case: &CaseInfo) -> Vec<u8> {
    let mut key = schema::case_queue_prefix(&case.department);
    key.extend_from_slice(format!("{:020}/{id}", case.deadline.unwrap_or(u64::MAX)).as_bytes());
    key
}

/// Puts a case in its department's queue (as it stands: department and deadline).
fn enqueue(tx: &mut TxOverlay<'_>, id: &govchain_types::Hash, case: &CaseInfo) {
    tx.put(queue_key(id, case), id.0.to_vec());
}

/// How many of `applicant`'s applications wait in a case.
fn open_cases(state: &dyn State, applicant: &PrincipalId) -> Result<u64> {
    let key = schema::open_cases_key(applicant);
    state
        .get(&key)?
        .map(|v| {
            <[u8; 8]>::try_from(v.as_slice())
                .map(u64::from_be_bytes)
                .map_err(|_| ExecError::Corrupt {
                    key: String::from_utf8_lossy(&key).into_owned(),
                    reason: "a count of open cases is not 8 bytes".into(),
                })
        })
        .transpose()
        .map(Option::unwrap_or_default)
}

/// An applicant's case opened (`+1`) or closed (`-1`).
fn count_case(tx: &mut TxOverlay<'_>, applicant: &PrincipalId, opened: bool) -> Result<()> {
    let n = open_cases(tx, applicant)?;
    let n = if opened {
        n.saturating_add(1)
    } else {
        n.saturating_sub(1)
    };
    let key = schema::open_cases_key(applicant);
    if n == 0 {
        tx.delete(key);
    } else {
        tx.put(key, n.to_be_bytes().to_vec());
    }
    Ok(())
}

/// Refused if `applicant` has [`MAX_OPEN_CASES`] waiting already.
fn room_for_a_case(
    state: &dyn State,
    applicant: &PrincipalId,
) -> Result<std::result::Result<(), TxError>> {
    Ok(if open_cases(state, applicant)? >= MAX_OPEN_CASES {
        Err(TxError::new(
            Code::TooManyCases,
            format!(
                "`{applicant}` has {MAX_OPEN_CASES} applications waiting for officials: another waits until one is decided"
            ),
        ))
    } else {
        Ok(())
    })
}

/// Takes a case out of its department's queue (as it stood when put there).
fn dequeue(tx: &mut TxOverlay<'_>, id: &govchain_types::Hash, case: &CaseInfo) {
    tx.delete(queue_key(id, case));
}

/// Takes one height's reminders or deadlines off the agenda and gives the applications among
/// them still waiting in a case, with the case.
fn take_cases(
    tx: &mut TxOverlay<'_>,
    list: List,
    height: govchain_types::Height,
) -> Result<Vec<(govchain_types::Hash, Application, CaseInfo)>> {
    let mut out = Vec::new();
    for id in agenda::take(tx, list, height)? {
        let Some(app) = schema::application(tx, &id)? else {
            continue;
        };
        // Only the case's own reminder or deadline: an entry left by a case decided since (and
        // perhaps opened again, on appeal, with its own) is skipped.
        if let (ApplicationStatus::CaseOpened, Some(case)) = (&app.status, app.case.clone())
            && match list {
                List::CaseDue => case.deadline == Some(height),
                List::CaseReminder => case.reminder == Some(height),
                List::Schedule | List::Trigger => false,
            }
        {
            out.push((id, app, case));
        }
    }
    Ok(out)
}

/// A case decided by the law at its deadline (the service's law said it is then deemed
/// approved or rejected): the service carries it out as an official's decision, at the block's
/// start. If the service fails to, nothing of it is kept: the case is marked overdue, for its
/// officials still to decide.
fn deem(
    tx: &mut TxOverlay<'_>,
    ctx: &TxContext<'_>,
    app: &mut Application,
    approve: bool,
) -> Result<()> {
    let reasons = if approve {
        "not decided by its deadline: deemed approved, as the service's law says"
    } else {
        "not decided by its deadline: deemed rejected, as the service's law says"
    };
    let closing = Closing {
        approve,
        reasons,
        kind: if approve {
            "deemed_approve"
        } else {
            "deemed_reject"
        },
        by: "chain".into(),
        // The service's article that sent it to an official, with its deemed decision.
        decided_by: app
            .timeline
            .iter()
            .rev()
            .find(|s| s.kind == "case_opened")
            .and_then(|s| s.citation.clone()),
        decision: serde_json::json!({
            "approve": approve,
            "reasons": reasons,
            "official": (),
            "position": (),
            "appeal": app.case.as_ref().is_some_and(|c| c.appeal),
            "deemed": true,
        }),
    };
    let run_ctx = TxContext {
        tx_id: app.id,
        ..*ctx
    };
    let mut run = TxOverlay::new(&*tx);
    run.audit_on = false;
    let mut closed = app.clone();
    let done = finish_case(&mut run, &run_ctx, &mut closed, &closing)?;
    let (writes, postings) = (run.writes, run.postings);
    match done {
        Ok(_) => {
            tx.writes.extend(writes);
            tx.postings.extend(postings);
            *app = closed;
        }
        Err(e) => {
            if let Some(case) = app.case.as_mut() {
                dequeue(tx, &app.id, case);
                case.deadline = None;
                case.deemed = None;
                enqueue(tx, &app.id, case);
            }
            app.timeline.push(chain_step(
                ctx.height,
                "overdue",
                format!(
                    "not decided by its deadline, and the service could not carry out its deemed decision: {} ({})",
                    e.message, e.code
                ),
            ));
            tx.put(schema::application_key(&app.id), schema::value(&*app));
        }
    }
    Ok(())
}

/// Starts the schedule an approval asked for: its first period falls due `every` blocks on.
fn start_schedule(
    tx: &mut TxOverlay<'_>,
    ctx: &TxContext<'_>,
    app: &mut Application,
    every: Option<Starts>,
) -> Result<()> {
    if let Some(e) = every {
        let due = ctx.height.saturating_add(e.every);
        app.schedule = Some(govchain_types::ScheduleInfo {
            from: ctx.height,
            every: e.every,
            next: agenda::put(tx, List::Schedule, due, &app.id)?,
            done: 0,
            times: e.times,
            granted: e.granted,
            failures: 0,
            last: None,
        });
    }
    Ok(())
}

/// Periods refused in a row that end a schedule.
pub const MAX_PERIOD_FAILURES: u8 = 3;

/// A step the chain itself adds at a block's start.
fn chain_step(height: govchain_types::Height, kind: &str, reason: String) -> ApplicationStep {
    ApplicationStep {
        height,
        tx: govchain_types::Hash::ZERO,
        kind: kind.into(),
        by: "chain".into(),
        reason,
        citation: None,
    }
}

/// A journal's statement lines: key and encoded posting.
pub(crate) type Journal = Vec<(Vec<u8>, Vec<u8>)>;

/// At the start of a block (`ctx`, whose `tx_id` is zero): reminds the officials of the cases
/// due a reminder; escalates each case undecided at its deadline to its department's parent (a
/// new deadline of the same period), or marks it overdue where there is none; and runs the
/// schedules' periods due — at most [`agenda::MAX_PER_BLOCK`] of each, in key order, the same
/// on every node. Gives the statement lines of the payments the periods made.
pub(crate) fn begin_block(
    block: &mut crate::overlay::BlockOverlay<'_>,
    ctx: &TxContext<'_>,
) -> Result<Journal> {
    let height = ctx.height;
    let mut tx = TxOverlay::new(block);
    for (id, mut app, mut case) in take_cases(&mut tx, List::CaseReminder, height)? {
        case.reminder = None;
        let due = case.deadline.map_or_else(
            || "no deadline".to_string(),
            |d| format!("due by height {d}"),
        );
        app.timeline.push(chain_step(
            height,
            "reminded",
            format!("the case waits for `{}` ({due})", case.department),
        ));
        app.case = Some(case);
        tx.put(schema::application_key(&id), schema::value(&app));
    }
    for (id, mut app, mut case) in take_cases(&mut tx, List::CaseDue, height)? {
        if let Some(approve) = case.deemed {
            if ctx.work.start_spent() {
                // The block start's work is spent: decided at the next block's start.
                dequeue(&mut tx, &id, &case);
                case.deadline = Some(agenda::put(
                    &mut tx,
                    List::CaseDue,
                    height.saturating_add(1),
                    &id,
                )?);
                enqueue(&mut tx, &id, &case);
                app.case = Some(case);
                tx.put(schema::application_key(&id), schema::value(&app));
                continue;
            }
            deem(&mut tx, ctx, &mut app, approve)?;
            continue;
        }
        dequeue(&mut tx, &id, &case);
        let parent =
            crate::authorize::department_chain(&tx, ctx.registries, case.department.as_str())?
                .into_iter()
                .nth(1)
                .and_then(|d| PrincipalId::new(d.id).ok());
        let from = case.department.clone();
        match (parent, case.period) {
            (Some(parent), Some(period)) => {
                case.department = parent.clone();
                case.first = None;
                case.deadline = Some(height.saturating_add(period));
                case.reminder = None;
                schedule_case(&mut tx, &id, &mut case)?;
                app.timeline.push(chain_step(
                    height,
                    "escalated",
                    format!(
                        "not decided by `{from}` by height {height}: now for `{parent}`, due by height {}",
                        case.deadline.unwrap_or(height)
                    ),
                ));
            }
            _ => {
                case.deadline = None;
                app.timeline.push(chain_step(
                    height,
                    "overdue",
                    format!(
                        "not decided by `{from}` by height {height}, and no department is above it"
                    ),
                ));
            }
        }
        enqueue(&mut tx, &id, &case);
        app.case = Some(case);
        tx.put(schema::application_key(&id), schema::value(&app));
    }
    let due = agenda::take(&mut tx, List::Schedule, height)?;
    let triggered = agenda::take(&mut tx, List::Trigger, height)?;
    let writes = std::mem::take(&mut tx.writes);
    let deemed_postings = std::mem::take(&mut tx.postings);
    drop(tx);
    block.merge(None, writes);
    let mut lines = StartLines {
        height,
        journal: Journal::new(),
    };
    lines.add(deemed_postings);
    for id in due {
        let run_ctx = TxContext { tx_id: id, ..*ctx };
        apart(block, &mut lines, |tx| {
            if ctx.work.start_spent() {
                defer_period(tx, &id, height.saturating_add(1))
            } else {
                run_period(tx, &run_ctx, &id)
            }
        })?;
    }
    for id in triggered {
        apart(block, &mut lines, |tx| {
            if ctx.work.start_spent() {
                agenda::put(tx, List::Trigger, height.saturating_add(1), &id).map(|_| ())
            } else {
                open_from_record(tx, ctx, &id)
            }
        })?;
    }
    Ok(lines.journal)
}

/// The statement lines of the payments made at a block's start, in the order made.
struct StartLines {
    height: govchain_types::Height,
    journal: Journal,
}

impl StartLines {
    fn add(&mut self, postings: Vec<crate::finance::PendingPosting>) {
        for (code, holder, posting) in postings {
            let line = u32::try_from(self.journal.len()).unwrap_or(u32::MAX);
            self.journal.push((
                crate::finance::statement_key(&code, &holder, self.height, None, line),
                schema::value(&posting),
            ));
        }
    }
}

/// One piece of a block start's work in an overlay of its own, merged into the block; the
/// statement lines of its payments go to `lines`.
fn apart(
    block: &mut crate::overlay::BlockOverlay<'_>,
    lines: &mut StartLines,
    work: impl FnOnce(&mut TxOverlay<'_>) -> Result<()>,
) -> Result<()> {
    let mut tx = TxOverlay::new(block);
    tx.audit_on = false;
    work(&mut tx)?;
    let writes = std::mem::take(&mut tx.writes);
    let postings = std::mem::take(&mut tx.postings);
    drop(tx);
    lines.add(postings);
    block.merge(None, writes);
    Ok(())
}

/// A schedule's period due now, carried over to `next` (the block start's work is spent).
fn defer_period(
    tx: &mut TxOverlay<'_>,
    id: &govchain_types::Hash,
    next: govchain_types::Height,
) -> Result<()> {
    let Some(mut app) = schema::application(tx, id)? else {
        return Ok(());
    };
    if let Some(s) = app.schedule.as_mut() {
        s.next = agenda::put(tx, List::Schedule, next, id)?;
        tx.put(schema::application_key(id), schema::value(&app));
    }
    Ok(())
}

/// A record inserted in `registry` (its key `key`): each service watching the registry gets an
/// entry on the next block's agenda, to open the applications its `opened(record)` names.
pub(crate) fn on_insert(
    tx: &mut TxOverlay<'_>,
    ctx: &TxContext<'_>,
    registry: &str,
    key: &str,
) -> Result<()> {
    let prefix = schema::service_trigger_prefix(registry);
    let watchers = tx
        .scan_prefix(&prefix, MAX_WATCHERS)?
        .ok_or_else(|| ExecError::Corrupt {
            key: String::from_utf8_lossy(&prefix).into_owned(),
            reason: format!("more than {MAX_WATCHERS} services watch one registry"),
        })?;
    for (_, service) in watchers {
        let service = String::from_utf8_lossy(&service).into_owned();
        let id = govchain_crypto::hash(
            ctx.scheme,
            format!("trigger\0{}\0{service}\0{registry}\0{key}", ctx.tx_id).as_bytes(),
        );
        agenda::put(tx, List::Trigger, ctx.height.saturating_add(1), &id)?;
        tx.put(
            schema::trigger_key(&id),
            schema::value(&(service, registry.to_string(), key.to_string())),
        );
    }
    Ok(())
}

/// One application a service opens from a record, as its `opened(record)` names it.
struct Opened {
    applicant: PrincipalId,
    input: Fields,
    /// Waits for the applicant to confirm it; else decided at once.
    confirm: bool,
}

/// Reads what `opened(record)` returned: a list of at most [`MAX_OPENED`]
/// `#{ applicant, input, confirm }`.
fn parse_opened(v: &Json) -> std::result::Result<Vec<Opened>, String> {
    let Json::Array(items) = v else {
        return Err("`opened(record)` returns a list".into());
    };
    if items.len() > MAX_OPENED {
        return Err(format!(
            "`opened(record)` opens at most {MAX_OPENED} applications"
        ));
    }
    items
        .iter()
        .map(|item| {
            let Json::Object(m) = item else {
                return Err("each application opened is a map".to_string());
            };
            if let Some(k) = m
                .keys()
                .find(|k| !["applicant", "input", "confirm"].contains(&k.as_str()))
            {
                return Err(format!("an application opened has `{k}`, which it may not"));
            }
            let applicant = m
                .get("applicant")
                .and_then(Json::as_str)
                .and_then(|a| PrincipalId::new(a).ok())
                .ok_or("an application opened names its `applicant`")?;
            let input = match m.get("input") {
                None => Fields::new(),
                Some(i) => serde_json::from_value::<Fields>(i.clone())
                    .map_err(|_| "an application opened has an `input` of form fields")?,
            };
            let confirm = match m.get("confirm") {
                None => true,
                Some(Json::Bool(b)) => *b,
                Some(_) => return Err("`confirm` is true or false".to_string()),
            };
            Ok(Opened {
                applicant,
                input,
                confirm,
            })
        })
        .collect()
}

/// At a block's start, a record inserted in the last block in a registry a service watches:
/// the service's latest version reads it (as its laws let its contract) and opens the
/// applications its `opened(record)` names — each waiting for its applicant to confirm, or
/// decided at once. Whatever fails (a read the laws refuse, a bad answer, input that does not
/// fit the form, an applicant who is no principal) opens nothing.
fn open_from_record(
    tx: &mut TxOverlay<'_>,
    ctx: &TxContext<'_>,
    id: &govchain_types::Hash,
) -> Result<()> {
    let key = schema::trigger_key(id);
    let Some(bytes) = tx.get(&key)? else {
        return Ok(());
    };
    tx.delete(key.clone());
    let (service, registry, record_key): (String, String, String) =
        govchain_types::decode("trigger", &bytes).map_err(|e| ExecError::Corrupt {
            key: String::from_utf8_lossy(&key).into_owned(),
            reason: e.to_string(),
        })?;
    let Ok(name) = PrincipalId::new(&service) else {
        return Ok(());
    };
    let Some(version) = schema::service_latest(tx, &name)? else {
        return Ok(());
    };
    let Some(record) = schema::service(tx, &name, version)? else {
        return Ok(());
    };
    let def = &record.def;
    let Some(r) = ctx.registries.get(registry.as_str()) else {
        return Ok(());
    };
    if !def.on_insert.contains(&registry) {
        return Ok(());
    }
    let runtime = ctx.compiler.runtime();
    let Ok(script) = runtime.compile(&def.script) else {
        return Ok(());
    };
    let reader = ContractActor::new(def, def.department.clone());
    let Ok(Some(fields)) = readable(tx, ctx, &reader, r, &record_key)? else {
        return Ok(());
    };
    let mut record_json = fields_json(&fields);
    if let Json::Object(m) = &mut record_json {
        m.insert("_key".into(), Json::String(record_key.clone()));
    }
    let mut budget = Budget::new(APPLICATION_BUDGET);
    let answer = runtime.call(&script, "opened", &[record_json], &mut budget);
    ctx.work.add(budget.operations());
    let Ok(answer) = answer else {
        return Ok(());
    };
    let Ok(opened) = parse_opened(&answer) else {
        return Ok(());
    };
    for o in opened {
        if schema::principal(tx, &o.applicant)?.is_none() {
            continue;
        }
        let Ok(input) = check_form(tx, def, &o.input)? else {
            continue;
        };
        let app_id = govchain_crypto::hash(
            ctx.scheme,
            format!("opened\0{id}\0{}", o.applicant).as_bytes(),
        );
        if schema::application(tx, &app_id)?.is_some() {
            continue;
        }
        let app = Application {
            id: app_id,
            service: name.clone(),
            version: def.version,
            applicant: o.applicant.clone(),
            input,
            status: ApplicationStatus::Proposed,
            case: None,
            schedule: None,
            appealed: false,
            timeline: vec![ApplicationStep {
                height: ctx.height,
                tx: govchain_types::Hash::ZERO,
                kind: "proposed".into(),
                by: ContractActor::new(def, o.applicant.clone()).label(),
                reason: format!(
                    "opened from record `{record_key}` of `{registry}`{}",
                    if o.confirm {
                        ": it waits for the applicant to confirm it"
                    } else {
                        ""
                    }
                ),
                citation: None,
            }],
        };
        tx.put(
            schema::applicant_key(&o.applicant, ctx.height, &app_id),
            app_id.0.to_vec(),
        );
        tx.put(schema::application_key(&app_id), schema::value(&app));
        if !o.confirm {
            // Decided at once, in its own overlay: if the service cannot decide it, it waits
            // for the applicant as if it asked to be confirmed.
            let run_ctx = TxContext {
                tx_id: app_id,
                ..*ctx
            };
            let mut run = TxOverlay::new(&*tx);
            run.audit_on = false;
            let decided = decide_application(&mut run, &run_ctx, def, app.clone())?;
            let (writes, postings) = (run.writes, run.postings);
            if decided.is_ok() {
                tx.writes.extend(writes);
                tx.postings.extend(postings);
            }
        }
    }
    Ok(())
}

/// Runs the period of application `id` due at this block's start: the service's
/// `scheduled(application, period)`, as the contract (of the version the application started
/// under) acting for the applicant. Its outcome pays and writes (approved), or ends the
/// schedule (rejected); a run refused (by the laws, the limits, an empty account) writes
/// nothing. Either way the period is done, its step in the timeline, and the next put on the
/// agenda unless it was the last.
fn run_period(
    tx: &mut TxOverlay<'_>,
    ctx: &TxContext<'_>,
    id: &govchain_types::Hash,
) -> Result<()> {
    let height = ctx.height;
    let Some(mut app) = schema::application(tx, id)? else {
        return Ok(());
    };
    let Some(mut schedule) = app.schedule.clone() else {
        return Ok(());
    };
    let service = pinned_service(tx, &app)?;
    let def = &service.def;
    let period = schedule.done.saturating_add(1);
    let actor = ContractActor::new(def, app.applicant.clone());
    // The run's own writes, kept only if it succeeds.
    let mut run = TxOverlay::new(&*tx);
    run.audit_on = false;
    let ran = run_scheduled(&mut run, ctx, def, &actor, &app, period)?;
    let (writes, postings) = (run.writes, run.postings);
    if ran.is_ok() {
        tx.writes.extend(writes);
        tx.postings.extend(postings);
    }
    schedule.done = period;
    let label = actor.label();
    let all_run = schedule.times.is_some_and(|t| period >= t);
    // Each period's step is kept apart (by application and period), the latest on the
    // schedule; the timeline gets the end.
    let (step, ended) = match ran {
        Ok((Outcome::Rejected { reason, .. }, citation)) => {
            let step = ApplicationStep {
                height,
                tx: govchain_types::Hash::ZERO,
                kind: "schedule_ended".into(),
                by: label,
                reason: format!("period {period}: {reason}"),
                citation: Some(citation),
            };
            (step.clone(), Some(step))
        }
        Ok((_, citation)) => {
            schedule.failures = 0;
            let step = ApplicationStep {
                height,
                tx: govchain_types::Hash::ZERO,
                kind: "period_run".into(),
                by: label,
                reason: format!("period {period}"),
                citation: Some(citation),
            };
            (step, None)
        }
        Err(e) => {
            schedule.failures = schedule.failures.saturating_add(1);
            let step = chain_step(
                height,
                "period_failed",
                format!("period {period}: {} ({})", e.message, e.code),
            );
            let ended = (schedule.failures >= MAX_PERIOD_FAILURES).then(|| {
                chain_step(
                    height,
                    "schedule_ended",
                    format!("{MAX_PERIOD_FAILURES} periods in a row were refused"),
                )
            });
            (step, ended)
        }
    };
    tx.put(schema::period_key(id, period), schema::value(&step));
    schedule.last = Some(step);
    let ended = ended.or_else(|| {
        all_run.then(|| {
            chain_step(
                height,
                "schedule_ended",
                format!("all {period} periods run"),
            )
        })
    });
    if let Some(end) = ended {
        app.timeline.push(end);
        app.schedule = None;
    } else {
        // Period n falls due at `from + n × every`, or at the next block if that has passed.
        let due = schedule
            .every
            .checked_mul(period.saturating_add(1))
            .and_then(|d| schedule.from.checked_add(d))
            .unwrap_or(u64::MAX)
            .max(height.saturating_add(1));
        schedule.next = agenda::put(tx, List::Schedule, due, id)?;
        app.schedule = Some(schedule);
    }
    tx.put(schema::application_key(id), schema::value(&app));
    Ok(())
}

/// One period's run of a service's script and what its outcome does: the outcome (approved,
/// carried out; or rejected) with the article it cites, or why it was refused.
fn run_scheduled(
    tx: &mut TxOverlay<'_>,
    ctx: &TxContext<'_>,
    def: &ServiceDef,
    actor: &ContractActor,
    app: &Application,
    period: u64,
) -> Result<std::result::Result<(Outcome, Citation), TxError>> {
    let runtime = ctx.compiler.runtime();
    let script = match runtime.compile(&def.script) {
        Ok(s) => s,
        Err(e) => return Ok(Err(contract_error(&e))),
    };
    if !script.has_function("scheduled", 2) {
        return Ok(Err(TxError::new(
            Code::ContractFailed,
            "the script has no function `scheduled(application, period)`",
        )));
    }
    let submitted_at = app.timeline.first().map_or(ctx.height, |s| s.height);
    let mut app_json = application_json(
        &app.id,
        def,
        &app.applicant,
        submitted_at,
        ctx.date,
        &app.input,
    );
    if let (Json::Object(m), Some(s)) = (&mut app_json, &app.schedule) {
        m.insert("granted".into(), fields_json(&s.granted));
    }
    let args = [app_json, Json::from(period)];
    let outcome = match run_script(tx, ctx, actor, |fetch, budget| {
        runtime.conclude(&script, "scheduled", &args, fetch, budget)
    })? {
        Ok(o) => o,
        Err(e) => return Ok(Err(e)),
    };
    match &outcome {
        Outcome::Official { .. } => {
            return Ok(Err(TxError::new(
                Code::ContractFailed,
                "a scheduled run cannot open a case",
            )));
        }
        Outcome::Approved {
            schedule: Some(_), ..
        } => {
            return Ok(Err(TxError::new(
                Code::ContractFailed,
                "a scheduled run cannot start another schedule",
            )));
        }
        _ => {}
    }
    Ok(
        cite_and_carry_out(tx, ctx, def, actor, &app.input, &outcome)?
            .map(|(citation, _)| (outcome, citation)),
    )
}

/// The version of its service an application started under (kept with it, so always stored).
fn pinned_service(state: &dyn State, app: &Application) -> Result<ServiceRecord> {
    schema::service(state, &app.service, app.version)?.ok_or_else(|| ExecError::Corrupt {
        key: String::from_utf8_lossy(&schema::application_key(&app.id)).into_owned(),
        reason: "an application names a service version that is not stored".into(),
    })
}

/// An outcome's article (one the service carries out), set as what decides the writes, then
/// the outcome carried out as the service's contract.
fn cite_and_carry_out(
    tx: &mut TxOverlay<'_>,
    ctx: &TxContext<'_>,
    def: &ServiceDef,
    actor: &ContractActor,
    input: &Fields,
    outcome: &Outcome,
) -> Result<std::result::Result<(Citation, CarriedOut), TxError>> {
    let citation = match outcome_citation(ctx, def, outcome) {
        Ok(c) => c,
        Err(e) => return Ok(Err(e)),
    };
    tx.citation = Some(citation.clone());
    Ok(carry_out(tx, ctx, def, actor, input, outcome)?.map(|done| (citation, done)))
}

/// The step an outcome adds to the timeline.
fn step_kind(status: &ApplicationStatus) -> &'static str {
    match status {
        ApplicationStatus::Approved => "approved",
        ApplicationStatus::Rejected => "rejected",
        ApplicationStatus::CaseOpened => "case_opened",
        ApplicationStatus::Proposed => "proposed",
    }
}

/// The article of the service's law an outcome cites, if the service carries it out.
fn outcome_citation(
    ctx: &TxContext<'_>,
    def: &ServiceDef,
    outcome: &Outcome,
) -> std::result::Result<Citation, TxError> {
    if !def.articles.iter().any(|a| a == outcome.article()) {
        return Err(TxError::new(
            Code::ContractFailed,
            format!(
                "the script cites article `{}`, which service `{}` does not carry out (it carries out {})",
                outcome.article(),
                def.name,
                def.articles.join(", ")
            ),
        ));
    }
    let Some(law) = ctx.statutes.get(def.law.as_str()) else {
        return Err(TxError::new(
            Code::ContractFailed,
            format!(
                "law `{}`, which service `{}` carries out, is not in force",
                def.law, def.name
            ),
        ));
    };
    Ok(Citation {
        law: def.law.clone(),
        version: law.version,
        article: outcome.article().to_string(),
        level: law.level,
    })
}

/// Runs `conclude` (the script's `decide` or `decided`) with facts fetched as `actor` may see
/// them. A storage failure stops the block; anything else fails the transaction.
fn run_script(
    tx: &mut TxOverlay<'_>,
    ctx: &TxContext<'_>,
    actor: &ContractActor,
    conclude: impl FnOnce(
        &mut dyn FnMut(&Need, &mut Budget) -> std::result::Result<Json, ContractError>,
        &mut Budget,
    ) -> std::result::Result<
        (Outcome, Vec<govchain_contracts::Fact>),
        ContractError,
    >,
) -> Result<std::result::Result<Outcome, TxError>> {
    let left = ctx.work.left();
    if left == 0 {
        return Ok(Err(TxError::new(
            Code::OutOfBudget,
            format!(
                "the block's contract work ({} operations) is spent: apply in a later block",
                ctx.work.limit
            ),
        )));
    }
    let mut budget = Budget::new(APPLICATION_BUDGET).with_operations(left);
    let mut fatal: Option<ExecError> = None;
    let decided = conclude(
        &mut |need, budget| match fetch(tx, ctx, actor, need, budget) {
            Ok(r) => r,
            Err(e) => {
                fatal = Some(e);
                Err(ContractError::Host(
                    "the node could not read its state".into(),
                ))
            }
        },
        &mut budget,
    );
    ctx.work.add(budget.operations());
    if let Some(e) = fatal {
        return Err(e);
    }
    Ok(decided
        .map(|(outcome, _facts)| outcome)
        .map_err(|e| contract_error(&e)))
}

/// `Apply`: the service's version in force decides the application.
pub(crate) fn apply(
    tx: &mut TxOverlay<'_>,
    ctx: &TxContext<'_>,
    signer: &Signer,
    name: &PrincipalId,
    input: &Fields,
) -> TxOutcome {
    let unknown = || {
        TxError::new(
            Code::UnknownService,
            format!("no service `{name}` is deployed"),
        )
    };
    let Some(version) = schema::service_latest(tx, name)? else {
        return Ok(Err(unknown()));
    };
    let Some(service) = schema::service(tx, name, version)? else {
        return Ok(Err(unknown()));
    };
    let def = &service.def;
    // Who applies: the organisation its representative acts for, or the signer.
    let applicant = signer
        .organisation
        .as_ref()
        .map_or_else(|| signer.principal.clone(), |(id, _)| id.clone());
    let act = Action::Service {
        action: "apply",
        resource: service_entity(def),
    };
    if let Err(e) = authorize(tx, ctx, signer, &act)? {
        return Ok(Err(e));
    }
    let input = match check_form(tx, def, input)? {
        Ok(i) => i,
        Err(errors) => {
            return Ok(Err(TxError::new(
                Code::InvalidInput,
                format!(
                    "the input does not fit the form of `{name}`: {}",
                    errors.join("; ")
                ),
            )));
        }
    };
    let submitted = ApplicationStep {
        height: ctx.height,
        tx: ctx.tx_id,
        kind: "submitted".into(),
        by: applicant.to_string(),
        reason: String::new(),
        citation: None,
    };
    let app = Application {
        id: ctx.tx_id,
        service: name.clone(),
        version: def.version,
        applicant: applicant.clone(),
        input,
        status: ApplicationStatus::Proposed,
        case: None,
        schedule: None,
        appealed: false,
        timeline: vec![submitted],
    };
    tx.put(
        schema::applicant_key(&applicant, ctx.height, &ctx.tx_id),
        ctx.tx_id.0.to_vec(),
    );
    decide_application(tx, ctx, def, app)
}

/// The service (`def`, the version `app` is under) decides `app` from the registries: its
/// `decide(application)`, carried out as its contract acting for the applicant; the outcome is
/// added to the timeline and the application stored.
fn decide_application(
    tx: &mut TxOverlay<'_>,
    ctx: &TxContext<'_>,
    def: &ServiceDef,
    mut app: Application,
) -> TxOutcome {
    let id = app.id;
    let runtime = ctx.compiler.runtime();
    let script = match runtime.compile(&def.script) {
        Ok(s) => s,
        Err(e) => return Ok(Err(contract_error(&e))),
    };
    let actor = ContractActor::new(def, app.applicant.clone());
    let app_json = application_json(&id, def, &app.applicant, ctx.height, ctx.date, &app.input);
    let outcome = match run_script(tx, ctx, &actor, |fetch, budget| {
        runtime.decide(&script, &app_json, fetch, budget)
    })? {
        Ok(o) => o,
        Err(e) => return Ok(Err(e)),
    };
    // What the application did is decided by the service's article from here on.
    let (citation, done) = match cite_and_carry_out(tx, ctx, def, &actor, &app.input, &outcome)? {
        Ok(d) => d,
        Err(e) => return Ok(Err(e)),
    };
    let kind = step_kind(&done.status);
    app.status = done.status;
    app.case = done.case;
    app.timeline.push(ApplicationStep {
        height: ctx.height,
        tx: ctx.tx_id,
        kind: kind.into(),
        by: actor.label(),
        reason: done.reason,
        citation: Some(citation),
    });
    if let Some(case) = app.case.as_mut() {
        if let Err(e) = room_for_a_case(tx, &app.applicant)? {
            return Ok(Err(e));
        }
        count_case(tx, &app.applicant, true)?;
        schedule_case(tx, &id, case)?;
        enqueue(tx, &id, case);
    }
    start_schedule(tx, ctx, &mut app, done.schedule)?;
    tx.put(schema::application_key(&id), schema::value(&app));
    let mut events = done.events;
    events.push(event(
        "application_decided",
        &[
            ("application", id.to_string()),
            ("service", def.name.to_string()),
            ("version", def.version.to_string()),
            ("outcome", kind.to_string()),
            ("article", outcome.article().to_string()),
        ],
    ));
    Ok(Ok(events))
}

/// A case as the resource of `decide`.
pub fn case_entity(app: &Application, case: &CaseInfo) -> EntityData {
    let regions = match &case.region {
        Some(r) => govchain_law::enclosing_regions(r),
        None => vec!["CN".to_string()],
    };
    EntityData::new(EntityRef::new("Case", app.id.to_string()))
        .attr("service", Value::str(app.service.to_string()))
        .attr("department", Value::str(case.department.to_string()))
        .attr("power", Value::str(case.power.clone()))
        .attr("regions", Value::strs(regions))
        .attr("applicant", Value::str(app.applicant.to_string()))
        .attr("appeal", Value::Bool(case.appeal))
}

/// An application as the resource of `read`.
pub fn application_entity(app: &Application) -> EntityData {
    let (department, power, regions) = match &app.case {
        Some(c) => (
            c.department.to_string(),
            c.power.clone(),
            match &c.region {
                Some(r) => govchain_law::enclosing_regions(r),
                None => vec!["CN".to_string()],
            },
        ),
        None => (String::new(), String::new(), vec!["CN".to_string()]),
    };
    let status = step_kind(&app.status);
    EntityData::new(EntityRef::new("Application", app.id.to_string()))
        .attr("service", Value::str(app.service.to_string()))
        .attr(
            "applicant",
            Value::entity("Principal", app.applicant.to_string()),
        )
        .attr("department", Value::str(department))
        .attr("power", Value::str(power))
        .attr("regions", Value::strs(regions))
        .attr("status", Value::str(status))
}

/// The ids of `applicant`'s applications, newest first, at most `most`.
pub fn applications_of(
    state: &dyn State,
    applicant: &PrincipalId,
    most: usize,
) -> Result<Vec<govchain_types::Hash>> {
    let prefix = format!("application-by/{applicant}/").into_bytes();
    let found = state
        .scan_prefix(&prefix, 100_000)?
        .ok_or_else(|| ExecError::Corrupt {
            key: String::from_utf8_lossy(&prefix).into_owned(),
            reason: "more than 100,000 applications of one applicant".into(),
        })?;
    Ok(found
        .into_iter()
        .rev()
        .take(most)
        .filter_map(|(_, id)| <[u8; 32]>::try_from(id.as_slice()).ok())
        .map(govchain_types::Hash)
        .collect())
}

/// The household of a person, as the registry of persons in force says (its `household`
/// field), if there is one.
fn household(
    state: &dyn State,
    ctx: &TxContext<'_>,
    person: &PrincipalId,
) -> Result<Option<String>> {
    let Some(def) = ctx
        .registries
        .values()
        .map(|r| &r.def)
        .find(|d| d.principals == Some(govchain_types::PrincipalKind::Person))
    else {
        return Ok(None);
    };
    Ok(
        schema::record(state, &def.name, person.as_str())?.and_then(|r| {
            match r.fields.get("household") {
                Some(FieldValue::Text(h)) => Some(h.clone()),
                _ => None,
            }
        }),
    )
}

/// Whether `official` may not decide `applicant`'s case: it is theirs, an organisation they
/// represent, or a person (or an organisation represented by a person) of their household.
fn conflict(
    state: &dyn State,
    ctx: &TxContext<'_>,
    official: &PrincipalId,
    applicant: &PrincipalId,
) -> Result<Option<String>> {
    if official == applicant {
        return Ok(Some("it is their own application".into()));
    }
    // The person behind the application: the applicant, or its representative.
    let person = match crate::registry::representative(state, ctx.registries, applicant)? {
        Some((_, rep)) => match PrincipalId::new(rep) {
            Ok(p) => p,
            Err(_) => applicant.clone(),
        },
        None => applicant.clone(),
    };
    if &person == official {
        return Ok(Some(format!("they represent `{applicant}`")));
    }
    if let (Some(a), Some(b)) = (
        household(state, ctx, official)?,
        household(state, ctx, &person)?,
    ) && a == b
    {
        return Ok(Some(format!("`{person}` is of their household `{a}`")));
    }
    Ok(None)
}

/// Most bytes of an official's reasons.
pub const MAX_REASONS: usize = 2000;

/// `DecideCase`: an official with the power, in the jurisdiction, decides a case; the service
/// (the version the application started under) carries out the decision.
pub(crate) fn decide_case(
    tx: &mut TxOverlay<'_>,
    ctx: &TxContext<'_>,
    signer: &Signer,
    id: &govchain_types::Hash,
    approve: bool,
    reasons: &str,
) -> TxOutcome {
    let not_pending = || {
        TxError::new(
            Code::NotPending,
            format!("no application `{id}` waits for an official's decision"),
        )
    };
    let Some(mut app) = schema::application(tx, id)? else {
        return Ok(Err(not_pending()));
    };
    let (ApplicationStatus::CaseOpened, Some(case)) = (&app.status, app.case.clone()) else {
        return Ok(Err(not_pending()));
    };
    if reasons.trim().is_empty() || reasons.len() > MAX_REASONS {
        return Ok(Err(TxError::new(
            Code::BadText,
            format!("a decision gives its reasons in 1 to {MAX_REASONS} bytes"),
        )));
    }
    let act = Action::Service {
        action: "decide",
        resource: case_entity(&app, &case),
    };
    if let Err(e) = authorize(tx, ctx, signer, &act)? {
        return Ok(Err(e));
    }
    let decided_by = tx.citation.clone();
    if let Some(why) = conflict(tx, ctx, &signer.principal, &app.applicant)? {
        return Ok(Err(TxError::new(
            Code::ConflictOfInterest,
            format!(
                "`{}` may not decide application `{id}`: {why}",
                signer.principal
            ),
        )));
    }
    // An appeal is heard by another official than any who decided the application before.
    if case.appeal
        && app.timeline.iter().any(|s| {
            s.kind.starts_with("decided_") || s.kind == "first_decision" || s.kind == "dissent"
        } && s.by.split(' ').next() == Some(signer.principal.as_str()))
    {
        return Ok(Err(TxError::new(
            Code::ConflictOfInterest,
            format!(
                "`{}` decided application `{id}` before, and may not hear its appeal",
                signer.principal
            ),
        )));
    }
    let by = match &signer.position {
        Some(p) => format!("{} ({})", signer.principal, p.position.id),
        None => signer.principal.to_string(),
    };
    let decided_kind = if approve {
        "decided_approve"
    } else {
        "decided_reject"
    };
    // Four eyes: a first decision waits for a second, distinct official; one who disagrees
    // sends the case back to wait for two who concur.
    if case.officials >= 2 {
        let step = |kind: &str| ApplicationStep {
            height: ctx.height,
            tx: ctx.tx_id,
            kind: kind.into(),
            by: by.clone(),
            reason: reasons.to_string(),
            citation: decided_by.clone(),
        };
        let waiting = match &case.first {
            None => Some((
                Some(govchain_types::FirstDecision {
                    official: signer.principal.clone(),
                    approve,
                }),
                "first_decision",
                "awaiting_second_official",
            )),
            Some(f) if f.official == signer.principal => {
                return Ok(Err(TxError::new(
                    Code::FourEyes,
                    format!(
                        "application `{id}` needs a second official's decision; `{}` decided it first",
                        f.official
                    ),
                )));
            }
            Some(f) if f.approve != approve => Some((None, "dissent", "awaiting_two_officials")),
            Some(_) => None,
        };
        if let Some((first, kind, outcome)) = waiting {
            if let Some(c) = app.case.as_mut() {
                c.first = first;
            }
            app.timeline.push(step(kind));
            tx.put(schema::application_key(id), schema::value(&app));
            return Ok(Ok(vec![event(
                "case_decided",
                &[
                    ("application", id.to_string()),
                    ("service", app.service.to_string()),
                    ("outcome", outcome.to_string()),
                    ("official", signer.principal.to_string()),
                ],
            )]));
        }
    }
    let decision = serde_json::json!({
        "approve": approve,
        "reasons": reasons,
        "official": signer.principal.to_string(),
        "position": signer.position.as_ref().map(|p| p.position.id.clone()),
        "appeal": case.appeal,
    });
    let closing = Closing {
        approve,
        reasons,
        kind: decided_kind,
        by,
        decided_by,
        decision,
    };
    let done = match finish_case(tx, ctx, &mut app, &closing)? {
        Ok(events) => events,
        Err(e) => return Ok(Err(e)),
    };
    let mut events = done;
    events.push(event(
        "case_decided",
        &[
            ("application", id.to_string()),
            ("service", app.service.to_string()),
            ("outcome", step_kind(&app.status).to_string()),
            ("official", signer.principal.to_string()),
        ],
    ));
    Ok(Ok(events))
}

/// How a case is closed: by an official's decision, or by the law at its deadline.
struct Closing<'a> {
    approve: bool,
    reasons: &'a str,
    /// The step it adds: `decided_approve`, `deemed_reject`, ...
    kind: &'static str,
    /// Who closed it, as the timeline says.
    by: String,
    /// The article that let the official decide (none when deemed).
    decided_by: Option<Citation>,
    /// The decision as the script's `decided(application, decision)` sees it.
    decision: Json,
}

/// Closes `app`'s case: the service (the version the application started under) carries out
/// the decision through its `decided(application, decision)` (or, without one, approves or
/// rejects as decided, writing nothing), the steps are added, the case leaves its
/// department's queue. Gives the events of what the service did.
fn finish_case(
    tx: &mut TxOverlay<'_>,
    ctx: &TxContext<'_>,
    app: &mut Application,
    closing: &Closing<'_>,
) -> Result<std::result::Result<Vec<Event>, TxError>> {
    let id = app.id;
    let service = pinned_service(tx, app)?;
    let def = &service.def;
    // The article that sent the case to an official (or, on appeal of the service's own
    // rejection, the one it rejected under): what a plain decision cites.
    let case_article = app
        .timeline
        .iter()
        .rev()
        .find(|s| s.kind == "case_opened" || s.kind == "rejected")
        .and_then(|s| s.citation.as_ref())
        .map(|c| c.article.clone())
        .unwrap_or_default();
    let runtime = ctx.compiler.runtime();
    let script = match runtime.compile(&def.script) {
        Ok(s) => s,
        Err(e) => return Ok(Err(contract_error(&e))),
    };
    let actor = ContractActor::new(def, app.applicant.clone());
    let submitted_at = app.timeline.first().map_or(ctx.height, |s| s.height);
    let outcome = if script.has_function("decided", 2) {
        let app_json = application_json(
            &app.id,
            def,
            &app.applicant,
            submitted_at,
            ctx.date,
            &app.input,
        );
        match run_script(tx, ctx, &actor, |fetch, budget| {
            runtime.resume(&script, &app_json, &closing.decision, fetch, budget)
        })? {
            Ok(o) => o,
            Err(e) => return Ok(Err(e)),
        }
    } else if closing.approve {
        Outcome::Approved {
            article: case_article,
            reason: closing.reasons.to_string(),
            writes: vec![],
            payments: vec![],
            schedule: None,
        }
    } else {
        Outcome::Rejected {
            article: case_article,
            reason: closing.reasons.to_string(),
        }
    };
    if matches!(outcome, Outcome::Official { .. }) {
        return Ok(Err(TxError::new(
            Code::ContractFailed,
            "a decided case cannot be sent to an official again",
        )));
    }
    // The records the service writes cite its article; the receipt, the official's.
    let (citation, done) = match cite_and_carry_out(tx, ctx, def, &actor, &app.input, &outcome)? {
        Ok(d) => d,
        Err(e) => return Ok(Err(e)),
    };
    tx.citation = closing.decided_by.clone();
    if let Some(case) = &app.case {
        dequeue(tx, &id, case);
        count_case(tx, &app.applicant, false)?;
    }
    let kind = step_kind(&done.status);
    app.status = done.status;
    app.timeline.push(ApplicationStep {
        height: ctx.height,
        tx: ctx.tx_id,
        kind: closing.kind.into(),
        by: closing.by.clone(),
        reason: closing.reasons.to_string(),
        citation: closing.decided_by.clone(),
    });
    app.timeline.push(ApplicationStep {
        height: ctx.height,
        tx: ctx.tx_id,
        kind: kind.into(),
        by: actor.label(),
        reason: done.reason,
        citation: Some(citation),
    });
    start_schedule(tx, ctx, app, done.schedule)?;
    tx.put(schema::application_key(&id), schema::value(&*app));
    Ok(Ok(done.events))
}

/// The power an official needs to hear an appeal.
pub const HEAR_APPEAL: &str = "hear-appeal";

/// The department whose record's region (as its registry places it) a principal has, if any.
fn region_of(state: &dyn State, ctx: &TxContext<'_>, who: &PrincipalId) -> Result<Option<String>> {
    let Some(p) = schema::principal(state, who)? else {
        return Ok(None);
    };
    let Some(def) = ctx
        .registries
        .values()
        .map(|r| &r.def)
        .find(|d| d.principals == Some(p.kind))
    else {
        return Ok(None);
    };
    Ok(schema::record(state, &def.name, who.as_str())?
        .and_then(|r| crate::registry::record_region(def, &r.fields).map(str::to_string)))
}

/// `Appeal`: the applicant (or its representative) appeals a rejection, once, as the laws let
/// it: a case for an official with the power `hear-appeal` at the parent department of the one
/// whose case decided it (the same department, at the top), or at the service's department
/// when the service rejected it by itself; in the case's region (the applicant's, without
/// one); with the case's deadline period, if it had one.
pub(crate) fn appeal(
    tx: &mut TxOverlay<'_>,
    ctx: &TxContext<'_>,
    signer: &Signer,
    id: &govchain_types::Hash,
    reasons: &str,
) -> TxOutcome {
    let not_appealable = |why: &str| {
        Ok(Err(TxError::new(
            Code::NotAppealable,
            format!("application `{id}` cannot be appealed: {why}"),
        )))
    };
    let Some(mut app) = schema::application(tx, id)? else {
        return not_appealable("there is no such application");
    };
    if reasons.trim().is_empty() || reasons.len() > MAX_REASONS {
        return Ok(Err(TxError::new(
            Code::BadText,
            format!("an appeal gives its reasons in 1 to {MAX_REASONS} bytes"),
        )));
    }
    let act = Action::Service {
        action: "appeal",
        resource: application_entity(&app),
    };
    if let Err(e) = authorize(tx, ctx, signer, &act)? {
        return Ok(Err(e));
    }
    // Only the applicant itself, whatever the laws say of others.
    let acts_for = signer
        .organisation
        .as_ref()
        .map_or(&signer.principal, |(o, _)| o);
    if acts_for != &app.applicant {
        return Ok(Err(TxError::new(
            Code::Unauthorized,
            format!("only `{}` appeals its application `{id}`", app.applicant),
        )));
    }
    if app.status != ApplicationStatus::Rejected {
        return not_appealable("it was not rejected");
    }
    if app.appealed {
        return not_appealable("it was appealed once already");
    }
    let service = pinned_service(tx, &app)?;
    let (department, region, period) = match &app.case {
        Some(case) => {
            let parent =
                crate::authorize::department_chain(tx, ctx.registries, case.department.as_str())?
                    .into_iter()
                    .nth(1)
                    .and_then(|d| PrincipalId::new(d.id).ok());
            (
                parent.unwrap_or_else(|| case.department.clone()),
                case.region.clone(),
                case.period,
            )
        }
        None => (
            service.def.department.clone(),
            region_of(tx, ctx, &app.applicant)?,
            None,
        ),
    };
    let mut case = CaseInfo {
        department,
        power: HEAR_APPEAL.into(),
        region,
        officials: 1,
        first: None,
        deadline: period.map(|p| ctx.height.saturating_add(p)),
        period,
        reminder: None,
        deemed: None,
        appeal: true,
    };
    if let Err(e) = room_for_a_case(tx, &app.applicant)? {
        return Ok(Err(e));
    }
    count_case(tx, &app.applicant, true)?;
    schedule_case(tx, id, &mut case)?;
    enqueue(tx, id, &case);
    app.timeline.push(ApplicationStep {
        height: ctx.height,
        tx: ctx.tx_id,
        kind: "appealed".into(),
        by: signer.principal.to_string(),
        reason: reasons.to_string(),
        citation: tx.citation.clone(),
    });
    app.status = ApplicationStatus::CaseOpened;
    app.appealed = true;
    let department = case.department.to_string();
    app.case = Some(case);
    tx.put(schema::application_key(id), schema::value(&app));
    Ok(Ok(vec![event(
        "application_appealed",
        &[
            ("application", id.to_string()),
            ("service", app.service.to_string()),
            ("department", department),
        ],
    )]))
}

/// `Confirm`: the applicant confirms an application the service opened for it; the service
/// (the version that opened it) then decides it, as if applied for.
pub(crate) fn confirm(
    tx: &mut TxOverlay<'_>,
    ctx: &TxContext<'_>,
    signer: &Signer,
    id: &govchain_types::Hash,
) -> TxOutcome {
    let not_proposed = || {
        Ok(Err(TxError::new(
            Code::NotPending,
            format!("no application `{id}` waits for its applicant to confirm it"),
        )))
    };
    let Some(mut app) = schema::application(tx, id)? else {
        return not_proposed();
    };
    if app.status != ApplicationStatus::Proposed {
        return not_proposed();
    }
    let service = pinned_service(tx, &app)?;
    let acts_for = signer
        .organisation
        .as_ref()
        .map_or(&signer.principal, |(o, _)| o);
    if acts_for != &app.applicant {
        return Ok(Err(TxError::new(
            Code::Unauthorized,
            format!("only `{}` confirms application `{id}`", app.applicant),
        )));
    }
    let act = Action::Service {
        action: "apply",
        resource: service_entity(&service.def),
    };
    if let Err(e) = authorize(tx, ctx, signer, &act)? {
        return Ok(Err(e));
    }
    app.timeline.push(ApplicationStep {
        height: ctx.height,
        tx: ctx.tx_id,
        kind: "confirmed".into(),
        by: app.applicant.to_string(),
        reason: String::new(),
        citation: tx.citation.clone(),
    });
    decide_application(tx, ctx, &service.def, app)
}
