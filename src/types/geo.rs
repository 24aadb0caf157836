//! Geometric types: `point`, `line`, `lseg`, `box`, `path`, `polygon` and `circle` as small
//! structs of `f64` ([`Point`], [`Line`], [`LineSegment`], [`PgBox`], [`Path`], [`Polygon`],
//! [`Circle`]).
//!
//! Binary forms (PostgreSQL's `geo_ops.c`): every coordinate is a big-endian `float8`;
//! `point` is x, y; `line` is A, B, C; `lseg` is the two end points; `box` is the high corner
//! then the low corner; `circle` is the center then the radius; `path` is a closed flag byte,
//! an `int32` point count and the points; `polygon` is an `int32` point count and the points.
//!
//! Text forms are read from any of PostgreSQL's output forms; `Display` writes them as the
//! server does with the default `extra_float_digits` (1 or more: the shortest exact decimal,
//! `1e+20` style past 15 digits), including `NaN`, `Infinity` and `-Infinity`.

use std::fmt;
use std::str::FromStr;

use bytes::{BufMut, BytesMut};

use super::oid;
use super::{Dumper, IsNull, Loader};
use crate::Error;
use crate::protocol::{Format, Oid};

/// Writes a `float8` as PostgreSQL's `float8out` does with `extra_float_digits >= 1`: the
/// shortest decimal that reads back exactly, in exponent form (`1e+20`, `1.5e-05`) when the
/// decimal exponent is below -4 or at least 15.
fn write_float(f: &mut fmt::Formatter<'_>, v: f64) -> fmt::Result {
    if v.is_nan() {
        return f.write_str("NaN");
    }
    if v.is_infinite() {
        return f.write_str(if v > 0.0 { "Infinity" } else { "-Infinity" });
    }
    if v == 0.0 {
        return f.write_str(if v.is_sign_negative() { "-0" } else { "0" });
    }
    // Rust's `{:e}` is the shortest exact form too: "1.5e-5", "-1e20".
    let sci = format!("{v:e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if (-4..15).contains(&exp) {
        write!(f, "{v}")
    } else {
        let sign = if exp < 0 { '-' } else { '+' };
        write!(f, "{mantissa}e{sign}{:02}", exp.unsigned_abs())
    }
}

/// The error for a type OID a loader does not accept.
fn not_accepted(type_oid: Oid, what: &str) -> Error {
    Error::conversion(format!("type OID {type_oid} is not {what}"))
}

/// The error for malformed text of type `what`.
fn invalid_text(what: &str, s: &str) -> Error {
    let shown: String = s.chars().take(60).collect();
    Error::conversion(format!("invalid {what} text {shown:?}"))
}

/// The numbers of a geometric value's text form, in order, and its first delimiter. The
/// delimiters (`()[]{}<>,` and spaces) are not checked beyond that: the count is.
fn text_numbers(what: &str, s: &str) -> Result<(Option<char>, Vec<f64>), Error> {
    let first = s.trim_start().chars().next().filter(|c| "([{<".contains(*c));
    let numbers = s
        .split(|c: char| "()[]{}<>,".contains(c) || c.is_ascii_whitespace())
        .filter(|t| !t.is_empty())
        .map(|t| t.parse::<f64>().map_err(|_| invalid_text(what, s)))
        .collect::<Result<Vec<_>, _>>()?;
    Ok((first, numbers))
}

/// Exactly `N` numbers of a text form.
fn text_fixed<const N: usize>(what: &str, s: &str) -> Result<[f64; N], Error> {
    let (_, numbers) = text_numbers(what, s)?;
    numbers.try_into().map_err(|_| invalid_text(what, s))
}

/// Exactly `N` big-endian `float8`s of a binary form.
fn binary_fixed<const N: usize>(what: &str, raw: &[u8]) -> Result<[f64; N], Error> {
    let wrong =
        || Error::conversion(format!("binary {what} must be {} bytes, got {}", N * 8, raw.len()));
    if raw.len() != N * 8 {
        return Err(wrong());
    }
    let mut out = [0.0; N];
    for (slot, chunk) in out.iter_mut().zip(raw.chunks_exact(8)) {
        *slot = f64::from_be_bytes(chunk.try_into().map_err(|_| wrong())?);
    }
    Ok(out)
}

/// Points from pairs of numbers.
fn pairs(numbers: &[f64]) -> Vec<Point> {
    numbers
        .chunks_exact(2)
        .filter_map(|p| match *p {
            [x, y] => Some(Point::new(x, y)),
            _ => None,
        })
        .collect()
}

