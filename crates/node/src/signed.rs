//! Signed reads of protected records, accounts and the read log: checked (the node named, the
//! signature, the reader's key in force, a short lifetime, the reader's rate), decided by the laws on what they
//! return, and logged for auditors — served, refused, partly withheld or not found.

use crate::app::App;
use crate::read_limit::ReaderClass;
use crate::reads::{bad, unavailable};
use govchain_api::{BackendError, MAX_PAGE, ReadAnswer, ReadLogEntry, RecordView};
use govchain_execution::{decide_as, decide_read_versions, schema};
use govchain_law::{Decision, EntityData, EntityRef};
use govchain_types::{
    Height, PrincipalId, ReadAudit, ReadOutcome, ReadRequest, ReadTarget, SignedRead, decode,
    encode,
};

/// How far ahead a read request may be valid: reads are short-lived.
pub const MAX_READ_LIFETIME: Height = 20;

/// Most bytes of a read's purpose.
const MAX_PURPOSE: usize = 1024;

/// What the laws made of a read, before its answer is built.
enum Decided {
    /// Nothing to decide on (`why`, the 404's message).
    NotFound(String),
    /// Refused (for a history: every version).
    Refused(Decision),
    /// Allowed, with what was decided on, which the answer returns (so a block committed
    /// meanwhile cannot put an undecided version in it).
    Allowed { decision: Decision, found: Found },
}

/// What a read was decided on.
enum Found {
    /// An account, a statement or the read log: read when answering.
    Elsewhere,
    /// The version a record read returns.
    Version(Box<RecordView>),
    /// The height whose certificate a certificate read returns.
    Certified(Height),
    /// The versions of a history the laws let the reader see, and how many they did not.
    History {
        versions: Vec<RecordView>,
        withheld: u32,
    },
    /// An application.
    Application(Box<govchain_types::Application>),
    /// A page of an application's schedule periods, and the period after which the next
    /// page starts.
    Periods {
        periods: Vec<govchain_api::PeriodStep>,
        next: Option<u64>,
    },
    /// An applicant's applications the laws let the reader see, and how many they did not.
    Applications {
        applications: Vec<govchain_types::Application>,
        withheld: u32,
    },
    /// A page of a department's case queue the laws let the reader see, how many they did
    /// not, and the cursor of the next page.
    Cases {
        applications: Vec<govchain_types::Application>,
        withheld: u32,
        next: Option<String>,
    },
}

/// Applications sifted by the laws for a reader: those it may read, how many it may not, and
/// the first decision of each kind.
struct Sifted {
    kept: Vec<govchain_types::Application>,
    withheld: u32,
    allowed: Option<Decision>,
    refused: Option<Decision>,
}

/// Most cases of a queue one read returns, and most pages of the store one read passes
/// looking for some.
const MAX_CASES_PAGE: usize = 100;
const MAX_QUEUE_PAGES: usize = 16;

