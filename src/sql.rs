//! SQL composition: build statements from trusted SQL text and safely quoted names and
//! values, so that table and column names never need string formatting (after psycopg's
//! `psycopg.sql`).
//!
//! - [`Sql`]: a trusted fragment of SQL text, and the template that [`Sql::format`] fills;
//! - [`Identifier`]: a name (`table`, `schema.table`), always double-quoted;
//! - [`Literal`]: a value written as an SQL constant (strings, numbers, booleans, bytes,
//!   NULL);
//! - [`Placeholder`]: a parameter reference `$n`, for values sent separately (prefer this to
//!   [`Literal`] for data: the server then never parses the value as SQL);
//! - [`Composed`]: the result, SQL text that every query method accepts.
//!
//! Templates use `{}` (the next positional argument), `{0}` (a positional argument by
//! number) and `{name}` (a named argument); `{{` and `}}` stand for literal braces. A missing,
//! unknown or unused argument, or an unbalanced brace, is an error, as is an identifier that
//! is empty or contains a NUL character.
//!
//! ```
//! use pgtusk::sql::{Identifier, Literal, Placeholder, Sql};
//!
//! let query = Sql::new("SELECT {} FROM {} WHERE {} = {} AND kind = {}").format(&[
//!     &Sql::new(", ").join([Identifier::new("id"), Identifier::new("Full Name")])?,
//!     &Identifier::qualified(["public", "my \"users\""]),
//!     &Identifier::new("id"),
//!     &Placeholder::new(1),
//!     &Literal::new("it's"),
//! ])?;
//! assert_eq!(
//!     query.as_str(),
//!     r#"SELECT "id", "Full Name" FROM "public"."my ""users""" WHERE "id" = $1 AND kind = 'it''s'"#
//! );
//! # Ok::<(), pgtusk::Error>(())
//! ```
//!
//! A [`Composed`] is accepted wherever a statement is (`conn.query(&query, (7,))`).
//!
//! Invariant: nothing here talks to a server; quoting does not depend on server settings
//! (strings with backslashes use the `E'...'` form, which means the same whatever
//! `standard_conforming_strings` is).

use std::fmt::{self, Write as _};
use std::ops::Deref;

use crate::Error;

/// A piece of SQL that can be written into a statement: [`Sql`], [`Identifier`],
/// [`Literal`], [`Placeholder`] or [`Composed`].
///
/// The trait is object safe so that [`Sql::format`] can take a list of mixed parts
/// (`&[&dyn Composable]`).
pub trait Composable {
    /// Appends the piece's SQL text to `out`; fails for a piece that cannot be written (an
    /// empty identifier, a NUL character, `$0`). On error `out` may hold a partial write.
    fn write_sql(&self, out: &mut String) -> Result<(), Error>;

    /// The piece's SQL text.
    fn to_sql(&self) -> Result<String, Error> {
        let mut out = String::new();
        self.write_sql(&mut out)?;
        Ok(out)
    }
}

impl<T: Composable + ?Sized> Composable for &T {
    fn write_sql(&self, out: &mut String) -> Result<(), Error> {
        (**self).write_sql(out)
    }
}

impl<T: Composable + ?Sized> Composable for Box<T> {
    fn write_sql(&self, out: &mut String) -> Result<(), Error> {
        (**self).write_sql(out)
    }
}

// ---------------------------------------------------------------------------------------------
// Sql

/// A trusted fragment of SQL text, written as it is, and a template for [`format`](Self::format).
///
/// Never build an `Sql` from untrusted input: that is what [`Identifier`], [`Literal`] and
/// [`Placeholder`] are for.
///
/// ```
/// use pgtusk::sql::{Identifier, Sql};
///
/// let q = Sql::new("SELECT {col} FROM {table} WHERE {col} > 0").format_named(&[
///     ("col", &Identifier::new("Score")),
///     ("table", &Identifier::new("games")),
/// ])?;
/// assert_eq!(q.as_str(), r#"SELECT "Score" FROM "games" WHERE "Score" > 0"#);
/// assert!(Sql::new("SELECT {}").format(&[]).is_err()); // missing argument
/// # Ok::<(), pgtusk::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Sql(String);

