//! Incomplete proposal streams, bounded against strangers and Byzantine validators.
//!
//! Anyone who can reach a validator's libp2p port can publish on the proposal-parts topic, and
//! Malachite hands every part to the application before any signature can be checked (the
//! signature sits in `Fin`, over every part). So the buffer decides what to keep from what it
//! can see before then — review finding "Critical 2":
//!
//! - **who**: gossipsub signs every message with its publisher's libp2p key (Malachite uses
//!   `MessageAuthenticity::Signed` and `ValidationMode::Strict`), and a govchain validator's
//!   libp2p key *is* its consensus key (`engine::run`). So the publisher of a stream is known to
//!   be a validator, or not, from its peer id alone ([`peer_id_of`]).
//! - **which height and round**: a stream id is the height and round of its proposal
//!   ([`super::stream_id`]), so even a `Data` part arriving before its `Init` names them. Only
//!   the current height and the next are kept; at the current height, only the proposer Malachite
//!   expects for that round (`GovCtx::select_proposer`) may publish a stream for it, and only for
//!   rounds up to [`ROUND_WINDOW`] ahead of the current one. The next height's validator set may
//!   still change in the block being decided, so any validator of the current or best-known next
//!   set may publish for it; such a stream is *held*, complete or not, and judged again by the
//!   rules of its height when that height starts ([`PartsBuffer::set_view`]).
//! - **how much**: a stream may hold at most the parts and bytes of the largest block the chain
//!   allows ([`Limits::for_block_bytes`]); past that it is dropped. All streams together hold at
//!   most [`Limits::max_total_bytes`] and [`Limits::max_streams`]; past that the farthest go
//!   first: the next height before the current one, then rounds other than the current round,
//!   highest first — never the current round's stream in favour of a farther one.

use super::{Assembled, CHUNK, assemble};
use crate::context::{Address, GovCtx, Height, ProposalPart, ValidatorSet};
use malachitebft_app_channel::app::streaming::{StreamContent, StreamMessage};
use malachitebft_core_types::{Context as _, Round};
use malachitebft_sync::PeerId;
use std::collections::{BTreeMap, BTreeSet};

/// Bytes counted for every part besides its `Data` payload: the map entry, the sequence number
/// and the enum; `Init` and `Fin` themselves encode in under 200 bytes.
pub const PART_OVERHEAD: usize = 256;
/// Bytes counted for every stream: its key (peer id and stream id) and its bookkeeping.
pub const STREAM_OVERHEAD: usize = 1024;
/// How many rounds past the current one a stream of the current height may be for. A proposer
/// starts its round a little before its peers; a node further behind than this catches up by
/// Malachite's round skip and meets the next proposal in time.
pub const ROUND_WINDOW: u32 = 3;
/// Full-size streams that fit together in the total byte cap: the current round, the next
/// round, the next height's first round, and one more (a Byzantine proposer's second stream).
pub const STREAMS_IN_TOTAL: usize = 4;
/// Most streams kept at once, whatever their size.
pub const MAX_STREAMS: usize = 64;

/// The caps of a [`PartsBuffer`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Most bytes one stream may hold (payload plus [`PART_OVERHEAD`] per part plus
    /// [`STREAM_OVERHEAD`]).
    pub max_stream_bytes: usize,
    /// Most parts one stream may have, end marker included; every sequence number is below it.
    pub max_stream_parts: u64,
    /// Most bytes all streams together may hold.
    pub max_total_bytes: usize,
    /// Most streams kept at once.
    pub max_streams: usize,
}

impl Limits {
    /// The caps for a chain whose blocks encode in at most `max_block_bytes`
    /// (`ChainParams::max_block_bytes`): the block in [`CHUNK`]-sized `Data` parts, plus `Init`,
    /// `Fin` and the end marker.
    pub fn for_block_bytes(max_block_bytes: u32) -> Self {
        let block = usize::try_from(max_block_bytes).unwrap_or(usize::MAX);
        let parts = block.div_ceil(CHUNK).saturating_add(3);
        let max_stream_bytes = block
            .saturating_add(parts.saturating_mul(PART_OVERHEAD))
            .saturating_add(STREAM_OVERHEAD);
        Self {
            max_stream_bytes,
            max_stream_parts: u64::try_from(parts).unwrap_or(u64::MAX),
            max_total_bytes: max_stream_bytes.saturating_mul(STREAMS_IN_TOTAL),
            max_streams: MAX_STREAMS,
        }
    }
}

