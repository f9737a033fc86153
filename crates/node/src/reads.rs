//! Reading registries: definitions, public records as of any height, history, index queries,
//! and signed reads of protected records, each logged for auditors.

use crate::app::{App, StoreState};
use govchain_api::{
    BackendError, MAX_PAGE, ReadAnswer, ReadLogEntry, RecordHistory, RecordPage, RecordView,
    RegistryView,
};
use govchain_execution::schema::{self, RecordVersion};
use govchain_execution::{RegistryInForce, decide_as, decide_read};
use govchain_law::{EntityData, EntityRef};
use govchain_types::{
    Height, PrincipalId, ReadAudit, ReadTarget, Sensitivity, SignedRead, decode, encode,
};

/// How far ahead a read request may be valid: reads are short-lived.
pub const MAX_READ_LIFETIME: Height = 20;
/// Most versions a history answer lists.
const MAX_HISTORY: usize = 1_000;

fn unavailable(e: impl std::fmt::Display) -> BackendError {
    BackendError::Unavailable(e.to_string())
}

fn bad(m: impl Into<String>) -> BackendError {
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
        let registry = match &tx.body.payload {
            Payload::InsertRecord { registry, .. }
            | Payload::UpdateRecord { registry, .. }
            | Payload::ImportRecords { registry, .. } => registry.clone(),
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

    pub(crate) fn is_department(&self, id: &PrincipalId) -> bool {
        matches!(
            schema::principal(&self.state(), id),
            Ok(Some(r)) if r.kind == govchain_types::PrincipalKind::Department
        )
    }

    fn registry(&self, name: &str) -> Result<RegistryInForce, BackendError> {
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

    fn view(
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

    fn not_found(registry: &str, key: &str) -> BackendError {
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

    fn history(&self, registry: &str, key: &str) -> Result<RecordHistory, BackendError> {
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

    /// A signed read: the signature, the reader's key in force, a short lifetime, then the laws;
    /// every decision, allowed or refused, goes to the read log.
    pub fn signed_read(&self, signed: SignedRead) -> Result<ReadAnswer, BackendError> {
        let r = &signed.request;
        if r.reader.scheme() != self.scheme() {
            return Err(bad(format!(
                "the reader's key is not a {} key",
                self.scheme()
            )));
        }
        govchain_crypto::verify(&r.reader, &r.signing_bytes(), &signed.signature)
            .map_err(|_| bad("the read request's signature does not verify"))?;
        if r.purpose.len() > 1024 {
            return Err(bad("a purpose of at most 1024 bytes"));
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
        let acting = r.acting_as.as_ref();
        let (decision, found) = match &r.target {
            ReadTarget::Record { registry, key, .. }
            | ReadTarget::History { registry, key }
            | ReadTarget::Certificate { registry, key, .. } => {
                let (d, _) = decide_read(
                    &state,
                    self.laws_cache(),
                    next,
                    &reader,
                    acting,
                    registry,
                    key,
                )
                .map_err(unavailable)?
                .map_err(BackendError::NotFound)?;
                (d, Some((registry.clone(), key.clone())))
            }
            ReadTarget::Account {
                currency, holder, ..
            }
            | ReadTarget::Statement {
                currency, holder, ..
            } => {
                let d = govchain_execution::finance::decide_account_read(
                    &state,
                    self.laws_cache(),
                    next,
                    &reader,
                    acting,
                    currency,
                    holder,
                )
                .map_err(unavailable)?
                .map_err(BackendError::NotFound)?;
                (d, None)
            }
            ReadTarget::Audit { .. } => {
                let log = EntityData::new(EntityRef::new("AuditLog", "reads"));
                let d = decide_as(
                    &state,
                    self.laws_cache(),
                    next,
                    &reader,
                    acting,
                    "audit",
                    log,
                )
                .map_err(unavailable)?
                .map_err(bad)?;
                (d, None)
            }
        };
        let entry = ReadAudit {
            height: latest,
            reader: reader.clone(),
            acting_as: r.acting_as.clone(),
            target: r.target.clone(),
            purpose: r.purpose.clone(),
            allowed: decision.allowed,
            decided_by: decision.decided_by.clone(),
            served_at_ms: crate::run::now_ms(),
        };
        // A request is served once: the same signed bytes again (a replay, by anyone who saw
        // them) are refused while the request lives, so every read in the log was asked for.
        // An allowed read is logged once its answer is ready, so a read that fails is not.
        let id = govchain_crypto::hash(self.scheme(), &r.signing_bytes());
        let log_once = || -> Result<(), BackendError> {
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
        };
        if !decision.allowed {
            log_once()?;
            return Err(BackendError::Forbidden(
                "unauthorized",
                format!("{decision}: `{reader}` may not read this"),
            ));
        }
        let mut answer = ReadAnswer {
            decided_by: decision.decided_by,
            record: None,
            history: None,
            audit: None,
            certificate: None,
            account: None,
            statement: None,
        };
        match (&r.target, found) {
            (ReadTarget::Record { height, .. }, Some((registry, key))) => {
                answer.record = Some(
                    self.view(&registry, &key, *height)?
                        .ok_or_else(|| Self::not_found(&registry, &key))?,
                );
            }
            (ReadTarget::History { .. }, Some((registry, key))) => {
                answer.history = Some(self.history(&registry, &key)?);
            }
            (ReadTarget::Certificate { height, .. }, Some((registry, key))) => {
                answer.certificate = Some(
                    self.certificate_unchecked(&schema::record_key(&registry, &key), *height)?,
                );
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
                // With a proof, the latest certified height (one below the latest block), so
                // the balance and the proven value are of one height.
                let at = match (height, proof) {
                    (Some(h), _) => Some(*h),
                    (None, true) => Some(latest.checked_sub(1).ok_or_else(|| {
                        BackendError::NotFound("no height is certified yet".into())
                    })?),
                    (None, false) => None,
                };
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
            _ => {}
        }
        log_once()?;
        Ok(answer)
    }
}
