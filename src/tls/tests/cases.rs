//! The sslmode cases, each against a real in-memory handshake.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rustls::client::danger::ServerCertVerifier;
use rustls::pki_types::{ServerName, UnixTime};
use rustls::{CertificateError, ClientConnection, ProtocolVersion, RootCertStore, version};

use super::pki::{TempDir, no_home, pki};
use super::{Failure, ServerSpec, certs, handshake, mismatched_key_server};
use crate::conn::config::{Config, SslMode, SslRootCert};
use crate::error::ErrorKind;
use crate::protocol::auth::tls_server_end_point;
use crate::tls::verify::ChainVerifier;
use crate::tls::{ALPN_POSTGRESQL, TlsConnector, channel_binding};

fn config(mode: SslMode, root: Option<&Path>) -> Config {
    let mut config = Config::new();
    config.ssl_mode(mode);
    if let Some(root) = root {
        config.ssl_root_cert(SslRootCert::File(root.to_owned()));
    }
    config
}

/// A connector for `host` whose environment has no home directory.
fn connector(config: &Config, host: &str) -> TlsConnector {
    TlsConnector::with_env(config, host, no_home).unwrap()
}

fn server() -> ServerSpec<'static> {
    ServerSpec::new(&pki().server_cert, &pki().server_key)
}

fn is_unknown_issuer(error: &rustls::Error) -> bool {
    matches!(error, rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer))
}

fn is_wrong_name(error: &rustls::Error) -> bool {
    matches!(
        error,
        rustls::Error::InvalidCertificate(
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. }
        )
    )
}

#[test]
fn verify_full_accepts_the_right_ca_and_host() {
    let dir = TempDir::new();
    let ca = dir.write("ca.crt", &pki().ca_cert);
    let config = config(SslMode::VerifyFull, Some(&ca));
    for host in ["localhost", "LocalHost", "127.0.0.1", "::1"] {
        let (client, server) = handshake(&connector(&config, host), server().config())
            .unwrap_or_else(|e| panic!("{host}: {e:?}"));
        assert_eq!(client.protocol_version(), Some(ProtocolVersion::TLSv1_3));
        // SNI for a host name only.
        let sni = if host.contains(['.', ':']) { None } else { Some("localhost") };
        assert_eq!(server.server_name(), sni, "{host}");
    }
}

#[test]
fn verify_full_refuses_another_host_name() {
    let dir = TempDir::new();
    let ca = dir.write("ca.crt", &pki().ca_cert);
    let config = config(SslMode::VerifyFull, Some(&ca));
    for host in ["db.example.com", "localhost.example.com", "10.0.0.1", "::2"] {
        let error = handshake(&connector(&config, host), server().config()).unwrap_err().client();
        assert!(is_wrong_name(&error), "{host}: {error}");
    }
}

#[test]
fn verify_ca_ignores_the_host_name_but_not_the_issuer() {
    let dir = TempDir::new();
    let ca = dir.write("ca.crt", &pki().ca_cert);
    let other = dir.write("other.crt", &pki().other_ca_cert);
    for host in ["localhost", "db.example.com", "10.0.0.1"] {
        handshake(&connector(&config(SslMode::VerifyCa, Some(&ca)), host), server().config())
            .unwrap_or_else(|e| panic!("{host}: {e:?}"));
    }
    let connector = connector(&config(SslMode::VerifyCa, Some(&other)), "localhost");
    let error = handshake(&connector, server().config()).unwrap_err().client();
    assert!(is_unknown_issuer(&error), "{error}");
}

#[test]
fn require_without_root_certificate_accepts_any_certificate() {
    let home = TempDir::new(); // no ~/.postgresql/root.crt in it
    for mode in [SslMode::Require, SslMode::Prefer, SslMode::Allow] {
        let config = config(mode, None);
        for host in ["localhost", "db.example.com"] {
            let tls = TlsConnector::with_env(&config, host, home.home_env()).unwrap();
            handshake(&tls, server().config()).unwrap();
            handshake(&connector(&config, host), server().config()).unwrap();
        }
    }
    // An explicitly named root file that does not exist means no verification too.
    let config = config(SslMode::Require, Some(Path::new("/nonexistent/root.crt")));
    handshake(&connector(&config, "db.example.com"), server().config()).unwrap();
}

