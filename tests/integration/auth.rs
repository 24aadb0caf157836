//! Authentication against every testkit role, async and blocking alike: one table of cases,
//! each with the outcome it must have (success with the right user and TLS state, a SQLSTATE,
//! or a client-side error kind).

use std::time::Duration;

use pgtusk::{Error, ErrorKind, SqlState};
use pgtusk_testkit::{Server, roles};

use crate::common::{conninfo_pw, servers, with_deadline, within};

/// What a connection attempt must give.
#[derive(Clone, Debug)]
enum Expect {
    /// Connected as this role, over TLS or not.
    Ok { user: &'static str, tls: bool },
    /// The server refused with this SQLSTATE.
    Db(SqlState),
    /// The client refused (or failed) with this error kind.
    Kind(ErrorKind),
}

#[derive(Clone, Debug)]
struct Case {
    name: &'static str,
    conninfo: String,
    expect: Expect,
}

fn ok(user: &'static str) -> Expect {
    Expect::Ok { user, tls: false }
}

/// The right password of a predefined role.
fn pw(role: &str) -> String {
    roles::password(role).unwrap()
}

/// The cases that need no TLS support in the client.
fn plain_cases(s: &Server) -> Vec<Case> {
    let off = "sslmode=disable";
    let c = |name, role: &str, password: Option<&str>, extra: &str, expect| Case {
        name,
        conninfo: conninfo_pw(s, role, password, &format!("{off} {extra}")),
        expect,
    };
    let invalid_password = || Expect::Db(SqlState::INVALID_PASSWORD);
    let auth = || Expect::Kind(ErrorKind::Auth);
    vec![
        c("superuser trust", roles::SUPERUSER, None, "", ok(roles::SUPERUSER)),
        c("trust", roles::TRUST, None, "", ok(roles::TRUST)),
        c("trust ignores a password", roles::TRUST, Some("whatever"), "", ok(roles::TRUST)),
        c(
            "cleartext password",
            roles::PASSWORD,
            Some(&pw(roles::PASSWORD)),
            "",
            ok(roles::PASSWORD),
        ),
        c("md5", roles::MD5, Some(&pw(roles::MD5)), "", ok(roles::MD5)),
        c("scram-sha-256", roles::SCRAM, Some(&pw(roles::SCRAM)), "", ok(roles::SCRAM)),
        c("nossl_user without TLS", roles::NOSSL, Some(&pw(roles::NOSSL)), "", ok(roles::NOSSL)),
        c("wrong cleartext password", roles::PASSWORD, Some("wrong"), "", invalid_password()),
        c("wrong md5 password", roles::MD5, Some("wrong"), "", invalid_password()),
        c("wrong scram password", roles::SCRAM, Some("wrong"), "", invalid_password()),
        c("missing cleartext password", roles::PASSWORD, None, "", auth()),
        c("missing md5 password", roles::MD5, None, "", auth()),
        c("missing scram password", roles::SCRAM, None, "", auth()),
        c(
            "require_auth=scram-sha-256 refuses md5",
            roles::MD5,
            Some(&pw(roles::MD5)),
            "require_auth=scram-sha-256",
            auth(),
        ),
        c(
            "require_auth=scram-sha-256 accepts scram",
            roles::SCRAM,
            Some(&pw(roles::SCRAM)),
            "require_auth=scram-sha-256",
            ok(roles::SCRAM),
        ),
        c(
            "require_auth=md5 accepts md5",
            roles::MD5,
            Some(&pw(roles::MD5)),
            "require_auth=md5",
            ok(roles::MD5),
        ),
        c(
            "require_auth=!password refuses cleartext",
            roles::PASSWORD,
            Some(&pw(roles::PASSWORD)),
            "require_auth=!password",
            auth(),
        ),
        c(
            "require_auth=!password accepts scram",
            roles::SCRAM,
            Some(&pw(roles::SCRAM)),
            "require_auth=!password",
            ok(roles::SCRAM),
        ),
        c(
            "require_auth=password,md5 accepts cleartext",
            roles::PASSWORD,
            Some(&pw(roles::PASSWORD)),
            "require_auth=password,md5",
            ok(roles::PASSWORD),
        ),
        c(
            "require_auth=none accepts trust",
            roles::TRUST,
            None,
            "require_auth=none",
            ok(roles::TRUST),
        ),
        c(
            "require_auth=none refuses scram",
            roles::SCRAM,
            Some(&pw(roles::SCRAM)),
            "require_auth=none",
            auth(),
        ),
        c(
            "require_auth=scram-sha-256 refuses trust",
            roles::TRUST,
            None,
            "require_auth=scram-sha-256",
            auth(),
        ),
        c(
            "ssl_only_user without TLS",
            roles::SSL_ONLY,
            Some(&pw(roles::SSL_ONLY)),
            "",
            Expect::Db(SqlState::INVALID_AUTHORIZATION_SPECIFICATION),
        ),
        c(
            "cert_user without TLS",
            roles::CERT,
            None,
            "",
            Expect::Db(SqlState::INVALID_AUTHORIZATION_SPECIFICATION),
        ),
        c(
            "channel_binding=require without TLS",
            roles::SCRAM,
            Some(&pw(roles::SCRAM)),
            "channel_binding=require",
            auth(),
        ),
        c(
            "channel_binding=prefer without TLS",
            roles::SCRAM,
            Some(&pw(roles::SCRAM)),
            "channel_binding=prefer",
            ok(roles::SCRAM),
        ),
        Case {
            name: "a database that does not exist",
            conninfo: format!(
                "host=127.0.0.1 port={} user=postgres dbname=no_such_db_pgtusk {off}",
                s.port()
            ),
            expect: Expect::Db(SqlState::INVALID_CATALOG_NAME),
        },
        c(
            "a role that does not exist (scram catch-all)",
            "no_such_role_pgtusk",
            Some("pw"),
            "",
            invalid_password(),
        ),
        c(
            "a role that does not exist, without a password",
            "no_such_role_pgtusk",
            None,
            "",
            auth(),
        ),
        Case {
            name: "unix socket, superuser",
            conninfo: s.socket_url(roles::SUPERUSER),
            expect: ok(roles::SUPERUSER),
        },
        Case {
            name: "unix socket, scram",
            conninfo: s.socket_url(roles::SCRAM),
            expect: ok(roles::SCRAM),
        },
        Case {
            name: "unix socket, md5",
            conninfo: s.socket_url(roles::MD5),
            expect: ok(roles::MD5),
        },
        Case {
            name: "unix socket, nossl_user",
            conninfo: s.socket_url(roles::NOSSL),
            expect: ok(roles::NOSSL),
        },
        Case {
            name: "unix socket, wrong password",
            conninfo: s.socket_url(roles::SCRAM).replace("scram_user_pw", "nope"),
            expect: Expect::Db(SqlState::INVALID_PASSWORD),
        },
        Case {
            name: "unix socket, cert_user rejected",
            conninfo: s.socket_url(roles::CERT),
            expect: Expect::Db(SqlState::INVALID_AUTHORIZATION_SPECIFICATION),
        },
    ]
}

/// The cases over TLS (the client must be built with rustls).
#[cfg(feature = "rustls")]
fn tls_cases(s: &Server) -> Vec<Case> {
    use crate::common::{quote_path, verify_full};
    let c = |name, role: &str, password: Option<&str>, extra: &str, expect| Case {
        name,
        conninfo: conninfo_pw(s, role, password, extra),
        expect,
    };
    let tls = |user| Expect::Ok { user, tls: true };
    let localhost = |extra: &str| {
        format!("host=localhost port={} user=postgres dbname=postgres {extra}", s.port())
    };
    let mut cases = vec![
        c(
            "superuser sslmode=require",
            roles::SUPERUSER,
            None,
            "sslmode=require",
            tls(roles::SUPERUSER),
        ),
        c(
            "superuser sslmode=prefer uses TLS",
            roles::SUPERUSER,
            None,
            "sslmode=prefer",
            tls(roles::SUPERUSER),
        ),
        c(
            "ssl_only_user over TLS",
            roles::SSL_ONLY,
            Some(&pw(roles::SSL_ONLY)),
            "sslmode=require",
            tls(roles::SSL_ONLY),
        ),
        c(
            "ssl_only_user with sslmode=prefer",
            roles::SSL_ONLY,
            Some(&pw(roles::SSL_ONLY)),
            "sslmode=prefer",
            tls(roles::SSL_ONLY),
        ),
        c(
            "nossl_user with sslmode=require",
            roles::NOSSL,
            Some(&pw(roles::NOSSL)),
            "sslmode=require",
            Expect::Db(SqlState::INVALID_AUTHORIZATION_SPECIFICATION),
        ),
        c(
            "nossl_user with sslmode=prefer falls back to plaintext",
            roles::NOSSL,
            Some(&pw(roles::NOSSL)),
            "sslmode=prefer",
            ok(roles::NOSSL),
        ),
        c(
            "ssl_only_user with sslmode=allow upgrades to TLS",
            roles::SSL_ONLY,
            Some(&pw(roles::SSL_ONLY)),
            "sslmode=allow",
            tls(roles::SSL_ONLY),
        ),
        c(
            "cert_user with a client certificate",
            roles::CERT,
            None,
            &format!(
                "{} sslcert={} sslkey={}",
                verify_full(s),
                quote_path(s.client_cert()),
                quote_path(s.client_key())
            ),
            tls(roles::CERT),
        ),
        c(
            "cert_user over TLS without a client certificate",
            roles::CERT,
            None,
            &verify_full(s),
            Expect::Db(SqlState::INVALID_AUTHORIZATION_SPECIFICATION),
        ),
        c(
            "channel_binding=require over TLS (SCRAM-SHA-256-PLUS)",
            roles::SCRAM,
            Some(&pw(roles::SCRAM)),
            "sslmode=require channel_binding=require",
            tls(roles::SCRAM),
        ),
        c(
            "channel_binding=require with md5 over TLS",
            roles::MD5,
            Some(&pw(roles::MD5)),
            "sslmode=require channel_binding=require",
            Expect::Kind(ErrorKind::Auth),
        ),
        c(
            "wrong scram password over TLS",
            roles::SCRAM,
            Some("wrong"),
            "sslmode=require",
            Expect::Db(SqlState::INVALID_PASSWORD),
        ),
        c(
            "verify-full on 127.0.0.1",
            roles::SUPERUSER,
            None,
            &verify_full(s),
            tls(roles::SUPERUSER),
        ),
        c(
            "verify-ca on 127.0.0.1",
            roles::SUPERUSER,
            None,
            &format!("sslmode=verify-ca sslrootcert={}", quote_path(s.ca_cert())),
            tls(roles::SUPERUSER),
        ),
        Case {
            name: "verify-full on localhost",
            conninfo: localhost(&verify_full(s)),
            expect: tls(roles::SUPERUSER),
        },
        c(
            "verify-full with a CA that did not sign the server certificate",
            roles::SUPERUSER,
            None,
            &format!("sslmode=verify-full sslrootcert={}", quote_path(&other_ca())),
            Expect::Kind(ErrorKind::Tls),
        ),
        c(
            "verify-ca with a CA that did not sign the server certificate",
            roles::SUPERUSER,
            None,
            &format!("sslmode=verify-ca sslrootcert={}", quote_path(&other_ca())),
            Expect::Kind(ErrorKind::Tls),
        ),
        c(
            "require with a root certificate verifies the chain",
            roles::SUPERUSER,
            None,
            &format!("sslmode=require sslrootcert={}", quote_path(&other_ca())),
            Expect::Kind(ErrorKind::Tls),
        ),
    ];
    let direct = "sslmode=require sslnegotiation=direct";
    if s.major() >= 17 {
        cases.push(c(
            "sslnegotiation=direct",
            roles::SCRAM,
            Some(&pw(roles::SCRAM)),
            direct,
            tls(roles::SCRAM),
        ));
        cases.push(c(
            "sslnegotiation=direct with channel binding",
            roles::SCRAM,
            Some(&pw(roles::SCRAM)),
            &format!("{direct} channel_binding=require"),
            tls(roles::SCRAM),
        ));
    }
    cases
}

/// A self-signed CA certificate that signed nothing the servers use, made once with openssl
/// in cargo's temporary directory for integration tests (and reused by later runs).
#[cfg(feature = "rustls")]
pub fn other_ca() -> std::path::PathBuf {
    use std::sync::OnceLock;
    static PATH: OnceLock<std::path::PathBuf> = OnceLock::new();
    PATH.get_or_init(|| {
        let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("pgtusk-other-ca");
        let cert = dir.join("ca.crt");
        if cert.exists() {
            return cert;
        }
        std::fs::create_dir_all(&dir).unwrap();
        // Made under a private name, then renamed: concurrent test runs never see half a file.
        let tmp = dir.join(format!("ca-{}", std::process::id()));
        let out = std::process::Command::new("openssl")
            .args(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "3650", "-subj"])
            .arg("/CN=pgtusk-unrelated-ca")
            .arg("-keyout")
            .arg(tmp.with_extension("key"))
            .arg("-out")
            .arg(tmp.with_extension("crt"))
            .output()
            .expect("openssl");
        assert!(out.status.success(), "openssl: {}", String::from_utf8_lossy(&out.stderr));
        let _ = std::fs::remove_file(tmp.with_extension("key"));
        std::fs::rename(tmp.with_extension("crt"), &cert).unwrap();
        cert
    })
    .clone()
}

