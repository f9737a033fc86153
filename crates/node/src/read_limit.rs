//! How often one reader may make signed reads: a token bucket per reader principal, in memory.
//!
//! Each signed read the laws decide is a durable write of the read log on the store's one writer,
//! which commits share. The limit is checked once the signature verifies and the reader is known
//! (so nobody can spend another reader's allowance) and before the laws are asked or anything is
//! written, so a flood of validly signed reads by one reader costs signature checks, not store
//! writes. The map of readers is bounded: past its cap the reader seen least recently is
//! forgotten (and starts again with a full bucket), so a flood of distinct readers cannot grow it.
//! One more bucket is shared by all readers of a class, so many readers together (or readers
//! forgotten and refilled) cannot write the log faster than the node allows either: people and
//! organisations share one, departments and officials another, so a crowd of citizens cannot
//! keep auditors and officials out.

use govchain_types::PrincipalId;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How often one reader may read, and how many readers are remembered: the defaults, and what
/// `[api.reads]` of the node's configuration sets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReadLimits {
    /// Reads one reader may make at once, after a quiet spell.
    pub burst: u32,
    /// Reads one reader may make each second, steadily (at least 1).
    pub per_second: u32,
    /// Most readers remembered at once.
    pub readers: usize,
    /// Reads all readers of a class together (people and organisations; departments and
    /// officials) may make at once.
    pub all_burst: u32,
    /// Reads all readers of a class together may make each second, steadily (at least 1).
    pub all_per_second: u32,
}

impl Default for ReadLimits {
    /// A clerk working through a queue reads a few records a second; a burst of 30 covers a
    /// page of results. 10,000 readers take about 2 MB. All readers together: 200 log writes a
    /// second, a small share of what the store commits.
    fn default() -> Self {
        Self {
            burst: 30,
            per_second: 10,
            readers: 10_000,
            all_burst: 500,
            all_per_second: 200,
        }
    }
}

/// Thousandths of a read: buckets fill by whole milliseconds without fractions.
const MILLI: u64 = 1_000;

/// Which shared allowance a reader draws on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ReaderClass {
    /// People and organisations, in their own name.
    Public,
    /// Departments, and officials acting in a position.
    Office,
}

/// Whose allowance ran out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Limited {
    /// The reader's own.
    Reader,
    /// All readers' together.
    All,
}

struct Bucket {
    /// Thousandths of a read left.
    milli: u64,
    /// When `milli` was last filled up to.
    at: Instant,
    /// This reader's place in [`Inner::order`].
    seq: u64,
}

impl Bucket {
    /// Fills the bucket for the whole milliseconds since it was last filled, up to `cap`; the
    /// rest of a millisecond stays for the next call.
    fn refill(&mut self, now: Instant, rate: u64, cap: u64) {
        let ms =
            u64::try_from(now.saturating_duration_since(self.at).as_millis()).unwrap_or(u64::MAX);
        self.milli = self.milli.saturating_add(ms.saturating_mul(rate)).min(cap);
        self.at = if self.milli == cap {
            now
        } else {
            self.at
                .checked_add(Duration::from_millis(ms))
                .unwrap_or(now)
        };
    }

    /// Whether a read is there: `Err` with the time until one is if there is none.
    fn wait(&self, rate: u64) -> Result<(), Duration> {
        if self.milli >= MILLI {
            Ok(())
        } else {
            // `rate` thousandths a millisecond: the missing ones take this long.
            let missing = MILLI.saturating_sub(self.milli);
            Err(Duration::from_millis(missing.div_ceil(rate)))
        }
    }
}

struct Inner {
    /// The buckets all readers of a class share: public, office.
    all: [Bucket; 2],
    buckets: HashMap<PrincipalId, Bucket>,
    /// Readers by when they were last seen (a sequence number), oldest first: who to forget.
    order: BTreeMap<u64, PrincipalId>,
    next: u64,
}

/// The per-reader rate limit of signed reads.
pub(crate) struct ReadLimiter {
    limits: ReadLimits,
    inner: Mutex<Inner>,
}

impl ReadLimiter {
    pub(crate) fn new(limits: ReadLimits) -> Self {
        Self {
            limits,
            inner: Mutex::new(Inner {
                all: [0, 1].map(|_| Bucket {
                    milli: u64::from(limits.all_burst.max(1)).saturating_mul(MILLI),
                    at: Instant::now(),
                    seq: 0,
                }),
                buckets: HashMap::new(),
                order: BTreeMap::new(),
                next: 0,
            }),
        }
    }

    pub(crate) fn limits(&self) -> ReadLimits {
        self.limits
    }

    /// Takes one read from `reader`'s allowance, then from all readers' at `now`: `Err` with
    /// which ran out and the time until the next read is allowed if there is none left.
    pub(crate) fn take(
        &self,
        reader: &PrincipalId,
        class: ReaderClass,
        now: Instant,
    ) -> Result<(), (Limited, Duration)> {
        let rate = u64::from(self.limits.per_second.max(1));
        let cap = u64::from(self.limits.burst.max(1)).saturating_mul(MILLI);
        let mut inner = self
            .inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let Inner {
            all,
            buckets,
            order,
            next,
        } = &mut *inner;
        let [public, office] = all;
        let all = match class {
            ReaderClass::Public => public,
            ReaderClass::Office => office,
        };
        let seq = *next;
        *next = next.saturating_add(1);
        let bucket = match buckets.get_mut(reader) {
            Some(b) => {
                order.remove(&b.seq);
                b.refill(now, rate, cap);
                b.seq = seq;
                b
            }
            None => {
                while buckets.len() >= self.limits.readers.max(1) {
                    match order.pop_first() {
                        Some((_, oldest)) => {
                            buckets.remove(&oldest);
                        }
                        None => break,
                    }
                }
                buckets.entry(reader.clone()).or_insert(Bucket {
                    milli: cap,
                    at: now,
                    seq,
                })
            }
        };
        order.insert(seq, reader.clone());
        let all_rate = u64::from(self.limits.all_per_second.max(1));
        all.refill(
            now,
            all_rate,
            u64::from(self.limits.all_burst.max(1)).saturating_mul(MILLI),
        );
        // Both have a read, or neither is spent: a reader refused for the node's allowance
        // keeps its own.
        bucket.wait(rate).map_err(|w| (Limited::Reader, w))?;
        all.wait(all_rate).map_err(|w| (Limited::All, w))?;
        bucket.milli = bucket.milli.saturating_sub(MILLI);
        all.milli = all.milli.saturating_sub(MILLI);
        Ok(())
    }

