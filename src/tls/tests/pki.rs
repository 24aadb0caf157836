//! Test certificates, made once per test process with the `openssl` command-line tool, and
//! temporary directories to put them in.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

/// PEM files (as bytes) of a small PKI.
pub(super) struct Pki {
    /// The CA that signed the server and client certificates.
    pub ca_cert: Vec<u8>,
    /// A CA that signed nothing here.
    pub other_ca_cert: Vec<u8>,
    /// CN=localhost, SAN DNS:localhost, IP:127.0.0.1, IP:::1; EC P-256.
    pub server_cert: Vec<u8>,
    /// The server key, PKCS#8.
    pub server_key: Vec<u8>,
    /// The server key as SEC1 (`EC PRIVATE KEY`).
    pub server_key_sec1: Vec<u8>,
    /// CN=localhost without any subjectAltName, signed by the CA.
    pub cn_only_cert: Vec<u8>,
    /// Its key.
    pub cn_only_key: Vec<u8>,
    /// A self-signed CA:TRUE certificate for CN=localhost, made as PostgreSQL's documentation
    /// shows (`openssl req -new -x509 -text -subj /CN=localhost`), text dump included.
    pub self_signed_cert: Vec<u8>,
    /// Its key.
    pub self_signed_key: Vec<u8>,
    /// CN=pgtusk_client, clientAuth, signed by the CA; RSA 2048.
    pub client_cert: Vec<u8>,
    /// The client key, PKCS#8 (`PRIVATE KEY`).
    pub client_key_pkcs8: Vec<u8>,
    /// The client key, PKCS#1 (`RSA PRIVATE KEY`).
    pub client_key_pkcs1: Vec<u8>,
}

const OPENSSL_CONFIG: &str = "\
[req]
distinguished_name = dn
[dn]
[ca_ext]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[server_ext]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1, IP:::1
authorityKeyIdentifier = keyid
[cn_only_ext]
basicConstraints = CA:FALSE
extendedKeyUsage = serverAuth
[client_ext]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
[docs_ext]
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always, issuer
basicConstraints = critical, CA:true
";

/// The PKI of this test process.
pub(super) fn pki() -> &'static Pki {
    static PKI: OnceLock<Pki> = OnceLock::new();
    PKI.get_or_init(generate)
}

fn generate() -> Pki {
    let dir = TempDir::new();
    let cnf = dir.write("openssl.cnf", OPENSSL_CONFIG.as_bytes());
    let cnf = cnf.to_str().unwrap();
    let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"];
    let days = ["-days", "36500"];
    let path = |name: &str| dir.path().join(name).to_str().unwrap().to_owned();

    let make_ca = |name: &str, cn: &str| {
        let (key, crt) = (path(&format!("{name}.key")), path(&format!("{name}.crt")));
        openssl(
            &["req", "-x509", "-new", "-config", cnf, "-extensions", "ca_ext", "-nodes"],
            &[&ec, &days, &["-subj", cn, "-keyout", &key, "-out", &crt]],
        );
    };
    make_ca("ca", "/CN=pgtusk test CA");
    make_ca("other_ca", "/CN=pgtusk unrelated CA");

    let (ca_crt, ca_key) = (path("ca.crt"), path("ca.key"));
    let sign = |name: &str, cn: &str, ext: &str, newkey: &[&str]| {
        let (key, csr, crt) = (
            path(&format!("{name}.key")),
            path(&format!("{name}.csr")),
            path(&format!("{name}.crt")),
        );
        openssl(
            &["req", "-new", "-config", cnf, "-nodes"],
            &[newkey, &["-subj", cn, "-keyout", &key, "-out", &csr]],
        );
        openssl(
            &[
                "x509",
                "-req",
                "-in",
                &csr,
                "-CA",
                &ca_crt,
                "-CAkey",
                &ca_key,
                "-set_serial",
                "0x1234",
            ],
            &[&days, &["-extfile", cnf, "-extensions", ext, "-out", &crt]],
        );
    };
    sign("server", "/CN=localhost", "server_ext", &ec);
    sign("cn_only", "/CN=localhost", "cn_only_ext", &ec);
    sign("client", "/CN=pgtusk_client", "client_ext", &["-newkey", "rsa:2048"]);

    openssl(&["ec", "-in", &path("server.key"), "-out", &path("server.sec1.key")], &[]);
    openssl(
        &["rsa", "-in", &path("client.key"), "-traditional", "-out", &path("client.pkcs1.key")],
        &[],
    );
    openssl(
        &["req", "-new", "-x509", "-config", cnf, "-extensions", "docs_ext", "-nodes", "-text"],
        &[
            &["-newkey", "rsa:2048", "-days", "365", "-subj", "/CN=localhost"],
            &["-keyout", &path("docs.key"), "-out", &path("docs.crt")],
        ],
    );

    let read = |name: &str| fs::read(dir.path().join(name)).unwrap();
    let pki = Pki {
        ca_cert: read("ca.crt"),
        other_ca_cert: read("other_ca.crt"),
        server_cert: read("server.crt"),
        server_key: read("server.key"),
        server_key_sec1: read("server.sec1.key"),
        cn_only_cert: read("cn_only.crt"),
        cn_only_key: read("cn_only.key"),
        self_signed_cert: read("docs.crt"),
        self_signed_key: read("docs.key"),
        client_cert: read("client.crt"),
        client_key_pkcs8: read("client.key"),
        client_key_pkcs1: read("client.pkcs1.key"),
    };
    assert!(String::from_utf8_lossy(&pki.server_key_sec1).contains("BEGIN EC PRIVATE KEY"));
    assert!(String::from_utf8_lossy(&pki.client_key_pkcs1).contains("BEGIN RSA PRIVATE KEY"));
    assert!(String::from_utf8_lossy(&pki.client_key_pkcs8).contains("BEGIN PRIVATE KEY"));
    pki
}

/// Runs `openssl` with the concatenated arguments, panicking on failure.
fn openssl(first: &[&str], rest: &[&[&str]]) {
    let args: Vec<&str> = first.iter().chain(rest.iter().flat_map(|a| a.iter())).copied().collect();
    let output = Command::new("openssl")
        .args(&args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run openssl (needed by the TLS tests): {e}"));
    assert!(
        output.status.success(),
        "openssl {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A directory under the system's temporary directory, removed on drop.
pub(super) struct TempDir(PathBuf);

impl TempDir {
    pub(super) fn new() -> Self {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!("pgtusk-tls-{}-{n}", std::process::id()));
        let _ = fs::remove_dir_all(&path);
        fs::create_dir_all(&path).unwrap();
        Self(path)
    }

    pub(super) fn path(&self) -> &Path {
        &self.0
    }

    /// Writes `contents` to `name` (relative, parent directories created) with mode 0600.
    pub(super) fn write(&self, name: &str, contents: &[u8]) -> PathBuf {
        let path = self.0.join(name);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).unwrap();
        }
        fs::write(&path, contents).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
        path
    }

    /// An environment with `HOME` set to this directory.
    pub(super) fn home_env(&self) -> impl Fn(&str) -> Option<String> + use<> {
        let home = self.0.to_str().unwrap().to_owned();
        move |var: &str| (var == "HOME").then(|| home.clone())
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// An environment without `HOME`.
pub(super) fn no_home(_var: &str) -> Option<String> {
    None
}
