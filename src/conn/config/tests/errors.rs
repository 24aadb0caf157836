use super::parse_err;
use crate::conn::config::ConfigErrorKind::{
    self, Conflict, InvalidUrl, InvalidValue, Syntax, UnknownParameter,
};

/// Every input carries this password; no message may contain it.
const PW: &str = "hunter2";

fn check(input: &str, kind: ConfigErrorKind, key: Option<&str>, needles: &[&str]) {
    let err = parse_err(input);
    let msg = err.to_string();
    assert_eq!(err.kind(), kind, "{input:?}: {msg}");
    assert_eq!(err.key(), key, "{input:?}: {msg}");
    if let Some(key) = key {
        assert!(msg.contains(&format!("\"{key}\"")) || msg.contains(key), "{input:?}: {msg}");
    }
    for needle in needles {
        assert!(msg.contains(needle), "{input:?}: {msg:?} lacks {needle:?}");
    }
    assert!(!msg.contains(PW), "{input:?} leaks the password: {msg}");
    assert!(!format!("{err:?}").contains(PW), "{input:?} leaks the password in Debug");
}

#[test]
fn value_errors_name_the_key() {
    let sslmodes = "disable, allow, prefer, require, verify-ca, verify-full";
    let cases: &[(&str, &str, &[&str])] = &[
        ("foo=bar", "foo", &["unknown connection parameter \"foo\""]),
        ("port=abc", "port", &["\"abc\"", "1 to 65535"]),
        ("port=0", "port", &["\"0\""]),
        ("port=65536", "port", &["\"65536\""]),
        ("host=a,b port=1,x", "port", &["\"x\""]),
        ("sslmode=bogus", "sslmode", &["\"bogus\"", sslmodes]),
        ("sslmode=Require", "sslmode", &[sslmodes]),
        ("keepalives=maybe", "keepalives", &["\"maybe\"", "boolean"]),
        ("pooler_mode=perhaps", "pooler_mode", &["boolean"]),
        ("read_batching=sometimes", "read_batching", &["boolean"]),
        ("connect_timeout=ten", "connect_timeout", &["integer"]),
        ("connect_timeout=''", "connect_timeout", &["integer"]),
        ("keepalives_idle=-1", "keepalives_idle", &["non-negative"]),
        ("keepalives_interval=1.5", "keepalives_interval", &["integer"]),
        ("keepalives_count=99999999999", "keepalives_count", &["non-negative"]),
        ("statement_cache_size=lots", "statement_cache_size", &["integer"]),
        ("prepare_threshold=-1", "prepare_threshold", &["non-negative"]),
        ("hostaddr=db.example", "hostaddr", &["numeric"]),
        ("sslnegotiation=indirect", "sslnegotiation", &["postgres, direct"]),
        ("channel_binding=always", "channel_binding", &["disable, prefer, require"]),
        ("target_session_attrs=master", "target_session_attrs", &["read-write"]),
        ("load_balance_hosts=shuffle", "load_balance_hosts", &["disable, random"]),
        ("min_protocol_version=3.1", "min_protocol_version", &["3.0, 3.2, latest"]),
        ("max_protocol_version=4", "max_protocol_version", &["3.0, 3.2, latest"]),
        ("require_auth=kerberos", "require_auth", &["scram-sha-256"]),
    ];
    for (pair, key, needles) in cases {
        let kind = if *key == "foo" { UnknownParameter } else { InvalidValue };
        for input in [format!("password={PW} {pair}"), format!("{pair} password={PW}")] {
            check(&input, kind, Some(key), needles);
        }
    }
}