#[test]
fn require_with_root_certificate_verifies_the_chain() {
    let dir = TempDir::new();
    let ca = dir.write("ca.crt", &pki().ca_cert);
    let other = dir.write("other.crt", &pki().other_ca_cert);
    for mode in [SslMode::Require, SslMode::Prefer] {
        // libpq: a root certificate makes `require` verify like `verify-ca`.
        let error =
            handshake(&connector(&config(mode, Some(&other)), "localhost"), server().config())
                .unwrap_err()
                .client();
        assert!(is_unknown_issuer(&error), "{error}");
        // ... but not the host name.
        handshake(&connector(&config(mode, Some(&ca)), "db.example.com"), server().config())
            .unwrap();
    }

    // The default root file in the home directory counts too.
    let home = TempDir::new();
    home.write(".postgresql/root.crt", &pki().other_ca_cert);
    let tls = TlsConnector::with_env(&config(SslMode::Require, None), "localhost", home.home_env())
        .unwrap();
    let error = handshake(&tls, server().config()).unwrap_err().client();
    assert!(is_unknown_issuer(&error), "{error}");
}

#[test]
fn default_root_certificate_in_home() {
    let home = TempDir::new();
    home.write(".postgresql/root.crt", &pki().ca_cert);
    let config = config(SslMode::VerifyFull, None);
    let tls = TlsConnector::with_env(&config, "localhost", home.home_env()).unwrap();
    handshake(&tls, server().config()).unwrap();
    let tls = TlsConnector::with_env(&config, "db.example.com", home.home_env()).unwrap();
    assert!(is_wrong_name(&handshake(&tls, server().config()).unwrap_err().client()));
}

#[test]
fn verify_modes_need_a_root_certificate() {
    // An explicit file that does not exist: the error names it.
    let missing = Path::new("/nonexistent/pgtusk-root.crt");
    for mode in [SslMode::VerifyFull, SslMode::VerifyCa] {
        let error =
            TlsConnector::with_env(&config(mode, Some(missing)), "localhost", no_home).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::Tls);
        let text = error.to_string();
        assert!(
            text.contains("root certificate file \"/nonexistent/pgtusk-root.crt\" does not exist"),
            "{text}"
        );
        assert!(text.contains("sslrootcert=system"), "{text}");
    }
    // The default file in a home directory that lacks it.
    let home = TempDir::new();
    let error =
        TlsConnector::with_env(&config(SslMode::VerifyFull, None), "localhost", home.home_env())
            .unwrap_err();
    let expected = home.path().join(".postgresql").join("root.crt");
    assert!(
        error.to_string().contains(&format!("\"{}\" does not exist", expected.display())),
        "{error}"
    );
    // No home directory at all.
    let error =
        TlsConnector::with_env(&config(SslMode::VerifyCa, None), "localhost", no_home).unwrap_err();
    assert!(error.to_string().contains("could not get home directory"), "{error}");
}

#[test]
fn unreadable_root_files_are_errors() {
    let dir = TempDir::new();
    let cases = [
        ("empty.crt", &b""[..]),
        ("text.crt", b"not a certificate\n"),
        ("broken.crt", b"-----BEGIN CERTIFICATE-----\nMIIB\n"),
        ("junk.crt", b"-----BEGIN CERTIFICATE-----\naGVsbG8=\n-----END CERTIFICATE-----\n"),
    ];
    for (name, contents) in cases {
        let path = dir.write(name, contents);
        // Whatever the mode: libpq fails when an existing root file cannot be loaded.
        for mode in [SslMode::Require, SslMode::VerifyFull] {
            let error = TlsConnector::with_env(&config(mode, Some(&path)), "localhost", no_home)
                .unwrap_err();
            assert_eq!(error.kind(), ErrorKind::Tls);
            assert!(error.to_string().contains(&path.display().to_string()), "{name}: {error}");
        }
    }
    // A directory exists but cannot be read as a file.
    let error =
        TlsConnector::with_env(&config(SslMode::VerifyCa, Some(dir.path())), "localhost", no_home)
            .unwrap_err();
    assert!(error.to_string().contains("could not read root certificate file"), "{error}");
}

