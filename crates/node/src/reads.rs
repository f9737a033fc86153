//! Reading registries: definitions, public records as of any height, history and index
//! queries; what signed reads (`signed.rs`) share with them.

use crate::app::{App, StoreState};
use govchain_api::{BackendError, MAX_PAGE, RecordHistory, RecordPage, RecordView, RegistryView};
use govchain_execution::RegistryInForce;
use govchain_execution::schema::{self, RecordVersion};
use govchain_types::{Height, PrincipalId, Sensitivity, decode};

/// Most versions a history answer lists.
const MAX_HISTORY: usize = 1_000;

pub(crate) fn unavailable(e: impl std::fmt::Display) -> BackendError {
    BackendError::Unavailable(e.to_string())
}

pub(crate) fn bad(m: impl Into<String>) -> BackendError {
    BackendError::BadRequest(m.into())
}

impl App {
    /// The state before `height` (default: the next block) and what the laws in force at it
    /// define; `what` names it in the error for a height outside the chain.
    pub(crate) fn in_force_at(
        &self,
        height: Option<Height>,
        what: &str,
    ) -> Result<(StoreState<'_>, govchain_execution::Compiled), BackendError> {
        let next = self.head().height.saturating_add(1);
        let h = height.unwrap_or(next);
        if h == 0 || h > next {
            return Err(BackendError::NotFound(format!(
                "{what} are known from height 1 to the next block {next}"
            )));
        }
        let state = StoreState {
            store: self.store(),
            at: Some(h.saturating_sub(1)),
        };
        let compiled = self.laws_cache().at(&state, h).map_err(unavailable)?;
        Ok((state, compiled))
    }

    /// The registries in force at `height` (default: the next block).
    pub fn registries_at(&self, height: Option<Height>) -> Result<Vec<RegistryView>, BackendError> {
        let (_, compiled) = self.in_force_at(height, "registries")?;
        Ok(compiled
            .registries
            .values()
            .map(|r| RegistryView {
                def: r.def.clone(),
                law: r.law.to_string(),
                law_version: r.version,
            })
            .collect())
    }

    /// The latest version of every deployed service.
    pub fn services(&self) -> Result<Vec<govchain_api::ServiceView>, BackendError> {
        let state = self.state();
        let found = govchain_execution::State::scan_prefix(&state, b"service-latest/", 10_000)
            .map_err(|e| BackendError::Unavailable(e.to_string()))?
            .ok_or_else(|| BackendError::Unavailable("more than 10,000 services".into()))?;
        let mut out = Vec::new();
        for (key, _) in found {
            let name = String::from_utf8_lossy(&key)
                .trim_start_matches("service-latest/")
                .to_string();
            out.push(self.service(&name, None)?);
        }
        Ok(out)
    }

    /// A version of a service (the latest by default).
    pub fn service(
        &self,
        name: &str,
        version: Option<u32>,
    ) -> Result<govchain_api::ServiceView, BackendError> {
        let unavailable =
            |e: govchain_execution::ExecError| BackendError::Unavailable(e.to_string());
        let missing = || BackendError::NotFound(format!("there is no service `{name}`"));
        let id = PrincipalId::new(name).map_err(|_| missing())?;
        let state = self.state();
        let latest = schema::service_latest(&state, &id)
            .map_err(unavailable)?
            .ok_or_else(missing)?;
        let v = version.unwrap_or(latest);
        let record = schema::service(&state, &id, v)
            .map_err(unavailable)?
            .ok_or_else(|| {
                BackendError::NotFound(format!(
                    "service `{name}` has no version {v} (its latest is {latest})"
                ))
            })?;
        Ok(govchain_api::ServiceView {
            service: record.def,
            deployed_at: record.deployed_at,
            deployed_by: record.deployed_by.to_string(),
            citation: record.citation,
            latest,
        })
    }

