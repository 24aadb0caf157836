use core::net::IpAddr;
use std::time::Duration;

use super::{build, parse};
use crate::conn::config::{
    Config, LoadBalanceHosts, RequireAuth, SslMode, SslNegotiation, SslRootCert, TargetSessionAttrs,
};
use crate::protocol::ProtocolVersion;
use crate::protocol::auth::{AuthMethod, ChannelBinding};

#[test]
fn urls() {
    let cases: Vec<(&str, Config)> = vec![
        ("postgresql://", Config::new()),
        ("postgres://", Config::new()),
        ("postgresql:///", Config::new()),
        ("postgresql:///shop", build(|c| _ = c.dbname("shop"))),
        ("postgres://db.example", build(|c| _ = c.host("db.example"))),
        (
            "postgresql://app:pw@db.example:5433/shop",
            build(|c| {
                _ = c.host("db.example").port(5433).user("app").password("pw").dbname("shop")
            }),
        ),
        ("postgresql://app@db.example", build(|c| _ = c.host("db.example").user("app"))),
        // An empty user or password is left unset.
        ("postgresql://@h", build(|c| _ = c.host("h"))),
        ("postgresql://:pw@h", build(|c| _ = c.host("h").password("pw"))),
        ("postgresql://u:@h", build(|c| _ = c.host("h").user("u"))),
        // Percent-decoding in every part.
        (
            "postgresql://us%40er:p%3As%2Fs%25w@d%62.example:%35433/my%20db",
            build(|c| {
                c.host("db.example").port(5433).user("us@er").password("p:s/s%w").dbname("my db");
            }),
        ),
        ("postgresql://u:%C3%A9t%C3%A9@h", build(|c| _ = c.host("h").user("u").password("été"))),
        // libpq ends the user info at the first '@'.
        ("postgresql://u:p@ss@h", build(|c| _ = c.host("ss@h").user("u").password("p"))),
        // Unix-socket directories.
        (
            "postgresql://%2Fvar%2Frun%2Fpostgresql/db",
            build(|c| _ = c.host("/var/run/postgresql").dbname("db")),
        ),
        ("postgresql://%40abstract:5433", build(|c| _ = c.host("@abstract").port(5433))),
        ("postgresql:///db?host=/tmp", build(|c| _ = c.host("/tmp").dbname("db"))),
        (
            "postgresql:///db?host=%2Ftmp&port=6432",
            build(|c| _ = c.host("/tmp").port(6432).dbname("db")),
        ),
        // IPv6.
        ("postgresql://[::1]", build(|c| _ = c.host("::1"))),
        ("postgresql://[::1]:5433/db", build(|c| _ = c.host("::1").port(5433).dbname("db"))),
        (
            "postgresql://[2001:db8::7]?sslmode=disable",
            build(|c| _ = c.host("2001:db8::7").ssl_mode(SslMode::Disable)),
        ),
        // Several hosts; a missing port is the default, and libpq then keeps the whole list.
        (
            "postgresql://h1:5432,h2:5433,[::1]/db",
            build(|c| {
                _ = c
                    .host("h1")
                    .host("h2")
                    .host("::1")
                    .port(5432)
                    .port(5433)
                    .port(5432)
                    .dbname("db")
            }),
        ),
        ("postgresql://a,b/", build(|c| _ = c.host("a").host("b").port(5432).port(5432))),
        ("postgresql://a:6000,b:6000", build(|c| _ = c.host("a").host("b").port(6000).port(6000))),
        ("postgresql://,b", build(|c| _ = c.host("").host("b").port(5432).port(5432))),
        ("postgresql://:6000/db", build(|c| _ = c.port(6000).dbname("db"))),
        // The query.
        ("postgresql://h?", build(|c| _ = c.host("h"))),
        ("postgresql://h?sslmode=require&", build(|c| _ = c.host("h").ssl_mode(SslMode::Require))),
        ("postgresql://h?ssl=true", build(|c| _ = c.host("h").ssl_mode(SslMode::Require))),
        ("postgresql://h/db?user=x&user=y", build(|c| _ = c.host("h").dbname("db").user("y"))),
        ("postgresql://h?password=p%26w", build(|c| _ = c.host("h").password("p&w"))),
        (
            "postgresql://h?options=-c%20search_path%3Dapp",
            build(|c| _ = c.host("h").options("-c search_path=app")),
        ),
        ("postgresql://h?a%70plication_name=x", build(|c| _ = c.host("h").application_name("x"))),
        ("postgresql://h?dbname=q&host=k", build(|c| _ = c.host("k").dbname("q"))),
        ("postgresql://h/db/with/slash", build(|c| _ = c.host("h").dbname("db/with/slash"))),
    ];
    for (url, want) in cases {
        assert_eq!(parse(url), want, "{url}");
    }
}

