//! The two connection-string forms libpq accepts: `postgresql://` URLs and `key=value`
//! strings.
//!
//! Both follow libpq's parsers (`conninfo_uri_parse` and `conninfo_parse` in
//! `fe-connect.c`) rule for rule, including their quirks: the user-info part ends at the
//! first `@` before any `/`; `postgresql://a,b/` sets the port list to two defaults (so
//! `PGPORT` no longer applies); in `key=value` form a value may start after blanks following
//! `=`. Percent-decoding applies to every part of a URL; the host and port lists are
//! decoded whole, as libpq does, so an encoded comma (`%2C`) separates entries too. As in
//! libpq 18, spaces around a URL part are dropped and a space inside one must be written
//! `%20`. A query's parameters are separated by single `&`s, one more may end it.
//!
//! As in libpq, a string is read whole before any value is checked, and only the last
//! occurrence of a parameter counts: `sslmode=bogus sslmode=require` is valid. Unknown
//! parameter names and syntax errors are refused as they are met. libpq's old `requiressl`
//! is read as it reads it: `sslmode=require` for a value starting with `1`, else `prefer`.

use std::str::FromStr;

use super::Config;
use super::error::ConfigError;
use super::params::{KEYS, check_key, is_space, libpq_alias};

impl FromStr for Config {
    type Err = ConfigError;

    /// Parses a `postgresql://` (or `postgres://`) URL, or else a libpq `key=value` string.
    /// An empty string is an empty configuration.
    fn from_str(s: &str) -> Result<Self, ConfigError> {
        let mut params = Params::default();
        match s.strip_prefix("postgresql://").or_else(|| s.strip_prefix("postgres://")) {
            Some(rest) => parse_url(&mut params, rest)?,
            None => parse_conninfo(&mut params, s)?,
        }
        let mut config = Config::new();
        params.apply_to(&mut config)?;
        config.check(false)?;
        Ok(config)
    }
}

/// The parameters a connection string sets, as libpq's `conninfo_storeval` records them:
/// each name once, with its last value, not yet checked.
#[derive(Default)]
struct Params(Vec<Param>);

/// One parameter of a connection string.
struct Param {
    key: String,
    /// The value, percent-decoded in a URL (where it need not be UTF-8).
    value: Vec<u8>,
    /// Whether an error may echo the value: not for a port from a URL's host part, which
    /// may hold a piece of a password (see [`parse_netlocs`]).
    echo: bool,
}

impl Params {
    /// Records `key`'s value, replacing an earlier one.
    ///
    /// # Errors
    /// A name that is not a parameter of pgtusk's.
    fn set(&mut self, key: &str, value: Vec<u8>, echo: bool) -> Result<(), ConfigError> {
        let (key, value) = match libpq_alias(key, &value) {
            Some((key, value)) => (key, value.as_bytes().to_vec()),
            None => (key, value),
        };
        check_key(key)?;
        self.0.retain(|p| p.key != key);
        self.0.push(Param { key: key.to_owned(), value, echo });
        Ok(())
    }

    /// Checks every value and stores it in `config`.
    fn apply_to(self, config: &mut Config) -> Result<(), ConfigError> {
        for Param { key, value, echo } in self.0 {
            if key == "password" {
                config.password = Some(value);
                continue;
            }
            let text = String::from_utf8(value)
                .map_err(|_| ConfigError::url(Some(&key), "not UTF-8 after percent-decoding"))?;
            config.apply(&key, &text).map_err(|e| {
                if echo {
                    return e;
                }
                let what = "a port in the URL is not an integer from 1 to 65535";
                ConfigError::invalid_hidden(&key, what)
            })?;
        }
        Ok(())
    }
}

/// `key = value key2='quoted \' value' ...`, as `conninfo_parse`.
fn parse_conninfo(params: &mut Params, s: &str) -> Result<(), ConfigError> {
    let mut chars = s.chars().peekable();
    loop {
        while chars.next_if(|c| is_space(*c)).is_some() {}
        if chars.peek().is_none() {
            return Ok(());
        }
        let mut key = String::new();
        while let Some(c) = chars.next_if(|c| *c != '=' && !is_space(*c)) {
            key.push(c);
        }
        while chars.next_if(|c| is_space(*c)).is_some() {}
        if chars.next_if_eq(&'=').is_none() {
            // Name the token only if it is a parameter name: an unknown token may be part of
            // an unquoted password that contained a blank.
            let known = KEYS.contains(&key.as_str()).then_some(key.as_str());
            let what = match known {
                Some(k) => format!("missing \"=\" after \"{k}\""),
                None => "missing \"=\" after a parameter name".to_owned(),
            };
            return Err(ConfigError::syntax(known, &what));
        }
        while chars.next_if(|c| is_space(*c)).is_some() {}
        let mut value = String::new();
        if chars.next_if_eq(&'\'').is_some() {
            loop {
                match chars.next() {
                    None => {
                        let what = format!("unterminated quoted string in the value of \"{key}\"");
                        return Err(ConfigError::syntax(Some(&key), &what));
                    }
                    Some('\\') => value.extend(chars.next()),
                    Some('\'') => break,
                    Some(c) => value.push(c),
                }
            }
        } else {
            while let Some(c) = chars.next() {
                match c {
                    c if is_space(c) => break,
                    '\\' => value.extend(chars.next()),
                    c => value.push(c),
                }
            }
        }
        params.set(&key, value.into_bytes(), true)?;
    }
}

