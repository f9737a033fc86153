//! A network peer that is not a validator (DESIGN.md §6), against four real validator processes:
//! it reaches every validator's own libp2p port, opens connection after connection under fresh
//! identities, writes random bytes to the raw TCP port, and floods the gossip topics with
//! proposal parts (our `GovCodec`, signed by a key that is no validator's) for far heights,
//! endless `Data`, and random bytes. The chain must keep committing, every validator's memory
//! must stay bounded and come back down, and the roots must agree.
//!
//! Why a stranger's connection is closed within milliseconds — unless it speaks every protocol:
//! - Value sync makes Malachite run libp2p-scatter's broadcast protocol `/ax/broadcast/1.0.0`
//!   (`arc-malachitebft-network` 0.8.2 `src/behaviour.rs` lines 324–333). On a peer's first
//!   connection scatter sends it the node's subscriptions (`libp2p-scatter` 0.3.0 `src/lib.rs`
//!   lines 134–143, the `/sync` topic); a peer that does not speak the protocol fails that
//!   stream, and scatter closes the connection (`src/lib.rs` lines 238–244, logged at debug
//!   only). A plain gossipsub peer is therefore cut off at once. This is protocol negotiation,
//!   not access control.
//! - A peer whose Identify `protocol_version` is not Malachite's consensus protocol name is
//!   disconnected (`arc-malachitebft-network` `src/lib.rs` lines 1000 and 1033–1039).
//!
//! A peer that speaks `/ax/broadcast/1.0.0` and advertises the right version is kept (discovery
//! is off, `persistent_peers_only` false, 256 connections per IP), and nothing else asks who it
//! is before it publishes. The churn shows the three cases; the flooder is the third.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    reason = "a test fails loudly"
)]

use futures::{FutureExt, StreamExt};
use govchain_consensus::codec::GovCodec;
use govchain_consensus::context::{Address, BlockId, Height, PrivateKey, ProposalPart};
use govchain_consensus::streaming::{CHUNK, parts_digest, stream_id};
use govchain_testnet::{Testnet, TestnetOptions};
use libp2p::swarm::behaviour::toggle::Toggle;
use libp2p::swarm::{NetworkBehaviour, SwarmEvent};
use libp2p::{Multiaddr, Swarm, SwarmBuilder, gossipsub, identify, identity, noise, tcp, yamux};
use malachitebft_app_channel::app::streaming::{StreamContent, StreamMessage};
use malachitebft_app_channel::app::types::codec::Codec;
use rand::{Rng, RngCore, SeedableRng};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use tokio::io::AsyncWriteExt;

const BIN: &str = env!("CARGO_BIN_EXE_govchain");
/// What Malachite's Identify must hear (`ProtocolNames::default().consensus`).
const CONSENSUS_PROTOCOL: &str = "/malachitebft-core-consensus/v1beta1";
/// What a generic libp2p peer might say instead.
const OTHER_PROTOCOL: &str = "/ipfs/0.1.0";
/// Malachite's gossip topics (`ChannelNames::default()`).
const PARTS_TOPIC: &str = "/proposal_parts";
const CONSENSUS_TOPIC: &str = "/consensus";
const LIVENESS_TOPIC: &str = "/liveness";
/// Value sync's status channel, on libp2p-scatter's broadcast protocol.
const SYNC_TOPIC: &[u8] = b"/sync";
const FLOOD: Duration = Duration::from_secs(20);
const BASELINE: Duration = Duration::from_secs(4);
/// How long after the flood the pace is measured again.
const RECOVER: Duration = Duration::from_secs(5);
/// Longest wait after the flood for every node's memory to come back near its resting size.
const SETTLE: Duration = Duration::from_secs(30);

#[derive(NetworkBehaviour)]
struct Stranger {
    identify: identify::Behaviour,
    gossipsub: gossipsub::Behaviour,
    broadcast: Toggle<libp2p_scatter::Behaviour>,
}

