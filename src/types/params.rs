//! [`Params`]: the parameters of a query, and [`BindAdapter`], which writes them into a Bind
//! message.
//!
//! The trait is object safe, so the connection core takes `&dyn Params` and is compiled once,
//! whatever the caller's parameter types.
//!
//! Nothing is allocated per query: the type OIDs and format codes go into buffers the caller
//! reuses ([`Params::param_types`], [`Params::param_formats`]), and each value is dumped
//! straight into the Bind message through [`BindAdapter`].

use bytes::BytesMut;

use super::dumper::{Dumper, IsNull};
use crate::Error;
use crate::copy::CopyFields;
use crate::protocol::frontend::BindParams;
use crate::protocol::{Format, Oid};

/// The parameters of a query: a list of [`Dumper`]s.
///
/// | form | example |
/// |---|---|
/// | no parameters | `()` |
/// | a tuple of up to 16 dumpers | `(1_i64, "x", None::<f64>)` |
/// | a slice, array or `Vec` of one dumper type | `[1_i64, 2]`, `vec!["a", "b"]` |
/// | a list of mixed dumpers | `&[&1_i64 as &dyn Dumper, &"x"]`, `Vec<Box<dyn Dumper>>` |
/// | a reference to any of these | `&params` |
///
/// Only [`len`](Self::len) and [`param`](Self::param) are required; the rest is derived from
/// them. The trait is object safe (`&dyn Params`), and nothing in it allocates: type OIDs and
/// format codes are appended to buffers the caller reuses, and values are dumped straight into
/// the Bind message through [`BindAdapter`].
pub trait Params {
    /// The number of parameters.
    fn len(&self) -> usize;

    /// True when there are no parameters.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Parameter `index` (from 0), or `None` when `index` is not below [`len`](Self::len).
    fn param(&self, index: usize) -> Option<&dyn Dumper>;

    /// The type OID of parameter `index`, as sent in Parse (0: unspecified; also 0 for an
    /// index out of range).
    fn type_oid(&self, index: usize) -> Oid {
        self.param(index).map_or(0, |p| p.type_oid())
    }

    /// The format of parameter `index` (text for an index out of range).
    fn format(&self, index: usize) -> Format {
        self.param(index).map_or(Format::Text, |p| p.format())
    }

    /// Appends the type OID of every parameter to `out`, one per parameter, for Parse.
    fn param_types(&self, out: &mut Vec<Oid>) {
        out.extend((0..self.len()).map(|i| self.type_oid(i)));
    }

    /// Appends the parameter format codes to `out` in the shortest form Bind allows: none when
    /// every parameter is text (or there are none), one when all share a binary format, else
    /// one per parameter.
    fn param_formats(&self, out: &mut Vec<Format>) {
        let len = self.len();
        let first = self.format(0);
        if (1..len).all(|i| self.format(i) == first) {
            if len > 0 && first != Format::Text {
                out.push(first);
            }
        } else {
            out.extend((0..len).map(|i| self.format(i)));
        }
    }

    /// Appends the bytes of parameter `index` to `buf` (see [`Dumper::dump`]).
    ///
    /// Fails with [`ErrorKind::Misuse`](crate::ErrorKind::Misuse) for an index out of range,
    /// and with the dumper's own error.
    fn dump(&self, index: usize, buf: &mut BytesMut) -> Result<IsNull, Error> {
        match self.param(index) {
            Some(p) => p.dump(buf),
            None => Err(Error::misuse(format!(
                "parameter index {index} is out of range ({} parameters)",
                self.len()
            ))),
        }
    }

    /// Writes every value, in order, as a field of a binary COPY row.
    ///
    /// An implementation detail of [`BinaryEncoder`](crate::copy::BinaryEncoder): tuples,
    /// slices, arrays and `Vec`s override it so that each value's dumper is called directly
    /// rather than through `dyn Dumper`; the default goes through [`param`](Self::param).
    /// There is no reason to override it elsewhere.
    #[doc(hidden)]
    fn encode_copy_fields(&self, fields: &mut CopyFields<'_>) -> Result<(), Error> {
        for index in 0..self.len() {
            match self.param(index) {
                Some(value) => fields.field(value)?,
                None => return Err(Error::misuse(format!("binary COPY row has no value {index}"))),
            }
        }
        Ok(())
    }
}

impl<P: Params + ?Sized> Params for &P {
    fn len(&self) -> usize {
        (**self).len()
    }
    fn param(&self, index: usize) -> Option<&dyn Dumper> {
        (**self).param(index)
    }
    fn encode_copy_fields(&self, fields: &mut CopyFields<'_>) -> Result<(), Error> {
        (**self).encode_copy_fields(fields)
    }
}

/// No parameters.
impl Params for () {
    fn len(&self) -> usize {
        0
    }
    fn param(&self, _index: usize) -> Option<&dyn Dumper> {
        None
    }
}

