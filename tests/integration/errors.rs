//! Errors: every ErrorResponse field, a server that dies mid-query, nothing listening,
//! multi-host failover and `target_session_attrs`.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use pgtusk::protocol::TransactionStatus;
use pgtusk::{ErrorKind, ErrorPosition, SqlState};
use pgtusk_testkit::{Server, ServerSpec, roles};

use crate::common::{dead_port, dual_test, private_major, servers, with_deadline, within};

dual_test! {
    /// `as_db_error()` exposes the fields of the server's report.
    fn db_error_fields(t) {
        let mut conn = aw!(Conn::connect(&t.url)).unwrap();

        let e = aw!(conn.query("SELECT 1 FROM nowhere_to_be_found", ())).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Db);
        assert_eq!(e.code(), Some(&SqlState::UNDEFINED_TABLE));
        let db = e.as_db_error().unwrap();
        assert_eq!(db.severity(), "ERROR");
        assert_eq!(db.message(), "relation \"nowhere_to_be_found\" does not exist");
        assert_eq!(db.position(), Some(&ErrorPosition::Original(15)), "{}", t.label);
        assert!(!db.is_fatal());
        assert!(!e.is_closed());
        assert!(db.file().is_some() && db.line().is_some() && db.routine().is_some());

        let e = aw!(conn.batch_execute("SELECT 1;\nSELEC 2")).unwrap_err();
        assert_eq!(e.code(), Some(&SqlState::SYNTAX_ERROR));
        let db = e.as_db_error().unwrap();
        assert_eq!(db.message(), "syntax error at or near \"SELEC\"");
        assert_eq!(db.position(), Some(&ErrorPosition::Original(11)));

        let e = aw!(conn.batch_execute(
            "DO $$ BEGIN RAISE EXCEPTION 'custom failure' USING DETAIL = 'some detail', \
             HINT = 'try harder', ERRCODE = 'P0001'; END $$"
        ))
        .unwrap_err();
        assert_eq!(e.code(), Some(&SqlState::RAISE_EXCEPTION));
        let db = e.as_db_error().unwrap();
        assert_eq!(db.message(), "custom failure");
        assert_eq!(db.detail(), Some("some detail"));
        assert_eq!(db.hint(), Some("try harder"));
        assert!(db.where_().unwrap().contains("PL/pgSQL"), "{:?}", db.where_());

        let e = aw!(conn.query("SELECT no_such_function($1::int4)", (1_i32,))).unwrap_err();
        assert_eq!(e.code(), Some(&SqlState::UNDEFINED_FUNCTION));
        let db = e.as_db_error().unwrap();
        assert!(db.hint().is_some_and(|h| h.contains("No function matches")), "{:?}", db.hint());
        assert_eq!(db.position(), Some(&ErrorPosition::Original(8)));

        // An error inside a PL/pgSQL query: the position is internal.
        let e = aw!(conn.batch_execute("DO $$ BEGIN PERFORM 1 FROM also_missing; END $$")).unwrap_err();
        assert_eq!(e.code(), Some(&SqlState::UNDEFINED_TABLE));
        match e.as_db_error().unwrap().position() {
            Some(ErrorPosition::Internal { position, query }) => {
                assert!(query.contains("also_missing"), "{query}");
                assert!(*position > 0);
            }
            other => panic!("{}: expected an internal position, got {other:?}", t.label),
        }

        aw!(conn.batch_execute(
            "CREATE TEMP TABLE uv (id int4 CONSTRAINT uv_id_key PRIMARY KEY, \
             name text CONSTRAINT uv_name_nn NOT NULL, n int4 CONSTRAINT uv_n_pos CHECK (n > 0))"
        ))
        .unwrap();
        aw!(conn.execute("INSERT INTO uv VALUES ($1, 'a', 1)", (1_i32,))).unwrap();
        let e = aw!(conn.execute("INSERT INTO uv VALUES ($1, 'b', 1)", (1_i32,))).unwrap_err();
        assert_eq!(e.code(), Some(&SqlState::UNIQUE_VIOLATION), "{}: {e:?}", t.label);
        let db = e.as_db_error().unwrap();
        assert_eq!(db.constraint(), Some("uv_id_key"));
        assert_eq!(db.table(), Some("uv"));
        assert!(db.schema().is_some_and(|s| s.starts_with("pg_temp")), "{:?}", db.schema());
        assert_eq!(db.detail(), Some("Key (id)=(1) already exists."));
        assert_eq!(db.message(), "duplicate key value violates unique constraint \"uv_id_key\"");

        let e = aw!(conn.execute("INSERT INTO uv VALUES (2, NULL, 1)", ())).unwrap_err();
        assert_eq!(e.code(), Some(&SqlState::NOT_NULL_VIOLATION));
        let db = e.as_db_error().unwrap();
        assert_eq!((db.table(), db.column()), (Some("uv"), Some("name")));

        let e = aw!(conn.execute("INSERT INTO uv VALUES (3, 'c', -1)", ())).unwrap_err();
        assert_eq!(e.code(), Some(&SqlState::CHECK_VIOLATION));
        assert_eq!(e.as_db_error().unwrap().constraint(), Some("uv_n_pos"));

        let e = aw!(conn.query("SELECT 'x'::int4", ())).unwrap_err();
        assert_eq!(e.code(), Some(&SqlState::INVALID_TEXT_REPRESENTATION));

        // The error also comes out as a std error with the DbError as its source.
        let e = aw!(conn.query("SELECT 1/0", ())).unwrap_err();
        let src = std::error::Error::source(&e).expect("a source");
        assert!(src.downcast_ref::<pgtusk::DbError>().is_some());
        assert!(e.to_string().contains("division by zero"), "{e}");

        assert_eq!(conn.transaction_status(), TransactionStatus::Idle);
        let n: i64 = aw!(conn.query_scalar("SELECT count(*) FROM uv", ())).unwrap();
        assert_eq!(n, 1);
    }
}

