//! `apply_block`: the envelope rules every transaction passes, then its payload.

use crate::error::{ExecError, Result, TxError};
use crate::laws::Laws;
use crate::overlay::{BlockOverlay, TxOverlay};
use crate::payload::{Signer, TxContext, execute_payload};
use crate::schema;
use crate::state::State;
use govchain_crypto::VerifiedTx;
use govchain_types::{Header, Receipt, TxStatus, WriteSet};

/// What a block did: its writes (for the store) and one receipt per transaction, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockOutcome {
    pub writes: WriteSet,
    pub receipts: Vec<Receipt>,
    /// The authorization requests of an even sample of the block's transactions (every one up
    /// to [`AUDITED_TXS`], then every n-th), in order, with their decisions: the audit log a
    /// bill's dry run replays.
    pub audit: Vec<crate::Audited>,
    /// Entries for the node's journal, outside the state root: each account's statement lines
    /// (key from [`crate::finance::statement_key`], value an encoded `Posting`).
    pub journal: Vec<(Vec<u8>, Vec<u8>)>,
}

/// Most transactions of a block whose authorization requests go to the audit log.
pub const AUDITED_TXS: usize = 100;

/// The UTC calendar date (`YYYY-MM-DD`) of a block time in milliseconds since the Unix epoch:
/// the date a service's script sees (validators refuse a block whose time runs ahead of their
/// clocks, and each block's time is at least its parent's).
pub fn block_date(time_ms: u64) -> String {
    let seconds = i64::try_from(time_ms / 1000).unwrap_or(i64::MAX);
    let date = time::OffsetDateTime::from_unix_timestamp(seconds)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
        .date();
    format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

/// Applies a block's transactions, in order, to the state after its parent.
///
/// The signatures are already checked (the [`VerifiedTx`] type says so); the header is assumed
/// validated by [`crate::validate_header`]. A transaction that breaks an envelope rule is
/// `rejected` and writes nothing; one whose payload is refused is `failed` and writes only the
/// signer's nonce, so the signed transaction can never run again.
pub fn apply_block(
    state: &dyn State,
    header: &Header,
    txs: &[VerifiedTx],
    laws: &Laws,
) -> Result<BlockOutcome> {
    let info = schema::chain_info(state)?;
    // The laws in force at this height, as the state after the parent names them.
    let compiled = laws.at(state, header.height)?;
    if header.chain_id != info.chain_id {
        return Err(ExecError::InvalidBlock(format!(
            "block is for chain `{}`, this is `{}`",
            header.chain_id, info.chain_id
        )));
    }
    let mut block = BlockOverlay::new(state);
    let date = block_date(header.time_ms);
    let work = crate::services::BlockWork::new(info.params.contract_operations);
    let block_ctx = TxContext {
        height: header.height,
        date: &date,
        work: &work,
        max_lifetime: info.params.max_tx_lifetime,
        chain_id: &info.chain_id,
        scheme: info.scheme,
        laws: &compiled.book,
        compiler: laws,
        registries: &compiled.registries,
        currencies: &compiled.currencies,
        statutes: &compiled.statutes,
        tx_id: govchain_types::Hash::ZERO,
    };
    crate::validators::begin_block(&mut block, header.height)?;
    let mut journal = crate::services::begin_block(&mut block, &block_ctx)?;
    let mut receipts = Vec::with_capacity(txs.len());
    let mut audit = Vec::new();
    let audit_stride = txs.len().div_ceil(AUDITED_TXS).max(1);
    for (i, vtx) in txs.iter().enumerate() {
        let index = u32::try_from(i)
            .map_err(|_| ExecError::InvalidBlock("too many transactions".into()))?;
        let mut receipt = Receipt {
            tx_id: vtx.id(),
            height: header.height,
            index,
            status: TxStatus::Ok,
            code: None,
            error: None,
            decided_by: None,
            events: Vec::new(),
        };
        let ctx = TxContext {
            tx_id: vtx.id(),
            ..block_ctx
        };
        match check_envelope(&block, &ctx, vtx)? {
            Err(e) => {
                receipt.status = TxStatus::Rejected;
                receipt.code = Some(e.code.to_string());
                receipt.error = Some(e.message);
            }
            Ok(acting) => {
                let body = &vtx.tx().body;
                let mut tx = TxOverlay::new(&block);
                tx.audit_on = i.is_multiple_of(audit_stride);
                // Refused for who it acts as (a position not held, the legislature's key
                // alone, members short of the threshold): failed, its nonce used, so the same
                // bytes cannot fill block after block.
                let result = match acting {
                    Ok(signer) => execute_payload(&mut tx, &ctx, &signer, &body.payload)?,
                    Err(e) => Err(e),
                };
                audit.extend(std::mem::take(&mut tx.audit).into_iter().map(|mut a| {
                    a.tx_index = index;
                    a
                }));
                let mut writes = match result {
                    Ok(events) => {
                        receipt.events = events;
                        for (line, (code, holder, posting)) in
                            (0u32..).zip(std::mem::take(&mut tx.postings))
                        {
                            journal.push((
                                crate::finance::statement_key(
                                    &code,
                                    &holder,
                                    header.height,
                                    Some(index),
                                    line,
                                ),
                                schema::value(&posting),
                            ));
                        }
                        receipt.decided_by = tx.citation;
                        tx.writes
                    }
                    Err(e) => {
                        receipt.status = TxStatus::Failed;
                        receipt.code = Some(e.code.to_string());
                        receipt.error = Some(e.message);
                        receipt.decided_by = e.citation;
                        Default::default()
                    }
                };
                let next = body.nonce.checked_add(1).ok_or_else(|| {
                    ExecError::InvalidBlock("nonce overflow passed the envelope".into())
                })?;
                writes.insert(schema::nonce_key(&body.signer), Some(schema::value(&next)));
                block.merge(Some(index), writes);
            }
        }
        receipts.push(receipt);
    }
    // In every build, not only in debug ones: it reads one value per money key the block
    // wrote, cheap beside execution, and a block that creates or loses money is refused.
    crate::finance::check_conservation(state, &block.writes)?;
    Ok(BlockOutcome {
        writes: block.writes,
        receipts,
        audit,
        journal,
    })
}

/// The envelope (`crate::envelope`: chain id, expiry, signer's key in force, nonce), then who
/// the signer acts as. `Ok(Err(_))` is a rejected transaction (nothing written); `Ok(Ok(Err(_)))`
/// one refused for who it acts as, which fails and uses its nonce; `Err(_)` a storage failure.
fn check_envelope(
    state: &dyn State,
    ctx: &TxContext<'_>,
    vtx: &VerifiedTx,
) -> Result<std::result::Result<std::result::Result<Signer, TxError>, TxError>> {
    let body = &vtx.tx().body;
    let envelope = crate::envelope::Envelope {
        chain_id: &body.chain_id,
        signer: &body.signer,
        valid_until: body.valid_until,
        nonce: Some(body.nonce),
    };
    let rules = crate::envelope::Rules {
        chain_id: ctx.chain_id,
        height: ctx.height,
        max_lifetime: ctx.max_lifetime,
        nonce: crate::envelope::NonceRule::Exact,
    };
    let key_record = match crate::envelope::check_envelope(state, &envelope, &rules)? {
        Ok(k) => k,
        Err(e) => return Ok(Err(TxError::new(e.code(), e.to_string()))),
    };
    let Some(record) = schema::principal(state, &key_record.principal)? else {
        return Err(ExecError::Corrupt {
            key: String::from_utf8_lossy(&schema::principal_key(&key_record.principal))
                .into_owned(),
            reason: "a key names a principal that does not exist".into(),
        });
    };
    // The legislature is its members: its own key alone submits bills and interpretations
    // (which carry their members' signatures), and does nothing else in its name.
    let by_members = matches!(body.acting_as, Some(govchain_types::Acting::Body { .. }));
    let carries_signatures = matches!(
        body.payload,
        govchain_types::Payload::EnactLaw { .. } | govchain_types::Payload::Interpret { .. }
    );
    if record.kind == govchain_types::PrincipalKind::Legislature
        && !by_members
        && !carries_signatures
    {
        return Ok(Ok(Err(TxError::new(
            govchain_types::Code::MembersRequired,
            format!(
                "`{}` acts only by its members: send this with `acting_as` its body and the signatures of its threshold of members",
                key_record.principal
            ),
        ))));
    }
    let members_signed = by_members.then(|| body.member_signing_bytes());
    let (position, organisation) = match crate::authorize::resolve_acting(
        state,
        ctx.registries,
        ctx.height,
        &key_record.principal,
        body.acting_as.as_ref(),
        members_signed.as_deref(),
    )? {
        Ok(acting) => acting,
        Err(e) => return Ok(Ok(Err(e))),
    };
    Ok(Ok(Ok(Signer {
        key: body.signer.clone(),
        principal: key_record.principal,
        record,
        position,
        organisation,
    })))
}