/// A list of dumpers of one type, including `&dyn Dumper` and `Box<dyn Dumper>`.
impl<T: Dumper> Params for [T] {
    fn len(&self) -> usize {
        <[T]>::len(self)
    }
    fn param(&self, index: usize) -> Option<&dyn Dumper> {
        self.get(index).map(|p| p as &dyn Dumper)
    }
    fn encode_copy_fields(&self, fields: &mut CopyFields<'_>) -> Result<(), Error> {
        self.iter().try_for_each(|value| fields.field(value))
    }
}

impl<T: Dumper, const N: usize> Params for [T; N] {
    fn len(&self) -> usize {
        N
    }
    fn param(&self, index: usize) -> Option<&dyn Dumper> {
        self.as_slice().param(index)
    }
    fn encode_copy_fields(&self, fields: &mut CopyFields<'_>) -> Result<(), Error> {
        self.as_slice().encode_copy_fields(fields)
    }
}

impl<T: Dumper> Params for Vec<T> {
    fn len(&self) -> usize {
        Vec::len(self)
    }
    fn param(&self, index: usize) -> Option<&dyn Dumper> {
        self.as_slice().param(index)
    }
    fn encode_copy_fields(&self, fields: &mut CopyFields<'_>) -> Result<(), Error> {
        self.as_slice().encode_copy_fields(fields)
    }
}

/// Implements `Params` for a tuple of dumpers.
macro_rules! tuple_params {
    ($count:literal: $($ty:ident $i:tt),+) => {
        impl<$($ty: Dumper),+> Params for ($($ty,)+) {
            fn len(&self) -> usize {
                $count
            }
            fn param(&self, index: usize) -> Option<&dyn Dumper> {
                match index {
                    $($i => Some(&self.$i),)+
                    _ => None,
                }
            }
            fn encode_copy_fields(&self, fields: &mut CopyFields<'_>) -> Result<(), Error> {
                $(fields.field(&self.$i)?;)+
                Ok(())
            }
        }
    };
}

tuple_params!(1: A 0);
tuple_params!(2: A 0, B 1);
tuple_params!(3: A 0, B 1, C 2);
tuple_params!(4: A 0, B 1, C 2, D 3);
tuple_params!(5: A 0, B 1, C 2, D 3, E 4);
tuple_params!(6: A 0, B 1, C 2, D 3, E 4, F 5);
tuple_params!(7: A 0, B 1, C 2, D 3, E 4, F 5, G 6);
tuple_params!(8: A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7);
tuple_params!(9: A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8);
tuple_params!(10: A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9);
tuple_params!(11: A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10);
tuple_params!(12: A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11);
tuple_params!(13: A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11, M 12);
tuple_params!(14: A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11, M 12, N 13);
tuple_params!(15: A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11, M 12, N 13, O 14);
tuple_params!(16: A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11, M 12, N 13, O 14, P 15);

/// Writes [`Params`] into a [`Bind`](crate::protocol::frontend::Bind) message: the
/// [`BindParams`] implementation for typed parameters, with [`crate::Error`] as its error.
///
/// ```
/// use bytes::BytesMut;
/// use pgtusk::protocol::frontend::Bind;
/// use pgtusk::types::{BindAdapter, Params};
///
/// let params = (42_i32, "hello");
/// let mut formats = Vec::new();
/// params.param_formats(&mut formats);
/// let mut buf = BytesMut::new();
/// Bind {
///     portal: "",
///     statement: "",
///     param_formats: &formats,
///     params: &BindAdapter(&params),
///     result_formats: &[],
/// }
/// .encode(&mut buf)?;
/// # Ok::<(), pgtusk::Error>(())
/// ```
pub struct BindAdapter<'p, P: ?Sized>(pub &'p P);

impl<P: ?Sized> Clone for BindAdapter<'_, P> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<P: ?Sized> Copy for BindAdapter<'_, P> {}

impl<P: Params + ?Sized> std::fmt::Debug for BindAdapter<'_, P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BindAdapter").field("len", &self.0.len()).finish()
    }
}

