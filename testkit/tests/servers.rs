//! Starts real servers (PostgreSQL 15 and 18) and checks them with their own psql: settings,
//! every role's authentication method, TLS, kill/restart, and the watchdog.

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use pgtusk_testkit::{Server, ServerSpec, ShutdownMode, roles};

/// Runs `select current_user` through psql with a libpq connection string and an optional
/// password; returns psql's output.
fn login(server: &Server, conninfo: &str, password: Option<&str>) -> Output {
    let mut cmd = server.psql_command();
    cmd.arg(conninfo).args(["-c", "select current_user"]);
    if let Some(pw) = password {
        cmd.env("PGPASSWORD", pw);
    }
    cmd.output().expect("run psql")
}

fn tcp(server: &Server, role: &str, extra: &str) -> String {
    format!("host=127.0.0.1 port={} user={role} dbname=postgres {extra}", server.port())
}

#[track_caller]
fn assert_login(server: &Server, conninfo: &str, password: Option<&str>, role: &str) {
    let out = login(server, conninfo, password);
    assert!(
        out.status.success(),
        "PG {}: login failed for `{conninfo}`: {}",
        server.major(),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), role);
}

#[track_caller]
fn assert_refused(server: &Server, conninfo: &str, password: Option<&str>, expected: &str) {
    let out = login(server, conninfo, password);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success(),
        "PG {}: login unexpectedly worked for `{conninfo}`",
        server.major()
    );
    assert!(
        stderr.contains(expected),
        "PG {}: `{conninfo}` failed without {expected:?}: {stderr}",
        server.major()
    );
}

