//! The API's view of the node.

use crate::app::App;
use govchain_api::{
    Backend, BackendError, BlockRecord, CommitEvent, ExplainAnswer, LawHistory, LawsInForce,
    Status, TxRecord,
};
use govchain_execution::{in_force_at, schema};
use govchain_mempool::AdmitError;
use govchain_store::{RecordCertificate, StateProof, Versioned};
use govchain_types::{Hash, Height, PrincipalId, PrincipalKind};
use std::sync::Arc;
use tokio::sync::broadcast;

/// How many recent requests of the audit log a bill's dry run replays.
const AUDIT_REPLAY: usize = 5_000;

fn unavailable(e: impl std::fmt::Display) -> BackendError {
    BackendError::Unavailable(e.to_string())
}

impl App {
    /// The offline certificate of `key` at `height` (default: the latest certified height),
    /// with the validator-set handovers from genesis to its certifying block, whatever the key:
    /// callers decide who may have it.
    pub(crate) fn certificate_unchecked(
        &self,
        key: &[u8],
        height: Option<Height>,
    ) -> Result<RecordCertificate, BackendError> {
        let latest = self.head().height;
        let h = match height {
            Some(h) => h,
            None => latest.checked_sub(1).ok_or_else(|| {
                BackendError::NotFound("no height is certified yet: wait for block 1".into())
            })?,
        };
        if h >= latest {
            return Err(BackendError::NotFound(format!(
                "height {h} is certified by block {}, which is not committed yet (latest {latest})",
                h.saturating_add(1)
            )));
        }
        let store = self.store();
        let next = h.saturating_add(1);
        let block = store
            .block(next)
            .map_err(unavailable)?
            .ok_or_else(|| unavailable(format!("block {next} missing")))?;
        let commit = store
            .certificate(next)
            .map_err(unavailable)?
            .ok_or_else(|| unavailable(format!("certificate of block {next} missing")))?;
        Ok(RecordCertificate {
            proof: store.proof(key, h).map_err(unavailable)?,
            header: block.header,
            commit,
            handovers: self.handovers(next)?,
        })
    }

    fn check_height(&self, height: Option<Height>) -> Result<Height, BackendError> {
        let latest = self.head().height;
        match height {
            None => Ok(latest),
            Some(h) if h <= latest => Ok(h),
            Some(h) => Err(BackendError::NotFound(format!(
                "height {h} is above the latest height {latest}"
            ))),
        }
    }
}

impl Backend for App {
    fn submit(&self, raw: Vec<Vec<u8>>) -> Vec<Result<Hash, AdmitError>> {
        App::submit(self, raw)
    }

    fn is_pending(&self, id: &Hash) -> bool {
        self.mempool().contains(id)
    }

    fn tx(&self, id: &Hash) -> Result<Option<TxRecord>, BackendError> {
        let store = self.store();
        let Some((height, index)) = store.tx_location(id).map_err(unavailable)? else {
            return Ok(None);
        };
        let block = store
            .block(height)
            .map_err(unavailable)?
            .ok_or_else(|| unavailable(format!("block {height} missing")))?;
        let tx = block.txs.get(index as usize).cloned().ok_or_else(|| {
            unavailable(format!("transaction {index} missing from block {height}"))
        })?;
        let mut receipt = store
            .receipt(id)
            .map_err(unavailable)?
            .ok_or_else(|| unavailable(format!("receipt of `{id}` missing")))?;
        let (tx, redacted) = self.redact(tx);
        let redacted = self.redact_receipt(&mut receipt) || redacted;
        Ok(Some(TxRecord {
            tx,
            receipt,
            block_hash: store.block_hash(height).map_err(unavailable)?,
            redacted,
        }))
    }