dual_test! {
    /// A session terminated while a statement runs: the FATAL report is the statement's error
    /// and the connection is closed at once (no wait for a ReadyForQuery that never comes).
    fn terminated_mid_query(t) {
        let mut conn = aw!(Conn::connect(&t.url)).unwrap();
        let pid: i32 = aw!(conn.query_scalar("SELECT pg_backend_pid()", ())).unwrap();
        let url = t.url.clone();
        let killer = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(200));
            let mut k = pgtusk::blocking::Connection::connect(&url).unwrap();
            k.query_scalar::<bool, _, _>("SELECT pg_terminate_backend($1)", (pid,)).unwrap()
        });
        let started = Instant::now();
        let e = aw!(conn.query("SELECT pg_sleep(10)", ())).unwrap_err();
        assert!(killer.join().unwrap());
        assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
        assert_eq!(e.code(), Some(&SqlState::ADMIN_SHUTDOWN), "{}: {e:?}", t.label);
        assert_eq!(e.as_db_error().unwrap().severity(), "FATAL");
        assert!(e.is_closed());
        assert!(conn.is_closed(), "{}", t.label);
        let e = aw!(conn.query("SELECT 1", ())).unwrap_err();
        assert!(e.is_closed(), "{}: the connection stays closed: {e:?}", t.label);
    }
}

dual_test! {
    /// A FATAL error from the server (the session is terminated) closes the connection; the
    /// next call fails at once with a closed error.
    fn terminated_session(t) {
        let mut conn = aw!(Conn::connect(&t.url)).unwrap();
        let pid: i32 = aw!(conn.query_scalar("SELECT pg_backend_pid()", ())).unwrap();
        let mut killer = aw!(Conn::connect(&t.url)).unwrap();
        let ok: bool = aw!(killer.query_scalar("SELECT pg_terminate_backend($1)", (pid,))).unwrap();
        assert!(ok);
        // The server sends FATAL 57P01 and closes; depending on timing the first call sees
        // the FATAL report or the closed socket.
        let e = aw!(conn.query("SELECT 1", ())).unwrap_err();
        assert!(
            e.code() == Some(&SqlState::ADMIN_SHUTDOWN)
                || matches!(e.kind(), ErrorKind::Closed | ErrorKind::Io),
            "{}: {e:?}",
            t.label
        );
        assert!(e.is_closed(), "{e:?}");
        let e = aw!(conn.query("SELECT 1", ())).unwrap_err();
        assert!(e.is_closed(), "{}: the connection stays closed: {e:?}", t.label);
        assert!(conn.is_closed());
    }
}

/// A private server for a test that kills it.
fn private_server() -> Option<Server> {
    private_major().map(|m| Server::start(m).expect("a private server"))
}

