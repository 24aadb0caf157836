//! The files libpq reads for TLS: `sslrootcert`, `sslcert` and `sslkey`, with their defaults in
//! `~/.postgresql/`, and the same rules for missing and unsafe files (`initialize_SSL` in
//! libpq's `fe-secure-openssl.c`).
//!
//! The only IO of the TLS module lives here: metadata and contents of those three files.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::RootCertStore;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

use crate::conn::config::{Config, SslMode, SslRootCert};
use crate::error::{Error, ErrorKind};

/// libpq's `ROOT_CERT_FILE`, `USER_CERT_FILE` and `USER_KEY_FILE`, in [`default_dir`].
const ROOT_CERT_FILE: &str = "root.crt";
const USER_CERT_FILE: &str = "postgresql.crt";
const USER_KEY_FILE: &str = "postgresql.key";

/// libpq's hint after a missing root certificate.
const ROOT_CERT_HINT: &str = "Either provide the file, use the system's trusted roots with \
                              sslrootcert=system, or change sslmode to disable server \
                              certificate verification.";

/// The directory of the default TLS files: `~/.postgresql` (`$HOME/.postgresql`; on Windows
/// `%APPDATA%\postgresql`), read through `env`; `None` without a home directory.
pub(super) fn default_dir(env: impl Fn(&str) -> Option<String>) -> Option<PathBuf> {
    let non_empty = |var: &str| env(var).filter(|v| !v.is_empty());
    if cfg!(windows) {
        non_empty("APPDATA").map(|dir| PathBuf::from(dir).join("postgresql"))
    } else {
        non_empty("HOME").map(|home| PathBuf::from(home).join(".postgresql"))
    }
}

/// The trust anchors a connection verifies the server against.
#[derive(Debug)]
pub(super) struct Roots {
    pub(super) store: Arc<RootCertStore>,
    /// The certificates of an `sslrootcert` file (empty for `system`).
    pub(super) file_certs: Vec<CertificateDer<'static>>,
}

/// The root certificates for `config`: `Some` when the server's chain is to be verified.
///
/// As in libpq: `sslrootcert=system` is Mozilla's root store (webpki-roots); a root file that
/// exists is loaded and verified against whatever the sslmode (so `require` verifies the chain
/// like `verify-ca`); a missing one is an error for `verify-ca` and `verify-full`, and means
/// "no verification" otherwise. An unset `sslrootcert` stands for `~/.postgresql/root.crt`.
pub(super) fn load_roots(config: &Config, home: Option<&Path>) -> Result<Option<Roots>, Error> {
    let path = match config.get_ssl_root_cert() {
        Some(SslRootCert::System) => {
            let store = RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() };
            return Ok(Some(Roots { store: Arc::new(store), file_certs: Vec::new() }));
        }
        Some(SslRootCert::File(path)) => Some(path.clone()),
        None => home.map(|dir| dir.join(ROOT_CERT_FILE)),
    };
    // libpq: "stat() failed; assume root file doesn't exist."
    let path = match path {
        Some(path) if fs::metadata(&path).is_ok() => path,
        missing => return missing_roots(config.get_ssl_mode(), missing.as_deref()),
    };
    let bytes = fs::read(&path).map_err(|e| {
        let message = format!("could not read root certificate file \"{}\"", path.display());
        Error::with_source(ErrorKind::Tls, message, e)
    })?;
    let file_certs = parse_certificates(&bytes)
        .map_err(|e| file_error("could not read root certificate file", &path, e))?;
    let mut store = RootCertStore::empty();
    let (added, _ignored) = store.add_parsable_certificates(file_certs.iter().cloned());
    if added == 0 {
        let message =
            format!("root certificate file \"{}\" holds no usable certificate", path.display());
        return Err(Error::new(ErrorKind::Tls, message));
    }
    Ok(Some(Roots { store: Arc::new(store), file_certs }))
}

/// No root certificate file: an error when `mode` verifies the certificate.
fn missing_roots(mode: SslMode, path: Option<&Path>) -> Result<Option<Roots>, Error> {
    if !mode.verifies_certificate() {
        return Ok(None);
    }
    let message = match path {
        Some(path) => {
            format!("root certificate file \"{}\" does not exist\n{ROOT_CERT_HINT}", path.display())
        }
        None => format!(
            "could not get home directory to locate root certificate file\n{ROOT_CERT_HINT}"
        ),
    };
    Err(Error::new(ErrorKind::Tls, message))
}

/// The client certificate chain and key for `config`, if a certificate file exists.
///
/// As in libpq: a missing certificate file (default `~/.postgresql/postgresql.crt`) means no
/// client certificate; once it exists, its key file (default `~/.postgresql/postgresql.key`)
/// must exist, be a regular file and pass [`key_permissions_allowed`].
pub(super) fn load_client_cert(
    config: &Config,
    home: Option<&Path>,
) -> Result<Option<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>)>, Error> {
    let cert_path = match config.get_ssl_cert() {
        Some(path) => path.to_owned(),
        None => match home {
            Some(dir) => dir.join(USER_CERT_FILE),
            None => return Ok(None),
        },
    };
    if let Err(e) = fs::metadata(&cert_path) {
        // "If file is not present, just go on without a client cert; server might or might
        // not accept the connection. Any other error, however, is grounds for complaint."
        if is_not_found(&e) {
            return Ok(None);
        }
        return Err(file_io_error("could not open certificate file", &cert_path, e));
    }
    let bytes = fs::read(&cert_path)
        .map_err(|e| file_io_error("could not read certificate file", &cert_path, e))?;
    let chain = parse_certificates(&bytes)
        .map_err(|e| file_error("could not read certificate file", &cert_path, e))?;

    let key_path = match (config.get_ssl_key(), home) {
        (Some(path), _) => path.to_owned(),
        (None, Some(dir)) => dir.join(USER_KEY_FILE),
        (None, None) => {
            let message = "certificate present, but no private key file (sslkey is unset and \
                           there is no home directory)";
            return Err(Error::new(ErrorKind::Tls, message));
        }
    };
    let key = load_key(&key_path)?;
    Ok(Some((chain, key)))
}

