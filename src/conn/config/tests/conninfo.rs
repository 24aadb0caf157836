use std::time::Duration;

use super::{build, parse};
use crate::conn::config::{Config, SslMode, TargetSessionAttrs};

#[test]
fn conninfo_strings() {
    let cases: Vec<(&str, Config)> = vec![
        ("", Config::new()),
        ("   \t\n ", Config::new()),
        ("host=localhost", build(|c| _ = c.host("localhost"))),
        (
            "host=localhost port=5432 dbname=mydb user=me",
            build(|c| _ = c.host("localhost").port(5432).dbname("mydb").user("me")),
        ),
        // Whitespace around '=' and between pairs.
        ("  host = localhost \t port\t=\t6432  ", build(|c| _ = c.host("localhost").port(6432))),
        ("host\n=\nh", build(|c| _ = c.host("h"))),
        // Quoted values: spaces, escaped quote and backslash, empty.
        ("password='a b'", build(|c| _ = c.password("a b"))),
        (r"password='it\'s'", build(|c| _ = c.password("it's"))),
        (r"password='back\\slash'", build(|c| _ = c.password(r"back\slash"))),
        (r"password='\q'", build(|c| _ = c.password("q"))),
        ("user=''", build(|c| _ = c.user(""))),
        (
            "options='-c search_path=app,public' user=u",
            build(|c| _ = c.options("-c search_path=app,public").user("u")),
        ),
        ("application_name='x'user=u", build(|c| _ = c.application_name("x").user("u"))),
        // Unquoted values end at whitespace and take backslash escapes.
        (r"password=a\ b", build(|c| _ = c.password("a b"))),
        (r"password=a\'b", build(|c| _ = c.password("a'b"))),
        (r"password=a\\b", build(|c| _ = c.password(r"a\b"))),
        ("password=it's", build(|c| _ = c.password("it's"))),
        ("password=a=b", build(|c| _ = c.password("a=b"))),
        ("password=x\\", build(|c| _ = c.password("x"))),
        ("dbname=caf\u{e9}", build(|c| _ = c.dbname("caf\u{e9}"))),
        // libpq: a value may start after blanks following '=', even if it looks like a pair.
        ("host= dbname=x", build(|c| _ = c.host("dbname=x"))),
        ("host=", build(|c| c.hosts = Some(Vec::new()))),
        // The last occurrence wins.
        ("dbname=a dbname=b", build(|c| _ = c.dbname("b"))),
        // Lists.
        (
            "host=a,b,c port=1,2,3",
            build(|c| _ = c.host("a").host("b").host("c").port(1).port(2).port(3)),
        ),
        ("host=a,b port=7", build(|c| _ = c.host("a").host("b").port(7))),
        (
            "host=a,,/tmp port=1,,3",
            build(|c| _ = c.host("a").host("").host("/tmp").port(1).port(5432).port(3)),
        ),
        (
            "hostaddr=127.0.0.1,::1 host=a,b",
            build(|c| {
                _ = c
                    .host("a")
                    .host("b")
                    .hostaddr([127, 0, 0, 1].into())
                    .hostaddr("::1".parse().unwrap())
            }),
        ),
        (
            "hostaddr=,10.0.0.1 host=a,b",
            build(|c| {
                c.host("a").host("b");
                c.hostaddrs = Some(vec![None, Some([10, 0, 0, 1].into())]);
                c.hostaddr_texts = Some(vec![String::new(), "10.0.0.1".into()]);
            }),
        ),
        // Values.
        ("connect_timeout=10", build(|c| _ = c.connect_timeout(Duration::from_secs(10)))),
        ("connect_timeout=' 10 '", build(|c| _ = c.connect_timeout(Duration::from_secs(10)))),
        ("keepalives=1", build(|c| _ = c.keepalives(true))),
        ("keepalives=0", build(|c| _ = c.keepalives(false))),
        ("keepalives=7", build(|c| _ = c.keepalives(true))),
        ("pooler_mode=on", build(|c| _ = c.pooler_mode(true))),
        ("pooler_mode=FALSE", build(|c| _ = c.pooler_mode(false))),
        ("read_batching=0", build(|c| _ = c.read_batching(false))),
        ("sslmode=verify-ca", build(|c| _ = c.ssl_mode(SslMode::VerifyCa))),
        (
            "target_session_attrs=prefer-standby",
            build(|c| _ = c.target_session_attrs(TargetSessionAttrs::PreferStandby)),
        ),
        (
            "statement_cache_size=0 prepare_threshold=0",
            build(|c| _ = c.statement_cache_size(0).prepare_threshold(0)),
        ),
    ];
    for (s, want) in cases {
        assert_eq!(parse(s), want, "{s:?}");
    }
}