/// A binary point count followed by exactly that many points. The count is checked against the
/// bytes present before anything is allocated.
fn binary_points(what: &str, raw: &[u8]) -> Result<Vec<Point>, Error> {
    let Some((count, rest)) = raw.split_first_chunk::<4>() else {
        return Err(Error::conversion(format!("binary {what} is too short")));
    };
    let count = i32::from_be_bytes(*count);
    let fits = usize::try_from(count).ok().and_then(|n| n.checked_mul(16)) == Some(rest.len());
    if !fits {
        return Err(Error::conversion(format!(
            "binary {what} has {count} points but {} bytes of them",
            rest.len()
        )));
    }
    let mut numbers = Vec::with_capacity(rest.len() / 8);
    for chunk in rest.chunks_exact(8) {
        numbers.push(f64::from_be_bytes(
            chunk.try_into().map_err(|_| Error::conversion("bad point"))?,
        ));
    }
    Ok(pairs(&numbers))
}

/// Writes a point count (refusing more than an `int32` holds) and the points.
fn put_points(what: &str, points: &[Point], buf: &mut BytesMut) -> Result<(), Error> {
    let count = i32::try_from(points.len())
        .map_err(|_| Error::conversion(format!("too many points for a {what}")))?;
    buf.put_i32(count);
    for p in points {
        buf.put_f64(p.x);
        buf.put_f64(p.y);
    }
    Ok(())
}

/// Writes points separated by commas.
fn write_points(f: &mut fmt::Formatter<'_>, points: &[Point]) -> fmt::Result {
    for (i, p) in points.iter().enumerate() {
        if i > 0 {
            f.write_str(",")?;
        }
        fmt::Display::fmt(p, f)?;
    }
    Ok(())
}

/// Implements `FromStr`, `Loader` and `Dumper` for a geometric type given its text parser,
/// binary decoder and binary encoder.
macro_rules! geo_adapters {
    ($ty:ident, $oid:expr, $name:literal, parse = $parse:expr, decode = $decode:expr, encode = $encode:expr) => {
        #[doc = concat!("PostgreSQL's text forms of `", $name, "`.")]
        impl FromStr for $ty {
            type Err = Error;
            fn from_str(s: &str) -> Result<Self, Error> {
                let parse: fn(&str) -> Result<$ty, Error> = $parse;
                parse(s)
            }
        }

        #[doc = concat!("From `", $name, "`, binary or text.")]
        impl Loader<'_> for $ty {
            fn accepts(oid: Oid) -> bool {
                oid == $oid
            }
            fn load(oid: Oid, format: Format, raw: &[u8]) -> Result<Self, Error> {
                if oid != $oid {
                    return Err(not_accepted(oid, $name));
                }
                match format {
                    Format::Binary => {
                        let decode: fn(&[u8]) -> Result<$ty, Error> = $decode;
                        decode(raw)
                    }
                    Format::Text => std::str::from_utf8(raw)
                        .map_err(|e| Error::conversion(format!("invalid UTF-8: {e}")))?
                        .parse(),
                }
            }
        }

        #[doc = concat!("Sent as `", $name, "` in binary.")]
        impl Dumper for $ty {
            fn type_oid(&self) -> Oid {
                $oid
            }
            fn dump(&self, buf: &mut BytesMut) -> Result<IsNull, Error> {
                let encode: fn(&$ty, &mut BytesMut) -> Result<(), Error> = $encode;
                encode(self, buf)?;
                Ok(IsNull::No)
            }
            fn dump_text(&self, buf: &mut BytesMut) -> Result<IsNull, Error> {
                super::dumper::put_display(self, buf);
                Ok(IsNull::No)
            }
        }
    };
}

// ---------------------------------------------------------------------------------------------
// point

/// A `point`: `(x,y)`.
///
/// ```
/// use pgtusk::types::Point;
///
/// let p: Point = "(1.5,-2)".parse().unwrap();
/// assert_eq!(p, Point::new(1.5, -2.0));
/// assert_eq!(Point::new(1e20, f64::NAN).to_string(), "(1e+20,NaN)");
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Point {
    /// The x coordinate.
    pub x: f64,
    /// The y coordinate.
    pub y: f64,
}

impl Point {
    /// The point `(x, y)`.
    pub const fn new(x: f64, y: f64) -> Self {
        Self { x, y }
    }
}

