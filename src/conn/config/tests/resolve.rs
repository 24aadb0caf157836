use core::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use super::parse;
use crate::conn::config::{
    Config, ConfigErrorKind, DEFAULT_STATEMENT_CACHE_SIZE, Host, LoadBalanceHosts, RequireAuth,
    SslMode, SslNegotiation, SslRootCert, Target, TargetSessionAttrs,
};
use crate::protocol::ProtocolVersion;
use crate::protocol::auth::{AuthMethod, ChannelBinding};

fn tcp(name: &str, port: u16) -> Target {
    Target { host: Host::Tcp(name.into()), hostaddr: None, port }
}

fn unix(dir: &str, port: u16) -> Target {
    Target { host: Host::Unix(dir.into()), hostaddr: None, port }
}

fn with_addr(host: Host, addr: &str, port: u16) -> Target {
    Target { host, hostaddr: Some(addr.parse().unwrap()), port }
}

#[test]
fn defaults() {
    let c = Config::new();
    assert_eq!(c.get_hosts(), [] as [String; 0]);
    assert_eq!(c.get_ports(), [] as [u16; 0]);
    assert_eq!(c.get_ssl_mode(), SslMode::Prefer);
    assert_eq!(c.get_ssl_negotiation(), SslNegotiation::Postgres);
    assert_eq!(c.get_channel_binding(), ChannelBinding::Prefer);
    assert!(c.get_require_auth().is_any());
    assert_eq!(c.get_target_session_attrs(), TargetSessionAttrs::Any);
    assert_eq!(c.get_load_balance_hosts(), LoadBalanceHosts::Disable);
    assert_eq!(c.get_min_protocol_version(), ProtocolVersion::V3_0);
    assert_eq!(c.get_max_protocol_version(), ProtocolVersion::V3_2);
    assert_eq!(c.get_connect_timeout(), None);
    assert!(c.get_keepalives());
    assert_eq!(c.get_keepalives_idle(), None);
    assert_eq!(c.get_keepalives_interval(), None);
    assert_eq!(c.get_keepalives_count(), None);
    assert_eq!(c.get_statement_cache_size(), DEFAULT_STATEMENT_CACHE_SIZE);
    assert_eq!(c.get_prepare_threshold(), None);
    assert!(!c.get_pooler_mode());
    assert!(c.get_read_batching());
    assert_eq!(c.get_password(), None);
    assert_eq!(c.get_ssl_root_cert(), None);
    // sslrootcert=system changes the default sslmode.
    assert_eq!(parse("sslrootcert=system").get_ssl_mode(), SslMode::VerifyFull);
    assert_eq!(
        parse("sslrootcert=/r.crt").get_ssl_root_cert(),
        Some(&SslRootCert::File("/r.crt".into()))
    );
    // Zero keepalive settings mean the system default.
    let c = parse("keepalives_idle=0 keepalives_count=0");
    assert_eq!((c.get_keepalives_idle(), c.get_keepalives_count()), (None, None));
    let mut c = Config::new();
    c.keepalives_interval(Duration::from_secs(3));
    assert_eq!(c.get_keepalives_interval(), Some(Duration::from_secs(3)));
}

#[cfg(unix)]
#[test]
fn default_host_is_both_socket_directories() {
    let resolved = Config::new().resolve(Some("alice")).unwrap();
    assert_eq!(resolved.user, "alice");
    assert_eq!(resolved.dbname, "alice");
    assert_eq!(resolved.application_name, None);
    assert_eq!(resolved.targets, [unix("/var/run/postgresql", 5432), unix("/tmp", 5432)]);
    let paths: Vec<PathBuf> = resolved.targets.iter().filter_map(Target::socket_path).collect();
    assert_eq!(
        paths,
        [PathBuf::from("/var/run/postgresql/.s.PGSQL.5432"), PathBuf::from("/tmp/.s.PGSQL.5432")]
    );
    assert_eq!(
        parse("port=6000").targets().unwrap(),
        [unix("/var/run/postgresql", 6000), unix("/tmp", 6000)]
    );
}

