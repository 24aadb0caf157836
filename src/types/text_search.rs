//! Full-text search types: `tsvector` as [`TsVector`] and `tsquery` as [`TsQuery`].
//!
//! Binary `tsvector` (`tsvector_send`): an `int32` lexeme count; per lexeme its text ended by a
//! NUL byte, a `uint16` position count and the positions as `uint16`s, the weight in the top
//! two bits (3 = A, 2 = B, 1 = C, 0 = D) and the position (1 to 16383) in the rest.
//!
//! Binary `tsquery` (`tsquerysend`): an `int32` item count, then the items in prefix order, an
//! operator before its right operand and then its left one. An operand is the type byte 1, a
//! weight bit set (8 = A, 4 = B, 2 = C, 1 = D), a prefix flag byte and NUL-terminated text; an
//! operator is the type byte 2, the operator (1 `!`, 2 `&`, 3 `|`, 4 `<N>`) and, for `<N>`,
//! the distance as an `int16`.
//!
//! Both are sent in **text** format with their own type OID (the form `Display` writes): the
//! server then sorts and merges lexemes and checks the query itself.

use std::fmt;
use std::str::FromStr;

use bytes::{BufMut, BytesMut};

use super::oid;
use super::{Dumper, IsNull, Loader};
use crate::Error;
use crate::protocol::{Format, Oid};

/// The error for a type OID a loader does not accept.
fn not_accepted(type_oid: Oid, what: &str) -> Error {
    Error::conversion(format!("type OID {type_oid} is not {what}"))
}

/// A text-format value as `&str`.
fn utf8(raw: &[u8]) -> Result<&str, Error> {
    std::str::from_utf8(raw).map_err(|e| Error::conversion(format!("invalid UTF-8: {e}")))
}

/// The error for malformed text of type `what`.
fn invalid_text(what: &str, s: &str) -> Error {
    let shown: String = s.chars().take(60).collect();
    Error::conversion(format!("invalid {what} text {shown:?}"))
}

/// Writes a lexeme quoted as the server does: in single quotes, with `'` and `\` doubled.
fn write_quoted(f: &mut fmt::Formatter<'_>, word: &str) -> fmt::Result {
    f.write_str("'")?;
    for part in word.split_inclusive(['\'', '\\']) {
        f.write_str(part)?;
        if part.ends_with(['\'', '\\']) {
            // The quote or backslash that ended this part, once more.
            f.write_str(&part[part.len() - 1..])?;
        }
    }
    f.write_str("'")
}

/// A checked cursor over a binary value.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn short(what: &str) -> Error {
        Error::conversion(format!("binary {what} is truncated"))
    }
    fn u8(&mut self, what: &str) -> Result<u8, Error> {
        let (&b, rest) = self.0.split_first().ok_or_else(|| Self::short(what))?;
        self.0 = rest;
        Ok(b)
    }
    fn array<const N: usize>(&mut self, what: &str) -> Result<[u8; N], Error> {
        let (head, rest) = self.0.split_first_chunk::<N>().ok_or_else(|| Self::short(what))?;
        self.0 = rest;
        Ok(*head)
    }
    /// A NUL-terminated UTF-8 string.
    fn cstr(&mut self, what: &str) -> Result<&'a str, Error> {
        let end = self.0.iter().position(|&b| b == 0).ok_or_else(|| Self::short(what))?;
        let (text, rest) = self.0.split_at(end);
        self.0 = rest.get(1..).unwrap_or_default();
        utf8(text)
    }
    fn remaining(&self) -> usize {
        self.0.len()
    }
}

// ---------------------------------------------------------------------------------------------
// tsvector

/// The weight of a lexeme position, `A` (highest) to `D` (the default, never printed).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Weight {
    /// Weight A.
    A,
    /// Weight B.
    B,
    /// Weight C.
    C,
    /// Weight D, the default.
    #[default]
    D,
}

impl Weight {
    /// The weight from its two-bit code in a `tsvector` position (3 = A ... 0 = D).
    fn from_code(code: u16) -> Self {
        match code & 3 {
            3 => Self::A,
            2 => Self::B,
            1 => Self::C,
            _ => Self::D,
        }
    }

    /// The weight's bit in a [`TsQuery`] operand's weight set (A = 8, B = 4, C = 2, D = 1).
    pub const fn query_bit(self) -> u8 {
        match self {
            Self::A => 8,
            Self::B => 4,
            Self::C => 2,
            Self::D => 1,
        }
    }