#[test]
fn conflicts_name_the_keys() {
    let cases: &[(&str, &str, &[&str])] = &[
        (
            "sslnegotiation=direct sslmode=prefer",
            "sslmode",
            &["sslnegotiation=direct", "\"prefer\""],
        ),
        ("sslnegotiation=direct sslmode=disable", "sslmode", &["sslnegotiation=direct"]),
        ("sslrootcert=system sslmode=require", "sslmode", &["sslrootcert=system", "verify-full"]),
        ("sslrootcert=system sslmode=verify-ca", "sslmode", &["sslrootcert=system"]),
        ("host=a,b port=1,2,3", "port", &["3 port numbers to 2 hosts"]),
        ("hostaddr=1.1.1.1,2.2.2.2 port=1,2,3", "port", &["3 port numbers to 2 hosts"]),
        ("host=a,b hostaddr=1.2.3.4", "hostaddr", &["2 host names to 1 hostaddr"]),
        (
            "min_protocol_version=latest max_protocol_version=3.0",
            "min_protocol_version",
            &["max_protocol_version"],
        ),
        ("require_auth=password,!md5", "require_auth", &["!md5"]),
        ("require_auth=!password,md5", "require_auth", &["md5"]),
        ("require_auth=md5,md5", "require_auth", &["more than once"]),
    ];
    for (pair, key, needles) in cases {
        check(&format!("password={PW} {pair}"), Conflict, Some(key), needles);
    }
}

#[test]
fn conninfo_syntax_errors() {
    check(&format!("password={PW} host"), Syntax, Some("host"), &["missing \"=\""]);
    check(&format!("password={PW} host localhost"), Syntax, Some("host"), &["missing \"=\""]);
    // An unknown token may be the rest of a password with a blank in it: not echoed.
    check(&format!("password=hunter {PW}"), Syntax, None, &["missing \"=\""]);
    check(&format!("password='{PW}"), Syntax, Some("password"), &["unterminated"]);
    check(&format!("password='{PW}\\'"), Syntax, Some("password"), &["unterminated"]);
    check(&format!("password={PW} =x"), UnknownParameter, Some(""), &[]);
}

#[test]
fn url_errors() {
    let cases: &[(&str, ConfigErrorKind, Option<&str>, &[&str])] = &[
        ("h:abc/db", InvalidValue, Some("port"), &["URL"]),
        ("h:0", InvalidValue, Some("port"), &[]),
        ("h:99999", InvalidValue, Some("port"), &[]),
        ("a:1,b:x", InvalidValue, Some("port"), &[]),
        ("[::1/db", InvalidUrl, Some("host"), &["]"]),
        ("[]/db", InvalidUrl, Some("host"), &["empty"]),
        ("[::1]x/db", InvalidUrl, Some("host"), &["unexpected"]),
        ("h/db?foo=1", UnknownParameter, Some("foo"), &["\"foo\""]),
        ("h/db?sslmode", InvalidUrl, None, &["\"=\""]),
        ("h/db?sslmode=a=b", InvalidUrl, Some("sslmode"), &["extra"]),
        ("h/db?sslmode=bogus", InvalidValue, Some("sslmode"), &["verify-full"]),
        ("h/db?ssl=false", InvalidValue, Some("ssl"), &["sslmode=require"]),
        ("h/d%zz", InvalidUrl, Some("dbname"), &["percent"]),
        ("h/d%2", InvalidUrl, Some("dbname"), &["percent"]),
        ("h/d%00", InvalidUrl, Some("dbname"), &["%00"]),
        ("h/d%FF", InvalidUrl, Some("dbname"), &["UTF-8"]),
        ("h%zz/d", InvalidUrl, Some("host"), &["percent"]),
        ("h/db?port=1,2", Conflict, Some("port"), &["2 port numbers to 1 hosts"]),
        ("h/db?sslnegotiation=direct&sslmode=allow", Conflict, Some("sslmode"), &["direct"]),
    ];
    for (tail, kind, key, needles) in cases {
        check(&format!("postgresql://u:{PW}@{tail}"), *kind, *key, needles);
    }
    check(
        "postgresql://h?ss%zzl=true&password=hunter2",
        InvalidUrl,
        None,
        &["query parameter name"],
    );
    // Malformed escapes in the user info name the part, never the text.
    check("postgresql://u:hunter2%zz@h", InvalidUrl, Some("password"), &["percent"]);
    check("postgresql://u%zz:hunter2@h", InvalidUrl, Some("user"), &["percent"]);
    // libpq 18: a space inside a URL part must be written %20; one in the password is not
    // echoed either.
    check(&format!("postgresql://u:{PW} x@h"), InvalidUrl, Some("password"), &["%20"]);
    check(&format!("postgresql://u:{PW}@h1 ,h2"), InvalidUrl, Some("host"), &["%20"]);
    check(&format!("postgresql://u:{PW}@h?user=a b"), InvalidUrl, Some("user"), &["%20"]);
    // libpq: only a last '&' may be empty.
    for tail in ["?&sslmode=require", "?sslmode=require&&user=x", "?&", "?user=x&&"] {
        check(&format!("postgresql://u:{PW}@h{tail}"), InvalidUrl, None, &["\"=\""]);
    }
    // libpq reads "u:hunt" as host "u", port "hunt" when the password has a raw '/'.
    let err = parse_err("postgresql://u:hunt/er2@h/db");
    assert_eq!(err.key(), Some("port"));
    assert!(!err.to_string().contains("hunt"), "{err}");
}