    fn block(&self, height: Option<Height>) -> Result<Option<BlockRecord>, BackendError> {
        let h = match self.check_height(height) {
            Ok(h) => h,
            Err(BackendError::NotFound(_)) => return Ok(None),
            Err(e) => return Err(e),
        };
        let store = self.store();
        let Some(mut block) = store.block(h).map_err(unavailable)? else {
            return Ok(None);
        };
        let mut redacted = Vec::new();
        for (i, tx) in (0u32..).zip(block.txs.iter_mut()) {
            let (shown, hidden) = self.redact(tx.clone());
            if hidden {
                *tx = shown;
                redacted.push(i);
            }
        }
        let mut receipts = store.receipts(h).map_err(unavailable)?;
        for (i, r) in (0u32..).zip(receipts.iter_mut()) {
            if self.redact_receipt(r) && !redacted.contains(&i) {
                redacted.push(i);
            }
        }
        redacted.sort_unstable();
        Ok(Some(BlockRecord {
            redacted,
            hash: store.block_hash(h).map_err(unavailable)?,
            certificate: store.certificate(h).map_err(unavailable)?,
            receipts,
            state_root_after: store.root(h).map_err(unavailable)?,
            block,
        }))
    }

    fn state(&self, key: &[u8], height: Option<Height>) -> Result<Option<Versioned>, BackendError> {
        self.check_raw_access(key)?;
        let h = self.check_height(height)?;
        self.store().get(key, Some(h)).map_err(unavailable)
    }

    fn proof(&self, key: &[u8], height: Option<Height>) -> Result<StateProof, BackendError> {
        self.check_raw_access(key)?;
        let h = self.check_height(height)?;
        self.store().proof(key, h).map_err(unavailable)
    }

    fn certificate(
        &self,
        key: &[u8],
        height: Option<Height>,
    ) -> Result<RecordCertificate, BackendError> {
        self.check_raw_access(key)?;
        self.certificate_unchecked(key, height)
    }

    fn laws(&self, height: Option<Height>) -> Result<LawsInForce, BackendError> {
        let latest = self.head().height;
        let h = height.unwrap_or(latest.saturating_add(1));
        if h > latest.saturating_add(1) {
            return Err(BackendError::NotFound(format!(
                "height {h} is beyond the next block {}",
                latest.saturating_add(1)
            )));
        }
        let state = crate::app::StoreState {
            store: self.store(),
            at: Some(h.saturating_sub(1)),
        };
        let index = schema::law_index(&state).map_err(unavailable)?;
        let mut laws = Vec::new();
        for l in in_force_at(&index, h) {
            if let Some(law) = schema::law(&state, &l.id, l.version).map_err(unavailable)? {
                laws.push(law);
            }
        }
        Ok(LawsInForce { height: h, laws })
    }

    fn explain(
        &self,
        principal: &str,
        action: &str,
        target: Option<&str>,
        kind: Option<&str>,
        height: Option<Height>,
    ) -> Result<ExplainAnswer, BackendError> {
        let bad = |e: String| BackendError::BadRequest(e);
        let latest = self.head().height;
        let h = height.unwrap_or(latest.saturating_add(1));
        if h == 0 || h > latest.saturating_add(1) {
            return Err(bad(format!(
                "explain at a height from 1 to the next block {}",
                latest.saturating_add(1)
            )));
        }
        let principal = PrincipalId::new(principal).map_err(|e| bad(e.to_string()))?;
        let target = target
            .map(PrincipalId::new)
            .transpose()
            .map_err(|e| bad(e.to_string()))?;
        let kind = kind
            .map(|k| {
                serde_json::from_value::<PrincipalKind>(serde_json::Value::String(k.into()))
                    .map_err(|_| bad(format!("`{k}` is not a kind of principal")))
            })
            .transpose()?;
        let state = crate::app::StoreState {
            store: self.store(),
            at: Some(h.saturating_sub(1)),
        };
        let e = govchain_execution::explain(
            &state,
            self.laws_cache(),
            h,
            &principal,
            action,
            target.as_ref(),
            kind,
        )
        .map_err(unavailable)?
        .map_err(bad)?;
        Ok(ExplainAnswer {
            height: h,
            allowed: e.decision.allowed,
            message: e.decision.to_string(),
            decided_by: e.decision.decided_by,
            permits: e.decision.permits,
            forbids: e.decision.forbids,
            action: e.action.to_string(),
            resource: e.resource,
        })
    }

