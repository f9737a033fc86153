//! Key management payloads: register and revoke keys of principals.

use crate::authorize::{Action, authorize, principal_target};
use crate::error::{ExecError, Result, TxError};
use crate::overlay::TxOverlay;
use crate::payload::{Signer, TxContext, event};
use crate::schema::{self, KeyRecord, PrincipalRecord};
use govchain_types::Code;
use govchain_types::{Event, PrincipalId, PrincipalKind, PublicKey};

/// Most keys a principal may have in force at once.
pub const MAX_KEYS_IN_FORCE: usize = 16;

pub(crate) fn register_key(
    tx: &mut TxOverlay<'_>,
    ctx: &TxContext<'_>,
    signer: &Signer,
    principal: &PrincipalId,
    kind: PrincipalKind,
    key: &PublicKey,
) -> Result<std::result::Result<Vec<Event>, TxError>> {
    if key.scheme() != ctx.scheme {
        return Ok(Err(TxError::new(
            Code::SchemeMismatch,
            format!(
                "key `{key}` is not a {} key, the chain's scheme",
                ctx.scheme
            ),
        )));
    }
    if let Some(existing) = schema::key_record(tx, key)? {
        return Ok(Err(TxError::new(
            Code::KeyExists,
            format!(
                "key `{key}` is already bound to `{}`; keys are never re-bound",
                existing.principal
            ),
        )));
    }
    let mut events = Vec::new();
    let record = match schema::principal(tx, principal)? {
        Some(mut record) => {
            if record.kind != kind {
                return Ok(Err(TxError::new(
                    Code::KindMismatch,
                    format!("`{principal}` is a {:?}, not a {kind:?}", record.kind),
                )));
            }
            let action = Action::ManageKeys {
                resource: principal_target(
                    tx,
                    ctx.registries,
                    principal,
                    record.kind,
                    Some(&record),
                )?,
            };
            if let Err(e) = authorize(tx, ctx, signer, &action)? {
                return Ok(Err(e));
            }
            // A member of a law-making body signs with any of its keys in force, and each is
            // tried: a bounded number keeps checking an enactment's signatures bounded.
            let in_force = schema::keys_in_force(tx, principal, ctx.height)?.len();
            if in_force >= MAX_KEYS_IN_FORCE {
                return Ok(Err(TxError::new(
                    Code::TooManyKeys,
                    format!(
                        "`{principal}` has {in_force} keys in force, the most allowed: revoke one first"
                    ),
                )));
            }
            record.keys.push(key.clone());
            record
        }
        None => {
            if let Err(e) = authorize(
                tx,
                ctx,
                signer,
                &Action::CreatePrincipal {
                    resource: principal_target(tx, ctx.registries, principal, kind, None)?,
                },
            )? {
                return Ok(Err(e));
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

pub(crate) fn revoke_key(
    tx: &mut TxOverlay<'_>,
    ctx: &TxContext<'_>,
    signer: &Signer,
    principal: &PrincipalId,
    key: &PublicKey,
) -> Result<std::result::Result<Vec<Event>, TxError>> {
    let target = match schema::principal(tx, principal)? {
        Some(p) => principal_target(tx, ctx.registries, principal, p.kind, Some(&p))?,
        None => {
            return Ok(Err(TxError::new(
                Code::UnknownPrincipal,
                format!("`{principal}` is not registered"),
            )));
        }
    };
    if let Err(e) = authorize(tx, ctx, signer, &Action::ManageKeys { resource: target })? {
        return Ok(Err(e));
    }
    let Some(mut record) = schema::key_record(tx, key)? else {
        return Ok(Err(TxError::new(
            Code::UnknownKey,
            format!("key `{key}` is not registered"),
        )));
    };
    if &record.principal != principal {
        return Ok(Err(TxError::new(
            Code::UnknownKey,
            format!("key `{key}` is not bound to `{principal}`"),
        )));
    }
    if record.revoked_from.is_some() {
        return Ok(Err(TxError::new(
            Code::AlreadyRevoked,
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
