//! The two server-certificate verifiers behind the sslmodes.
//!
//! - [`DangerousNoVerify`]: `require` (and `prefer`/`allow`) without a root certificate. Any
//!   certificate is accepted, but the handshake signature is still checked against it, so the
//!   certificate used for channel binding is one whose key the server proved it holds.
//! - [`ChainVerifier`]: the chain is verified against the roots by webpki (`verify-ca`, and
//!   `require` with a root certificate, as in libpq), plus the host name with libpq's rules for
//!   `verify-full` (see [`super::host_name`]).
//!
//! One difference from webpki is deliberate: a server certificate that is byte-for-byte one of
//! the certificates in the `sslrootcert` file is trusted directly, provided it is within its
//! validity period — as OpenSSL does for the self-signed certificate PostgreSQL's
//! documentation makes (`openssl req -new -x509`), which carries `CA:TRUE` and which webpki
//! refuses as an end-entity certificate. Trust in that exact certificate was configured
//! explicitly, and the handshake signature still proves the server holds its key.

use std::net::IpAddr;
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::verify_server_cert_signed_by_trust_anchor;
use rustls::crypto::{WebPkiSupportedAlgorithms, verify_tls12_signature, verify_tls13_signature};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::server::ParsedCertificate;
use rustls::{CertificateError, DigitallySignedStruct, RootCertStore, SignatureScheme};

use super::host_name::{self, Mismatch};
use super::x509;

/// Accepts any server certificate; checks only the handshake signatures made with its key.
///
/// This is libpq's `sslmode=require` without a root certificate: encryption without
/// authentication of the server. It is not public: the only way to get it is that sslmode.
#[derive(Debug)]
pub(crate) struct DangerousNoVerify {
    algorithms: WebPkiSupportedAlgorithms,
}

impl DangerousNoVerify {
    pub(crate) fn new(algorithms: WebPkiSupportedAlgorithms) -> Self {
        Self { algorithms }
    }
}

impl ServerCertVerifier for DangerousNoVerify {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// Verifies the chain against root certificates and, optionally, the host name.
#[derive(Debug)]
pub(crate) struct ChainVerifier {
    roots: Arc<RootCertStore>,
    /// The certificates of the `sslrootcert` file, as given: a server certificate equal to
    /// one of them is trusted directly.
    trusted_certs: Vec<CertificateDer<'static>>,
    /// `verify-full`: check the host name too.
    check_host_name: bool,
    algorithms: WebPkiSupportedAlgorithms,
}

impl ChainVerifier {
    pub(crate) fn new(
        roots: Arc<RootCertStore>,
        trusted_certs: Vec<CertificateDer<'static>>,
        check_host_name: bool,
        algorithms: WebPkiSupportedAlgorithms,
    ) -> Self {
        Self { roots, trusted_certs, check_host_name, algorithms }
    }

    /// `None` if `end_entity` is not one of the trusted certificates; else whether it is
    /// within its validity period at `now`.
    fn direct_trust(
        &self,
        end_entity: &CertificateDer<'_>,
        now: UnixTime,
    ) -> Option<Result<(), rustls::Error>> {
        let end_entity = end_entity.as_ref();
        if !self.trusted_certs.iter().any(|c| c.as_ref() == end_entity) {
            return None;
        }
        let Some(validity) = x509::validity(end_entity) else {
            return Some(Err(CertificateError::BadEncoding.into()));
        };
        let now = i64::try_from(now.as_secs()).unwrap_or(i64::MAX);
        Some(if now < validity.not_before {
            Err(CertificateError::NotValidYet.into())
        } else if now > validity.not_after {
            Err(CertificateError::Expired.into())
        } else {
            Ok(())
        })
    }
}

impl ServerCertVerifier for ChainVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let cert = ParsedCertificate::try_from(end_entity)?;
        let chain = verify_server_cert_signed_by_trust_anchor(
            &cert,
            &self.roots,
            intermediates,
            now,
            self.algorithms.all,
        );
        if let Err(error) = chain {
            match self.direct_trust(end_entity, now) {
                Some(direct) => direct?,
                None => return Err(error),
            }
        }
        if self.check_host_name {
            check_host_name(end_entity, server_name)?;
        }
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// libpq's host-name check of the server certificate against the name the connection was
/// made with.
fn check_host_name(end_entity: &[u8], server_name: &ServerName<'_>) -> Result<(), rustls::Error> {
    let host = match server_name {
        ServerName::DnsName(name) => name.as_ref().to_owned(),
        ServerName::IpAddress(ip) => IpAddr::from(*ip).to_string(),
        _ => return Err(CertificateError::NotValidForName.into()),
    };
    let names = x509::names(end_entity).ok_or(CertificateError::BadEncoding)?;
    match host_name::check(&names, &host) {
        Ok(()) => Ok(()),
        Err(Mismatch::Malformed) => Err(CertificateError::BadEncoding.into()),
        Err(Mismatch::NoMatch(presented)) => Err(CertificateError::NotValidForNameContext {
            expected: server_name.to_owned(),
            presented,
        }
        .into()),
    }
}