#[test]
fn connect_timeout_follows_libpq() {
    let cases = [("0", None), ("-5", None), ("1", Some(2)), ("2", Some(2)), ("+30", Some(30))];
    for (value, want) in cases {
        let c = parse(&format!("connect_timeout={value}"));
        assert_eq!(c.get_connect_timeout(), want.map(Duration::from_secs), "{value}");
        assert!(c.connect_timeout.is_some(), "an explicit {value} must block PGCONNECT_TIMEOUT");
    }
    let mut c = Config::new();
    c.connect_timeout(Duration::from_millis(500));
    assert_eq!(c.get_connect_timeout(), Some(Duration::from_secs(2)));
    c.connect_timeout(Duration::ZERO);
    assert_eq!(c.get_connect_timeout(), None);
}

#[test]
fn set_param_matches_the_string_forms() {
    let mut c = Config::new();
    c.set_param("host", "a,b").unwrap().set_param("sslmode", "require").unwrap();
    assert_eq!(c, parse("host=a,b sslmode=require"));
    assert!(c.set_param("nope", "x").is_err());
    c.set_param("requiressl", "0").unwrap();
    assert_eq!(c.get_ssl_mode(), SslMode::Prefer);
}

/// Cases checked against libpq 18's `PQconninfoParse` (and, for values, its connection code).
#[test]
fn conninfo_as_libpq_reads_it() {
    let cases: Vec<(&str, Config)> = vec![
        // Only the last value counts, so an invalid one that is replaced is no error.
        ("sslmode=bogus sslmode=require", build(|c| _ = c.ssl_mode(SslMode::Require))),
        ("port=abc port=5432", build(|c| _ = c.port(5432))),
        ("connect_timeout=soon connect_timeout='10'", {
            build(|c| _ = c.connect_timeout(Duration::from_secs(10)))
        }),
        // libpq's old `requiressl`: "1..." is sslmode=require, anything else prefer, and it
        // takes its place among the sslmode settings.
        ("requiressl=1", build(|c| _ = c.ssl_mode(SslMode::Require))),
        ("requiressl=10", build(|c| _ = c.ssl_mode(SslMode::Require))),
        ("requiressl=0", build(|c| _ = c.ssl_mode(SslMode::Prefer))),
        ("requiressl=yes", build(|c| _ = c.ssl_mode(SslMode::Prefer))),
        ("requiressl=''", build(|c| _ = c.ssl_mode(SslMode::Prefer))),
        ("sslmode=disable requiressl=1", build(|c| _ = c.ssl_mode(SslMode::Require))),
        ("requiressl=1 sslmode=disable", build(|c| _ = c.ssl_mode(SslMode::Disable))),
        // Integers: blanks are C's (a vertical tab is one), the range is C's 32-bit int.
        ("connect_timeout='\u{b}10\u{b}'", {
            build(|c| _ = c.connect_timeout(Duration::from_secs(10)))
        }),
        ("connect_timeout=2147483647", {
            build(|c| _ = c.connect_timeout(Duration::from_secs(2_147_483_647)))
        }),
        ("keepalives_count=2147483647", build(|c| _ = c.keepalives_count(2_147_483_647))),
    ];
    for (s, want) in cases {
        assert_eq!(parse(s), want, "{s:?}");
    }
    // libpq refuses these when it connects.
    for s in [
        "port=5432\u{a0}",
        "connect_timeout=10\u{a0}",
        "connect_timeout=2147483648",
        "connect_timeout=-2147483649",
        "keepalives=99999999999",
        "keepalives_idle=2147483648",
        "keepalives_count=2147483648",
    ] {
        let key = s.split('=').next();
        assert_eq!(super::parse_err(s).key(), key, "{s:?}");
    }
}