#[test]
fn root_file_with_several_certificates() {
    let dir = TempDir::new();
    let bundle = [pki().other_ca_cert.as_slice(), &pki().ca_cert].concat();
    let path = dir.write("bundle.crt", &bundle);
    handshake(
        &connector(&config(SslMode::VerifyFull, Some(&path)), "localhost"),
        server().config(),
    )
    .unwrap();
}

#[test]
fn system_roots() {
    let mut config = Config::new();
    config.ssl_root_cert(SslRootCert::System);
    assert_eq!(config.get_ssl_mode(), SslMode::VerifyFull);
    let tls = connector(&config, "localhost");
    let error = handshake(&tls, server().config()).unwrap_err().client();
    assert!(is_unknown_issuer(&error), "{error}");
}

#[test]
fn client_certificate_is_presented() {
    let dir = TempDir::new();
    let ca = dir.write("ca.crt", &pki().ca_cert);
    let cert = dir.write("client.crt", &pki().client_cert);
    let key = dir.write("client.key", &pki().client_key_pkcs8);
    let mut config = config(SslMode::VerifyFull, Some(&ca));
    config.ssl_cert(&cert).ssl_key(&key);
    let server_config = ServerSpec { client_ca: Some(&pki().ca_cert), ..server() }.config();
    let (_, server) = handshake(&connector(&config, "localhost"), server_config.clone()).unwrap();
    assert_eq!(server.peer_certificates().unwrap(), certs(&pki().client_cert).as_slice());

    // Without one, a server that requires it refuses the handshake.
    let plain = self::config(SslMode::VerifyFull, Some(&ca));
    match handshake(&connector(&plain, "localhost"), server_config) {
        Err(Failure::Server(_)) => {}
        other => panic!("expected the server to refuse: {:?}", other.map(|_| ())),
    }
}

#[test]
fn default_client_certificate_in_home() {
    let home = TempDir::new();
    home.write(".postgresql/root.crt", &pki().ca_cert);
    home.write(".postgresql/postgresql.crt", &pki().client_cert);
    home.write(".postgresql/postgresql.key", &pki().client_key_pkcs1);
    let tls =
        TlsConnector::with_env(&config(SslMode::VerifyFull, None), "localhost", home.home_env())
            .unwrap();
    let server_config = ServerSpec { client_ca: Some(&pki().ca_cert), ..server() }.config();
    let (_, server) = handshake(&tls, server_config).unwrap();
    assert_eq!(server.peer_certificates().unwrap(), certs(&pki().client_cert).as_slice());
}

