use crate::conn::config::pgpass::{self, PasswordFile, lookup};
use crate::conn::config::{Config, Host};

#[test]
fn lookup_follows_libpq() {
    let file = "\
# comment:line:that:would:match
db.example:5432:shop:app:plain
db.example:*:*:app:any-port-or-db
*:*:*:admin:wild
other:5432:shop:app:pass\\:with\\\\escapes:ignored-tail
esc\\:aped:5432:*:*:escaped-host
::1:5432:*:*:ipv6-unescaped
localhost:5432:*:*:local
colon:*:*:*:trailing\\
\r
windows:*:*:*:crlf\r
";
    let cases: &[(&str, u16, &str, &str, Option<&str>)] = &[
        ("db.example", 5432, "shop", "app", Some("plain")),
        ("db.example", 6432, "shop", "app", Some("any-port-or-db")),
        ("db.example", 5432, "other", "app", Some("any-port-or-db")),
        ("anything", 1, "x", "admin", Some("wild")),
        ("other", 5432, "shop", "app", Some("pass:with\\escapes")),
        ("esc:aped", 5432, "d", "u", Some("escaped-host")),
        ("::1", 5432, "d", "u", Some("ipv6-unescaped")),
        // 'localhost' matches no host and the default socket directories.
        ("localhost", 5432, "d", "u", Some("local")),
        ("", 5432, "d", "u", Some("local")),
        ("/tmp", 5432, "d", "u", Some("local")),
        ("/var/run/postgresql", 5432, "d", "u", Some("local")),
        ("/elsewhere", 5432, "d", "u", None),
        ("colon", 1, "d", "u", Some("trailing\\")),
        ("windows", 1, "d", "u", Some("crlf")),
        ("nobody", 5432, "d", "u", None),
        ("db.example", 5432, "shop", "someone", None),
        // Comment lines never match.
        ("# comment", 0, "that", "would", None),
    ];
    for (host, port, db, user, want) in cases {
        assert_eq!(
            lookup(file, host, *port, db, user).as_deref(),
            *want,
            "{host}:{port}:{db}:{user}"
        );
    }
}

#[test]
fn lookup_edge_cases() {
    // A field must end with ':'; a short line never matches.
    assert_eq!(lookup("h:5432:d", "h", 5432, "d", "u"), None);
    assert_eq!(lookup("h:5432:d:u", "h", 5432, "d", "u"), None);
    // An empty password field is an empty password.
    assert_eq!(lookup("h:5432:d:u:", "h", 5432, "d", "u").as_deref(), Some(""));
    // The first match wins; '*' is a wildcard only as a whole field.
    assert_eq!(lookup("h*:*:*:*:a\nh:*:*:*:b", "h", 1, "d", "u").as_deref(), Some("b"));
    assert_eq!(lookup("*:*:*:*:first\nh:*:*:*:second", "h", 1, "d", "u").as_deref(), Some("first"));
    // A trailing backslash in a field never matches.
    assert_eq!(lookup("h\\", "h", 1, "d", "u"), None);
    assert_eq!(lookup("", "h", 1, "d", "u"), None);
    // Host names are compared as written, the port as decimal text.
    assert_eq!(lookup("H:*:*:*:x", "h", 1, "d", "u"), None);
    assert_eq!(lookup("h:05432:*:*:x", "h", 5432, "d", "u"), None);
}

#[test]
fn target_host_names_feed_lookup() {
    let config: Config = "hostaddr=10.0.0.1".parse().unwrap();
    let target = &config.targets().unwrap()[0];
    assert_eq!(target.host, Host::Tcp("10.0.0.1".into()));
    let file = "10.0.0.1:5432:*:*:by-address";
    assert_eq!(
        lookup(file, &target.host.name(), target.port, "d", "u").as_deref(),
        Some("by-address")
    );
}

#[test]
fn default_paths() {
    let env = |pairs: &'static [(&'static str, &'static str)]| {
        move |var: &str| pairs.iter().find(|(k, _)| *k == var).map(|(_, v)| (*v).to_owned())
    };
    assert_eq!(
        pgpass::default_path(env(&[("PGPASSFILE", "/x/pass"), ("HOME", "/home/u")])),
        Some("/x/pass".into())
    );
    if cfg!(unix) {
        assert_eq!(
            pgpass::default_path(env(&[("HOME", "/home/u")])),
            Some("/home/u/.pgpass".into())
        );
        assert_eq!(pgpass::default_path(env(&[("HOME", "")])), None);
    }
    assert_eq!(pgpass::default_path(env(&[])), None);
    let config: Config = "passfile=/conf/pass".parse().unwrap();
    assert_eq!(pgpass::path_for(&config, env(&[("PGPASSFILE", "/x")])), Some("/conf/pass".into()));
    assert_eq!(pgpass::path_for(&Config::new(), env(&[("PGPASSFILE", "/x")])), Some("/x".into()));
}

