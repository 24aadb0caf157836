//! Protocol version negotiation and cancel requests (with the 3.2 variable-length key).

use std::time::{Duration, Instant};

use pgtusk::protocol::{ProtocolVersion, TransactionStatus};
use pgtusk::{ErrorKind, SqlState};

use crate::common::{default_protocol, dual_test, targets, with_deadline, within};

dual_test! {
    /// PostgreSQL 18 speaks 3.2, older servers negotiate down to 3.0; `max_protocol_version`
    /// caps what is asked for.
    fn negotiated_version(t) {
        let Some(major) = t.major() else { continue };
        let conn = aw!(Conn::connect(&t.url)).unwrap();
        assert_eq!(conn.protocol_version(), default_protocol(major), "{}", t.label);

        let capped = t.conninfo("postgres", "sslmode=disable max_protocol_version=3.0").unwrap();
        let mut conn = aw!(Conn::connect(&capped)).unwrap();
        assert_eq!(conn.protocol_version(), ProtocolVersion::V3_0, "{}", t.label);
        let n: i64 = aw!(conn.query_scalar("SELECT $1::int8", (7_i64,))).unwrap();
        assert_eq!(n, 7);

        let latest = t.conninfo("postgres", "sslmode=disable max_protocol_version=latest").unwrap();
        let conn = aw!(Conn::connect(&latest)).unwrap();
        assert_eq!(conn.protocol_version(), default_protocol(major), "{}", t.label);

        // Asking for at least 3.2 from a server that only speaks 3.0 must fail, not downgrade.
        let strict = t.conninfo("postgres", "sslmode=disable min_protocol_version=3.2").unwrap();
        let r = aw!(Conn::connect(&strict));
        if major >= 18 {
            assert_eq!(r.unwrap().protocol_version(), ProtocolVersion::V3_2);
        } else {
            let e = r.unwrap_err();
            assert_ne!(e.kind(), ErrorKind::Db, "{}: {e:?}", t.label);
        }
    }
}

/// Asserts a cancelled `pg_sleep(10)`: SQLSTATE 57014, well before the sleep would end.
fn assert_cancelled(label: &str, r: Result<Vec<pgtusk::Row>, pgtusk::Error>, started: Instant) {
    let e = r.expect_err("pg_sleep(10) was not cancelled");
    assert_eq!(e.code(), Some(&SqlState::QUERY_CANCELED), "{label}: {e:?}");
    assert!(!e.is_closed(), "{label}: a cancelled statement leaves the session open");
    assert!(started.elapsed() < Duration::from_secs(5), "{label}: took {:?}", started.elapsed());
}

/// Cancels from another task; under protocol 3.2 (PG 18) the key is the long one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_from_another_task() {
    for t in targets() {
        let mut infos = vec![(t.url.clone(), t.major().map(default_protocol))];
        if let Some(capped) = t.conninfo("postgres", "sslmode=disable max_protocol_version=3.0") {
            infos.push((capped, Some(ProtocolVersion::V3_0)));
        }
        for (info, version) in infos {
            let mut conn = pgtusk::Connection::connect(&info).await.unwrap();
            if let Some(v) = version {
                assert_eq!(conn.protocol_version(), v);
            }
            let label = format!("{} {:?}", t.label, conn.protocol_version());
            let token = conn.cancel_token().expect("the server sent a cancel key");
            let canceller = tokio::spawn(async move {
                tokio::time::sleep(Duration::from_millis(300)).await;
                token.cancel().await
            });
            let started = Instant::now();
            let r = within(Duration::from_secs(15), &label, conn.query("SELECT pg_sleep(10)", ()))
                .await;
            assert_cancelled(&label, r, started);
            canceller.await.unwrap().unwrap();
            assert_eq!(conn.transaction_status(), TransactionStatus::Idle);
            let n: i32 = conn.query_scalar("SELECT 41 + 1", ()).await.unwrap();
            assert_eq!(n, 42, "{label}: usable after the cancel");

            // Cancelling when nothing runs is harmless.
            conn.cancel_token().unwrap().cancel().await.unwrap();
            let n: i32 = conn.query_scalar("SELECT 2", ()).await.unwrap();
            assert_eq!(n, 2);
        }
    }
}

/// Cancels from another thread with the blocking API.
#[test]
fn cancel_from_another_thread() {
    for t in targets() {
        let mut infos = vec![t.url.clone()];
        infos.extend(t.conninfo("postgres", "sslmode=disable max_protocol_version=3.0"));
        for info in infos {
            let label = format!("{} {info}", t.label);
            let l2 = label.clone();
            with_deadline(Duration::from_secs(20), &label, move || {
                let mut conn = pgtusk::blocking::Connection::connect(&info).unwrap();
                let token = conn.cancel_token().unwrap();
                let canceller = std::thread::spawn(move || {
                    std::thread::sleep(Duration::from_millis(300));
                    token.cancel_blocking()
                });
                let started = Instant::now();
                let r = conn.query("SELECT pg_sleep(10)", ());
                assert_cancelled(&l2, r, started);
                canceller.join().unwrap().unwrap();
                assert_eq!(conn.transaction_status(), TransactionStatus::Idle);
                let n: i32 = conn.query_scalar("SELECT 41 + 1", ()).unwrap();
                assert_eq!(n, 42, "{l2}: usable after the cancel");
            });
        }
    }
}

/// A cancel request over TLS, with the session's TLS settings.
#[cfg(feature = "rustls")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_over_tls() {
    for s in crate::common::servers() {
        let info = crate::common::conninfo_pw(s, "postgres", None, &crate::common::verify_full(s));
        let mut conn = pgtusk::Connection::connect(&info).await.unwrap();
        assert!(conn.is_tls());
        let token = conn.cancel_token().unwrap();
        let canceller = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(300)).await;
            token.cancel().await
        });
        let started = Instant::now();
        let label = format!("pg{} tls", s.major());
        let r =
            within(Duration::from_secs(15), &label, conn.query("SELECT pg_sleep(10)", ())).await;
        assert_cancelled(&label, r, started);
        canceller.await.unwrap().unwrap();

        let info2 = info.clone();
        with_deadline(Duration::from_secs(20), "blocking cancel over TLS", move || {
            let mut conn = pgtusk::blocking::Connection::connect(&info2).unwrap();
            let token = conn.cancel_token().unwrap();
            let canceller = std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(300));
                token.cancel_blocking()
            });
            let started = Instant::now();
            assert_cancelled("blocking tls", conn.query("SELECT pg_sleep(10)", ()), started);
            canceller.join().unwrap().unwrap();
        });
    }
}