#[test]
fn every_query_parameter() {
    let url = "postgresql://h/db?hostaddr=10.0.0.1&port=6543&user=u&password=pw&dbname=d\
               &application_name=app&fallback_application_name=fb&options=-c%20x%3D1\
               &connect_timeout=10&keepalives=0&keepalives_idle=30&keepalives_interval=5\
               &keepalives_count=3&sslmode=verify-full&sslrootcert=system&sslcert=%2Fc.pem\
               &sslkey=%2Fk.pem&sslnegotiation=direct&channel_binding=require\
               &require_auth=scram-sha-256&target_session_attrs=read-write\
               &load_balance_hosts=random&min_protocol_version=3.2&max_protocol_version=latest\
               &passfile=%2Fpw&statement_cache_size=16&prepare_threshold=5&pooler_mode=true&read_batching=off";
    let c = parse(url);
    assert_eq!(c.get_hosts(), ["h"]);
    assert_eq!(c.get_hostaddrs(), [Some("10.0.0.1".parse::<IpAddr>().unwrap())]);
    assert_eq!(c.get_ports(), [6543]);
    assert_eq!(c.get_user(), Some("u"));
    assert_eq!(c.get_password(), Some(&b"pw"[..]));
    assert_eq!(c.get_dbname(), Some("d"));
    assert_eq!(c.get_application_name(), Some("app"));
    assert_eq!(c.get_fallback_application_name(), Some("fb"));
    assert_eq!(c.get_options(), Some("-c x=1"));
    assert_eq!(c.get_connect_timeout(), Some(Duration::from_secs(10)));
    assert!(!c.get_keepalives());
    assert_eq!(c.get_keepalives_idle(), Some(Duration::from_secs(30)));
    assert_eq!(c.get_keepalives_interval(), Some(Duration::from_secs(5)));
    assert_eq!(c.get_keepalives_count(), Some(3));
    assert_eq!(c.get_ssl_mode(), SslMode::VerifyFull);
    assert_eq!(c.get_ssl_root_cert(), Some(&SslRootCert::System));
    assert_eq!(c.get_ssl_cert(), Some("/c.pem".as_ref()));
    assert_eq!(c.get_ssl_key(), Some("/k.pem".as_ref()));
    assert_eq!(c.get_ssl_negotiation(), SslNegotiation::Direct);
    assert_eq!(c.get_channel_binding(), ChannelBinding::Require);
    let auth = c.get_require_auth();
    assert!(auth.allows(AuthMethod::ScramSha256) && !auth.allows(AuthMethod::Md5));
    assert_eq!(c.get_target_session_attrs(), TargetSessionAttrs::ReadWrite);
    assert_eq!(c.get_load_balance_hosts(), LoadBalanceHosts::Random);
    assert_eq!(c.get_min_protocol_version(), ProtocolVersion::V3_2);
    assert_eq!(c.get_max_protocol_version(), ProtocolVersion::V3_2);
    assert_eq!(c.get_passfile(), Some("/pw".as_ref()));
    assert_eq!(c.get_statement_cache_size(), 16);
    assert_eq!(c.get_prepare_threshold(), Some(5));
    assert!(c.get_pooler_mode());
    assert!(!c.get_read_batching());
}

/// Cases checked against libpq 18's `PQconninfoParse`.
#[test]
fn urls_as_libpq_reads_them() {
    let cases: Vec<(&str, Config)> = vec![
        // The host and port lists are decoded whole: an encoded comma separates entries.
        (
            "postgresql://a%2Cb:1%2C2/db",
            build(|c| _ = c.host("a").host("b").port(1).port(2).dbname("db")),
        ),
        ("postgresql://[a,b]:7", build(|c| _ = c.host("a").host("b").port(7))),
        ("postgresql:///?host=a%2Cb&port=1", build(|c| _ = c.host("a").host("b").port(1))),
        // Spaces around a part are dropped (libpq 18), even down to an empty value.
        ("postgresql:// h /db", build(|c| _ = c.host("h").dbname("db"))),
        ("postgresql://[ ::1 ]: 5433 ", build(|c| _ = c.host("::1").port(5433))),
        ("postgresql://h/ db ", build(|c| _ = c.host("h").dbname("db"))),
        ("postgresql://h/ ", build(|c| _ = c.host("h").dbname(""))),
        ("postgresql:// @h", build(|c| _ = c.host("h").user(""))),
        ("postgresql://u:%20@h", build(|c| _ = c.host("h").user("u").password(" "))),
        (
            "postgresql://h?  user = app & port  = 6432 ",
            build(|c| _ = c.host("h").user("app").port(6432)),
        ),
        ("postgresql://h?user=%20a%20b%20", build(|c| _ = c.host("h").user(" a b "))),
        // Only the last value counts, so an invalid one that is replaced is no error.
        ("postgresql://h:abc/db?port=5432", build(|c| _ = c.host("h").port(5432).dbname("db"))),
        ("postgresql://h/d%FF?dbname=x", build(|c| _ = c.host("h").dbname("x"))),
        ("postgresql://h?sslmode=bogus&sslmode=disable", {
            build(|c| _ = c.host("h").ssl_mode(SslMode::Disable))
        }),
        // libpq's old `requiressl`, rewritten as `sslmode` where it stands.
        ("postgresql://h?requiressl=1", build(|c| _ = c.host("h").ssl_mode(SslMode::Require))),
        ("postgresql://h?requiressl=%30", build(|c| _ = c.host("h").ssl_mode(SslMode::Prefer))),
        ("postgresql://h?sslmode=disable&requiressl=1", {
            build(|c| _ = c.host("h").ssl_mode(SslMode::Require))
        }),
        ("postgresql://h?requiressl=1&sslmode=disable", {
            build(|c| _ = c.host("h").ssl_mode(SslMode::Disable))
        }),
        // One '&' may end the query.
        ("postgresql://h?user=u&", build(|c| _ = c.host("h").user("u"))),
    ];
    for (url, want) in cases {
        assert_eq!(parse(url), want, "{url}");
    }
}

