//! A throwaway PgBouncer in front of a testkit [`Server`].
//!
//! ```no_run
//! use pgtusk_testkit::{PgBouncer, Server, roles};
//!
//! if PgBouncer::available() {
//!     let server = Server::shared(15);
//!     let bouncer = PgBouncer::start(server, "transaction")?;
//!     let _url = bouncer.url(roles::SCRAM); // postgresql://scram_user:scram_user_pw@127.0.0.1:PORT/postgres
//! }
//! # Ok::<(), pgtusk_testkit::TestkitError>(())
//! ```
//!
//! # What it runs
//! - **Binary**: `PGTUSK_PGBOUNCER` when set, else `pgbouncer` from `PATH`, `/usr/sbin` or
//!   `/usr/local/{s,}bin` (Debian's `pgbouncer` package; 1.18 on Debian 12).
//! - **User**: the server user (Debian's `postgres` when this process is root): PgBouncer
//!   refuses to run as root.
//! - **Files**: `pgbouncer.ini`, `userlist.txt` (the auth file) and `pg_hba.conf` in a fresh
//!   `<run dir>/pgbn-XXXXXXXX` directory owned by that user. PgBouncer logs to its stderr,
//!   which goes to `pgbouncer.log` there (no `logfile` setting: a log file that root created
//!   first would make PgBouncer exit without a word).
//! - **Network**: `127.0.0.1` on a port free at start time, no unix socket, no TLS on either
//!   side (`client_tls_sslmode` and `server_tls_sslmode` `disable`: an `sslmode=prefer` client
//!   falls back to plaintext).
//! - **Databases**: `postgres` and `*` (any other name) on the server's `127.0.0.1:PORT`.
//! - **Authentication** (`auth_type = hba`, one line per role): every login role of the server
//!   is copied from `pg_authid` when the bouncer starts. A role with a SCRAM secret
//!   authenticates with `scram-sha-256` (PgBouncer then logs in to the server with the
//!   client's SCRAM keys), one with an MD5 hash with `md5`, and one without a password
//!   (`postgres`, `trust_user`) with `trust`. So [`roles::SUPERUSER`], [`roles::TRUST`],
//!   [`roles::MD5`], [`roles::SCRAM`] and [`roles::NOSSL`] log in end to end, as do
//!   scram-sha-256 roles a test created before starting the bouncer; `password_user`
//!   (the server wants the cleartext password, which PgBouncer does not have),
//!   `ssl_only_user` and `cert_user` (the server wants TLS) are refused by the server.
//! - **Pooling**: `pool_mode` as given, `default_pool_size = 2` (so that server connections
//!   really are shared between clients), `max_client_conn = 100`,
//!   `ignore_startup_parameters = extra_float_digits,options` (`client_encoding` and
//!   `application_name` are parameters PgBouncer tracks itself, so they need no entry; an
//!   `options` value is dropped, not applied), more with [`PgBouncerSpec::setting`].
//! - **Clean-up**: dropping a [`PgBouncer`] sends SIGTERM (immediate shutdown in 1.18), then
//!   SIGKILL after 5 s, and removes its directory; a watchdog process does the same when the
//!   test process exits without dropping it.

use std::fs;
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::error::{Result, TestkitError};
use crate::roles;
use crate::server::{Server, free_port};
use crate::util::{self, server_user};

/// How long PgBouncer may take to accept connections.
const READY_TIMEOUT: Duration = Duration::from_secs(20);

/// The watchdog that stops PgBouncer and removes its directory once the process that started
/// it is gone. Arguments: the parent pid, PgBouncer's pid, its directory.
const WATCHDOG: &str = r#"
parent=$1
pid=$2
dir=$3
while kill -0 "$parent" 2>/dev/null; do sleep 0.5; done
if [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = pgbouncer ]; then
  kill -TERM "$pid" 2>/dev/null
  i=0
  while kill -0 "$pid" 2>/dev/null && [ "$i" -lt 50 ]; do sleep 0.1; i=$((i+1)); done
  kill -KILL "$pid" 2>/dev/null
fi
rm -rf "$dir"
"#;

