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
    if effective_height <= ctx.height {
        return Ok(Err(TxError::new(
            Code::TooEarly,
            format!(
                "a validator change takes effect at a later block than {}, not at {effective_height}",
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