    /// How many readers are remembered.
    #[cfg(test)]
    fn remembered(&self) -> usize {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .buckets
            .len()
    }
}

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    clippy::arithmetic_side_effects,
    reason = "a test fails loudly"
)]
mod tests {
    use super::*;

    fn id(n: &str) -> PrincipalId {
        PrincipalId::new(n).unwrap()
    }

    /// (what, reader, milliseconds since the start, allowed, else the wait in ms).
    #[test]
    fn a_reader_gets_a_burst_then_a_steady_rate() {
        let limiter = ReadLimiter::new(ReadLimits {
            burst: 3,
            per_second: 2,
            readers: 10,
            all_burst: 1_000,
            all_per_second: 1_000,
        });
        let t0 = Instant::now();
        let steps: &[(&str, &str, u64, Result<(), u64>)] = &[
            ("first of the burst", "a", 0, Ok(())),
            ("second", "a", 0, Ok(())),
            ("third", "a", 0, Ok(())),
            (
                "the burst is spent: half a second to wait",
                "a",
                0,
                Err(500),
            ),
            ("another reader has its own burst", "b", 0, Ok(())),
            ("100 ms refill a fifth of a read", "a", 100, Err(400)),
            ("after 500 ms, one read", "a", 500, Ok(())),
            ("and not two", "a", 500, Err(500)),
            (
                "a long quiet spell refills the burst, no more",
                "a",
                60_000,
                Ok(()),
            ),
            ("second after the quiet spell", "a", 60_000, Ok(())),
            ("third after the quiet spell", "a", 60_000, Ok(())),
            ("the refilled burst is spent", "a", 60_000, Err(500)),
        ];
        for (what, who, at, want) in steps {
            let got = limiter
                .take(
                    &id(who),
                    ReaderClass::Public,
                    t0 + Duration::from_millis(*at),
                )
                .map_err(|(whose, d)| {
                    assert_eq!(whose, Limited::Reader, "{what}");
                    u64::try_from(d.as_millis()).unwrap()
                });
            assert_eq!(got, *want, "{what}");
        }
    }

    #[test]
    fn a_flood_of_distinct_readers_is_bounded_and_forgets_the_oldest_first() {
        let limiter = ReadLimiter::new(ReadLimits {
            burst: 1,
            per_second: 1,
            readers: 100,
            all_burst: 100_000,
            all_per_second: 1,
        });
        let t0 = Instant::now();
        assert!(limiter.take(&id("early"), ReaderClass::Public, t0).is_ok());
        assert!(limiter.take(&id("early"), ReaderClass::Public, t0).is_err());
        for i in 0..10_000 {
            let _ = limiter.take(&id(&format!("r{i}")), ReaderClass::Public, t0);
            assert!(limiter.remembered() <= 100);
        }
        assert_eq!(limiter.remembered(), 100);
        // The reader seen least recently was forgotten: it starts again with a full bucket.
        assert!(limiter.take(&id("early"), ReaderClass::Public, t0).is_ok());
        // The one seen most recently was kept, its burst spent.
        assert!(limiter.take(&id("r9999"), ReaderClass::Public, t0).is_err());
    }

    /// Many readers, each within its own allowance, together meet the node's: past the shared
    /// burst they wait for the shared rate, whoever they are.
    #[test]
    fn many_readers_together_are_held_to_the_nodes_rate() {
        let limiter = ReadLimiter::new(ReadLimits {
            burst: 5,
            per_second: 5,
            readers: 10_000,
            all_burst: 50,
            all_per_second: 20,
        });
        let t0 = Instant::now();
        let mut served = 0;
        for i in 0..1_000 {
            match limiter.take(&id(&format!("r{i}")), ReaderClass::Public, t0) {
                Ok(()) => served += 1,
                Err((whose, wait)) => {
                    assert_eq!(whose, Limited::All);
                    assert_eq!(wait, Duration::from_millis(50));
                }
            }
        }
        assert_eq!(served, 50, "the shared burst");
        // A second later, 20 more, whoever asks.
        let t1 = t0 + Duration::from_secs(1);
        let later = (0..100)
            .filter(|i| {
                limiter
                    .take(&id(&format!("s{i}")), ReaderClass::Public, t1)
                    .is_ok()
            })
            .count();
        assert_eq!(later, 20);
        // Officials and departments draw on a bucket of their own: the crowd above left it
        // whole.
        let office = (0..100)
            .filter(|i| {
                limiter
                    .take(&id(&format!("o{i}")), ReaderClass::Office, t1)
                    .is_ok()
            })
            .count();
        assert_eq!(office, 50, "the officials' shared burst");
    }
}