/// The settings of every bouncer, before those of [`PgBouncerSpec::setting`].
const DEFAULT_SETTINGS: [(&str, &str); 4] = [
    ("max_client_conn", "100"),
    ("default_pool_size", "2"),
    ("ignore_startup_parameters", "extra_float_digits,options"),
    ("server_login_retry", "1"),
];

/// What to start: the pool mode and extra `[pgbouncer]` settings.
///
/// ```no_run
/// # let server = pgtusk_testkit::Server::shared(15);
/// let bouncer = pgtusk_testkit::PgBouncerSpec::new("transaction")
///     .setting("default_pool_size", "1")
///     .start(server)?;
/// # Ok::<(), pgtusk_testkit::TestkitError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PgBouncerSpec {
    /// `session`, `transaction` or `statement`.
    pub pool_mode: String,
    /// Extra `[pgbouncer]` settings; they win over the defaults (see the module docs).
    pub settings: Vec<(String, String)>,
}

impl PgBouncerSpec {
    /// A spec with this pool mode and the default settings.
    pub fn new(pool_mode: impl Into<String>) -> PgBouncerSpec {
        PgBouncerSpec { pool_mode: pool_mode.into(), settings: Vec::new() }
    }

    /// Adds (or overrides) a `[pgbouncer]` setting.
    pub fn setting(mut self, name: impl Into<String>, value: impl Into<String>) -> PgBouncerSpec {
        self.settings.push((name.into(), value.into()));
        self
    }

    /// Starts PgBouncer in front of `server` and waits until it accepts connections.
    pub fn start(&self, server: &Server) -> Result<PgBouncer> {
        if !matches!(self.pool_mode.as_str(), "session" | "transaction" | "statement") {
            return Err(TestkitError::new(format!(
                "invalid PgBouncer pool_mode {:?} (session, transaction or statement)",
                self.pool_mode
            )));
        }
        for (name, value) in &self.settings {
            let name_ok =
                !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            if !name_ok || value.contains(['\n', '\r']) {
                return Err(TestkitError::new(format!(
                    "invalid PgBouncer setting {name:?} = {value:?}"
                )));
            }
        }
        let binary = binary().ok_or_else(|| {
            TestkitError::new(
                "pgbouncer is not installed (apt-get install -y pgbouncer, or set \
                 PGTUSK_PGBOUNCER to its path)",
            )
        })?;
        let user = server_user()?;
        let (userlist, hba) = auth_files(server)?;

        let root = util::make_short_temp_dir(util::run_dir(), "pgbn-")?;
        // From here on, dropping `bouncer` stops whatever runs and removes `root`.
        let mut bouncer = PgBouncer {
            log_path: root.join("pgbouncer.log"),
            root,
            binary,
            port: 0,
            server_port: server.port(),
            pool_mode: self.pool_mode.clone(),
            child: None,
            watchdog: None,
        };
        user.chown(&bouncer.root)?;
        for (name, text) in [("userlist.txt", &userlist), ("pg_hba.conf", &hba)] {
            let path = bouncer.root.join(name);
            fs::write(&path, text)
                .map_err(|e| TestkitError::io(format!("write {}", path.display()), e))?;
            user.chown(&path)?;
        }
        fs::File::create(&bouncer.log_path)
            .map_err(|e| TestkitError::io(format!("create {}", bouncer.log_path.display()), e))?;
        user.chown(&bouncer.log_path)?;

        let mut last_error = None;
        for _ in 0..10 {
            let port = free_port(false);
            match bouncer.launch(port, &self.settings) {
                Ok(()) => return Ok(bouncer),
                Err(Launch::PortTaken(e)) => last_error = Some(e),
                Err(Launch::Failed(e)) => return Err(e),
            }
        }
        Err(TestkitError::new(format!(
            "PgBouncer: no usable port after 10 tries: {}",
            last_error.map(|e| e.to_string()).unwrap_or_default()
        )))
    }
}

enum Launch {
    /// The port was taken between choosing it and binding it: try another.
    PortTaken(TestkitError),
    Failed(TestkitError),
}