/// Where consensus stands, and who may publish: the buffer's only outside knowledge.
#[derive(Clone, Debug)]
pub struct View {
    /// The height being decided.
    pub height: Height,
    /// Its current round.
    pub round: u32,
    /// The validator set deciding `height`.
    pub validators: ValidatorSet,
    /// The set for `height + 1` as far as it is known now, if different.
    pub next_validators: Option<ValidatorSet>,
}

/// Why a part was not kept. Every refusal but the first four also drops the part's stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error("the stream id is not a height and round")]
    BadStreamId,
    #[error("height {0} is neither the current height nor the next")]
    HeightOutOfView(u64),
    #[error("round {0} is beyond the window of the current round")]
    RoundOutOfView(u32),
    #[error("the publisher may not propose at this height and round")]
    NotTheProposer,
    #[error("`Init` names another height, round or proposer than its stream")]
    InitMismatch,
    #[error("the stream has more parts than the largest block needs")]
    TooManyParts,
    #[error("the stream holds more bytes than the largest block needs")]
    StreamTooLarge,
    #[error("the stream is malformed")]
    Malformed,
    #[error("the stream was evicted to keep the buffer under its caps")]
    Evicted,
}

/// What became of a part that was kept.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Accepted {
    /// Its stream is still incomplete.
    Pending,
    /// Its stream was assembled already; this late copy is ignored.
    Done,
    /// Its stream is complete but for the next height; it is released by
    /// [`PartsBuffer::set_view`] when that height starts.
    Held,
    /// Its stream is complete, for the current height and from its expected proposer; the
    /// signature is not yet checked.
    Assembled(Assembled),
}

struct Stream {
    height: u64,
    round: u32,
    parts: BTreeMap<u64, ProposalPart>,
    end: Option<u64>,
    /// Bytes counted against the caps.
    bytes: usize,
}

impl Stream {
    fn complete(&self) -> bool {
        self.end.is_some_and(|end| {
            u64::try_from(self.parts.len()).is_ok_and(|n| n == end)
                && self.parts.keys().copied().eq(0..end)
        })
    }
}

type Key = (PeerId, Vec<u8>);

/// Incomplete proposal streams, and complete ones of the next height, within [`Limits`].
pub struct PartsBuffer {
    limits: Limits,
    view: View,
    /// Peer id → address of every validator of the current set.
    current: BTreeMap<PeerId, Address>,
    /// Peer id → address of every validator that may publish for the next height.
    next: BTreeMap<PeerId, Address>,
    streams: BTreeMap<Key, Stream>,
    /// Streams of the current height already assembled: their late copies (gossip relays) are
    /// ignored rather than starting a stream again. At most one per round in the window.
    done: BTreeSet<Key>,
    // INVARIANT: `total` is the sum of every stream's `bytes`, at most `limits.max_total_bytes`
    // between calls.
    total: usize,
}

/// The libp2p peer id of a validator's Ed25519 key: the identity multihash of the key's protobuf
/// encoding (libp2p specs, `peer-ids/peer-ids.md`, "Peer Ids" and "Keys").
pub fn peer_id_of(key: &crate::context::PublicKey) -> Option<PeerId> {
    // Multihash code 0x00 (identity), length 36; protobuf `PublicKey { Type = Ed25519 (1),
    // Data = 32 bytes }`.
    let mut b = vec![0x00, 0x24, 0x08, 0x01, 0x12, 0x20];
    b.extend_from_slice(key.as_bytes());
    PeerId::from_bytes(&b).ok()
}

fn peers(set: &ValidatorSet) -> BTreeMap<PeerId, Address> {
    set.iter()
        .filter_map(|v| peer_id_of(&v.public_key).map(|p| (p, v.address)))
        .collect()
}

/// The (height, round) a stream id names, as [`super::stream_id`] writes it.
fn parse_stream_id(id: &[u8]) -> Option<(u64, u32)> {
    let (h, r) = id.split_first_chunk::<8>()?;
    let r: [u8; 4] = r.try_into().ok()?;
    Some((u64::from_be_bytes(*h), u32::from_be_bytes(r)))
}

fn part_bytes(content: &StreamContent<ProposalPart>) -> usize {
    match content {
        StreamContent::Data(ProposalPart::Data(d)) => PART_OVERHEAD.saturating_add(d.len()),
        _ => PART_OVERHEAD,
    }
}

