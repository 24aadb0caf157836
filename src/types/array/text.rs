//! The parser of PostgreSQL's array text form (what `array_out` writes, and what `array_in`
//! reads): an optional `[lower:upper]...=` prefix, then nested braces.
//!
//! Elements come out as `Cow::Borrowed` slices of the input unless they contain backslash
//! escapes, which only an owned buffer can hold. The recursion is bounded by
//! [`MAX_DIMENSIONS`], and every element consumes at least one input byte, so the output is
//! bounded by the input.

use std::borrow::Cow;

use super::{Dimension, MAX_DIMENSIONS, check_dimensions};
use crate::Error;
use crate::types::scan::{Cursor, is_space};

/// A parsed text array: its dimensions (none when empty) and elements (`None` for NULL).
pub(super) struct Parsed<'a> {
    pub(super) dims: Vec<Dimension>,
    pub(super) elements: Vec<Option<Cow<'a, [u8]>>>,
}

/// Parses `raw` with `delimiter` between elements (`,` for every type but `box`).
pub(super) fn parse(raw: &[u8], delimiter: u8) -> Result<Parsed<'_>, Error> {
    let mut p = Parser {
        c: Cursor::new(raw, "array"),
        delimiter,
        lens: [None; MAX_DIMENSIONS],
        ndim: None,
    };
    let mut elements = Vec::new();
    p.skip_ws();
    let declared = if p.peek() == Some(b'[') { Some(p.decoration()?) } else { None };
    p.skip_ws();
    p.expect(b'{')?;
    p.level(1, &mut elements)?;
    p.skip_ws();
    if p.c.pos != raw.len() {
        return Err(p.error("unexpected characters after the array"));
    }
    let ndim = p.ndim.unwrap_or(0);
    let mut dims = Vec::with_capacity(ndim);
    for (i, len) in p.lens.iter().take(ndim).enumerate() {
        let len = len.ok_or_else(|| p.error("incomplete dimensions"))?;
        let lower_bound = match &declared {
            Some(declared) => match declared.get(i) {
                Some(d) if d.len == len => d.lower_bound,
                _ => return Err(p.error("the dimensions do not match the array's contents")),
            },
            None => 1,
        };
        dims.push(Dimension { len, lower_bound });
    }
    if declared.as_ref().is_some_and(|d| d.len() != ndim) {
        return Err(p.error("the dimensions do not match the array's contents"));
    }
    check_dimensions(&dims)?;
    Ok(Parsed { dims, elements })
}

struct Parser<'a> {
    c: Cursor<'a>,
    delimiter: u8,
    /// The length of every sub-array at each depth, once one was seen.
    lens: [Option<usize>; MAX_DIMENSIONS],
    /// The depth at which elements sit, once one was seen.
    ndim: Option<usize>,
}

impl<'a> Parser<'a> {
    fn error(&self, what: &str) -> Error {
        self.c.error(what)
    }

    fn peek(&self) -> Option<u8> {
        self.c.peek()
    }

    fn bump(&mut self) -> Option<u8> {
        self.c.bump()
    }

    fn expect(&mut self, c: u8) -> Result<(), Error> {
        if self.bump() == Some(c) {
            Ok(())
        } else {
            Err(self.error(&format!("expected {:?}", char::from(c))))
        }
    }

    fn skip_ws(&mut self) {
        while self.peek().is_some_and(is_space) {
            self.c.pos += 1;
        }
    }

    /// `[lower:upper]` (or `[upper]`, lower bound 1) repeated, then `=`.
    fn decoration(&mut self) -> Result<Vec<Dimension>, Error> {
        let mut dims = Vec::new();
        loop {
            self.skip_ws();
            if self.peek() != Some(b'[') {
                break;
            }
            if dims.len() == MAX_DIMENSIONS {
                return Err(self.error("too many dimensions"));
            }
            self.c.pos += 1;
            let first = self.int()?;
            let (lower, upper) = if self.peek() == Some(b':') {
                self.c.pos += 1;
                (first, self.int()?)
            } else {
                (1, first)
            };
            self.expect(b']')?;
            let len = usize::try_from(i64::from(upper) - i64::from(lower) + 1)
                .ok()
                .filter(|&n| n > 0)
                .ok_or_else(|| self.error("upper bound below lower bound"))?;
            dims.push(Dimension { len, lower_bound: lower });
        }
        self.expect(b'=')?;
        Ok(dims)
    }

