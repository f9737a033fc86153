//! The layout of the state: which key holds what, and typed readers and writers for it.
//!
//! Keys are readable paths (`principal/civil-affairs`, `key/ed25519:ab…`), so an auditor can
//! ask for a proof of exactly the record they mean. Values are canonically encoded records.

use crate::error::{ExecError, Result};
use crate::state::State;
use borsh::{BorshDeserialize, BorshSerialize};
use govchain_types::{
    ChainParams, GenesisValidator, Height, PrincipalId, PrincipalKind, PublicKey, Scheme, decode,
    encode,
};
use serde::{Deserialize, Serialize};

/// The chain's identity and limits, from genesis.
pub const CHAIN_INFO: &[u8] = b"chain/info";
/// The validator set in force.
pub const VALIDATORS: &[u8] = b"chain/validators";

#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct ChainInfo {
    pub chain_id: String,
    pub scheme: Scheme,
    pub genesis_time_ms: u64,
    pub params: ChainParams,
}

/// A principal and its keys.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct PrincipalRecord {
    pub kind: PrincipalKind,
    /// A bootstrap authority from genesis (see `GenesisAccount::authority`).
    pub authority: bool,
    /// Every key ever bound, active or revoked, in the order they were added.
    pub keys: Vec<PublicKey>,
    pub created_at: Height,
}

/// The binding of a key to its principal.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct KeyRecord {
    pub principal: PrincipalId,
    pub added_at: Height,
    /// The first height at which the key is refused.
    pub revoked_from: Option<Height>,
}

impl KeyRecord {
    pub fn active_at(&self, height: Height) -> bool {
        self.revoked_from.is_none_or(|from| height < from)
    }
}

/// Where a validator set scheduled to take effect at `height` waits (the layout is
/// [`govchain_types::validator_update_key`]'s: offline certificates prove this key).
pub fn validator_update_key(height: Height) -> Vec<u8> {
    govchain_types::validator_update_key(height)
}

/// The validator set in force at `height`, read from the state after `height - 1`: a change
/// scheduled for `height`, or else the current set.
pub fn validators_at(state: &dyn State, height: Height) -> Result<Vec<GenesisValidator>> {
    match read(state, &validator_update_key(height))? {
        Some(set) => Ok(set),
        None => validators(state),
    }
}

/// The list of every law ever enacted, with the heights it decides.
pub const LAW_INDEX: &[u8] = b"law/index";
/// The ids of the law-making bodies genesis constituted (laws may constitute more).
pub const BODIES: &[u8] = b"chain/bodies";

/// An entry of the law index.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct LawRef {
    pub id: PrincipalId,
    pub version: u32,
    pub level: govchain_types::Level,
    pub effective_from: Height,
    pub effective_until: Option<Height>,
    pub repeals: Vec<PrincipalId>,
    /// The bodies it constitutes.
    pub constitutes: Vec<PrincipalId>,
    /// The height of the block that enacted it (0 for genesis laws).
    pub enacted_at: Height,
    /// The members whose signatures enacted it (empty for genesis laws).
    pub signed_by: Vec<PrincipalId>,
}

impl LawRef {
    /// The index entry of a genesis law.
    pub fn of(law: &govchain_types::LawPackage) -> Self {
        Self {
            id: law.id.clone(),
            version: law.version,
            level: law.level,
            effective_from: law.effective_from,
            effective_until: law.effective_until,
            repeals: law.repeals.clone(),
            constitutes: law.constitutes.iter().map(|b| b.id.clone()).collect(),
            enacted_at: 0,
            signed_by: Vec::new(),
        }
    }
}

/// One version of a registry record: its fields, whether it is in force, the law that defined
/// the registry when it was written, who wrote it and the article that allowed it.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct RecordVersion {
    pub fields: govchain_types::Fields,
    pub status: govchain_types::RecordStatus,
    /// The law (and its version) whose registry definition the record was written under.
    pub law: PrincipalId,
    pub law_version: u32,
    pub written: govchain_types::WrittenBy,
    pub citation: Option<govchain_types::Citation>,
}

/// Where record `key` of `registry` is kept.
pub fn record_key(registry: &str, key: &str) -> Vec<u8> {
    format!("record/{registry}/{key}").into_bytes()
}

pub fn record(state: &dyn State, registry: &str, key: &str) -> Result<Option<RecordVersion>> {
    read(state, &record_key(registry, key))
}

/// Where version `version` of service `name` is kept.
pub fn service_key(name: &PrincipalId, version: u32) -> Vec<u8> {
    format!("service/{name}/{version:010}").into_bytes()
}

/// Where the latest version of service `name` is named.
pub fn service_latest_key(name: &PrincipalId) -> Vec<u8> {
    format!("service-latest/{name}").into_bytes()
}