/// A running throwaway PgBouncer in front of a testkit [`Server`] (see [`crate::pgbouncer`] for
/// its configuration).
///
/// It listens on `127.0.0.1` on a port picked at run time. Dropping it stops it (SIGTERM, then
/// SIGKILL after 5 s) and removes its directory; a watchdog process does the same if the test
/// process exits without dropping it.
#[derive(Debug)]
pub struct PgBouncer {
    binary: PathBuf,
    root: PathBuf,
    log_path: PathBuf,
    port: u16,
    server_port: u16,
    pool_mode: String,
    child: Option<Child>,
    watchdog: Option<Child>,
}

impl PgBouncer {
    /// Starts PgBouncer in front of `server` with `pool_mode` (`"transaction"` or `"session"`,
    /// also `"statement"`) and the default settings; see [`PgBouncerSpec`] for more.
    pub fn start(server: &Server, pool_mode: &str) -> Result<PgBouncer> {
        PgBouncerSpec::new(pool_mode).start(server)
    }

    /// Whether a `pgbouncer` binary was found (see [`binary`](PgBouncer::binary)).
    pub fn available() -> bool {
        binary().is_some()
    }

    /// The `pgbouncer` binary: `PGTUSK_PGBOUNCER` when set (`None` when that is not a file),
    /// else the first `pgbouncer` on `PATH`, in `/usr/sbin`, `/usr/local/sbin` or
    /// `/usr/local/bin`.
    pub fn binary() -> Option<PathBuf> {
        binary()
    }

    /// The version `pgbouncer --version` reports, e.g. `1.18.0`.
    pub fn version() -> Result<String> {
        let binary = binary().ok_or_else(|| TestkitError::new("pgbouncer is not installed"))?;
        let out = util::run(Command::new(&binary).arg("--version"), "pgbouncer --version")?;
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        text.lines()
            .next()
            .and_then(|l| l.strip_prefix("PgBouncer "))
            .map(|v| v.trim().to_string())
            .ok_or_else(|| {
                TestkitError::new(format!("unexpected `pgbouncer --version` output: {text:?}"))
            })
    }

    /// The TCP port on `127.0.0.1`.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The host to connect to: `"127.0.0.1"`.
    pub fn host(&self) -> &str {
        "127.0.0.1"
    }

    /// The port of the PostgreSQL server behind it.
    pub fn server_port(&self) -> u16 {
        self.server_port
    }

    /// The pool mode it was started with.
    pub fn pool_mode(&self) -> &str {
        &self.pool_mode
    }

    /// A URL for `role` through PgBouncer:
    /// `postgresql://role:role_pw@127.0.0.1:PORT/postgres` (no password for roles without one;
    /// see [`roles::password`]).
    pub fn url(&self, role: &str) -> String {
        match roles::password(role) {
            Some(pw) => format!("postgresql://{role}:{pw}@127.0.0.1:{}/postgres", self.port),
            None => format!("postgresql://{role}@127.0.0.1:{}/postgres", self.port),
        }
    }

    /// A key/value connection string for `role` through PgBouncer:
    /// `host=127.0.0.1 port=PORT user=ROLE dbname=postgres [password=PW]`.
    pub fn conninfo(&self, role: &str) -> String {
        let mut s = format!("host=127.0.0.1 port={} user={role} dbname=postgres", self.port);
        if let Some(pw) = roles::password(role) {
            s.push_str(" password=");
            s.push_str(&pw);
        }
        s
    }

    /// The directory holding the ini, auth and hba files and the log.
    pub fn dir(&self) -> &Path {
        &self.root
    }

    /// The log file (PgBouncer's stderr).
    pub fn log_path(&self) -> &Path {
        &self.log_path
    }

    /// The whole log, for assertions and failure messages.
    pub fn log(&self) -> String {
        fs::read(&self.log_path)
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default()
    }

    /// PgBouncer's pid while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// Whether PgBouncer is running.
    pub fn is_running(&mut self) -> bool {
        self.child.as_mut().is_some_and(|c| matches!(c.try_wait(), Ok(None)))
    }

    /// Stops PgBouncer and removes its directory. An error says it had to be killed.
    pub fn stop(mut self) -> Result<()> {
        let result = self.terminate();
        self.cleanup();
        result
    }