#[test]
fn env_errors_name_the_variable() {
    let cases = [
        ("PGSSLMODE", "sslmode", "bogus"),
        ("PGPORT", "port", "x"),
        ("PGCONNECT_TIMEOUT", "connect_timeout", "soon"),
        ("PGHOSTADDR", "hostaddr", "db.example"),
        ("PGSSLNEGOTIATION", "sslnegotiation", "x"),
        ("PGCHANNELBINDING", "channel_binding", "x"),
        ("PGREQUIREAUTH", "require_auth", "x"),
        ("PGTARGETSESSIONATTRS", "target_session_attrs", "x"),
        ("PGLOADBALANCEHOSTS", "load_balance_hosts", "x"),
        ("PGMINPROTOCOLVERSION", "min_protocol_version", "x"),
        ("PGMAXPROTOCOLVERSION", "max_protocol_version", "x"),
    ];
    for (var, key, value) in cases {
        let mut config = super::parse(&format!("password={PW}"));
        let before = config.clone();
        let err = config
            .apply_env(|v| match v {
                "PGPASSWORD" => Some("other-secret".into()),
                v if v == var => Some(value.into()),
                _ => None,
            })
            .unwrap_err();
        let msg = err.to_string();
        assert_eq!((err.key(), err.env_var()), (Some(key), Some(var)), "{msg}");
        assert!(msg.contains(var) && msg.contains(key), "{msg}");
        assert!(!msg.contains(PW) && !msg.contains("other-secret"), "{msg}");
        assert_eq!(config, before, "apply_env must leave the config unchanged on error");
    }
}

#[test]
fn libpq_keys_pgtusk_does_not_support() {
    for key in ["service", "sslcrl", "sslpassword", "krbsrvname", "replication", "oauth_issuer"] {
        for input in [format!("{key}=x password={PW}"), format!("postgresql://h?{key}=x")] {
            check(&input, UnknownParameter, Some(key), &["not supported by pgtusk"]);
        }
    }
    check(&format!("password={PW} foo=x"), UnknownParameter, Some("foo"), &["unknown"]);
    // Unknown names are refused as soon as they are met, like syntax errors.
    check(&format!("foo=x sslmode=bogus password={PW}"), UnknownParameter, Some("foo"), &[]);
}

#[test]
fn libpq_keys_pgtusk_accepts_without_storing() {
    let c: crate::conn::config::Config =
        "host=h gssencmode=disable client_encoding=utf8".parse().unwrap();
    assert_eq!(c.get_hosts(), ["h"]);
    let e = parse_err("gssencmode=require");
    assert_eq!(e.key(), Some("gssencmode"));
    let e = parse_err("client_encoding=LATIN1");
    assert_eq!(e.key(), Some("client_encoding"));
}

#[test]
fn converts_into_the_crate_error() {
    fn parse(s: &str) -> Result<crate::Config, crate::Error> {
        Ok(s.parse::<crate::Config>()?)
    }
    let e = parse(&format!("port=abc password={PW}")).unwrap_err();
    assert_eq!(e.kind(), crate::ErrorKind::Config);
    let source = std::error::Error::source(&e).map(ToString::to_string).unwrap_or_default();
    assert!(source.contains("port"), "{source}");
    assert!(!format!("{e:?} {e}").contains(PW));
}