pub fn service(
    state: &dyn State,
    name: &PrincipalId,
    version: u32,
) -> Result<Option<govchain_types::ServiceRecord>> {
    read(state, &service_key(name, version))
}

/// The latest version of service `name`, if it is deployed.
pub fn service_latest(state: &dyn State, name: &PrincipalId) -> Result<Option<u32>> {
    read(state, &service_latest_key(name))
}

/// Where application `id` is kept.
pub fn application_key(id: &govchain_types::Hash) -> Vec<u8> {
    format!("application/{id}").into_bytes()
}

/// The entry of an applicant's application, in the order made: its value is the id.
pub fn applicant_key(
    applicant: &PrincipalId,
    height: Height,
    id: &govchain_types::Hash,
) -> Vec<u8> {
    format!("application-by/{applicant}/{height:020}/{id}").into_bytes()
}

/// The entry saying service `service` opens applications from the records inserted in
/// `registry` (its latest version's `on_insert`); the value is the service's name.
pub fn service_trigger_key(registry: &str, service: &PrincipalId) -> Vec<u8> {
    let mut key = service_trigger_prefix(registry);
    key.extend_from_slice(service.as_str().as_bytes());
    key
}

pub fn service_trigger_prefix(registry: &str) -> Vec<u8> {
    format!("service-trigger/{registry}/").into_bytes()
}

/// A record inserted in a registry a service watches, waiting for the next block's start:
/// its value is the encoded `(service, registry, key)`.
pub fn trigger_key(id: &govchain_types::Hash) -> Vec<u8> {
    format!("trigger/{id}").into_bytes()
}

/// The step of period `period` of an application's schedule (each kept apart, never
/// rewritten).
pub fn period_key(id: &govchain_types::Hash, period: u64) -> Vec<u8> {
    format!("application-period/{id}/{period:020}").into_bytes()
}

/// Where application `id`'s schedule periods are kept ([`period_key`]).
pub fn period_prefix(id: &govchain_types::Hash) -> Vec<u8> {
    format!("application-period/{id}/").into_bytes()
}

/// How many of an applicant's applications wait in a case (a count, 8 bytes big-endian).
pub fn open_cases_key(applicant: &PrincipalId) -> Vec<u8> {
    format!("open-cases/{applicant}").into_bytes()
}

/// The queue of the cases waiting for a department's officials: this prefix, then the
/// deadline (20 digits; none last) and the application's id; the value is the id.
pub fn case_queue_prefix(department: &PrincipalId) -> Vec<u8> {
    format!("case-queue/{department}/").into_bytes()
}

pub fn application(
    state: &dyn State,
    id: &govchain_types::Hash,
) -> Result<Option<govchain_types::Application>> {
    read(state, &application_key(id))
}

/// A value as a path segment: `%` and `/` escaped.
fn segment(value: &str) -> String {
    value.replace('%', "%25").replace('/', "%2F")
}

/// The prefix of the index entries of `field` = `value` in `registry`.
pub fn index_prefix(registry: &str, field: &str, value: &str) -> Vec<u8> {
    format!("index/{registry}/{field}/{}/", segment(value)).into_bytes()
}

/// The index entry of record `key` under `field` = `value`; its value is the record key.
pub fn index_key(registry: &str, field: &str, value: &str, key: &str) -> Vec<u8> {
    let mut k = index_prefix(registry, field, value);
    k.extend_from_slice(key.as_bytes());
    k
}

/// A position and where it stands.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct PositionRecord {
    pub position: govchain_types::Position,
    pub status: govchain_types::PositionStatus,
    /// The height the status took effect, and why.
    pub since: Height,
    pub reason: String,
    pub citation: Option<govchain_types::Citation>,
}

/// Where position `id` is kept.
pub fn position_key(id: &str) -> Vec<u8> {
    format!("position/{id}").into_bytes()
}

pub fn position(state: &dyn State, id: &str) -> Result<Option<PositionRecord>> {
    read(state, &position_key(id))
}

/// The keys of principal `id` that sign at `height`: bound to it and not revoked.
pub fn keys_in_force(
    state: &dyn State,
    id: &PrincipalId,
    height: Height,
) -> Result<Vec<PublicKey>> {
    let Some(record) = principal(state, id)? else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for k in record.keys {
        if let Some(r) = key_record(state, &k)?
            && &r.principal == id
            && r.revoked_from.is_none_or(|from| height < from)
        {
            out.push(k);
        }
    }
    Ok(out)
}

/// Where the ids of the positions a person was ever appointed to are kept, in order.
pub fn holds_key(holder: &PrincipalId) -> Vec<u8> {
    format!("holds/{holder}").into_bytes()
}

/// The ids of every position `holder` was ever appointed to.
pub fn holds(state: &dyn State, holder: &PrincipalId) -> Result<Vec<String>> {
    Ok(read(state, &holds_key(holder))?.unwrap_or_default())
}