fn check_server(server: &Server) {
    let major = server.major();
    let version = server.psql("select version()").unwrap();
    assert!(version.starts_with(&format!("PostgreSQL {major}.")), "{version}");
    assert!(server.version_string().starts_with(&format!("{major}.")));
    let settings = server
        .psql(
            "select string_agg(name || '=' || setting, ',' order by name) from pg_settings \
             where name in ('fsync', 'synchronous_commit', 'full_page_writes', \
             'max_connections', 'ssl', 'log_min_messages', 'server_encoding')",
        )
        .unwrap();
    for expected in [
        "fsync=off",
        "full_page_writes=off",
        "log_min_messages=warning",
        "max_connections=200",
        "server_encoding=UTF8",
        "ssl=on",
        "synchronous_commit=off",
    ] {
        assert!(settings.contains(expected), "PG {major}: {settings}");
    }

    // Passwords are stored the way each method needs.
    let stored = server
        .psql(
            "select rolname || ':' || coalesce(left(rolpassword, 6), 'none') from pg_authid \
             where rolname like '%\\_user' order by rolname",
        )
        .unwrap();
    for expected in [
        "cert_user:none",
        "md5_user:md5",
        "nossl_user:SCRAM-",
        "password_user:SCRAM-",
        "scram_user:SCRAM-",
        "ssl_only_user:SCRAM-",
        "trust_user:none",
    ] {
        assert!(stored.contains(expected), "PG {major}: {stored}");
    }

    let ca = server.ca_cert().display().to_string();
    let cert = server.client_cert().display().to_string();
    let key = server.client_key().display().to_string();
    let no_tls = "sslmode=disable";
    // libpq 14 does not match IP addresses against the SAN (15 does): check the CA only
    // there; the `host=localhost` checks below verify the name on every version.
    let verify = if major < 15 { "verify-ca" } else { "verify-full" };
    let tls = format!("sslmode={verify} sslrootcert={ca}");

    // postgres and trust_user: trust, over TCP (with and without TLS) and the socket.
    for role in [roles::SUPERUSER, roles::TRUST] {
        assert_login(server, &tcp(server, role, no_tls), None, role);
        assert_login(server, &tcp(server, role, &tls), None, role);
        assert_login(server, &server.socket_url(role), None, role);
    }
    // Password methods: right password in, wrong password out.
    for role in [roles::PASSWORD, roles::MD5, roles::SCRAM] {
        let pw = roles::password(role).unwrap();
        assert_login(server, &tcp(server, role, no_tls), Some(&pw), role);
        assert_login(server, &tcp(server, role, &tls), Some(&pw), role);
        assert_refused(
            server,
            &tcp(server, role, no_tls),
            Some("wrong"),
            "password authentication failed",
        );
        assert_refused(server, &tcp(server, role, no_tls), None, "no password supplied");
        assert_login(server, &server.socket_url(role), None, role);
    }
    // The URL and key/value forms carry the right passwords.
    for role in roles::ALL.into_iter().filter(|&r| r != roles::CERT) {
        let mode = if role == roles::SSL_ONLY { "require" } else { "disable" };
        assert_login(server, &format!("{}?sslmode={mode}", server.url(role)), None, role);
        assert_login(server, &format!("{} sslmode={mode}", server.conninfo(role)), None, role);
    }

    // cert_user: only with its client certificate, only over TLS.
    let with_cert = format!("{tls} sslcert={cert} sslkey={key}");
    assert_login(server, &tcp(server, roles::CERT, &with_cert), None, roles::CERT);
    assert_login(
        server,
        &format!(
            "host=localhost port={} user=cert_user dbname=postgres {with_cert}",
            server.port()
        ),
        None,
        roles::CERT,
    );
    assert_refused(
        server,
        &tcp(server, roles::CERT, &tls),
        None,
        "connection requires a valid client certificate",
    );
    assert_refused(
        server,
        &tcp(server, roles::CERT, no_tls),
        None,
        "pg_hba.conf rejects connection",
    );
    // Its certificate does not log anyone else in.
    let scram_pw = roles::password(roles::SCRAM).unwrap();
    assert_login(server, &tcp(server, roles::SCRAM, &with_cert), Some(&scram_pw), roles::SCRAM);

    // ssl_only_user: TLS only.
    let pw = roles::password(roles::SSL_ONLY).unwrap();
    assert_login(server, &tcp(server, roles::SSL_ONLY, &tls), Some(&pw), roles::SSL_ONLY);
    assert_refused(
        server,
        &tcp(server, roles::SSL_ONLY, no_tls),
        Some(&pw),
        "pg_hba.conf rejects connection",
    );
    assert_refused(
        server,
        &tcp(server, roles::SSL_ONLY, &tls),
        Some("wrong"),
        "password authentication failed",
    );

    // nossl_user: plain TCP only.
    let pw = roles::password(roles::NOSSL).unwrap();
    assert_login(server, &tcp(server, roles::NOSSL, no_tls), Some(&pw), roles::NOSSL);
    assert_refused(
        server,
        &tcp(server, roles::NOSSL, &tls),
        Some(&pw),
        "pg_hba.conf rejects connection",
    );

    // The server certificate verifies for ::1 too, and the connection really is TLS.
    if server.has_ipv6() {
        let conninfo =
            format!("host=::1 port={} user=postgres dbname=postgres {tls}", server.port());
        let out = server
            .psql_command()
            .arg(&conninfo)
            .args(["-c", "select ssl from pg_stat_ssl where pid = pg_backend_pid()"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "t");
    }

    // Every role can create a table in `postgres` (the public schema is open).
    let out = server
        .psql_command()
        .arg(tcp(server, roles::SCRAM, no_tls))
        .env("PGPASSWORD", &scram_pw)
        .args(["-c", "create table t_scram (a int); drop table t_scram"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn pg15_settings_roles_and_auth() {
    let t = Instant::now();
    let server = Server::start(15).unwrap();
    eprintln!("PG 15 started in {:?}", t.elapsed());
    check_server(&server);
}

#[test]
fn pg18_settings_roles_and_auth() {
    let t = Instant::now();
    let server = Server::start(18).unwrap();
    eprintln!("PG 18 started in {:?}", t.elapsed());
    check_server(&server);
}

#[test]
fn drop_stops_and_removes() {
    let server = Server::start(15).unwrap();
    let dir = server.socket_dir().to_path_buf();
    let pid = server.pid().unwrap();
    assert!(dir.join("data/PG_VERSION").is_file());
    drop(server);
    assert!(!dir.exists(), "{} still exists", dir.display());
    assert!(!Path::new(&format!("/proc/{pid}")).exists(), "postmaster {pid} still runs");
}

#[test]
fn kill_restart_shutdown_and_settings() {
    let mut server = ServerSpec::new(18).setting("max_prepared_transactions", "7").start().unwrap();
    assert_eq!(server.psql("show max_prepared_transactions").unwrap(), "7");
    server.psql("create table survives (a int); insert into survives values (42)").unwrap();
    // synchronous_commit is off: make the commit durable before the crash.
    server.psql("checkpoint").unwrap();
    let port = server.port();
    let old_pid = server.pid().unwrap();

    // A dead server: nothing answers any more.
    server.kill();
    assert!(!server.is_running());
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err());
    assert!(server.psql("select 1").is_err());

    // Back on the same port, after crash recovery, with its data and settings.
    server.restart().unwrap();
    assert_eq!(server.port(), port);
    assert_ne!(server.pid().unwrap(), old_pid);
    assert_eq!(server.psql("select a from survives").unwrap(), "42");
    assert_eq!(server.psql("show max_prepared_transactions").unwrap(), "7");

    // A fast shutdown, then a restart.
    server.shutdown(ShutdownMode::Fast).unwrap();
    assert!(!server.is_running());
    server.restart().unwrap();
    assert_eq!(server.psql("select count(*) from survives").unwrap(), "1");
    server.stop().unwrap();
}

#[test]
fn parallel_starts_get_distinct_servers() {
    let handles: Vec<_> =
        (0..3).map(|_| std::thread::spawn(|| Server::start(15).unwrap())).collect();
    let servers: Vec<Server> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    let mut ports: Vec<u16> = servers.iter().map(Server::port).collect();
    ports.sort_unstable();
    ports.dedup();
    assert_eq!(ports.len(), 3);
    for server in &servers {
        assert_eq!(server.psql("select 1").unwrap(), "1");
    }
}

#[test]
fn shared_servers_are_shared() {
    let a = Server::shared(15);
    let b = Server::shared(15);
    assert!(std::ptr::eq(a, b));
    assert_eq!(a.psql("select 2").unwrap(), "2");
}

#[test]
fn bad_settings_fail_with_the_log() {
    let err = ServerSpec::new(15).setting("no_such_setting_x", "1").start().unwrap_err();
    assert!(
        err.message().contains("no_such_setting_x"),
        "the error should quote the server log: {err}"
    );
    assert!(ServerSpec::new(13).start().is_err());
}

/// A process that starts the shared server and exits without dropping it: the watchdog must
/// stop the server and remove its directory.
#[test]
fn watchdog_cleans_up_after_the_process_exits() {
    let out = Command::new(env!("CARGO_BIN_EXE_pgtusk-testkit"))
        .args(["shared", "15"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let mut lines = stdout.lines();
    let dir = lines.next().unwrap().to_string();
    let pid: u32 = lines.next().unwrap().parse().unwrap();
    let deadline = Instant::now() + Duration::from_secs(15);
    while (Path::new(&dir).exists() || Path::new(&format!("/proc/{pid}")).exists())
        && Instant::now() < deadline
    {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(!Path::new(&format!("/proc/{pid}")).exists(), "postmaster {pid} still runs");
    assert!(!Path::new(&dir).exists(), "{dir} was not removed");
}

/// The other versions named by `PGTUSK_TEST_VERSIONS` (e.g. `all`) get the same checks.
#[test]
fn other_test_versions() {
    for major in pgtusk_testkit::test_versions() {
        if major != 15 && major != 18 {
            let server = Server::start(major).unwrap();
            check_server(&server);
        }
    }
}