impl App {
    /// A signed read: the node named, the signature, the reader's key in force, a short
    /// lifetime, then the laws; every decision — allowed, refused, partly withheld, or with
    /// nothing found — goes to the read log, once.
    pub fn signed_read(&self, signed: SignedRead) -> Result<ReadAnswer, BackendError> {
        let r = &signed.request;
        if let ReadTarget::DryRun { .. } = r.target {
            return Err(bad(
                "a bill's dry run is read with the bill: POST /v1/laws/verify with this read as `read`",
            ));
        }
        let (reader, latest) = self.admit_read(&signed)?;
        let next = latest.saturating_add(1);
        let decided = self.decide(r, &reader, next)?;
        let log = |allowed: bool, decided_by, outcome| {
            self.log_once(r, &reader, latest, allowed, decided_by, outcome)
        };
        let (decision, found) = match decided {
            Decided::NotFound(why) => {
                log(false, None, ReadOutcome::NotFound)?;
                return Err(BackendError::NotFound(why));
            }
            Decided::Refused(decision) => {
                log(false, decision.decided_by.clone(), ReadOutcome::Refused)?;
                // Of a record, every refusal reads the same: the article that refused would
                // tell a missing record (decided with no region) from one elsewhere. The read
                // log keeps it.
                let message = match r.target {
                    ReadTarget::Record { .. }
                    | ReadTarget::History { .. }
                    | ReadTarget::Certificate { .. } => format!(
                        "`{reader}` may not read this record (a refusal does not say whether it exists, nor which article refused: the node's read log keeps that)"
                    ),
                    _ => format!("{decision}: `{reader}` may not read this"),
                };
                return Err(BackendError::Forbidden("unauthorized", message));
            }
            Decided::Allowed { decision, found } => (decision, found),
        };
        // An allowed read is logged once its answer is ready, so a read that fails is not —
        // unless it failed for want of what it asked for, which is logged as not found.
        let answer = match self.answer(r, decision.decided_by.clone(), found) {
            Ok(a) => a,
            Err(BackendError::NotFound(why)) => {
                log(false, decision.decided_by, ReadOutcome::NotFound)?;
                return Err(BackendError::NotFound(why));
            }
            Err(e) => return Err(e),
        };
        let outcome = match (&answer.history, &answer.applications) {
            (Some(h), _) if h.withheld > 0 => ReadOutcome::Partial {
                served: u32::try_from(h.versions.len()).unwrap_or(u32::MAX),
                withheld: h.withheld,
            },
            (_, Some(l)) if l.withheld > 0 => ReadOutcome::Partial {
                served: u32::try_from(l.applications.len()).unwrap_or(u32::MAX),
                withheld: l.withheld,
            },
            _ => ReadOutcome::Served,
        };
        log(true, decision.decided_by, outcome)?;
        Ok(answer)
    }

    /// A signed read of a bill's dry run, asked with the bill (`POST /v1/laws/verify`):
    /// checked as every signed read, then decided by the laws (`dry-run`: the members of the
    /// bill's body, and auditors, by the constitution), and logged — once: the same signed
    /// bytes again are refused — before the verification runs. A refusal is answered; an
    /// allowed read gives the article that allowed it.
    pub fn dry_run_read(
        &self,
        signed: &SignedRead,
        bill: &govchain_types::LawPackage,
    ) -> Result<Option<govchain_types::Citation>, BackendError> {
        let r = &signed.request;
        let ReadTarget::DryRun { bill: named } = &r.target else {
            return Err(bad(
                "`read` must be a signed read of this bill's dry run (target `dry_run`)",
            ));
        };
        let hash = govchain_law::bill_hash(self.scheme(), bill);
        if *named != hash {
            return Err(bad(format!(
                "the signed read is for bill {named}, not this one ({hash})"
            )));
        }
        let (reader, latest) = self.admit_read(signed)?;
        let next = latest.saturating_add(1);
        let state = self.state();
        let resource =
            govchain_execution::dry_run_entity(&state, bill, next).map_err(unavailable)?;
        let decision = match decide_as(
            &state,
            self.laws_cache(),
            next,
            &reader,
            r.acting_as.as_ref(),
            "dry-run",
            resource,
        )
        .map_err(unavailable)?
        {
            Err(why) => return Err(bad(why)),
            Ok(d) => d,
        };
        let outcome = if decision.allowed {
            ReadOutcome::Served
        } else {
            ReadOutcome::Refused
        };
        self.log_once(
            r,
            &reader,
            latest,
            decision.allowed,
            decision.decided_by.clone(),
            outcome,
        )?;
        if !decision.allowed {
            return Err(BackendError::Forbidden(
                "unauthorized",
                format!(
                    "{decision}: `{reader}` may not see which recorded decisions this bill would change"
                ),
            ));
        }
        Ok(decision.decided_by)
    }