    /// A signed decimal `int32`.
    fn int(&mut self) -> Result<i32, Error> {
        self.skip_ws();
        let start = self.c.pos;
        if matches!(self.peek(), Some(b'-' | b'+')) {
            self.c.pos += 1;
        }
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.c.pos += 1;
        }
        let text = self.c.s.get(start..self.c.pos).unwrap_or_default();
        let value = std::str::from_utf8(text)
            .ok()
            .and_then(|t| t.parse().ok())
            .ok_or_else(|| self.error("invalid array bound"))?;
        self.skip_ws();
        Ok(value)
    }

    /// The contents of a `{...}` at `depth` (1 for the outermost), its `{` already read.
    fn level(&mut self, depth: usize, out: &mut Vec<Option<Cow<'a, [u8]>>>) -> Result<(), Error> {
        self.skip_ws();
        if self.peek() == Some(b'}') {
            self.c.pos += 1;
            // Only the whole array may be empty (`{}`).
            return if depth == 1 { Ok(()) } else { Err(self.error("empty sub-array")) };
        }
        let mut count = 0_usize;
        loop {
            self.skip_ws();
            if self.peek() == Some(b'{') {
                if self.ndim.is_some_and(|n| n <= depth) || depth >= MAX_DIMENSIONS {
                    return Err(self.error("unexpected '{'"));
                }
                self.c.pos += 1;
                self.level(depth + 1, out)?;
            } else {
                match self.ndim {
                    None => self.ndim = Some(depth),
                    Some(n) if n == depth => {}
                    Some(_) => return Err(self.error("an element where a sub-array belongs")),
                }
                out.push(self.element()?);
            }
            count += 1;
            self.skip_ws();
            match self.bump() {
                Some(c) if c == self.delimiter => {}
                Some(b'}') => break,
                _ => return Err(self.error("expected a delimiter or '}'")),
            }
        }
        let slot = self.lens.get_mut(depth - 1).ok_or_else(|| Error::conversion("depth"))?;
        match *slot {
            None => *slot = Some(count),
            Some(n) if n == count => {}
            Some(_) => return Err(self.error("sub-arrays of different lengths")),
        }
        Ok(())
    }

    /// One element: quoted, or unquoted up to a delimiter or brace (trailing white space
    /// dropped); `NULL` unquoted and unescaped in any case is SQL NULL.
    fn element(&mut self) -> Result<Option<Cow<'a, [u8]>>, Error> {
        if self.peek() == Some(b'"') {
            self.c.pos += 1;
            return self.quoted().map(Some);
        }
        let start = self.c.pos;
        let mut end = start; // the end of the value, white space after it excluded
        // Once an escape is seen: the unescaped bytes, and how many of them to keep (white
        // space after the last significant byte is dropped, escaped white space is kept).
        let mut owned: Option<(Vec<u8>, usize)> = None;
        while let Some(c) = self.peek() {
            if c == self.delimiter || c == b'{' || c == b'}' {
                break;
            }
            if c == b'"' {
                return Err(self.error("a quote inside an unquoted element"));
            }
            let here = self.c.pos;
            self.c.pos += 1;
            if c == b'\\' {
                let escaped = self.bump().ok_or_else(|| self.error("unterminated escape"))?;
                let (buf, keep) = owned.get_or_insert_with(|| {
                    (self.c.s.get(start..here).unwrap_or_default().to_vec(), 0)
                });
                buf.push(escaped);
                *keep = buf.len();
            } else if let Some((buf, keep)) = owned.as_mut() {
                buf.push(c);
                if !is_space(c) {
                    *keep = buf.len();
                }
            } else if !is_space(c) {
                end = self.c.pos;
            }
        }
        if let Some((mut buf, keep)) = owned {
            buf.truncate(keep);
            return Ok(Some(Cow::Owned(buf)));
        }
        let value = self.c.s.get(start..end).unwrap_or_default();
        if value.is_empty() {
            return Err(self.error("empty unquoted element"));
        }
        if value.eq_ignore_ascii_case(b"NULL") {
            return Ok(None);
        }
        Ok(Some(Cow::Borrowed(value)))
    }

    /// The rest of a double-quoted element, its `"` already read.
    fn quoted(&mut self) -> Result<Cow<'a, [u8]>, Error> {
        let start = self.c.pos;
        let mut owned: Option<Vec<u8>> = None;
        loop {
            let here = self.c.pos;
            match self.bump() {
                None => return Err(self.error("unterminated quoted element")),
                Some(b'"') => break,
                Some(b'\\') => {
                    let buf = owned.get_or_insert_with(|| {
                        self.c.s.get(start..here).unwrap_or_default().to_vec()
                    });
                    let escaped = self.bump().ok_or_else(|| self.error("unterminated escape"))?;
                    buf.push(escaped);
                }
                Some(c) => {
                    if let Some(buf) = owned.as_mut() {
                        buf.push(c);
                    }
                }
            }
        }
        Ok(match owned {
            Some(buf) => Cow::Owned(buf),
            None => Cow::Borrowed(self.c.s.get(start..self.c.pos - 1).unwrap_or_default()),
        })
    }
}
