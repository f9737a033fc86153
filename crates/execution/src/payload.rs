//! What every payload handler is given, and the dispatch from payload to handler.

use crate::error::{Result, TxError};
use crate::overlay::TxOverlay;
use crate::schema::PrincipalRecord;
use govchain_types::{Event, Height, Payload, PrincipalId, PublicKey, Scheme};

/// The block a transaction runs in.
pub(crate) struct TxContext<'a> {
    pub height: Height,
    pub max_lifetime: u64,
    pub chain_id: &'a str,
    pub scheme: Scheme,
    /// The laws in force at this block.
    pub laws: &'a govchain_law::LawBook,
    /// Compiles bills, to check an enactment.
    pub compiler: &'a crate::laws::Laws,
}

/// The signer as the envelope check found it.
pub(crate) struct Signer {
    pub key: PublicKey,
    pub principal: PrincipalId,
    pub record: PrincipalRecord,
}

pub(crate) fn event(kind: &str, attributes: &[(&str, String)]) -> Event {
    Event {
        kind: kind.to_string(),
        attributes: attributes
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect(),
    }
}

/// Runs a payload in the transaction's overlay. `Ok(Err(_))` is a refused transaction (its
/// writes are dropped), `Err(_)` a storage failure.
pub(crate) fn execute_payload(
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
        } => crate::keys::register_key(tx, ctx, signer, principal, *kind, key),
        Payload::RevokeKey { principal, key } => {
            crate::keys::revoke_key(tx, ctx, signer, principal, key)
        }
        Payload::UpdateValidators {
            validators,
            effective_height,
        } => crate::validators::update_validators(tx, ctx, signer, validators, *effective_height),
        Payload::EnactLaw { law, signatures } => {
            crate::enact::enact_law(tx, ctx, signer, law, signatures)
        }
        Payload::Interpret {
            interpretation,
            signatures,
        } => crate::enact::interpret(tx, ctx, signer, interpretation, signatures),
    }
}