impl PartsBuffer {
    pub fn new(limits: Limits, view: View) -> Self {
        let mut b = Self {
            limits,
            current: BTreeMap::new(),
            next: BTreeMap::new(),
            view: view.clone(),
            streams: BTreeMap::new(),
            done: BTreeSet::new(),
            total: 0,
        };
        b.set_view(view);
        b
    }

    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// Bytes held by all streams, as counted against the caps.
    pub fn total_bytes(&self) -> usize {
        self.total
    }

    /// Streams held, complete or not.
    pub fn len(&self) -> usize {
        self.streams.len()
    }

    pub fn is_empty(&self) -> bool {
        self.streams.is_empty()
    }

    /// Whether `publisher` may publish the proposal of `height` and `round`, and under which
    /// address; `Err` says why not.
    pub fn admits(&self, publisher: &PeerId, height: u64, round: u32) -> Result<Address, Refused> {
        let current = self.view.height.0;
        if height == current {
            let address = self
                .current
                .get(publisher)
                .copied()
                .ok_or(Refused::NotTheProposer)?;
            self.admits_proposal(height, round, &address)?;
            Ok(address)
        } else if Some(height) == current.checked_add(1) {
            if round > ROUND_WINDOW {
                return Err(Refused::RoundOutOfView(round));
            }
            self.next
                .get(publisher)
                .copied()
                .ok_or(Refused::NotTheProposer)
        } else {
            Err(Refused::HeightOutOfView(height))
        }
    }

    /// Whether an assembled proposal can be the current height's for its round: the current
    /// height, a round within the window, and `proposer` the one Malachite expects. Checked
    /// before the signature, so nothing else costs a verification.
    pub fn admits_proposal(
        &self,
        height: u64,
        round: u32,
        proposer: &Address,
    ) -> Result<(), Refused> {
        if height != self.view.height.0 {
            return Err(Refused::HeightOutOfView(height));
        }
        if round > self.view.round.saturating_add(ROUND_WINDOW) {
            return Err(Refused::RoundOutOfView(round));
        }
        let expected = GovCtx
            .select_proposer(&self.view.validators, Height(height), Round::new(round))
            .address;
        if *proposer != expected {
            return Err(Refused::NotTheProposer);
        }
        Ok(())
    }

    /// Adds a part published by `publisher` (gossipsub's signed source, else the delivering
    /// peer). A stream that completes is returned if it is for the current height.
    pub fn insert(
        &mut self,
        publisher: PeerId,
        msg: StreamMessage<ProposalPart>,
    ) -> Result<Accepted, Refused> {
        let id = msg.stream_id.to_bytes().to_vec();
        let (height, round) = parse_stream_id(&id).ok_or(Refused::BadStreamId)?;
        let address = self.admits(&publisher, height, round)?;
        if msg.sequence >= self.limits.max_stream_parts {
            self.drop_stream(&(publisher, id));
            return Err(Refused::TooManyParts);
        }
        let key = (publisher, id);
        if self.done.contains(&key) {
            return Ok(Accepted::Done);
        }
        if !self.streams.contains_key(&key) {
            self.streams.insert(
                key.clone(),
                Stream {
                    height,
                    round,
                    parts: BTreeMap::new(),
                    end: None,
                    bytes: STREAM_OVERHEAD,
                },
            );
            self.total = self.total.saturating_add(STREAM_OVERHEAD);
        }
        let max = self.limits.max_stream_bytes;
        let added = match self.streams.get_mut(&key) {
            Some(stream) => add_part(stream, msg.sequence, msg.content, address, max),
            None => Err(Refused::Evicted),
        };
        match added {
            Ok(n) => self.total = self.total.saturating_add(n),
            Err(refused) => {
                self.drop_stream(&key);
                return Err(refused);
            }
        }
        self.evict();
        let Some(stream) = self.streams.get(&key) else {
            return Err(Refused::Evicted);
        };
        if !stream.complete() {
            return Ok(Accepted::Pending);
        }
        if height != self.view.height.0 {
            return Ok(Accepted::Held);
        }
        let Some(stream) = self.take(&key) else {
            return Err(Refused::Evicted);
        };
        self.done.insert(key);
        assemble(stream.parts.into_values().collect())
            .map(Accepted::Assembled)
            .ok_or(Refused::Malformed)
    }

