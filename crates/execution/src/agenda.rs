//! The block agenda: what falls due at the start of a height — a case's reminder or deadline, a
//! schedule's next period — kept per height under a bound, so the work at each block start is
//! bounded whatever was asked of it.
//!
//! An entry asked for height `h` lands at the first height from `h` on with room for it (fewer
//! than [`MAX_PER_BLOCK`] entries of its list), so what does not fit carries over to the next
//! block, in the order it was put. Each height keeps a count of its entries, and each requested
//! height a pointer past the heights found full from it, so putting an entry reads a few counts
//! rather than walking full heights. Entries are only ever added before their height and taken
//! at its start, so every node reads the same counts whatever it has pruned.

use crate::error::{ExecError, Result};
use crate::overlay::TxOverlay;
use crate::state::State;
use govchain_types::{Hash, Height};

/// Most entries of one list due at the start of one block.
pub const MAX_PER_BLOCK: usize = 256;

/// The lists on the agenda.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum List {
    /// A case's statutory deadline.
    CaseDue,
    /// A reminder to a case's officials.
    CaseReminder,
    /// A schedule's next period.
    Schedule,
    /// A record inserted in a registry a service watches (`ServiceDef::on_insert`).
    Trigger,
}

impl List {
    fn name(self) -> &'static str {
        match self {
            List::CaseDue => "case-due",
            List::CaseReminder => "case-remind",
            List::Schedule => "schedule-due",
            List::Trigger => "trigger-due",
        }
    }
}

/// The entries of `list` at `height`: this prefix, then the id.
pub fn prefix(list: List, height: Height) -> Vec<u8> {
    format!("{}/{height:020}/", list.name()).into_bytes()
}

fn count_key(list: List, height: Height) -> Vec<u8> {
    format!("agenda-count/{}/{height:020}", list.name()).into_bytes()
}

fn skip_key(list: List, height: Height) -> Vec<u8> {
    format!("agenda-skip/{}/{height:020}", list.name()).into_bytes()
}

fn number(state: &dyn State, key: &[u8]) -> Result<Option<u64>> {
    state
        .get(key)?
        .map(|v| {
            <[u8; 8]>::try_from(v.as_slice())
                .map(u64::from_be_bytes)
                .map_err(|_| ExecError::Corrupt {
                    key: String::from_utf8_lossy(key).into_owned(),
                    reason: "an agenda number is not 8 bytes".into(),
                })
        })
        .transpose()
}

/// Puts `id` on `list` at the first height from `from` with room, and says which.
pub(crate) fn put(tx: &mut TxOverlay<'_>, list: List, from: Height, id: &Hash) -> Result<Height> {
    let mut at = number(tx, &skip_key(list, from))?.unwrap_or(from).max(from);
    let mut count = number(tx, &count_key(list, at))?.unwrap_or(0);
    // Each full height passed follows its own pointer past the heights found full from it
    // before, and is pointed past them too: a backlog is crossed in a few reads, whatever
    // height it is entered from.
    let mut passed = Vec::new();
    while count >= MAX_PER_BLOCK as u64 {
        passed.push(at);
        at = number(tx, &skip_key(list, at))?
            .unwrap_or(at)
            .max(at.saturating_add(1));
        count = number(tx, &count_key(list, at))?.unwrap_or(0);
    }
    for h in passed.into_iter().filter(|h| *h != from) {
        tx.put(skip_key(list, h), at.to_be_bytes().to_vec());
    }
    tx.put(
        count_key(list, at),
        count.saturating_add(1).to_be_bytes().to_vec(),
    );
    let mut key = prefix(list, at);
    key.extend_from_slice(id.to_string().as_bytes());
    tx.put(key, id.0.to_vec());
    if at != from {
        tx.put(skip_key(list, from), at.to_be_bytes().to_vec());
    }
    Ok(at)
}

