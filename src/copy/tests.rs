//! Tests of the binary COPY codec: byte fixtures (one recorded from PostgreSQL 18), every
//! malformed header and tuple, truncated and chunked input, and proptest round trips.

use bytes::{BufMut, Bytes, BytesMut};
use proptest::prelude::*;

use super::*;
use crate::ErrorKind;
use crate::protocol::backend::DataRow;
use crate::types::{Dumper, oid};

/// `COPY (SELECT 1::int4, 'ab'::text, NULL::int8, true, '\x00ff'::bytea UNION ALL
/// SELECT -2, '', 5, false, NULL) TO STDOUT (FORMAT binary)`, as PostgreSQL 18 sent it.
const RECORDED: &[u8] = b"PGCOPY\n\xff\r\n\x00\x00\x00\x00\x00\x00\x00\x00\x00\
\x00\x05\x00\x00\x00\x04\x00\x00\x00\x01\x00\x00\x00\x02ab\xff\xff\xff\xff\x00\x00\x00\x01\x01\
\x00\x00\x00\x02\x00\xff\
\x00\x05\x00\x00\x00\x04\xff\xff\xff\xfe\x00\x00\x00\x00\x00\x00\x00\x08\x00\x00\x00\x00\x00\x00\
\x00\x05\x00\x00\x00\x01\x00\xff\xff\xff\xff\
\xff\xff";

/// The rows of [`RECORDED`].
fn recorded_rows() -> Vec<Vec<Option<Vec<u8>>>> {
    vec![
        vec![
            Some(1_i32.to_be_bytes().to_vec()),
            Some(b"ab".to_vec()),
            None,
            Some(vec![1]),
            Some(vec![0, 0xff]),
        ],
        vec![
            Some((-2_i32).to_be_bytes().to_vec()),
            Some(vec![]),
            Some(5_i64.to_be_bytes().to_vec()),
            Some(vec![0]),
            None,
        ],
    ]
}

type Rows = Vec<Vec<Option<Vec<u8>>>>;

fn owned(row: &DataRow) -> Vec<Option<Vec<u8>>> {
    row.values().map(|v| v.map(<[u8]>::to_vec)).collect()
}

/// Decodes `input` pushed in pieces of the given sizes (cycled; empty: whole), then
/// finishes: the rows, and the first error.
fn decode_chunked(input: &[u8], sizes: &[usize]) -> (Rows, Option<BinaryError>) {
    let mut dec = BinaryDecoder::new();
    decode_with(&mut dec, input, sizes)
}

fn decode_with(
    dec: &mut BinaryDecoder,
    input: &[u8],
    sizes: &[usize],
) -> (Rows, Option<BinaryError>) {
    let mut rows = Vec::new();
    let mut rest = input;
    let mut sizes = sizes.iter().copied().cycle();
    loop {
        loop {
            match dec.next_row() {
                Ok(Some(row)) => rows.push(owned(&row)),
                Ok(None) => break,
                Err(e) => return (rows, Some(e)),
            }
        }
        if rest.is_empty() {
            return (rows, dec.finish().err());
        }
        let n = sizes.next().unwrap_or(rest.len()).clamp(1, rest.len());
        let (head, tail) = rest.split_at(n);
        dec.push(Bytes::copy_from_slice(head));
        rest = tail;
    }
}

fn encode(rows: &Rows) -> BytesMut {
    let mut enc = BinaryEncoder::new();
    let mut buf = BytesMut::new();
    for row in rows {
        let params: Vec<Option<&[u8]>> = row.iter().map(|v| v.as_deref()).collect();
        enc.encode_row(&params, &mut buf).unwrap();
    }
    enc.encode_trailer(&mut buf);
    buf
}

// ----- fixtures -------------------------------------------------------------------------------

#[test]
fn header_and_trailer_bytes() {
    assert_eq!(&SIGNATURE, b"PGCOPY\n\xff\r\n\0");
    assert_eq!(&HEADER[..11], &SIGNATURE);
    assert_eq!(&HEADER[11..], &[0; 8]);
    assert_eq!(TRAILER, [0xff, 0xff]);
    let mut buf = BytesMut::new();
    BinaryEncoder::new().encode_trailer(&mut buf);
    assert_eq!(&buf[..], [&HEADER[..], &TRAILER[..]].concat());
    let (rows, err) = decode_chunked(&buf, &[]);
    assert!(rows.is_empty());
    assert_eq!(err, None);
}

#[test]
fn decodes_what_postgres_sent() {
    let (rows, err) = decode_chunked(RECORDED, &[]);
    assert_eq!(err, None);
    assert_eq!(rows, recorded_rows());
}