#[cfg(unix)]
#[test]
fn targets_expand_hosts() {
    let cases: Vec<(&str, Vec<Target>)> = vec![
        ("host=db", vec![tcp("db", 5432)]),
        ("host=db port=6000", vec![tcp("db", 6000)]),
        ("host=a,b,c port=7", vec![tcp("a", 7), tcp("b", 7), tcp("c", 7)]),
        ("host=a,b port=1,2", vec![tcp("a", 1), tcp("b", 2)]),
        ("host=/sock,@abstract", vec![unix("/sock", 5432), unix("@abstract", 5432)]),
        (
            "host=a,,b port=1,2,3",
            vec![tcp("a", 1), unix("/var/run/postgresql", 2), unix("/tmp", 2), tcp("b", 3)],
        ),
        ("postgresql://[::1]:1,h", vec![tcp("::1", 1), tcp("h", 5432)]),
        ("hostaddr=10.0.0.1", vec![with_addr(Host::Tcp("10.0.0.1".into()), "10.0.0.1", 5432)]),
        (
            "host=db.example,db2 hostaddr=10.0.0.1, port=1,2",
            vec![with_addr(Host::Tcp("db.example".into()), "10.0.0.1", 1), tcp("db2", 2)],
        ),
        (
            "hostaddr=::1,10.0.0.2 port=5",
            vec![
                with_addr(Host::Tcp("::1".into()), "::1", 5),
                with_addr(Host::Tcp("10.0.0.2".into()), "10.0.0.2", 5),
            ],
        ),
        (
            "host=/tmp hostaddr=10.0.0.3",
            vec![with_addr(Host::Unix("/tmp".into()), "10.0.0.3", 5432)],
        ),
    ];
    for (s, want) in cases {
        assert_eq!(parse(s).targets().unwrap(), want, "{s}");
    }
    // Only Unix targets without hostaddr have a socket path.
    assert_eq!(unix("@abstract", 5).socket_path(), Some(PathBuf::from("@abstract/.s.PGSQL.5")));
    assert_eq!(tcp("h", 5).socket_path(), None);
    assert_eq!(with_addr(Host::Unix("/tmp".into()), "::1", 5).socket_path(), None);
}

/// libpq 18 names a target given by `hostaddr` alone by the address as written (`PQhost`),
/// which is what its password file lookup sees; the address itself is the same.
#[test]
fn hostaddr_targets_keep_the_text_as_written() {
    let v6 = |s: &str| Some(s.parse::<IpAddr>().unwrap());
    let c = parse("hostaddr=0:0:0:0:0:0:0:1,::FFFF:127.0.0.1,10.0.0.1 port=1");
    let hosts: Vec<(Host, Option<IpAddr>)> =
        c.targets().unwrap().into_iter().map(|t| (t.host, t.hostaddr)).collect();
    assert_eq!(
        hosts,
        [
            (Host::Tcp("0:0:0:0:0:0:0:1".into()), v6("::1")),
            (Host::Tcp("::FFFF:127.0.0.1".into()), v6("::ffff:127.0.0.1")),
            (Host::Tcp("10.0.0.1".into()), v6("10.0.0.1")),
        ]
    );
    assert_eq!(c.get_hostaddrs(), [v6("::1"), v6("::ffff:127.0.0.1"), v6("10.0.0.1")]);
    // From PGHOSTADDR too, next to an empty entry and a host.
    let mut c = parse("host=,db port=1");
    c.apply_env(|var| (var == "PGHOSTADDR").then(|| "0:0::1,".to_owned())).unwrap();
    let targets = c.targets().unwrap();
    assert_eq!(targets[0].host, Host::Tcp("0:0::1".into()));
    assert_eq!(targets[1], tcp("db", 1));
    // The builder's addresses are written in the standard form.
    let mut c = Config::new();
    c.hostaddr("0:0::1".parse().unwrap());
    assert_eq!(c.targets().unwrap()[0].host, Host::Tcp("::1".into()));
}