    /// Moves to a new height or round: streams that no longer fit the view are dropped, and the
    /// complete streams of the new current height that pass its rules are returned.
    pub fn set_view(&mut self, view: View) -> Vec<Assembled> {
        self.current = peers(&view.validators);
        self.next = self.current.clone();
        if let Some(next) = &view.next_validators {
            self.next.extend(peers(next));
        }
        if view.height != self.view.height {
            self.done.clear();
        }
        self.view = view;
        let keys: Vec<Key> = self.streams.keys().cloned().collect();
        let mut released = Vec::new();
        for key in keys {
            let Some(s) = self.streams.get(&key) else {
                continue;
            };
            let (height, round, complete) = (s.height, s.round, s.complete());
            let address = match self.admits(&key.0, height, round) {
                Ok(a) => a,
                Err(_) => {
                    self.drop_stream(&key);
                    continue;
                }
            };
            // A held stream names its proposer in `Init`; at the current height that must now
            // be the expected one.
            let proposer_ok = self
                .streams
                .get(&key)
                .and_then(|s| s.parts.get(&0))
                .is_none_or(
                    |p| matches!(p, ProposalPart::Init { proposer, .. } if *proposer == address),
                );
            if !proposer_ok {
                self.drop_stream(&key);
                continue;
            }
            if complete
                && height == self.view.height.0
                && let Some(s) = self.take(&key)
            {
                self.done.insert(key);
                if let Some(a) = assemble(s.parts.into_values().collect()) {
                    released.push(a);
                }
            }
        }
        self.evict();
        released
    }

    /// Removes a stream and its bytes.
    fn take(&mut self, key: &Key) -> Option<Stream> {
        let s = self.streams.remove(key)?;
        self.total = self.total.saturating_sub(s.bytes);
        Some(s)
    }

    fn drop_stream(&mut self, key: &Key) {
        let _ = self.take(key);
    }

    /// How far a stream is from the proposal being decided; the largest goes first.
    fn distance(&self, key: &Key, s: &Stream) -> (u64, bool, u32, Key) {
        let off_round = s.height != self.view.height.0 || s.round != self.view.round;
        (s.height, off_round, s.round, key.clone())
    }

    /// Drops the farthest streams until both caps hold.
    fn evict(&mut self) {
        while self.total > self.limits.max_total_bytes
            || self.streams.len() > self.limits.max_streams
        {
            let farthest = self
                .streams
                .iter()
                .max_by_key(|(k, s)| self.distance(k, s))
                .map(|(k, _)| k.clone());
            match farthest {
                Some(k) => self.drop_stream(&k),
                None => break,
            }
        }
    }
}

/// Adds one part to a stream and returns the bytes it added, or says why the stream must go.
fn add_part(
    stream: &mut Stream,
    sequence: u64,
    content: StreamContent<ProposalPart>,
    publisher: Address,
    max_stream_bytes: usize,
) -> Result<usize, Refused> {
    if stream.end.is_some_and(|end| sequence >= end) {
        return Err(Refused::Malformed);
    }
    let cost = part_bytes(&content);
    match content {
        StreamContent::Fin => {
            // At least `Init` and `Fin` come before the end marker, and nothing after it.
            if sequence < 2
                || stream.end.is_some_and(|end| end != sequence)
                || stream
                    .parts
                    .keys()
                    .next_back()
                    .is_some_and(|&last| last >= sequence)
            {
                return Err(Refused::Malformed);
            }
            if stream.end.is_some() {
                return Ok(0);
            }
            stream.end = Some(sequence);
        }
        StreamContent::Data(part) => {
            // `Init` comes first and names its stream's height, round and publisher; nothing
            // else comes first.
            let fits = match &part {
                ProposalPart::Init {
                    height,
                    round,
                    proposer,
                    ..
                } => {
                    sequence == 0
                        && height.0 == stream.height
                        && *round == stream.round
                        && *proposer == publisher
                }
                ProposalPart::Data(d) => d.len() <= CHUNK && sequence != 0,
                ProposalPart::Fin { .. } => sequence != 0,
            };
            if !fits {
                return Err(match part {
                    ProposalPart::Init { .. } => Refused::InitMismatch,
                    _ => Refused::Malformed,
                });
            }
            if stream.parts.contains_key(&sequence) {
                // A duplicate (a gossip relay, a restream): the first copy stays.
                return Ok(0);
            }
            stream.parts.insert(sequence, part);
        }
    }
    if stream.bytes.saturating_add(cost) > max_stream_bytes {
        return Err(Refused::StreamTooLarge);
    }
    stream.bytes = stream.bytes.saturating_add(cost);
    Ok(cost)
}

#[cfg(test)]
mod tests;