#[test]
fn encodes_what_postgres_sends() {
    let mut enc = BinaryEncoder::new();
    let mut buf = BytesMut::new();
    enc.encode_row(&(1_i32, "ab", None::<i64>, true, &[0_u8, 0xff][..]), &mut buf).unwrap();
    enc.encode_row(&(-2_i32, "", Some(5_i64), false, None::<&[u8]>), &mut buf).unwrap();
    enc.encode_trailer(&mut buf);
    assert_eq!(&buf[..], RECORDED);
    assert_eq!(enc.rows(), 2);
    assert!(enc.header_written());
}

#[test]
fn row_fixture() {
    let mut enc = BinaryEncoder::new();
    let mut buf = BytesMut::new();
    enc.encode_header(&mut buf);
    buf.clear();
    enc.encode_row(&(7_i16, None::<bool>), &mut buf).unwrap();
    #[rustfmt::skip]
    let expected: &[u8] = &[
        0, 2,                   // two fields
        0, 0, 0, 2, 0, 7,       // int2 7
        0xff, 0xff, 0xff, 0xff, // NULL
    ];
    assert_eq!(&buf[..], expected);
}

#[test]
fn zero_field_rows() {
    let rows: Rows = vec![vec![], vec![], vec![None]];
    let buf = encode(&rows);
    assert_eq!(decode_chunked(&buf, &[]), (rows.clone(), None));
    assert_eq!(decode_chunked(&buf, &[1]), (rows, None));
}

#[test]
fn header_extension_and_ignorable_flags_are_skipped() {
    let mut input = BytesMut::new();
    input.put_slice(&SIGNATURE);
    input.put_u32(0x0000_ffff); // bits 0-15: reserved, to be ignored
    input.put_i32(5);
    input.put_slice(b"xxxxx");
    input.put_slice(&RECORDED[HEADER.len()..]);
    for sizes in [&[][..], &[1], &[3, 7], &[20]] {
        assert_eq!(decode_chunked(&input, sizes), (recorded_rows(), None), "{sizes:?}");
    }
}

// ----- malformed input ------------------------------------------------------------------------

fn with_header(flags: u32, ext: i32, rest: &[u8]) -> Vec<u8> {
    let mut v = SIGNATURE.to_vec();
    v.extend_from_slice(&flags.to_be_bytes());
    v.extend_from_slice(&ext.to_be_bytes());
    v.extend_from_slice(rest);
    v
}

#[test]
fn bad_signature_is_refused_at_the_first_wrong_byte() {
    let mut dec = BinaryDecoder::new();
    dec.push(Bytes::from_static(b"PGC"));
    assert_eq!(dec.next_row(), Ok(None));
    dec.push(Bytes::from_static(b"X"));
    assert_eq!(dec.next_row(), Err(BinaryError::Signature));
    // Latched.
    dec.push(Bytes::from_static(&HEADER));
    assert_eq!(dec.next_row(), Err(BinaryError::Signature));
    assert_eq!(dec.finish(), Err(BinaryError::Signature));
    // Text COPY output is not binary.
    assert_eq!(decode_chunked(b"1\tab\n", &[]).1, Some(BinaryError::Signature));
}

#[test]
fn flags() {
    let oids = with_header(1 << 16, 0, &TRAILER);
    assert_eq!(decode_chunked(&oids, &[]).1, Some(BinaryError::OidsIncluded));
    let unknown = with_header(1 << 17, 0, &TRAILER);
    assert_eq!(
        decode_chunked(&unknown, &[]).1,
        Some(BinaryError::UnknownCriticalFlags { flags: 1 << 17 })
    );
    let high = with_header(0x8000_0001, 0, &TRAILER);
    assert!(matches!(
        decode_chunked(&high, &[]).1,
        Some(BinaryError::UnknownCriticalFlags { flags: 0x8000_0001 })
    ));
    let e: crate::Error = BinaryError::OidsIncluded.into();
    assert_eq!(e.kind(), ErrorKind::Unsupported);
    let e: crate::Error = BinaryError::Signature.into();
    assert_eq!(e.kind(), ErrorKind::Decode);
}

#[test]
fn malformed_lengths_and_counts() {
    let neg_ext = with_header(0, -1, &TRAILER);
    assert_eq!(decode_chunked(&neg_ext, &[]).1, Some(BinaryError::ExtensionLength { len: -1 }));
    let count = with_header(0, 0, &(-2_i16).to_be_bytes());
    assert_eq!(decode_chunked(&count, &[]).1, Some(BinaryError::FieldCount { count: -2 }));
    let mut tuple = 1_i16.to_be_bytes().to_vec();
    tuple.extend_from_slice(&(-2_i32).to_be_bytes());
    let field = with_header(0, 0, &tuple);
    assert_eq!(decode_chunked(&field, &[1]).1, Some(BinaryError::FieldLength { len: -2 }));
}

