//! TLS client configuration on rustls with libpq's `sslmode` semantics, shared by the async and
//! blocking connections.
//!
//! [`TlsConnector::new`] turns a [`Config`] and the host being connected to into a
//! [`rustls::ClientConfig`] and the [`ServerName`] to hand to rustls; the IO drivers run the
//! handshake (after an SSLRequest answered `S`, or at once for `sslnegotiation=direct`) and
//! then pass [`channel_binding`] of the established connection to the core for
//! SCRAM-SHA-256-PLUS.
//!
//! Invariant: no network IO here. The only IO is reading the `sslrootcert`, `sslcert` and
//! `sslkey` files (and their metadata) when a connector is built.
//!
//! # What each sslmode verifies
//! As libpq's ["SSL Mode Descriptions"](https://www.postgresql.org/docs/current/libpq-ssl.html#LIBPQ-SSL-SSLMODE-STATEMENTS):
//!
//! | sslmode | root certificate available | verification |
//! | --- | --- | --- |
//! | `allow`, `prefer`, `require` | no | none: encryption only |
//! | `allow`, `prefer`, `require` | yes | the chain, as `verify-ca` |
//! | `verify-ca` | required | the chain |
//! | `verify-full` | required | the chain and the host name |
//!
//! "Root certificate available" is libpq's rule: `sslrootcert=system`, or the `sslrootcert`
//! file (default `~/.postgresql/root.crt`) exists. A missing file is an error naming it for
//! `verify-ca` and `verify-full`. `disable` is treated like `require` (the caller does not
//! start TLS then). Falling back to plaintext when a `prefer` handshake fails is the
//! connection's business, not this module's.
//!
//! Without verification the server may present any certificate, but the handshake signature is
//! still checked against that certificate's key, so the channel-binding data comes from a
//! certificate the server proved it holds. There is no other way to turn verification off.
//!
//! # Decisions
//! - **Roots**: an `sslrootcert` file is PEM with one or more certificates;
//!   `sslrootcert=system` is Mozilla's root store from `webpki-roots` (not the OS store).
//!   A certificate in the file that webpki cannot use as a trust anchor is skipped; a file
//!   with none usable is an error.
//! - **Chain**: verified by webpki (`verify_server_cert_signed_by_trust_anchor`), except that a
//!   server certificate identical to one in the `sslrootcert` file is trusted directly within
//!   its validity period, as OpenSSL trusts the self-signed `CA:TRUE` certificate PostgreSQL's
//!   documentation makes (webpki refuses a CA certificate as an end-entity certificate).
//! - **Host name** (`verify-full`): libpq's rules, not webpki's — the subject CN is checked
//!   when there is no subjectAltName of the host's kind, an IP address host is matched against
//!   `iPAddress` entries (and `dNSName` entries as text), and `*.` wildcards stand for one
//!   label. An empty host, or one that is neither an IP address nor a valid DNS name, is an
//!   error for `verify-full`.
//! - **Client certificate**: `sslcert` (default `~/.postgresql/postgresql.crt`) is used if the
//!   file exists; its key `sslkey` (default `~/.postgresql/postgresql.key`) must then exist,
//!   be a regular file, and on Unix have mode 0600 or less (0640 or less if owned by root), as
//!   libpq requires. Keys are PEM PKCS#8, PKCS#1 (RSA) or SEC1 (EC), unencrypted.
//! - **SNI**: sent for a host name, not for an IP address (rustls does this from the
//!   [`ServerName`]); in modes that do not check the name, a host that is not a valid DNS
//!   name gets no SNI rather than an error.
//! - **ALPN**: `postgresql` is always offered ([`ALPN_POSTGRESQL`]); PostgreSQL 17+ requires it
//!   for direct TLS, and older servers ignore it.
//! - **Versions**: TLS 1.2 and 1.3 (libpq's default minimum is TLS 1.2).
//! - **Provider**: `ring`, chosen explicitly, so no process-wide default provider is needed.
//! - **No session resumption**: PostgreSQL servers disable it, and every handshake then
//!   verifies the certificate and yields channel-binding data.
//!
//! Not supported (libpq parameters that [`Config`] does not have): `sslcrl`/`sslcrldir`,
//! `sslpassword` (encrypted keys), `sslcertmode`, `sslsni=0`, `ssl_min_protocol_version` and
//! `ssl_max_protocol_version`, OpenSSL engine keys.

mod files;
mod host_name;
mod verify;
mod x509;

#[cfg(all(test, unix))]
mod tests;

use std::net::{IpAddr, Ipv4Addr};
use std::path::PathBuf;
use std::sync::Arc;

use rustls::client::Resumption;
use rustls::client::danger::ServerCertVerifier;
use rustls::pki_types::{DnsName, ServerName};
use rustls::{ClientConfig, CommonState};

use crate::conn::config::{Config, SslMode};
use crate::error::{Error, ErrorKind};
use crate::protocol::auth::tls_server_end_point;

use verify::{ChainVerifier, DangerousNoVerify};

/// The ALPN protocol name PostgreSQL registered, offered in every handshake.
pub const ALPN_POSTGRESQL: &[u8] = b"postgresql";

