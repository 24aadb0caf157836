//! Session state: server parameters, notices, LISTEN/NOTIFY, per-call timeouts.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use pgtusk::protocol::TransactionStatus;
use pgtusk::{ErrorKind, SqlState};

use crate::common::{dual_test, targets, unique, with_deadline, within};

/// A notice as the handler saw it: severity, SQLSTATE, message, detail.
type Notice = (String, String, String, Option<String>);

dual_test! {
    /// Parameters reported by the server at startup and on change.
    fn server_parameters(t) {
        let mut conn = aw!(Conn::connect(&t.url)).unwrap();
        let version = conn.parameter("server_version").expect("server_version").to_owned();
        if let Some(major) = t.major() {
            assert!(version.starts_with(&format!("{major}.")), "{}: {version}", t.label);
        }
        let shown: String = aw!(conn.query_scalar("SHOW server_version", ())).unwrap();
        assert_eq!(shown, version);
        assert_eq!(conn.parameter("client_encoding"), Some("UTF8"));
        assert_eq!(conn.parameter("integer_datetimes"), Some("on"));
        assert_eq!(conn.parameter("no_such_parameter"), None);
        // A ParameterStatus after SET updates the value.
        aw!(conn.batch_execute("SET application_name = 'pgtusk-session-test'")).unwrap();
        assert_eq!(conn.parameter("application_name"), Some("pgtusk-session-test"));
        aw!(conn.execute("SET TIME ZONE 'Europe/Paris'", ())).unwrap();
        assert_eq!(conn.parameter("TimeZone"), Some("Europe/Paris"));
        assert!(!conn.is_closed());
    }
}

dual_test! {
    /// Notices go to the handler the application set, with their fields.
    fn notices_reach_the_handler(t) {
        let mut conn = aw!(Conn::connect(&t.url)).unwrap();
        let seen: Arc<Mutex<Vec<Notice>>> = Arc::default();
        let sink = seen.clone();
        conn.set_notice_handler(move |n| {
            sink.lock().unwrap().push((
                n.severity().to_owned(),
                n.code().code().to_owned(),
                n.message().to_owned(),
                n.detail().map(str::to_owned),
            ));
        });
        aw!(conn.batch_execute("DO $$ BEGIN RAISE NOTICE 'hello'; END $$")).unwrap();
        aw!(conn.execute(
            "DO $$ BEGIN RAISE WARNING 'careful' USING DETAIL = 'the detail'; END $$",
            ()
        ))
        .unwrap();
        // Notices between rows, and one before an error.
        aw!(conn.batch_execute(
            "CREATE FUNCTION pg_temp.noisy(i int4) RETURNS int4 LANGUAGE plpgsql AS \
             $$ BEGIN RAISE NOTICE 'row %', i; RETURN i; END $$"
        ))
        .unwrap();
        let rows = aw!(conn.query("SELECT pg_temp.noisy(g) FROM generate_series(1, $1::int4) g", (3_i32,)))
            .unwrap();
        assert_eq!(rows.iter().map(|r| r.get::<_, i32>(0)).collect::<Vec<_>>(), [1, 2, 3]);
        let e = aw!(conn.batch_execute(
            "DO $$ BEGIN RAISE NOTICE 'before'; RAISE EXCEPTION 'after' USING ERRCODE = '22012'; END $$"
        ))
        .unwrap_err();
        assert_eq!(e.code(), Some(&SqlState::DIVISION_BY_ZERO));
        let seen = seen.lock().unwrap().clone();
        assert_eq!(
            seen,
            [
                ("NOTICE".to_owned(), "00000".to_owned(), "hello".to_owned(), None),
                ("WARNING".to_owned(), "01000".to_owned(), "careful".to_owned(), Some("the detail".to_owned())),
                ("NOTICE".to_owned(), "00000".to_owned(), "row 1".to_owned(), None),
                ("NOTICE".to_owned(), "00000".to_owned(), "row 2".to_owned(), None),
                ("NOTICE".to_owned(), "00000".to_owned(), "row 3".to_owned(), None),
                ("NOTICE".to_owned(), "00000".to_owned(), "before".to_owned(), None),
            ],
            "{}",
            t.label
        );
    }
}

