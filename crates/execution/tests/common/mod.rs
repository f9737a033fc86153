//! A small chain for execution tests: genesis with an authority, keys from seeds.

#![allow(dead_code, reason = "each test file uses part of the fixture")]

use govchain_crypto::{SecretKey, VerifiedTx, sign_tx, verify_tx};
use govchain_types::*;

pub const CHAIN: &str = "test-chain";

/// The compiled laws, shared by the tests of a file.
pub static LAWS: std::sync::LazyLock<govchain_execution::Laws> =
    std::sync::LazyLock::new(|| govchain_execution::Laws::new().unwrap());

pub fn key(name: &str) -> SecretKey {
    SecretKey::from_seed(Scheme::Ed25519, name.as_bytes())
}

pub fn id(s: &str) -> PrincipalId {
    PrincipalId::new(s).unwrap()
}

/// `civil-affairs` is an authority; `hospital` is a plain department.
pub fn genesis() -> Genesis {
    // The bodies of DEMO.md: legislature (3 of 5), council-110000 (2 of 3), the civil affairs
    // board (off-zhao); each member a registered person holding its key.
    let bodies = govchain_demo::bodies(|member| key(member).public_key());
    let mut g = Genesis {
        chain_id: CHAIN.into(),
        scheme: Scheme::Ed25519,
        genesis_time_ms: 1_000,
        params: ChainParams::default(),
        validators: vec![GenesisValidator {
            name: id("civil-affairs"),
            key: key("validator").public_key(),
            power: 1,
        }],
        accounts: vec![
            GenesisAccount {
                id: id("civil-affairs"),
                kind: PrincipalKind::Department,
                authority: true,
                keys: vec![key("civil-affairs").public_key()],
            },
            GenesisAccount {
                id: id("legislature"),
                kind: PrincipalKind::Legislature,
                authority: true,
                keys: vec![key("legislature").public_key()],
            },
            GenesisAccount {
                id: id("hospital"),
                kind: PrincipalKind::Department,
                authority: false,
                keys: vec![key("hospital").public_key()],
            },
        ],
        bodies: bodies.clone(),
        laws: vec![govchain_law::bootstrap::constitution()],
        records: vec![],
        positions: vec![],
        balances: vec![],
        snapshots: vec![],
        services: vec![],
    };
    govchain_demo::add_members(&mut g.accounts, &bodies);
    g
}

pub fn tx(signer: &SecretKey, nonce: u64, valid_until: u64, payload: Payload) -> VerifiedTx {
    let body = TxBody {
        chain_id: CHAIN.into(),
        signer: signer.public_key(),
        nonce,
        valid_until,
        acting_as: None,
        payload,
    };
    verify_tx(Scheme::Ed25519, sign_tx(Scheme::Ed25519, signer, body)).unwrap()
}

/// `signer` submits `payload` in the legislature's name, signed by `members` (their keys
/// `key(member)`) over this very transaction.
pub fn by_legislature(
    signer: &SecretKey,
    nonce: u64,
    valid_until: u64,
    payload: Payload,
    members: &[&str],
) -> VerifiedTx {
    let body = TxBody {
        chain_id: CHAIN.into(),
        signer: signer.public_key(),
        nonce,
        valid_until,
        acting_as: None,
        payload,
    };
    let keys: Vec<(PrincipalId, SecretKey)> = members.iter().map(|m| (id(m), key(m))).collect();
    let keys: Vec<_> = keys.iter().map(|(m, k)| (m.clone(), k)).collect();
    let body = govchain_crypto::sign_as_body(body, id("legislature"), &keys);
    verify_tx(Scheme::Ed25519, sign_tx(Scheme::Ed25519, signer, body)).unwrap()
}

pub fn register(principal: &str, kind: PrincipalKind, new: &SecretKey) -> Payload {
    Payload::RegisterKey {
        principal: id(principal),
        kind,
        key: new.public_key(),
    }
}

pub fn revoke(principal: &str, k: &SecretKey) -> Payload {
    Payload::RevokeKey {
        principal: id(principal),
        key: k.public_key(),
    }
}

pub fn header(height: u64) -> Header {
    Header {
        chain_id: CHAIN.into(),
        height,
        round: 0,
        // 2026-12-01T00:00:00Z, then a block a second.
        time_ms: 1_796_083_200_000 + height * 1000,
        parent_hash: Hash::ZERO,
        tx_root: Hash::ZERO,
        state_root: Hash::ZERO,
        proposer: key("validator").public_key(),
        validator_set_hash: Hash::ZERO,
    }
}

/// The latest state of a store, as blocks are applied to it.
pub struct Latest<'a>(pub &'a govchain_store::Store);

impl govchain_execution::State for Latest<'_> {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, govchain_execution::StateError> {
        self.0
            .get(key, None)
            .map(|v| v.map(|v| v.value))
            .map_err(|e| govchain_execution::StateError(e.to_string()))
    }

    fn scan_prefix(
        &self,
        prefix: &[u8],
        most: usize,
    ) -> Result<Option<govchain_execution::Scanned>, govchain_execution::StateError> {
        self.0
            .reader(None)
            .and_then(|r| r.scan_prefix(prefix, most))
            .map_err(|e| govchain_execution::StateError(e.to_string()))
    }
}

/// The demo government's genesis, every principal keyed by its seed.
pub fn demo_genesis() -> Genesis {
    govchain_demo::genesis::document(CHAIN, key("validator").public_key(), |id| {
        key(id).public_key()
    })
}
