//! The two connection-string forms libpq accepts: `postgresql://` URLs and `key=value`
//! strings.
//!
//! Both follow libpq's parsers (`conninfo_uri_parse` and `conninfo_parse` in
//! `fe-connect.c`) rule for rule, including their quirks: the user-info part ends at the
//! first `@` before any `/`; `postgresql://a,b/` sets the port list to two defaults (so
//! `PGPORT` no longer applies); in `key=value` form a value may start after blanks following
//! `=`. Percent-decoding applies to every part of a URL, one host or port entry at a time.

use std::str::FromStr;

use super::Config;
use super::error::ConfigError;
use super::params::{KEYS, parse_port};

impl FromStr for Config {
    type Err = ConfigError;

    /// Parses a `postgresql://` (or `postgres://`) URL, or else a libpq `key=value` string.
    /// An empty string is an empty configuration.
    fn from_str(s: &str) -> Result<Self, ConfigError> {
        let mut config = Config::new();
        match s.strip_prefix("postgresql://").or_else(|| s.strip_prefix("postgres://")) {
            Some(rest) => parse_url(&mut config, rest)?,
            None => parse_conninfo(&mut config, s)?,
        }
        config.check(false)?;
        Ok(config)
    }
}

/// libpq's `isspace` in the C locale.
fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | '\u{b}' | '\u{c}')
}

/// `key = value key2='quoted \' value' ...`, as `conninfo_parse`.
fn parse_conninfo(config: &mut Config, s: &str) -> Result<(), ConfigError> {
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
        config.apply(&key, &value)?;
    }
}

/// Everything after `postgresql://`, as `conninfo_uri_parse_options`.
fn parse_url(config: &mut Config, rest: &str) -> Result<(), ConfigError> {
    let mut rest = rest;
    // libpq: user info is present if an '@' comes before any '/'.
    let authority = &rest[..rest.find('/').unwrap_or(rest.len())];
    if let Some((userinfo, _)) = authority.split_once('@') {
        let (user, password) = match userinfo.split_once(':') {
            Some((user, password)) => (user, Some(password)),
            None => (userinfo, None),
        };
        if !user.is_empty() {
            config.user = Some(decode_str(user, "user")?);
        }
        if let Some(password) = password.filter(|p| !p.is_empty()) {
            config.password = Some(decode(password, "password")?);
        }
        rest = &rest[userinfo.len() + 1..];
    }

    rest = parse_netlocs(config, rest)?;

    if let Some(path) = rest.strip_prefix('/') {
        let end = path.find('?').unwrap_or(path.len());
        // libpq leaves an empty dbname unset, so PGDATABASE still applies.
        if end > 0 {
            config.dbname = Some(decode_str(&path[..end], "dbname")?);
        }
        rest = &path[end..];
    }
    match rest.strip_prefix('?') {
        Some(query) => parse_query(config, query),
        // parse_netlocs stops only at '/', '?' or the end.
        None => Ok(()),
    }
}

/// `host1:port1,[::1]:port2,...`; returns what follows (empty, or starting at `/` or `?`).
fn parse_netlocs<'a>(config: &mut Config, mut rest: &'a str) -> Result<&'a str, ConfigError> {
    let mut hosts = Vec::new();
    let mut ports = Vec::new();
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
        hosts.push(decode_str(host, "host")?);

        let mut port_text = "";
        if let Some(after) = rest.strip_prefix(':') {
            let end = after.find(['/', '?', ',']).unwrap_or(after.len());
            port_text = &after[..end];
            rest = &after[end..];
        }
        // The port text is not echoed: with an unencoded '/' in a password, libpq's rules
        // read part of the password as a port.
        let port = parse_port(&decode_str(port_text, "port")?).ok_or_else(|| {
            ConfigError::invalid_hidden(
                "port",
                "a port in the URL is not an integer from 1 to 65535",
            )
        })?;
        ports.push((port, !port_text.is_empty()));

        match rest.strip_prefix(',') {
            Some(after) => rest = after,
            None => break,
        }
    }
    // libpq keeps the lists only if their comma-joined text is non-empty.
    if hosts.len() > 1 || hosts.first().is_some_and(|h| !h.is_empty()) {
        config.hosts = Some(hosts);
    }
    if ports.len() > 1 || ports.first().is_some_and(|(_, given)| *given) {
        config.ports = Some(ports.into_iter().map(|(p, _)| p).collect());
    }
    Ok(rest)
}

/// `key=value&key2=value2`, as `conninfo_uri_parse_params`.
fn parse_query(config: &mut Config, query: &str) -> Result<(), ConfigError> {
    for item in query.split('&').filter(|item| !item.is_empty()) {
        let Some((key, value)) = item.split_once('=') else {
            let what = "a query parameter has no \"=\"";
            return Err(ConfigError::url(None, what));
        };
        let key = decode_str(key, "query").map_err(|_| {
            ConfigError::url(None, "a query parameter name is not validly percent-encoded")
        })?;
        if value.contains('=') {
            return Err(ConfigError::url(Some(&key), "extra \"=\" in a query parameter"));
        }
        if key == "password" {
            config.password = Some(decode(value, "password")?);
            continue;
        }
        let value = decode_str(value, &key)?;
        // libpq's JDBC-compatible alias.
        if key == "ssl" {
            if value != "true" {
                let expected = "\"true\" (an alias for sslmode=require)";
                return Err(ConfigError::invalid("ssl", &value, expected));
            }
            config.apply("sslmode", "require")?;
            continue;
        }
        config.apply(&key, &value)?;
    }
    Ok(())
}

/// Percent-decodes a URL part; `part` names it in errors (the text never appears).
fn decode(s: &str, part: &str) -> Result<Vec<u8>, ConfigError> {
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

/// [`decode`], then UTF-8.
fn decode_str(s: &str, part: &str) -> Result<String, ConfigError> {
    String::from_utf8(decode(s, part)?)
        .map_err(|_| ConfigError::url(Some(part), "not UTF-8 after percent-decoding"))
}