#[test]
fn key_formats() {
    let dir = TempDir::new();
    let pairs = [
        ("pkcs8", &pki().client_cert, &pki().client_key_pkcs8),
        ("pkcs1", &pki().client_cert, &pki().client_key_pkcs1),
        ("sec1", &pki().server_cert, &pki().server_key_sec1),
        ("ec-pkcs8", &pki().server_cert, &pki().server_key),
    ];
    for (name, cert, key) in pairs {
        let mut config = config(SslMode::Require, None);
        config
            .ssl_cert(dir.write(&format!("{name}.crt"), cert))
            .ssl_key(dir.write(&format!("{name}.key"), key));
        TlsConnector::with_env(&config, "localhost", no_home)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}

#[test]
fn missing_client_certificate_is_ignored() {
    let mut config = config(SslMode::Require, None);
    config.ssl_cert("/nonexistent/client.crt").ssl_key("/nonexistent/client.key");
    handshake(&connector(&config, "localhost"), server().config()).unwrap();
}

#[test]
fn client_key_must_exist_match_and_be_private() {
    let dir = TempDir::new();
    let cert = dir.write("client.crt", &pki().client_cert);
    let build = |key: &Path| {
        let mut config = config(SslMode::Require, None);
        config.ssl_cert(&cert).ssl_key(key);
        TlsConnector::with_env(&config, "localhost", no_home)
    };
    let expect_error = |key: &Path, needle: &str| {
        let error = build(key).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::Tls);
        let text = error.to_string();
        assert!(text.contains(needle), "{needle:?} not in {text:?}");
    };

    let missing = dir.path().join("missing.key");
    expect_error(
        &missing,
        &format!("certificate present, but not private key file \"{}\"", missing.display()),
    );
    expect_error(dir.path(), "is not a regular file");

    let key = dir.write("client.key", &pki().client_key_pkcs8);
    build(&key).unwrap();
    // 0644 is refused whoever owns the file (root may have 0640, others 0600).
    fs::set_permissions(&key, fs::Permissions::from_mode(0o644)).unwrap();
    expect_error(
        &key,
        &format!("private key file \"{}\" has group or world access", key.display()),
    );

    let wrong = dir.write("wrong.key", &pki().server_key);
    expect_error(&wrong, "cannot use the client certificate");
    let not_a_key = dir.write("not_a_key.key", &pki().client_cert);
    expect_error(&not_a_key, "could not load private key file");

    // A certificate present without sslkey and without a home directory.
    let mut config = config(SslMode::Require, None);
    config.ssl_cert(&cert);
    let error = TlsConnector::with_env(&config, "localhost", no_home).unwrap_err();
    assert!(error.to_string().contains("no private key file"), "{error}");
}

#[test]
fn unreadable_client_certificate_is_an_error() {
    let dir = TempDir::new();
    let cert = dir.write("client.crt", b"garbage");
    let key = dir.write("client.key", &pki().client_key_pkcs8);
    let mut config = config(SslMode::Require, None);
    config.ssl_cert(&cert).ssl_key(&key);
    let error = TlsConnector::with_env(&config, "localhost", no_home).unwrap_err();
    assert!(error.to_string().contains("could not read certificate file"), "{error}");
}

#[test]
fn channel_binding_is_the_server_certificate_hash() {
    let expected = tls_server_end_point(&certs(&pki().server_cert)[0]).unwrap();
    let tls = connector(&config(SslMode::Require, None), "localhost");
    let before = ClientConnection::new(tls.client_config(), tls.server_name()).unwrap();
    assert_eq!(channel_binding(&before), None);
    for versions in [vec![&version::TLS13], vec![&version::TLS12]] {
        let spec = ServerSpec { versions, ..server() };
        let (client, _) = handshake(&tls, spec.config()).unwrap();
        assert_eq!(channel_binding(&client).as_deref(), Some(expected.as_slice()));
    }
}

#[test]
fn alpn_postgresql_is_offered() {
    let tls = connector(&config(SslMode::Require, None), "localhost");
    assert_eq!(tls.client_config().alpn_protocols, [ALPN_POSTGRESQL]);
    let (client, server_side) = handshake(&tls, server().config()).unwrap();
    assert_eq!(server_side.alpn_protocol(), Some(ALPN_POSTGRESQL));
    assert_eq!(client.alpn_protocol(), Some(ALPN_POSTGRESQL));
    // A server that does not speak ALPN (PostgreSQL before 17) still connects.
    let (client, _) = handshake(&tls, ServerSpec { alpn: false, ..server() }.config()).unwrap();
    assert_eq!(client.alpn_protocol(), None);
}

