//! The genesis state.

use crate::State;
use crate::schema::{self, ChainInfo, KeyRecord, PrincipalRecord};
use govchain_types::{Genesis, PrincipalKind, Write, WriteSet};
use std::collections::{BTreeMap, BTreeSet, HashSet};

/// Why a genesis document cannot start a chain.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("invalid genesis: {0}")]
pub struct GenesisError(pub String);

/// Checks a genesis document: ids unique, keys of the chain's scheme and never shared,
/// validators with Ed25519 consensus keys and positive power.
pub fn validate_genesis(g: &Genesis) -> Result<(), GenesisError> {
    let err = |m: String| Err(GenesisError(m));
    if g.chain_id.is_empty() || g.chain_id.len() > 64 {
        return err("the chain id must be 1 to 64 characters".into());
    }
    crate::validators::validate_validators(&g.validators).map_err(GenesisError)?;
    let mut ids = BTreeSet::new();
    let mut keys = BTreeSet::new();
    for a in &g.accounts {
        if !ids.insert(&a.id) {
            return err(format!("account `{}` appears twice", a.id));
        }
        for k in &a.keys {
            if k.scheme() != g.scheme {
                return err(format!(
                    "key `{k}` of `{}` is not a {} key, the chain's scheme",
                    a.id, g.scheme
                ));
            }
            if !keys.insert(k) {
                return err(format!("key `{k}` is bound to more than one account"));
            }
        }
    }
    if !g
        .laws
        .iter()
        .any(|l| l.level == govchain_types::Level::Constitution)
    {
        return err("the genesis must hold a constitution among its laws".into());
    }
    let mut law_ids = BTreeSet::new();
    for l in &g.laws {
        govchain_law::check_shape(l).map_err(|e| GenesisError(e.to_string()))?;
        if !law_ids.insert((&l.id, l.version)) {
            return err(format!(
                "law `{}` version {} appears twice",
                l.id, l.version
            ));
        }
    }
    let laws = crate::Laws::new().map_err(|e| GenesisError(e.to_string()))?;
    let compiled = laws.compile_all(&g.laws).map_err(GenesisError)?;
    let mut services = BTreeSet::new();
    for s in &g.services {
        let at = |m: String| GenesisError(format!("service `{}`: {m}", s.name));
        if !services.insert(&s.name) {
            return Err(at("appears twice".into()));
        }
        if s.version != 1 {
            return Err(at("a service deployed at genesis is version 1".into()));
        }
        crate::services::check_definition(
            s,
            &compiled.statutes,
            &compiled.registries,
            laws.runtime(),
        )
        .map_err(at)?;
        if !g
            .accounts
            .iter()
            .any(|a| a.id == s.department && a.kind == PrincipalKind::Department)
        {
            return Err(at(format!("`{}` is not a department", s.department)));
        }
    }
    let mut bodies = BTreeSet::new();
    for b in &g.bodies {
        if !bodies.insert(&b.id) {
            return err(format!("body `{}` appears twice", b.id));
        }
        govchain_law::check_body(b).map_err(|e| GenesisError(e.to_string()))?;
        if let Some(m) = b.members.iter().find(|m| m.key.scheme() != g.scheme) {
            return err(format!(
                "member `{}` of body `{}` does not have a {} key, the chain's scheme",
                m.id, b.id, g.scheme
            ));
        }
        // Members sign with keys of the key registry, so that revoking a key reaches them.
        if let Some(m) = b.members.iter().find(|m| {
            !g.accounts
                .iter()
                .any(|a| a.id == m.id && a.kind == PrincipalKind::Person && a.keys.contains(&m.key))
        }) {
            return err(format!(
                "member `{}` of body `{}` must be a person among the accounts, holding the member's key",
                m.id, b.id
            ));
        }
    }
    if !g.accounts.iter().any(|a| a.authority && !a.keys.is_empty()) {
        return err("at least one authority with a key is needed to register anyone else".into());
    }
    Ok(())
}