    fn explain_request(
        &self,
        request: &govchain_law::AuthRequest,
    ) -> Result<ExplainAnswer, BackendError> {
        let latest = self.head().height;
        let h = request.height;
        if h == 0 || h > latest.saturating_add(1) {
            return Err(BackendError::BadRequest(format!(
                "explain at a height from 1 to the next block {}",
                latest.saturating_add(1)
            )));
        }
        let state = crate::app::StoreState {
            store: self.store(),
            at: Some(h.saturating_sub(1)),
        };
        let book = self.laws_cache().book_at(&state, h).map_err(unavailable)?;
        let d = book
            .check_request(request)
            .and_then(|()| book.decide(request))
            .map_err(|e| BackendError::BadRequest(e.to_string()))?;
        Ok(ExplainAnswer {
            height: h,
            allowed: d.allowed,
            message: d.to_string(),
            decided_by: d.decided_by,
            permits: d.permits,
            forbids: d.forbids,
            action: request.action.clone(),
            resource: format!("{}::{}", request.resource.uid.kind, request.resource.uid.id),
        })
    }

    fn registries(
        &self,
        height: Option<Height>,
    ) -> Result<Vec<govchain_api::RegistryView>, BackendError> {
        self.registries_at(height)
    }

    fn services(&self) -> Result<Vec<govchain_api::ServiceView>, BackendError> {
        App::services(self)
    }

    fn service(
        &self,
        name: &str,
        version: Option<u32>,
    ) -> Result<govchain_api::ServiceView, BackendError> {
        App::service(self, name, version)
    }

    fn record(
        &self,
        registry: &str,
        key: &str,
        height: Option<Height>,
    ) -> Result<govchain_api::RecordView, BackendError> {
        self.public_record(registry, key, height)
    }

    fn record_history(
        &self,
        registry: &str,
        key: &str,
    ) -> Result<govchain_api::RecordHistory, BackendError> {
        self.public_history(registry, key)
    }

    fn query_records(
        &self,
        registry: &str,
        by: Option<(&str, &str)>,
        after: Option<&str>,
        limit: usize,
        height: Option<Height>,
    ) -> Result<govchain_api::RecordPage, BackendError> {
        self.public_query(registry, by, after, limit, height)
    }

    fn read(
        &self,
        signed: govchain_types::SignedRead,
    ) -> Result<govchain_api::ReadAnswer, BackendError> {
        self.signed_read(signed)
    }

    fn currencies(
        &self,
        height: Option<Height>,
    ) -> Result<Vec<govchain_api::CurrencyView>, BackendError> {
        self.currencies_at(height)
    }

    fn account(
        &self,
        holder: &str,
        currency: &str,
        height: Option<Height>,
    ) -> Result<govchain_api::AccountView, BackendError> {
        let holder =
            PrincipalId::new(holder).map_err(|e| BackendError::BadRequest(e.to_string()))?;
        self.check_public_account(&holder)?;
        self.account_unchecked(&holder, currency, height)
    }

    fn statement(
        &self,
        holder: &str,
        currency: &str,
        after: Option<&str>,
        limit: usize,
        newest_first: bool,
    ) -> Result<govchain_api::StatementPage, BackendError> {
        let holder =
            PrincipalId::new(holder).map_err(|e| BackendError::BadRequest(e.to_string()))?;
        self.check_public_account(&holder)?;
        self.statement_unchecked(&holder, currency, after, limit, newest_first, true)
    }

    fn law_history(&self, id: &str) -> Result<LawHistory, BackendError> {
        let id = PrincipalId::new(id).map_err(|e| BackendError::BadRequest(e.to_string()))?;
        let state = self.state();
        let versions = govchain_execution::history(&state, &id).map_err(unavailable)?;
        if versions.is_empty() {
            return Err(BackendError::NotFound(format!("there is no law `{id}`")));
        }
        Ok(LawHistory {
            law: id.to_string(),
            versions,
            interpretations: schema::interpretations(&state, &id).map_err(unavailable)?,
        })
    }