impl Sql {
    /// A fragment of trusted SQL text.
    pub fn new(text: impl Into<String>) -> Self {
        Self(text.into())
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Fills the template's `{}` and `{0}` fields with `args` (see the [module](self) doc).
    /// Every argument must be used; `{name}` fields are an error here (use
    /// [`format_named`](Self::format_named)).
    pub fn format(&self, args: &[&dyn Composable]) -> Result<Composed, Error> {
        self.format_with(args, &[])
    }

    /// Fills the template's `{name}` fields with `args` (a name may be used several times);
    /// every argument must be used.
    pub fn format_named(&self, args: &[(&str, &dyn Composable)]) -> Result<Composed, Error> {
        self.format_with(&[], args)
    }

    /// Fills a template that has both positional (`{}`, `{0}`) and named (`{name}`) fields.
    pub fn format_with(
        &self,
        positional: &[&dyn Composable],
        named: &[(&str, &dyn Composable)],
    ) -> Result<Composed, Error> {
        let mut out = String::with_capacity(self.0.len() + 16 * (positional.len() + named.len()));
        let mut used_pos = vec![false; positional.len()];
        let mut used_named = vec![false; named.len()];
        let mut next_auto = 0;
        let mut rest = self.0.as_str();
        while let Some(at) = rest.find(['{', '}']) {
            out.push_str(&rest[..at]);
            let tail = &rest[at..];
            if let Some(after) = tail.strip_prefix("{{") {
                out.push('{');
                rest = after;
                continue;
            }
            if let Some(after) = tail.strip_prefix("}}") {
                out.push('}');
                rest = after;
                continue;
            }
            if tail.starts_with('}') {
                return Err(Error::misuse(
                    "unbalanced `}` in an SQL template (write `}}` for a brace)",
                ));
            }
            let close = tail.find('}').ok_or_else(|| {
                Error::misuse("unclosed `{` in an SQL template (write `{{` for a brace)")
            })?;
            let field = &tail[1..close];
            rest = &tail[close + 1..];
            let arg: &dyn Composable = if field.is_empty() {
                let i = next_auto;
                next_auto += 1;
                mark(&mut used_pos, i).ok_or_else(|| missing_positional(i, positional.len()))?;
                positional.get(i).copied().ok_or_else(|| missing_positional(i, positional.len()))?
            } else if field.bytes().all(|b| b.is_ascii_digit()) {
                let i: usize = field
                    .parse()
                    .map_err(|_| Error::misuse(format!("argument number {field} is too large")))?;
                mark(&mut used_pos, i).ok_or_else(|| missing_positional(i, positional.len()))?;
                positional.get(i).copied().ok_or_else(|| missing_positional(i, positional.len()))?
            } else if field.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
                let i = named.iter().position(|(n, _)| *n == field).ok_or_else(|| {
                    Error::misuse(format!("no argument named `{field}` for the SQL template"))
                })?;
                mark(&mut used_named, i);
                named.get(i).map(|(_, a)| *a).ok_or_else(|| Error::misuse("bad named argument"))?
            } else {
                return Err(Error::misuse(format!(
                    "invalid field `{{{field}}}` in an SQL template"
                )));
            };
            arg.write_sql(&mut out)?;
        }
        out.push_str(rest);
        if let Some(i) = used_pos.iter().position(|u| !u) {
            return Err(Error::misuse(format!(
                "{} positional arguments given but argument {i} is not used by the SQL template",
                positional.len()
            )));
        }
        if let Some(i) = used_named.iter().position(|u| !u) {
            let name = named.get(i).map_or("", |(n, _)| *n);
            return Err(Error::misuse(format!(
                "argument `{name}` is not used by the SQL template"
            )));
        }
        Ok(Composed(out))
    }

    /// The items separated by this fragment (`Sql::new(", ").join(columns)`); an empty list
    /// gives empty SQL.
    pub fn join<I>(&self, items: I) -> Result<Composed, Error>
    where
        I: IntoIterator,
        I::Item: Composable,
    {
        let mut out = String::new();
        for (i, item) in items.into_iter().enumerate() {
            if i > 0 {
                out.push_str(&self.0);
            }
            item.write_sql(&mut out)?;
        }
        Ok(Composed(out))
    }
}

