//! The demo chain in memory, for tests that run real transactions through `apply_block`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::arithmetic_side_effects,
    dead_code,
    reason = "a test fails loudly; each test binary uses part of the harness"
)]

use govchain_crypto::{SecretKey, sign_tx, verify_tx};
use govchain_execution::{Laws, MemState, apply_block, genesis_writes};
use govchain_types::*;
use std::collections::BTreeMap;

const CHAIN: &str = "demo-test";

pub fn key(name: &str) -> SecretKey {
    SecretKey::from_seed(Scheme::Ed25519, name.as_bytes())
}

pub fn genesis() -> Genesis {
    govchain_demo::genesis::document(CHAIN, key("validator").public_key(), |id| {
        key(id).public_key()
    })
}

pub fn header(height: u64) -> Header {
    Header {
        chain_id: CHAIN.into(),
        height,
        round: 0,
        // 2026-12-01T00:00:00Z, then a block a second: the date services' scripts see.
        time_ms: 1_796_083_200_000 + height * 1000,
        parent_hash: Hash::ZERO,
        tx_root: Hash::ZERO,
        state_root: Hash::ZERO,
        proposer: key("validator").public_key(),
        validator_set_hash: Hash::ZERO,
    }
}

/// The demo chain in memory: one transaction per block, nonces tracked per signer.
pub struct Chain {
    pub state: MemState,
    pub laws: Laws,
    pub height: u64,
    pub nonces: BTreeMap<String, u64>,
    /// The node's journal (account statements), as the blocks wrote it.
    pub journal: BTreeMap<Vec<u8>, Vec<u8>>,
}

impl Chain {
    pub fn new() -> Self {
        Self::from_genesis(&genesis())
    }

    pub fn from_genesis(g: &Genesis) -> Self {
        let mut state = MemState::default();
        state.apply(&genesis_writes(g).unwrap());
        Self {
            state,
            laws: Laws::new().unwrap(),
            height: 0,
            nonces: BTreeMap::new(),
            journal: BTreeMap::new(),
        }
    }

    /// `who` signs `payload`, acting in `position` if given, in the next block.
    pub fn run(&mut self, who: &str, position: Option<&str>, payload: Payload) -> Receipt {
        let acting = position.map(|p| Acting::Position(p.to_string()));
        self.run_acting(who, acting, payload)
    }

    /// `who` signs `payload`, acting as `acting`, in the next block.
    pub fn run_acting(&mut self, who: &str, acting: Option<Acting>, payload: Payload) -> Receipt {
        let body = self.next_body(who, acting, payload);
        self.height += 1;
        let nonce = self.nonces.entry(who.to_string()).or_default();
        let vtx = verify_tx(Scheme::Ed25519, sign_tx(Scheme::Ed25519, &key(who), body)).unwrap();
        let out = apply_block(&self.state, &header(self.height), &[vtx], &self.laws).unwrap();
        self.state.apply(&out.writes);
        self.journal.extend(out.journal);
        let r = out.receipts[0].clone();
        if r.status != TxStatus::Rejected {
            *nonce += 1;
        }
        r
    }
}

impl Chain {
    /// A block of no transactions (what happens at a block's start happens).
    pub fn empty_block(&mut self) {
        self.height += 1;
        let out = apply_block(&self.state, &header(self.height), &[], &self.laws).unwrap();
        self.state.apply(&out.writes);
        self.journal.extend(out.journal);
    }

    /// The transaction `who` would sign next: in the next block, with its next nonce.
    pub fn next_body(&self, who: &str, acting: Option<Acting>, payload: Payload) -> TxBody {
        TxBody {
            chain_id: CHAIN.into(),
            signer: key(who).public_key(),
            nonce: self.nonces.get(who).copied().unwrap_or_default(),
            valid_until: self.height + 11,
            acting_as: acting,
            payload,
        }
    }