    fn verify_bill(
        &self,
        bill: &govchain_types::LawPackage,
        samples: Option<Vec<govchain_law::AuthRequest>>,
        read: Option<govchain_types::SignedRead>,
        cancel: &govchain_law::verify::Cancel,
    ) -> Result<govchain_law::verify::Report, BackendError> {
        if read.is_some() && samples.is_some() {
            return Err(BackendError::BadRequest(
                "give samples (your own cases, listed) or a signed read (the node's recorded requests), not both".into(),
            ));
        }
        // A malformed bill (e.g. too many articles) is reported as such before anything loads or
        // compiles laws for it.
        if govchain_law::check_shape(bill).is_err() {
            return Ok(govchain_law::verify::verify(
                bill,
                &govchain_law::verify::Context {
                    model: self.laws_cache().model(),
                    now: &[],
                    with_bill: &[],
                    replay: &[],
                },
            ));
        }
        // Who may see the recorded requests listed is decided, and the read logged (once: the
        // same signed bytes again are refused here, before any work), before the work is done.
        let reader = match &read {
            Some(r) => Some(self.dry_run_read(r, bill)?),
            None => None,
        };
        let next = self.head().height.saturating_add(1);
        let state = self.state();
        let (now, with_bill) =
            govchain_execution::with_bill(&state, bill, next).map_err(unavailable)?;
        let recorded = samples.is_none();
        let replay = match samples {
            Some(s) => s,
            None => self
                .audit_recent(AUDIT_REPLAY)
                .map_err(unavailable)?
                .into_iter()
                .map(|a| a.request)
                .collect(),
        };
        let mut report = govchain_law::verify::verify_until(
            bill,
            &govchain_law::verify::Context {
                model: self.laws_cache().model(),
                now: &now,
                with_bill: &with_bill,
                replay: &replay,
            },
            cancel,
        );
        if cancel.is_cancelled() {
            return Err(BackendError::Unavailable(
                "the verification was given up before it ended".into(),
            ));
        }
        // What enactment would refuse whatever the signatures: the hierarchy (who may enact,
        // amend or repeal what the bill touches), the version, the effective height, and the
        // laws at every height at which they change from then on.
        let problems = govchain_execution::bill_problems(&state, self.laws_cache(), bill, next)
            .map_err(unavailable)?;
        // A member sees recorded acts only through a bill its body could enact: the body is
        // whatever the bill says, so a bill it may not enact (another level, another region,
        // a law it may not amend) lists nothing, whoever asks.
        let enactable = problems.is_empty();
        for p in problems {
            report.valid = false;
            report.findings.push(govchain_law::verify::Finding {
                kind: govchain_law::verify::FindingKind::Invalid,
                article: String::new(),
                other: p.citation,
                message: format!("{}: {}", p.code, p.message),
                witness: None,
            });
        }
        // The recorded requests are real people's acts — who did what to whose record — and this
        // route answers anyone: they are counted, never listed, unless a signed read by whom the
        // laws let see them (the members of the bill's body, auditors) asked; then private
        // parties' amounts are left out. A caller's own samples are its own input, and are listed.
        match reader {
            Some(decided_by) if enactable => {
                let dry = &mut report.dry_run;
                dry.decided_by = decided_by;
                for change in &mut dry.changes {
                    if change.request.amount != 0 && self.private_money(&change.request) {
                        change.request.amount = 0;
                        dry.amounts_withheld = dry.amounts_withheld.saturating_add(1);
                    }
                }
            }
            // Listed to nobody: recorded requests without a signed read, or through a bill its
            // body may not enact (a read comes without samples, so these are recorded ones).
            _ if recorded && !report.dry_run.changes.is_empty() => {
                report.dry_run.changes.clear();
                report.dry_run.withheld = true;
            }
            _ => {}
        }
        Ok(report)
    }

    fn redact_receipt(&self, receipt: &mut govchain_types::Receipt) -> bool {
        App::redact_receipt(self, receipt)
    }

    fn status(&self) -> Status {
        let head = self.head();
        Status {
            chain_id: self.genesis().chain_id.clone(),
            scheme: self.scheme(),
            height: head.height,
            block_hash: head.hash,
            block_time_ms: head.time_ms,
            state_root: head.root,
            validators: self
                .validators_at(head.height.saturating_add(1))
                .map_or(0, |v| v.len()),
            mempool_size: self.mempool().len(),
            version: env!("CARGO_PKG_VERSION").to_string(),
            node: self.node_key().clone(),
        }
    }

    fn metrics(&self) -> String {
        self.metrics.render()
    }

    fn subscribe(&self) -> broadcast::Receiver<Arc<CommitEvent>> {
        App::subscribe(self)
    }

    fn max_tx_bytes(&self) -> usize {
        self.genesis().params.max_tx_bytes as usize
    }
}