impl fmt::Display for Point {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("(")?;
        write_float(f, self.x)?;
        f.write_str(",")?;
        write_float(f, self.y)?;
        f.write_str(")")
    }
}

geo_adapters!(
    Point,
    oid::POINT,
    "point",
    parse = |s| text_fixed::<2>("point", s).map(|[x, y]| Point::new(x, y)),
    decode = |raw| binary_fixed::<2>("point", raw).map(|[x, y]| Point::new(x, y)),
    encode = |p, buf| {
        buf.put_f64(p.x);
        buf.put_f64(p.y);
        Ok(())
    }
);

// ---------------------------------------------------------------------------------------------
// line

/// A `line`: the infinite line `a·x + b·y + c = 0`, written `{a,b,c}`.
///
/// The server refuses `a` and `b` both zero.
///
/// ```
/// use pgtusk::types::Line;
///
/// let l: Line = "{1,-1,0}".parse().unwrap();
/// assert_eq!(l, Line { a: 1.0, b: -1.0, c: 0.0 });
/// assert_eq!(l.to_string(), "{1,-1,0}");
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Line {
    /// The x coefficient.
    pub a: f64,
    /// The y coefficient.
    pub b: f64,
    /// The constant.
    pub c: f64,
}

impl fmt::Display for Line {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("{")?;
        write_float(f, self.a)?;
        f.write_str(",")?;
        write_float(f, self.b)?;
        f.write_str(",")?;
        write_float(f, self.c)?;
        f.write_str("}")
    }
}

geo_adapters!(
    Line,
    oid::LINE,
    "line",
    parse = |s| {
        // `[(x1,y1),(x2,y2)]` (two points on the line) is also line input; only `{a,b,c}` is
        // read here, the form the server prints.
        match text_numbers("line", s)? {
            (Some('{'), n) => match n[..] {
                [a, b, c] => Ok(Line { a, b, c }),
                _ => Err(invalid_text("line", s)),
            },
            _ => Err(invalid_text("line", s)),
        }
    },
    decode = |raw| binary_fixed::<3>("line", raw).map(|[a, b, c]| Line { a, b, c }),
    encode = |l, buf| {
        buf.put_f64(l.a);
        buf.put_f64(l.b);
        buf.put_f64(l.c);
        Ok(())
    }
);

// ---------------------------------------------------------------------------------------------
// lseg

/// A line segment (`lseg`): `[(x1,y1),(x2,y2)]`.
///
/// ```
/// use pgtusk::types::{LineSegment, Point};
///
/// let s: LineSegment = "[(0,0),(1,1)]".parse().unwrap();
/// assert_eq!(s.end, Point::new(1.0, 1.0));
/// assert_eq!(s.to_string(), "[(0,0),(1,1)]");
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct LineSegment {
    /// The first end point.
    pub start: Point,
    /// The second end point.
    pub end: Point,
}

impl fmt::Display for LineSegment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{},{}]", self.start, self.end)
    }
}

geo_adapters!(
    LineSegment,
    oid::LSEG,
    "lseg",
    parse = |s| {
        text_fixed::<4>("lseg", s)
            .map(|[a, b, c, d]| LineSegment { start: Point::new(a, b), end: Point::new(c, d) })
    },
    decode = |raw| {
        binary_fixed::<4>("lseg", raw)
            .map(|[a, b, c, d]| LineSegment { start: Point::new(a, b), end: Point::new(c, d) })
    },
    encode = |l, buf| {
        for v in [l.start.x, l.start.y, l.end.x, l.end.y] {
            buf.put_f64(v);
        }
        Ok(())
    }
);

// ---------------------------------------------------------------------------------------------
// box

/// A `box`: a rectangle given by two opposite corners, `(x1,y1),(x2,y2)`.
///
/// Named `PgBox` so as not to clash with `std`'s `Box`. The server stores the upper-right
/// corner first (`high`) and the lower-left second (`low`), whatever order it was given; a
/// value sent with the corners the other way round comes back reordered.
///
/// ```
/// use pgtusk::types::{PgBox, Point};
///
/// let b: PgBox = "(3,4),(1,2)".parse().unwrap();
/// assert_eq!(b.high, Point::new(3.0, 4.0));
/// assert_eq!(b.to_string(), "(3,4),(1,2)");
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct PgBox {
    /// The upper-right corner.
    pub high: Point,
    /// The lower-left corner.
    pub low: Point,
}