/// Sends `NOTIFY channel, payload` from a second connection; returns its backend pid.
async fn notify_from_other(url: &str, channel: &str, payload: &str) -> i32 {
    let mut other = pgtusk::Connection::connect(url).await.unwrap();
    let pid: i32 = other.query_scalar("SELECT pg_backend_pid()", ()).await.unwrap();
    other.execute("SELECT pg_notify($1, $2)", (channel, payload)).await.unwrap();
    pid
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listen_notify_async() {
    for t in targets() {
        let channel = unique("chan");
        let mut conn = pgtusk::Connection::connect(&t.url).await.unwrap();
        conn.batch_execute(&format!("LISTEN {channel}")).await.unwrap();

        // Sent while the listener waits.
        let url = t.url.clone();
        let ch = channel.clone();
        let sender = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(100)).await;
            notify_from_other(&url, &ch, "first").await
        });
        let n = within(Duration::from_secs(10), "next_notification", conn.next_notification())
            .await
            .unwrap();
        let pid = sender.await.unwrap();
        assert_eq!(n.channel(), channel, "{}", t.label);
        assert_eq!(n.payload(), "first");
        assert_eq!(n.process_id(), pid);

        // Sent before the listener asks: queued, then handed out in order.
        let pid = notify_from_other(&t.url, &channel, "second").await;
        notify_from_other(&t.url, &channel, "third").await;
        let mut got = Vec::new();
        for _ in 0..2 {
            let n =
                within(Duration::from_secs(10), "queued notification", conn.next_notification())
                    .await
                    .unwrap();
            got.push(n.payload().to_owned());
        }
        assert_eq!(got, ["second", "third"]);

        // Received during another query: kept for later, the query's result is exact.
        let own_pid: i32 = conn.query_scalar("SELECT pg_backend_pid()", ()).await.unwrap();
        conn.execute("SELECT pg_notify($1, 'self')", (channel.as_str(),)).await.unwrap();
        let v: i64 = conn.query_scalar("SELECT $1::int8", (5_i64,)).await.unwrap();
        assert_eq!(v, 5);
        let pending = conn.take_notifications();
        assert_eq!(pending.len(), 1, "{}", t.label);
        assert_eq!((pending[0].payload(), pending[0].process_id()), ("self", own_pid));
        assert_ne!(own_pid, pid);

        // A notification future dropped while waiting leaves the connection usable.
        let r = tokio::time::timeout(Duration::from_millis(50), conn.next_notification()).await;
        assert!(r.is_err(), "nothing was sent");
        let v: i64 = conn.query_scalar("SELECT $1::int8", (6_i64,)).await.unwrap();
        assert_eq!(v, 6);
        assert_eq!(conn.transaction_status(), TransactionStatus::Idle);
    }
}

#[test]
fn listen_notify_blocking() {
    for t in targets() {
        let url = t.url.clone();
        let label = t.label.clone();
        with_deadline(Duration::from_secs(20), "blocking notifications", move || {
            let channel = unique("bchan");
            let mut conn = pgtusk::blocking::Connection::connect(&url).unwrap();
            conn.batch_execute(&format!("LISTEN {channel}")).unwrap();

            let (u, ch) = (url.clone(), channel.clone());
            let sender = std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(100));
                let mut other = pgtusk::blocking::Connection::connect(&u).unwrap();
                let pid: i32 = other.query_scalar("SELECT pg_backend_pid()", ()).unwrap();
                other.execute("SELECT pg_notify($1, 'hi')", (ch.as_str(),)).unwrap();
                pid
            });
            let started = Instant::now();
            let n =
                conn.next_notification(Duration::from_secs(5)).unwrap().expect("a notification");
            assert!(started.elapsed() < Duration::from_secs(5));
            let pid = sender.join().unwrap();
            assert_eq!(
                (n.channel(), n.payload(), n.process_id()),
                (channel.as_str(), "hi", pid),
                "{label}"
            );

            // Nothing comes: None after the timeout, not before, and the connection is usable.
            let started = Instant::now();
            let none = conn.next_notification(Duration::from_millis(300)).unwrap();
            let waited = started.elapsed();
            assert!(none.is_none(), "{label}: {none:?}");
            assert!(waited >= Duration::from_millis(300), "{label}: returned after {waited:?}");
            assert!(waited < Duration::from_secs(3), "{label}: returned after {waited:?}");
            let v: i64 = conn.query_scalar("SELECT $1::int8", (9_i64,)).unwrap();
            assert_eq!(v, 9, "{label}: usable after a timeout");
            assert_eq!(conn.transaction_status(), TransactionStatus::Idle);

            // Still listening after the timeout: the next one arrives.
            let mut other = pgtusk::blocking::Connection::connect(&url).unwrap();
            other.execute("SELECT pg_notify($1, 'again')", (channel.as_str(),)).unwrap();
            let n =
                conn.next_notification(Duration::from_secs(5)).unwrap().expect("a notification");
            assert_eq!(n.payload(), "again");

            // The iterator ends when none arrives in time.
            other.execute("SELECT pg_notify($1, 'it1')", (channel.as_str(),)).unwrap();
            other.execute("SELECT pg_notify($1, 'it2')", (channel.as_str(),)).unwrap();
            let payloads: Vec<String> = conn
                .notifications(Duration::from_millis(300))
                .map(|n| n.unwrap().payload().to_owned())
                .collect();
            assert_eq!(payloads, ["it1", "it2"], "{label}");
            let v: i64 = conn.query_scalar("SELECT $1::int8", (10_i64,)).unwrap();
            assert_eq!(v, 10);
        });
    }
}

