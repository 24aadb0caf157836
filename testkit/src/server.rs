//! A running throwaway server: start, query, stop, kill, restart.

use std::fs::{self, OpenOptions};
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener, TcpStream};
use std::os::unix::net::UnixStream;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use crate::certs::{self, TlsFiles};
use crate::error::{Result, TestkitError};
use crate::install::{self, SUPPORTED_VERSIONS, check_major};
use crate::roles;
use crate::template;
use crate::util::{self, server_user};

/// How long a server may take to accept connections.
const READY_TIMEOUT: Duration = Duration::from_secs(30);

/// The watchdog that stops a server and removes its directory once the process that started
/// it is gone (statics are never dropped in a test binary, and a test process may be killed).
/// Arguments: the parent pid, the server's directory.
const WATCHDOG: &str = r#"
parent=$1
dir=$2
while kill -0 "$parent" 2>/dev/null; do sleep 0.5; done
pid=$(head -n 1 "$dir/data/postmaster.pid" 2>/dev/null)
case "$pid" in ''|*[!0-9]*) pid= ;; esac
if [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = postgres ]; then
  kill -QUIT "$pid" 2>/dev/null
  i=0
  while kill -0 "$pid" 2>/dev/null && [ "$i" -lt 100 ]; do sleep 0.1; i=$((i+1)); done
  kill -KILL "$pid" 2>/dev/null
fi
rm -rf "$dir"
"#;

/// How to stop a server, as `pg_ctl stop -m` names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShutdownMode {
    /// SIGTERM: waits for every client to disconnect.
    Smart,
    /// SIGINT: rolls back open transactions, disconnects clients (they receive
    /// `57P01 admin_shutdown`), writes a checkpoint.
    Fast,
    /// SIGQUIT: every process exits at once; the next start runs crash recovery.
    Immediate,
}

impl ShutdownMode {
    fn signal(self) -> &'static str {
        match self {
            ShutdownMode::Smart => "TERM",
            ShutdownMode::Fast => "INT",
            ShutdownMode::Immediate => "QUIT",
        }
    }
}

/// What to start: a major version and extra server settings.
///
/// ```no_run
/// use pgtusk_testkit::ServerSpec;
/// let server = ServerSpec::new(18)
///     .setting("max_prepared_transactions", "10")
///     .start()?;
/// # Ok::<(), pgtusk_testkit::TestkitError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerSpec {
    /// The PostgreSQL major version, 14 to 18.
    pub major: u32,
    /// Extra settings passed as `-c name=value` on the server's command line (they win over
    /// the template's `postgresql.conf`).
    pub settings: Vec<(String, String)>,
}

impl ServerSpec {
    /// A spec for `major` with the default settings.
    pub fn new(major: u32) -> ServerSpec {
        ServerSpec { major, settings: Vec::new() }
    }

    /// Adds a server setting (`-c name=value`).
    pub fn setting(mut self, name: impl Into<String>, value: impl Into<String>) -> ServerSpec {
        self.settings.push((name.into(), value.into()));
        self
    }

    /// Starts a server: fetches the binaries and makes the template if needed, copies the
    /// template to a fresh data directory, starts `postgres` on a free port and waits until
    /// it accepts connections.
    pub fn start(&self) -> Result<Server> {
        check_major(self.major)?;
        for (name, _) in &self.settings {
            if name.is_empty()
                || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
            {
                return Err(TestkitError::new(format!("invalid setting name {name:?}")));
            }
        }
        let major = self.major;
        let bin_dir = install::bin_dir(major)?;
        let tls = certs::ensure(&install::cache_dir()?)?;
        let user = server_user()?;
        let version = install::server_version(&bin_dir)?;

        let root = util::make_short_temp_dir(util::run_dir(), "pgtk-")?;
        // From here on, dropping `server` stops whatever runs and removes `root`.
        let mut server = Server {
            major,
            version,
            data_dir: root.join("data"),
            log_path: root.join("server.log"),
            root,
            bin_dir,
            port: 0,
            ipv6: ipv6_available(),
            settings: self.settings.clone(),
            tls,
            postmaster: None,
            watchdog: None,
        };
        user.chown(&server.root)?;
        server.watchdog = Some(spawn_watchdog(&server.root)?);
        {
            let (template, _lock) = template::ensure(major, &server.bin_dir, &server.tls)?;
            let mut cp = Command::new("cp");
            cp.arg("-a").arg(&template).arg(&server.data_dir);
            util::run(&mut cp, "copying the template data directory")?;
        }
        fs::File::create(&server.log_path)
            .map_err(|e| TestkitError::io(format!("create {}", server.log_path.display()), e))?;
        user.chown(&server.log_path)?;

        let mut last_error = None;
        for _ in 0..10 {
            let port = free_port(server.ipv6);
            match server.launch(port) {
                Ok(()) => {
                    server.port = port;
                    return Ok(server);
                }
                Err(Launch::PortTaken(e)) => last_error = Some(e),
                Err(Launch::Failed(e)) => {
                    return Err(TestkitError::new(format!("PostgreSQL {major}: {e}")));
                }
            }
        }
        Err(TestkitError::new(format!(
            "PostgreSQL {major}: no usable port after 10 tries: {}",
            last_error.map(|e| e.to_string()).unwrap_or_default()
        )))
    }
}