    fn write_ini(&self, port: u16, extra: &[(String, String)]) -> Result<PathBuf> {
        let dir = self.root.display();
        let server_port = self.server_port;
        let mut ini = format!(
            "; written by pgtusk-testkit\n\
             [databases]\n\
             postgres = host=127.0.0.1 port={server_port} dbname=postgres\n\
             * = host=127.0.0.1 port={server_port}\n\
             \n\
             [pgbouncer]\n\
             listen_addr = 127.0.0.1\n\
             listen_port = {port}\n\
             unix_socket_dir =\n\
             auth_type = hba\n\
             auth_hba_file = {dir}/pg_hba.conf\n\
             auth_file = {dir}/userlist.txt\n\
             admin_users = postgres\n\
             stats_users = postgres\n\
             client_tls_sslmode = disable\n\
             server_tls_sslmode = disable\n\
             pool_mode = {}\n",
            self.pool_mode
        );
        let mut settings: Vec<(String, String)> =
            DEFAULT_SETTINGS.iter().map(|&(k, v)| (k.to_string(), v.to_string())).collect();
        for (name, value) in extra {
            settings.retain(|(k, _)| k != name);
            settings.push((name.clone(), value.clone()));
        }
        for (name, value) in settings {
            ini.push_str(&format!("{name} = {value}\n"));
        }
        let path = self.root.join("pgbouncer.ini");
        fs::write(&path, ini)
            .map_err(|e| TestkitError::io(format!("write {}", path.display()), e))?;
        server_user()?.chown(&path)?;
        Ok(path)
    }

    /// Writes the ini for `port`, spawns PgBouncer and waits until it accepts connections.
    fn launch(&mut self, port: u16, extra: &[(String, String)]) -> Result<(), Launch> {
        let ini = self.write_ini(port, extra).map_err(Launch::Failed)?;
        let user = server_user().map_err(Launch::Failed)?;
        let offset = fs::metadata(&self.log_path).map(|m| m.len()).unwrap_or(0);
        let open_log = || {
            fs::OpenOptions::new().append(true).open(&self.log_path).map_err(|e| {
                Launch::Failed(TestkitError::io(format!("open {}", self.log_path.display()), e))
            })
        };
        let mut child = user
            .command(&self.binary)
            .arg(&ini)
            .stdin(Stdio::null())
            .stdout(open_log()?)
            .stderr(open_log()?)
            .process_group(0)
            .spawn()
            .map_err(|e| {
                Launch::Failed(TestkitError::io(format!("start {}", self.binary.display()), e))
            })?;
        // The watchdog runs from the spawn on, so a test process that dies while PgBouncer
        // starts leaves nothing behind either.
        let watchdog = match spawn_watchdog(child.id(), &self.root) {
            Ok(w) => w,
            Err(e) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(Launch::Failed(e));
            }
        };
        match wait_ready(&mut child, port, &self.log_path, offset) {
            Ok(()) => {
                self.port = port;
                self.child = Some(child);
                self.watchdog = Some(watchdog);
                Ok(())
            }
            Err(e) => {
                let _ = child.kill();
                let _ = child.wait();
                let mut watchdog = watchdog;
                let _ = watchdog.kill();
                let _ = watchdog.wait();
                let log = util::file_tail(&self.log_path, offset, 30);
                if log.contains("Address already in use") {
                    Err(Launch::PortTaken(e))
                } else {
                    Err(Launch::Failed(e))
                }
            }
        }
    }

    /// SIGTERM, then SIGKILL after 5 s.
    fn terminate(&mut self) -> Result<()> {
        let Some(mut child) = self.child.take() else {
            return Ok(());
        };
        if matches!(child.try_wait(), Ok(Some(_))) {
            return Ok(());
        }
        util::send_signal(child.id(), "TERM");
        if util::wait_timeout(&mut child, Duration::from_secs(5)).is_some() {
            return Ok(());
        }
        let _ = child.kill();
        let _ = child.wait();
        Err(TestkitError::new(format!(
            "PgBouncer (pid {}) did not stop within 5 s of SIGTERM; killed it",
            child.id()
        )))
    }

    fn cleanup(&mut self) {
        let _ = self.terminate();
        let _ = util::remove_path(&self.root);
        if let Some(mut watchdog) = self.watchdog.take() {
            let _ = watchdog.kill();
            let _ = watchdog.wait();
        }
    }
}

