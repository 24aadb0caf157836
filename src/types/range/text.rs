//! The parser of the range and multirange text forms (what `range_out` and `multirange_out`
//! write, and `range_in` / `multirange_in` read).
//!
//! A bound comes out as a `Cow::Borrowed` slice of the input unless it holds escapes (`\x`,
//! or `""` inside quotes) or several quoted sections, which only an owned buffer can hold.

use std::borrow::Cow;

use crate::Error;
use crate::types::scan::Cursor;

/// A parsed range: empty, or its bounds (`None` for an infinite one) and inclusivity.
pub(super) enum Parsed<'a> {
    Empty,
    Bounds {
        lower: Option<Cow<'a, [u8]>>,
        lower_inc: bool,
        upper: Option<Cow<'a, [u8]>>,
        upper_inc: bool,
    },
}

/// Parses a whole range literal.
pub(super) fn parse_range(raw: &[u8]) -> Result<Parsed<'_>, Error> {
    let mut c = Cursor::new(raw, "range");
    c.skip_ws();
    let range = c.range()?;
    c.end()?;
    Ok(range)
}

/// Parses a whole multirange literal: `{}` or `{range, ...}`.
pub(super) fn parse_multirange(raw: &[u8]) -> Result<Vec<Parsed<'_>>, Error> {
    let mut c = Cursor::new(raw, "range");
    let mut ranges = Vec::new();
    c.skip_ws();
    if c.bump() != Some(b'{') {
        return Err(c.error("expected '{'"));
    }
    c.skip_ws();
    if c.peek() == Some(b'}') {
        c.pos += 1;
    } else {
        loop {
            c.skip_ws();
            ranges.push(c.range()?);
            c.skip_ws();
            match c.bump() {
                Some(b',') => {}
                Some(b'}') => break,
                _ => return Err(c.error("expected ',' or '}'")),
            }
        }
    }
    c.end()?;
    Ok(ranges)
}

impl<'a> Cursor<'a> {
    fn skip_ws(&mut self) {
        while self.peek().is_some_and(|c| c.is_ascii_whitespace() || c == 0x0b) {
            self.pos += 1;
        }
    }

    fn end(&mut self) -> Result<(), Error> {
        self.skip_ws();
        if self.pos == self.s.len() {
            Ok(())
        } else {
            Err(self.error("unexpected characters after the range"))
        }
    }

    /// `empty` (any case), or `[`/`(` lower `,` upper `]`/`)`.
    fn range(&mut self) -> Result<Parsed<'a>, Error> {
        let rest = self.s.get(self.pos..).unwrap_or_default();
        if rest.get(..5).is_some_and(|w| w.eq_ignore_ascii_case(b"empty")) {
            self.pos += 5;
            return Ok(Parsed::Empty);
        }
        let lower_inc = match self.bump() {
            Some(b'[') => true,
            Some(b'(') => false,
            _ => return Err(self.error("expected '[', '(' or \"empty\"")),
        };
        let lower = self.bound()?;
        if self.bump() != Some(b',') {
            return Err(self.error("expected ','"));
        }
        let upper = self.bound()?;
        let upper_inc = match self.bump() {
            Some(b']') => true,
            Some(b')') => false,
            _ => return Err(self.error("expected ']' or ')'")),
        };
        Ok(Parsed::Bounds { lower, lower_inc, upper, upper_inc })
    }

    /// A bound up to an unquoted `,`, `]` or `)`; nothing there is an infinite bound.
    fn bound(&mut self) -> Result<Option<Cow<'a, [u8]>>, Error> {
        let is_end = |c: u8| matches!(c, b',' | b']' | b')');
        if self.peek().is_some_and(is_end) {
            return Ok(None);
        }
        let start = self.pos;
        let (mut in_quote, mut quotes, mut escaped) = (false, 0, false);
        loop {
            let c = self.peek().ok_or_else(|| self.error("unterminated range"))?;
            if !in_quote && is_end(c) {
                break;
            }
            self.pos += 1;
            match c {
                b'\\' => {
                    escaped = true;
                    self.bump().ok_or_else(|| self.error("unterminated escape"))?;
                }
                b'"' if in_quote && self.peek() == Some(b'"') => {
                    escaped = true; // `""` inside quotes is one quote
                    self.pos += 1;
                }
                b'"' => {
                    in_quote = !in_quote;
                    quotes += 1;
                }
                _ => {}
            }
        }
        let token = self.s.get(start..self.pos).unwrap_or_default();
        if !escaped {
            if quotes == 0 {
                return Ok(Some(Cow::Borrowed(token)));
            }
            if let [b'"', inner @ .., b'"'] = token
                && quotes == 2
            {
                return Ok(Some(Cow::Borrowed(inner)));
            }
        }
        Ok(Some(Cow::Owned(unescape(token))))
    }
}

/// The value of a bound token: quotes removed, `\x` as `x`, `""` inside quotes as `"`.
fn unescape(token: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(token.len());
    let mut in_quote = false;
    let mut rest = token;
    while let Some((&c, tail)) = rest.split_first() {
        rest = tail;
        match (c, rest) {
            (b'\\', [next, tail @ ..]) => {
                out.push(*next);
                rest = tail;
            }
            (b'"', [b'"', tail @ ..]) if in_quote => {
                out.push(b'"');
                rest = tail;
            }
            (b'"', _) => in_quote = !in_quote,
            _ => out.push(c),
        }
    }
    out
}