enum Launch {
    /// The port was taken between choosing it and binding it: try another.
    PortTaken(TestkitError),
    Failed(TestkitError),
}

/// A running throwaway PostgreSQL server.
///
/// It listens on `127.0.0.1` (and `::1` where the machine has IPv6) on a port picked at run
/// time, and on a unix socket in [`socket_dir`](Server::socket_dir). It has TLS on, with the
/// certificates of [`tls_files`](Server::tls_files), and the roles of [`roles`].
///
/// Dropping a `Server` stops it at once (immediate shutdown) and removes its data directory.
/// A watchdog process does the same if the test process exits without dropping it (shared
/// servers, `std::process::exit`, a killed test binary).
#[derive(Debug)]
pub struct Server {
    major: u32,
    version: String,
    bin_dir: PathBuf,
    root: PathBuf,
    data_dir: PathBuf,
    log_path: PathBuf,
    port: u16,
    ipv6: bool,
    settings: Vec<(String, String)>,
    tls: TlsFiles,
    postmaster: Option<Child>,
    watchdog: Option<Child>,
}

impl Server {
    /// Starts a new server of this major version (14 to 18) with the default settings.
    pub fn start(major: u32) -> Result<Server> {
        ServerSpec::new(major).start()
    }

    /// The server of this major version shared by the whole test process, started on first
    /// use. Tests that need to stop, kill or reconfigure a server start their own instead.
    ///
    /// # Panics
    /// If the server cannot be started (the error says why); later calls panic again with
    /// the same error, without retrying.
    pub fn shared(major: u32) -> &'static Server {
        match Server::try_shared(major) {
            Ok(server) => server,
            Err(e) => panic!("could not start the shared PostgreSQL {major} server: {e}"),
        }
    }

    /// Like [`shared`](Server::shared), returning the error instead of panicking.
    pub fn try_shared(major: u32) -> Result<&'static Server> {
        static SHARED: [OnceLock<Result<Server>>; SUPPORTED_VERSIONS.len()] =
            [const { OnceLock::new() }; SUPPORTED_VERSIONS.len()];
        check_major(major)?;
        let index = SUPPORTED_VERSIONS.iter().position(|&m| m == major).unwrap_or_default();
        SHARED[index].get_or_init(|| Server::start(major)).as_ref().map_err(Clone::clone)
    }

    /// The major version, e.g. `18`.
    pub fn major(&self) -> u32 {
        self.major
    }

    /// The server's version as `postgres --version` reports it, e.g. `18.6` or `15.14`.
    pub fn version_string(&self) -> String {
        self.version.clone()
    }

    /// The TCP port (on `127.0.0.1`, and `::1` when [`has_ipv6`](Server::has_ipv6)); also
    /// the port number in the unix socket's name.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The host to connect to over TCP: `"127.0.0.1"`.
    pub fn host(&self) -> &str {
        "127.0.0.1"
    }

    /// Whether the server also listens on `::1`.
    pub fn has_ipv6(&self) -> bool {
        self.ipv6
    }

    /// The directory of the unix socket (`host=` for libpq-style configs); the socket is
    /// `<dir>/.s.PGSQL.<port>`.
    pub fn socket_dir(&self) -> &Path {
        &self.root
    }

    /// The data directory.
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// The directory holding `postgres`, `psql`, `pg_ctl`, ... of this server.
    pub fn bin_dir(&self) -> &Path {
        &self.bin_dir
    }

    /// The server's log file (stderr of the postmaster).
    pub fn log_path(&self) -> &Path {
        &self.log_path
    }

    /// The whole server log, for assertions and failure messages.
    pub fn log(&self) -> String {
        fs::read(&self.log_path)
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default()
    }

    /// The postmaster's pid while the server runs.
    pub fn pid(&self) -> Option<u32> {
        self.postmaster.as_ref().map(Child::id)
    }

    /// A URL for `role` over TCP: `postgresql://role:role_pw@127.0.0.1:PORT/postgres`, with
    /// the password of [`roles::password`] (none for `postgres`, `trust_user`, `cert_user`
    /// and unknown roles).
    pub fn url(&self, role: &str) -> String {
        match roles::password(role) {
            Some(pw) => format!("postgresql://{role}:{pw}@127.0.0.1:{}/postgres", self.port),
            None => format!("postgresql://{role}@127.0.0.1:{}/postgres", self.port),
        }
    }

    /// A URL for `role` over the unix socket:
    /// `postgresql://role[:pw]@/postgres?host=SOCKET_DIR&port=PORT`.
    pub fn socket_url(&self, role: &str) -> String {
        let auth = match roles::password(role) {
            Some(pw) => format!("{role}:{pw}"),
            None => role.to_string(),
        };
        format!("postgresql://{auth}@/postgres?host={}&port={}", self.root.display(), self.port)
    }

    /// A key/value connection string for `role` over TCP:
    /// `host=127.0.0.1 port=PORT user=ROLE dbname=postgres [password=PW]`.
    pub fn conninfo(&self, role: &str) -> String {
        let mut s = format!("host=127.0.0.1 port={} user={role} dbname=postgres", self.port);
        if let Some(pw) = roles::password(role) {
            s.push_str(" password=");
            s.push_str(&pw);
        }
        s
    }

    /// All TLS file paths.
    pub fn tls_files(&self) -> &TlsFiles {
        &self.tls
    }

    /// The CA certificate that signed the server's certificate (`sslrootcert`).
    pub fn ca_cert(&self) -> &Path {
        &self.tls.ca_cert
    }

    /// The client certificate of [`roles::CERT`] (`sslcert`).
    pub fn client_cert(&self) -> &Path {
        &self.tls.client_cert
    }

    /// The client certificate's private key, mode 0600 (`sslkey`).
    pub fn client_key(&self) -> &Path {
        &self.tls.client_key
    }

    /// A `psql` command from this server's own binaries with a clean environment (no `PG*`
    /// variables, C locale, `PGCONNECT_TIMEOUT=10`) and the options `-X -A -t -v
    /// ON_ERROR_STOP=1`. Add a connection string and `-c SQL`; for example, to check that a
    /// role can log in:
    ///
    /// ```no_run
    /// # let server = pgtusk_testkit::Server::start(18)?;
    /// let out = server
    ///     .psql_command()
    ///     .arg(format!("{} sslmode=disable", server.conninfo("md5_user")))
    ///     .args(["-c", "select current_user"])
    ///     .output()
    ///     .unwrap();
    /// assert!(out.status.success());
    /// # Ok::<(), pgtusk_testkit::TestkitError>(())
    /// ```
    pub fn psql_command(&self) -> Command {
        let mut cmd = Command::new(self.bin_dir.join("psql"));
        util::clean_env(&mut cmd);
        cmd.env("PGCONNECT_TIMEOUT", "10")
            .args(["-X", "-A", "-t", "-v", "ON_ERROR_STOP=1"])
            .stdin(Stdio::null());
        cmd
    }

    /// Runs `sql` with the server's own `psql` as the superuser over the unix socket
    /// (unaligned, tuples only), for test set-up and cross-checks. Returns what psql printed,
    /// without the final newline. Several statements may be separated by `;`.
    pub fn psql(&self, sql: &str) -> Result<String> {
        let mut cmd = self.psql_command();
        cmd.arg("-q")
            .arg("-h")
            .arg(&self.root)
            .args(["-p", &self.port.to_string(), "-U", roles::SUPERUSER, "-d", "postgres"])
            .args(["-c", sql]);
        let out = util::run(&mut cmd, &format!("psql -c {sql:?}"))?;
        let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
        if text.ends_with('\n') {
            text.pop();
        }
        Ok(text)
    }

    /// Whether the postmaster is running.
    pub fn is_running(&mut self) -> bool {
        self.postmaster.as_mut().is_some_and(|c| matches!(c.try_wait(), Ok(None)))
    }

    /// Stops the server with `mode`, keeping its data directory so that
    /// [`restart`](Server::restart) can start it again. Does nothing if it is not running.
    pub fn shutdown(&mut self, mode: ShutdownMode) -> Result<()> {
        let Some(mut child) = self.postmaster.take() else {
            return Ok(());
        };
        if matches!(child.try_wait(), Ok(Some(_))) {
            return Ok(());
        }
        util::send_signal(child.id(), mode.signal());
        let timeout = if mode == ShutdownMode::Smart {
            Duration::from_secs(60)
        } else {
            Duration::from_secs(30)
        };
        if util::wait_timeout(&mut child, timeout).is_some() {
            return Ok(());
        }
        let pid = child.id();
        let children = util::child_pids(pid);
        let _ = child.kill();
        let _ = child.wait();
        for child_pid in children {
            util::send_signal(child_pid, "KILL");
        }
        Err(TestkitError::new(format!(
            "PostgreSQL {} (pid {pid}) did not stop within {timeout:?} ({mode:?}); killed it",
            self.major
        )))
    }

    /// Simulates a dead server: SIGKILLs the postmaster and all its children (backends
    /// included, so connected clients see their sockets close at once). The data directory
    /// stays; [`restart`](Server::restart) brings the server back after crash recovery.
    ///
    /// As `synchronous_commit` is off, the last ~200 ms of commits may be lost, as on a real
    /// crash: run `CHECKPOINT` first for data that must survive.
    pub fn kill(&mut self) {
        let Some(mut child) = self.postmaster.take() else {
            return;
        };
        let children = util::child_pids(child.id());
        let _ = child.kill();
        let _ = child.wait();
        for &pid in &children {
            util::send_signal(pid, "KILL");
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        while children.iter().any(|&pid| util::process_alive(pid)) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// Starts the server again on the same port and data directory, after a fast shutdown if
    /// it is running. Retries for a few seconds while the port or the old shared memory is
    /// still in use.
    pub fn restart(&mut self) -> Result<()> {
        self.shutdown(ShutdownMode::Fast)?;
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            match self.launch(self.port) {
                Ok(()) => return Ok(()),
                Err(Launch::PortTaken(e) | Launch::Failed(e)) => {
                    if Instant::now() >= deadline {
                        return Err(e);
                    }
                    std::thread::sleep(Duration::from_millis(100));
                }
            }
        }
    }

    /// Stops the server (fast shutdown) and removes its data directory.
    pub fn stop(mut self) -> Result<()> {
        let result = self.shutdown(ShutdownMode::Fast);
        self.cleanup();
        result
    }

    /// Spawns the postmaster on `port` and waits until it accepts connections.
    fn launch(&mut self, port: u16) -> Result<(), Launch> {
        let user = server_user().map_err(Launch::Failed)?;
        let offset = fs::metadata(&self.log_path).map(|m| m.len()).unwrap_or(0);
        let open_log = || {
            OpenOptions::new().append(true).create(true).open(&self.log_path).map_err(|e| {
                Launch::Failed(TestkitError::io(format!("open {}", self.log_path.display()), e))
            })
        };
        let listen =
            if self.ipv6 { "listen_addresses=127.0.0.1,::1" } else { "listen_addresses=127.0.0.1" };
        let mut cmd = user.command(self.bin_dir.join("postgres"));
        cmd.arg("-D").arg(&self.data_dir).arg("-k").arg(&self.root).args([
            "-p",
            &port.to_string(),
            "-c",
            listen,
        ]);
        for (name, value) in &self.settings {
            cmd.arg("-c").arg(format!("{name}={value}"));
        }
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(open_log()?)
            .stderr(open_log()?)
            .process_group(0)
            .spawn()
            .map_err(|e| {
                Launch::Failed(TestkitError::io(format!("start PostgreSQL {}", self.major), e))
            })?;
        match wait_ready(
            &mut child,
            &self.data_dir,
            &self.root,
            port,
            Some(Ipv4Addr::LOCALHOST),
            &self.log_path,
            offset,
        ) {
            Ok(()) => {
                self.postmaster = Some(child);
                Ok(())
            }
            Err(e) => {
                let _ = child.kill();
                let _ = child.wait();
                let log = util::file_tail(&self.log_path, offset, 50);
                let port_taken = ["could not bind", "could not create any TCP/IP sockets"]
                    .iter()
                    .any(|m| log.contains(m));
                if port_taken { Err(Launch::PortTaken(e)) } else { Err(Launch::Failed(e)) }
            }
        }
    }

    fn cleanup(&mut self) {
        if let Some(mut child) = self.postmaster.take() {
            if matches!(child.try_wait(), Ok(None)) {
                util::send_signal(child.id(), ShutdownMode::Immediate.signal());
                if util::wait_timeout(&mut child, Duration::from_secs(10)).is_none() {
                    let _ = child.kill();
                }
            }
            let _ = child.wait();
        }
        let _ = util::remove_path(&self.root);
        if let Some(mut watchdog) = self.watchdog.take() {
            let _ = watchdog.kill();
            let _ = watchdog.wait();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.cleanup();
    }
}

/// Starts the watchdog for a server directory (in its own process group, so a Ctrl-C in the
/// terminal leaves it alive to clean up).
fn spawn_watchdog(root: &Path) -> Result<Child> {
    Command::new("/bin/sh")
        .arg("-c")
        .arg(WATCHDOG)
        .arg("pgtusk-watchdog")
        .arg(std::process::id().to_string())
        .arg(root)
        .current_dir("/")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .map_err(|e| TestkitError::io("start the watchdog (/bin/sh)", e))
}

/// Whether `::1` can be bound on this machine.
fn ipv6_available() -> bool {
    static IPV6: OnceLock<bool> = OnceLock::new();
    *IPV6.get_or_init(|| TcpListener::bind((Ipv6Addr::LOCALHOST, 0)).is_ok())
}

/// A port that is free on 127.0.0.1 (and ::1 when `ipv6`).
///
/// It is drawn at random below the kernel's ephemeral range, so that no outgoing connection
/// is handed the same port while the server is restarted; if none is found there, the kernel
/// picks one (bind to port 0).
pub(crate) fn free_port(ipv6: bool) -> u16 {
    let free = |port: u16| {
        TcpListener::bind((Ipv4Addr::LOCALHOST, port)).is_ok()
            && (!ipv6 || TcpListener::bind((Ipv6Addr::LOCALHOST, port)).is_ok())
    };
    let low = fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|p| p.parse::<u16>().ok()))
        .unwrap_or(32768);
    if low > 11000 {
        for _ in 0..50 {
            let port = 10000 + (util::random_u64() % u64::from(low - 10000)) as u16;
            if free(port) {
                return port;
            }
        }
    }
    for _ in 0..50 {
        if let Ok(listener) = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            && let Ok(addr) = listener.local_addr()
        {
            drop(listener);
            if free(addr.port()) {
                return addr.port();
            }
        }
    }
    0
}