/// Everything a TLS handshake for one connection needs: the rustls client configuration
/// (verifier, roots, client certificate, ALPN) and the server name (SNI and host-name check).
///
/// Build one per connection attempt (per host), then hand both parts to rustls, for example
/// `rustls::ClientConnection::new(connector.client_config(), connector.server_name())` or
/// `tokio_rustls::TlsConnector::from(connector.client_config())`.
#[derive(Clone, Debug)]
pub struct TlsConnector {
    config: Arc<ClientConfig>,
    server_name: ServerName<'static>,
}

impl TlsConnector {
    /// Builds the TLS configuration of `config` for `host`: the target's host name or IP
    /// address literal (not a `hostaddr`, and not a Unix-socket path), used for SNI and for
    /// `verify-full`'s host-name check.
    ///
    /// Reads the `sslrootcert`, `sslcert` and `sslkey` files; their defaults are found
    /// through the `HOME` environment variable (`APPDATA` on Windows).
    ///
    /// # Errors
    /// [`ErrorKind::Tls`] when a file that is required is missing (the root certificate for
    /// `verify-ca`/`verify-full`, the key of an existing client certificate), cannot be read
    /// or parsed, a key file has group or world access, or `verify-full` is asked for a host
    /// that is empty or not a valid name.
    pub fn new(config: &Config, host: &str) -> Result<Self, Error> {
        Self::with_env(config, host, |var| std::env::var(var).ok())
    }

    /// [`TlsConnector::new`] with the environment read through `env` (for `HOME`/`APPDATA`).
    pub fn with_env(
        config: &Config,
        host: &str,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, Error> {
        let mode = config.get_ssl_mode();
        let server_name = server_name(host, mode)?;
        let home: Option<PathBuf> = files::default_dir(env);
        let roots = files::load_roots(config, home.as_deref())?;
        let client_cert = files::load_client_cert(config, home.as_deref())?;

        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let algorithms = provider.signature_verification_algorithms;
        let verifier: Arc<dyn ServerCertVerifier> = match roots {
            Some(roots) => Arc::new(ChainVerifier::new(
                roots.store,
                roots.file_certs,
                mode.verifies_host_name(),
                algorithms,
            )),
            None => Arc::new(DangerousNoVerify::new(algorithms)),
        };
        let builder = ClientConfig::builder_with_provider(provider)
            .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
            .map_err(|e| Error::with_source(ErrorKind::Tls, "cannot set up TLS", e))?
            .dangerous()
            .with_custom_certificate_verifier(verifier);
        let mut client = match client_cert {
            Some((chain, key)) => builder.with_client_auth_cert(chain, key).map_err(|e| {
                let message = "cannot use the client certificate (sslcert) with its key (sslkey)";
                Error::with_source(ErrorKind::Tls, message, e)
            })?,
            None => builder.with_no_client_auth(),
        };
        client.alpn_protocols = vec![ALPN_POSTGRESQL.to_vec()];
        client.resumption = Resumption::disabled();
        Ok(Self { config: Arc::new(client), server_name })
    }

    /// The rustls client configuration.
    pub fn client_config(&self) -> Arc<ClientConfig> {
        Arc::clone(&self.config)
    }

    /// The server name to connect with: a DNS name (sent as SNI) or an IP address (no SNI).
    pub fn server_name(&self) -> ServerName<'static> {
        self.server_name.clone()
    }
}

/// The [`ServerName`] for `host`. In modes that do not check the host name, a host that is
/// not a valid DNS name (a Unix-socket path, an empty string) becomes the unspecified IPv4
/// address, which rustls sends no SNI for; `verify-full` refuses it, as libpq does.
fn server_name(host: &str, mode: SslMode) -> Result<ServerName<'static>, Error> {
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Ok(ServerName::IpAddress(ip.into()));
    }
    match DnsName::try_from(host) {
        Ok(name) => Ok(ServerName::DnsName(name.to_owned())),
        Err(_) if !mode.verifies_host_name() => {
            Ok(ServerName::IpAddress(IpAddr::V4(Ipv4Addr::UNSPECIFIED).into()))
        }
        Err(_) if host.is_empty() => Err(Error::new(
            ErrorKind::Tls,
            "host name must be specified for a verified SSL connection",
        )),
        Err(e) => Err(Error::with_source(
            ErrorKind::Tls,
            format!("host name \"{host}\" is not valid for a verified SSL connection"),
            e,
        )),
    }
}

/// The `tls-server-end-point` channel-binding data (RFC 5929) of an established TLS
/// connection: a hash of the server's certificate, for SCRAM-SHA-256-PLUS.
///
/// Takes any rustls connection state, so a `&rustls::ClientConnection` (or the connection
/// inside a `tokio_rustls::client::TlsStream`) coerces to it. `None` before the handshake
/// has delivered the server's certificate, or when the certificate's signature algorithm has
/// no defined hash (see [`tls_server_end_point`]).
pub fn channel_binding(conn: &CommonState) -> Option<Vec<u8>> {
    let end_entity = conn.peer_certificates()?.first()?;
    tls_server_end_point(end_entity.as_ref())
}
