//! What every payload handler is given, and the dispatch from payload to handler.

use crate::error::{Result, TxError};
use crate::overlay::TxOverlay;
use crate::schema::PrincipalRecord;
use govchain_types::{Event, Height, Payload, PrincipalId, PublicKey, Scheme};

/// The block a transaction runs in.
#[derive(Clone, Copy)]
pub(crate) struct TxContext<'a> {
    pub height: Height,
    /// The block's UTC date, `YYYY-MM-DD` (from its time).
    pub date: &'a str,
    /// The Rhai operations the block's scripts have used so far, and how many they may.
    pub work: &'a crate::services::BlockWork,
    pub max_lifetime: u64,
    pub chain_id: &'a str,
    pub scheme: Scheme,
    /// The laws in force at this block.
    pub laws: &'a govchain_law::LawBook,
    /// Compiles bills, to check an enactment.
    pub compiler: &'a crate::laws::Laws,
    /// The registries in force at this block.
    pub registries: &'a crate::laws::Registries,
    /// The currencies in force at this block.
    pub currencies: &'a crate::laws::Currencies,
    /// The laws in force at this block, with their articles (for services).
    pub statutes: &'a crate::laws::Statutes,
    /// The id of the transaction running.
    pub tx_id: govchain_types::Hash,
}

/// The signer as the envelope check found it.
pub(crate) struct Signer {
    pub key: PublicKey,
    pub principal: PrincipalId,
    pub record: PrincipalRecord,
    /// The position the signer acts in, as it stands at this block.
    pub position: Option<crate::schema::PositionRecord>,
    /// The organisation the signer acts for, as its representative, or the body whose members
    /// signed the transaction (`Acting::Body`).
    pub organisation: Option<(PrincipalId, PrincipalRecord)>,
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
        Payload::InsertRecord {
            registry,
            key,
            fields,
        } => crate::registry::write_record(
            tx,
            ctx,
            &crate::registry::Writer::Signer(signer),
            registry,
            key,
            crate::registry::RecordOp::Insert(fields),
        ),
        Payload::UpdateRecord {
            registry,
            key,
            fields,
        } => crate::registry::write_record(
            tx,
            ctx,
            &crate::registry::Writer::Signer(signer),
            registry,
            key,
            crate::registry::RecordOp::Update(fields),
        ),
        Payload::CloseRecord {
            registry,
            key,
            reason,
        } => crate::registry::write_record(
            tx,
            ctx,
            &crate::registry::Writer::Signer(signer),
            registry,
            key,
            crate::registry::RecordOp::Close(reason),
        ),
        Payload::Appoint { position } => crate::positions::appoint(tx, ctx, signer, position),
        Payload::SetPositionStatus { id, status, reason } => {
            crate::positions::set_status(tx, ctx, signer, id, *status, reason)
        }
        Payload::ImportRecords { registry, records } => {
            crate::registry::import_records(tx, ctx, signer, registry, records)
        }
        Payload::Issue {
            currency,
            to,
            amount,
            memo,
        } => crate::finance::change_supply(
            tx,
            ctx,
            signer,
            &crate::finance::SupplyChange {
                code: currency,
                holder: to,
                amount: *amount,
                memo,
                issuing: true,
            },
        ),
        Payload::Redeem {
            currency,
            from,
            amount,
            memo,
        } => crate::finance::change_supply(
            tx,
            ctx,
            signer,
            &crate::finance::SupplyChange {
                code: currency,
                holder: from,
                amount: *amount,
                memo,
                issuing: false,
            },
        ),
        Payload::Transfer {
            currency,
            from,
            to,
            amount,
            memo,
            reference,
        } => {
            let order = crate::finance::TransferOrder {
                code: currency,
                from: from
                    .as_ref()
                    .unwrap_or_else(|| crate::finance::own_account(signer)),
                to,
                amount: *amount,
                memo,
                reference,
            };
            crate::finance::transfer(tx, ctx, signer, &order)
        }
        Payload::Freeze {
            currency,
            holder,
            order,
        } => crate::finance::set_frozen(tx, ctx, signer, currency, holder, order, true),
        Payload::Unfreeze {
            currency,
            holder,
            order,
        } => crate::finance::set_frozen(tx, ctx, signer, currency, holder, order, false),
        Payload::DeployService { service } => crate::services::deploy(tx, ctx, signer, service),
        Payload::Apply { service, input } => {
            crate::services::apply(tx, ctx, signer, service, input)
        }
        Payload::DecideCase {
            application,
            approve,
            reasons,
        } => crate::services::decide_case(tx, ctx, signer, application, *approve, reasons),
        Payload::Appeal {
            application,
            reasons,
        } => crate::services::appeal(tx, ctx, signer, application, reasons),
        Payload::Confirm { application } => crate::services::confirm(tx, ctx, signer, application),
    }
}