/// Checks one outcome: `Ok((current_user, is_tls))` or the error.
fn check(s: &Server, case: &Case, got: Result<(String, bool), Error>) {
    let ctx = format!("pg{}: {} [{}]", s.major(), case.name, case.conninfo);
    match (&case.expect, got) {
        (Expect::Ok { user, tls }, Ok((got_user, got_tls))) => {
            assert_eq!(got_user, *user, "{ctx}");
            assert_eq!(got_tls, *tls, "{ctx}: is_tls()");
        }
        (Expect::Db(code), Err(e)) => {
            assert_eq!(e.kind(), ErrorKind::Db, "{ctx}: {e:?}");
            assert_eq!(e.code(), Some(code), "{ctx}: {e:?}");
            let db = e.as_db_error().unwrap();
            assert_eq!(db.severity(), "FATAL", "{ctx}");
            assert!(e.is_closed(), "{ctx}: a FATAL error closes the session");
        }
        (Expect::Kind(kind), Err(e)) => {
            assert_eq!(e.kind(), *kind, "{ctx}: {e:?}");
            assert_eq!(e.code(), None, "{ctx}: a client-side error has no SQLSTATE");
        }
        (expect, got) => panic!("{ctx}: expected {expect:?}, got {got:?}"),
    }
}

/// Runs every case of `cases` on the async connection.
async fn run_async(cases: fn(&Server) -> Vec<Case>) {
    for s in servers() {
        for case in cases(s) {
            let what = format!("pg{} {}", s.major(), case.name);
            let got = within(Duration::from_secs(15), &what, async {
                let mut conn = pgtusk::Connection::connect(&case.conninfo).await?;
                let user: String = conn.query_scalar("SELECT current_user::text", ()).await?;
                let tls = conn.is_tls();
                conn.close().await?;
                Ok((user, tls))
            })
            .await;
            check(s, &case, got);
        }
    }
}