/// How a stranger presents itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Guise {
    /// Malachite's Identify version, gossipsub, but not `/ax/broadcast/1.0.0`: a generic peer.
    NoBroadcast,
    /// Every protocol the validators speak, but another Identify version.
    WrongVersion,
    /// Every protocol and Malachite's Identify version: what a hostile peer would do.
    Fluent,
}

/// A peer with a fresh identity, on the transport the validators use (TCP, Noise, Yamux:
/// `arc-malachitebft-network` `src/lib.rs` lines 420–427).
fn stranger(guise: Guise) -> Swarm<Stranger> {
    let version = if guise == Guise::WrongVersion {
        OTHER_PROTOCOL
    } else {
        CONSENSUS_PROTOCOL
    };
    SwarmBuilder::with_existing_identity(identity::Keypair::generate_ed25519())
        .with_tokio()
        .with_tcp(
            tcp::Config::new().nodelay(true),
            noise::Config::new,
            yamux::Config::default,
        )
        .unwrap()
        .with_behaviour(|key| {
            let config = gossipsub::ConfigBuilder::default()
                .max_transmit_size(4 * 1024 * 1024)
                .validation_mode(gossipsub::ValidationMode::Strict)
                .flood_publish(true)
                .heartbeat_interval(Duration::from_secs(1))
                .build()
                .unwrap();
            Stranger {
                identify: identify::Behaviour::new(identify::Config::new(
                    version.to_string(),
                    key.public(),
                )),
                gossipsub: gossipsub::Behaviour::new(
                    gossipsub::MessageAuthenticity::Signed(key.clone()),
                    config,
                )
                .unwrap(),
                broadcast: Toggle::from(
                    (guise != Guise::NoBroadcast)
                        .then(|| libp2p_scatter::Behaviour::new(Default::default())),
                ),
            }
        })
        .unwrap()
        .with_swarm_config(|c| c.with_idle_connection_timeout(Duration::from_secs(60)))
        .build()
}

fn vm_rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap()
}

fn log_bytes(dir: &std::path::Path, i: usize) -> u64 {
    std::fs::metadata(dir.join(format!("node-{i}/node.log")))
        .map(|m| m.len())
        .unwrap_or(0)
}

/// What the flooding peer did.
#[derive(Default, Debug)]
struct FloodReport {
    /// Messages gossipsub accepted to send, by kind.
    sent: BTreeMap<&'static str, u64>,
    /// Payload bytes of those.
    bytes: u64,
    /// Publications refused locally, by reason (e.g. every peer's queue full).
    refused: BTreeMap<String, u64>,
    established: u64,
    /// Connections the validators closed (the stranger sees an error), with why.
    closed_by_validators: Vec<String>,
    /// Connections the stranger closed itself (libp2p-scatter closes one whose broadcast
    /// stream failed, e.g. reset under load); it dials again.
    closed_by_stranger: u64,
    /// Validators that told the stranger they subscribe to the proposal-parts topic.
    subscribed: usize,
}

/// The proposal parts a hostile peer sends, signed by a key that is no validator's.
struct Parts {
    key: PrivateKey,
    me: Address,
    base: u64,
    n: u64,
    endless_seq: u64,
}

impl Parts {
    fn encode(msg: &StreamMessage<ProposalPart>) -> Vec<u8> {
        GovCodec.encode(msg).unwrap().to_vec()
    }