impl fmt::Display for PgBox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{},{}", self.high, self.low)
    }
}

geo_adapters!(
    PgBox,
    oid::BOX,
    "box",
    parse = |s| {
        text_fixed::<4>("box", s)
            .map(|[a, b, c, d]| PgBox { high: Point::new(a, b), low: Point::new(c, d) })
    },
    decode = |raw| {
        binary_fixed::<4>("box", raw)
            .map(|[a, b, c, d]| PgBox { high: Point::new(a, b), low: Point::new(c, d) })
    },
    encode = |b, buf| {
        for v in [b.high.x, b.high.y, b.low.x, b.low.y] {
            buf.put_f64(v);
        }
        Ok(())
    }
);

// ---------------------------------------------------------------------------------------------
// path

/// A `path`: points joined in order, open (`[(x1,y1),...]`) or closed (`((x1,y1),...)`, the
/// last point joined back to the first).
///
/// The server refuses a path without points (SQLSTATE 22P03 in binary, 22P02 in text).
///
/// ```
/// use pgtusk::types::{Path, Point};
///
/// let p: Path = "[(0,0),(1,1),(2,0)]".parse().unwrap();
/// assert!(!p.closed);
/// assert_eq!(p.points.len(), 3);
/// let closed = Path { closed: true, points: vec![Point::new(0.0, 0.0), Point::new(1.0, 0.5)] };
/// assert_eq!(closed.to_string(), "((0,0),(1,0.5))");
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Path {
    /// Whether the last point joins back to the first.
    pub closed: bool,
    /// The points, in order.
    pub points: Vec<Point>,
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (open, close) = if self.closed { ("(", ")") } else { ("[", "]") };
        f.write_str(open)?;
        write_points(f, &self.points)?;
        f.write_str(close)
    }
}

geo_adapters!(
    Path,
    oid::PATH,
    "path",
    parse = |s| {
        let (first, numbers) = text_numbers("path", s)?;
        if numbers.len() % 2 != 0 {
            return Err(invalid_text("path", s));
        }
        // `[...]` is open; `(...)` or no bracket at all is closed, as PostgreSQL reads it.
        Ok(Path { closed: first != Some('['), points: pairs(&numbers) })
    },
    decode = |raw| {
        let Some((&flag, rest)) = raw.split_first() else {
            return Err(Error::conversion("binary path is empty"));
        };
        Ok(Path { closed: flag != 0, points: binary_points("path", rest)? })
    },
    encode = |p, buf| {
        buf.put_u8(u8::from(p.closed));
        put_points("path", &p.points, buf)
    }
);

// ---------------------------------------------------------------------------------------------
// polygon

/// A `polygon`: a closed figure given by its vertices, `((x1,y1),...)`.
///
/// The server refuses a polygon without points (SQLSTATE 22P03 in binary, 22P02 in text).
///
/// ```
/// use pgtusk::types::{Point, Polygon};
///
/// let p: Polygon = "((0,0),(1,0),(0,1))".parse().unwrap();
/// assert_eq!(p.points[1], Point::new(1.0, 0.0));
/// assert_eq!(p.to_string(), "((0,0),(1,0),(0,1))");
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Polygon {
    /// The vertices, in order.
    pub points: Vec<Point>,
}

impl fmt::Display for Polygon {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("(")?;
        write_points(f, &self.points)?;
        f.write_str(")")
    }
}

geo_adapters!(
    Polygon,
    oid::POLYGON,
    "polygon",
    parse = |s| {
        let (_, numbers) = text_numbers("polygon", s)?;
        if numbers.len() % 2 != 0 {
            return Err(invalid_text("polygon", s));
        }
        Ok(Polygon { points: pairs(&numbers) })
    },
    decode = |raw| Ok(Polygon { points: binary_points("polygon", raw)? }),
    encode = |p, buf| put_points("polygon", &p.points, buf)
);

// ---------------------------------------------------------------------------------------------
// circle

/// A `circle`: `<(x,y),r>`, a center and a radius.
///
/// The server refuses a negative radius.
///
/// ```
/// use pgtusk::types::{Circle, Point};
///
/// let c: Circle = "<(1,2),3>".parse().unwrap();
/// assert_eq!(c, Circle { center: Point::new(1.0, 2.0), radius: 3.0 });
/// assert_eq!(c.to_string(), "<(1,2),3>");
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Circle {
    /// The center.
    pub center: Point,
    /// The radius.
    pub radius: f64,
}