    /// The weight of a letter (`A` to `D`, either case).
    fn from_letter(c: char) -> Option<Self> {
        match c.to_ascii_uppercase() {
            'A' => Some(Self::A),
            'B' => Some(Self::B),
            'C' => Some(Self::C),
            'D' => Some(Self::D),
            _ => None,
        }
    }
}

/// One position of a lexeme in a [`TsVector`]: where the word occurs (1 to 16383) and its
/// weight.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LexemePosition {
    /// The word position, 1 to 16383 (the server stores larger positions as 16383).
    pub position: u16,
    /// The weight.
    pub weight: Weight,
}

/// One lexeme of a [`TsVector`]: the normalized word and where it occurs (possibly nowhere: a
/// `tsvector` may hold lexemes without positions).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Lexeme {
    /// The word.
    pub word: String,
    /// Its positions, ascending as the server keeps them.
    pub positions: Vec<LexemePosition>,
}

/// A `tsvector`: a sorted list of distinct lexemes, each with optional positions and weights.
///
/// - [`Display`](fmt::Display) writes exactly what the server's `::text` prints for a value it
///   sent (`'a':1A,3 'b''c' 'd\\e':2`); [`FromStr`] reads that form.
/// - Loaded from `tsvector` in binary and text. Sent as `tsvector` in **text** format: the
///   server sorts the lexemes and merges duplicates, so a value built out of order comes back
///   normalized.
///
/// ```
/// use pgtusk::types::{Lexeme, LexemePosition, TsVector, Weight};
///
/// let v: TsVector = "'fat':2A 'rat':3".parse().unwrap();
/// assert_eq!(v.lexemes[0].word, "fat");
/// assert_eq!(v.lexemes[0].positions, [LexemePosition { position: 2, weight: Weight::A }]);
/// assert_eq!(v.to_string(), "'fat':2A 'rat':3");
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct TsVector {
    /// The lexemes, in the server's order (byte order of the words) when loaded.
    pub lexemes: Vec<Lexeme>,
}

impl fmt::Display for TsVector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, lexeme) in self.lexemes.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            write_quoted(f, &lexeme.word)?;
            for (j, p) in lexeme.positions.iter().enumerate() {
                f.write_str(if j == 0 { ":" } else { "," })?;
                write!(f, "{}", p.position)?;
                match p.weight {
                    Weight::D => {}
                    w => write!(f, "{w:?}")?,
                }
            }
        }
        Ok(())
    }
}

/// Splits off a lexeme at the start of `s`: quoted (`'...'` with `''` for a quote) or bare,
/// with `\` escaping the next character in both. Returns the word and the rest.
fn take_word(s: &str) -> Option<(String, &str)> {
    let mut word = String::new();
    let mut chars = s.char_indices();
    let quoted = s.starts_with('\'');
    if quoted {
        chars.next();
    }
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => word.push(chars.next()?.1),
            '\'' if quoted => {
                if s[i + 1..].starts_with('\'') {
                    chars.next();
                    word.push('\'');
                } else {
                    return Some((word, &s[i + 1..]));
                }
            }
            c if !quoted && (c.is_whitespace() || c == ':') => {
                return (!word.is_empty()).then(|| (word, &s[i..]));
            }
            c => word.push(c),
        }
    }
    (!quoted && !word.is_empty()).then_some((word, ""))
}

/// Reads `:1A,2,...` after a `tsvector` lexeme. Returns the positions and the rest.
fn take_positions(s: &str) -> Option<(Vec<LexemePosition>, &str)> {
    let Some(mut rest) = s.strip_prefix(':') else {
        return Some((Vec::new(), s));
    };
    let mut positions = Vec::new();
    loop {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        let position: u16 = rest.get(..digits)?.parse().ok()?;
        rest = rest.get(digits..)?;
        let weight = match rest.chars().next().and_then(Weight::from_letter) {
            Some(w) => {
                rest = rest.get(1..)?;
                w
            }
            None => Weight::D,
        };
        positions.push(LexemePosition { position, weight });
        match rest.strip_prefix(',') {
            Some(r) => rest = r,
            None => return Some((positions, rest)),
        }
    }
}