/// Runs every case of `cases` on the blocking connection.
fn run_blocking(cases: fn(&Server) -> Vec<Case>) {
    for s in servers() {
        for case in cases(s) {
            let what = format!("pg{} {}", s.major(), case.name);
            let conninfo = case.conninfo.clone();
            let got = with_deadline(Duration::from_secs(15), &what, move || {
                let mut conn = pgtusk::blocking::Connection::connect(&conninfo)?;
                let user: String = conn.query_scalar("SELECT current_user::text", ())?;
                let tls = conn.is_tls();
                conn.close()?;
                Ok((user, tls))
            });
            check(s, &case, got);
        }
    }
}

#[tokio::test]
async fn auth_async() {
    run_async(plain_cases).await;
}

#[test]
fn auth_blocking() {
    run_blocking(plain_cases);
}

#[cfg(feature = "rustls")]
#[tokio::test]
async fn auth_tls_async() {
    run_async(tls_cases).await;
}

#[cfg(feature = "rustls")]
#[test]
fn auth_tls_blocking() {
    run_blocking(tls_cases);
}

/// The server's own view of the session agrees with `is_tls()` (pg_stat_ssl).
#[cfg(feature = "rustls")]
#[tokio::test]
async fn server_sees_tls() {
    for s in servers() {
        for (extra, tls) in [("sslmode=require", true), ("sslmode=disable", false)] {
            let info = conninfo_pw(s, roles::SUPERUSER, None, extra);
            let mut conn = pgtusk::Connection::connect(&info).await.unwrap();
            let ssl: bool = conn
                .query_scalar("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()", ())
                .await
                .unwrap();
            assert_eq!((ssl, conn.is_tls()), (tls, tls), "pg{} {extra}", s.major());
            let mut b = pgtusk::blocking::Connection::connect(&info).unwrap();
            let ssl: bool = b
                .query_scalar("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()", ())
                .unwrap();
            assert_eq!((ssl, b.is_tls()), (tls, tls), "pg{} {extra} (blocking)", s.major());
        }
    }
}