impl Drop for PgBouncer {
    fn drop(&mut self) {
        self.cleanup();
    }
}

/// Finds the `pgbouncer` binary (see [`PgBouncer::binary`]).
fn binary() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("PGTUSK_PGBOUNCER").filter(|v| !v.is_empty()) {
        let path = PathBuf::from(path);
        return path.is_file().then_some(path);
    }
    let path_dirs: Vec<PathBuf> =
        std::env::var_os("PATH").map(|p| std::env::split_paths(&p).collect()).unwrap_or_default();
    path_dirs
        .into_iter()
        .chain(["/usr/sbin", "/usr/local/sbin", "/usr/local/bin"].iter().map(PathBuf::from))
        .map(|dir| dir.join("pgbouncer"))
        .find(|p| p.is_file())
}

/// The auth file (`"role" "secret"` lines) and hba file for every login role of `server`.
fn auth_files(server: &Server) -> Result<(String, String)> {
    let rows = server.psql(
        "SELECT rolname || '|' || coalesce(rolpassword, '') FROM pg_authid \
         WHERE rolcanlogin ORDER BY rolname",
    )?;
    let mut userlist = String::from(";; written by pgtusk-testkit from pg_authid\n");
    let mut hba = String::from("# written by pgtusk-testkit: one line per role\n");
    for line in rows.lines() {
        let Some((name, secret)) = line.split_once('|') else {
            continue;
        };
        // Names that would need quoting in either file are left out.
        if name.is_empty()
            || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            || secret.contains('"')
        {
            continue;
        }
        let method = if secret.is_empty() {
            "trust"
        } else if secret.starts_with("SCRAM-SHA-256$") {
            "scram-sha-256"
        } else if secret.starts_with("md5") {
            "md5"
        } else {
            continue;
        };
        userlist.push_str(&format!("\"{name}\" \"{secret}\"\n"));
        hba.push_str(&format!("host all {name} 127.0.0.1/32 {method}\n"));
    }
    Ok((userlist, hba))
}

/// Waits until PgBouncer (`child`) logs that it listens on `port` and accepts a TCP
/// connection there. Fails at once if it exits, and after [`READY_TIMEOUT`]; the error quotes
/// the end of the log.
fn wait_ready(child: &mut Child, port: u16, log_path: &Path, log_offset: u64) -> Result<()> {
    let start = Instant::now();
    let listening = format!("listening on 127.0.0.1:{port}");
    loop {
        match child.try_wait() {
            Ok(Some(status)) => {
                return Err(TestkitError::new(format!(
                    "PgBouncer exited during start-up ({status}); end of {}:\n{}",
                    log_path.display(),
                    util::file_tail(log_path, log_offset, 30)
                )));
            }
            Ok(None) => {}
            Err(e) => return Err(TestkitError::io("wait for PgBouncer", e)),
        }
        let ready = util::file_tail(log_path, log_offset, 200).contains(&listening)
            && TcpStream::connect_timeout(
                &SocketAddr::from((Ipv4Addr::LOCALHOST, port)),
                Duration::from_secs(1),
            )
            .is_ok();
        if ready {
            return Ok(());
        }
        if start.elapsed() > READY_TIMEOUT {
            return Err(TestkitError::new(format!(
                "PgBouncer did not accept connections on 127.0.0.1:{port} within \
                 {READY_TIMEOUT:?}; end of {}:\n{}",
                log_path.display(),
                util::file_tail(log_path, log_offset, 30)
            )));
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Starts the watchdog for PgBouncer `pid` and its directory (in its own process group, so a
/// Ctrl-C in the terminal leaves it alive to clean up).
fn spawn_watchdog(pid: u32, root: &Path) -> Result<Child> {
    Command::new("/bin/sh")
        .arg("-c")
        .arg(WATCHDOG)
        .arg("pgtusk-pgbouncer-watchdog")
        .arg(std::process::id().to_string())
        .arg(pid.to_string())
        .arg(root)
        .current_dir("/")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .map_err(|e| TestkitError::io("start the PgBouncer watchdog (/bin/sh)", e))
}
