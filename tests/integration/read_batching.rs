//! Read batching (`read_batching`, on by default): answers large enough to be read in batches
//! (more than 4 MiB) arrive whole and in order, streamed and copied out, with batching on and
//! off, over TCP and TLS; an answer that pauses mid-way or ends short of a batch is still read
//! promptly; and a batched read that is dropped leaves no raised low-water mark behind for the
//! reads that follow (pipelines, the `Client` task, notification waits). The speed it buys is
//! measured by the benchmarks (`wide`, `copy`), not here.

use std::io::Read;
use std::time::Duration;

use pgtusk::blocking;
use pgtusk::{Connection, Pipeline};
use pgtusk_testkit::roles;

use crate::common::{Target, targets, with_deadline, within};

/// 20,000 rows of about 510 bytes: some 10 MB, well past the 4 MiB where batching starts.
const ROWS: i32 = 20_000;
const WIDTH: usize = 500;
/// Where the pausing query sleeps, once it has sent more than 4 MiB.
const PAUSE_AT: i32 = 15_000;
const LIMIT: Duration = Duration::from_secs(120);

const CREATE_PAUSE: &str = "CREATE FUNCTION pg_temp.pause_at(i int4, at int4) RETURNS int4 \
     LANGUAGE plpgsql AS $$ BEGIN IF i = at THEN PERFORM pg_sleep(0.3); END IF; RETURN i; END $$";

fn big_query(pause: bool) -> String {
    let id = if pause { format!("pg_temp.pause_at(i, {PAUSE_AT})") } else { "i".to_owned() };
    format!(
        "SELECT {id} AS id, repeat(chr(97 + i % 26), {WIDTH}) AS v \
         FROM generate_series(1, {ROWS}) AS i"
    )
}

fn expected_text(i: i32) -> String {
    let letter = char::from(b'a' + u8::try_from(i % 26).unwrap());
    letter.to_string().repeat(WIDTH)
}

/// The COPY text output of `big_query(false)`.
fn expected_copy() -> Vec<u8> {
    let mut out = Vec::new();
    for i in 1..=ROWS {
        out.extend_from_slice(format!("{i}\t{}\n", expected_text(i)).as_bytes());
    }
    out
}

/// Every connection string to try on a target: plain TCP and TLS (when the target is a
/// testkit server), each with batching on (the default) and off.
fn urls(t: &Target) -> Vec<String> {
    let mut bases = vec![t.url.clone()];
    if let Some(tls) = t.conninfo(roles::SUPERUSER, "sslmode=require") {
        bases.push(tls);
    }
    bases.iter().flat_map(|b| [b.clone(), format!("{b} read_batching=off")]).collect()
}

fn check_row(label: &str, expect: i32, (id, v): (i32, String)) {
    assert_eq!(id, expect, "{label}: rows in order");
    assert!(v == expected_text(id), "{label}: row {id} has the wrong text");
}

async fn stream_all(conn: &mut Connection, label: &str, pause: bool) {
    let sql = big_query(pause);
    let mut rows = conn.query_stream(sql.as_str(), ()).await.unwrap();
    let mut expect = 1;
    while let Some(row) = rows.next_as::<(i32, String)>().await {
        check_row(label, expect, row.unwrap());
        expect += 1;
    }
    assert_eq!(expect - 1, ROWS, "{label}: every row");
}

#[tokio::test]
async fn async_large_answers_arrive_whole() {
    let copy = expected_copy();
    for t in targets() {
        for url in urls(&t) {
            let label = format!("{} {url}", t.label);
            within(LIMIT, &label, async {
                let mut conn = Connection::connect(&url).await.unwrap();
                conn.execute(CREATE_PAUSE, ()).await.unwrap();
                stream_all(&mut conn, &label, false).await;
                stream_all(&mut conn, &format!("{label} (pausing)"), true).await;
                let all = conn.query(big_query(false).as_str(), ()).await.unwrap();
                assert_eq!(all.len(), ROWS as usize, "{label}: query");
                let mut out =
                    conn.copy_out(&format!("COPY ({}) TO STDOUT", big_query(false))).await.unwrap();
                let mut got = Vec::new();
                while let Some(chunk) = out.next_chunk().await {
                    got.extend_from_slice(&chunk.unwrap());
                }
                drop(out);
                assert!(got == copy, "{label}: COPY TO STDOUT gave other bytes");
                // Small answers right after a batched one come at once.
                for k in 0..50_i32 {
                    let n: i32 = conn.query_scalar("SELECT $1::int4 + 1", (k,)).await.unwrap();
                    assert_eq!(n, k + 1, "{label}");
                }
            })
            .await;
        }
    }
}

fn blocking_stream_all(conn: &mut blocking::Connection, label: &str, pause: bool) {
    let sql = big_query(pause);
    let mut rows = conn.query_stream(sql.as_str(), ()).unwrap();
    let mut expect = 1;
    while let Some(row) = rows.next_as::<(i32, String)>() {
        check_row(label, expect, row.unwrap());
        expect += 1;
    }
    assert_eq!(expect - 1, ROWS, "{label}: every row");
}

