//! The validator set: scheduled changes by transaction, applied at the start of their block.

use crate::authorize::{Action, authorize};
use crate::error::{Result, TxError};
use crate::overlay::{BlockOverlay, TxOverlay};
use crate::payload::{Signer, TxContext, event};
use crate::schema;
use govchain_types::Code;
use govchain_types::{Event, GenesisValidator, Height, PublicKey};
use std::collections::{BTreeMap, BTreeSet};

/// Checks a validator set: not empty, Ed25519 consensus keys, positive power, no key twice, and a
/// total power Malachite's quorum arithmetic cannot overflow.
pub fn validate_validators(validators: &[GenesisValidator]) -> std::result::Result<(), String> {
    if validators.is_empty() {
        return Err("there must be at least one validator".into());
    }
    let mut seen = BTreeSet::new();
    let mut total: u64 = 0;
    for v in validators {
        if !matches!(v.key, PublicKey::Ed25519(_)) {
            return Err(format!(
                "validator `{}` must have an ed25519 consensus key",
                v.name
            ));
        }
        if v.power == 0 {
            return Err(format!("validator `{}` has no voting power", v.name));
        }
        if !seen.insert(v.key.clone()) {
            return Err(format!("validator key `{}` appears twice", v.key));
        }
        total = total
            .checked_add(v.power)
            .ok_or_else(|| "total voting power overflows".to_string())?;
    }
    if total > u64::MAX / 4 {
        return Err("total voting power is too large".into());
    }
    Ok(())
}

/// How many blocks after the block that schedules it a validator change takes over, at the
/// earliest.
///
/// Two, not one, so that the set still in force certifies the change: an offline certificate
/// moves from the set in force to the one taking over at height `h` with the header of block
/// `h - 1` — signed by the outgoing set — whose state root (the state after `h - 2`) must
/// already hold the schedule for `h`, and no block after `h - 2` may still rewrite it. A change
/// scheduled in block `h - 1` for `h` would be named only by a state that the *incoming* set
/// alone ever signs, and a verifier could not tell it from a set its holders made up
/// (`govchain_store::RecordCertificate`, docs/adr/0010).
pub const VALIDATOR_CHANGE_DELAY: Height = 2;

pub(crate) fn update_validators(
    tx: &mut TxOverlay<'_>,
    ctx: &TxContext<'_>,
    signer: &Signer,
    validators: &[GenesisValidator],
    effective_height: Height,
) -> Result<std::result::Result<Vec<Event>, TxError>> {
    if let Err(e) = authorize(tx, ctx, signer, &Action::ChangeValidators)? {
        return Ok(Err(e));
    }
    if let Err(e) = validate_validators(validators) {
        return Ok(Err(TxError::new(Code::InvalidValidators, e)));
    }
    let earliest = ctx.height.saturating_add(VALIDATOR_CHANGE_DELAY);
    if effective_height < earliest {
        return Ok(Err(TxError::new(
            Code::TooEarly,
            format!(
                "a validator change scheduled in block {} takes effect at block {earliest} at the \
                 earliest, not at {effective_height}",
                ctx.height
            ),
        )));
    }
    tx.put(
        schema::validator_update_key(effective_height),
        schema::value(&validators.to_vec()),
    );
    Ok(Ok(vec![event(
        "validators_scheduled",
        &[
            ("effective_height", effective_height.to_string()),
            ("validators", validators.len().to_string()),
            (
                "total_power",
                validators
                    .iter()
                    .fold(0u64, |a, v| a.saturating_add(v.power))
                    .to_string(),
            ),
        ],
    )]))
}

/// At the start of block `height`: a change scheduled for it becomes the set in force.
pub(crate) fn begin_block(block: &mut BlockOverlay<'_>, height: Height) -> Result<()> {
    let key = schema::validator_update_key(height);
    if let Some(set) = crate::state::State::get(block, &key)? {
        let mut writes = BTreeMap::new();
        writes.insert(schema::VALIDATORS.to_vec(), Some(set));
        writes.insert(key, None);
        block.merge(None, writes);
    }
    Ok(())
}