/// Kills `server` from another thread after `delay`.
fn kill_later(mut server: Server, delay: Duration) -> std::thread::JoinHandle<Server> {
    std::thread::spawn(move || {
        std::thread::sleep(delay);
        server.kill();
        server
    })
}

/// Asserts the error of a query on a server that died under it: the socket closed (or was
/// reset), or the backend got to report its own end first (FATAL, "unexpected postmaster
/// exit").
fn assert_died(e: &pgtusk::Error, took: Duration, label: &str) {
    let fatal = e.as_db_error().is_some_and(|db| db.is_fatal());
    assert!(matches!(e.kind(), ErrorKind::Closed | ErrorKind::Io) || fatal, "{label}: {e:?}");
    assert!(e.is_closed(), "{label}");
    assert!(took < Duration::from_secs(5), "{label}: took {took:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_dies_mid_query_async() {
    let Some(server) = private_server() else { return };
    let url = format!("{} sslmode=disable", server.conninfo(roles::SUPERUSER));
    let mut conn = pgtusk::Connection::connect(&url).await.unwrap();
    let mut idle = pgtusk::Connection::connect(&url).await.unwrap();
    let killer = kill_later(server, Duration::from_millis(200));
    let started = Instant::now();
    let e = within(
        Duration::from_secs(10),
        "query on a dying server",
        conn.query("SELECT pg_sleep(30)", ()),
    )
    .await
    .unwrap_err();
    assert_died(&e, started.elapsed(), "async");
    let e =
        within(Duration::from_secs(5), "next call", conn.query("SELECT 1", ())).await.unwrap_err();
    assert!(e.is_closed(), "{e:?}");
    assert!(conn.is_closed());
    // A connection that was idle when the server died: its next call fails promptly, and
    // the connection then reports itself closed.
    for i in 0..2 {
        let started = Instant::now();
        let e =
            within(Duration::from_secs(10), "call on a dead server", idle.query("SELECT 1", ()))
                .await
                .unwrap_err();
        assert_died(&e, started.elapsed(), &format!("async idle, call {i}"));
        assert!(idle.is_closed(), "call {i}: {e:?}");
    }
    // Connecting to the dead server fails quickly too.
    let e = within(
        Duration::from_secs(5),
        "connect to a dead server",
        pgtusk::Connection::connect(&url),
    )
    .await
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Io, "{e:?}");
    drop(killer.join().unwrap());
}

#[test]
fn server_dies_mid_query_blocking() {
    let Some(server) = private_server() else { return };
    let url = format!("{} sslmode=disable", server.conninfo(roles::SUPERUSER));
    with_deadline(Duration::from_secs(15), "blocking query on a dying server", move || {
        let mut conn = pgtusk::blocking::Connection::connect(&url).unwrap();
        let mut idle = pgtusk::blocking::Connection::connect(&url).unwrap();
        let killer = kill_later(server, Duration::from_millis(200));
        let started = Instant::now();
        let e = conn.query("SELECT pg_sleep(30)", ()).unwrap_err();
        assert_died(&e, started.elapsed(), "blocking");
        let e = conn.query("SELECT 1", ()).unwrap_err();
        assert!(e.is_closed(), "{e:?}");
        assert!(conn.is_closed());
        for i in 0..2 {
            let started = Instant::now();
            let e = idle.query("SELECT 1", ()).unwrap_err();
            assert_died(&e, started.elapsed(), &format!("blocking idle, call {i}"));
            assert!(idle.is_closed(), "call {i}: {e:?}");
        }
        let e = pgtusk::blocking::Connection::connect(&url).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Io, "{e:?}");
        drop(killer.join().unwrap());
    });
}

#[tokio::test]
async fn nothing_listening() {
    let port = dead_port();
    let url = format!("host=127.0.0.1 port={port} user=postgres dbname=postgres sslmode=disable");
    let started = Instant::now();
    let e = within(Duration::from_secs(5), "connect", pgtusk::Connection::connect(&url))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Io, "{e:?}");
    assert_eq!(e.code(), None);
    let u = url.clone();
    let e = with_deadline(Duration::from_secs(5), "blocking connect", move || {
        pgtusk::blocking::Connection::connect(&u).unwrap_err()
    });
    assert_eq!(e.kind(), ErrorKind::Io, "{e:?}");
    assert!(started.elapsed() < Duration::from_secs(2), "{:?}", started.elapsed());
    // The same over a Unix socket path that does not exist.
    let url = "host=/nonexistent/pgtusk-socket-dir port=5432 user=postgres dbname=postgres";
    let e = pgtusk::Connection::connect(url).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Io, "{e:?}");
    let e = pgtusk::blocking::Connection::connect(url).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Io, "{e:?}");
}

