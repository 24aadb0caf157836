//! Pieces both IO drivers (async and blocking) share that are not protocol decisions: OS
//! facts (the user name, randomness), the default notice handler, and the session handles
//! (notifications, cancel tokens) they hand out.

use std::fmt;

use crate::conn::config::{Config, Target};
use crate::conn::{Attempt, ConnectPlan, StartupConfig};
use crate::error::{DbError, Error, ErrorKind};
use crate::protocol::backend::{ErrorFields, NotificationResponse};

/// A notice handler: called with every NoticeResponse (warnings, `RAISE NOTICE`...).
pub type NoticeHandler = Box<dyn FnMut(&DbError) + Send>;

/// The default notice handler: logs through the `log` crate (target `pgtusk::notice`), at
/// `warn` for WARNING and `info` for the rest, as psycopg logs them.
pub(crate) fn default_notice_handler() -> NoticeHandler {
    Box::new(|n: &DbError| {
        let level = if n.severity() == "WARNING" { log::Level::Warn } else { log::Level::Info };
        log::log!(target: "pgtusk::notice", level, "{}: {}", n.severity(), n.message());
    })
}

/// Hands a notice to the handler.
pub(crate) fn deliver_notice(handler: &mut NoticeHandler, fields: &ErrorFields) {
    handler(&DbError::from_fields(fields));
}

/// A `NOTIFY` received on a channel the session listens to.
#[derive(Clone, PartialEq, Eq)]
pub struct Notification {
    process_id: i32,
    channel: String,
    payload: String,
}

impl Notification {
    pub(crate) fn from_message(n: &NotificationResponse) -> Self {
        Self {
            process_id: n.process_id(),
            channel: n.channel().to_owned(),
            payload: n.payload().to_owned(),
        }
    }

    /// The process id of the notifying session.
    pub fn process_id(&self) -> i32 {
        self.process_id
    }

    /// The channel name.
    pub fn channel(&self) -> &str {
        &self.channel
    }

    /// The payload (empty when none was given).
    pub fn payload(&self) -> &str {
        &self.payload
    }
}

impl fmt::Debug for Notification {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Notification")
            .field("process_id", &self.process_id)
            .field("channel", &self.channel)
            .field("payload", &self.payload)
            .finish()
    }
}

/// The operating-system user name, libpq's default user. libpq asks the user database for
/// the name of the effective user ID; so does pgtusk on Linux (the ID from `/proc/self`, the
/// name from `/etc/passwd`), which also covers a container or a service with no `$USER`.
/// Where that finds nothing (another OS, a user known only to LDAP or the like), `$USER`,
/// then `$LOGNAME`, then `$USERNAME` (Windows).
pub(crate) fn os_user() -> Option<String> {
    passwd_user().or_else(|| {
        ["USER", "LOGNAME", "USERNAME"]
            .iter()
            .find_map(|k| std::env::var(k).ok().filter(|v| !v.is_empty()))
    })
}

/// The effective user's name in `/etc/passwd`.
#[cfg(target_os = "linux")]
fn passwd_user() -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    // A process's /proc directory belongs to its effective user and group (proc(5)).
    let uid = std::fs::metadata("/proc/self").ok()?.uid();
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    user_of(&passwd, uid).map(str::to_owned)
}

#[cfg(not(target_os = "linux"))]
fn passwd_user() -> Option<String> {
    None
}

/// The name of user `uid` in the text of a passwd file (`name:password:uid:gid:...` lines);
/// the first line with that ID wins, as in `getpwuid`.
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
fn user_of(passwd: &str, uid: u32) -> Option<&str> {
    passwd.lines().find_map(|line| {
        let mut fields = line.split(':');
        let name = fields.next().filter(|n| !n.is_empty() && !n.starts_with(['#', '+', '-']))?;
        let id: u32 = fields.nth(1)?.parse().ok()?;
        (id == uid).then_some(name)
    })
}

/// Random bytes from the operating system.
pub(crate) fn random_bytes<const N: usize>() -> Result<[u8; N], Error> {
    let mut out = [0u8; N];
    getrandom::fill(&mut out).map_err(|e| {
        Error::new(ErrorKind::Io, format!("the operating system gave no random bytes: {e}"))
    })?;
    Ok(out)
}

/// The startup parameters of `attempt`, with a fresh SCRAM nonce
/// ([`ConnectPlan::startup_config`], which reads the password file when no password was
/// given). A warning it leaves (a password file ignored for its permissions) goes to the log.
pub(crate) fn startup_config(
    plan: &mut ConnectPlan,
    attempt: &Attempt,
) -> Result<StartupConfig, Error> {
    let startup = plan.startup_config(attempt, random_bytes::<18>()?);
    for warning in plan.take_warnings() {
        log::warn!(target: "pgtusk", "{warning}");
    }
    Ok(startup)
}

/// A random seed for host shuffling.
pub(crate) fn random_seed() -> u64 {
    random_bytes::<8>().map_or(0x9e37_79b9_7f4a_7c15, u64::from_ne_bytes)
}