    /// The next message: a kind name and its bytes.
    fn next(&mut self, rng: &mut impl RngCore) -> (&'static str, Vec<u8>) {
        self.n += 1;
        let n = self.n;
        match n % 6 {
            // A whole signed stream opened at a far height: `Init` then `Fin`.
            0 | 1 => {
                let height = Height(self.base + 1_000 + n);
                let init = ProposalPart::Init {
                    height,
                    round: 0,
                    pol_round: None,
                    proposer: self.me,
                    block_id: BlockId(rand::random()),
                };
                if n.is_multiple_of(6) {
                    let m = StreamMessage::new(stream_id(height, 0), 0, StreamContent::Data(init));
                    ("far-height init", Self::encode(&m))
                } else {
                    let signature = self.key.sign(&parts_digest(&init, &[])).to_bytes();
                    let m = StreamMessage::new(
                        stream_id(height, 0),
                        1,
                        StreamContent::Data(ProposalPart::Fin { signature }),
                    );
                    ("far-height fin", Self::encode(&m))
                }
            }
            // Endless data: one stream per near height and round, whose sequence never ends,
            // at the heights the chain passes through during the flood (current and next).
            2 | 3 => {
                self.endless_seq += 1;
                let height = Height(self.base + (n / 6) % 400);
                let round = u32::try_from(n % 4).unwrap();
                let mut chunk = vec![0u8; if n % 24 == 2 { CHUNK } else { 16 * 1024 }];
                rng.fill_bytes(&mut chunk);
                let m = StreamMessage::new(
                    stream_id(height, round),
                    self.endless_seq,
                    StreamContent::Data(ProposalPart::Data(chunk)),
                );
                ("endless data", Self::encode(&m))
            }
            // Random bytes of random length.
            _ => {
                let mut junk = vec![0u8; rng.gen_range(1..64 * 1024)];
                rng.fill_bytes(&mut junk);
                ("random bytes", junk)
            }
        }
    }
}

/// One stranger connected to every validator, publishing as fast as its queues take it.
async fn flood(addrs: Vec<Multiaddr>, base: u64, stop: Arc<AtomicBool>) -> FloodReport {
    let mut swarm = stranger(Guise::Fluent);
    let topics = [PARTS_TOPIC, CONSENSUS_TOPIC, LIVENESS_TOPIC].map(gossipsub::IdentTopic::new);
    for t in &topics {
        swarm.behaviour_mut().gossipsub.subscribe(t).unwrap();
    }
    for a in &addrs {
        swarm.dial(a.clone()).unwrap();
    }
    let key = PrivateKey::generate(rand::thread_rng());
    let mut parts = Parts {
        me: Address::from_public_key(&key.public_key()),
        key,
        base,
        n: 0,
        endless_seq: 1,
    };
    let mut rng = rand::rngs::StdRng::from_entropy();
    let mut report = FloodReport::default();
    let mut subscribed = std::collections::BTreeSet::new();
    let mut redial = Vec::new();
    let handle = |ev: SwarmEvent<StrangerEvent>,
                  report: &mut FloodReport,
                  subscribed: &mut std::collections::BTreeSet<libp2p::PeerId>,
                  redial: &mut Vec<Multiaddr>| {
        match ev {
            SwarmEvent::ConnectionEstablished { .. } => report.established += 1,
            SwarmEvent::ConnectionClosed {
                cause,
                endpoint,
                num_established,
                ..
            } => {
                // No cause: this side's own close; an error: the validator's, or the socket's.
                match cause {
                    None => report.closed_by_stranger += 1,
                    Some(e) => report.closed_by_validators.push(e.to_string()),
                }
                if num_established == 0 {
                    redial.push(endpoint.get_remote_address().clone());
                }
            }
            SwarmEvent::Behaviour(StrangerEvent::Gossipsub(gossipsub::Event::Subscribed {
                peer_id,
                topic,
            })) if topic == topics[0].hash() => {
                subscribed.insert(peer_id);
            }
            _ => {}
        }
    };
    // Let the connections and the subscriptions settle (Identify, then gossipsub's hello).
    let settle = Instant::now() + Duration::from_secs(2);
    while Instant::now() < settle && subscribed.len() < addrs.len() {
        if let Ok(Some(ev)) = tokio::time::timeout(Duration::from_millis(50), swarm.next()).await {
            handle(ev, &mut report, &mut subscribed, &mut redial);
        }
    }
    report.subscribed = subscribed.len();
    while !stop.load(Ordering::Relaxed) {
        while let Some(Some(ev)) = swarm.next().now_or_never() {
            handle(ev, &mut report, &mut subscribed, &mut redial);
        }
        for a in redial.drain(..) {
            swarm.dial(a).unwrap();
        }
        // Value sync's status channel takes random bytes too, now and then (it has no send
        // queue limit on this side, so not as fast as gossip).
        if parts.n.is_multiple_of(256) {
            let mut junk = vec![0u8; rng.gen_range(1..4 * 1024)];
            rng.fill_bytes(&mut junk);
            report.bytes += junk.len() as u64;
            *report.sent.entry("sync random bytes").or_default() += 1;
            let sync = libp2p_scatter::Topic::new(SYNC_TOPIC);
            if let Some(b) = swarm.behaviour_mut().broadcast.as_mut() {
                b.broadcast(&sync, bytes::Bytes::from(junk));
            }
        }
        let mut full = false;
        for _ in 0..16 {
            let (kind, bytes) = parts.next(&mut rng);
            // Now and then the random bytes go to the other consensus topics too.
            let topic = if kind == "random bytes" && parts.n.is_multiple_of(3) {
                &topics[1 + usize::try_from(parts.n % 2).unwrap()]
            } else {
                &topics[0]
            };
            let len = bytes.len() as u64;
            match swarm
                .behaviour_mut()
                .gossipsub
                .publish(topic.clone(), bytes)
            {
                Ok(_) => {
                    *report.sent.entry(kind).or_default() += 1;
                    report.bytes += len;
                }
                Err(e) => {
                    full |= matches!(e, gossipsub::PublishError::AllQueuesFull(_));
                    let reason = format!("{e:?}");
                    let reason = reason.split('(').next().unwrap_or("").to_string();
                    *report.refused.entry(reason).or_default() += 1;
                }
            }
        }
        if full {
            // Every validator's send queue is full: let the connections drain a moment.
            tokio::time::sleep(Duration::from_millis(1)).await;
        } else {
            tokio::task::yield_now().await;
        }
    }
    while let Some(Some(ev)) = swarm.next().now_or_never() {
        handle(ev, &mut report, &mut subscribed, &mut redial);
    }
    report
}