/// Waits until the postmaster `child` is ready: `postmaster.pid` names it and says `ready`,
/// its unix socket accepts a connection, and so does `tcp_host:port` when given. Fails at
/// once if it exits, and after 30 s; the error quotes the end of the log.
pub(crate) fn wait_ready(
    child: &mut Child,
    data_dir: &Path,
    socket_dir: &Path,
    port: u16,
    tcp_host: Option<Ipv4Addr>,
    log_path: &Path,
    log_offset: u64,
) -> Result<()> {
    let start = Instant::now();
    let pid_file = data_dir.join("postmaster.pid");
    let socket = socket_dir.join(format!(".s.PGSQL.{port}"));
    let pid = child.id().to_string();
    loop {
        match child.try_wait() {
            Ok(Some(status)) => {
                return Err(TestkitError::new(format!(
                    "postgres exited during start-up ({status}); end of {}:\n{}",
                    log_path.display(),
                    util::file_tail(log_path, log_offset, 30)
                )));
            }
            Ok(None) => {}
            Err(e) => return Err(TestkitError::io("wait for postgres", e)),
        }
        let ready = fs::read_to_string(&pid_file).is_ok_and(|text| {
            let lines: Vec<&str> = text.lines().collect();
            lines.first().map(|l| l.trim()) == Some(pid.as_str())
                && lines.get(7).map(|l| l.trim()) == Some("ready")
        }) && UnixStream::connect(&socket).is_ok()
            && tcp_host.is_none_or(|host| {
                TcpStream::connect_timeout(&SocketAddr::from((host, port)), Duration::from_secs(1))
                    .is_ok()
            });
        if ready {
            return Ok(());
        }
        if start.elapsed() > READY_TIMEOUT {
            return Err(TestkitError::new(format!(
                "postgres did not accept connections within {READY_TIMEOUT:?}; end of {}:\n{}",
                log_path.display(),
                util::file_tail(log_path, log_offset, 30)
            )));
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}