#[test]
fn url_and_conninfo_agree() {
    let pairs = [
        ("postgresql://u:pw@h:1/d", "user=u password=pw host=h port=1 dbname=d"),
        ("postgresql://a:1,b:2/d?sslmode=require", "host=a,b port=1,2 dbname=d sslmode=require"),
        ("postgresql:///d?host=/tmp&require_auth=!md5", "host=/tmp dbname=d require_auth=!md5"),
    ];
    for (url, conninfo) in pairs {
        assert_eq!(parse(url), parse(conninfo), "{url} vs {conninfo}");
    }
}

#[test]
fn every_enum_value_round_trips() {
    for v in SslMode::VALUES {
        assert_eq!(v.parse::<SslMode>().unwrap().as_str(), *v);
    }
    for v in SslNegotiation::VALUES {
        assert_eq!(v.parse::<SslNegotiation>().unwrap().to_string(), *v);
    }
    for v in TargetSessionAttrs::VALUES {
        let url = format!("postgresql://h?target_session_attrs={v}");
        assert_eq!(parse(&url).get_target_session_attrs().as_str(), *v);
    }
    for v in LoadBalanceHosts::VALUES {
        assert_eq!(v.parse::<LoadBalanceHosts>().unwrap().as_str(), *v);
    }
    for (v, want) in [
        ("disable", ChannelBinding::Disable),
        ("prefer", ChannelBinding::Prefer),
        ("require", ChannelBinding::Require),
    ] {
        assert_eq!(parse(&format!("channel_binding={v}")).get_channel_binding(), want);
    }
    for (v, want) in [
        ("3.0", ProtocolVersion::V3_0),
        ("3.2", ProtocolVersion::V3_2),
        ("latest", ProtocolVersion::V3_2),
    ] {
        assert_eq!(parse(&format!("max_protocol_version={v}")).get_max_protocol_version(), want);
    }
    assert_eq!("".parse::<RequireAuth>().unwrap(), RequireAuth::any());
}

#[test]
fn debug_never_shows_the_password() {
    let config = parse("postgresql://app:sup3r-s3cret@db.example/shop?sslmode=require");
    for shown in [format!("{config:?}"), format!("{config:#?}")] {
        assert!(!shown.contains("sup3r-s3cret"), "{shown}");
        assert!(shown.contains("<redacted>"), "{shown}");
        assert!(shown.contains("db.example"), "{shown}");
    }
    assert!(format!("{config:?}").contains("password: Some(<redacted>)"));
    assert!(format!("{:?}", Config::new()).contains("password: None"));
    let conninfo = parse("password='s p a c e' user=x");
    assert!(!format!("{conninfo:?}").contains("s p a c e"));
}

mod prop {
    use proptest::prelude::*;

    use super::super::super::Config;

    proptest! {
        #[test]
        fn from_str_never_panics(s in any::<String>()) {
            let _ = s.parse::<Config>();
        }

        #[test]
        fn url_never_panics(s in "[a-z0-9%:@/?&=\\[\\],.!é ]{0,40}") {
            let _ = format!("postgresql://{s}").parse::<Config>();
            if let Ok(c) = format!("postgres://{s}").parse::<Config>() {
                let _ = c.resolve(Some("me"));
            }
        }

        #[test]
        fn conninfo_never_panics(s in "[a-z_=' \\\\,0-9.!/é-]{0,40}") {
            if let Ok(c) = s.parse::<Config>() {
                let _ = c.resolve(None);
            }
        }

        #[test]
        fn quoted_values_round_trip(v in any::<String>()) {
            let quoted = v.replace('\\', "\\\\").replace('\'', "\\'");
            let c: Config = format!("application_name='{quoted}'").parse().unwrap();
            prop_assert_eq!(c.get_application_name(), Some(v.as_str()));
        }
    }
}