#[tokio::test]
async fn multi_host_skips_a_dead_host() {
    for s in servers() {
        let dead = dead_port();
        let url = format!(
            "host=127.0.0.1,127.0.0.1 port={dead},{} user=postgres dbname=postgres sslmode=disable",
            s.port()
        );
        let mut conn = pgtusk::Connection::connect(&url).await.unwrap();
        let port: i32 = conn.query_scalar("SELECT inet_server_port()", ()).await.unwrap();
        assert_eq!(port, i32::from(s.port()));
        let mut conn = pgtusk::blocking::Connection::connect(&url).unwrap();
        let port: i32 = conn.query_scalar("SELECT inet_server_port()", ()).unwrap();
        assert_eq!(port, i32::from(s.port()));

        // The URL form, and a single port applying to every host.
        let url = format!(
            "postgresql://postgres@127.0.0.1:{dead},127.0.0.1:{}/postgres?sslmode=disable",
            s.port()
        );
        let mut conn = pgtusk::Connection::connect(&url).await.unwrap();
        let port: i32 = conn.query_scalar("SELECT inet_server_port()", ()).await.unwrap();
        assert_eq!(port, i32::from(s.port()));

        // Every host dead: the error is the last host's.
        let url = format!(
            "host=127.0.0.1,127.0.0.1 port={dead},{} user=postgres sslmode=disable",
            dead_port()
        );
        let e = pgtusk::Connection::connect(&url).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Io, "{e:?}");
    }
}

/// A private server where sessions are read only by default.
fn read_only_server() -> Option<&'static Server> {
    static SERVER: OnceLock<Option<Server>> = OnceLock::new();
    SERVER
        .get_or_init(|| {
            private_major().map(|m| {
                ServerSpec::new(m)
                    .setting("default_transaction_read_only", "on")
                    .start()
                    .expect("a read-only server")
            })
        })
        .as_ref()
}

/// `host=ro,rw`: read-write skips the read-only server; any and read-only take the first.
fn tsa_url(ro: &Server, rw: &Server, attrs: &str) -> String {
    format!(
        "host=127.0.0.1,127.0.0.1 port={},{} user=postgres dbname=postgres sslmode=disable \
         target_session_attrs={attrs}",
        ro.port(),
        rw.port()
    )
}

#[tokio::test]
async fn target_session_attrs_async() {
    let Some(ro) = read_only_server() else { return };
    for rw in servers() {
        for (attrs, expected) in
            [("read-write", rw.port()), ("any", ro.port()), ("read-only", ro.port())]
        {
            let url = tsa_url(ro, rw, attrs);
            let mut conn = pgtusk::Connection::connect(&url).await.unwrap();
            let port: i32 = conn.query_scalar("SELECT inet_server_port()", ()).await.unwrap();
            assert_eq!(port, i32::from(expected), "{attrs}");
            let read_only: String =
                conn.query_scalar("SHOW default_transaction_read_only", ()).await.unwrap();
            assert_eq!(read_only == "on", expected == ro.port(), "{attrs}");
        }
        // Reversed order: read-only skips the writable server.
        let url = format!(
            "host=127.0.0.1,127.0.0.1 port={},{} user=postgres dbname=postgres sslmode=disable \
             target_session_attrs=read-only",
            rw.port(),
            ro.port()
        );
        let mut conn = pgtusk::Connection::connect(&url).await.unwrap();
        let port: i32 = conn.query_scalar("SELECT inet_server_port()", ()).await.unwrap();
        assert_eq!(port, i32::from(ro.port()));
    }
    // Only a read-only server: read-write fails without a server error.
    let url = format!(
        "host=127.0.0.1 port={} user=postgres dbname=postgres sslmode=disable target_session_attrs=read-write",
        ro.port()
    );
    let e = pgtusk::Connection::connect(&url).await.unwrap_err();
    assert_ne!(e.kind(), ErrorKind::Db, "{e:?}");
    assert_eq!(e.code(), None);
}