impl fmt::Display for Circle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<{},", self.center)?;
        write_float(f, self.radius)?;
        f.write_str(">")
    }
}

geo_adapters!(
    Circle,
    oid::CIRCLE,
    "circle",
    parse = |s| {
        text_fixed::<3>("circle", s)
            .map(|[x, y, radius]| Circle { center: Point::new(x, y), radius })
    },
    decode = |raw| {
        binary_fixed::<3>("circle", raw)
            .map(|[x, y, radius]| Circle { center: Point::new(x, y), radius })
    },
    encode = |c, buf| {
        for v in [c.center.x, c.center.y, c.radius] {
            buf.put_f64(v);
        }
        Ok(())
    }
);

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn dumped(d: &dyn Dumper) -> Vec<u8> {
        let mut buf = BytesMut::new();
        assert_eq!(d.dump(&mut buf).unwrap(), IsNull::No);
        buf.to_vec()
    }

    fn be(values: &[f64]) -> Vec<u8> {
        values.iter().flat_map(|v| v.to_be_bytes()).collect()
    }

    struct F(f64);
    impl fmt::Display for F {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write_float(f, self.0)
        }
    }

    #[test]
    fn float_output_matches_postgres() {
        for (v, s) in [
            (0.0, "0"),
            (-0.0, "-0"),
            (1.0, "1"),
            (0.1, "0.1"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (1.5e-5, "1.5e-05"),
            (123_456_789_012_345.0, "123456789012345"),
            (1e15, "1e+15"),
            (1e20, "1e+20"),
            (-1.25e100, "-1.25e+100"),
            (5e-324, "5e-324"),
            (f64::MAX, "1.7976931348623157e+308"),
            (f64::NAN, "NaN"),
            (f64::INFINITY, "Infinity"),
            (f64::NEG_INFINITY, "-Infinity"),
        ] {
            assert_eq!(F(v).to_string(), s);
        }
    }

    #[test]
    fn binary_layouts() {
        assert_eq!(dumped(&Point::new(1.0, 2.0)), be(&[1.0, 2.0]));
        assert_eq!(dumped(&Line { a: 1.0, b: 2.0, c: 3.0 }), be(&[1.0, 2.0, 3.0]));
        let seg = LineSegment { start: Point::new(1.0, 2.0), end: Point::new(3.0, 4.0) };
        assert_eq!(dumped(&seg), be(&[1.0, 2.0, 3.0, 4.0]));
        let b = PgBox { high: Point::new(3.0, 4.0), low: Point::new(1.0, 2.0) };
        assert_eq!(dumped(&b), be(&[3.0, 4.0, 1.0, 2.0]));
        let c = Circle { center: Point::new(1.0, 2.0), radius: 3.0 };
        assert_eq!(dumped(&c), be(&[1.0, 2.0, 3.0]));
        let path = Path { closed: true, points: vec![Point::new(1.0, 2.0)] };
        let mut expected = vec![1, 0, 0, 0, 1];
        expected.extend(be(&[1.0, 2.0]));
        assert_eq!(dumped(&path), expected);
        assert_eq!(Path::load(oid::PATH, Format::Binary, &expected).unwrap(), path);
        let poly = Polygon { points: vec![Point::new(1.0, 2.0), Point::new(3.0, 4.0)] };
        let mut expected = vec![0, 0, 0, 2];
        expected.extend(be(&[1.0, 2.0, 3.0, 4.0]));
        assert_eq!(dumped(&poly), expected);
        assert_eq!(Polygon::load(oid::POLYGON, Format::Binary, &expected).unwrap(), poly);
        assert_eq!(PgBox::load(oid::BOX, Format::Binary, &dumped(&b)).unwrap(), b);
        assert_eq!(Circle::load(oid::CIRCLE, Format::Binary, &dumped(&c)).unwrap(), c);
    }

    #[test]
    fn malformed_binary() {
        assert!(Point::load(oid::POINT, Format::Binary, &[0; 15]).is_err());
        assert!(Point::load(oid::LINE, Format::Binary, &[0; 16]).is_err());
        assert!(Line::load(oid::LINE, Format::Binary, &[0; 16]).is_err());
        assert!(Path::load(oid::PATH, Format::Binary, &[]).is_err());
        assert!(Path::load(oid::PATH, Format::Binary, &[0, 0, 0, 0]).is_err());
        // A huge count with few bytes is refused before any allocation.
        assert!(Polygon::load(oid::POLYGON, Format::Binary, &[0x7f, 0xff, 0xff, 0xff]).is_err());
        assert!(Polygon::load(oid::POLYGON, Format::Binary, &[0xff, 0xff, 0xff, 0xff]).is_err());
        let mut one = vec![0, 0, 0, 2];
        one.extend(be(&[1.0, 2.0]));
        assert!(Polygon::load(oid::POLYGON, Format::Binary, &one).is_err());
        assert_eq!(Polygon::load(oid::POLYGON, Format::Binary, &[0, 0, 0, 0]).unwrap().points, []);
    }

    #[test]
    fn text_forms() {
        assert_eq!(
            "(Infinity,-Infinity)".parse::<Point>().unwrap(),
            Point::new(f64::INFINITY, f64::NEG_INFINITY)
        );
        assert!("(NaN,1)".parse::<Point>().unwrap().x.is_nan());
        assert_eq!(" ( 1 , 2 ) ".parse::<Point>().unwrap(), Point::new(1.0, 2.0));
        assert_eq!("(1e+20,1.5e-05)".parse::<Point>().unwrap(), Point::new(1e20, 1.5e-5));
        let p: Path = "((1,2),(3,4))".parse().unwrap();
        assert!(p.closed);
        assert_eq!(p.to_string(), "((1,2),(3,4))");
        assert!(!"[(1,2)]".parse::<Path>().unwrap().closed);
        assert_eq!("(3,4),(1,2)".parse::<PgBox>().unwrap().low, Point::new(1.0, 2.0));
        for bad in ["", "(1)", "(1,2,3)", "(1,x)", "(1,2),(3"] {
            assert!(bad.parse::<Point>().is_err(), "{bad}");
        }
        assert!("[(1,2),(3)]".parse::<Path>().is_err());
        assert!("(1,2,3)".parse::<Line>().is_err());
        assert!("<(1,2),3,4>".parse::<Circle>().is_err());
        assert!(Circle::load(oid::CIRCLE, Format::Text, b"<(1,2),3>").is_ok());
        assert!(Circle::load(oid::CIRCLE, Format::Text, b"\xff").is_err());
    }

    fn any_f64() -> impl Strategy<Value = f64> {
        prop_oneof![
            any::<f64>(),
            Just(f64::INFINITY),
            Just(f64::NEG_INFINITY),
            Just(0.0),
            Just(-0.0),
            -1e6_f64..1e6,
        ]
    }

    /// Equality that treats NaN as equal to NaN and keeps the sign of zero.
    fn same(a: f64, b: f64) -> bool {
        (a.is_nan() && b.is_nan()) || a.to_bits() == b.to_bits()
    }

    proptest! {
        #[test]
        fn round_trips(v in proptest::collection::vec(any_f64(), 0..12), closed in any::<bool>()) {
            let points = pairs(&v);
            let path = Path { closed, points: points.clone() };
            let back = Path::load(oid::PATH, Format::Binary, &dumped(&path)).unwrap();
            prop_assert_eq!(back.closed, closed);
            let text = Path::load(oid::PATH, Format::Text, path.to_string().as_bytes()).unwrap();
            for (a, b) in points.iter().zip(back.points.iter().chain(text.points.iter())) {
                prop_assert!(same(a.x, b.x) && same(a.y, b.y));
            }
            prop_assert_eq!(text.points.len(), points.len());
            prop_assert_eq!(text.closed, closed);
            if let [a, b, c, ..] = v[..] {
                let circle = Circle { center: Point::new(a, b), radius: c };
                let t: Circle = circle.to_string().parse().unwrap();
                prop_assert!(same(t.center.x, a) && same(t.center.y, b) && same(t.radius, c));
                let line = Line { a, b, c };
                let t: Line = line.to_string().parse().unwrap();
                prop_assert!(same(t.a, a) && same(t.b, b) && same(t.c, c));
            }
        }

        #[test]
        fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..40), s in "\\PC{0,30}") {
            let _ = Path::load(oid::PATH, Format::Binary, &bytes);
            let _ = Polygon::load(oid::POLYGON, Format::Binary, &bytes);
            let _ = PgBox::load(oid::BOX, Format::Binary, &bytes);
            let _ = s.parse::<Path>();
            let _ = s.parse::<Line>();
            let _ = s.parse::<Circle>();
        }
    }
}