    /// Raw state reads (`/v1/state`, proofs, certificates) of records and index entries serve
    /// public registries only: protected data goes through signed reads.
    pub fn check_raw_access(&self, key: &[u8]) -> Result<(), BackendError> {
        let text = String::from_utf8_lossy(key);
        let registry = text
            .strip_prefix("record/")
            .or_else(|| text.strip_prefix("index/"))
            .and_then(|rest| rest.split('/').next());
        if let Some(holder) = text
            .strip_prefix("account/")
            .and_then(|rest| rest.split('/').nth(1))
        {
            return match PrincipalId::new(holder) {
                Ok(h) => self.check_public_account(&h),
                Err(_) => Ok(()),
            };
        }
        // Applications hold their applicants' input, and the entries about them (a period's
        // step, a department's queue, a record waiting to open applications) name them or the
        // protected records they came from: not served as raw state.
        if [
            "application/",
            "application-by/",
            "application-period/",
            "case-queue/",
            "trigger/",
            "open-cases/",
        ]
        .iter()
        .any(|p| text.starts_with(p))
        {
            return Err(BackendError::Forbidden(
                "read_request_required",
                "an application is its applicant's; it is not served as raw state".into(),
            ));
        }
        match registry {
            Some(name) => match self.public(name) {
                // A registry no longer in force is read like a protected one.
                Err(BackendError::NotFound(_)) => Err(BackendError::Forbidden(
                    "read_request_required",
                    format!("`{name}` is not a public registry in force"),
                )),
                other => other.map(|_| ()),
            },
            None => Ok(()),
        }
    }

    /// A transaction as the API shows it: the fields of records of registries that are not
    /// public are left out, and so are the amount, memo and reference of money moved to or
    /// from anyone but a department (`true` if anything was).
    pub fn redact(&self, mut tx: govchain_types::Tx) -> (govchain_types::Tx, bool) {
        use govchain_types::Payload;
        let private_money = |parties: &[Option<&PrincipalId>]| {
            parties.iter().any(|p| match p {
                Some(id) => !self.is_department(id),
                None => true,
            })
        };
        let signer = || {
            schema::key_record(&self.state(), &tx.body.signer)
                .ok()
                .flatten()
                .map(|k| k.principal)
        };
        let acting_for = match &tx.body.acting_as {
            Some(govchain_types::Acting::Organisation(org)) => Some(org.clone()),
            _ => None,
        };
        let hide_money = match &tx.body.payload {
            Payload::Transfer { from, to, .. } => {
                let payer = from.clone().or(acting_for).or_else(signer);
                private_money(&[payer.as_ref(), Some(to)])
            }
            Payload::Issue { to: holder, .. } | Payload::Redeem { from: holder, .. } => {
                private_money(&[Some(holder)])
            }
            _ => false,
        };
        if hide_money {
            match &mut tx.body.payload {
                Payload::Transfer {
                    amount,
                    memo,
                    reference,
                    ..
                } => {
                    *amount = govchain_types::Amount::ZERO;
                    memo.clear();
                    reference.clear();
                }
                Payload::Issue { amount, memo, .. } | Payload::Redeem { amount, memo, .. } => {
                    *amount = govchain_types::Amount::ZERO;
                    memo.clear();
                }
                _ => {}
            }
            return (tx, true);
        }
        // An application's input is the applicant's own data (a person's, an organisation's):
        // never shown to anyone who asks for the transaction.
        if let Payload::Apply { input, .. } = &mut tx.body.payload {
            let hidden = !input.is_empty();
            input.clear();
            return (tx, hidden);
        }
        // An official's reasons, and an appeal's, are about the applicant's case: on the
        // application, read as the laws let, not in the public transaction.
        if let Payload::DecideCase { reasons, .. } | Payload::Appeal { reasons, .. } =
            &mut tx.body.payload
        {
            let hidden = !reasons.is_empty();
            reasons.clear();
            return (tx, hidden);
        }
        let registry = match &tx.body.payload {
            Payload::InsertRecord { registry, .. }
            | Payload::UpdateRecord { registry, .. }
            | Payload::ImportRecords { registry, .. }
            | Payload::CloseRecord { registry, .. } => registry.clone(),
            _ => return (tx, false),
        };
        if self.public(&registry).is_ok() {
            return (tx, false);
        }
        match &mut tx.body.payload {
            Payload::InsertRecord { fields, .. } | Payload::UpdateRecord { fields, .. } => {
                fields.clear();
            }
            Payload::ImportRecords { records, .. } => {
                for r in records {
                    r.fields.clear();
                }
            }
            // Why a protected record was closed (a death, a revocation) is part of the record.
            Payload::CloseRecord { reason, .. } => reason.clear(),
            _ => {}
        }
        (tx, true)
    }

