//! FunctionCall, the legacy fast-path interface (still part of protocol 3.0 and 3.2).

use bytes::{BufMut, Bytes, BytesMut};

use super::bind::{
    BindParams, Formats, Values, format_of, put_formats, put_raw_formats, put_values, read_formats,
    read_values,
};
use crate::protocol::codec::{Reader, count_u16, write_frame};
use crate::protocol::{DecodeError, EncodeError, Format, Oid};

/// FunctionCall (`'F'`): calls a function by OID through the fast-path interface.
///
/// `arg_formats` is written as given: no codes (all text), one code (applied to all) or one per
/// argument. The arguments are written like [`Bind`](super::Bind)'s parameters.
///
/// <https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-FUNCTIONCALL>
#[derive(Debug)]
pub struct FunctionCall<'a, P: ?Sized> {
    /// The object ID of the function to call.
    pub function: Oid,
    /// The argument format codes.
    pub arg_formats: &'a [Format],
    /// The arguments.
    pub args: &'a P,
    /// The format code for the function result.
    pub result_format: Format,
}

// Not derived: the derive would require `P: Clone`, which an unsized `P` never is.
impl<P: ?Sized> Clone for FunctionCall<'_, P> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<P: ?Sized> Copy for FunctionCall<'_, P> {}

impl<P: BindParams + ?Sized> FunctionCall<'_, P> {
    /// Appends the message to `buf`; on error `buf` is left unchanged.
    ///
    /// Refuses more than 65,535 format codes or arguments and an argument longer than
    /// `i32::MAX` bytes; passes on the arguments' own errors.
    pub fn encode(&self, buf: &mut BytesMut) -> Result<(), P::Error> {
        write_frame(buf, Some(b'F'), |buf| {
            buf.put_u32(self.function);
            put_formats(buf, "argument format codes", self.arg_formats)?;
            put_values(buf, "arguments", "argument value", self.args)?;
            buf.put_i16(self.result_format.code());
            Ok(())
        })
    }
}

/// A decoded FunctionCall, sharing the message body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FunctionCallBody {
    function: Oid,
    arg_formats: Bytes,
    arg_count: usize,
    args: Bytes,
    result_format: Format,
}

impl FunctionCallBody {
    pub(super) fn decode(body: &Bytes) -> Result<Self, DecodeError> {
        const M: &str = "FunctionCall";
        let mut r = Reader::new(body, M);
        let function = r.u32()?;
        let arg_formats = read_formats(&mut r, body, M, "argument format codes")?;
        let (arg_count, args) = read_values(&mut r, body, M, "argument length")?;
        let result_format = Format::from_code(r.i16()?).ok_or(r.invalid("result format code"))?;
        r.finish()?;
        Ok(Self { function, arg_formats, arg_count, args, result_format })
    }

    /// The object ID of the function to call.
    pub fn function(&self) -> Oid {
        self.function
    }

    /// The argument format codes, as sent (zero, one, or one per argument).
    pub fn arg_formats(&self) -> impl ExactSizeIterator<Item = Format> + '_ {
        Formats(Reader::new(&self.arg_formats, "FunctionCall"))
    }

    /// The format of argument `index` under the protocol's 0 / 1 / n rule (see
    /// [`BindBody::param_format`](super::BindBody::param_format)).
    pub fn arg_format(&self, index: usize) -> Option<Format> {
        format_of(&self.arg_formats, self.arg_count, index)
    }

    /// The number of arguments.
    pub fn arg_count(&self) -> usize {
        self.arg_count
    }

    /// The arguments, `None` for NULL.
    pub fn args(&self) -> impl ExactSizeIterator<Item = Option<Bytes>> + '_ {
        Values::new(&self.args, self.arg_count)
    }

    /// The format code for the function result.
    pub fn result_format(&self) -> Format {
        self.result_format
    }

    /// Encodes the message again, byte for byte as it was decoded.
    pub fn encode(&self, buf: &mut BytesMut) -> Result<(), EncodeError> {
        write_frame(buf, Some(b'F'), |buf| {
            buf.put_u32(self.function);
            put_raw_formats(buf, "argument format codes", &self.arg_formats)?;
            buf.put_u16(count_u16("arguments", self.arg_count)?);
            buf.put_slice(&self.args);
            buf.put_i16(self.result_format.code());
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::FrontendMessage;
    use super::super::test_util::*;
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn fixture() {
        let args: &[Option<&[u8]>] = &[Some(b"\0\0\0\x07"), None];
        let wire = encoded(|b| {
            FunctionCall {
                function: 1598,
                arg_formats: &[Format::Binary],
                args,
                result_format: Format::Binary,
            }
            .encode(b)
        });
        assert_eq!(
            &wire[..],
            b"F\0\0\0\x1c\0\0\x06\x3e\0\x01\0\x01\0\x02\0\0\0\x04\0\0\0\x07\xff\xff\xff\xff\0\x01"
        );
        let FrontendMessage::FunctionCall(f) = round_trip(&wire) else { panic!() };
        assert_eq!(f.function(), 1598);
        assert_eq!(f.arg_format(1), Some(Format::Binary));
        assert_eq!(f.args().collect::<Vec<_>>(), [Some(Bytes::from_static(b"\0\0\0\x07")), None]);
        assert_eq!(f.result_format(), Format::Binary);
    }

    #[test]
    fn refusals_leave_the_buffer_unchanged() {
        let many = vec![None::<&[u8]>; 65_536];
        assert_refused(
            |b| {
                FunctionCall {
                    function: 1,
                    arg_formats: &[],
                    args: &many,
                    result_format: Format::Text,
                }
                .encode(b)
            },
            EncodeError::TooManyItems { field: "arguments", count: 65_536 },
        );
    }

    #[test]
    fn bad_result_format_is_refused() {
        assert_eq!(
            FunctionCallBody::decode(&Bytes::from_static(b"\0\0\0\x01\0\0\0\0\0\x02")),
            Err(DecodeError::InvalidField { message: "FunctionCall", field: "result format code" })
        );
    }

    #[test]
    fn truncated_input() {
        let args: &[Option<&[u8]>] = &[Some(b"ab"), None];
        let wire = encoded(|b| {
            FunctionCall {
                function: 7,
                arg_formats: &[Format::Text],
                args,
                result_format: Format::Text,
            }
            .encode(b)
        });
        assert_truncations_fail(&wire);
    }

    proptest! {
        #[test]
        fn round_trips(
            function in any::<u32>(),
            binary in proptest::collection::vec(any::<bool>(), 0..4),
            args in proptest::collection::vec(
                proptest::option::of(proptest::collection::vec(any::<u8>(), 0..16)), 0..6),
            result_binary in any::<bool>(),
            index in any::<usize>(),
            byte in any::<u8>(),
        ) {
            let fmt = |b: bool| if b { Format::Binary } else { Format::Text };
            let arg_formats: Vec<Format> = binary.into_iter().map(fmt).collect();
            let wire = encoded(|b| FunctionCall {
                function,
                arg_formats: &arg_formats,
                args: &args,
                result_format: fmt(result_binary),
            }.encode(b));
            let FrontendMessage::FunctionCall(f) = round_trip(&wire) else { panic!() };
            prop_assert_eq!(f.function(), function);
            prop_assert_eq!(f.arg_formats().collect::<Vec<_>>(), arg_formats);
            let got: Vec<Option<Vec<u8>>> = f.args().map(|a| a.map(|v| v.to_vec())).collect();
            prop_assert_eq!(got, args);
            prop_assert_eq!(f.result_format(), fmt(result_binary));
            mutated_decodes_sanely(&wire, index, byte);
        }
    }
}