/// Marks argument `i` used; `None` when there is no such argument.
fn mark(used: &mut [bool], i: usize) -> Option<()> {
    used.get_mut(i).map(|u| *u = true)
}

fn missing_positional(i: usize, given: usize) -> Error {
    Error::misuse(format!("the SQL template uses positional argument {i} but {given} were given"))
}

impl Composable for Sql {
    fn write_sql(&self, out: &mut String) -> Result<(), Error> {
        out.push_str(&self.0);
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// Identifier

/// A name: a table, column, schema, function... written in double quotes (a `"` in it
/// doubled), so that any name is safe and keeps its exact case.
///
/// Several parts make a qualified name (`"schema"."table"`). An empty part or a NUL
/// character is an error when the identifier is written. PostgreSQL truncates names longer
/// than 63 bytes; that is left to the server.
///
/// ```
/// use pgtusk::sql::{Composable, Identifier};
///
/// assert_eq!(Identifier::new("Weird \"name\"").to_sql()?, r#""Weird ""name""""#);
/// assert_eq!(Identifier::qualified(["s", "t"]).to_sql()?, r#""s"."t""#);
/// assert!(Identifier::new("").to_sql().is_err());
/// assert!(Identifier::new("a\0b").to_sql().is_err());
/// # Ok::<(), pgtusk::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Identifier(Vec<String>);

impl Identifier {
    /// A one-part name.
    pub fn new(name: impl Into<String>) -> Self {
        Self(vec![name.into()])
    }

    /// A qualified name from its parts (`["schema", "table"]`); no parts is an error when
    /// written.
    pub fn qualified<I>(parts: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        Self(parts.into_iter().map(Into::into).collect())
    }

    /// The parts, unquoted.
    pub fn parts(&self) -> &[String] {
        &self.0
    }
}

impl Composable for Identifier {
    fn write_sql(&self, out: &mut String) -> Result<(), Error> {
        if self.0.is_empty() {
            return Err(Error::misuse("an SQL identifier needs at least one part"));
        }
        for (i, part) in self.0.iter().enumerate() {
            if part.is_empty() {
                return Err(Error::misuse("an SQL identifier cannot be empty"));
            }
            if part.contains('\0') {
                return Err(Error::misuse("an SQL identifier cannot contain a NUL character"));
            }
            if i > 0 {
                out.push('.');
            }
            out.push('"');
            out.push_str(&part.replace('"', "\"\""));
            out.push('"');
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// Literal

/// A value written as an SQL constant.
///
/// | Rust | written as |
/// |---|---|
/// | `&str`, `String` | `'text'` with `'` doubled; `E'...'` with `\` doubled too when it has a backslash |
/// | integers (`i8` to `i128`, `u8` to `u128`, `isize`, `usize`) | the decimal number (a negative one after a space, so that `-` never follows another `-`) |
/// | `f32`, `f64` | the shortest exact decimal; `'NaN'::float8`, `'Infinity'::float8`, `'-Infinity'::float8` (`float4` for `f32`) |
/// | `bool` | `true`, `false` |
/// | `&[u8]`, `Vec<u8>` | `E'\\x...'::bytea` |
/// | `Option<T>` | `T`'s form, or `NULL` |
///
/// A string with a NUL character is an error when written (PostgreSQL text cannot hold one).
/// Prefer [`Placeholder`]s and parameters for data; literals suit DDL and values that must be
/// part of the text (defaults, `COPY` options, ...).
///
/// ```
/// use pgtusk::sql::{Composable, Literal};
///
/// assert_eq!(Literal::new("O'Reilly").to_sql()?, "'O''Reilly'");
/// assert_eq!(Literal::new(r"C:\dir").to_sql()?, r"E'C:\\dir'");
/// assert_eq!(Literal::new(-5).to_sql()?, " -5");
/// assert_eq!(Literal::new(f64::NAN).to_sql()?, "'NaN'::float8");
/// assert_eq!(Literal::new(None::<i32>).to_sql()?, "NULL");
/// # Ok::<(), pgtusk::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Literal(Repr);

#[derive(Clone, Debug, PartialEq)]
enum Repr {
    Null,
    /// Already SQL: numbers, booleans, special floats.
    Verbatim(String),
    Text(String),
    Bytes(Vec<u8>),
}

impl Literal {
    /// The literal for a value (anything with a `From` conversion, see the table above).
    pub fn new(value: impl Into<Literal>) -> Self {
        value.into()
    }

    /// `NULL`.
    pub fn null() -> Self {
        Self(Repr::Null)
    }
}

impl Composable for Literal {
    fn write_sql(&self, out: &mut String) -> Result<(), Error> {
        match &self.0 {
            Repr::Null => out.push_str("NULL"),
            Repr::Verbatim(s) => out.push_str(s),
            Repr::Text(s) => {
                if s.contains('\0') {
                    return Err(Error::misuse(
                        "an SQL string literal cannot contain a NUL character",
                    ));
                }
                if s.contains('\\') {
                    out.push('E');
                }
                out.push('\'');
                for c in s.chars() {
                    match c {
                        '\'' => out.push_str("''"),
                        '\\' => out.push_str("\\\\"),
                        c => out.push(c),
                    }
                }
                out.push('\'');
            }
            Repr::Bytes(b) => {
                out.push_str("E'\\\\x");
                for byte in b {
                    let _ = write!(out, "{byte:02x}");
                }
                out.push_str("'::bytea");
            }
        }
        Ok(())
    }
}

impl From<&str> for Literal {
    fn from(s: &str) -> Self {
        Self(Repr::Text(s.to_owned()))
    }
}

impl From<String> for Literal {
    fn from(s: String) -> Self {
        Self(Repr::Text(s))
    }
}

impl From<&String> for Literal {
    fn from(s: &String) -> Self {
        Self(Repr::Text(s.clone()))
    }
}

impl From<bool> for Literal {
    fn from(b: bool) -> Self {
        Self(Repr::Verbatim(if b { "true" } else { "false" }.to_owned()))
    }
}

impl From<&[u8]> for Literal {
    fn from(b: &[u8]) -> Self {
        Self(Repr::Bytes(b.to_vec()))
    }
}

impl From<Vec<u8>> for Literal {
    fn from(b: Vec<u8>) -> Self {
        Self(Repr::Bytes(b))
    }
}

impl<T: Into<Literal>> From<Option<T>> for Literal {
    fn from(v: Option<T>) -> Self {
        v.map_or(Self(Repr::Null), Into::into)
    }
}

/// A number's text, with a space before a minus sign so that it never makes `--`.
fn number(text: String) -> Literal {
    if text.starts_with('-') {
        Literal(Repr::Verbatim(format!(" {text}")))
    } else {
        Literal(Repr::Verbatim(text))
    }
}

macro_rules! int_literal {
    ($($ty:ty),*) => {$(
        impl From<$ty> for Literal {
            fn from(v: $ty) -> Self {
                number(v.to_string())
            }
        }
    )*};
}

int_literal!(i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize);

macro_rules! float_literal {
    ($($ty:ty => $pg:literal),*) => {$(
        impl From<$ty> for Literal {
            fn from(v: $ty) -> Self {
                if v.is_nan() {
                    Self(Repr::Verbatim(concat!("'NaN'::", $pg).to_owned()))
                } else if v.is_infinite() {
                    let sign = if v > 0.0 { "" } else { "-" };
                    Self(Repr::Verbatim(format!(concat!("'{}Infinity'::", $pg), sign)))
                } else {
                    // Debug is the shortest exact form, with an exponent for very large or
                    // small values (`1e300`), which SQL reads too.
                    number(format!("{v:?}"))
                }
            }
        }
    )*};
}

float_literal!(f32 => "float4", f64 => "float8");

// ---------------------------------------------------------------------------------------------
// Placeholder

/// A parameter reference, `$1`, `$2`, ...: the value is sent separately as a query
/// parameter.
///
/// ```
/// use pgtusk::sql::{Composable, Placeholder};
///
/// assert_eq!(Placeholder::new(2).to_sql()?, "$2");
/// assert!(Placeholder::new(0).to_sql().is_err());
/// # Ok::<(), pgtusk::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Placeholder(u32);

impl Placeholder {
    /// The reference to parameter `n` (1-based; `0` is an error when written).
    pub const fn new(n: u32) -> Self {
        Self(n)
    }

    /// The parameter number.
    pub const fn number(&self) -> u32 {
        self.0
    }
}

impl Composable for Placeholder {
    fn write_sql(&self, out: &mut String) -> Result<(), Error> {
        if self.0 == 0 {
            return Err(Error::misuse("parameter placeholders start at $1"));
        }
        let _ = write!(out, "${}", self.0);
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// Composed

/// Composed SQL text: what [`Sql::format`] and [`Sql::join`] produce.
///
/// It dereferences to `str`, converts into `String`, prints with `Display`, can be a part of
/// a larger composition, and is accepted by every query method as a statement
/// ([`ToStatement`](crate::ToStatement)).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Composed(String);

impl Composed {
    /// The SQL text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The SQL text, owned.
    pub fn into_string(self) -> String {
        self.0
    }
}

impl Deref for Composed {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Composed {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl From<Composed> for String {
    fn from(c: Composed) -> Self {
        c.0
    }
}

impl fmt::Display for Composed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Composable for Composed {
    fn write_sql(&self, out: &mut String) -> Result<(), Error> {
        out.push_str(&self.0);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::ErrorKind;

    fn sql(c: &dyn Composable) -> String {
        c.to_sql().unwrap()
    }

    #[test]
    fn identifiers() {
        assert_eq!(sql(&Identifier::new("a")), "\"a\"");
        assert_eq!(sql(&Identifier::new("Mixed Case")), "\"Mixed Case\"");
        assert_eq!(sql(&Identifier::new("a\"b")), "\"a\"\"b\"");
        assert_eq!(sql(&Identifier::new("\"")), "\"\"\"\"");
        assert_eq!(sql(&Identifier::new("日本 é")), "\"日本 é\"");
        assert_eq!(sql(&Identifier::new("a.b")), "\"a.b\"");
        assert_eq!(sql(&Identifier::qualified(["s", "t", "c"])), "\"s\".\"t\".\"c\"");
        for bad in [
            Identifier::new(""),
            Identifier::new("a\0"),
            Identifier::qualified(Vec::<String>::new()),
            Identifier::qualified(["s", ""]),
        ] {
            let e = bad.to_sql().unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Misuse, "{bad:?}");
        }
    }

    #[test]
    fn literals() {
        assert_eq!(sql(&Literal::new("")), "''");
        assert_eq!(sql(&Literal::new("it's")), "'it''s'");
        assert_eq!(sql(&Literal::new("a\\'b")), "E'a\\\\''b'");
        assert_eq!(sql(&Literal::new("é\n")), "'é\n'");
        assert!(Literal::new("a\0").to_sql().is_err());
        assert_eq!(sql(&Literal::new(0_u8)), "0");
        assert_eq!(sql(&Literal::new(i64::MIN)), " -9223372036854775808");
        assert_eq!(sql(&Literal::new(u128::MAX)), u128::MAX.to_string());
        assert_eq!(sql(&Literal::new(1.5_f64)), "1.5");
        assert_eq!(sql(&Literal::new(0.1_f32)), "0.1");
        assert_eq!(sql(&Literal::new(1e300_f64)), "1e300");
        assert_eq!(sql(&Literal::new(-0.0_f64)), " -0.0");
        assert_eq!(sql(&Literal::new(f64::INFINITY)), "'Infinity'::float8");
        assert_eq!(sql(&Literal::new(f32::NEG_INFINITY)), "'-Infinity'::float4");
        assert_eq!(sql(&Literal::new(f32::NAN)), "'NaN'::float4");
        assert_eq!(sql(&Literal::new(true)), "true");
        assert_eq!(sql(&Literal::new(Some("x"))), "'x'");
        assert_eq!(sql(&Literal::null()), "NULL");
        assert_eq!(sql(&Literal::new(&b"\x00\xff"[..])), "E'\\\\x00ff'::bytea");
        // A negative number after a minus does not start a comment.
        let q = Sql::new("SELECT 1-{}").format(&[&Literal::new(-1)]).unwrap();
        assert_eq!(q.as_str(), "SELECT 1- -1");
    }

    #[test]
    fn templates() {
        let a = Identifier::new("a");
        let one = Literal::new(1);
        let q = Sql::new("{} {{}} {1} {0} }}{{").format(&[&a, &one]).unwrap();
        assert_eq!(q.as_str(), "\"a\" {} 1 \"a\" }{");
        let q =
            Sql::new("{x}+{x}={y}").format_named(&[("x", &one), ("y", &Literal::new(2))]).unwrap();
        assert_eq!(&*q, "1+1=2");
        let q = Sql::new("{}.{col}").format_with(&[&a], &[("col", &a)]).unwrap();
        assert_eq!(q.to_string(), "\"a\".\"a\"");
        let q = Sql::new("no fields").format(&[]).unwrap();
        assert_eq!(String::from(q), "no fields");

        let errors: Vec<Result<Composed, Error>> = vec![
            Sql::new("{} {}").format(&[&a]),            // too few
            Sql::new("{}").format(&[&a, &one]),         // too many
            Sql::new("{2}").format(&[&a, &one]),        // out of range
            Sql::new("{x}").format(&[]),                // unknown name
            Sql::new("{x}").format_named(&[("y", &a)]), // unknown name, unused argument
            Sql::new("{").format(&[]),                  // unclosed
            Sql::new("}").format(&[]),                  // unbalanced
            Sql::new("{ x}").format(&[]),               // invalid field
            Sql::new("{99999999999999999999999}").format(&[]),
            Sql::new("{}").format(&[&Identifier::new("")]),
            Sql::new("{}").format(&[&Placeholder::new(0)]),
        ];
        for (i, r) in errors.into_iter().enumerate() {
            assert_eq!(r.unwrap_err().kind(), ErrorKind::Misuse, "case {i}");
        }
    }

    #[test]
    fn join_and_nesting() {
        let cols = ["a", "B"].map(Identifier::new);
        let list = Sql::new(", ").join(&cols).unwrap();
        assert_eq!(list.as_str(), "\"a\", \"B\"");
        assert_eq!(Sql::new(", ").join(Vec::<Identifier>::new()).unwrap().as_str(), "");
        let mixed: [&dyn Composable; 3] =
            [&Placeholder::new(1), &Literal::new("x"), &Sql::new("now()")];
        assert_eq!(Sql::new(", ").join(mixed).unwrap().as_str(), "$1, 'x', now()");
        let q = Sql::new("SELECT {} FROM t").format(&[&list]).unwrap();
        assert_eq!(q.as_str(), "SELECT \"a\", \"B\" FROM t");
        let boxed: Vec<Box<dyn Composable>> =
            vec![Box::new(Literal::new(1)), Box::new(Placeholder::new(2))];
        assert_eq!(Sql::new("|").join(boxed).unwrap().as_str(), "1|$2");
        assert!(Sql::new(",").join([Identifier::new("")]).is_err());
    }

    proptest! {
        /// A quoted identifier or string reads back as the original: undoing the quoting
        /// gives the input.
        #[test]
        fn quoting_round_trips(s in "[^\\x00]{1,20}") {
            let q = Identifier::new(s.clone()).to_sql().unwrap();
            let inner = q.strip_prefix('"').and_then(|r| r.strip_suffix('"')).unwrap();
            prop_assert_eq!(inner.replace("\"\"", "\""), s.clone());
            let lit = Literal::new(s.clone()).to_sql().unwrap();
            let (escaped, body) = match lit.strip_prefix('E') {
                Some(rest) => (true, rest),
                None => (false, lit.as_str()),
            };
            let body = body.strip_prefix('\'').and_then(|r| r.strip_suffix('\'')).unwrap();
            let mut back = body.replace("''", "'");
            if escaped {
                back = back.replace("\\\\", "\\");
            }
            prop_assert_eq!(back, s);
        }

        #[test]
        fn templates_never_panic(t in "[{}a-z0-9_ ]{0,20}") {
            let a = Identifier::new("a");
            let _ = Sql::new(t.clone()).format(&[&a, &a]);
            let _ = Sql::new(t).format_named(&[("a", &a)]);
        }
    }
}