#[test]
fn target_session_attrs_blocking() {
    let Some(ro) = read_only_server() else { return };
    for rw in servers() {
        for (attrs, expected) in
            [("read-write", rw.port()), ("any", ro.port()), ("read-only", ro.port())]
        {
            let url = tsa_url(ro, rw, attrs);
            let mut conn = pgtusk::blocking::Connection::connect(&url).unwrap();
            let port: i32 = conn.query_scalar("SELECT inet_server_port()", ()).unwrap();
            assert_eq!(port, i32::from(expected), "{attrs}");
        }
    }
    let url = format!(
        "host=127.0.0.1 port={} user=postgres dbname=postgres sslmode=disable target_session_attrs=read-write",
        ro.port()
    );
    let e = pgtusk::blocking::Connection::connect(&url).unwrap_err();
    assert_ne!(e.kind(), ErrorKind::Db, "{e:?}");
}

/// A fake server on 127.0.0.1 that completes a trust startup (protocol 3.0), then waits until
/// the client's first query has arrived and closes the socket without reading it: with unread
/// data, the kernel answers with a TCP reset, so the client sees ECONNRESET rather than EOF.
fn resetting_server() -> (u16, std::thread::JoinHandle<()>) {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let handle = std::thread::spawn(move || {
        let (mut sock, _) = listener.accept().unwrap();
        let mut len = [0u8; 4];
        sock.read_exact(&mut len).unwrap();
        let mut startup = vec![0u8; u32::from_be_bytes(len) as usize - 4];
        sock.read_exact(&mut startup).unwrap();
        assert_eq!(&startup[..4], &[0, 3, 0, 0], "a 3.0 StartupMessage");
        let mut out = Vec::new();
        out.extend_from_slice(b"R\0\0\0\x08\0\0\0\0"); // AuthenticationOk
        out.extend_from_slice(b"K\0\0\0\x0c\0\0\x30\x39\0\0\0\x07"); // BackendKeyData
        out.extend_from_slice(b"S\0\0\0\x18server_version\x0015.0\0"); // ParameterStatus
        out.extend_from_slice(b"Z\0\0\0\x05I"); // ReadyForQuery
        sock.write_all(&out).unwrap();
        // Wait for the query without consuming it, then close: the kernel sends RST.
        let mut peek = [0u8; 1];
        sock.peek(&mut peek).unwrap();
        std::thread::sleep(Duration::from_millis(50));
        drop(sock);
    });
    (port, handle)
}

/// A connection reset by the server fails the call promptly with an I/O error, and the
/// connection then reports itself closed (every later call fails the same way, fast).
#[tokio::test]
async fn connection_reset_async() {
    let (port, server) = resetting_server();
    let url = format!(
        "host=127.0.0.1 port={port} user=u dbname=d sslmode=disable max_protocol_version=3.0"
    );
    let mut conn = pgtusk::Connection::connect(&url).await.unwrap();
    assert_eq!(conn.parameter("server_version"), Some("15.0"));
    let e =
        within(Duration::from_secs(5), "query on a reset connection", conn.query("SELECT 1", ()))
            .await
            .unwrap_err();
    server.join().unwrap();
    assert!(matches!(e.kind(), ErrorKind::Io | ErrorKind::Closed), "{e:?}");
    assert!(e.is_closed(), "{e:?}");
    assert!(conn.is_closed(), "the connection knows it is closed after {e:?}");
    let e =
        within(Duration::from_secs(5), "next call", conn.query("SELECT 1", ())).await.unwrap_err();
    assert!(e.is_closed(), "{e:?}");
}

#[test]
fn connection_reset_blocking() {
    let (port, server) = resetting_server();
    let url = format!(
        "host=127.0.0.1 port={port} user=u dbname=d sslmode=disable max_protocol_version=3.0"
    );
    with_deadline(Duration::from_secs(10), "blocking reset", move || {
        let mut conn = pgtusk::blocking::Connection::connect(&url).unwrap();
        let e = conn.query("SELECT 1", ()).unwrap_err();
        server.join().unwrap();
        assert!(matches!(e.kind(), ErrorKind::Io | ErrorKind::Closed), "{e:?}");
        assert!(e.is_closed(), "{e:?}");
        assert!(conn.is_closed(), "the connection knows it is closed after {e:?}");
        let e = conn.query("SELECT 1", ()).unwrap_err();
        assert!(e.is_closed(), "{e:?}");
    });
}