/// Takes the entries of `list` at `height` off the agenda: their ids, in key order.
pub(crate) fn take(tx: &mut TxOverlay<'_>, list: List, height: Height) -> Result<Vec<Hash>> {
    let at = prefix(list, height);
    let entries = tx
        .scan_prefix(&at, MAX_PER_BLOCK)?
        .ok_or_else(|| ExecError::Corrupt {
            key: String::from_utf8_lossy(&at).into_owned(),
            reason: format!("more than {MAX_PER_BLOCK} entries at one height"),
        })?;
    // Only what is there is removed: a block with nothing due writes nothing.
    for key in [count_key(list, height), skip_key(list, height)] {
        if tx.contains(&key)? {
            tx.delete(key);
        }
    }
    let mut ids = Vec::with_capacity(entries.len());
    for (key, id) in entries {
        tx.delete(key);
        if let Ok(id) = <[u8; 32]>::try_from(id.as_slice()) {
            ids.push(Hash(id));
        }
    }
    Ok(ids)
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        clippy::indexing_slicing,
        reason = "a test fails loudly"
    )]

    use super::*;
    use crate::state::MemState;

    fn id(n: u32) -> Hash {
        let mut h = [0u8; 32];
        h[..4].copy_from_slice(&n.to_be_bytes());
        Hash(h)
    }

    /// Applies an overlay's writes to `state`.
    fn commit(state: &mut MemState, writes: std::collections::BTreeMap<Vec<u8>, Option<Vec<u8>>>) {
        for (k, v) in writes {
            match v {
                Some(v) => state.0.insert(k, v),
                None => state.0.remove(&k),
            };
        }
    }

    #[test]
    fn what_does_not_fit_a_height_carries_over_in_order_and_each_entry_is_taken_once() {
        let mut state = MemState::default();
        // 600 entries asked for height 10 (in three blocks), then 10 for height 11.
        let mut landed = Vec::new();
        for chunk in 0..3u32 {
            let mut tx = TxOverlay::new(&state);
            for n in chunk * 200..(chunk + 1) * 200 {
                landed.push(put(&mut tx, List::Schedule, 10, &id(n)).unwrap());
            }
            let writes = tx.writes;
            commit(&mut state, writes);
        }
        let mut tx = TxOverlay::new(&state);
        for n in 600..610 {
            landed.push(put(&mut tx, List::Schedule, 11, &id(n)).unwrap());
        }
        let writes = tx.writes;
        commit(&mut state, writes);
        let at = |h: u64| landed.iter().filter(|l| **l == h).count();
        assert_eq!((at(10), at(11), at(12), at(13)), (256, 256, 98, 0));
        // The first 256 asked land at 10, the next at 11: the order they were put.
        assert!(landed[..256].iter().all(|l| *l == 10));
        assert_eq!(landed[256], 11);
        // Another list is not crowded by this one.
        let mut tx = TxOverlay::new(&state);
        assert_eq!(put(&mut tx, List::CaseDue, 10, &id(1)).unwrap(), 10);
        // Taken at each height's start, once, in key order; nothing is left behind.
        let mut taken = Vec::new();
        for h in 10..=13 {
            let mut tx = TxOverlay::new(&state);
            let ids = take(&mut tx, List::Schedule, h).unwrap();
            assert!(ids.windows(2).all(|w| w[0].to_string() < w[1].to_string()));
            assert!(ids.len() <= MAX_PER_BLOCK);
            taken.extend(ids);
            let writes = tx.writes;
            commit(&mut state, writes);
        }
        taken.sort_by_key(|h| h.0);
        assert_eq!(taken, (0..610).map(id).collect::<Vec<_>>());
        assert!(
            state
                .0
                .keys()
                .all(|k| !k.starts_with(b"schedule-due") && !k.starts_with(b"agenda-")),
            "{:?}",
            state
                .0
                .keys()
                .map(|k| String::from_utf8_lossy(k))
                .collect::<Vec<_>>()
        );
        // A height with nothing due writes nothing.
        let mut tx = TxOverlay::new(&state);
        assert!(take(&mut tx, List::Schedule, 14).unwrap().is_empty());
        assert!(tx.writes.is_empty());
    }
}