#[test]
fn a_huge_declared_length_allocates_nothing_and_is_refused_over_the_limit() {
    // A field claiming 1 GiB with 10 bytes present: the decoder waits, holding only those.
    let mut tuple = 1_i16.to_be_bytes().to_vec();
    tuple.extend_from_slice(&(1_i32 << 30).to_be_bytes());
    tuple.extend_from_slice(&[0; 10]);
    let input = with_header(0, 0, &tuple);
    let mut dec = BinaryDecoder::new();
    for b in &input {
        dec.push(Bytes::copy_from_slice(&[*b]));
        assert_eq!(dec.next_row(), Ok(None));
    }
    assert!(dec.buffered() <= tuple.len());
    assert_eq!(dec.finish(), Err(BinaryError::Truncated));

    // Over a configured limit: refused as soon as the length word is read.
    let mut dec = BinaryDecoder::with_max_field_len(1024);
    dec.push(Bytes::from(with_header(0, 0, &tuple[..6])));
    assert_eq!(dec.next_row(), Err(BinaryError::FieldTooLong { len: 1 << 30, max: 1024 }));
    // At the limit: fine.
    let rows: Rows = vec![vec![Some(vec![9; 1024])]];
    let mut dec = BinaryDecoder::with_max_field_len(1024);
    assert_eq!(decode_with(&mut dec, &encode(&rows), &[100]), (rows, None));
    // i32::MAX with the default limit.
    let mut tuple = 1_i16.to_be_bytes().to_vec();
    tuple.extend_from_slice(&i32::MAX.to_be_bytes());
    let input = with_header(0, 0, &tuple);
    assert_eq!(
        decode_chunked(&input, &[]).1,
        Some(BinaryError::FieldTooLong { len: i32::MAX as usize, max: DEFAULT_MAX_FIELD_LEN })
    );
}

#[test]
fn anything_after_the_trailer_is_an_error() {
    let mut input = RECORDED.to_vec();
    input.push(0);
    let (rows, err) = decode_chunked(&input, &[]);
    assert_eq!(rows, recorded_rows());
    assert_eq!(err, Some(BinaryError::TrailingData));
    // Also when it arrives after the trailer was read.
    let mut dec = BinaryDecoder::new();
    dec.push(Bytes::from_static(RECORDED));
    while dec.next_row().unwrap().is_some() {}
    assert!(dec.is_done());
    assert_eq!(dec.rows(), 2);
    dec.push(Bytes::from_static(b"\0\0"));
    assert_eq!(dec.next_row(), Err(BinaryError::TrailingData));
    assert_eq!(dec.finish(), Err(BinaryError::TrailingData));
}

#[test]
fn every_truncation_is_reported() {
    let all = recorded_rows();
    // Where each row ends in RECORDED.
    let first_end = HEADER.len() + 2 + (4 + 4) + (4 + 2) + 4 + (4 + 1) + (4 + 2);
    let second_end = RECORDED.len() - 2;
    for cut in 0..RECORDED.len() {
        let (rows, err) = decode_chunked(&RECORDED[..cut], &[]);
        assert_eq!(err, Some(BinaryError::Truncated), "cut at {cut}");
        let complete = usize::from(cut >= first_end) + usize::from(cut >= second_end);
        assert_eq!(rows, all[..complete], "cut at {cut}");
    }
}

#[test]
fn every_split_point_gives_the_same_rows() {
    for cut in 0..=RECORDED.len() {
        let mut dec = BinaryDecoder::new();
        let mut rows = Vec::new();
        for part in [&RECORDED[..cut], &RECORDED[cut..]] {
            dec.push(Bytes::copy_from_slice(part));
            while let Some(row) = dec.next_row().unwrap() {
                rows.push(owned(&row));
            }
        }
        dec.finish().unwrap();
        assert_eq!(rows, recorded_rows(), "split at {cut}");
    }
}

#[test]
fn rows_within_a_chunk_share_its_bytes() {
    let input = Bytes::from_static(RECORDED);
    let range = input.as_ptr_range();
    let mut dec = BinaryDecoder::new();
    dec.push(input.clone());
    let row = dec.next_row().unwrap().unwrap();
    assert!(range.contains(&row.body().as_ptr()), "the row was copied");
}