#[test]
fn tls12_only_server() {
    let dir = TempDir::new();
    let ca = dir.write("ca.crt", &pki().ca_cert);
    let spec = ServerSpec { versions: vec![&version::TLS12], ..server() };
    let (client, _) =
        handshake(&connector(&config(SslMode::VerifyFull, Some(&ca)), "localhost"), spec.config())
            .unwrap();
    assert_eq!(client.protocol_version(), Some(ProtocolVersion::TLSv1_2));
}

#[test]
fn require_still_checks_the_handshake_signature() {
    // The server presents its certificate but cannot sign with its key.
    let server = mismatched_key_server(&pki().server_cert, &pki().cn_only_key);
    let error = handshake(&connector(&config(SslMode::Require, None), "localhost"), server)
        .unwrap_err()
        .client();
    assert!(
        matches!(error, rustls::Error::InvalidCertificate(CertificateError::BadSignature)),
        "{error}"
    );
}

#[test]
fn common_name_only_certificate() {
    // libpq checks the CN when there is no subjectAltName; webpki alone would not.
    let dir = TempDir::new();
    let ca = dir.write("ca.crt", &pki().ca_cert);
    let spec = ServerSpec::new(&pki().cn_only_cert, &pki().cn_only_key);
    let config = config(SslMode::VerifyFull, Some(&ca));
    handshake(&connector(&config, "localhost"), spec.config()).unwrap();
    for host in ["db.example.com", "127.0.0.1"] {
        let error = handshake(&connector(&config, host), spec.config()).unwrap_err().client();
        assert!(is_wrong_name(&error), "{host}: {error}");
    }
}

#[test]
fn self_signed_certificate_as_root() {
    // The certificate PostgreSQL's documentation makes (CA:TRUE, CN only, text before the
    // PEM block), given to the client as its own root certificate.
    let dir = TempDir::new();
    let root = dir.write("root.crt", &pki().self_signed_cert);
    let spec = ServerSpec::new(&pki().self_signed_cert, &pki().self_signed_key);
    handshake(&connector(&config(SslMode::VerifyFull, Some(&root)), "localhost"), spec.config())
        .unwrap();
    handshake(&connector(&config(SslMode::VerifyCa, Some(&root)), "db.example.com"), spec.config())
        .unwrap();
    let error = handshake(
        &connector(&config(SslMode::VerifyFull, Some(&root)), "db.example.com"),
        spec.config(),
    )
    .unwrap_err()
    .client();
    assert!(is_wrong_name(&error), "{error}");
    // Another CA's root does not let it in.
    let other = dir.write("other.crt", &pki().other_ca_cert);
    let error =
        handshake(&connector(&config(SslMode::VerifyCa, Some(&other)), "localhost"), spec.config())
            .unwrap_err()
            .client();
    assert!(matches!(error, rustls::Error::InvalidCertificate(_)), "{error}");
}

#[test]
fn direct_trust_checks_the_validity_period() {
    let cert = certs(&pki().self_signed_cert).remove(0);
    let provider = rustls::crypto::ring::default_provider();
    let mut roots = RootCertStore::empty();
    roots.add_parsable_certificates([cert.clone()]);
    let verifier = ChainVerifier::new(
        roots.into(),
        vec![cert.clone()],
        true,
        provider.signature_verification_algorithms,
    );
    let name = ServerName::try_from("localhost").unwrap();
    let at = |secs: u64| UnixTime::since_unix_epoch(Duration::from_secs(secs));
    verifier.verify_server_cert(&cert, &[], &name, &[], UnixTime::now()).unwrap();
    let error = verifier.verify_server_cert(&cert, &[], &name, &[], at(0)).unwrap_err();
    assert_eq!(error, rustls::Error::InvalidCertificate(CertificateError::NotValidYet));
    let later = UnixTime::now().as_secs() + 400 * 86_400;
    let error = verifier.verify_server_cert(&cert, &[], &name, &[], at(later)).unwrap_err();
    assert_eq!(error, rustls::Error::InvalidCertificate(CertificateError::Expired));
}

