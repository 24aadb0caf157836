//! TLS files made with the `openssl` command-line tool, once per cache directory.
//!
//! A CA, a server certificate for `localhost` (SAN `DNS:localhost`, `IP:127.0.0.1`,
//! `IP:::1`) and a client certificate whose CN is `cert_user` (the role that logs in with
//! `cert` authentication), all RSA 2048 with SHA-256. Every server version shares them, so a
//! test needs one CA file whatever it connects to.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::error::{Result, TestkitError};
use crate::roles;
use crate::util;

/// Paths of the TLS files of a server.
///
/// The private keys have mode 0600 and belong to the user running the tests, so libpq (and
/// pgtusk) accept them as `sslkey`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    /// The CA certificate that signed the server and client certificates (`sslrootcert`).
    pub ca_cert: PathBuf,
    /// The server certificate: CN=localhost, SAN DNS:localhost, IP:127.0.0.1, IP:::1.
    pub server_cert: PathBuf,
    /// The server's private key.
    pub server_key: PathBuf,
    /// The client certificate for [`roles::CERT`] (CN=cert_user) (`sslcert`).
    pub client_cert: PathBuf,
    /// The client certificate's private key (`sslkey`).
    pub client_key: PathBuf,
}

impl TlsFiles {
    fn in_dir(dir: &Path) -> TlsFiles {
        TlsFiles {
            ca_cert: dir.join("ca.crt"),
            server_cert: dir.join("server.crt"),
            server_key: dir.join("server.key"),
            client_cert: dir.join(format!("{}.crt", roles::CERT)),
            client_key: dir.join(format!("{}.key", roles::CERT)),
        }
    }
}

const OPENSSL_CONFIG: &str = "\
[req]
distinguished_name = dn
prompt = no

[dn]
CN = pgtusk-testkit

[v3_ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always

[v3_server]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1, IP:::1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid

[v3_client]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
";

/// The TLS files in `<cache>/certs`, generating them on first use.
pub(crate) fn ensure(cache: &Path) -> Result<TlsFiles> {
    let dir = cache.join("certs");
    let marker = dir.join(".pgtusk-complete");
    if marker.is_file() {
        return Ok(TlsFiles::in_dir(&dir));
    }
    let _lock = util::lock_exclusive(&cache.join("certs.lock"))?;
    if marker.is_file() {
        return Ok(TlsFiles::in_dir(&dir));
    }
    let tmp = cache.join("certs.tmp");
    util::remove_path(&tmp)?;
    util::create_public_dir(&tmp)?;
    generate(&tmp)?;
    fs::write(tmp.join(".pgtusk-complete"), "1\n")
        .map_err(|e| TestkitError::io("write the certs marker", e))?;
    util::remove_path(&dir)?;
    fs::rename(&tmp, &dir).map_err(|e| TestkitError::io("rename certs.tmp to certs", e))?;
    Ok(TlsFiles::in_dir(&dir))
}

fn generate(dir: &Path) -> Result<()> {
    let config = dir.join("openssl.cnf");
    fs::write(&config, OPENSSL_CONFIG).map_err(|e| TestkitError::io("write openssl.cnf", e))?;
    let openssl = |args: &[&str], what: &str| -> Result<()> {
        let mut cmd = Command::new("openssl");
        cmd.args(args).current_dir(dir).env("OPENSSL_CONF", &config);
        util::run(&mut cmd, what).map(drop).map_err(|e| {
            TestkitError::new(format!(
                "{e}\n(the `openssl` command-line tool is needed: apt-get install openssl)"
            ))
        })
    };
    let days = "3650";
    for key in ["ca.key", "server.key"] {
        openssl(&["genrsa", "-out", key, "2048"], &format!("openssl genrsa {key}"))?;
    }
    openssl(
        &["genrsa", "-out", &format!("{}.key", roles::CERT), "2048"],
        "openssl genrsa (client key)",
    )?;
    openssl(
        &[
            "req",
            "-new",
            "-x509",
            "-config",
            "openssl.cnf",
            "-extensions",
            "v3_ca",
            "-key",
            "ca.key",
            "-subj",
            "/CN=pgtusk-testkit CA",
            "-days",
            days,
            "-sha256",
            "-out",
            "ca.crt",
        ],
        "openssl req (CA certificate)",
    )?;
    let sign = |name: &str, subject: &str, extensions: &str, serial: &str| -> Result<()> {
        let csr = format!("{name}.csr");
        openssl(
            &[
                "req",
                "-new",
                "-config",
                "openssl.cnf",
                "-key",
                &format!("{name}.key"),
                "-subj",
                subject,
                "-sha256",
                "-out",
                &csr,
            ],
            &format!("openssl req ({name} request)"),
        )?;
        openssl(
            &[
                "x509",
                "-req",
                "-in",
                &csr,
                "-CA",
                "ca.crt",
                "-CAkey",
                "ca.key",
                "-set_serial",
                serial,
                "-days",
                days,
                "-sha256",
                "-extfile",
                "openssl.cnf",
                "-extensions",
                extensions,
                "-out",
                &format!("{name}.crt"),
            ],
            &format!("openssl x509 ({name} certificate)"),
        )?;
        util::remove_path(&dir.join(csr))
    };
    sign("server", "/CN=localhost", "v3_server", "2")?;
    sign(roles::CERT, &format!("/CN={}", roles::CERT), "v3_client", "3")?;
    for entry in fs::read_dir(dir).map_err(|e| TestkitError::io("list the certs dir", e))? {
        let path = entry.map_err(|e| TestkitError::io("list the certs dir", e))?.path();
        let mode = if path.extension().is_some_and(|x| x == "key") { 0o600 } else { 0o644 };
        fs::set_permissions(&path, fs::Permissions::from_mode(mode))
            .map_err(|e| TestkitError::io(format!("chmod {}", path.display()), e))?;
    }
    Ok(())
}