/// The writes that make the state at height 0 of a genesis without snapshot files (one with
/// them is loaded by [`genesis_state`] and a [`GenesisRecords`] going through the files).
pub fn genesis_writes(g: &Genesis) -> Result<WriteSet, GenesisError> {
    if !g.snapshots.is_empty() {
        return Err(GenesisError(
            "this genesis has snapshot files, which are loaded from its directory".into(),
        ));
    }
    genesis_state(g).map(|(writes, _)| writes)
}

/// The writes of the genesis document, and the loader that goes on with its snapshot files
/// (knowing the records the document loaded).
pub fn genesis_state(g: &Genesis) -> Result<(WriteSet, GenesisRecords), GenesisError> {
    validate_genesis(g)?;
    let mut writes = WriteSet::new();
    let mut put = |key: Vec<u8>, value: Vec<u8>| {
        writes.insert(
            key,
            Write {
                value: Some(value),
                tx_index: None,
            },
        );
    };
    put(
        schema::CHAIN_INFO.to_vec(),
        schema::value(&ChainInfo {
            chain_id: g.chain_id.clone(),
            scheme: g.scheme,
            genesis_time_ms: g.genesis_time_ms,
            params: g.params.clone(),
        }),
    );
    put(schema::VALIDATORS.to_vec(), schema::value(&g.validators));
    put(
        schema::LAW_INDEX.to_vec(),
        schema::value(&g.laws.iter().map(schema::LawRef::of).collect::<Vec<_>>()),
    );
    for l in &g.laws {
        put(schema::law_key(&l.id, l.version), schema::value(l));
    }
    for b in &g.bodies {
        put(schema::body_key(&b.id), schema::value(b));
    }
    put(
        schema::BODIES.to_vec(),
        schema::value(&g.bodies.iter().map(|b| b.id.clone()).collect::<Vec<_>>()),
    );
    for a in &g.accounts {
        put(
            schema::principal_key(&a.id),
            schema::value(&PrincipalRecord {
                kind: a.kind,
                authority: a.authority,
                keys: a.keys.clone(),
                created_at: 0,
            }),
        );
        for k in &a.keys {
            put(
                schema::key_key(k),
                schema::value(&KeyRecord {
                    principal: a.id.clone(),
                    added_at: 0,
                    revoked_from: None,
                }),
            );
        }
    }
    for s in &g.services {
        put(
            schema::service_key(&s.name, s.version),
            schema::value(&govchain_types::ServiceRecord {
                def: s.clone(),
                deployed_at: 0,
                deployed_by: s.department.clone(),
                citation: None,
            }),
        );
        put(
            schema::service_latest_key(&s.name),
            schema::value(&s.version),
        );
        for r in &s.on_insert {
            put(
                schema::service_trigger_key(r, &s.name),
                s.name.as_str().as_bytes().to_vec(),
            );
        }
    }
    let records = load_registries(g, &mut writes)?;
    load_balances(g, &mut writes)?;
    Ok((writes, records))
}

