//! Real TLS handshakes in memory: a rustls server (configured here) against the client
//! configuration [`TlsConnector`] builds, with bytes pumped between the two through
//! `write_tls`/`read_tls`. The certificates are made by `openssl` at test time ([`pki`]).

mod cases;
mod pki;
mod real_server;

use std::io::{Read, Write};
use std::sync::Arc;

use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::{ClientHello, ResolvesServerCert, WebPkiClientVerifier};
use rustls::sign::CertifiedKey;
use rustls::{ClientConnection, ConnectionCommon, RootCertStore, ServerConfig, ServerConnection};
use rustls::{SupportedProtocolVersion, version};

use super::TlsConnector;

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn certs(pem: &[u8]) -> Vec<CertificateDer<'static>> {
    CertificateDer::pem_slice_iter(pem).collect::<Result<_, _>>().unwrap()
}

fn key(pem: &[u8]) -> PrivateKeyDer<'static> {
    PrivateKeyDer::from_pem_slice(pem).unwrap()
}

/// How the test server is set up.
struct ServerSpec<'a> {
    cert: &'a [u8],
    key: &'a [u8],
    /// Require a client certificate signed by this CA.
    client_ca: Option<&'a [u8]>,
    /// Answer ALPN `postgresql` (PostgreSQL 17+ does; older servers ignore ALPN).
    alpn: bool,
    versions: Vec<&'static SupportedProtocolVersion>,
}

impl<'a> ServerSpec<'a> {
    fn new(cert: &'a [u8], key: &'a [u8]) -> Self {
        Self {
            cert,
            key,
            client_ca: None,
            alpn: true,
            versions: vec![&version::TLS13, &version::TLS12],
        }
    }

    fn config(&self) -> Arc<ServerConfig> {
        let builder = ServerConfig::builder_with_provider(provider())
            .with_protocol_versions(&self.versions)
            .unwrap();
        let builder = match self.client_ca {
            Some(ca) => {
                let mut roots = RootCertStore::empty();
                roots.add_parsable_certificates(certs(ca));
                let verifier =
                    WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider())
                        .build()
                        .unwrap();
                builder.with_client_cert_verifier(verifier)
            }
            None => builder.with_no_client_auth(),
        };
        let mut config = builder.with_single_cert(certs(self.cert), key(self.key)).unwrap();
        if self.alpn {
            config.alpn_protocols = vec![b"postgresql".to_vec()];
        }
        Arc::new(config)
    }
}

/// A server that presents `cert` but signs the handshake with an unrelated `key`.
#[derive(Debug)]
struct MismatchedKey(Arc<CertifiedKey>);

impl ResolvesServerCert for MismatchedKey {
    fn resolve(&self, _client_hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(Arc::clone(&self.0))
    }
}

fn mismatched_key_server(cert: &[u8], key_pem: &[u8]) -> Arc<ServerConfig> {
    let signing_key = provider().key_provider.load_private_key(key(key_pem)).unwrap();
    let resolver = MismatchedKey(Arc::new(CertifiedKey::new(certs(cert), signing_key)));
    let config = ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_cert_resolver(Arc::new(resolver));
    Arc::new(config)
}

/// Which side of the handshake failed.
#[derive(Debug)]
enum Failure {
    Client(rustls::Error),
    Server(rustls::Error),
}

impl Failure {
    /// The client's error, panicking if the server failed first.
    fn client(self) -> rustls::Error {
        match self {
            Failure::Client(e) => e,
            Failure::Server(e) => panic!("expected the client to fail, but the server did: {e}"),
        }
    }
}

/// Moves every pending TLS record from `from` to `to`.
fn transfer<A, B>(from: &mut ConnectionCommon<A>, to: &mut ConnectionCommon<B>) {
    while from.wants_write() {
        let mut records = Vec::new();
        from.write_tls(&mut records).unwrap();
        let mut rest = &records[..];
        while !rest.is_empty() {
            to.read_tls(&mut rest).unwrap();
        }
    }
}

/// Runs a complete handshake between `connector`'s client configuration and `server`, then
/// checks that application data flows both ways.
fn handshake(
    connector: &TlsConnector,
    server: Arc<ServerConfig>,
) -> Result<(ClientConnection, ServerConnection), Failure> {
    let mut client =
        ClientConnection::new(connector.client_config(), connector.server_name()).unwrap();
    let mut server = ServerConnection::new(server).unwrap();
    for _ in 0..10 {
        transfer(&mut client, &mut server);
        server.process_new_packets().map_err(Failure::Server)?;
        transfer(&mut server, &mut client);
        client.process_new_packets().map_err(Failure::Client)?;
        if !client.is_handshaking() && !server.is_handshaking() {
            exchange_data(&mut client, &mut server);
            return Ok((client, server));
        }
    }
    panic!("the handshake did not finish");
}

fn exchange_data(client: &mut ClientConnection, server: &mut ServerConnection) {
    client.writer().write_all(b"ping").unwrap();
    transfer(client, server);
    server.process_new_packets().unwrap();
    let mut buf = [0; 4];
    server.reader().read_exact(&mut buf).unwrap();
    assert_eq!(&buf, b"ping");
    server.writer().write_all(b"pong").unwrap();
    transfer(server, client);
    client.process_new_packets().unwrap();
    client.reader().read_exact(&mut buf).unwrap();
    assert_eq!(&buf, b"pong");
}
