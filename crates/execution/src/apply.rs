//! `apply_block`: the envelope rules every transaction passes, then its payload.

use crate::error::{ExecError, Result, TxError};
use crate::overlay::{BlockOverlay, TxOverlay};
use crate::schema::{self, KeyRecord, PrincipalRecord};
use crate::state::State;
use govchain_crypto::VerifiedTx;
use govchain_types::{
    Event, Header, Height, Payload, PrincipalId, PrincipalKind, PublicKey, Receipt, TxStatus,
    WriteSet,
};

/// What a block did: its writes (for the store) and one receipt per transaction, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockOutcome {
    pub writes: WriteSet,
    pub receipts: Vec<Receipt>,
}

/// Applies a block's transactions, in order, to the state after its parent.
///
/// The signatures are already checked (the [`VerifiedTx`] type says so); the header is assumed
/// validated by [`crate::validate_header`]. A transaction that breaks an envelope rule is
/// `rejected` and writes nothing; one whose payload is refused is `failed` and writes only the
/// signer's nonce, so the signed transaction can never run again.
pub fn apply_block(state: &dyn State, header: &Header, txs: &[VerifiedTx]) -> Result<BlockOutcome> {
    let info = schema::chain_info(state)?;
    if header.chain_id != info.chain_id {
        return Err(ExecError::InvalidBlock(format!(
            "block is for chain `{}`, this is `{}`",
            header.chain_id, info.chain_id
        )));
    }
    let mut block = BlockOverlay::new(state);
    let mut receipts = Vec::with_capacity(txs.len());
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
            events: Vec::new(),
        };
        let ctx = TxContext {
            height: header.height,
            max_lifetime: info.params.max_tx_lifetime,
            chain_id: &info.chain_id,
            scheme: info.scheme,
        };
        match check_envelope(&block, &ctx, vtx)? {
            Err(e) => {
                receipt.status = TxStatus::Rejected;
                receipt.code = Some(e.code.to_string());
                receipt.error = Some(e.message);
            }
            Ok(signer) => {
                let body = &vtx.tx().body;
                let mut tx = TxOverlay::new(&block);
                let result = execute_payload(&mut tx, &ctx, &signer, &body.payload)?;
                let mut writes = match result {
                    Ok(events) => {
                        receipt.events = events;
                        tx.writes
                    }
                    Err(e) => {
                        receipt.status = TxStatus::Failed;
                        receipt.code = Some(e.code.to_string());
                        receipt.error = Some(e.message);
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
    Ok(BlockOutcome {
        writes: block.writes,
        receipts,
    })
}

struct TxContext<'a> {
    height: Height,
    max_lifetime: u64,
    chain_id: &'a str,
    scheme: govchain_types::Scheme,
}

/// The signer as the envelope check found it.
struct Signer {
    key: PublicKey,
    principal: PrincipalId,
    record: PrincipalRecord,
}

/// Chain id, expiry, signer's key in force, nonce. `Ok(Err(_))` is a rejected transaction;
/// `Err(_)` a storage failure.
fn check_envelope(
    state: &dyn State,
    ctx: &TxContext<'_>,
    vtx: &VerifiedTx,
) -> Result<std::result::Result<Signer, TxError>> {
    let body = &vtx.tx().body;
    if body.chain_id != ctx.chain_id {
        return Ok(Err(TxError::new(
            "wrong_chain",
            format!(
                "transaction is for chain `{}`, this is `{}`",
                body.chain_id, ctx.chain_id
            ),
        )));
    }
    if body.valid_until < ctx.height {
        return Ok(Err(TxError::new(
            "expired",
            format!(
                "transaction expired at height {}, block is {}",
                body.valid_until, ctx.height
            ),
        )));
    }
    if body.valid_until.saturating_sub(ctx.height) > ctx.max_lifetime {
        return Ok(Err(TxError::new(
            "lifetime_too_long",
            format!(
                "valid_until {} is more than {} blocks after height {}",
                body.valid_until, ctx.max_lifetime, ctx.height
            ),
        )));
    }
    let Some(key_record) = schema::key_record(state, &body.signer)? else {
        return Ok(Err(TxError::new(
            "unknown_signer",
            format!("key `{}` is not registered to anyone", body.signer),
        )));
    };
    if !key_record.active_at(ctx.height) {
        return Ok(Err(TxError::new(
            "key_revoked",
            format!(
                "key `{}` of `{}` was revoked",
                body.signer, key_record.principal
            ),
        )));
    }
    let expected = schema::next_nonce(state, &body.signer)?;
    if body.nonce != expected {
        return Ok(Err(TxError::new(
            "bad_nonce",
            format!("nonce is {}, expected {expected}", body.nonce),
        )));
    }
    if body.nonce == u64::MAX {
        return Ok(Err(TxError::new("bad_nonce", "nonce space exhausted")));
    }
    let Some(record) = schema::principal(state, &key_record.principal)? else {
        return Err(ExecError::Corrupt {
            key: String::from_utf8_lossy(&schema::principal_key(&key_record.principal))
                .into_owned(),
            reason: "a key names a principal that does not exist".into(),
        });
    };
    Ok(Ok(Signer {
        key: body.signer.clone(),
        principal: key_record.principal,
        record,
    }))
}

fn event(kind: &str, attributes: &[(&str, String)]) -> Event {
    Event {
        kind: kind.to_string(),
        attributes: attributes
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect(),
    }
}

/// Runs a payload in the transaction's overlay. Until the Smart-laws issue makes the laws
/// decide, key management follows the bootstrap rule: a principal manages its own keys, and a
/// genesis authority manages anyone's.
fn execute_payload(
    tx: &mut TxOverlay<'_>,
    ctx: &TxContext<'_>,
    signer: &Signer,
    payload: &Payload,
) -> Result<std::result::Result<Vec<Event>, TxError>> {
    match payload {
        Payload::RegisterKey {
            principal,
            kind,
            key,
        } => register_key(tx, ctx, signer, principal, *kind, key),
        Payload::RevokeKey { principal, key } => revoke_key(tx, ctx, signer, principal, key),
    }
}

fn may_manage(signer: &Signer, principal: &PrincipalId) -> std::result::Result<(), TxError> {
    if signer.record.authority || &signer.principal == principal {
        Ok(())
    } else {
        Err(TxError::new(
            "unauthorized",
            format!(
                "`{}` may not manage the keys of `{principal}`: only the principal itself or a \
                 bootstrap authority may",
                signer.principal
            ),
        ))
    }
}

fn register_key(
    tx: &mut TxOverlay<'_>,
    ctx: &TxContext<'_>,
    signer: &Signer,
    principal: &PrincipalId,
    kind: PrincipalKind,
    key: &PublicKey,
) -> Result<std::result::Result<Vec<Event>, TxError>> {
    if key.scheme() != ctx.scheme {
        return Ok(Err(TxError::new(
            "scheme_mismatch",
            format!(
                "key `{key}` is not a {} key, the chain's scheme",
                ctx.scheme
            ),
        )));
    }
    if let Some(existing) = schema::key_record(tx, key)? {
        return Ok(Err(TxError::new(
            "key_exists",
            format!(
                "key `{key}` is already bound to `{}`; keys are never re-bound",
                existing.principal
            ),
        )));
    }
    let mut events = Vec::new();
    let record = match schema::principal(tx, principal)? {
        Some(mut record) => {
            if let Err(e) = may_manage(signer, principal) {
                return Ok(Err(e));
            }
            if record.kind != kind {
                return Ok(Err(TxError::new(
                    "kind_mismatch",
                    format!("`{principal}` is a {:?}, not a {kind:?}", record.kind),
                )));
            }
            record.keys.push(key.clone());
            record
        }
        None => {
            if !signer.record.authority {
                return Ok(Err(TxError::new(
                    "unauthorized",
                    format!(
                        "`{}` may not create principal `{principal}`: only a bootstrap \
                         authority may",
                        signer.principal
                    ),
                )));
            }
            events.push(event(
                "principal_created",
                &[
                    ("principal", principal.to_string()),
                    ("kind", format!("{kind:?}").to_lowercase()),
                ],
            ));
            PrincipalRecord {
                kind,
                authority: false,
                keys: vec![key.clone()],
                created_at: ctx.height,
            }
        }
    };
    tx.put(schema::principal_key(principal), schema::value(&record));
    tx.put(
        schema::key_key(key),
        schema::value(&KeyRecord {
            principal: principal.clone(),
            added_at: ctx.height,
            revoked_from: None,
        }),
    );
    events.push(event(
        "key_registered",
        &[
            ("principal", principal.to_string()),
            ("key", key.to_string()),
            ("by", signer.key.to_string()),
        ],
    ));
    Ok(Ok(events))
}

fn revoke_key(
    tx: &mut TxOverlay<'_>,
    ctx: &TxContext<'_>,
    signer: &Signer,
    principal: &PrincipalId,
    key: &PublicKey,
) -> Result<std::result::Result<Vec<Event>, TxError>> {
    if let Err(e) = may_manage(signer, principal) {
        return Ok(Err(e));
    }
    let Some(mut record) = schema::key_record(tx, key)? else {
        return Ok(Err(TxError::new(
            "unknown_key",
            format!("key `{key}` is not registered"),
        )));
    };
    if &record.principal != principal {
        return Ok(Err(TxError::new(
            "unknown_key",
            format!("key `{key}` is not bound to `{principal}`"),
        )));
    }
    if record.revoked_from.is_some() {
        return Ok(Err(TxError::new(
            "already_revoked",
            format!("key `{key}` is already revoked"),
        )));
    }
    // The key still signs in this block and is refused from the next one on.
    let from = ctx
        .height
        .checked_add(1)
        .ok_or_else(|| ExecError::InvalidBlock("height overflow".into()))?;
    record.revoked_from = Some(from);
    tx.put(schema::key_key(key), schema::value(&record));
    Ok(Ok(vec![event(
        "key_revoked",
        &[
            ("principal", principal.to_string()),
            ("key", key.to_string()),
            ("from_height", from.to_string()),
        ],
    )]))
}