// ----- encoder checks -------------------------------------------------------------------------

#[test]
fn typed_encoder_refuses_values_of_another_type() {
    let mut enc = BinaryEncoder::with_types(&[oid::INT8, oid::TEXT]);
    let mut buf = BytesMut::from(&b"keep"[..]);
    let err = enc.encode_row(&(1_i32, "x"), &mut buf).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conversion);
    assert!(err.to_string().contains("int8"), "{err}");
    assert_eq!(&buf[..], b"keep", "the buffer (and the header) are rolled back");
    assert!(!enc.header_written());
    let err = enc.encode_row(&(1_i64,), &mut buf).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Misuse);
    // NULLs of any type, and strings into text columns, are fine.
    enc.encode_row(&(None::<i32>, None::<&str>), &mut buf).unwrap();
    enc.encode_row(&(2_i64, String::from("y")), &mut buf).unwrap();
    assert_eq!(enc.rows(), 2);
    assert_eq!(enc.types(), Some(&[oid::INT8, oid::TEXT][..]));
    assert_eq!(&buf[..4], b"keep");
    assert_eq!(&buf[4..4 + HEADER.len()], &HEADER);
}

#[test]
fn text_values_only_where_text_is_the_binary_form() {
    let mut buf = BytesMut::new();
    // A string into an int4 column would be read as a malformed int4.
    let mut enc = BinaryEncoder::with_types(&[oid::INT4]);
    let err = enc.encode_row(&("42",), &mut buf).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conversion);
    assert!(buf.is_empty());
    // varchar, name, json: the same bytes.
    let mut enc = BinaryEncoder::with_types(&[oid::VARCHAR, oid::NAME, oid::JSON]);
    enc.encode_row(&("a", "b", "{}"), &mut buf).unwrap();
    // A type that is not built in (an enum, citext...): the encoder cannot tell; allowed.
    let mut enc = BinaryEncoder::with_types(&[123_456]);
    enc.encode_row(&("happy",), &mut buf).unwrap();

    /// A dumper that declares `numeric` but writes its text form.
    struct TextNumeric;
    impl Dumper for TextNumeric {
        fn type_oid(&self) -> crate::protocol::Oid {
            oid::NUMERIC
        }
        fn format(&self) -> crate::protocol::Format {
            crate::protocol::Format::Text
        }
        fn dump(&self, buf: &mut BytesMut) -> Result<crate::types::IsNull, crate::Error> {
            buf.put_slice(b"1.5");
            Ok(crate::types::IsNull::No)
        }
    }
    let mut enc = BinaryEncoder::new();
    let before = buf.len();
    let err = enc.encode_row(&(TextNumeric,), &mut buf).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conversion);
    assert_eq!(buf.len(), before);
}

/// Tuples, slices and `dyn Dumper` lists take different paths through the encoder (direct
/// calls for the first two); the bytes and the checks must not depend on the path.
#[test]
fn every_kind_of_row_encodes_and_checks_alike() {
    use crate::types::Params;

    let types = [oid::INT8, oid::TEXT, oid::FLOAT8, oid::BOOL];
    let encode = |row: &dyn Params| {
        let mut buf = BytesMut::new();
        BinaryEncoder::with_types(&types).encode_row(row, &mut buf).map(|()| buf)
    };
    let tuple = (7_i64, "seven", None::<f64>, true);
    let dynamic: [&dyn Dumper; 4] = [&7_i64, &"seven", &None::<f64>, &true];
    let expected = encode(&tuple).unwrap();
    assert_eq!(encode(&dynamic).unwrap(), expected);
    assert_eq!(encode(&dynamic.as_slice()).unwrap(), expected);

    // The same mistakes, refused the same way on every path.
    let bad_tuple = (7_i64, "seven", 1.5_f32, true);
    let bad_dynamic: [&dyn Dumper; 4] = [&7_i64, &"seven", &1.5_f32, &true];
    let (a, b) = (encode(&bad_tuple).unwrap_err(), encode(&bad_dynamic).unwrap_err());
    assert_eq!(a.to_string(), b.to_string());
    assert!(a.to_string().contains("value 2"), "{a}");
    let text_for_bool: [&dyn Dumper; 4] = [&7_i64, &"seven", &1.5_f64, &"t"];
    let err = encode(&text_for_bool).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conversion);
    assert_eq!(err.to_string(), encode(&(7_i64, "seven", 1.5_f64, "t")).unwrap_err().to_string());

    // A homogeneous slice and `Vec` of one dumper type.
    let mut buf = BytesMut::new();
    let mut enc = BinaryEncoder::with_types(&[oid::INT4; 3]);
    enc.encode_row(&[1_i32, 2, 3], &mut buf).unwrap();
    enc.encode_row(&vec![Some(1_i32), None, Some(3)], &mut buf).unwrap();
    assert_eq!(enc.encode_row(&[1_i64, 2, 3], &mut buf).unwrap_err().kind(), ErrorKind::Conversion);
    assert_eq!(enc.rows(), 2);

    /// A `Params` whose copy path writes fewer values than it announces.
    struct Liar;
    impl Params for Liar {
        fn len(&self) -> usize {
            2
        }
        fn param(&self, index: usize) -> Option<&dyn Dumper> {
            (index < 2).then_some(&1_i64 as &dyn Dumper)
        }
        fn encode_copy_fields(
            &self,
            fields: &mut super::CopyFields<'_>,
        ) -> Result<(), crate::Error> {
            fields.field(&1_i64)
        }
    }
    let mut buf = BytesMut::from(&b"keep"[..]);
    let err = BinaryEncoder::new().encode_row(&Liar, &mut buf).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Misuse);
    assert_eq!(&buf[..], b"keep");
}

