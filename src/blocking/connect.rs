//! Establishing a blocking connection: the same attempt loop as the async driver
//! ([`ConnectPlan`] decides), on `std::net`.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

use crate::conn::config::{Config, Target};
use crate::conn::{Attempt, ConnectPlan, ConnectionCore, Event};
use crate::driver::{self, CancelToken};
use crate::error::{Error, ErrorKind};

use super::stream::Stream;
use super::{Connection, fill, flush};

impl Connection {
    /// Connects with a connection string (a `postgresql://` URL or `key=value` pairs); unset
    /// parameters come from the `PG*` environment variables, then libpq's defaults.
    pub fn connect(conninfo: &str) -> Result<Self, Error> {
        let config = Config::from_env_and_str(conninfo).map_err(crate::conn::config_error)?;
        Self::connect_config(&config)
    }

    /// Connects with a parsed [`Config`].
    pub fn connect_config(config: &Config) -> Result<Self, Error> {
        let mut plan =
            ConnectPlan::new(config, driver::os_user().as_deref(), driver::random_seed())?;
        while let Some(attempt) = plan.next_attempt() {
            let deadline = config.get_connect_timeout().map(|t| Instant::now() + t);
            match try_attempt(&mut plan, &attempt, deadline) {
                Ok(mut conn) => {
                    if plan.accept(&attempt, &conn.core) {
                        return Ok(conn);
                    }
                    let _ = conn.core.send_terminate();
                    let _ = conn.flush();
                }
                Err((e, retry, tls_used)) => plan.failed(attempt, e, retry, tls_used),
            }
        }
        Err(plan.into_error())
    }
}

type AttemptError = (Error, Option<crate::conn::Retry>, bool);

fn try_attempt(
    plan: &mut ConnectPlan,
    attempt: &Attempt,
    deadline: Option<Instant>,
) -> Result<Connection, AttemptError> {
    let startup = driver::startup_config(plan, attempt).map_err(|e| (e, None, false))?;
    let config = plan.config();
    let stream = open_socket(&attempt.target, config, deadline).map_err(|e| (e, None, false))?;
    let mut core = ConnectionCore::new(startup).map_err(|e| (e, None, false))?;
    match run_startup(&mut core, stream, config, &attempt.target, deadline) {
        Ok(stream) => {
            let cancel = core.backend_key().map(|k| CancelToken {
                config: config.clone(),
                target: attempt.target.clone(),
                tls: core.is_tls(),
                process_id: k.process_id(),
                secret_key: k.secret_key().to_vec(),
            });
            Ok(Connection::from_parts(core, stream, config, cancel))
        }
        Err(e) => Err((e, core.retry_hint(), core.is_tls())),
    }
}

/// The time left before `deadline`, or a timeout error.
fn remaining(deadline: Option<Instant>) -> Result<Option<Duration>, Error> {
    match deadline {
        None => Ok(None),
        Some(d) => {
            let left = d.saturating_duration_since(Instant::now());
            if left.is_zero() {
                Err(Error::new(ErrorKind::Timeout, "connect timed out"))
            } else {
                Ok(Some(left))
            }
        }
    }
}

fn run_startup(
    core: &mut ConnectionCore,
    mut stream: Stream,
    config: &Config,
    target: &Target,
    deadline: Option<Instant>,
) -> Result<Stream, Error> {
    let mut scratch = Vec::new();
    loop {
        match core.poll_event()? {
            Some(Event::StartTls) => {
                let (tls, binding) = upgrade(stream, config, target)?;
                stream = tls;
                core.handle_tls_established(binding)?;
            }
            Some(Event::Ready) => {
                stream.set_read_timeout(None)?;
                return Ok(stream);
            }
            Some(Event::Notice(n)) => {
                driver::deliver_notice(&mut driver::default_notice_handler(), &n);
            }
            Some(_) => {}
            None => {
                flush(core, &mut stream)?;
                stream.set_read_timeout(remaining(deadline)?)?;
                fill(core, &mut stream, &mut scratch).map_err(|e| {
                    // SO_RCVTIMEO expiry reads as EAGAIN.
                    if deadline.is_some()
                        && (e.kind() == ErrorKind::Timeout || super::is_would_block(&e))
                    {
                        Error::new(ErrorKind::Timeout, "connect timed out")
                    } else {
                        e
                    }
                })?;
            }
        }
    }
}

