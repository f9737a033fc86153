//! kill -9 in the middle of commits: the test re-runs its own binary as a child that commits in
//! a loop, SIGKILLs it, reopens the store and checks it.

use crate::common::*;
use govchain_store::Store;
use govchain_types::{Height, Scheme, Write, WriteSet};
use std::io::{BufRead, BufReader, Write as _};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Set in the child: the directory of the store it commits to.
const CHILD_DIR: &str = "GOVCHAIN_STORE_KILL9_DIR";
const SCHEME: Scheme = Scheme::Sm2;
const SLOTS: u64 = 20;

/// Height `h` writes `count` = h, `slot-{h % 20}` = h, and 200 filler keys so a commit takes
/// long enough to be killed in the middle.
fn writes_of(h: Height) -> WriteSet {
    let mut ws = WriteSet::new();
    let put = |ws: &mut WriteSet, k: String, v: String| {
        let w = Write {
            value: Some(v.into_bytes()),
            tx_index: None,
        };
        ws.insert(k.into_bytes(), w);
    };
    put(&mut ws, "count".into(), h.to_string());
    put(&mut ws, format!("slot-{}", h % SLOTS), h.to_string());
    for i in 0..200 {
        put(&mut ws, format!("fill-{h}-{i}"), "f".repeat(64));
    }
    ws
}

fn store_path(dir: &Path) -> std::path::PathBuf {
    dir.join("store.redb")
}

/// The child's side: commit forever (bounded, in case the parent is gone), printing each height.
#[test]
fn child_commit_loop() {
    let Ok(dir) = std::env::var(CHILD_DIR) else {
        return; // Only meaningful as the child of the kill test.
    };
    let store = Store::open(&store_path(Path::new(&dir)), SCHEME).unwrap();
    let start = store.latest_height().unwrap().map_or(0, |l| l + 1);
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut out = std::io::stdout();
    for h in start..start + 100_000 {
        if Instant::now() > deadline {
            break;
        }
        writeln!(out, "begin {h}").unwrap();
        out.flush().unwrap();
        commit(&store, h, &writes_of(h)).unwrap();
        writeln!(out, "committed {h}").unwrap();
        out.flush().unwrap();
    }
}

/// Kills the child if the test fails before it does.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Everything at the latest height agrees with what the child committed.
fn assert_consistent(store: &Store) -> Height {
    let latest = store
        .latest_height()
        .unwrap()
        .expect("genesis was reported committed");
    let root = store.root(latest).unwrap();
    let count = store.get(b"count", None).unwrap().unwrap();
    assert_eq!(
        (count.value, count.height),
        (latest.to_string().into_bytes(), latest)
    );
    for slot in 0..SLOTS {
        let key = format!("slot-{slot}");
        let last_write = (0..=latest).rev().find(|h| h % SLOTS == slot);
        let got = store.get(key.as_bytes(), None).unwrap().map(|v| v.value);
        assert_eq!(got, last_write.map(|h| h.to_string().into_bytes()), "{key}");
    }
    let filler = format!("fill-{latest}-199");
    assert!(store.get(filler.as_bytes(), None).unwrap().is_some());
    let p = store.proof(b"count", latest).unwrap();
    assert_eq!(p.value, Some(latest.to_string().into_bytes()));
    p.verify(&root).unwrap();
    if latest > 0 {
        assert_eq!(store.block(latest).unwrap().unwrap().header.height, latest);
        assert_ne!(root, store.root(latest - 1).unwrap());
    }
    latest
}

/// A line of the child's output: `begin h` or `committed h`. libtest may print its own text
/// before ours on the first line, so the marker is looked for anywhere in the line.
fn parse(line: &str) -> Option<(bool, Height)> {
    if let Some((_, h)) = line.split_once("committed ") {
        return Some((true, h.trim().parse().unwrap()));
    }
    let (_, h) = line.split_once("begin ")?;
    Some((false, h.trim().parse().unwrap()))
}

#[test]
fn kill_9_mid_commit_loses_no_reported_height() {
    let dir = tempfile::tempdir().unwrap();
    let exe = std::env::current_exe().unwrap();
    let mut mid_commit_kills = 0;
    for round in 0..6u64 {
        let mut child = KillOnDrop(
            Command::new(&exe)
                .args([
                    "kill9::child_commit_loop",
                    "--exact",
                    "--nocapture",
                    "--test-threads=1",
                ])
                .env(CHILD_DIR, dir.path())
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .unwrap(),
        );
        let mut lines = BufReader::new(child.0.stdout.take().unwrap()).lines();
        let wanted = 2 + round;
        let mut reported = None;
        let mut seen = 0;
        for line in lines.by_ref() {
            if let Some((true, h)) = parse(&line.unwrap()) {
                reported = Some(h);
                seen += 1;
                if seen == wanted {
                    break;
                }
            }
        }
        let reported = reported.expect("the child reported no commit");
        assert_eq!(seen, wanted, "the child stopped early in round {round}");
        // The child is already in its next commit; vary where the kill lands in it.
        std::thread::sleep(Duration::from_micros(round * 2_000));
        child.0.kill().unwrap(); // SIGKILL
        child.0.wait().unwrap();
        // What the child printed before it died is still in the pipe.
        let mut last = (true, reported);
        for line in lines {
            if let Some(event) = parse(&line.unwrap()) {
                last = event;
            }
        }
        let (finished, last_height) = last;
        let last_committed = if finished {
            last_height
        } else {
            last_height - 1
        };
        if !finished {
            mid_commit_kills += 1;
        }

        let store = Store::open(&store_path(dir.path()), SCHEME).unwrap();
        let latest = assert_consistent(&store);
        assert!(
            latest >= reported,
            "reported {reported} but the store is at {latest}"
        );
        // Every commit that returned is there; the one in flight is wholly there or absent.
        assert!(
            latest == last_committed || (!finished && latest == last_height),
            "the child committed {last_committed} (last event {last:?}), the store is at {latest}"
        );
        eprintln!("round {round}: reported {reported}, last event {last:?}, recovered at {latest}");
    }
    eprintln!("kill -9: {mid_commit_kills} of 6 kills landed inside a commit");
    // Most kills land inside a commit (a commit is most of the child's loop).
    assert!(
        mid_commit_kills >= 1,
        "no kill landed in the middle of a commit"
    );
}