/// The `tsvector` text form the server prints (and the simpler forms it reads: bare words,
/// lowercase weights).
impl FromStr for TsVector {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        let invalid = || invalid_text("tsvector", s);
        let mut lexemes = Vec::new();
        let mut rest = s.trim_start();
        while !rest.is_empty() {
            let (word, after) = take_word(rest).ok_or_else(invalid)?;
            let (positions, after) = take_positions(after).ok_or_else(invalid)?;
            if !(after.is_empty() || after.starts_with(char::is_whitespace)) {
                return Err(invalid());
            }
            lexemes.push(Lexeme { word, positions });
            rest = after.trim_start();
        }
        Ok(Self { lexemes })
    }
}

/// Decodes a binary `tsvector`.
fn decode_tsvector(raw: &[u8]) -> Result<TsVector, Error> {
    const WHAT: &str = "tsvector";
    let mut r = Reader(raw);
    let count = i32::from_be_bytes(r.array(WHAT)?);
    if count < 0 {
        return Err(Error::conversion(format!("binary tsvector has {count} lexemes")));
    }
    // Every lexeme takes at least 3 bytes, which bounds the loop; nothing is reserved from
    // the count itself.
    let mut lexemes = Vec::new();
    for _ in 0..count {
        let word = r.cstr(WHAT)?.to_owned();
        let npos = usize::from(u16::from_be_bytes(r.array(WHAT)?));
        if npos * 2 > r.remaining() {
            return Err(Reader::short(WHAT));
        }
        let mut positions = Vec::with_capacity(npos);
        for _ in 0..npos {
            let p = u16::from_be_bytes(r.array(WHAT)?);
            positions
                .push(LexemePosition { position: p & 0x3fff, weight: Weight::from_code(p >> 14) });
        }
        lexemes.push(Lexeme { word, positions });
    }
    if r.remaining() != 0 {
        return Err(Error::conversion("trailing bytes after a binary tsvector"));
    }
    Ok(TsVector { lexemes })
}

/// From `tsvector`, binary or text.
impl Loader<'_> for TsVector {
    fn accepts(oid: Oid) -> bool {
        oid == oid::TSVECTOR
    }
    fn load(oid: Oid, format: Format, raw: &[u8]) -> Result<Self, Error> {
        if oid != oid::TSVECTOR {
            return Err(not_accepted(oid, "tsvector"));
        }
        match format {
            Format::Binary => decode_tsvector(raw),
            Format::Text => utf8(raw)?.parse(),
        }
    }
}

/// Sent as `tsvector` in text format (its [`Display`](fmt::Display) form).
impl Dumper for TsVector {
    fn type_oid(&self) -> Oid {
        oid::TSVECTOR
    }
    fn format(&self) -> Format {
        Format::Text
    }
    fn dump(&self, buf: &mut BytesMut) -> Result<IsNull, Error> {
        use std::fmt::Write;
        write!(BufWriter(buf), "{self}")
            .map_err(|_| Error::conversion("cannot format tsvector"))?;
        Ok(IsNull::No)
    }
}

/// `fmt::Write` into a `BytesMut`.
struct BufWriter<'a>(&'a mut BytesMut);

impl fmt::Write for BufWriter<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.0.put_slice(s.as_bytes());
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// tsquery

/// One item of a [`TsQuery`] in the server's prefix order.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TsQueryItem {
    /// A lexeme to match.
    Operand {
        /// The word.
        word: String,
        /// The weights it must have, as a bit set of [`Weight::query_bit`]s (0: any weight).
        weights: u8,
        /// Whether it matches any word starting with `word` (`:*`).
        prefix: bool,
    },
    /// `!`: the one operand that follows must not match.
    Not,
    /// `&`: both operands must match.
    And,
    /// `|`: either operand must match.
    Or,
    /// `<N>` (`<->` for 1): the left operand followed by the right one `distance` positions
    /// later.
    Phrase {
        /// How many positions after the left operand the right one must be.
        distance: u16,
    },
}