/// Opens the socket of a target: its Unix socket, or TCP to `hostaddr` or each address the
/// host name resolves to, in order.
pub(crate) fn open_socket(
    target: &Target,
    config: &Config,
    deadline: Option<Instant>,
) -> Result<Stream, Error> {
    if let Some(path) = target.socket_path() {
        #[cfg(unix)]
        {
            let s = std::os::unix::net::UnixStream::connect(&path).map_err(|e| {
                Error::with_source(
                    ErrorKind::Io,
                    format!("cannot connect to {}", path.display()),
                    e,
                )
            })?;
            return Ok(Stream::Unix(s));
        }
        #[cfg(not(unix))]
        return Err(Error::new(ErrorKind::Unsupported, "Unix sockets are not available here"));
    }
    let addrs: Vec<SocketAddr> = match target.hostaddr {
        Some(ip) => vec![SocketAddr::new(ip, target.port)],
        None => {
            let host = target.host.name();
            (host.as_ref(), target.port)
                .to_socket_addrs()
                .map_err(|e| {
                    Error::with_source(ErrorKind::Io, format!("cannot resolve host {host}"), e)
                })?
                .collect()
        }
    };
    let mut last = None;
    for addr in addrs {
        let connected = match remaining(deadline)? {
            Some(left) => TcpStream::connect_timeout(&addr, left),
            None => TcpStream::connect(addr),
        };
        match connected {
            Ok(tcp) => {
                driver::configure_tcp(&socket2::SockRef::from(&tcp), config)?;
                return Ok(Stream::Tcp(tcp));
            }
            Err(e) => {
                last =
                    Some(Error::with_source(ErrorKind::Io, format!("cannot connect to {addr}"), e))
            }
        }
    }
    Err(last.unwrap_or_else(|| {
        Error::new(ErrorKind::Io, format!("host {} has no address", target.host.name()))
    }))
}

/// Runs the TLS handshake over a TCP stream.
#[cfg(feature = "rustls")]
fn upgrade(
    stream: Stream,
    config: &Config,
    target: &Target,
) -> Result<(Stream, Option<Vec<u8>>), Error> {
    let Stream::Tcp(mut tcp) = stream else {
        return Err(Error::new(ErrorKind::Tls, "TLS is only used over TCP"));
    };
    let connector = crate::tls::TlsConnector::new(config, &target.host.name())?;
    let mut conn =
        rustls::ClientConnection::new(connector.client_config(), connector.server_name())
            .map_err(|e| Error::with_source(ErrorKind::Tls, "cannot start TLS", e))?;
    while conn.is_handshaking() {
        conn.complete_io(&mut tcp)
            .map_err(|e| Error::with_source(ErrorKind::Tls, "TLS handshake failed", e))?;
    }
    let binding = crate::tls::channel_binding(&conn);
    Ok((Stream::Tls(Box::new(rustls::StreamOwned::new(conn, tcp))), binding))
}

#[cfg(not(feature = "rustls"))]
fn upgrade(_: Stream, _: &Config, _: &Target) -> Result<(Stream, Option<Vec<u8>>), Error> {
    Err(Error::new(ErrorKind::Unsupported, "pgtusk was built without the `rustls` feature"))
}

impl CancelToken {
    /// Blocking version of `cancel`: asks the server to cancel the statement running on the
    /// token's session.
    pub fn cancel_blocking(&self) -> Result<(), Error> {
        let mut stream = open_socket(&self.target, &self.config, None)?;
        if self.tls {
            let mut buf = bytes::BytesMut::new();
            crate::protocol::frontend::SslRequest.encode(&mut buf)?;
            stream.write_all(&buf)?;
            let mut answer = [0u8; 1];
            stream.read_exact(&mut answer)?;
            if answer == *b"S" {
                stream = upgrade(stream, &self.config, &self.target)?.0;
            } else if self.config.get_ssl_mode().requires_tls() {
                return Err(Error::new(
                    ErrorKind::Tls,
                    "server refused TLS for the cancel request",
                ));
            }
        }
        stream.write_all(&self.request_bytes()?)?;
        stream.flush()?;
        let mut sink = [0u8; 64];
        while stream.read(&mut sink)? > 0 {}
        Ok(())
    }
}
