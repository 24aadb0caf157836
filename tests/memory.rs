//! Bounded memory: streaming a large result keeps the process's RSS flat. Its own test binary,
//! so no other test's allocations blur the measurement.
#![cfg(target_os = "linux")]

use pgtusk_testkit::{Server, roles};

/// Resident set size of this process, in KiB.
fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("procfs");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .expect("VmRSS")
}

const SQL: &str = "SELECT g, repeat('x', 100) FROM generate_series(1, 1000000) g";

#[test]
fn streaming_a_million_rows_keeps_rss_flat() {
    let url = match pgtusk_testkit::test_url() {
        Some(url) => url,
        None => format!("{} sslmode=disable", Server::shared(15).conninfo(roles::SUPERUSER)),
    };

    // Blocking: ~110 MB of rows go through; RSS may not grow by more than a few buffers.
    let mut conn = pgtusk::blocking::Connection::connect(&url).unwrap();
    let mut stream = conn.query_stream(SQL, ()).unwrap();
    let mut base = 0;
    let mut n = 0_u64;
    for row in stream.by_ref() {
        let row = row.unwrap();
        let _: &str = row.get(1);
        n += 1;
        if n == 100_000 {
            base = rss_kib();
        }
    }
    let growth = rss_kib().saturating_sub(base);
    assert_eq!(n, 1_000_000);
    assert!(growth < 16 * 1024, "blocking: RSS grew by {growth} KiB while streaming");

    // Async, on a current-thread runtime.
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let mut conn = pgtusk::Connection::connect(&url).await.unwrap();
        let mut stream = conn.query_stream(SQL, ()).await.unwrap();
        let mut base = 0;
        let mut n = 0_u64;
        while let Some(row) = stream.next().await {
            let row = row.unwrap();
            let _: &str = row.get(1);
            n += 1;
            if n == 100_000 {
                base = rss_kib();
            }
        }
        let growth = rss_kib().saturating_sub(base);
        assert_eq!(n, 1_000_000);
        assert!(growth < 16 * 1024, "async: RSS grew by {growth} KiB while streaming");
    });
}