/// The positions `holder` holds (active or suspended), as they stand: not those ended, nor
/// offers not yet accepted (an offer makes nobody an official).
pub fn positions_held(state: &dyn State, holder: &PrincipalId) -> Result<Vec<PositionRecord>> {
    use govchain_types::PositionStatus;
    let mut out = Vec::new();
    for id in holds(state, holder)? {
        if let Some(p) = position(state, &id)?
            && matches!(p.status, PositionStatus::Active | PositionStatus::Suspended)
        {
            out.push(p);
        }
    }
    Ok(out)
}

/// Whether `id` is, was or is scheduled to be a member of a law-making body: of a body as
/// genesis constituted it, or as any law enacted so far (in force, ended or pending) constitutes
/// it. A principal named by a pending law is protected before the law takes effect, so no one
/// can bind a key to it in the meantime.
pub fn is_lawmaker(state: &dyn State, id: &PrincipalId) -> Result<bool> {
    let genesis: Vec<PrincipalId> = read(state, BODIES)?.unwrap_or_default();
    for b in genesis {
        if body(state, &b)?.is_some_and(|b| b.members.iter().any(|m| &m.id == id)) {
            return Ok(true);
        }
    }
    for l in law_index(state)?
        .iter()
        .filter(|l| !l.constitutes.is_empty())
    {
        if let Some(law) = self::law(state, &l.id, l.version)?
            && law
                .constitutes
                .iter()
                .any(|b| b.members.iter().any(|m| &m.id == id))
        {
            return Ok(true);
        }
    }
    Ok(false)
}

/// A recorded interpretation: what the body said, when, and who signed it.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct InterpretationRecord {
    pub interpretation: govchain_types::Interpretation,
    pub recorded_at: Height,
    pub signed_by: Vec<PrincipalId>,
}

/// Where the interpretations of law `id` are kept, in the order recorded.
pub fn interpretations_key(id: &PrincipalId) -> Vec<u8> {
    format!("interpretations/{id}").into_bytes()
}

pub fn interpretations(state: &dyn State, id: &PrincipalId) -> Result<Vec<InterpretationRecord>> {
    Ok(read(state, &interpretations_key(id))?.unwrap_or_default())
}

/// Where version `version` of law `id` is kept.
pub fn law_key(id: &PrincipalId, version: u32) -> Vec<u8> {
    format!("law/{id}/{version:010}").into_bytes()
}

/// Where a law-making body is kept.
pub fn body_key(id: &PrincipalId) -> Vec<u8> {
    format!("body/{id}").into_bytes()
}

pub fn law_index(state: &dyn State) -> Result<Vec<LawRef>> {
    Ok(read(state, LAW_INDEX)?.unwrap_or_default())
}

pub fn law(
    state: &dyn State,
    id: &PrincipalId,
    version: u32,
) -> Result<Option<govchain_types::LawPackage>> {
    read(state, &law_key(id, version))
}

/// A body as genesis constituted it.
pub fn body(state: &dyn State, id: &PrincipalId) -> Result<Option<govchain_types::LawBody>> {
    read(state, &body_key(id))
}

/// A body as it stands at `height`: as the latest law in force that constitutes it says, or
/// else as genesis constituted it.
pub fn body_at(
    state: &dyn State,
    id: &PrincipalId,
    height: Height,
) -> Result<Option<govchain_types::LawBody>> {
    let index = law_index(state)?;
    let latest = crate::laws::in_force_at(&index, height)
        .into_iter()
        .filter(|l| l.constitutes.contains(id))
        .max_by(|a, b| {
            (a.effective_from, a.enacted_at, &a.id).cmp(&(b.effective_from, b.enacted_at, &b.id))
        });
    if let Some(l) = latest
        && let Some(law) = self::law(state, &l.id, l.version)?
        && let Some(b) = law.constitutes.into_iter().find(|b| &b.id == id)
    {
        return Ok(Some(b));
    }
    body(state, id)
}

pub fn principal_key(id: &PrincipalId) -> Vec<u8> {
    format!("principal/{id}").into_bytes()
}

pub fn key_key(key: &PublicKey) -> Vec<u8> {
    format!("key/{key}").into_bytes()
}

pub fn nonce_key(key: &PublicKey) -> Vec<u8> {
    format!("nonce/{key}").into_bytes()
}

fn read<T: BorshDeserialize>(state: &dyn State, key: &[u8]) -> Result<Option<T>> {
    match state.get(key)? {
        None => Ok(None),
        Some(bytes) => {
            decode::<T>("state record", &bytes)
                .map(Some)
                .map_err(|e| ExecError::Corrupt {
                    key: String::from_utf8_lossy(key).into_owned(),
                    reason: e.to_string(),
                })
        }
    }
}