/// What the connection churn saw, per protocol version advertised.
#[derive(Default, Debug)]
struct ChurnReport {
    attempts: u64,
    established: u64,
    dial_errors: BTreeMap<String, u64>,
    /// Connections the validator closed while the stranger waited, with how long they lived.
    closed_by_validator: u64,
    lifetimes_ms: Vec<f64>,
    /// Connections still open when the stranger stopped waiting and left.
    still_open: u64,
}

const GUISES: [Guise; 3] = [Guise::NoBroadcast, Guise::WrongVersion, Guise::Fluent];

/// Fresh identities, one after another, each dialing every validator, waiting a moment, then
/// leaving; round after round in each of the [`GUISES`].
async fn churn(addrs: Vec<Multiaddr>, stop: Arc<AtomicBool>) -> [ChurnReport; 3] {
    let mut reports = [(); 3].map(|()| ChurnReport::default());
    let mut round = 0usize;
    while !stop.load(Ordering::Relaxed) {
        let guise = round % GUISES.len();
        round += 1;
        let report = &mut reports[guise];
        let mut swarm = stranger(GUISES[guise]);
        for a in &addrs {
            report.attempts += 1;
            swarm.dial(a.clone()).unwrap();
        }
        let mut opened: BTreeMap<libp2p::swarm::ConnectionId, Instant> = BTreeMap::new();
        // A peer the validators keep is given 300 ms; one they close, up to 2 s to be closed.
        let kept = GUISES[guise] == Guise::Fluent;
        let wait = Duration::from_millis(if kept { 300 } else { 2_000 });
        let deadline = tokio::time::Instant::now() + wait;
        let mut resolved = 0;
        while let Ok(Some(ev)) = tokio::time::timeout_at(deadline, swarm.next()).await {
            match ev {
                SwarmEvent::ConnectionEstablished { connection_id, .. } => {
                    resolved += 1;
                    report.established += 1;
                    opened.insert(connection_id, Instant::now());
                }
                SwarmEvent::ConnectionClosed { connection_id, .. } => {
                    if let Some(t) = opened.remove(&connection_id) {
                        report.closed_by_validator += 1;
                        report.lifetimes_ms.push(t.elapsed().as_secs_f64() * 1e3);
                    }
                }
                SwarmEvent::OutgoingConnectionError { error, .. } => {
                    resolved += 1;
                    let e = format!("{error}");
                    *report.dial_errors.entry(e).or_default() += 1;
                }
                _ => {}
            }
            if !kept && resolved == addrs.len() && opened.is_empty() {
                break;
            }
        }
        report.still_open += opened.len() as u64;
    }
    reports
}