/// Direct TLS against a server older than 17 fails promptly with a clean error (the server
/// reads the TLS ClientHello as a bad startup packet and hangs up).
#[cfg(feature = "rustls")]
#[tokio::test]
async fn direct_tls_before_17_fails_cleanly() {
    for s in servers().into_iter().filter(|s| s.major() < 17) {
        let info = conninfo_pw(s, roles::SUPERUSER, None, "sslmode=require sslnegotiation=direct");
        let started = std::time::Instant::now();
        let err = within(Duration::from_secs(10), "direct TLS on an old server", async {
            pgtusk::Connection::connect(&info).await.unwrap_err()
        })
        .await;
        assert!(
            matches!(err.kind(), ErrorKind::Tls | ErrorKind::Io | ErrorKind::Closed),
            "pg{}: {err:?}",
            s.major()
        );
        let info2 = info.clone();
        let err = with_deadline(Duration::from_secs(10), "direct TLS (blocking)", move || {
            pgtusk::blocking::Connection::connect(&info2).unwrap_err()
        });
        assert!(
            matches!(err.kind(), ErrorKind::Tls | ErrorKind::Io | ErrorKind::Closed),
            "pg{} blocking: {err:?}",
            s.major()
        );
        assert!(started.elapsed() < Duration::from_secs(10));
    }
}

