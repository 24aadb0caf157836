use std::collections::HashMap;
use std::time::Duration;

use super::parse;
use crate::conn::config::env::ENV_VARS;
use crate::conn::config::{
    Config, ConfigErrorKind, LoadBalanceHosts, SslMode, SslNegotiation, SslRootCert,
    TargetSessionAttrs,
};
use crate::protocol::ProtocolVersion;
use crate::protocol::auth::{AuthMethod, ChannelBinding};

/// A valid value for every variable, and a different valid value for its parameter.
const SAMPLES: &[(&str, &str, &str)] = &[
    ("PGHOST", "envhost", "confhost"),
    ("PGHOSTADDR", "10.0.0.1", "10.0.0.2"),
    ("PGPORT", "6000", "7000"),
    ("PGUSER", "envuser", "confuser"),
    ("PGPASSWORD", "envpw", "confpw"),
    ("PGPASSFILE", "/env/pgpass", "/conf/pgpass"),
    ("PGDATABASE", "envdb", "confdb"),
    ("PGAPPNAME", "envapp", "confapp"),
    ("PGOPTIONS", "-c env=1", "-c conf=1"),
    ("PGCONNECT_TIMEOUT", "7", "9"),
    ("PGSSLMODE", "verify-full", "require"),
    ("PGSSLROOTCERT", "/env/root.crt", "/conf/root.crt"),
    ("PGSSLCERT", "/env/c.crt", "/conf/c.crt"),
    ("PGSSLKEY", "/env/c.key", "/conf/c.key"),
    ("PGSSLNEGOTIATION", "direct", "postgres"),
    ("PGCHANNELBINDING", "require", "disable"),
    ("PGREQUIREAUTH", "scram-sha-256", "!md5"),
    ("PGTARGETSESSIONATTRS", "standby", "primary"),
    ("PGLOADBALANCEHOSTS", "random", "disable"),
    ("PGMINPROTOCOLVERSION", "3.2", "3.0"),
    ("PGMAXPROTOCOLVERSION", "3.2", "3.0"),
];

fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
    let map: HashMap<String, String> =
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
    move |var| map.get(var).cloned()
}

#[test]
fn samples_cover_every_variable() {
    let vars: Vec<&str> = ENV_VARS.iter().map(|(var, _)| *var).collect();
    let sampled: Vec<&str> = SAMPLES.iter().map(|(var, _, _)| *var).collect();
    assert_eq!(vars, sampled);
}

#[test]
fn every_variable_fills_its_parameter() {
    let env: Vec<(&str, &str)> = SAMPLES.iter().map(|(var, value, _)| (*var, *value)).collect();
    let mut c = Config::new();
    c.apply_env(env_of(&env)).unwrap();
    assert_eq!(c.get_hosts(), ["envhost"]);
    assert_eq!(c.get_hostaddrs(), [Some([10, 0, 0, 1].into())]);
    assert_eq!(c.get_ports(), [6000]);
    assert_eq!(c.get_user(), Some("envuser"));
    assert_eq!(c.get_password(), Some(&b"envpw"[..]));
    assert_eq!(c.get_passfile(), Some("/env/pgpass".as_ref()));
    assert_eq!(c.get_dbname(), Some("envdb"));
    assert_eq!(c.get_application_name(), Some("envapp"));
    assert_eq!(c.get_options(), Some("-c env=1"));
    assert_eq!(c.get_connect_timeout(), Some(Duration::from_secs(7)));
    assert_eq!(c.get_ssl_mode(), SslMode::VerifyFull);
    assert_eq!(c.get_ssl_root_cert(), Some(&SslRootCert::File("/env/root.crt".into())));
    assert_eq!(c.get_ssl_cert(), Some("/env/c.crt".as_ref()));
    assert_eq!(c.get_ssl_key(), Some("/env/c.key".as_ref()));
    assert_eq!(c.get_ssl_negotiation(), SslNegotiation::Direct);
    assert_eq!(c.get_channel_binding(), ChannelBinding::Require);
    assert!(!c.get_require_auth().allows(AuthMethod::Md5));
    assert_eq!(c.get_target_session_attrs(), TargetSessionAttrs::Standby);
    assert_eq!(c.get_load_balance_hosts(), LoadBalanceHosts::Random);
    assert_eq!(c.get_min_protocol_version(), ProtocolVersion::V3_2);
    assert_eq!(c.get_max_protocol_version(), ProtocolVersion::V3_2);
}

#[test]
fn explicit_beats_env_for_every_variable() {
    let env: Vec<(&str, &str)> = SAMPLES.iter().map(|(var, value, _)| (*var, *value)).collect();
    for &(var, _, explicit) in SAMPLES {
        let key = ENV_VARS.iter().find(|(v, _)| *v == var).unwrap().1;
        let mut want = Config::new();
        want.set_param(key, explicit).unwrap();
        let mut got = want.clone();
        got.apply_env(env_of(&[(var, SAMPLES.iter().find(|s| s.0 == var).unwrap().1)])).unwrap();
        assert_eq!(got, want, "{var} overrode {key}");
        // Together with everything else, the explicit value still stands.
        let mut all = want.clone();
        if all.apply_env(env_of(&env)).is_ok() {
            assert!(all.is_set(key));
            let mut alone = Config::new();
            alone.set_param(key, explicit).unwrap();
            assert_eq!(
                format!("{:?}", param_of(&all, key)),
                format!("{:?}", param_of(&alone, key))
            );
        }
    }
}