    /// The checks of every signed read, before the laws: the node named, the reader's key
    /// scheme, the signature, the purpose's size, the envelope and the reader's rate. Gives the
    /// reader and the latest height.
    fn admit_read(&self, signed: &SignedRead) -> Result<(PrincipalId, Height), BackendError> {
        let r = &signed.request;
        // A request names its node: each node keeps its own table of served requests, so
        // otherwise a read signed for one node could be served again by every other. Refused
        // before anything is verified or logged.
        if r.node != *self.node_key() {
            return Err(BackendError::Refused(
                "wrong_node",
                format!(
                    "this read request is for node `{}`, not this node `{}`: sign one naming this node (GET /v1/status gives its `node`)",
                    r.node,
                    self.node_key()
                ),
            ));
        }
        if r.reader.scheme() != self.scheme() {
            return Err(bad(format!(
                "the reader's key is not a {} key",
                self.scheme()
            )));
        }
        govchain_crypto::verify(&r.reader, &r.signing_bytes(), &signed.signature)
            .map_err(|_| bad("the read request's signature does not verify"))?;
        if r.purpose.len() > MAX_PURPOSE {
            return Err(bad(format!("a purpose of at most {MAX_PURPOSE} bytes")));
        }
        let latest = self.head().height;
        let next = latest.saturating_add(1);
        let state = self.state();
        // The envelope rules every transaction keeps (chain, expiry, lifetime, the reader's key
        // in force at the next block), but no nonce: a read is served once by its hash.
        let envelope = govchain_execution::envelope::Envelope {
            chain_id: &r.chain_id,
            signer: &r.reader,
            valid_until: r.valid_until,
            nonce: None,
        };
        let rules = govchain_execution::envelope::Rules {
            chain_id: &self.genesis().chain_id,
            height: next,
            max_lifetime: MAX_READ_LIFETIME,
            nonce: govchain_execution::envelope::NonceRule::Exact,
        };
        let key = govchain_execution::envelope::check_envelope(&state, &envelope, &rules)
            .map_err(unavailable)?
            .map_err(|e| bad(format!("{}: {e}", e.code())))?;
        let reader = key.principal;
        let kind = govchain_execution::schema::principal(&state, &reader)
            .map_err(unavailable)?
            .map(|p| p.kind);
        // The legislature is its members: its own key reads nothing in its name.
        if kind == Some(govchain_types::PrincipalKind::Legislature) {
            return Err(BackendError::Forbidden(
                "members_required",
                format!("`{reader}` acts only by its members; its key alone reads nothing"),
            ));
        }
        // One reader's allowance, once the signature shows who reads and before the laws are
        // asked or the log written: a flood of signed reads costs signature checks, not writes.
        let class = match (&r.acting_as, kind) {
            (Some(govchain_types::Acting::Position(_)), _)
            | (_, Some(govchain_types::PrincipalKind::Department)) => ReaderClass::Office,
            _ => ReaderClass::Public,
        };
        if let Err((whose, wait)) =
            self.read_limiter
                .take(&reader, class, std::time::Instant::now())
        {
            let limits = self.read_limiter.limits();
            let ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX);
            let message = match whose {
                crate::read_limit::Limited::Reader => format!(
                    "`{reader}` may make {} signed reads at once and {} a second on this node: try again in {ms} ms",
                    limits.burst, limits.per_second
                ),
                crate::read_limit::Limited::All => format!(
                    "this node serves {} signed reads at once and {} a second from all readers of this kind together: try again in {ms} ms",
                    limits.all_burst, limits.all_per_second
                ),
            };
            return Err(BackendError::RateLimited {
                retry_after_secs: ms.div_ceil(1_000).max(1),
                message,
            });
        }
        Ok((reader, latest))
    }

    /// Writes the read log's entry for `r`, once: the same signed bytes again (a replay, by
    /// anyone who saw them) are refused while the request lives, so every read in the log was
    /// asked for.
    fn log_once(
        &self,
        r: &ReadRequest,
        reader: &PrincipalId,
        latest: Height,
        allowed: bool,
        decided_by: Option<govchain_types::Citation>,
        outcome: ReadOutcome,
    ) -> Result<(), BackendError> {
        let entry = ReadAudit {
            height: latest,
            reader: reader.clone(),
            acting_as: r.acting_as.clone(),
            target: r.target.clone(),
            purpose: r.purpose.clone(),
            allowed,
            decided_by,
            outcome,
            served_at_ms: crate::run::now_ms(),
        };
        let id = govchain_crypto::hash(self.scheme(), &r.signing_bytes());
        match self
            .store()
            .log_read_once(id.0, r.valid_until, latest, &encode(&entry))
            .map_err(unavailable)?
        {
            Some(_) => Ok(()),
            None => Err(BackendError::Conflict(
                "replayed",
                "this signed read request was already served: sign a new one (another nonce)"
                    .into(),
            )),
        }
    }

    /// How the laws in force at `next` decide the read: a record, certificate or history on
    /// the versions it returns, each on its own content; an account on the account; the log
    /// as the audit log.
    fn decide(
        &self,
        r: &ReadRequest,
        reader: &PrincipalId,
        next: Height,
    ) -> Result<Decided, BackendError> {
        let state = self.state();
        let laws = self.laws_cache();
        let acting = r.acting_as.as_ref();
        let one = |d: Result<Result<Decision, String>, govchain_execution::ExecError>,
                   found: Found|
         -> Result<Decided, BackendError> {
            Ok(match d.map_err(unavailable)? {
                Err(why) => Decided::NotFound(why),
                Ok(d) if d.allowed => Decided::Allowed { decision: d, found },
                Ok(d) => Decided::Refused(d),
            })
        };
        match &r.target {
            ReadTarget::Record {
                registry,
                key,
                height,
            } => {
                let Some(view) = self.version(registry, key, *height)? else {
                    return self.absent(r, reader, next, registry, key, no_record(registry, key));
                };
                let d = decide_read_versions(
                    &state,
                    laws,
                    next,
                    reader,
                    acting,
                    registry,
                    key,
                    &[&view.version.fields],
                );
                one(d.map(|r| r.and_then(only)), Found::Version(Box::new(view)))
            }
            ReadTarget::Certificate {
                registry,
                key,
                height,
            } => {
                // The certificate proves the version in force at the certified height: decide
                // on that version.
                let latest = next.saturating_sub(1);
                let at = match height {
                    Some(h) => *h,
                    None => match latest.checked_sub(1) {
                        Some(h) => h,
                        None => {
                            return Ok(Decided::NotFound(
                                "no height is certified yet: wait for block 1".into(),
                            ));
                        }
                    },
                };
                let Some(view) = self.version(registry, key, Some(at))? else {
                    let why = format!("registry `{registry}` has no record `{key}` at height {at}");
                    return self.absent(r, reader, next, registry, key, why);
                };
                let d = decide_read_versions(
                    &state,
                    laws,
                    next,
                    reader,
                    acting,
                    registry,
                    key,
                    &[&view.version.fields],
                );
                one(d.map(|r| r.and_then(only)), Found::Certified(at))
            }
            ReadTarget::History { registry, key } => {
                match self.registry(registry) {
                    Ok(_) => {}
                    Err(BackendError::NotFound(why)) => return Ok(Decided::NotFound(why)),
                    Err(e) => return Err(e),
                }
                let history = match self.history(registry, key) {
                    Ok(h) => h,
                    Err(BackendError::NotFound(why)) => {
                        return self.absent(r, reader, next, registry, key, why);
                    }
                    Err(e) => return Err(e),
                };
                let fields: Vec<_> = history.versions.iter().map(|v| &v.version.fields).collect();
                let decisions = match decide_read_versions(
                    &state, laws, next, reader, acting, registry, key, &fields,
                )
                .map_err(unavailable)?
                {
                    Err(why) => return Ok(Decided::NotFound(why)),
                    Ok(d) => d,
                };
                let mut kept = Vec::new();
                let mut withheld: u32 = 0;
                let mut newest_allowed = None;
                let mut newest = None;
                for (view, d) in history.versions.into_iter().zip(decisions) {
                    if d.allowed {
                        kept.push(view);
                        newest_allowed = Some(d);
                    } else {
                        withheld = withheld.saturating_add(1);
                        newest = Some(d);
                    }
                }
                Ok(match (newest_allowed, newest) {
                    (Some(decision), _) => Decided::Allowed {
                        decision,
                        found: Found::History {
                            versions: kept,
                            withheld,
                        },
                    },
                    (None, Some(d)) => Decided::Refused(d),
                    (None, None) => Decided::NotFound(no_record(registry, key)),
                })
            }
            ReadTarget::Account {
                currency,
                holder,
                height,
                proof,
            } => {
                // Decided on the account as it stood at the height the answer returns.
                let at = match account_height(*height, *proof, next.saturating_sub(1)) {
                    Ok(at) => at,
                    Err(BackendError::NotFound(why)) => return Ok(Decided::NotFound(why)),
                    Err(e) => return Err(e),
                };
                let then = crate::app::StoreState {
                    store: self.store(),
                    at,
                };
                one(
                    govchain_execution::finance::decide_account_read_as_of(
                        &state, &then, laws, next, reader, acting, currency, holder,
                    ),
                    Found::Elsewhere,
                )
            }
            ReadTarget::Statement {
                currency, holder, ..
            } => one(
                govchain_execution::finance::decide_account_read(
                    &state, laws, next, reader, acting, currency, holder,
                ),
                Found::Elsewhere,
            ),
            ReadTarget::Application { id } => {
                let Some(app) = schema::application(&state, id).map_err(unavailable)? else {
                    return Ok(Decided::NotFound(format!("there is no application `{id}`")));
                };
                let resource = govchain_execution::services::application_entity(&app);
                one(
                    decide_as(&state, laws, next, reader, acting, "read", resource),
                    Found::Application(Box::new(app)),
                )
            }
            ReadTarget::Periods { id, after, limit } => {
                let Some(app) = schema::application(&state, id).map_err(unavailable)? else {
                    return Ok(Decided::NotFound(format!("there is no application `{id}`")));
                };
                let resource = govchain_execution::services::application_entity(&app);
                let limit = limit
                    .and_then(|l| usize::try_from(l).ok())
                    .unwrap_or(MAX_CASES_PAGE)
                    .clamp(1, MAX_CASES_PAGE);
                let (periods, following) = self.periods(id, *after, limit)?;
                one(
                    decide_as(&state, laws, next, reader, acting, "read", resource),
                    Found::Periods {
                        periods,
                        next: following,
                    },
                )
            }
            ReadTarget::Cases {
                department,
                after,
                limit,
            } => {
                // An official acting in a position of the department: the queue is theirs to
                // page through. Anyone else reads the first page, without a cursor.
                let theirs = match acting {
                    Some(govchain_types::Acting::Position(p)) => schema::position(&state, p)
                        .map_err(unavailable)?
                        .is_some_and(|p| {
                            &p.position.department == department && p.position.holder == *reader
                        }),
                    _ => false,
                };
                if after.is_some() && !theirs {
                    return Err(bad(
                        "a page after a cursor is read by an official acting in a position of the department",
                    ));
                }
                let prefix = schema::case_queue_prefix(department);
                let mut from = after
                    .as_deref()
                    .map(|a| {
                        hex::decode(a)
                            .map(|a| [prefix.as_slice(), &a].concat())
                            .map_err(|_| bad("`after` is the hex cursor of a page"))
                    })
                    .transpose()?;
                let limit = limit
                    .and_then(|l| usize::try_from(l).ok())
                    .unwrap_or(MAX_CASES_PAGE)
                    .clamp(1, MAX_CASES_PAGE);
                // The store keeps the keys of cases decided long ago (each examined page is
                // bounded): pages that find none are passed, a bounded number of them.
                let mut items = Vec::new();
                let mut cursor = None;
                for _ in 0..MAX_QUEUE_PAGES {
                    let page = self
                        .store()
                        .scan(&prefix, from.as_deref(), limit, None)
                        .map_err(unavailable)?;
                    items = page.items;
                    cursor = page.next;
                    if !items.is_empty() || cursor.is_none() {
                        break;
                    }
                    from.clone_from(&cursor);
                }
                let next_page = cursor
                    .as_ref()
                    .filter(|_| theirs)
                    .and_then(|k| k.get(prefix.len()..))
                    .map(hex::encode);
                let ids = items
                    .iter()
                    .filter_map(|(_, v)| <[u8; 32]>::try_from(v.value.as_slice()).ok())
                    .map(govchain_types::Hash)
                    .collect();
                let sifted = match sift(&state, laws, next, reader, acting, ids)? {
                    Ok(s) => s,
                    Err(why) => return Ok(Decided::NotFound(why)),
                };
                Ok(match (sifted.allowed, sifted.refused) {
                    (Some(decision), _) => Decided::Allowed {
                        decision,
                        found: Found::Cases {
                            applications: sifted.kept,
                            withheld: sifted.withheld,
                            next: next_page,
                        },
                    },
                    (None, Some(d)) => Decided::Refused(d),
                    // None waiting on this page: said to an official acting in a position of
                    // the department; anyone else is refused as for a case it may not read.
                    (None, None) => {
                        if theirs {
                            Decided::NotFound(match next_page {
                                Some(c) => format!(
                                    "no case waiting for `{department}` on the next {MAX_QUEUE_PAGES} pages; go on with `after` = {c}"
                                ),
                                None => format!("no cases wait for `{department}`"),
                            })
                        } else {
                            let mut nobody = nobody_application(reader);
                            nobody.status = govchain_types::ApplicationStatus::CaseOpened;
                            nobody.case = Some(govchain_types::CaseInfo {
                                department: department.clone(),
                                power: String::new(),
                                region: None,
                                officials: 1,
                                first: None,
                                deadline: None,
                                period: None,
                                reminder: None,
                                deemed: None,
                                appeal: false,
                            });
                            let resource =
                                govchain_execution::services::application_entity(&nobody);
                            match decide_as(&state, laws, next, reader, acting, "read", resource)
                                .map_err(unavailable)?
                            {
                                Ok(d) if !d.allowed => Decided::Refused(d),
                                _ => Decided::NotFound(format!("no cases wait for `{department}`")),
                            }
                        }
                    }
                })
            }
            ReadTarget::Applications { applicant } => {
                let ids = govchain_execution::services::applications_of(&state, applicant, 100)
                    .map_err(unavailable)?;
                let (kept, withheld, allowed, refused) =
                    match sift(&state, laws, next, reader, acting, ids)? {
                        Ok(s) => (s.kept, s.withheld, s.allowed, s.refused),
                        Err(why) => return Ok(Decided::NotFound(why)),
                    };
                Ok(match (allowed, refused) {
                    (Some(decision), _) => Decided::Allowed {
                        decision,
                        found: Found::Applications {
                            applications: kept,
                            withheld,
                        },
                    },
                    (None, Some(d)) => Decided::Refused(d),
                    // None made: said only to the applicant (or its representative); anyone
                    // else is refused as if there were some it may not read.
                    (None, None) => {
                        let own = reader == applicant
                            || matches!(acting, Some(govchain_types::Acting::Organisation(o)) if o == applicant);
                        if own {
                            Decided::NotFound(format!("`{applicant}` has made no applications"))
                        } else {
                            let nobody = nobody_application(applicant);
                            let resource =
                                govchain_execution::services::application_entity(&nobody);
                            match decide_as(&state, laws, next, reader, acting, "read", resource)
                                .map_err(unavailable)?
                            {
                                Ok(d) if !d.allowed => Decided::Refused(d),
                                _ => Decided::NotFound(format!(
                                    "`{applicant}` has made no applications"
                                )),
                            }
                        }
                    }
                })
            }
            ReadTarget::DryRun { .. } => Err(bad("a dry run is read with its bill")),
            ReadTarget::Audit { .. } => {
                let log = EntityData::new(EntityRef::new("AuditLog", "reads"));
                let d = decide_as(&state, laws, next, reader, acting, "audit", log)
                    .map_err(unavailable)?
                    .map_err(bad)?;
                one(Ok(Ok(d)), Found::Elsewhere)
            }
        }
    }

    /// A read of a record that is not there (`why`), decided as a read of an empty record
    /// with no region: only a reader the laws let read such a record anywhere learns that it
    /// is absent (404); any other is refused as it would be for a record it may not read (403),
    /// so a refusal tells nobody whether a record exists.
    fn absent(
        &self,
        r: &ReadRequest,
        reader: &PrincipalId,
        next: Height,
        registry: &str,
        key: &str,
        why: String,
    ) -> Result<Decided, BackendError> {
        let empty = govchain_types::Fields::new();
        let decided = decide_read_versions(
            &self.state(),
            self.laws_cache(),
            next,
            reader,
            r.acting_as.as_ref(),
            registry,
            key,
            &[&empty],
        )
        .map_err(unavailable)?;
        Ok(match decided.map(|mut d| d.pop()) {
            Ok(Some(d)) if !d.allowed => Decided::Refused(d),
            Ok(_) => Decided::NotFound(why),
            Err(no_registry) => Decided::NotFound(no_registry),
        })
    }

    /// The version of a record in force at `height` (default: the latest) of a registry in
    /// force; `None` if there is none to decide on.
    fn version(
        &self,
        registry: &str,
        key: &str,
        height: Option<Height>,
    ) -> Result<Option<RecordView>, BackendError> {
        match self.registry(registry) {
            Ok(_) => {}
            Err(BackendError::NotFound(_)) => return Ok(None),
            Err(e) => return Err(e),
        }
        match self.view(registry, key, height) {
            Err(BackendError::NotFound(_)) => Ok(None),
            other => other,
        }
    }

    /// A page of application `id`'s schedule periods after period `after` (from the first),
    /// at most `limit`, and the last period of the page if more follow.
    fn periods(
        &self,
        id: &govchain_types::Hash,
        after: Option<u64>,
        limit: usize,
    ) -> Result<(Vec<govchain_api::PeriodStep>, Option<u64>), BackendError> {
        let prefix = schema::period_prefix(id);
        let from = after.map(|a| schema::period_key(id, a));
        let page = self
            .store()
            .scan(&prefix, from.as_deref(), limit, None)
            .map_err(unavailable)?;
        let mut periods = Vec::with_capacity(page.items.len());
        for (key, v) in &page.items {
            let period = key
                .get(prefix.len()..)
                .and_then(|n| std::str::from_utf8(n).ok())
                .and_then(|n| n.parse::<u64>().ok())
                .ok_or_else(|| unavailable("a schedule period's key does not end in its number"))?;
            let step = decode("schedule period", &v.value).map_err(unavailable)?;
            periods.push(govchain_api::PeriodStep { period, step });
        }
        let next = page
            .next
            .is_some()
            .then(|| periods.last().map(|p| p.period))
            .flatten();
        Ok((periods, next))
    }

    /// The answer to an allowed read, returning what was decided on (`found`).
    fn answer(
        &self,
        r: &ReadRequest,
        decided_by: Option<govchain_types::Citation>,
        found: Found,
    ) -> Result<ReadAnswer, BackendError> {
        let latest = self.head().height;
        let mut answer = ReadAnswer {
            decided_by,
            record: None,
            history: None,
            audit: None,
            certificate: None,
            account: None,
            statement: None,
            application: None,
            applications: None,
            cases: None,
            periods: None,
        };
        match (&r.target, found) {
            (ReadTarget::Record { .. }, Found::Version(view)) => answer.record = Some(*view),
            (ReadTarget::History { registry, key }, Found::History { versions, withheld }) => {
                answer.history = Some(govchain_api::RecordHistory {
                    registry: registry.clone(),
                    key: key.clone(),
                    versions,
                    withheld,
                });
            }
            (ReadTarget::Certificate { registry, key, .. }, Found::Certified(at)) => {
                answer.certificate =
                    Some(self.certificate_unchecked(&schema::record_key(registry, key), Some(at))?);
            }
            (
                ReadTarget::Record { .. }
                | ReadTarget::History { .. }
                | ReadTarget::Certificate { .. },
                _,
            ) => {
                return Err(unavailable("a record read was decided on something else"));
            }
            (
                ReadTarget::Account {
                    currency,
                    holder,
                    height,
                    proof,
                },
                _,
            ) => {
                let at = account_height(*height, *proof, latest)?;
                answer.account = Some(self.account_unchecked(holder, currency, at)?);
                if *proof {
                    answer.certificate = Some(
                        self.certificate_unchecked(&schema::account_key(currency, holder), at)?,
                    );
                }
            }
            (
                ReadTarget::Statement {
                    currency,
                    holder,
                    after,
                    limit,
                    newest_first,
                },
                _,
            ) => {
                let limit = limit.map_or(MAX_PAGE, |l| usize::try_from(l).unwrap_or(MAX_PAGE));
                answer.statement = Some(self.statement_unchecked(
                    holder,
                    currency,
                    after.as_deref(),
                    limit,
                    *newest_first,
                    false,
                )?);
            }
            (ReadTarget::DryRun { .. }, _) => {
                return Err(bad("a dry run is read with its bill"));
            }
            (ReadTarget::Application { .. }, Found::Application(app)) => {
                answer.application = Some(*app);
            }
            (ReadTarget::Periods { id, .. }, Found::Periods { periods, next }) => {
                answer.periods = Some(govchain_api::PeriodList {
                    application: id.to_string(),
                    periods,
                    next,
                });
            }
            (
                ReadTarget::Applications { applicant },
                Found::Applications {
                    applications,
                    withheld,
                },
            ) => {
                answer.applications = Some(govchain_api::ApplicationList {
                    applicant: applicant.to_string(),
                    applications,
                    withheld,
                });
            }
            (
                ReadTarget::Cases { department, .. },
                Found::Cases {
                    applications,
                    withheld,
                    next,
                },
            ) => {
                answer.cases = Some(govchain_api::CaseQueue {
                    department: department.to_string(),
                    applications,
                    withheld,
                    next,
                });
            }
            (
                ReadTarget::Application { .. }
                | ReadTarget::Applications { .. }
                | ReadTarget::Cases { .. }
                | ReadTarget::Periods { .. },
                _,
            ) => {
                return Err(unavailable(
                    "an application read was decided on something else",
                ));
            }
            (ReadTarget::Audit { after, limit }, _) => {
                let limit = usize::try_from(*limit).unwrap_or(MAX_PAGE).clamp(1, 1_000);
                let mut entries = Vec::new();
                for (seq, bytes) in self.store().reads(*after, limit).map_err(unavailable)? {
                    entries.push(ReadLogEntry {
                        seq,
                        entry: decode("read log entry", &bytes).map_err(unavailable)?,
                    });
                }
                answer.audit = Some(entries);
            }
        }
        Ok(answer)
    }
}