#[test]
fn server_names() {
    let name =
        |host: &str, mode: SslMode| TlsConnector::with_env(&config(mode, None), host, no_home);
    let ip = |s: &str| ServerName::IpAddress(s.parse::<std::net::IpAddr>().unwrap().into());
    assert_eq!(name("127.0.0.1", SslMode::Require).unwrap().server_name(), ip("127.0.0.1"));
    assert_eq!(name("::1", SslMode::Require).unwrap().server_name(), ip("::1"));
    assert_eq!(
        name("db.example.com", SslMode::Require).unwrap().server_name(),
        ServerName::try_from("db.example.com").unwrap()
    );
    // Not a DNS name: no SNI unless the name is to be checked.
    for host in ["", "/var/run/postgresql", "bad name"] {
        assert_eq!(name(host, SslMode::Require).unwrap().server_name(), ip("0.0.0.0"), "{host:?}");
    }
    let dir = TempDir::new();
    let ca: PathBuf = dir.write("ca.crt", &pki().ca_cert);
    let verify_full =
        |host: &str| TlsConnector::with_env(&config(SslMode::VerifyFull, Some(&ca)), host, no_home);
    let error = verify_full("").unwrap_err();
    assert!(error.to_string().contains("host name must be specified"), "{error}");
    let error = verify_full("bad name").unwrap_err();
    assert!(error.to_string().contains("\"bad name\""), "{error}");
}

#[test]
fn webpki_alone_would_refuse_the_libpq_cases() {
    // Guards that the two libpq rules above are really exercised.
    let provider = rustls::crypto::ring::default_provider();
    let algorithms = provider.signature_verification_algorithms.all;
    let docs = certs(&pki().self_signed_cert).remove(0);
    let mut roots = RootCertStore::empty();
    roots.add_parsable_certificates([docs.clone()]);
    let parsed = rustls::server::ParsedCertificate::try_from(&docs).unwrap();
    let chain = rustls::client::verify_server_cert_signed_by_trust_anchor(
        &parsed,
        &roots,
        &[],
        UnixTime::now(),
        algorithms,
    );
    assert!(chain.is_err(), "webpki accepted a CA:TRUE end-entity certificate");

    let cn_only = certs(&pki().cn_only_cert).remove(0);
    let parsed = rustls::server::ParsedCertificate::try_from(&cn_only).unwrap();
    let name = ServerName::try_from("localhost").unwrap();
    assert!(rustls::client::verify_server_name(&parsed, &name).is_err());
}

#[test]
fn reads_names_and_validity_of_real_certificates() {
    use crate::tls::x509::{self, AltName};

    let server = certs(&pki().server_cert).remove(0);
    let names = x509::names(&server).unwrap();
    assert_eq!(names.common_name, Some(&b"localhost"[..]));
    let loopback_v6 = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
    assert_eq!(
        names.alt_names,
        [AltName::Dns(b"localhost"), AltName::Ip(&[127, 0, 0, 1]), AltName::Ip(&loopback_v6)]
    );
    // 36500 days: notAfter is a GeneralizedTime (after 2049).
    let validity = x509::validity(&server).unwrap();
    let now = i64::try_from(UnixTime::now().as_secs()).unwrap();
    assert!(validity.not_before <= now && now - validity.not_before < 86_400 * 2);
    assert!(validity.not_after - validity.not_before >= 36_500 * 86_400 - 1);

    let cn_only = certs(&pki().cn_only_cert).remove(0);
    let names = x509::names(&cn_only).unwrap();
    assert_eq!(names.common_name, Some(&b"localhost"[..]));
    assert!(names.alt_names.is_empty());

    let ca = certs(&pki().ca_cert).remove(0);
    assert_eq!(x509::names(&ca).unwrap().common_name, Some(&b"pgtusk test CA"[..]));

    // Truncated certificates are unreadable, never a panic.
    for len in 0..server.len() {
        assert_eq!(x509::names(&server[..len]), None, "truncated to {len}");
        assert_eq!(x509::validity(&server[..len]), None, "truncated to {len}");
    }
}