/// A `tsquery`: a text-search query of lexemes combined with `&`, `|`, `!` and `<N>`.
///
/// It is held as the server holds it, a list of items in prefix order (an operator, then its
/// right operand, then its left one); [`items`](Self::items) shows them, and the builders
/// ([`lexeme`](Self::lexeme), [`and`](Self::and), [`or`](Self::or), [`not`](Self::not),
/// [`followed_by`](Self::followed_by)) combine queries without writing any text.
///
/// - [`Display`](fmt::Display) writes exactly what the server's `::text` prints
///   (`'a' & ( 'b' | !'c' ) <-> 'd':*AB`), parentheses included; [`FromStr`] reads the query
///   syntax.
/// - Loaded from `tsquery` in binary and text. Sent as `tsquery` in **text** format (the
///   `Display` form).
/// - A query without lexemes ([`TsQuery::default`]) prints as an empty string.
///
/// ```
/// use pgtusk::types::TsQuery;
///
/// let q: TsQuery = "fat & (rat | !cat)".parse().unwrap();
/// assert_eq!(q.to_string(), "'fat' & ( 'rat' | !'cat' )");
/// let built = TsQuery::lexeme("fat").and(TsQuery::lexeme("rat").or(TsQuery::lexeme("cat").not()));
/// assert_eq!(built, q);
/// let phrase = TsQuery::prefix("sup").followed_by(TsQuery::lexeme("star"), 2);
/// assert_eq!(phrase.to_string(), "'sup':* <2> 'star'");
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct TsQuery {
    items: Vec<TsQueryItem>,
}

/// An operator's priority in the server's printing rules.
fn priority(item: &TsQueryItem) -> u8 {
    match item {
        TsQueryItem::Not => 4,
        TsQueryItem::Phrase { .. } => 3,
        TsQueryItem::And => 2,
        TsQueryItem::Or => 1,
        TsQueryItem::Operand { .. } => 5,
    }
}

impl TsQuery {
    /// A query matching one lexeme (any weight, not a prefix).
    pub fn lexeme(word: impl Into<String>) -> Self {
        Self { items: vec![TsQueryItem::Operand { word: word.into(), weights: 0, prefix: false }] }
    }

    /// A query matching words that start with `word` (`'word':*`).
    pub fn prefix(word: impl Into<String>) -> Self {
        Self { items: vec![TsQueryItem::Operand { word: word.into(), weights: 0, prefix: true }] }
    }

    /// The query from items in prefix order (an operator, its right operand, its left
    /// operand); fails unless they form exactly one well-formed query (or none at all).
    pub fn from_items(items: Vec<TsQueryItem>) -> Result<Self, Error> {
        subtree_sizes(&items)?;
        Ok(Self { items })
    }

    /// The items in prefix order (empty for a query without lexemes).
    pub fn items(&self) -> &[TsQueryItem] {
        &self.items
    }

    /// Whether the query has no lexemes.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// `self & other`.
    pub fn and(self, other: TsQuery) -> Self {
        self.combine(TsQueryItem::And, other)
    }

    /// `self | other`.
    pub fn or(self, other: TsQuery) -> Self {
        self.combine(TsQueryItem::Or, other)
    }

    /// `self <distance> other` (`<->` for 1): `other` `distance` positions after `self`.
    pub fn followed_by(self, other: TsQuery, distance: u16) -> Self {
        self.combine(TsQueryItem::Phrase { distance }, other)
    }

    /// `!self`. An empty query stays empty.
    #[allow(clippy::should_implement_trait)]
    pub fn not(self) -> Self {
        if self.items.is_empty() {
            return self;
        }
        let mut items = Vec::with_capacity(self.items.len() + 1);
        items.push(TsQueryItem::Not);
        items.extend(self.items);
        Self { items }
    }

    /// `left op right`, where an empty side leaves the other one alone (as the server drops
    /// stop words).
    fn combine(self, op: TsQueryItem, right: TsQuery) -> Self {
        if right.items.is_empty() {
            return self;
        }
        if self.items.is_empty() {
            return right;
        }
        let mut items = Vec::with_capacity(self.items.len() + right.items.len() + 1);
        items.push(op);
        items.extend(right.items);
        items.extend(self.items);
        Self { items }
    }
}

/// The size of the subtree starting at each item, checking that the items form one query.
/// Iterative (a crafted query may nest deeply): walks the items backwards with a stack of
/// the sizes of the subtrees seen so far.
fn subtree_sizes(items: &[TsQueryItem]) -> Result<Vec<usize>, Error> {
    let malformed = || Error::conversion("malformed tsquery: operands do not match operators");
    let mut sizes = vec![0; items.len()];
    let mut stack: Vec<usize> = Vec::new();
    for (i, item) in items.iter().enumerate().rev() {
        let size = match item {
            TsQueryItem::Operand { .. } => 1,
            TsQueryItem::Not => 1 + stack.pop().ok_or_else(malformed)?,
            _ => {
                let right = stack.pop().ok_or_else(malformed)?;
                let left = stack.pop().ok_or_else(malformed)?;
                1 + right + left
            }
        };
        stack.push(size);
        if let Some(slot) = sizes.get_mut(i) {
            *slot = size;
        }
    }
    if stack.len() > 1 {
        return Err(malformed());
    }
    Ok(sizes)
}