/// The height an account read returns: the one asked, else with a proof the latest certified
/// height (one below the latest block, so the balance and the proven value are of one height),
/// else the latest (`None`).
fn account_height(
    height: Option<Height>,
    proof: bool,
    latest: Height,
) -> Result<Option<Height>, BackendError> {
    Ok(match (height, proof) {
        (Some(h), _) if h > latest => {
            return Err(BackendError::NotFound(format!(
                "height {h} is above the latest, {latest}"
            )));
        }
        (Some(h), _) => Some(h),
        (None, true) => Some(
            latest
                .checked_sub(1)
                .ok_or_else(|| BackendError::NotFound("no height is certified yet".into()))?,
        ),
        (None, false) => None,
    })
}

fn no_record(registry: &str, key: &str) -> String {
    format!("registry `{registry}` has no record `{key}`")
}

/// The one decision of a read of one version.
fn only(mut d: Vec<Decision>) -> Result<Decision, String> {
    d.pop().ok_or_else(|| "nothing was decided".to_string())
}

/// An application of nobody's: what a read of an empty list is decided on (so a refusal tells
/// nobody whether there is anything to read).
fn nobody_application(applicant: &PrincipalId) -> govchain_types::Application {
    govchain_types::Application {
        id: govchain_types::Hash::ZERO,
        service: applicant.clone(),
        version: 0,
        applicant: applicant.clone(),
        input: govchain_types::Fields::new(),
        status: govchain_types::ApplicationStatus::Rejected,
        case: None,
        schedule: None,
        appealed: false,
        timeline: vec![],
    }
}

/// The applications `ids` as the laws in force at `next` let `reader` read them (`Err`: the
/// reader's acting could not be decided).
fn sift(
    state: &dyn govchain_execution::State,
    laws: &govchain_execution::Laws,
    next: Height,
    reader: &PrincipalId,
    acting: Option<&govchain_types::Acting>,
    ids: Vec<govchain_types::Hash>,
) -> Result<Result<Sifted, String>, BackendError> {
    let mut out = Sifted {
        kept: Vec::new(),
        withheld: 0,
        allowed: None,
        refused: None,
    };
    for id in ids {
        let Some(app) = schema::application(state, &id).map_err(unavailable)? else {
            continue;
        };
        let resource = govchain_execution::services::application_entity(&app);
        match decide_as(state, laws, next, reader, acting, "read", resource).map_err(unavailable)? {
            Ok(d) if d.allowed => {
                out.kept.push(app);
                out.allowed.get_or_insert(d);
            }
            Ok(d) => {
                out.withheld = out.withheld.saturating_add(1);
                out.refused.get_or_insert(d);
            }
            Err(why) => return Ok(Err(why)),
        }
    }
    Ok(Ok(out))
}