/// Raw TCP: connect, write random bytes until the validator hangs up (or 256 KiB), repeat.
async fn raw_bytes(ports: Vec<u16>, stop: Arc<AtomicBool>) -> (u64, u64) {
    let (mut connections, mut bytes) = (0u64, 0u64);
    let mut junk = vec![0u8; 16 * 1024];
    while !stop.load(Ordering::Relaxed) {
        for p in &ports {
            let Ok(Ok(mut s)) = tokio::time::timeout(
                Duration::from_millis(200),
                tokio::net::TcpStream::connect(("127.0.0.1", *p)),
            )
            .await
            else {
                continue;
            };
            connections += 1;
            for _ in 0..16 {
                rand::thread_rng().fill_bytes(&mut junk);
                match tokio::time::timeout(Duration::from_millis(50), s.write_all(&junk)).await {
                    Ok(Ok(())) => bytes += junk.len() as u64,
                    _ => break,
                }
            }
        }
    }
    (connections, bytes)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn n4_stranger_floods_the_p2p_port() {
    let dir = tempfile::tempdir().unwrap();
    let mut net = Testnet::create(
        dir.path(),
        TestnetOptions {
            binary: BIN.into(),
            validators: 4,
            block_time_ms: 100,
            bench_signers: 0,
            bench_parents: 0,
        },
    )
    .await
    .unwrap();
    net.start_all().await.unwrap();
    let check = |net: &Testnet, r: Result<u64, govchain_testnet::NetError>| match r {
        Ok(v) => v,
        Err(e) => panic!("{e}\n{}", net.log_tails(40)),
    };
    check(
        &net,
        net.wait_height(5, Duration::from_secs(60))
            .await
            .map(|()| 0),
    );
    let n = net.len();
    let pids: Vec<u32> = (0..n).map(|i| net.pid(i).unwrap()).collect();
    let addrs: Vec<Multiaddr> = (0..n)
        .map(|i| net.p2p_addr(i).unwrap().parse().unwrap())
        .collect();
    let ports: Vec<u16> = addrs
        .iter()
        .map(|a| {
            a.iter()
                .find_map(|p| match p {
                    libp2p::multiaddr::Protocol::Tcp(port) => Some(port),
                    _ => None,
                })
                .unwrap()
        })
        .collect();
    let low = |hs: &[(usize, u64)]| hs.iter().map(|(_, h)| *h).min().unwrap();
    // The pace without a stranger, for comparison.
    let calm_start = net.heights().await;
    tokio::time::sleep(BASELINE).await;
    let rss_before: Vec<u64> = pids.iter().map(|p| vm_rss_kib(*p)).collect();
    let logs_before: Vec<u64> = (0..n).map(|i| log_bytes(dir.path(), i)).collect();
    let heights_before = net.heights().await;
    let base = heights_before.iter().map(|(_, h)| *h).max().unwrap();
    let calm_rate = (low(&heights_before) - low(&calm_start)) as f64 / BASELINE.as_secs_f64();

    let stop = Arc::new(AtomicBool::new(false));
    let flooder = tokio::spawn(flood(addrs.clone(), base, stop.clone()));
    let churner = tokio::spawn(churn(addrs.clone(), stop.clone()));
    let raw = tokio::spawn(raw_bytes(ports, stop.clone()));
    let started = Instant::now();
    let mut rss_peak = rss_before.clone();
    let mut timeline = Vec::new();
    let mut tick = 0;
    while started.elapsed() < FLOOD {
        tokio::time::sleep(Duration::from_millis(250)).await;
        tick += 1;
        for (i, p) in pids.iter().enumerate() {
            rss_peak[i] = rss_peak[i].max(vm_rss_kib(*p));
        }
        if tick % 8 == 0 {
            let rss: Vec<u64> = pids.iter().map(|p| vm_rss_kib(*p) / 1024).collect();
            let h = low(&net.heights().await);
            timeline.push(format!(
                "{:.0}s h{h} {rss:?}",
                started.elapsed().as_secs_f64()
            ));
        }
    }
    let heights_during = net.heights().await;
    stop.store(true, Ordering::Relaxed);
    let flood = flooder.await.unwrap();
    let churned = churner.await.unwrap();
    let (raw_connections, raw_bytes) = raw.await.unwrap();
    // Calm again: a node that fell behind works off its backlog, then holds only what it kept.
    let calm = Instant::now();
    tokio::time::sleep(RECOVER).await;
    let heights_after = net.heights().await;
    // A node that fell furthest behind may still be working off its backlog at RECOVER: the
    // chain going on is asserted on every node within SETTLE (the pace above is printed).
    let mut heights_later = heights_after.clone();
    while low(&heights_later) < low(&heights_during) + 5 && calm.elapsed() < SETTLE {
        tokio::time::sleep(Duration::from_millis(500)).await;
        heights_later = net.heights().await;
    }
    let caught_up = calm.elapsed();
    let settled = |rss: &[u64]| (0..n).all(|i| rss[i] < rss_before[i] + 64 * 1024);
    let mut rss_after: Vec<u64> = pids.iter().map(|p| vm_rss_kib(*p)).collect();
    while !settled(&rss_after) && calm.elapsed() < SETTLE {
        tokio::time::sleep(Duration::from_millis(500)).await;
        rss_after = pids.iter().map(|p| vm_rss_kib(*p)).collect();
    }
    let settle_time = calm.elapsed();
    let logs_after: Vec<u64> = (0..n).map(|i| log_bytes(dir.path(), i)).collect();

    eprintln!("flood of {FLOOD:?} by a stranger (fresh libp2p identity, not a validator)");
    eprintln!(
        "  gossip: {} validators subscribed it to {PARTS_TOPIC}; sent {:?}, {} MiB; refused locally {:?}",
        flood.subscribed,
        flood.sent,
        flood.bytes / (1024 * 1024),
        flood.refused
    );
    eprintln!(
        "  flooding connections: {} established, {} closed by validators {:?}, {} closed by the stranger itself (then dialed again)",
        flood.established,
        flood.closed_by_validators.len(),
        flood.closed_by_validators,
        flood.closed_by_stranger
    );
    for (guise, r) in GUISES.iter().zip(&churned) {
        let mut l = r.lifetimes_ms.clone();
        l.sort_by(f64::total_cmp);
        eprintln!(
            "  churn as {guise:?}: {} dials, {} established, {} closed by the validator \
             (lifetime ms min {:.2} median {:.2} max {:.2}), {} still open when it left, dial errors {:?}",
            r.attempts,
            r.established,
            r.closed_by_validator,
            l.first().copied().unwrap_or(f64::NAN),
            l.get(l.len() / 2).copied().unwrap_or(f64::NAN),
            l.last().copied().unwrap_or(f64::NAN),
            r.still_open,
            r.dial_errors
        );
    }
    eprintln!(
        "  raw TCP: {raw_connections} connections, {} MiB of random bytes",
        raw_bytes / (1024 * 1024)
    );
    let flood_rate = (low(&heights_during) - low(&heights_before)) as f64 / FLOOD.as_secs_f64();
    let after_rate = (low(&heights_after) - low(&heights_during)) as f64 / RECOVER.as_secs_f64();
    eprintln!(
        "  heights before {heights_before:?}, at the end {heights_during:?}, {RECOVER:?} later \
         {heights_after:?}: {calm_rate:.1} blocks/s before, {flood_rate:.1} under the flood, \
         {after_rate:.1} after"
    );
    eprintln!("  every 2 s of the flood: lowest height, VmRSS MiB per node: {timeline:?}");
    for i in 0..n {
        eprintln!(
            "  node {i}: VmRSS before {} MiB, peak {} MiB, {settle_time:.1?} after {} MiB; log +{} KiB",
            rss_before[i] / 1024,
            rss_peak[i] / 1024,
            rss_after[i] / 1024,
            (logs_after[i] - logs_before[i]) / 1024
        );
    }

    // The stranger was let in and heard, so the flood reached the validators' gossip.
    assert_eq!(flood.subscribed, n, "not every validator took the stranger");
    assert!(flood.sent.values().sum::<u64>() > 1_000, "{flood:?}");
    // A peer without the broadcast protocol, or with another Identify version, is closed at
    // once; one that speaks both is kept, so the flood above reached the validators' gossip.
    let [no_broadcast, wrong_version, fluent] = &churned;
    // (The last connections of a churn may still be open when it stops: under load a close
    // takes hundreds of milliseconds.)
    for r in [no_broadcast, wrong_version] {
        assert!(
            r.closed_by_validator > 0 && r.closed_by_validator * 10 >= r.established * 9,
            "{r:?}"
        );
    }
    assert!(
        fluent.established > 0 && fluent.closed_by_validator == 0,
        "{fluent:?}"
    );
    assert!(
        flood.closed_by_validators.is_empty(),
        "a validator cut the flooder off: {flood:?}"
    );
    // The chain kept committing during the flood, and is back to its pace after it.
    assert_eq!(heights_during.len(), n, "a node stopped answering");
    assert!(
        low(&heights_during) >= base + 5,
        "the chain stalled under the flood: {heights_before:?} -> {heights_during:?}\n{}",
        net.log_tails(20)
    );
    // Its pace is printed above; a timed test asserts progress, not a speed (the pace belongs
    // to benchmarks and varies with what else the machine runs).
    eprintln!("  every node 5 blocks past the flood's end after {caught_up:.1?}");
    assert!(
        low(&heights_later) >= low(&heights_during) + 5,
        "the chain did not go on after the flood: {heights_during:?} -> {heights_after:?} \
         after {RECOVER:?}, {heights_later:?} after {caught_up:.1?} \
         ({calm_rate:.1} -> {after_rate:.1} blocks/s)"
    );
    // Memory stayed bounded. Under the flood a validator holds what is in flight: gossipsub's
    // message cache (five 1-s heartbeats of everything received, the stranger's messages
    // included: about 50 MiB at the 8-12 MiB/s a validator takes in here), its per-peer send
    // queues relaying them, the engine's actor mailboxes (unbounded: a node that falls behind
    // grows a backlog, up to ~7 MiB/s on this 2-core machine when it is also building), and at
    // most four streams of the largest block (4 x 8 MiB) in the parts buffer. For a 20-s flood,
    // the resting size plus 384 MiB covers these with room for a loaded machine (peaks of
    // 136-257 MiB were seen, the highest while a build ran). Once the flood is over nothing of it may
    // stay: a node that kept what a stranger sent (100-250 MiB per run) would stay far above
    // its resting size, so back within 64 MiB of it once the backlog is worked off.
    for i in 0..n {
        let bound = rss_before[i] + 384 * 1024;
        assert!(
            rss_peak[i] < bound,
            "node {i}: VmRSS peaked at {} KiB, bound {bound} KiB (before {} KiB)",
            rss_peak[i],
            rss_before[i]
        );
    }
    assert!(
        settled(&rss_after),
        "VmRSS {rss_after:?} KiB {SETTLE:?} after the flood, {rss_before:?} KiB before it"
    );
    check(&net, net.catch_up(Duration::from_secs(30)).await);
    check(&net, net.assert_roots_agree().await);
    net.stop_all().await.unwrap();
}