/// A step of printing a query without recursion.
enum Step {
    /// Print the subtree at this index, given its parent's priority and whether it is the
    /// right operand of a phrase operator.
    Node(usize, u8, bool),
    /// Print this text.
    Text(String),
}

impl fmt::Display for TsQuery {
    /// Follows `tsqueryout`'s `infix()`: an operator with a lower priority than its parent's,
    /// or a phrase that is the right operand of a phrase, is wrapped in `( ... )`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Ok(sizes) = subtree_sizes(&self.items) else {
            return Err(fmt::Error);
        };
        if self.items.is_empty() {
            return Ok(());
        }
        let mut steps = vec![Step::Node(0, 0, false)];
        while let Some(step) = steps.pop() {
            let (i, parent, right_of_phrase) = match step {
                Step::Text(t) => {
                    f.write_str(&t)?;
                    continue;
                }
                Step::Node(i, p, r) => (i, p, r),
            };
            let item = self.items.get(i).ok_or(fmt::Error)?;
            let prio = priority(item);
            match item {
                TsQueryItem::Operand { word, weights, prefix } => {
                    write_quoted(f, word)?;
                    if *weights != 0 || *prefix {
                        f.write_str(":")?;
                        if *prefix {
                            f.write_str("*")?;
                        }
                        for w in [Weight::A, Weight::B, Weight::C, Weight::D] {
                            if weights & w.query_bit() != 0 {
                                write!(f, "{w:?}")?;
                            }
                        }
                    }
                }
                TsQueryItem::Not => {
                    let paren = prio < parent;
                    if paren {
                        steps.push(Step::Text(" )".into()));
                    }
                    steps.push(Step::Node(i + 1, prio, false));
                    f.write_str(if paren { "( !" } else { "!" })?;
                }
                op => {
                    let phrase = matches!(op, TsQueryItem::Phrase { .. });
                    let paren = prio < parent || (phrase && right_of_phrase);
                    let right = i + 1;
                    let left = right + sizes.get(right).copied().ok_or(fmt::Error)?;
                    let symbol = match op {
                        TsQueryItem::Or => " | ".to_owned(),
                        TsQueryItem::And => " & ".to_owned(),
                        TsQueryItem::Phrase { distance: 1 } => " <-> ".to_owned(),
                        TsQueryItem::Phrase { distance } => format!(" <{distance}> "),
                        _ => return Err(fmt::Error),
                    };
                    if paren {
                        f.write_str("( ")?;
                        steps.push(Step::Text(" )".into()));
                    }
                    steps.push(Step::Node(right, prio, phrase));
                    steps.push(Step::Text(symbol));
                    steps.push(Step::Node(left, prio, false));
                }
            }
        }
        Ok(())
    }
}

/// A token of the query syntax.
#[derive(Debug)]
enum Token {
    Operand(TsQueryItem),
    Op(TsQueryItem),
    Open,
    Close,
}

/// Reads the `:*AB` suffix of a query operand. Returns (weights, prefix, rest).
fn take_query_suffix(s: &str) -> (u8, bool, &str) {
    let Some(mut rest) = s.strip_prefix(':') else {
        return (0, false, s);
    };
    let (mut weights, mut prefix) = (0, false);
    loop {
        let mut chars = rest.chars();
        match chars.next() {
            Some('*') => prefix = true,
            Some(c) => match Weight::from_letter(c) {
                Some(w) => weights |= w.query_bit(),
                None => break,
            },
            None => break,
        }
        rest = chars.as_str();
    }
    (weights, prefix, rest)
}

/// Splits query text into tokens.
fn tokenize(s: &str) -> Option<Vec<Token>> {
    let mut tokens = Vec::new();
    let mut rest = s.trim_start();
    while let Some(c) = rest.chars().next() {
        let (token, after) = match c {
            '(' => (Token::Open, &rest[1..]),
            ')' => (Token::Close, &rest[1..]),
            '!' => (Token::Op(TsQueryItem::Not), &rest[1..]),
            '&' => (Token::Op(TsQueryItem::And), &rest[1..]),
            '|' => (Token::Op(TsQueryItem::Or), &rest[1..]),
            '<' => {
                let end = rest.find('>')?;
                let inner = &rest[1..end];
                let distance = if inner == "-" { 1 } else { inner.trim().parse().ok()? };
                (Token::Op(TsQueryItem::Phrase { distance }), &rest[end + 1..])
            }
            _ => {
                let (word, after) = take_query_word(rest)?;
                let (weights, prefix, after) = take_query_suffix(after);
                (Token::Operand(TsQueryItem::Operand { word, weights, prefix }), after)
            }
        };
        tokens.push(token);
        rest = after.trim_start();
    }
    Some(tokens)
}

