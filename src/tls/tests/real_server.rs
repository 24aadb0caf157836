//! Handshakes against real PostgreSQL servers started by `pgtusk-testkit` (ignored by default:
//! `cargo test --lib tls::tests::real_server -- --ignored`).
//!
//! Each server has `ssl = on` with the testkit's CA and a server certificate for
//! `localhost`/`127.0.0.1`, and a `cert_user` role that logs in with a client certificate.

use std::io::{Read, Write};
use std::net::TcpStream;

use pgtusk_testkit::{Server, roles, test_versions};
use rustls::{CertificateError, ClientConnection};

use super::certs;
use super::pki::{TempDir, no_home, pki};
use crate::conn::config::{Config, SslMode, SslRootCert};
use crate::protocol::auth::tls_server_end_point;
use crate::tls::{ALPN_POSTGRESQL, TlsConnector, channel_binding};

/// SSLRequest: length 8, code 80877103.
const SSL_REQUEST: [u8; 8] = [0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f];

/// How TLS is started.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Negotiation {
    /// SSLRequest, then TLS after `S`.
    Postgres,
    /// TLS at once (PostgreSQL 17+).
    Direct,
}

/// Connects to `server`, starts TLS with `connector` and finishes the handshake.
fn connect(
    server: &Server,
    connector: &TlsConnector,
    negotiation: Negotiation,
) -> Result<(ClientConnection, TcpStream), std::io::Error> {
    let mut tcp = TcpStream::connect(("127.0.0.1", server.port()))?;
    if negotiation == Negotiation::Postgres {
        tcp.write_all(&SSL_REQUEST)?;
        let mut answer = [0];
        tcp.read_exact(&mut answer)?;
        assert_eq!(answer, *b"S", "PostgreSQL {} refused TLS", server.major());
    }
    let mut tls = ClientConnection::new(connector.client_config(), connector.server_name())
        .expect("client connection");
    while tls.is_handshaking() {
        tls.complete_io(&mut tcp)?;
    }
    Ok((tls, tcp))
}

/// Sends a StartupMessage for `user` and returns the first authentication request code.
fn startup(tls: &mut ClientConnection, tcp: &mut TcpStream, user: &str) -> i32 {
    let mut body = Vec::new();
    body.extend_from_slice(&196_608_i32.to_be_bytes()); // protocol 3.0
    for part in ["user", user, "database", "postgres", ""] {
        body.extend_from_slice(part.as_bytes());
        body.push(0);
    }
    let len = i32::try_from(body.len() + 4).unwrap();
    let mut stream = rustls::Stream::new(tls, tcp);
    stream.write_all(&len.to_be_bytes()).unwrap();
    stream.write_all(&body).unwrap();
    let mut header = [0; 9];
    stream.read_exact(&mut header).unwrap();
    assert_eq!(header[0], b'R', "expected an authentication request, got {header:?}");
    i32::from_be_bytes([header[5], header[6], header[7], header[8]])
}

fn verify_full(server: &Server) -> Config {
    let mut config = Config::new();
    config
        .ssl_mode(SslMode::VerifyFull)
        .ssl_root_cert(SslRootCert::File(server.ca_cert().to_owned()))
        .ssl_cert(server.client_cert())
        .ssl_key(server.client_key());
    config
}

#[test]
#[ignore = "starts PostgreSQL servers (pgtusk-testkit)"]
fn real_servers() {
    for major in test_versions() {
        let server = Server::shared(major);
        let server_cert = certs(&std::fs::read(&server.tls_files().server_cert).unwrap()).remove(0);
        let expected_binding = tls_server_end_point(&server_cert).unwrap();

        let mut negotiations = vec![Negotiation::Postgres];
        if major >= 17 {
            negotiations.push(Negotiation::Direct);
        }
        for negotiation in negotiations {
            for host in ["localhost", "127.0.0.1"] {
                let what = format!("PostgreSQL {major}, {negotiation:?}, {host}");
                let connector =
                    TlsConnector::with_env(&verify_full(server), host, no_home).unwrap();
                let (mut tls, mut tcp) = connect(server, &connector, negotiation)
                    .unwrap_or_else(|e| panic!("{what}: {e}"));
                assert_eq!(
                    channel_binding(&tls).as_deref(),
                    Some(expected_binding.as_slice()),
                    "{what}"
                );
                // PostgreSQL 17+ answers ALPN; older servers ignore it.
                let alpn = (major >= 17).then_some(ALPN_POSTGRESQL);
                assert_eq!(tls.alpn_protocol(), alpn, "{what}");
                // `cert` authentication accepted the client certificate: AuthenticationOk.
                assert_eq!(startup(&mut tls, &mut tcp, roles::CERT), 0, "{what}");
            }
        }

        // The wrong root certificate and the wrong host name are refused.
        let dir = TempDir::new();
        let other = dir.write("other.crt", &pki().other_ca_cert);
        let mut config = Config::new();
        config.ssl_mode(SslMode::VerifyCa).ssl_root_cert(SslRootCert::File(other));
        let connector = TlsConnector::with_env(&config, "localhost", no_home).unwrap();
        let error = connect(server, &connector, Negotiation::Postgres).unwrap_err();
        let inner = error.get_ref().and_then(|e| e.downcast_ref::<rustls::Error>());
        assert_eq!(
            inner,
            Some(&rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer)),
            "PostgreSQL {major}: {error}"
        );
        let connector =
            TlsConnector::with_env(&verify_full(server), "db.example.com", no_home).unwrap();
        let error = connect(server, &connector, Negotiation::Postgres).unwrap_err();
        let inner = error.get_ref().and_then(|e| e.downcast_ref::<rustls::Error>());
        assert!(
            matches!(
                inner,
                Some(rustls::Error::InvalidCertificate(
                    CertificateError::NotValidForNameContext { .. }
                ))
            ),
            "PostgreSQL {major}: {error}"
        );

        // `require` without a root certificate: encrypted, not verified, still bound.
        let mut config = Config::new();
        config.ssl_mode(SslMode::Require);
        let connector = TlsConnector::with_env(&config, "db.example.com", no_home).unwrap();
        let (tls, _) = connect(server, &connector, Negotiation::Postgres).unwrap();
        assert_eq!(channel_binding(&tls).as_deref(), Some(expected_binding.as_slice()));
    }
}