/// A per-call timeout cancels the statement on the server and leaves the connection usable.
#[tokio::test]
async fn query_timeout() {
    for t in targets() {
        let mut conn = pgtusk::Connection::connect(&t.url).await.unwrap();
        conn.set_query_timeout(Some(Duration::from_millis(200)));
        let started = Instant::now();
        let e = within(
            Duration::from_secs(10),
            "timed-out query",
            conn.query("SELECT pg_sleep(5)", ()),
        )
        .await
        .unwrap_err();
        let took = started.elapsed();
        assert_eq!(e.kind(), ErrorKind::Timeout, "{}: {e:?}", t.label);
        assert!(took >= Duration::from_millis(200), "{}: {took:?}", t.label);
        assert!(took < Duration::from_secs(3), "{}: took {took:?}", t.label);
        assert!(!conn.is_closed());
        assert_eq!(conn.transaction_status(), TransactionStatus::Idle);
        // The timeout stays set and fast statements are not affected by it.
        let n: i64 = conn.query_scalar("SELECT $1::int8", (3_i64,)).await.unwrap();
        assert_eq!(n, 3, "{}: usable after a timeout", t.label);
        for i in 0..20_i64 {
            let n: i64 = conn.query_scalar("SELECT $1::int8", (i,)).await.unwrap();
            assert_eq!(n, i);
        }

        // Inside a transaction, the cancelled statement fails the transaction.
        {
            let mut tx = conn.transaction().await.unwrap();
            let e = tx.execute("SELECT pg_sleep(5)", ()).await.unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Timeout);
            assert_eq!(tx.transaction_status(), TransactionStatus::Failed);
        }
        let n: i64 = conn.query_scalar("SELECT 11::int8", ()).await.unwrap();
        assert_eq!(n, 11);
        assert_eq!(conn.transaction_status(), TransactionStatus::Idle);

        conn.set_query_timeout(None);
        let n: i32 = conn.query_scalar("SELECT 1 FROM pg_sleep(0.3)", ()).await.unwrap();
        assert_eq!(n, 1, "no timeout any more");
    }
}

/// The blocking per-call timeout: same contract as the async one.
#[test]
fn query_timeout_blocking() {
    for t in targets() {
        let url = t.url.clone();
        let label = t.label.clone();
        with_deadline(Duration::from_secs(20), "blocking query timeout", move || {
            let mut conn = pgtusk::blocking::Connection::connect(&url).unwrap();
            conn.set_query_timeout(Some(Duration::from_millis(200)));
            let started = Instant::now();
            let e = conn.query("SELECT pg_sleep(5)", ()).unwrap_err();
            let took = started.elapsed();
            assert_eq!(e.kind(), ErrorKind::Timeout, "{label}: {e:?}");
            assert!(took >= Duration::from_millis(200), "{label}: {took:?}");
            assert!(took < Duration::from_secs(3), "{label}: took {took:?}");
            assert!(!conn.is_closed());
            assert_eq!(conn.transaction_status(), TransactionStatus::Idle);
            for i in 0..20_i64 {
                let n: i64 = conn.query_scalar("SELECT $1::int8", (i,)).unwrap();
                assert_eq!(n, i, "{label}: usable after a timeout");
            }
            {
                let mut tx = conn.transaction().unwrap();
                let e = tx.execute("SELECT pg_sleep(5)", ()).unwrap_err();
                assert_eq!(e.kind(), ErrorKind::Timeout);
                assert_eq!(tx.transaction_status(), TransactionStatus::Failed);
            }
            let n: i64 = conn.query_scalar("SELECT 11::int8", ()).unwrap();
            assert_eq!(n, 11);
            assert_eq!(conn.transaction_status(), TransactionStatus::Idle);
            conn.set_query_timeout(None);
            let n: i32 = conn.query_scalar("SELECT 1 FROM pg_sleep(0.3)", ()).unwrap();
            assert_eq!(n, 1, "no timeout any more");
        });
    }
}