    /// Acting in the name of `body`, signed by `members` (their demo keys, `member-<id>`) over
    /// the transaction `who` signs next with `payload` (`TxBody::member_signing_bytes`).
    pub fn by_members(&self, who: &str, body: &str, members: &[&str], payload: &Payload) -> Acting {
        let keys: Vec<(PrincipalId, SecretKey)> = members
            .iter()
            .map(|m| (PrincipalId::new(*m).unwrap(), key(&format!("member-{m}"))))
            .collect();
        let keys: Vec<_> = keys.iter().map(|(m, k)| (m.clone(), k)).collect();
        let tx = self.next_body(who, None, payload.clone());
        govchain_crypto::sign_as_body(tx, PrincipalId::new(body).unwrap(), &keys)
            .acting_as
            .unwrap()
    }

    /// The legislature enacts `law` (three of its five members sign) in the next block.
    pub fn enact(&mut self, law: LawPackage) -> Receipt {
        self.run(
            "legislature",
            None,
            enact(&law, &["leg-1", "leg-2", "leg-3"]),
        )
    }
}

/// The members' signatures (their demo keys, `member-<id>`) over `msg`.
pub fn member_signatures(msg: &[u8], members: &[&str]) -> Vec<MemberSignature> {
    members
        .iter()
        .map(|m| MemberSignature {
            member: PrincipalId::new(*m).unwrap(),
            signature: govchain_crypto::Signer::sign(&key(&format!("member-{m}")), msg),
        })
        .collect()
}

/// `EnactLaw` of `law`, signed by `members` for this chain.
pub fn enact(law: &LawPackage, members: &[&str]) -> Payload {
    let msg = govchain_law::bill_signing_bytes(CHAIN, Scheme::Ed25519, law);
    Payload::EnactLaw {
        law: law.clone(),
        signatures: member_signatures(&msg, members),
    }
}

/// Runs one transaction and checks its outcome — allowed or refused with `code`, citing
/// `citation` (`law/article`, empty when no article decided); a refused one must change nothing
/// but the signer's nonce, and money stays conserved either way.
pub fn expect(
    chain: &mut Chain,
    what: &str,
    who: &str,
    acting: Option<Acting>,
    payload: Payload,
    (ok, code, citation): (bool, &str, &str),
) -> Receipt {
    let before = chain.state.clone();
    let r = chain.run_acting(who, acting, payload);
    assert_eq!(
        r.status == TxStatus::Ok,
        ok,
        "{what}: {:?} {:?}",
        r.code,
        r.error
    );
    if !ok {
        assert_eq!(r.code.as_deref(), Some(code), "{what}: {:?}", r.error);
        let changed = changed_besides_nonces(&before, &chain.state);
        assert!(
            changed.is_empty(),
            "{what}: a refused transaction changed {changed:?}"
        );
    }
    assert_eq!(cited(&r), citation, "{what}: {:?}", r.error);
    for (code, (supply, sum)) in govchain_execution::finance::totals(&chain.state).unwrap() {
        assert_eq!(supply, sum, "{what}: {code} is not conserved");
    }
    r
}

/// The article that decided, as `law/article`.
pub fn cited(r: &Receipt) -> String {
    r.decided_by
        .as_ref()
        .map(|c| format!("{}/{}", c.law, c.article))
        .unwrap_or_default()
}

/// A public registry `name` of civil affairs with one required text field `holder`: what the
/// tests of enactment define, redefine and repeal.
pub fn registry_def(name: &str) -> RegistryDef {
    RegistryDef {
        name: name.into(),
        title: name.into(),
        department: PrincipalId::new("civil-affairs").unwrap(),
        sensitivity: Sensitivity::Public,
        fields: vec![FieldDef {
            name: "holder".into(),
            ty: FieldType::Text { max_len: 64 },
            required: true,
        }],
        indexes: vec![],
        region_field: None,
        subject_field: None,
        principals: None,
        jurisdiction_field: None,
        parent_field: None,
        representative_field: None,
    }
}

/// The keys `after` holds differently from `before` (a value changed, added or removed), but
/// the signers' nonces.
pub fn changed_besides_nonces(before: &MemState, after: &MemState) -> Vec<String> {
    let keys: std::collections::BTreeSet<&Vec<u8>> =
        before.0.keys().chain(after.0.keys()).collect();
    keys.into_iter()
        .filter(|k| before.0.get(*k) != after.0.get(*k) && !k.starts_with(b"nonce/"))
        .map(|k| String::from_utf8_lossy(k).into_owned())
        .collect()
}
