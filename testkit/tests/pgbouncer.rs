//! Starts PgBouncer in front of a PostgreSQL 15 server and checks it with psql: which roles
//! log in, the pool settings, the stop on drop, and the watchdog. Skipped (with a line saying
//! so) when `pgbouncer` is not installed.

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use pgtusk_testkit::{PgBouncer, PgBouncerSpec, Server, roles};

fn installed() -> bool {
    if PgBouncer::available() {
        return true;
    }
    eprintln!("skipped: pgbouncer is not installed (apt-get install -y pgbouncer)");
    false
}

/// Runs `sql` through psql on `bouncer` as `role` with `password`.
fn psql(
    server: &Server,
    bouncer: &PgBouncer,
    role: &str,
    password: Option<&str>,
    db: &str,
    sql: &str,
) -> Output {
    let mut cmd = server.psql_command();
    cmd.arg(format!(
        "host=127.0.0.1 port={} user={role} dbname={db} sslmode=disable",
        bouncer.port()
    ))
    .args(["-c", sql]);
    if let Some(pw) = password {
        cmd.env("PGPASSWORD", pw);
    }
    cmd.output().expect("run psql")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

#[test]
fn roles_log_in_through_pgbouncer() {
    if !installed() {
        return;
    }
    let server = Server::shared(15);
    let bouncer = PgBouncer::start(server, "transaction").unwrap();
    assert_ne!(bouncer.port(), server.port());
    assert!(
        bouncer
            .url(roles::SCRAM)
            .ends_with(&format!("scram_user:scram_user_pw@127.0.0.1:{}/postgres", bouncer.port()))
    );
    for role in [roles::SUPERUSER, roles::TRUST, roles::MD5, roles::SCRAM, roles::NOSSL] {
        let pw = roles::password(role);
        let out = psql(
            server,
            &bouncer,
            role,
            pw.as_deref(),
            "postgres",
            "select current_user || ' ' || inet_server_port()",
        );
        assert!(
            out.status.success(),
            "{role}: {}\n{}",
            String::from_utf8_lossy(&out.stderr),
            bouncer.log()
        );
        assert_eq!(stdout(&out), format!("{role} {}", server.port()));
    }
    // A wrong password is refused by PgBouncer itself.
    let out = psql(server, &bouncer, roles::SCRAM, Some("wrong"), "postgres", "select 1");
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("authentication failed"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn pool_settings_and_stop_on_drop() {
    if !installed() {
        return;
    }
    assert!(PgBouncer::version().unwrap().starts_with("1."), "{:?}", PgBouncer::version());
    let server = Server::shared(15);
    let bouncer =
        PgBouncerSpec::new("session").setting("default_pool_size", "3").start(server).unwrap();
    assert_eq!(bouncer.pool_mode(), "session");
    // The admin console (simple protocol only) shows the settings.
    let out = psql(server, &bouncer, roles::SUPERUSER, None, "pgbouncer", "SHOW CONFIG");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let config = stdout(&out);
    for expected in [
        "pool_mode|session",
        "default_pool_size|3",
        "max_client_conn|100",
        "ignore_startup_parameters|extra_float_digits,options",
    ] {
        assert!(config.lines().any(|l| l.starts_with(expected)), "{expected} not in:\n{config}");
    }
    let pid = bouncer.pid().unwrap();
    let dir = bouncer.dir().to_path_buf();
    drop(bouncer);
    assert!(!Path::new(&format!("/proc/{pid}")).exists(), "PgBouncer {pid} still runs");
    assert!(!dir.exists(), "{} was not removed", dir.display());

    assert!(PgBouncer::start(server, "sometimes").is_err());
    assert!(PgBouncerSpec::new("transaction").setting("bad name", "1").start(server).is_err());
}

#[test]
fn bad_setting_gives_the_log_tail() {
    if !installed() {
        return;
    }
    let server = Server::shared(15);
    let err = PgBouncerSpec::new("transaction")
        .setting("no_such_setting", "1")
        .start(server)
        .unwrap_err();
    assert!(err.message().contains("no_such_setting"), "{err}");
}

/// A process that starts a bouncer and exits without dropping it: the watchdog must stop
/// PgBouncer and remove its directory.
#[test]
fn watchdog_stops_pgbouncer_after_the_process_exits() {
    if !installed() {
        return;
    }
    let out = Command::new(env!("CARGO_BIN_EXE_pgtusk-testkit"))
        .args(["pgbouncer-exit", "15"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    let mut lines = text.lines();
    let dir = lines.next().unwrap().to_string();
    let pid: u32 = lines.next().unwrap().parse().unwrap();
    assert_ne!(pid, 0);
    let deadline = Instant::now() + Duration::from_secs(15);
    while (Path::new(&dir).exists() || Path::new(&format!("/proc/{pid}")).exists())
        && Instant::now() < deadline
    {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(!Path::new(&format!("/proc/{pid}")).exists(), "PgBouncer {pid} still runs");
    assert!(!Path::new(&dir).exists(), "{dir} was not removed");
}