    /// A receipt as the API shows it: the amounts of money events that involve anyone but a
    /// department are left out (the parties stay). `true` if anything was.
    pub fn redact_receipt(&self, receipt: &mut govchain_types::Receipt) -> bool {
        let mut hidden = false;
        for e in &mut receipt.events {
            if !matches!(e.kind.as_str(), "transferred" | "issued" | "redeemed") {
                continue;
            }
            let private = e
                .attributes
                .iter()
                .filter(|(k, _)| matches!(k.as_str(), "from" | "to" | "holder"))
                .any(|(_, v)| {
                    PrincipalId::new(v.as_str()).map_or(true, |id| !self.is_department(&id))
                });
            if private {
                e.attributes.retain(|(k, _)| {
                    !matches!(k.as_str(), "amount" | "fee" | "reference" | "supply")
                });
                hidden = true;
            }
        }
        hidden
    }

    /// Whether an authorization request moves a private party's money: an account holder or
    /// other party that is not a department, or no party to tell (then its amount is left out
    /// of what the API shows, as a served transaction's is).
    pub(crate) fn private_money(&self, request: &govchain_law::AuthRequest) -> bool {
        let holder = match request.resource.attrs.get("holder") {
            Some(govchain_law::Value::Entity(e)) => Some(e.entity.id.as_str()),
            _ => None,
        };
        let other = Some(request.counterparty.as_str()).filter(|c| !c.is_empty());
        let parties: Vec<&str> = holder.into_iter().chain(other).collect();
        parties.is_empty()
            || parties
                .iter()
                .any(|p| PrincipalId::new(*p).map_or(true, |id| !self.is_department(&id)))
    }

    pub(crate) fn is_department(&self, id: &PrincipalId) -> bool {
        matches!(
            schema::principal(&self.state(), id),
            Ok(Some(r)) if r.kind == govchain_types::PrincipalKind::Department
        )
    }

    pub(crate) fn registry(&self, name: &str) -> Result<RegistryInForce, BackendError> {
        let state = self.state();
        let next = self.head().height.saturating_add(1);
        let compiled = self.laws_cache().at(&state, next).map_err(unavailable)?;
        compiled.registries.get(name).cloned().ok_or_else(|| {
            BackendError::NotFound(format!("no law in force defines a registry `{name}`"))
        })
    }

    fn public(&self, name: &str) -> Result<RegistryInForce, BackendError> {
        let reg = self.registry(name)?;
        if reg.def.sensitivity != Sensitivity::Public {
            return Err(BackendError::Forbidden(
                "read_request_required",
                format!(
                    "registry `{name}` is {}: read it with a signed read request (POST /v1/read)",
                    reg.def.sensitivity
                ),
            ));
        }
        Ok(reg)
    }

    pub(crate) fn view(
        &self,
        registry: &str,
        key: &str,
        height: Option<Height>,
    ) -> Result<Option<RecordView>, BackendError> {
        let Some(v) = self
            .store()
            .get(&schema::record_key(registry, key), height)
            .map_err(|e| match e {
                govchain_store::Error::HeightAboveLatest { .. } => {
                    BackendError::NotFound(e.to_string())
                }
                e => unavailable(e),
            })?
        else {
            return Ok(None);
        };
        let version: RecordVersion = decode("record", &v.value).map_err(unavailable)?;
        Ok(Some(RecordView {
            registry: registry.to_string(),
            key: key.to_string(),
            height: v.height,
            tx_index: v.tx_index,
            version,
        }))
    }