/// A query operand: quoted, or bare up to a space or a query symbol.
fn take_query_word(s: &str) -> Option<(String, &str)> {
    if s.starts_with('\'') {
        return take_word(s);
    }
    let end = s.find(|c: char| c.is_whitespace() || "()!&|<:'".contains(c)).unwrap_or(s.len());
    let bare = &s[..end];
    let (word, _) = take_word(bare)?;
    Some((word, &s[end..]))
}

/// The query syntax, with the server's precedence (`!` over `<->` over `&` over `|`, binary
/// operators grouping from the left). Parsed without recursion (shunting-yard), so deep
/// nesting cannot overflow the stack.
impl FromStr for TsQuery {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        let invalid = || invalid_text("tsquery", s);
        let tokens = tokenize(s).ok_or_else(invalid)?;
        // The output in postfix order; reversed at the end it is the server's prefix order.
        let mut output: Vec<TsQueryItem> = Vec::new();
        let mut ops: Vec<Option<TsQueryItem>> = Vec::new(); // None marks an open parenthesis
        let mut expect_operand = true;
        for token in tokens {
            match (token, expect_operand) {
                (Token::Operand(item), true) => {
                    output.push(item);
                    expect_operand = false;
                }
                (Token::Open, true) => ops.push(None),
                (Token::Op(TsQueryItem::Not), true) => ops.push(Some(TsQueryItem::Not)),
                (Token::Op(op), false) => {
                    let prio = priority(&op);
                    while let Some(Some(top)) = ops.last() {
                        if priority(top) < prio {
                            break;
                        }
                        output.extend(ops.pop().flatten());
                    }
                    ops.push(Some(op));
                    expect_operand = true;
                }
                (Token::Close, false) => loop {
                    match ops.pop() {
                        Some(Some(op)) => output.push(op),
                        Some(None) => break,
                        None => return Err(invalid()),
                    }
                },
                _ => return Err(invalid()),
            }
        }
        if expect_operand && !(output.is_empty() && ops.is_empty()) {
            return Err(invalid());
        }
        while let Some(op) = ops.pop() {
            output.push(op.ok_or_else(invalid)?);
        }
        output.reverse();
        Self::from_items(output).map_err(|_| invalid())
    }
}

/// Decodes a binary `tsquery`.
fn decode_tsquery(raw: &[u8]) -> Result<TsQuery, Error> {
    const WHAT: &str = "tsquery";
    let mut r = Reader(raw);
    let count = i32::from_be_bytes(r.array(WHAT)?);
    if count < 0 {
        return Err(Error::conversion(format!("binary tsquery has {count} items")));
    }
    // Every item takes at least 2 bytes: the loop is bounded by the input, not the count.
    let mut items = Vec::new();
    for _ in 0..count {
        let item = match r.u8(WHAT)? {
            1 => {
                let weights = r.u8(WHAT)?;
                let prefix = r.u8(WHAT)? != 0;
                let word = r.cstr(WHAT)?.to_owned();
                if weights > 0xf {
                    return Err(Error::conversion("invalid tsquery weight bit set"));
                }
                TsQueryItem::Operand { word, weights, prefix }
            }
            2 => match r.u8(WHAT)? {
                1 => TsQueryItem::Not,
                2 => TsQueryItem::And,
                3 => TsQueryItem::Or,
                4 => {
                    let distance = i16::from_be_bytes(r.array(WHAT)?);
                    let distance = u16::try_from(distance)
                        .map_err(|_| Error::conversion("negative tsquery phrase distance"))?;
                    TsQueryItem::Phrase { distance }
                }
                op => return Err(Error::conversion(format!("unknown tsquery operator {op}"))),
            },
            t => return Err(Error::conversion(format!("unknown tsquery item type {t}"))),
        };
        items.push(item);
    }
    if r.remaining() != 0 {
        return Err(Error::conversion("trailing bytes after a binary tsquery"));
    }
    TsQuery::from_items(items)
}

