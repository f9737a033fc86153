#![allow(clippy::unwrap_used, reason = "tmp")]
#[test]
fn tmp_bench() {
    let dir = tempfile::tempdir_in("/tmp").unwrap();
    let keys: u64 = std::env::var("KEYS").unwrap().parse().unwrap();
    let t = std::time::Instant::now();
    let r = govchain_store::bench::run(dir.path(), govchain_types::Scheme::Ed25519, keys, 10_000, &mut |_| {}).unwrap();
    eprintln!("{r:#?} total {:?}", t.elapsed());
}