/// Everything needed to cancel the running statement of a session from elsewhere: where the
/// server is, whether the session used TLS, and the session's cancel key (of any length: 4
/// bytes under protocol 3.0, up to 256 under 3.2).
///
/// Cancelling is best effort, as in PostgreSQL: the server may have finished the statement
/// already, and the answer to the cancel request says nothing either way.
#[derive(Clone)]
pub struct CancelToken {
    pub(crate) config: Config,
    pub(crate) target: Target,
    pub(crate) tls: bool,
    pub(crate) process_id: i32,
    pub(crate) secret_key: Vec<u8>,
}

impl fmt::Debug for CancelToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CancelToken")
            .field("target", &self.target)
            .field("tls", &self.tls)
            .field("process_id", &self.process_id)
            .field("secret_key_len", &self.secret_key.len())
            .finish()
    }
}

impl CancelToken {
    /// The CancelRequest packet.
    pub(crate) fn request_bytes(&self) -> Result<bytes::BytesMut, Error> {
        let mut buf = bytes::BytesMut::new();
        crate::protocol::frontend::CancelRequest {
            process_id: self.process_id,
            secret_key: &self.secret_key,
        }
        .encode(&mut buf)?;
        Ok(buf)
    }
}

/// Applies TCP_NODELAY and the keepalive settings to a connected socket.
pub(crate) fn configure_tcp(sock: &socket2::SockRef<'_>, config: &Config) -> Result<(), Error> {
    let io =
        |e: std::io::Error| Error::with_source(ErrorKind::Io, "cannot configure the socket", e);
    sock.set_tcp_nodelay(true).map_err(io)?;
    if config.get_keepalives() {
        let mut ka = socket2::TcpKeepalive::new();
        if let Some(idle) = config.get_keepalives_idle() {
            ka = ka.with_time(idle);
        }
        #[cfg(any(target_os = "linux", target_os = "macos", target_os = "freebsd", windows))]
        if let Some(interval) = config.get_keepalives_interval() {
            ka = ka.with_interval(interval);
        }
        #[cfg(any(target_os = "linux", target_os = "macos", target_os = "freebsd"))]
        if let Some(count) = config.get_keepalives_count() {
            ka = ka.with_retries(count);
        }
        sock.set_tcp_keepalive(&ka).map_err(io)?;
    }
    Ok(())
}

/// How long a read under a batching threshold may wait for the threshold's bytes before it
/// takes what has arrived (see [`ConnectionCore::read_wake_threshold`]).
///
/// [`ConnectionCore::read_wake_threshold`]: crate::conn::ConnectionCore::read_wake_threshold
pub(crate) const READ_BATCH_WAIT: std::time::Duration = std::time::Duration::from_millis(1);

/// Sets a TCP socket's receive low-water mark: the kernel wakes a reader (and epoll reports
/// it readable) only once `bytes` are queued; a non-blocking read still returns whatever is
/// there. Linux signals readiness at once if lowering the mark satisfies it.
#[cfg(any(target_os = "linux", target_os = "android"))]
#[allow(unsafe_code)]
pub(crate) fn set_recv_lowat(
    sock: std::os::fd::BorrowedFd<'_>,
    bytes: usize,
) -> std::io::Result<()> {
    use std::os::fd::AsRawFd;
    let value = libc::c_int::try_from(bytes).unwrap_or(libc::c_int::MAX);
    let len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
    // SAFETY: the descriptor is borrowed, so it stays open for the call; the option value is
    // a c_int that lives on this stack frame, and `len` is its size.
    let rc = unsafe {
        libc::setsockopt(
            sock.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_RCVLOWAT,
            (&raw const value).cast(),
            len,
        )
    };
    if rc == 0 { Ok(()) } else { Err(std::io::Error::last_os_error()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwd_lines() {
        let passwd = "# comment\n+nis::0:0::/:\nroot:x:0:0:root:/root:/bin/bash\n\
                      broken\ndaemon:x:1:1::/:/usr/sbin/nologin\nalias:x:0:0::/:\n\
                      app:x:1000:1000:App,,,:/home/app:/bin/sh";
        assert_eq!(user_of(passwd, 0), Some("root"));
        assert_eq!(user_of(passwd, 1), Some("daemon"));
        assert_eq!(user_of(passwd, 1000), Some("app"));
        assert_eq!(user_of(passwd, 4242), None);
        assert_eq!(user_of("", 0), None);
    }

    /// The name found is the one `id -un` (the user database through NSS) gives for this
    /// process, whatever `$USER` says.
    #[cfg(target_os = "linux")]
    #[test]
    fn os_user_is_the_effective_user() {
        let out = std::process::Command::new("id").arg("-un").output().unwrap();
        assert!(out.status.success());
        let id = String::from_utf8(out.stdout).unwrap();
        assert_eq!(os_user().as_deref(), Some(id.trim()));
    }
}
