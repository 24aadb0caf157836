//! Establishing an async connection: sockets, the TLS upgrade, and the attempt loop that
//! [`ConnectPlan`] decides.

use std::net::SocketAddr;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::conn::config::{Config, Target};
use crate::conn::{Attempt, ConnectPlan, ConnectionCore, Event, TlsStart};
use crate::driver::{self, CancelToken};
use crate::error::{Error, ErrorKind};

use super::stream::Stream;
use super::{Connection, fill, flush};

impl Connection {
    /// Connects with a connection string (a `postgresql://` URL or `key=value` pairs); unset
    /// parameters come from the `PG*` environment variables, then libpq's defaults.
    pub async fn connect(conninfo: &str) -> Result<Self, Error> {
        let config = Config::from_env_and_str(conninfo).map_err(crate::conn::config_error)?;
        config.connect().await
    }
}

impl Config {
    /// Connects to the first server of the list that accepts the session and fits
    /// `target_session_attrs`.
    pub async fn connect(&self) -> Result<Connection, Error> {
        let mut plan = ConnectPlan::new(self, driver::os_user().as_deref(), driver::random_seed())?;
        while let Some(attempt) = plan.next_attempt() {
            let result = match self.get_connect_timeout() {
                Some(limit) => {
                    match tokio::time::timeout(limit, try_attempt(&mut plan, &attempt)).await {
                        Ok(r) => r,
                        Err(_) => Err((
                            Error::new(
                                ErrorKind::Timeout,
                                format!("connect timed out after {limit:?}"),
                            ),
                            None,
                            false,
                        )),
                    }
                }
                None => try_attempt(&mut plan, &attempt).await,
            };
            match result {
                Ok(mut conn) => {
                    if plan.accept(&attempt, &conn.core) {
                        return Ok(conn);
                    }
                    let _ = conn.core.send_terminate();
                    let _ = conn.flush().await;
                }
                Err((e, retry, tls_used)) => plan.failed(attempt, e, retry, tls_used),
            }
        }
        Err(plan.into_error())
    }
}

type AttemptError = (Error, Option<crate::conn::Retry>, bool);

async fn try_attempt(
    plan: &mut ConnectPlan,
    attempt: &Attempt,
) -> Result<Connection, AttemptError> {
    let startup = driver::startup_config(plan, attempt).map_err(|e| (e, None, false))?;
    let config = plan.config();
    let stream = open_socket(&attempt.target, config).await.map_err(|e| (e, None, false))?;
    let mut core = ConnectionCore::new(startup).map_err(|e| (e, None, false))?;
    match run_startup(&mut core, stream, config, &attempt.target).await {
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

/// Drives the core from the first byte to the first ReadyForQuery.
async fn run_startup(
    core: &mut ConnectionCore,
    mut stream: Stream,
    config: &Config,
    target: &Target,
) -> Result<Stream, Error> {
    loop {
        match core.poll_event()? {
            Some(Event::StartTls) => {
                let (tls, binding) = upgrade(stream, config, target).await?;
                stream = tls;
                core.handle_tls_established(binding)?;
            }
            Some(Event::Ready) => return Ok(stream),
            Some(Event::Notice(n)) => {
                driver::deliver_notice(&mut driver::default_notice_handler(), &n);
            }
            Some(_) => {}
            None => {
                flush(core, &mut stream).await?;
                fill(core, &mut stream).await?;
            }
        }
    }
}

/// Opens the socket of a target: its Unix socket, or TCP to `hostaddr` or each address the
/// host name resolves to, in order.
pub(crate) async fn open_socket(target: &Target, config: &Config) -> Result<Stream, Error> {
    if let Some(path) = target.socket_path() {
        #[cfg(unix)]
        {
            let s = tokio::net::UnixStream::connect(&path).await.map_err(|e| {
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
            tokio::net::lookup_host((host.as_ref(), target.port))
                .await
                .map_err(|e| {
                    Error::with_source(ErrorKind::Io, format!("cannot resolve host {host}"), e)
                })?
                .collect()
        }
    };
    let mut last = None;
    for addr in addrs {
        match TcpStream::connect(addr).await {
            Ok(tcp) => {
                crate::driver::configure_tcp(&socket2::SockRef::from(&tcp), config)?;
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

/// Runs the TLS handshake over a TCP stream; returns the TLS stream and the channel-binding
/// data of the server certificate.
#[cfg(feature = "rustls")]
async fn upgrade(
    stream: Stream,
    config: &Config,
    target: &Target,
) -> Result<(Stream, Option<Vec<u8>>), Error> {
    let Stream::Tcp(tcp) = stream else {
        return Err(Error::new(ErrorKind::Tls, "TLS is only used over TCP"));
    };
    let connector = crate::tls::TlsConnector::new(config, &target.host.name())?;
    let tls = tokio_rustls::TlsConnector::from(connector.client_config())
        .connect(connector.server_name(), tcp)
        .await
        .map_err(|e| Error::with_source(ErrorKind::Tls, "TLS handshake failed", e))?;
    let binding = crate::tls::channel_binding(tls.get_ref().1);
    Ok((Stream::Tls(Box::new(tls)), binding))
}

#[cfg(not(feature = "rustls"))]
async fn upgrade(_: Stream, _: &Config, _: &Target) -> Result<(Stream, Option<Vec<u8>>), Error> {
    Err(Error::new(ErrorKind::Unsupported, "pgtusk was built without the `rustls` feature"))
}

impl CancelToken {
    /// Asks the server to cancel the statement running on the token's session. Uses TLS when
    /// the session did, with the session's full-length cancel key.
    pub async fn cancel(&self) -> Result<(), Error> {
        let mut stream = open_socket(&self.target, &self.config).await?;
        if self.tls {
            let mut buf = bytes::BytesMut::new();
            crate::protocol::frontend::SslRequest.encode(&mut buf)?;
            stream.write_all(&buf).await?;
            let answer = stream.read_u8().await?;
            if answer == b'S' {
                stream = upgrade(stream, &self.config, &self.target).await?.0;
            } else if self.config.get_ssl_mode().requires_tls() {
                return Err(Error::new(
                    ErrorKind::Tls,
                    "server refused TLS for the cancel request",
                ));
            }
        }
        stream.write_all(&self.request_bytes()?).await?;
        stream.flush().await?;
        // The server closes the connection once it has read the request.
        let mut sink = [0u8; 64];
        while stream.read(&mut sink).await? > 0 {}
        Ok(())
    }
}

impl Attempt {
    /// True when the attempt starts TLS.
    pub fn uses_tls(&self) -> bool {
        self.tls != TlsStart::None
    }
}