/// Everything after `postgresql://`, as `conninfo_uri_parse_options`.
fn parse_url(params: &mut Params, rest: &str) -> Result<(), ConfigError> {
    let mut rest = rest;
    // libpq: user info is present if an '@' comes before any '/'.
    let authority = &rest[..rest.find('/').unwrap_or(rest.len())];
    if let Some((userinfo, _)) = authority.split_once('@') {
        let (user, password) = match userinfo.split_once(':') {
            Some((user, password)) => (user, Some(password)),
            None => (userinfo, None),
        };
        // libpq skips an empty part, but keeps one that decodes to nothing (" ").
        if !user.is_empty() {
            params.set("user", decode(user, "user")?, true)?;
        }
        if let Some(password) = password.filter(|p| !p.is_empty()) {
            params.set("password", decode(password, "password")?, true)?;
        }
        rest = &rest[userinfo.len() + 1..];
    }

    rest = parse_netlocs(params, rest)?;

    if let Some(path) = rest.strip_prefix('/') {
        let end = path.find('?').unwrap_or(path.len());
        // libpq leaves an empty dbname unset, so PGDATABASE still applies.
        if end > 0 {
            params.set("dbname", decode(&path[..end], "dbname")?, true)?;
        }
        rest = &path[end..];
    }
    match rest.strip_prefix('?') {
        Some(query) => parse_query(params, query),
        // parse_netlocs stops only at '/', '?' or the end.
        None => Ok(()),
    }
}

/// `host1:port1,[::1]:port2,...`; returns what follows (empty, or starting at `/` or `?`).
///
/// As libpq, joins the hosts and the ports into two comma-separated lists (`h1,h2,` and
/// `port1,,`), and decodes each list whole.
fn parse_netlocs<'a>(params: &mut Params, mut rest: &'a str) -> Result<&'a str, ConfigError> {
    let mut hosts = String::new();
    let mut ports = String::new();
    loop {
        let host;
        if let Some(bracketed) = rest.strip_prefix('[') {
            let close = bracketed.find(']').ok_or_else(|| {
                ConfigError::url(Some("host"), "missing \"]\" after an IPv6 address")
            })?;
            if close == 0 {
                return Err(ConfigError::url(Some("host"), "empty IPv6 address in brackets"));
            }
            host = &bracketed[..close];
            rest = &bracketed[close + 1..];
            if !(rest.is_empty() || rest.starts_with([':', '/', '?', ','])) {
                let what = "unexpected character after an IPv6 address in brackets (expected \
                            \":\", \"/\", \"?\" or \",\")";
                return Err(ConfigError::url(Some("host"), what));
            }
        } else {
            let end = rest.find([':', '/', '?', ',']).unwrap_or(rest.len());
            host = &rest[..end];
            rest = &rest[end..];
        }
        hosts.push_str(host);

        if let Some(after) = rest.strip_prefix(':') {
            let end = after.find(['/', '?', ',']).unwrap_or(after.len());
            ports.push_str(&after[..end]);
            rest = &after[end..];
        }

        match rest.strip_prefix(',') {
            Some(after) => rest = after,
            None => break,
        }
        hosts.push(',');
        ports.push(',');
    }
    // libpq keeps each list only if its text is not empty.
    if !hosts.is_empty() {
        params.set("host", decode(&hosts, "host")?, true)?;
    }
    // The port text is not echoed: with an unencoded '/' in a password, libpq's rules read
    // part of the password as a port.
    if !ports.is_empty() {
        params.set("port", decode(&ports, "port")?, false)?;
    }
    Ok(rest)
}

/// `key=value&key2=value2`, as `conninfo_uri_parse_params`.
fn parse_query(params: &mut Params, query: &str) -> Result<(), ConfigError> {
    if query.is_empty() {
        return Ok(());
    }
    // libpq: one '&' may end the query; any other empty parameter lacks its '='.
    let query = query.strip_suffix('&').filter(|q| !q.is_empty()).unwrap_or(query);
    for item in query.split('&') {
        let Some((key, value)) = item.split_once('=') else {
            let what = "a query parameter has no \"=\"";
            return Err(ConfigError::url(None, what));
        };
        let key = decode(key, "query").ok().and_then(|k| String::from_utf8(k).ok());
        let Some(key) = key else {
            let what = "a query parameter name is not validly percent-encoded";
            return Err(ConfigError::url(None, what));
        };
        if value.contains('=') {
            return Err(ConfigError::url(Some(&key), "extra \"=\" in a query parameter"));
        }
        let value = decode(value, &key)?;
        // libpq's JDBC-compatible alias.
        if key == "ssl" {
            if value != b"true" {
                let value = String::from_utf8_lossy(&value);
                let expected = "\"true\" (an alias for sslmode=require)";
                return Err(ConfigError::invalid("ssl", &value, expected));
            }
            params.set("sslmode", b"require".to_vec(), true)?;
            continue;
        }
        params.set(&key, value, true)?;
    }
    Ok(())
}

/// Percent-decodes a URL part, as libpq 18's `conninfo_uri_decode`: spaces around the part
/// are dropped, a space inside it is an error (it must be written `%20`), and so are a
/// malformed escape and `%00`. `part` names the part in errors (the text never appears).
fn decode(s: &str, part: &str) -> Result<Vec<u8>, ConfigError> {
    let s = s.trim_matches(' ');
    if s.contains(' ') {
        return Err(ConfigError::url(Some(part), "a space must be percent-encoded (%20)"));
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b != b'%' {
            out.push(b);
            i += 1;
            continue;
        }
        let hex = |j: usize| bytes.get(j).and_then(|d| char::from(*d).to_digit(16));
        let (Some(hi), Some(lo)) = (hex(i + 1), hex(i + 2)) else {
            return Err(ConfigError::url(Some(part), "invalid percent-encoding"));
        };
        let decoded = (hi * 16 + lo) as u8;
        if decoded == 0 {
            return Err(ConfigError::url(Some(part), "forbidden value %00"));
        }
        out.push(decoded);
        i += 3;
    }
    Ok(out)
}