/// From `tsquery`, binary or text.
impl Loader<'_> for TsQuery {
    fn accepts(oid: Oid) -> bool {
        oid == oid::TSQUERY
    }
    fn load(oid: Oid, format: Format, raw: &[u8]) -> Result<Self, Error> {
        if oid != oid::TSQUERY {
            return Err(not_accepted(oid, "tsquery"));
        }
        match format {
            Format::Binary => decode_tsquery(raw),
            Format::Text => utf8(raw)?.parse(),
        }
    }
}

/// Sent as `tsquery` in text format (its [`Display`](fmt::Display) form).
impl Dumper for TsQuery {
    fn type_oid(&self) -> Oid {
        oid::TSQUERY
    }
    fn format(&self) -> Format {
        Format::Text
    }
    fn dump(&self, buf: &mut BytesMut) -> Result<IsNull, Error> {
        use std::fmt::Write;
        write!(BufWriter(buf), "{self}").map_err(|_| Error::conversion("malformed tsquery"))?;
        Ok(IsNull::No)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn tsvector_text() {
        let text = r"'a':1A,2B,3C,4 'b\\c' 'd''e' 'é'";
        let v: TsVector = text.parse().unwrap();
        assert_eq!(v.lexemes.len(), 4);
        assert_eq!(v.lexemes[1].word, r"b\c");
        assert_eq!(v.lexemes[2].word, "d'e");
        assert_eq!(v.lexemes[0].positions[2], LexemePosition { position: 3, weight: Weight::C });
        assert_eq!(v.to_string(), text);
        assert_eq!("a:1a b".parse::<TsVector>().unwrap().to_string(), "'a':1A 'b'");
        assert_eq!("".parse::<TsVector>().unwrap(), TsVector::default());
        for bad in ["'a", "'a':", "'a':x", "'a'b", "'a':1,", "a\\"] {
            assert!(bad.parse::<TsVector>().is_err(), "{bad}");
        }
    }

    #[test]
    fn tsvector_binary() {
        // 'a':1A,5 'b'
        let raw = [0, 0, 0, 2, b'a', 0, 0, 2, 0xc0, 1, 0, 5, b'b', 0, 0, 0];
        let v = TsVector::load(oid::TSVECTOR, Format::Binary, &raw).unwrap();
        assert_eq!(v.to_string(), "'a':1A,5 'b'");
        assert!(TsVector::load(oid::TSVECTOR, Format::Binary, &raw[..15]).is_err());
        assert!(TsVector::load(oid::TSVECTOR, Format::Binary, &[0x7f, 0xff, 0xff, 0xff]).is_err());
        assert!(TsVector::load(oid::TSVECTOR, Format::Binary, &[0xff, 0xff, 0xff, 0xff]).is_err());
        assert!(
            TsVector::load(oid::TSVECTOR, Format::Binary, &[0, 0, 0, 1, b'a', 0, 0xff, 0xff])
                .is_err()
        );
        let mut buf = BytesMut::new();
        v.dump(&mut buf).unwrap();
        assert_eq!(&buf[..], b"'a':1A,5 'b'");
        assert_eq!((v.type_oid(), v.format()), (oid::TSVECTOR, Format::Text));
    }

    #[test]
    fn tsquery_text() {
        for (input, out) in [
            ("a & (b | !c) <-> d:*AB <2> e", "'a' & ( 'b' | !'c' ) <-> 'd':*AB <2> 'e'"),
            ("!(a & b)", "!( 'a' & 'b' )"),
            ("a <-> (b <-> c)", "'a' <-> ( 'b' <-> 'c' )"),
            ("(a <-> b) <-> c", "'a' <-> 'b' <-> 'c'"),
            ("a | b & c", "'a' | 'b' & 'c'"),
            ("(a | b) & c", "( 'a' | 'b' ) & 'c'"),
            ("!!a", "!!'a'"),
            ("'it''s' & 'b\\\\s'", "'it''s' & 'b\\\\s'"),
            ("a:dcba", "'a':ABCD"),
            ("a <0> b", "'a' <0> 'b'"),
            ("", ""),
        ] {
            let q: TsQuery = input.parse().unwrap();
            assert_eq!(q.to_string(), out, "{input}");
            assert_eq!(out.parse::<TsQuery>().unwrap(), q, "{out}");
        }
        for bad in ["a &", "& a", "(a", "a)", "a b", "a <x> b", "!", "()", "a <-"] {
            assert!(bad.parse::<TsQuery>().is_err(), "{bad}");
        }
    }

    #[test]
    fn tsquery_binary() {
        // 'a' & !'b':*A  → prefix order: & , right (!'b'), left ('a')
        let raw = [0, 0, 0, 4, 2, 2, 2, 1, 1, 8, 1, b'b', 0, 1, 0, 0, b'a', 0];
        let q = TsQuery::load(oid::TSQUERY, Format::Binary, &raw).unwrap();
        assert_eq!(q.to_string(), "'a' & !'b':*A");
        assert_eq!(
            q,
            TsQuery::lexeme("a").and(
                TsQuery::from_items(vec![
                    TsQueryItem::Not,
                    TsQueryItem::Operand { word: "b".into(), weights: 8, prefix: true }
                ])
                .unwrap()
            )
        );
        assert!(TsQuery::load(oid::TSQUERY, Format::Binary, &raw[..17]).is_err());
        // An operator without operands, or two roots.
        assert!(TsQuery::load(oid::TSQUERY, Format::Binary, &[0, 0, 0, 1, 2, 2]).is_err());
        assert!(
            TsQuery::load(
                oid::TSQUERY,
                Format::Binary,
                &[0, 0, 0, 2, 1, 0, 0, b'a', 0, 1, 0, 0, b'b', 0]
            )
            .is_err()
        );
        assert!(
            TsQuery::load(oid::TSQUERY, Format::Binary, &[0, 0, 0, 1, 2, 4, 0xff, 0xff]).is_err()
        );
        assert!(TsQuery::load(oid::TSQUERY, Format::Binary, &[0, 0, 0, 0]).unwrap().is_empty());
    }

    #[test]
    fn deep_queries_do_not_overflow() {
        let n = 200_000;
        let text = format!("{}a", "!".repeat(n));
        let q: TsQuery = text.parse().unwrap();
        assert_eq!(q.items().len(), n + 1);
        assert_eq!(q.to_string(), format!("{}'a'", "!".repeat(n)));
        let text = format!("{}a{}", "(a <-> ".repeat(1000), ")".repeat(1000));
        assert!(text.parse::<TsQuery>().is_ok());
    }

    fn word() -> impl Strategy<Value = String> {
        "[a-z'\\\\é ]{1,6}"
    }

    fn query() -> impl Strategy<Value = TsQuery> {
        let leaf = (word(), 0_u8..16, any::<bool>()).prop_map(|(word, weights, prefix)| {
            TsQuery::from_items(vec![TsQueryItem::Operand { word, weights, prefix }]).unwrap()
        });
        leaf.prop_recursive(5, 24, 2, |inner| {
            prop_oneof![
                inner.clone().prop_map(TsQuery::not),
                (inner.clone(), inner.clone()).prop_map(|(a, b)| a.and(b)),
                (inner.clone(), inner.clone()).prop_map(|(a, b)| a.or(b)),
                (inner.clone(), inner, 0_u16..5).prop_map(|(a, b, d)| a.followed_by(b, d)),
            ]
        })
    }

    proptest! {
        #[test]
        fn tsquery_text_round_trip(q in query()) {
            // The printed form drops parentheses around a right operand of the same `&` or `|`
            // (they associate), so it reads back as the same text, not always the same tree.
            let text = q.to_string();
            let back = text.parse::<TsQuery>().unwrap();
            prop_assert_eq!(back.to_string(), text);
            prop_assert_eq!(back.items().len(), q.items().len());
        }

        #[test]
        fn tsvector_text_round_trip(words in proptest::collection::vec((word(), proptest::collection::vec((1_u16..16384, 0_u16..4), 0..4)), 0..5)) {
            let v = TsVector {
                lexemes: words
                    .into_iter()
                    .map(|(word, ps)| Lexeme {
                        word,
                        positions: ps
                            .into_iter()
                            .map(|(position, w)| LexemePosition { position, weight: Weight::from_code(w) })
                            .collect(),
                    })
                    .collect(),
            };
            prop_assert_eq!(v.to_string().parse::<TsVector>().unwrap(), v);
        }

        #[test]
        fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..40), s in "\\PC{0,30}") {
            let _ = TsVector::load(oid::TSVECTOR, Format::Binary, &bytes);
            let _ = TsQuery::load(oid::TSQUERY, Format::Binary, &bytes);
            let _ = s.parse::<TsVector>();
            if let Ok(q) = s.parse::<TsQuery>() {
                let _ = q.to_string();
            }
        }
    }
}