impl<P: Params + ?Sized> BindParams for BindAdapter<'_, P> {
    type Error = Error;

    fn len(&self) -> usize {
        self.0.len()
    }

    fn write(&self, index: usize, buf: &mut BytesMut) -> Result<bool, Error> {
        Ok(self.0.dump(index, buf)? == IsNull::No)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;
    use crate::protocol::frontend::Bind;
    use crate::types::oid;

    fn bind(params: &dyn Params) -> Result<BytesMut, Error> {
        let mut formats = Vec::new();
        params.param_formats(&mut formats);
        let mut buf = BytesMut::new();
        Bind {
            portal: "",
            statement: "s1",
            param_formats: &formats,
            params: &BindAdapter(params),
            result_formats: &[Format::Binary],
        }
        .encode(&mut buf)?;
        Ok(buf)
    }

    fn types(params: &dyn Params) -> Vec<Oid> {
        let mut out = Vec::new();
        params.param_types(&mut out);
        out
    }

    #[test]
    fn tuple_bind_bytes() {
        let wire = bind(&(1_i32, "ab", None::<i64>)).unwrap();
        #[rustfmt::skip]
        let expected: &[u8] = &[
            b'B', 0, 0, 0, 40,
            0,                              // portal ""
            b's', b'1', 0,                  // statement "s1"
            0, 3, 0, 1, 0, 0, 0, 1,         // formats: binary, text, binary
            0, 3,                           // three values
            0, 0, 0, 4, 0, 0, 0, 1,         // int4 1
            0, 0, 0, 2, b'a', b'b',         // 'ab'
            0xff, 0xff, 0xff, 0xff,         // NULL
            0, 1, 0, 1,                     // results: binary
        ];
        assert_eq!(&wire[..], expected);
        assert_eq!(types(&(1_i32, "ab", None::<i64>)), [oid::INT4, 0, 0]);
    }

    #[test]
    fn format_codes_are_compacted() {
        let formats = |p: &dyn Params| {
            let mut out = Vec::new();
            p.param_formats(&mut out);
            out
        };
        assert_eq!(formats(&()), []);
        assert_eq!(formats(&("a", "b")), []);
        assert_eq!(formats(&(1_i64, 2.0_f64)), [Format::Binary]);
        assert_eq!(formats(&(1_i64, "b")), [Format::Binary, Format::Text]);
    }

    #[test]
    fn empty_bind_bytes() {
        let wire = bind(&()).unwrap();
        assert_eq!(&wire[..], b"B\0\0\0\x10\0s1\0\0\0\0\0\0\x01\0\x01");
        assert!(().is_empty());
    }

    #[test]
    fn slices_vecs_and_boxes_agree_with_tuples() {
        let tuple = bind(&(7_i64, "x", true)).unwrap();
        let dyn_slice: &[&dyn Dumper] = &[&7_i64, &"x", &true];
        assert_eq!(bind(&dyn_slice).unwrap(), tuple);
        let array: [&dyn Dumper; 3] = [&7_i64, &"x", &true];
        assert_eq!(bind(&array).unwrap(), tuple);
        let refs: Vec<&dyn Dumper> = vec![&7_i64, &"x", &true];
        assert_eq!(bind(&refs).unwrap(), tuple);
        let boxed: Vec<Box<dyn Dumper>> = vec![Box::new(7_i64), Box::new("x"), Box::new(true)];
        assert_eq!(bind(&boxed).unwrap(), tuple);
        assert_eq!(types(&boxed), [oid::INT8, 0, oid::BOOL]);
        assert_eq!(boxed.len(), 3);
        let homogeneous = bind(&[1_i64, 2]).unwrap();
        assert_eq!(homogeneous, bind(&(1_i64, 2_i64)).unwrap());
        assert_eq!(bind(&vec![1_i64, 2]).unwrap(), homogeneous);
    }

    #[test]
    fn sixteen_params() {
        let p = (
            1_i16,
            2_i32,
            3_i64,
            4_u32,
            5_f32,
            6_f64,
            true,
            "8",
            "9",
            10_i64,
            11_i64,
            12_i64,
            13_i64,
            14_i64,
            15_i64,
            Some(16_i64),
        );
        assert_eq!(Params::len(&p), 16);
        assert_eq!(p.type_oid(15), oid::INT8);
        assert!(p.param(16).is_none());
        assert!(bind(&p).is_ok());
    }

    #[test]
    fn out_of_range_index() {
        let p = (1_i32,);
        assert_eq!(p.type_oid(1), 0);
        assert_eq!(p.format(1), Format::Text);
        let err = p.dump(1, &mut BytesMut::new()).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Misuse);
    }

    /// A dumper that fails after writing, to check that the Bind buffer is restored.
    struct Failing;

    impl Dumper for Failing {
        fn type_oid(&self) -> Oid {
            oid::INT4
        }
        fn dump(&self, buf: &mut BytesMut) -> Result<IsNull, Error> {
            buf.extend_from_slice(b"junk");
            Err(Error::conversion("nope"))
        }
    }

    #[test]
    fn dumper_errors_restore_the_buffer() {
        let mut buf = BytesMut::from(&b"keep"[..]);
        let err = Bind {
            portal: "",
            statement: "",
            param_formats: &[],
            params: &BindAdapter(&(1_i32, Failing)),
            result_formats: &[],
        }
        .encode(&mut buf)
        .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Conversion);
        assert_eq!(&buf[..], b"keep");
    }
}