#[test]
fn column_count_is_checked_when_known() {
    let mut enc = BinaryEncoder::new().with_column_count(2);
    let mut buf = BytesMut::new();
    assert_eq!(enc.encode_row(&(1_i64,), &mut buf).unwrap_err().kind(), ErrorKind::Misuse);
    enc.encode_row(&(1_i64, 2_i64), &mut buf).unwrap();
    // Types, when given, set the count.
    let enc = BinaryEncoder::with_types(&[oid::INT8]).with_column_count(5);
    let mut enc2 = enc.clone();
    assert!(enc2.encode_row(&(1_i64,), &mut buf).is_ok());
}

#[test]
fn too_many_fields_is_an_encode_error() {
    let row: Vec<Option<i32>> = vec![None; 40_000];
    let mut buf = BytesMut::new();
    let err = BinaryEncoder::new().encode_row(&row, &mut buf).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Encode);
    assert!(buf.is_empty());
}

// ----- properties -----------------------------------------------------------------------------

fn row_strategy() -> impl Strategy<Value = Vec<Option<Vec<u8>>>> {
    prop::collection::vec(prop::option::of(prop::collection::vec(any::<u8>(), 0..40)), 0..8)
}

proptest! {
    #[test]
    fn round_trip_in_any_chunks(
        rows in prop::collection::vec(row_strategy(), 0..20),
        sizes in prop::collection::vec(1usize..50, 0..6),
    ) {
        let buf = encode(&rows);
        prop_assert_eq!(decode_chunked(&buf, &sizes), (rows, None));
    }

    #[test]
    fn typed_round_trip(values in prop::collection::vec(
        (any::<i64>(), any::<Option<i32>>(), ".{0,20}", any::<bool>(), any::<f64>()), 0..20)
    ) {
        let mut enc = BinaryEncoder::with_types(
            &[oid::INT8, oid::INT4, oid::TEXT, oid::BOOL, oid::FLOAT8],
        );
        let mut buf = BytesMut::new();
        for v in &values {
            enc.encode_row(&(v.0, v.1, v.2.as_str(), v.3, v.4), &mut buf).unwrap();
        }
        enc.encode_trailer(&mut buf);
        let (rows, err) = decode_chunked(&buf, &[7]);
        prop_assert_eq!(err, None);
        prop_assert_eq!(rows.len(), values.len());
        for (row, v) in rows.iter().zip(&values) {
            prop_assert_eq!(row[0].as_deref(), Some(&v.0.to_be_bytes()[..]));
            prop_assert_eq!(row[1].clone(), v.1.map(|x| x.to_be_bytes().to_vec()));
            prop_assert_eq!(row[2].as_deref(), Some(v.2.as_bytes()));
            prop_assert_eq!(row[3].as_deref(), Some(&[u8::from(v.3)][..]));
            prop_assert_eq!(row[4].as_deref(), Some(&v.4.to_bits().to_be_bytes()[..]));
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic_and_chunking_does_not_matter(
        input in prop::collection::vec(any::<u8>(), 0..200),
        sizes in prop::collection::vec(1usize..20, 1..4),
        valid_header in any::<bool>(),
    ) {
        let input = if valid_header { [&HEADER[..], &input].concat() } else { input };
        let whole = decode_chunked(&input, &[]);
        prop_assert_eq!(&decode_chunked(&input, &sizes), &whole);
        prop_assert_eq!(&decode_chunked(&input, &[1]), &whole);
    }
}