/// The Debug text of one parameter's field, found through the Config's Debug output.
fn param_of(config: &Config, key: &str) -> String {
    let shown = format!("{config:#?}");
    shown.lines().find(|l| l.trim_start().starts_with(&format!("{key}:"))).unwrap().to_owned()
}

#[test]
fn explicit_empty_blocks_env_and_empty_env_is_ignored() {
    let mut c = parse("host='' user=''");
    c.apply_env(env_of(&[("PGHOST", "envhost"), ("PGUSER", "envuser")])).unwrap();
    assert_eq!(c.get_hosts(), [] as [String; 0]);
    assert_eq!(c.get_user(), Some(""));

    let mut c = Config::new();
    c.apply_env(env_of(&[("PGSSLMODE", ""), ("PGHOST", "")])).unwrap();
    assert_eq!(c, Config::new());
}

#[test]
fn checks_wait_for_the_environment() {
    // Two ports and no host yet: PGHOST may supply two hosts.
    let mut c = parse("port=1,2");
    c.apply_env(env_of(&[("PGHOST", "a,b")])).unwrap();
    assert_eq!(c.targets().unwrap().len(), 2);
    // ...but without it, resolution refuses.
    assert_eq!(parse("port=1,2").targets().unwrap_err().kind(), ConfigErrorKind::Conflict);

    // sslnegotiation=direct with sslmode unset: PGSSLMODE may supply a strong one.
    let mut c = parse("sslnegotiation=direct");
    assert!(c.validate().is_err());
    c.apply_env(env_of(&[("PGSSLMODE", "require")])).unwrap();
    c.validate().unwrap();

    // sslrootcert=system implies verify-full; a weaker PGSSLMODE is refused.
    let mut c = parse("sslrootcert=system");
    assert_eq!(c.get_ssl_mode(), SslMode::VerifyFull);
    let err = c.apply_env(env_of(&[("PGSSLMODE", "require")])).unwrap_err();
    assert_eq!((err.kind(), err.key()), (ConfigErrorKind::Conflict, Some("sslmode")));

    // sslrootcert=system from the environment with an explicit weak mode.
    let mut c = parse("sslmode=prefer");
    assert!(c.apply_env(env_of(&[("PGSSLROOTCERT", "system")])).is_err());
}

/// libpq 18 reads the deprecated PGREQUIRESSL when sslmode is unset and PGSSLMODE is not set:
/// a value starting with '1' is `require`, any other is ignored.
#[test]
fn pgrequiressl_stands_for_sslmode_require() {
    let with = |conninfo: &str, pairs: &[(&str, &str)]| {
        let mut c = parse(conninfo);
        c.apply_env(env_of(pairs)).map(|()| c.get_ssl_mode())
    };
    assert_eq!(with("", &[("PGREQUIRESSL", "1")]).unwrap(), SslMode::Require);
    assert_eq!(with("", &[("PGREQUIRESSL", "1x")]).unwrap(), SslMode::Require);
    for ignored in ["0", "yes", "true", "", " 1"] {
        assert_eq!(with("", &[("PGREQUIRESSL", ignored)]).unwrap(), SslMode::Prefer, "{ignored:?}");
    }
    // PGSSLMODE and the string come first.
    let both = [("PGREQUIRESSL", "1"), ("PGSSLMODE", "disable")];
    assert_eq!(with("", &both).unwrap(), SslMode::Disable);
    assert_eq!(with("sslmode=allow", &[("PGREQUIRESSL", "1")]).unwrap(), SslMode::Allow);
    assert_eq!(with("requiressl=0", &[("PGREQUIRESSL", "1")]).unwrap(), SslMode::Prefer);
    // `require` is strong enough for sslnegotiation=direct...
    assert_eq!(with("sslnegotiation=direct", &[("PGREQUIRESSL", "1")]).unwrap(), SslMode::Require);
    // ...but too weak for sslrootcert=system, which only the default sslmode follows.
    for (conninfo, env) in [
        ("sslrootcert=system", &[("PGREQUIRESSL", "1")][..]),
        ("", &[("PGREQUIRESSL", "1"), ("PGSSLROOTCERT", "system")][..]),
    ] {
        let err = with(conninfo, env).unwrap_err();
        assert_eq!((err.kind(), err.key()), (ConfigErrorKind::Conflict, Some("sslmode")));
    }
    let ignored = [("PGREQUIRESSL", "0"), ("PGSSLROOTCERT", "system")];
    assert_eq!(with("", &ignored).unwrap(), SslMode::VerifyFull);
}

#[test]
fn from_env_and_str_parses_first() {
    // The process environment is not controlled here: only check that parse errors surface
    // and that explicit values survive whatever the environment holds.
    assert!(Config::from_env_and_str("nope=1").is_err());
    if let Ok(c) = Config::from_env_and_str("host=explicit-host user=explicit-user") {
        assert_eq!(c.get_hosts(), ["explicit-host"]);
        assert_eq!(c.get_user(), Some("explicit-user"));
    }
}