pub fn chain_info(state: &dyn State) -> Result<ChainInfo> {
    read(state, CHAIN_INFO)?.ok_or_else(|| ExecError::Corrupt {
        key: "chain/info".into(),
        reason: "missing: the state has no genesis".into(),
    })
}

pub fn validators(state: &dyn State) -> Result<Vec<GenesisValidator>> {
    Ok(read(state, VALIDATORS)?.unwrap_or_default())
}

pub fn principal(state: &dyn State, id: &PrincipalId) -> Result<Option<PrincipalRecord>> {
    read(state, &principal_key(id))
}

pub fn key_record(state: &dyn State, key: &PublicKey) -> Result<Option<KeyRecord>> {
    read(state, &key_key(key))
}

/// The nonce the signer's next transaction must carry.
pub fn next_nonce(state: &dyn State, key: &PublicKey) -> Result<u64> {
    Ok(read(state, &nonce_key(key))?.unwrap_or(0))
}

/// A currency's circulation: what its issuer has issued and not redeemed. Its definition is in
/// the law that creates it.
#[derive(
    Clone, Debug, Default, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize,
)]
pub struct CurrencyRecord {
    pub supply: govchain_types::Amount,
}

pub fn currency_key(code: &str) -> Vec<u8> {
    format!("currency/{code}").into_bytes()
}

pub fn currency(state: &dyn State, code: &str) -> Result<CurrencyRecord> {
    Ok(read(state, &currency_key(code))?.unwrap_or_default())
}

/// An account: one holder's balance in one currency, and the order that froze it, if any. An
/// account nobody has paid into reads as zero.
#[derive(
    Clone, Debug, Default, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize,
)]
pub struct AccountRecord {
    pub balance: govchain_types::Amount,
    pub frozen: Option<govchain_types::FreezeOrder>,
    /// The transaction that last changed the account (zero from genesis). Besides telling
    /// when, it makes the record's hash — which Merkle proofs of neighbouring keys show —
    /// impossible to invert by trying balances.
    pub last_tx: govchain_types::Hash,
}

pub fn account_key(code: &str, holder: &PrincipalId) -> Vec<u8> {
    format!("account/{code}/{holder}").into_bytes()
}

pub fn account(state: &dyn State, code: &str, holder: &PrincipalId) -> Result<AccountRecord> {
    Ok(read(state, &account_key(code, holder))?.unwrap_or_default())
}

/// Where an account's statement lines are kept, outside the state (a node's journal, derived
/// from the blocks): this prefix, then height, transaction index and line, big-endian.
pub fn statement_prefix(code: &str, holder: &PrincipalId) -> Vec<u8> {
    format!("statement/{code}/{holder}/").into_bytes()
}

/// Encodes a record for writing.
pub fn value<T: BorshSerialize>(record: &T) -> Vec<u8> {
    encode(record)
}

/// A JSON view of a state value, for the API and the CLI; `None` when the key is not one of
/// the known record kinds or the value does not decode.
pub fn json_view(key: &[u8], value: &[u8]) -> Option<serde_json::Value> {
    fn view<T: BorshDeserialize + Serialize>(bytes: &[u8]) -> Option<serde_json::Value> {
        decode::<T>("state record", bytes)
            .ok()
            .and_then(|v| serde_json::to_value(v).ok())
    }
    let key = std::str::from_utf8(key).ok()?;
    if key == "chain/info" {
        view::<ChainInfo>(value)
    } else if key == "chain/validators" || key.starts_with("chain/validator-update/") {
        view::<Vec<GenesisValidator>>(value)
    } else if key.starts_with("principal/") {
        view::<PrincipalRecord>(value)
    } else if key.starts_with("key/") {
        view::<KeyRecord>(value)
    } else if key.starts_with("nonce/") {
        view::<u64>(value)
    } else if key == "law/index" {
        view::<Vec<LawRef>>(value)
    } else if key.starts_with("law/") {
        view::<govchain_types::LawPackage>(value)
    } else if key.starts_with("body/") {
        view::<govchain_types::LawBody>(value)
    } else if key.starts_with("record/") {
        view::<RecordVersion>(value)
    } else if key.starts_with("index/") {
        Some(serde_json::Value::String(
            String::from_utf8_lossy(value).into_owned(),
        ))
    } else if key.starts_with("position/") {
        view::<PositionRecord>(value)
    } else if key.starts_with("holds/") {
        view::<Vec<String>>(value)
    } else if key == "chain/bodies" {
        view::<Vec<PrincipalId>>(value)
    } else if key.starts_with("currency/") {
        view::<CurrencyRecord>(value)
    } else if key.starts_with("account/") {
        view::<AccountRecord>(value)
    } else if key.starts_with("interpretations/") {
        view::<Vec<InterpretationRecord>>(value)
    } else {
        None
    }
}