#[test]
fn resolve_user_dbname_and_application_name() {
    let r = parse("user=u").resolve(Some("os")).unwrap();
    assert_eq!((r.user.as_str(), r.dbname.as_str()), ("u", "u"));
    let r = parse("user='' dbname=''").resolve(Some("os")).unwrap();
    assert_eq!((r.user.as_str(), r.dbname.as_str()), ("os", "os"));
    let r = parse("dbname=d").resolve(Some("os")).unwrap();
    assert_eq!((r.user.as_str(), r.dbname.as_str()), ("os", "d"));
    let err = Config::new().resolve(None).unwrap_err();
    assert_eq!((err.kind(), err.key()), (ConfigErrorKind::MissingUser, Some("user")));
    assert!(Config::new().resolve(Some("")).is_err());

    let r = parse("fallback_application_name=fb user=u").resolve(None).unwrap();
    assert_eq!(r.application_name.as_deref(), Some("fb"));
    let r =
        parse("application_name=app fallback_application_name=fb user=u").resolve(None).unwrap();
    assert_eq!(r.application_name.as_deref(), Some("app"));
    let r = parse("application_name='' fallback_application_name=fb user=u").resolve(None).unwrap();
    assert_eq!(r.application_name.as_deref(), Some("fb"));
}

#[test]
fn builders_and_validate() {
    let mut c = Config::new();
    c.host("a")
        .host("b")
        .hostaddr(IpAddr::from([10, 0, 0, 1]))
        .port(1)
        .ssl_negotiation(SslNegotiation::Direct)
        .ssl_mode(SslMode::Require);
    // Two hosts, one hostaddr: refused on resolution.
    assert_eq!(c.targets().unwrap_err().key(), Some("hostaddr"));
    c.hostaddr(IpAddr::from([10, 0, 0, 2]));
    assert_eq!(c.targets().unwrap().len(), 2);
    c.ssl_mode(SslMode::Allow);
    assert_eq!(c.validate().unwrap_err().key(), Some("sslmode"));
    c.ssl_mode(SslMode::VerifyFull).ssl_root_cert(SslRootCert::System);
    c.validate().unwrap();
    c.min_protocol_version(ProtocolVersion::V3_2).max_protocol_version(ProtocolVersion::V3_0);
    assert_eq!(c.validate().unwrap_err().key(), Some("min_protocol_version"));
}

#[test]
fn require_auth() {
    use AuthMethod::*;
    let all = [None, Password, Md5, Gss, Sspi, ScramSha256];
    let cases: &[(&str, &[AuthMethod])] = &[
        ("", &all),
        ("password", &[Password]),
        ("scram-sha-256,none", &[ScramSha256, None]),
        ("md5,password,gss,sspi", &[Md5, Password, Gss, Sspi]),
        ("none", &[None]),
        ("!none", &[Password, Md5, Gss, Sspi, ScramSha256]),
        ("!password,!md5", &[None, Gss, Sspi, ScramSha256]),
        ("!scram-sha-256", &[None, Password, Md5, Gss, Sspi]),
    ];
    for (s, allowed) in cases {
        let r: RequireAuth = s.parse().unwrap();
        for m in all {
            assert_eq!(r.allows(m), allowed.contains(&m), "{s:?} allows {m:?}");
        }
        // Display writes libpq's syntax back, which parses to the same value.
        assert_eq!(r.to_string().parse::<RequireAuth>().unwrap(), r, "{s:?}");
        assert_eq!(parse(&format!("require_auth='{s}'")).get_require_auth(), r);
    }
    assert_eq!("!md5,!password".parse::<RequireAuth>().unwrap().to_string(), "!password,!md5");
    assert!(RequireAuth::default().is_any());
    assert!(!"!none".parse::<RequireAuth>().unwrap().is_any());
    for bad in
        ["password,!md5", "!md5,password", "md5,md5", "!md5,!md5", "md5,", "!", "MD5", "trust"]
    {
        let err = bad.parse::<RequireAuth>().unwrap_err();
        assert_eq!(err.key(), Some("require_auth"), "{bad}");
    }
    assert_eq!(
        "password,!md5".parse::<RequireAuth>().unwrap_err().kind(),
        ConfigErrorKind::Conflict
    );
}