/// The balances issued with the chain: in currencies the genesis laws define, to principals
/// that exist, within the supply limit; the supply is their sum.
fn load_balances(g: &Genesis, writes: &mut WriteSet) -> Result<(), GenesisError> {
    let currencies = crate::laws::currencies_of(&g.laws).map_err(GenesisError)?;
    let mut supply: std::collections::BTreeMap<&str, govchain_types::Amount> = Default::default();
    let mut seen = std::collections::BTreeSet::new();
    let holders: std::collections::BTreeSet<_> = g.accounts.iter().map(|a| &a.id).collect();
    for (i, b) in g.balances.iter().enumerate() {
        let at = |m: String| {
            GenesisError(format!(
                "genesis balance {i} (`{}` in {}): {m}",
                b.holder, b.currency
            ))
        };
        let Some(c) = currencies.get(&b.currency) else {
            return Err(at("no genesis law defines that currency".into()));
        };
        if !holders.contains(&b.holder) {
            return Err(at("the holder is not a genesis account".into()));
        }
        if b.amount.0 <= 0 {
            return Err(at("the amount must be more than zero".into()));
        }
        if !seen.insert((&b.currency, &b.holder)) {
            return Err(at("the account appears twice".into()));
        }
        let total = supply.entry(b.currency.as_str()).or_default();
        *total = total
            .checked_add(b.amount)
            .ok_or_else(|| at("the supply overflows".into()))?;
        if let Some(max) = c.def.max_supply
            && *total > max
        {
            return Err(at(format!("the supply exceeds the law's limit of {max}")));
        }
        writes.insert(
            schema::account_key(&b.currency, &b.holder),
            Write {
                value: Some(schema::value(&schema::AccountRecord {
                    balance: b.amount,
                    frozen: None,
                    last_tx: govchain_types::Hash::ZERO,
                })),
                tx_index: None,
            },
        );
    }
    for (code, total) in supply {
        writes.insert(
            schema::currency_key(code),
            Write {
                value: Some(schema::value(&schema::CurrencyRecord { supply: total })),
                tx_index: None,
            },
        );
    }
    Ok(())
}

/// The initial load: every genesis record checked against its registry's definition (and its
/// references against what is loaded before it), every position against its holder and
/// department.
fn load_registries(g: &Genesis, writes: &mut WriteSet) -> Result<GenesisRecords, GenesisError> {
    let fail = |m: String| GenesisError(m);
    let mut records = GenesisRecords::new(&g.laws)?;
    for (i, r) in g.records.iter().enumerate() {
        let mut one = WriteSet::new();
        records
            .add(
                &Overlay(&[&*writes]),
                &r.registry,
                &r.key,
                &r.fields,
                &mut one,
            )
            .map_err(|m| {
                fail(format!(
                    "genesis record {i} (`{}` in `{}`): {m}",
                    r.key, r.registry
                ))
            })?;
        writes.extend(one);
    }
    let mut ids = BTreeSet::new();
    let mut holds: BTreeMap<&govchain_types::PrincipalId, Vec<String>> = BTreeMap::new();
    for p in &g.positions {
        let at = |m: String| fail(format!("genesis position `{}`: {m}", p.id));
        if !ids.insert(&p.id) || !crate::registry::key_ok(&p.id) {
            return Err(at("a unique id of letters, digits, `-`, `_` and `.`".into()));
        }
        let kind_of = |id: &govchain_types::PrincipalId| {
            g.accounts.iter().find(|a| &a.id == id).map(|a| a.kind)
        };
        if kind_of(&p.holder) != Some(govchain_types::PrincipalKind::Person) {
            return Err(at(format!(
                "`{}` is not a person among the accounts",
                p.holder
            )));
        }
        if kind_of(&p.department) != Some(govchain_types::PrincipalKind::Department) {
            return Err(at(format!(
                "`{}` is not a department among the accounts",
                p.department
            )));
        }
        writes.insert(
            schema::position_key(&p.id),
            Write {
                value: Some(schema::value(&schema::PositionRecord {
                    position: p.clone(),
                    status: govchain_types::PositionStatus::Active,
                    since: 0,
                    reason: "genesis".into(),
                    citation: None,
                })),
                tx_index: None,
            },
        );
        holds.entry(&p.holder).or_default().push(p.id.clone());
    }
    for (holder, positions) in holds {
        writes.insert(
            schema::holds_key(holder),
            Write {
                value: Some(schema::value(&positions)),
                tx_index: None,
            },
        );
    }
    Ok(records)
}