dual_test! {
    /// Startup parameters from the connection string reach the session.
    fn startup_parameters(t) {
        let Some(info) = t.conninfo(
            "postgres",
            "sslmode=disable application_name=pgtusk_app options='-c statement_timeout=300 -c search_path=pg_catalog'",
        ) else {
            continue;
        };
        let mut conn = aw!(Conn::connect(&info)).unwrap();
        assert_eq!(conn.parameter("application_name"), Some("pgtusk_app"), "{}", t.label);
        let row = aw!(conn.query_one(
            "SELECT current_setting('application_name'), current_setting('statement_timeout'), \
             current_setting('search_path'), current_setting('client_encoding')",
            ()
        ))
        .unwrap();
        let got: (&str, &str, &str, &str) = (row.get(0), row.get(1), row.get(2), row.get(3));
        assert_eq!(got, ("pgtusk_app", "300ms", "pg_catalog", "UTF8"), "{}", t.label);
        // The server-side statement_timeout gives query_canceled, and the session goes on.
        let e = aw!(conn.query("SELECT pg_sleep(2)", ())).unwrap_err();
        assert_eq!(e.code(), Some(&SqlState::QUERY_CANCELED), "{e:?}");
        let n: i32 = aw!(conn.query_scalar("SELECT 8", ())).unwrap();
        assert_eq!(n, 8);

        // The URL form with percent-encoding.
        let s = t.server.unwrap();
        let url = format!(
            "postgresql://scram_user:scram_user_pw@127.0.0.1:{}/postgres?sslmode=disable&application_name=a%20b%2Fc",
            s.port()
        );
        let mut conn = aw!(Conn::connect(&url)).unwrap();
        let app: String = aw!(conn.query_scalar("SHOW application_name", ())).unwrap();
        assert_eq!(app, "a b/c");
    }
}

/// A listener that accepts TCP connections (the kernel does, from its backlog) but never
/// answers: `connect_timeout` must end the attempt. Returns the listener (keep it alive) and
/// a conninfo with `connect_timeout=2`.
fn silent_server() -> (std::net::TcpListener, String) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let url = format!(
        "host=127.0.0.1 port={port} user=postgres dbname=postgres sslmode=disable connect_timeout=2"
    );
    (listener, url)
}

fn assert_connect_timed_out(e: &pgtusk::Error, took: Duration) {
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e:?}");
    assert!(took >= Duration::from_millis(1900) && took < Duration::from_secs(5), "{took:?}");
}

#[tokio::test]
async fn connect_timeout_on_a_silent_server_async() {
    let (_listener, url) = silent_server();
    let started = Instant::now();
    let e = within(Duration::from_secs(10), "async connect", pgtusk::Connection::connect(&url))
        .await
        .unwrap_err();
    assert_connect_timed_out(&e, started.elapsed());
}

#[test]

fn connect_timeout_on_a_silent_server_blocking() {
    let (_listener, url) = silent_server();
    let started = Instant::now();
    let e = with_deadline(Duration::from_secs(10), "blocking connect", move || {
        pgtusk::blocking::Connection::connect(&url).unwrap_err()
    });
    assert_connect_timed_out(&e, started.elapsed());
}

/// Notifications with a timeout over TLS: a read timeout in the middle of the TLS stream must
/// leave the session intact.
#[cfg(feature = "rustls")]
#[test]
fn listen_notify_blocking_over_tls() {
    for s in crate::common::servers() {
        let info = crate::common::conninfo_pw(s, "postgres", None, &crate::common::verify_full(s));
        with_deadline(Duration::from_secs(20), "blocking notifications over TLS", move || {
            let channel = unique("tls_chan");
            let mut conn = pgtusk::blocking::Connection::connect(&info).unwrap();
            assert!(conn.is_tls());
            conn.batch_execute(&format!("LISTEN {channel}")).unwrap();
            for round in 0..3 {
                let started = Instant::now();
                assert!(conn.next_notification(Duration::from_millis(150)).unwrap().is_none());
                assert!(started.elapsed() >= Duration::from_millis(150));
                let v: i64 = conn.query_scalar("SELECT $1::int8", (round as i64,)).unwrap();
                assert_eq!(v, round as i64, "usable after a timeout over TLS");
            }
            let mut other = pgtusk::blocking::Connection::connect(&info).unwrap();
            other.execute("SELECT pg_notify($1, 'over tls')", (channel.as_str(),)).unwrap();
            let n =
                conn.next_notification(Duration::from_secs(5)).unwrap().expect("a notification");
            assert_eq!(n.payload(), "over tls");
        });
    }
}

/// The async per-call timeout over TLS (the cancel request goes over TLS too).
#[cfg(feature = "rustls")]
#[tokio::test]
async fn query_timeout_over_tls() {
    for s in crate::common::servers() {
        let info = crate::common::conninfo_pw(s, "postgres", None, "sslmode=require");
        let mut conn = pgtusk::Connection::connect(&info).await.unwrap();
        assert!(conn.is_tls());
        conn.set_query_timeout(Some(Duration::from_millis(200)));
        let started = Instant::now();
        let e = within(
            Duration::from_secs(10),
            "timed-out query",
            conn.query("SELECT pg_sleep(5)", ()),
        )
        .await
        .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Timeout, "{e:?}");
        assert!(started.elapsed() < Duration::from_secs(3), "{:?}", started.elapsed());
        let n: i64 = conn.query_scalar("SELECT $1::int8", (4_i64,)).await.unwrap();
        assert_eq!(n, 4);
    }
}