/// Reads a private key file after libpq's checks.
fn load_key(path: &Path) -> Result<PrivateKeyDer<'static>, Error> {
    let shown = path.display();
    let metadata = fs::metadata(path).map_err(|e| {
        let message = format!("certificate present, but not private key file \"{shown}\"");
        Error::with_source(ErrorKind::Tls, message, e)
    })?;
    if !metadata.is_file() {
        let message = format!("private key file \"{shown}\" is not a regular file");
        return Err(Error::new(ErrorKind::Tls, message));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if !key_permissions_allowed(metadata.mode(), metadata.uid()) {
            let message = format!(
                "private key file \"{shown}\" has group or world access; file must have \
                 permissions u=rw (0600) or less if owned by the current user, or permissions \
                 u=rw,g=r (0640) or less if owned by root"
            );
            return Err(Error::new(ErrorKind::Tls, message));
        }
    }
    let bytes =
        fs::read(path).map_err(|e| file_io_error("could not read private key file", path, e))?;
    // PKCS#8 ("PRIVATE KEY"), PKCS#1 ("RSA PRIVATE KEY") or SEC1 ("EC PRIVATE KEY"): the first
    // key in the file. Encrypted keys (libpq's sslpassword) are not supported.
    PrivateKeyDer::from_pem_slice(&bytes).map_err(|e| {
        let message = format!(
            "could not load private key file \"{shown}\" (a PEM PKCS#8, PKCS#1 or SEC1 key \
             without a passphrase is expected)"
        );
        Error::with_source(ErrorKind::Tls, message, e)
    })
}

/// libpq's rule for the permissions of a private key file (`st_mode`, owner `st_uid`): a file
/// owned by root may have mode 0640 or less (so a system-wide key can be shared with a group),
/// any other file 0600 or less. The owner need not be the current user: "if we're able to read
/// it despite it having such restrictive permissions, it must have the right ownership".
pub(super) fn key_permissions_allowed(mode: u32, uid: u32) -> bool {
    // S_IRWXG | S_IRWXO, and for root S_IWGRP | S_IXGRP | S_IRWXO.
    let forbidden = if uid == 0 { 0o037 } else { 0o077 };
    mode & forbidden == 0
}

/// Every certificate in a PEM file; an error if there is none or one is malformed.
fn parse_certificates(bytes: &[u8]) -> Result<Vec<CertificateDer<'static>>, PemError> {
    let certs = CertificateDer::pem_slice_iter(bytes)
        .collect::<Result<Vec<_>, _>>()
        .map_err(PemError::Malformed)?;
    if certs.is_empty() {
        return Err(PemError::Empty);
    }
    Ok(certs)
}

/// Why a PEM certificate file was refused.
#[derive(Debug)]
enum PemError {
    Malformed(rustls::pki_types::pem::Error),
    Empty,
}

fn file_error(what: &str, path: &Path, error: PemError) -> Error {
    let shown = path.display();
    match error {
        PemError::Malformed(e) => {
            Error::with_source(ErrorKind::Tls, format!("{what} \"{shown}\""), e)
        }
        PemError::Empty => {
            Error::new(ErrorKind::Tls, format!("{what} \"{shown}\": no PEM certificate in it"))
        }
    }
}

fn file_io_error(what: &str, path: &Path, error: io::Error) -> Error {
    Error::with_source(ErrorKind::Tls, format!("{what} \"{}\"", path.display()), error)
}

/// `ENOENT` or `ENOTDIR`: libpq's "not present".
fn is_not_found(error: &io::Error) -> bool {
    matches!(error.kind(), io::ErrorKind::NotFound | io::ErrorKind::NotADirectory)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_permissions_rule() {
        // Owned by a user: 0600 or less.
        for mode in [0o600, 0o400, 0o200, 0o100600, 0o700] {
            assert!(key_permissions_allowed(mode, 1000), "{mode:o}");
        }
        for mode in [0o644, 0o640, 0o604, 0o610, 0o601, 0o620, 0o666, 0o100640] {
            assert!(!key_permissions_allowed(mode, 1000), "{mode:o}");
        }
        // Owned by root: 0640 or less.
        for mode in [0o600, 0o640, 0o440, 0o100640] {
            assert!(key_permissions_allowed(mode, 0), "{mode:o}");
        }
        for mode in [0o644, 0o660, 0o650, 0o604, 0o602, 0o601, 0o100644] {
            assert!(!key_permissions_allowed(mode, 0), "{mode:o}");
        }
    }

    #[test]
    fn default_dir_from_env() {
        if cfg!(windows) {
            return;
        }
        let env = |home: Option<&'static str>| {
            move |var: &str| (var == "HOME").then_some(home).flatten().map(str::to_owned)
        };
        assert_eq!(default_dir(env(Some("/home/u"))), Some(PathBuf::from("/home/u/.postgresql")));
        assert_eq!(default_dir(env(Some(""))), None);
        assert_eq!(default_dir(env(None)), None);
    }
}