/// Turns genesis records into state writes, each checked as the first load must be: a registry
/// some genesis law defines, a record key (a principal id in a registry of principals), a key not
/// loaded before, fields that fit the definition, references to what is loaded before it.
pub struct GenesisRecords {
    registries: crate::laws::Registries,
    genesis: govchain_types::PrincipalId,
    /// Every record loaded, by the hash of its state key: a record key seen twice is refused
    /// wherever the two are (in the document, in one snapshot file or in two).
    seen: HashSet<[u8; 32]>,
}

impl GenesisRecords {
    /// A loader for the registries `laws` define.
    pub fn new(laws: &[govchain_types::LawPackage]) -> Result<Self, GenesisError> {
        Ok(Self {
            registries: crate::laws::registries_of(laws).map_err(GenesisError)?,
            genesis: govchain_types::PrincipalId::new("genesis")
                .map_err(|e| GenesisError(e.to_string()))?,
            seen: HashSet::new(),
        })
    }

    /// Whether a genesis law defines `registry`.
    pub fn defines(&self, registry: &str) -> bool {
        self.registries.contains_key(registry)
    }

    /// Checks one record and puts its writes — the record's version and its index entries —
    /// into `out`; nothing is added on an error. References are checked against `state` (the
    /// document's principals and records) and every record this loader loaded before.
    pub fn add(
        &mut self,
        state: &dyn State,
        registry: &str,
        key: &str,
        fields: &govchain_types::Fields,
        out: &mut WriteSet,
    ) -> Result<(), String> {
        let Some(reg) = self.registries.get(registry) else {
            return Err("no genesis law defines that registry".into());
        };
        if !crate::registry::key_ok(key)
            || (reg.def.principals.is_some() && govchain_types::PrincipalId::new(key).is_err())
        {
            return Err("not a record key".into());
        }
        let record_key = schema::record_key(registry, key);
        let short = seen_hash(&record_key);
        if self.seen.contains(&short) {
            return Err("the key appears twice".into());
        }
        let loaded = Loaded {
            base: state,
            seen: &self.seen,
        };
        let fields = crate::registry::check_fields(&loaded, &reg.def, None, fields)
            .map_err(|e| e.to_string())??;
        let version = schema::RecordVersion {
            fields,
            status: govchain_types::RecordStatus::Active,
            law: reg.law.clone(),
            law_version: reg.version,
            written: govchain_types::WrittenBy {
                height: 0,
                tx: govchain_types::Hash::ZERO,
                signer: self.genesis.clone(),
                position: None,
                organisation: None,
                service: None,
            },
            citation: None,
        };
        let put = |value: Vec<u8>| Write {
            value: Some(value),
            tx_index: None,
        };
        for k in crate::registry::index_keys(&reg.def, key, &version.fields) {
            out.insert(k, put(key.as_bytes().to_vec()));
        }
        out.insert(record_key, put(schema::value(&version)));
        self.seen.insert(short);
        Ok(())
    }
}

/// The hash a loaded record's state key is remembered by: SHA-256, which no one can make two
/// keys share.
fn seen_hash(key: &[u8]) -> [u8; 32] {
    govchain_crypto::hash(govchain_types::Scheme::Ed25519, key).0
}

/// What a genesis record's references are checked against: `base`, and every record loaded
/// before it, which a load from snapshot files keeps only as [`seen_hash`]es.
struct Loaded<'a> {
    base: &'a dyn State,
    seen: &'a HashSet<[u8; 32]>,
}

impl State for Loaded<'_> {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, crate::StateError> {
        self.base.get(key)
    }

    fn contains(&self, key: &[u8]) -> Result<bool, crate::StateError> {
        Ok(self.seen.contains(&seen_hash(key)) || self.base.contains(key)?)
    }
}

/// A state seen through write sets not yet committed, the newest first, over nothing else.
pub struct Overlay<'a>(pub &'a [&'a WriteSet]);

impl State for Overlay<'_> {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, crate::StateError> {
        Ok(self
            .0
            .iter()
            .find_map(|layer| layer.get(key))
            .and_then(|w| w.value.clone()))
    }
}