#[test]
fn blocking_large_answers_arrive_whole() {
    let copy = expected_copy();
    for t in targets() {
        for url in urls(&t) {
            let label = format!("{} {url}", t.label);
            let copy = copy.clone();
            with_deadline(LIMIT, &label.clone(), move || {
                let mut conn = blocking::Connection::connect(&url).unwrap();
                conn.execute(CREATE_PAUSE, ()).unwrap();
                blocking_stream_all(&mut conn, &label, false);
                blocking_stream_all(&mut conn, &format!("{label} (pausing)"), true);
                // The per-call timeout shares the socket's read timeout with batching.
                conn.set_query_timeout(Some(Duration::from_secs(30)));
                blocking_stream_all(&mut conn, &format!("{label} (timeout)"), true);
                conn.set_query_timeout(None);
                let mut got = Vec::new();
                let mut out =
                    conn.copy_out(&format!("COPY ({}) TO STDOUT", big_query(false))).unwrap();
                out.read_to_end(&mut got).unwrap();
                drop(out);
                assert!(got == copy, "{label}: COPY TO STDOUT gave other bytes");
                for k in 0..50_i32 {
                    let n: i32 = conn.query_scalar("SELECT $1::int4 + 1", (k,)).unwrap();
                    assert_eq!(n, k + 1, "{label}");
                }
                // A query that times out while its answer streams in batches is cancelled
                // and the connection goes on.
                conn.set_query_timeout(Some(Duration::from_millis(100)));
                let slow = format!("{} UNION ALL SELECT 0, pg_sleep(5)::text", big_query(false));
                let err = conn.query(slow.as_str(), ()).unwrap_err();
                assert_eq!(err.kind(), pgtusk::ErrorKind::Timeout, "{label}: {err}");
                conn.set_query_timeout(None);
                let n: i32 = conn.query_scalar("SELECT 7", ()).unwrap();
                assert_eq!(n, 7, "{label}");
            });
        }
    }
}

/// Reads 12,000 rows (about 6 MB: batched by then) of a big answer and drops the rest.
async fn drop_midway(conn: &mut Connection) {
    let sql = big_query(false);
    let mut rows = conn.query_stream(sql.as_str(), ()).await.unwrap();
    for _ in 0..12_000 {
        rows.next().await.unwrap().unwrap();
    }
}

#[tokio::test]
async fn async_dropped_batched_read_leaves_the_socket_unbatched() {
    for t in targets() {
        let label = t.label.clone();
        within(LIMIT, &label, async {
            let mut conn = Connection::connect(&t.url).await.unwrap();
            drop_midway(&mut conn).await;
            let mut p: Pipeline<'_> = conn.pipeline();
            let a = p.query("SELECT 1::int4", ());
            let b = p.query("SELECT 2::int4", ());
            p.sync().unwrap();
            let results = p.run().await.unwrap();
            assert_eq!(results.rows(a).unwrap()[0].get::<_, i32>(0), 1, "{label}");
            assert_eq!(results.rows(b).unwrap()[0].get::<_, i32>(0), 2, "{label}");
            drop_midway(&mut conn).await;
            let client = conn.into_client();
            for k in 0..20_i32 {
                let n: i32 = client.query_scalar("SELECT $1::int4 * 2", (k,)).await.unwrap();
                assert_eq!(n, k * 2, "{label}");
            }
        })
        .await;
    }
}

#[test]
fn blocking_dropped_batched_read_leaves_the_socket_unbatched() {
    for t in targets() {
        let label = t.label.clone();
        let url = t.url.clone();
        with_deadline(LIMIT, &label.clone(), move || {
            let drop_midway = |conn: &mut blocking::Connection| {
                let sql = big_query(false);
                let mut rows = conn.query_stream(sql.as_str(), ()).unwrap();
                for _ in 0..12_000 {
                    rows.next().unwrap().unwrap();
                }
            };
            let mut conn = blocking::Connection::connect(&url).unwrap();
            drop_midway(&mut conn);
            let mut p = conn.pipeline();
            let a = p.query("SELECT 1::int4", ());
            p.sync().unwrap();
            let results = p.run().unwrap();
            assert_eq!(results.rows(a).unwrap()[0].get::<_, i32>(0), 1, "{label}");
            drop_midway(&mut conn);
            // Nothing owed: a notification wait wakes on any byte.
            conn.execute("LISTEN batching_test", ()).unwrap();
            conn.execute("NOTIFY batching_test, 'hi'", ()).unwrap();
            let n = conn.next_notification(Duration::from_secs(5)).unwrap().unwrap();
            assert_eq!(n.payload(), "hi", "{label}");
        });
    }
}

/// Batching bounds its waits with tokio's timer; a runtime without the time driver reads
/// unbatched with `read_batching=off` (with batching on, `connect` panics with tokio's
/// message instead of a read failing mid-answer).
#[test]
fn async_runtime_without_timers_reads_unbatched() {
    let rt = tokio::runtime::Builder::new_current_thread().enable_io().build().unwrap();
    for t in targets() {
        let url = format!("{} read_batching=off", t.url);
        let label = format!("{} (no time driver)", t.label);
        rt.block_on(async {
            let mut conn = Connection::connect(&url).await.unwrap();
            stream_all(&mut conn, &label, false).await;
        });
    }
}