    pub(crate) fn not_found(registry: &str, key: &str) -> BackendError {
        BackendError::NotFound(format!("registry `{registry}` has no record `{key}`"))
    }

    /// A public record as of `height`.
    pub fn public_record(
        &self,
        registry: &str,
        key: &str,
        height: Option<Height>,
    ) -> Result<RecordView, BackendError> {
        self.public(registry)?;
        self.view(registry, key, height)?
            .ok_or_else(|| Self::not_found(registry, key))
    }

    pub(crate) fn history(&self, registry: &str, key: &str) -> Result<RecordHistory, BackendError> {
        let entries = self
            .store()
            .history(&schema::record_key(registry, key), None, MAX_HISTORY)
            .map_err(unavailable)?;
        if entries.is_empty() {
            return Err(Self::not_found(registry, key));
        }
        let mut versions = Vec::new();
        for e in entries {
            if let Some(value) = e.value {
                versions.push(RecordView {
                    registry: registry.to_string(),
                    key: key.to_string(),
                    height: e.height,
                    tx_index: e.tx_index,
                    version: decode("record", &value).map_err(unavailable)?,
                });
            }
        }
        Ok(RecordHistory {
            registry: registry.to_string(),
            key: key.to_string(),
            versions,
            withheld: 0,
        })
    }

    /// Every version of a public record.
    pub fn public_history(&self, registry: &str, key: &str) -> Result<RecordHistory, BackendError> {
        self.public(registry)?;
        self.history(registry, key)
    }

    /// Public records by a secondary index (`by`: field and value), or every record.
    pub fn public_query(
        &self,
        registry: &str,
        by: Option<(&str, &str)>,
        after: Option<&str>,
        limit: usize,
        height: Option<Height>,
    ) -> Result<RecordPage, BackendError> {
        let reg = self.public(registry)?;
        if let Some((field, _)) = by
            && !reg.def.indexes.iter().any(|i| i == field)
        {
            return Err(bad(format!(
                "registry `{registry}` has no index on `{field}`; its indexes: {}",
                reg.def.indexes.join(", ")
            )));
        }
        let h = match height {
            Some(h) if h > self.head().height => {
                return Err(BackendError::NotFound(format!(
                    "height {h} is above the latest height {}",
                    self.head().height
                )));
            }
            Some(h) => h,
            None => self.head().height,
        };
        // Index entries hold the record's key; records themselves are keyed `record/<r>/<key>`.
        let (prefix, via_index) = match by {
            Some((field, value)) => (schema::index_prefix(registry, field, value), true),
            None => (schema::record_key(registry, ""), false),
        };
        let after_key = after.map(|a| {
            let mut k = prefix.clone();
            k.extend_from_slice(a.as_bytes());
            k
        });
        let page = self
            .store()
            .scan(&prefix, after_key.as_deref(), limit.min(MAX_PAGE), Some(h))
            .map_err(unavailable)?;
        let mut records = Vec::new();
        for (k, v) in page.items {
            let key = if via_index {
                String::from_utf8_lossy(&v.value).into_owned()
            } else {
                String::from_utf8_lossy(k.get(prefix.len()..).unwrap_or_default()).into_owned()
            };
            if let Some(view) = self.view(registry, &key, Some(h))? {
                records.push(view);
            }
        }
        let next = page.next.map(|k| {
            String::from_utf8_lossy(k.get(prefix.len()..).unwrap_or_default()).into_owned()
        });
        Ok(RecordPage {
            registry: registry.to_string(),
            field: by.map(|(f, _)| f.to_string()),
            value: by.map(|(_, v)| v.to_string()),
            height: h,
            records,
            next,
        })
    }
}
