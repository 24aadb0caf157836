//! The roles every server has, one per authentication method.
//!
//! Each role has `LOGIN` and `CREATEDB` and logs in to the `postgres` database (there is no
//! database per role). Roles that authenticate with a password use `<role>_pw`
//! ([`password`]). The `public` schema of `postgres` is open to every role (`GRANT CREATE`),
//! so tests can create tables whichever role they log in as.
//!
//! | role | TCP (`host`) | unix socket (`local`) |
//! | --- | --- | --- |
//! | [`SUPERUSER`] `postgres` | trust | trust |
//! | [`TRUST`] `trust_user` | trust | trust |
//! | [`PASSWORD`] `password_user` | password (cleartext) | password |
//! | [`MD5`] `md5_user` | md5 (the password is stored as MD5) | md5 |
//! | [`SCRAM`] `scram_user` | scram-sha-256 | scram-sha-256 |
//! | [`CERT`] `cert_user` | `hostssl` cert (client certificate CN=cert_user); else rejected | rejected |
//! | [`SSL_ONLY`] `ssl_only_user` | `hostssl` scram-sha-256; without TLS rejected | rejected |
//! | [`NOSSL`] `nossl_user` | `hostnossl` scram-sha-256; over TLS rejected | scram-sha-256 |
//! | any other role (made by a test) | scram-sha-256 | trust |

/// The bootstrap superuser, trusted over TCP and the unix socket.
pub const SUPERUSER: &str = "postgres";
/// Trusted: logs in without a password.
pub const TRUST: &str = "trust_user";
/// `password` method: the password travels in cleartext (stored as SCRAM).
pub const PASSWORD: &str = "password_user";
/// `md5` method with the password stored as MD5, so the MD5 exchange really runs.
pub const MD5: &str = "md5_user";
/// `scram-sha-256` method.
pub const SCRAM: &str = "scram_user";
/// `cert` method over TLS: logs in with the client certificate from
/// [`TlsFiles::client_cert`](crate::TlsFiles::client_cert); has no password.
pub const CERT: &str = "cert_user";
/// `scram-sha-256`, only over TLS (`hostssl`).
pub const SSL_ONLY: &str = "ssl_only_user";
/// `scram-sha-256`, only without TLS (`hostnossl`).
pub const NOSSL: &str = "nossl_user";

/// Every predefined role, the superuser first.
pub const ALL: [&str; 8] = [SUPERUSER, TRUST, PASSWORD, MD5, SCRAM, CERT, SSL_ONLY, NOSSL];

/// The password of a predefined role that authenticates with one (`<role>_pw`), or `None`
/// for `postgres`, `trust_user`, `cert_user` and roles the testkit does not know.
pub fn password(role: &str) -> Option<String> {
    matches!(role, PASSWORD | MD5 | SCRAM | SSL_ONLY | NOSSL).then(|| format!("{role}_pw"))
}

/// The `pg_hba.conf` of every server (first match wins, so the catch-alls come last).
pub(crate) const PG_HBA: &str = "\
# pg_hba.conf written by pgtusk-testkit: one role per authentication method.
# TYPE    DATABASE  USER           ADDRESS  METHOD
local     all       postgres                trust
local     all       trust_user              trust
local     all       password_user           password
local     all       md5_user                md5
local     all       scram_user              scram-sha-256
local     all       cert_user               reject
local     all       ssl_only_user           reject
local     all       nossl_user              scram-sha-256
local     all       all                     trust

host      all       postgres       all      trust
host      all       trust_user     all      trust
host      all       password_user  all      password
host      all       md5_user       all      md5
host      all       scram_user     all      scram-sha-256
hostssl   all       cert_user      all      cert
host      all       cert_user      all      reject
hostssl   all       ssl_only_user  all      scram-sha-256
host      all       ssl_only_user  all      reject
hostnossl all       nossl_user     all      scram-sha-256
host      all       nossl_user     all      reject
host      all       all            all      scram-sha-256
";

/// The SQL that creates the roles (run as `postgres` on a fresh cluster, one statement per
/// `psql -c`).
pub(crate) fn setup_sql() -> Vec<String> {
    let mut sql = Vec::new();
    sql.push(format!("CREATE ROLE {TRUST} LOGIN CREATEDB"));
    sql.push(format!("CREATE ROLE {CERT} LOGIN CREATEDB"));
    for role in [PASSWORD, SCRAM, SSL_ONLY, NOSSL] {
        sql.push("SET password_encryption = 'scram-sha-256'".to_string());
        sql.push(format!("CREATE ROLE {role} LOGIN CREATEDB PASSWORD '{role}_pw'"));
    }
    // Stored as MD5, or the md5 method would quietly run SCRAM. PG 18 warns (deprecated).
    sql.push(format!(
        "SET password_encryption = 'md5'; CREATE ROLE {MD5} LOGIN CREATEDB PASSWORD '{MD5}_pw'"
    ));
    sql.push("GRANT CREATE ON SCHEMA public TO PUBLIC".to_string());
    sql
}