/// `sslmode` is ignored over a Unix socket, as in libpq: `require`, `verify-ca` and
/// `verify-full` connect there without TLS (SCRAM too, through a socket `local` line), async
/// and blocking. `channel_binding=require` still refuses, having no TLS to bind to.
#[tokio::test]
async fn unix_socket_ignores_sslmode() {
    for s in servers() {
        let root = crate::common::quote_path(s.ca_cert());
        for (role, mode) in [
            (roles::SUPERUSER, "require".to_owned()),
            (roles::SCRAM, format!("verify-ca&sslrootcert={root}")),
            (roles::SCRAM, format!("verify-full&sslrootcert={root}")),
        ] {
            let url = format!("{}&sslmode={mode}", s.socket_url(role));
            let mut conn = pgtusk::Connection::connect(&url).await.unwrap();
            assert!(!conn.is_tls(), "pg{} {mode}", s.major());
            let user: String = conn.query_scalar("SELECT current_user::text", ()).await.unwrap();
            assert_eq!(user, role);
            let conn = pgtusk::blocking::Connection::connect(&url).unwrap();
            assert!(!conn.is_tls(), "pg{} {mode}", s.major());
        }
        let url = format!("{}&sslmode=require&channel_binding=require", s.socket_url(roles::SCRAM));
        let err = pgtusk::Connection::connect(&url).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Auth, "{err:?}");
        let err = pgtusk::blocking::Connection::connect(&url).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Auth, "{err:?}");
    }
}