/// libpq 18: `passfile=''` in the string keeps `PGPASSFILE` out (the parameter is set) and
/// then means the default file, `~/.pgpass`.
#[cfg(unix)]
#[test]
fn empty_passfile_means_the_home_file_not_pgpassfile() {
    let env = |var: &str| match var {
        "PGPASSFILE" => Some("/x/pass".to_owned()),
        "HOME" => Some("/home/u".to_owned()),
        _ => None,
    };
    let mut config: Config = "passfile=''".parse().unwrap();
    config.apply_env(env).unwrap();
    assert_eq!(config.get_passfile(), None);
    assert_eq!(pgpass::path_for(&config, env), Some("/home/u/.pgpass".into()));
    assert_eq!(pgpass::path_for(&config, |_| None), None);
    assert_eq!(pgpass::home_path(env), Some("/home/u/.pgpass".into()));
    // Unset, the parameter takes PGPASSFILE, whether or not the environment was applied.
    let mut config = Config::new();
    assert_eq!(pgpass::path_for(&config, env), Some("/x/pass".into()));
    config.apply_env(env).unwrap();
    assert_eq!(config.get_passfile(), Some("/x/pass".as_ref()));
    // An empty PGPASSFILE is no file: the home one.
    let empty = |var: &str| if var == "HOME" { Some("/h".to_owned()) } else { Some(String::new()) };
    assert_eq!(pgpass::path_for(&Config::new(), empty), Some("/h/.pgpass".into()));
}

/// libpq 18: an empty password (in the string, or from the builder) counts as none, so the
/// password file is read; it still keeps PGPASSWORD out.
#[test]
fn empty_password_reads_the_file() {
    let mut config: Config = "password=''".parse().unwrap();
    config.apply_env(|var| (var == "PGPASSWORD").then(|| "envpw".to_owned())).unwrap();
    assert_eq!(config.get_password(), None);
    let mut config = Config::new();
    config.password("");
    assert_eq!(config.get_password(), None);
    config.password("pw");
    assert_eq!(config.get_password(), Some(&b"pw"[..]));
    // An empty PGPASSWORD is no password either.
    let mut config = Config::new();
    config.apply_env(|var| (var == "PGPASSWORD").then(String::new)).unwrap();
    assert_eq!(config.get_password(), None);
}

/// libpq 18 looks a target given by `hostaddr` alone up by the address as written: `0:0::1`
/// finds a `0\:0\:...` line, not a `::1` one.
#[test]
fn hostaddr_is_looked_up_as_written() {
    let file = "::1:*:*:*:short\n0\\:0\\:0\\:0\\:0\\:0\\:0\\:1:*:*:*:long\n\
                ::FFFF\\:127.0.0.1:*:*:*:upper\n*:*:*:*:other\n";
    let cases = [
        ("hostaddr=0:0:0:0:0:0:0:1", "long"),
        ("hostaddr=::1", "short"),
        ("hostaddr=::FFFF:127.0.0.1", "upper"),
        ("hostaddr=::ffff:127.0.0.1", "other"),
        // With a host, the host is the name.
        ("host=::1 hostaddr=0:0:0:0:0:0:0:1", "short"),
    ];
    for (s, want) in cases {
        let config: Config = s.parse().unwrap();
        let target = &config.targets().unwrap()[0];
        let got = lookup(file, &target.host.name(), target.port, "d", "u");
        assert_eq!(got.as_deref(), Some(want), "{s}");
    }
}

#[cfg(unix)]
#[test]
fn read_password_file_checks_permissions() {
    use std::os::unix::fs::PermissionsExt;

    let dir = std::env::temp_dir().join(format!("pgtusk-pgpass-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("pgpass");
    std::fs::write(&path, "*:*:*:*:pw\n").unwrap();

    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    assert_eq!(
        pgpass::read_password_file(&path).unwrap(),
        PasswordFile::Contents("*:*:*:*:pw\n".into())
    );
    for mode in [0o640, 0o604, 0o610, 0o644] {
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
        match pgpass::read_password_file(&path).unwrap() {
            PasswordFile::Ignored { warning } => {
                assert!(warning.contains("group or world access"), "{warning}");
                assert!(warning.contains("pgpass"), "{warning}");
            }
            other => panic!("mode {mode:o}: {other:?}"),
        }
    }
    match pgpass::read_password_file(&dir).unwrap() {
        PasswordFile::Ignored { warning } => assert!(warning.contains("not a plain file")),
        other => panic!("{other:?}"),
    }
    assert_eq!(pgpass::read_password_file(&dir.join("absent")).unwrap(), PasswordFile::Missing);
    std::fs::remove_dir_all(&dir).unwrap();
}
