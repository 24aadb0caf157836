//! `copy::BinaryDecoder` fed one byte stream whole, in chunks whose sizes come from the input
//! and byte by byte: the rows and the error (if any) must be identical, and equal to a naive
//! reference parser of the binary COPY format. The rows it accepts, encoded again with
//! `BinaryEncoder`, decode to the same rows, and give back the input exactly when its header
//! was the canonical one (flags 0, no extension).
//!
//! Input layout: `[n] [n chunk sizes] [max field length selector] [stream...]`.

#![no_main]

use bytes::{Bytes, BytesMut};
use libfuzzer_sys::fuzz_target;
use pgtusk::copy::{
    BinaryDecoder, BinaryEncoder, BinaryError, DEFAULT_MAX_FIELD_LEN, HEADER, SIGNATURE,
};

type Rows = Vec<Vec<Option<Vec<u8>>>>;

/// Decodes `stream` pushed in pieces of the given sizes (cycled; empty: whole).
fn run(stream: &[u8], sizes: &[usize], max: usize) -> (Rows, Option<BinaryError>) {
    let mut dec = BinaryDecoder::with_max_field_len(max);
    let mut rows = Vec::new();
    let mut rest = stream;
    let mut sizes = sizes.iter().copied().cycle();
    loop {
        loop {
            let buffered = dec.buffered();
            match dec.next_row() {
                Ok(Some(row)) => {
                    rows.push(row.values().map(|v| v.map(<[u8]>::to_vec)).collect());
                }
                Ok(None) => {
                    // Never more than what was pushed is held.
                    assert!(dec.buffered() <= buffered.max(stream.len()));
                    break;
                }
                Err(e) => {
                    // Latched.
                    assert_eq!(dec.next_row(), Err(e));
                    assert_eq!(dec.finish(), Err(e));
                    return (rows, Some(e));
                }
            }
        }
        if rest.is_empty() {
            let end = dec.finish().err();
            assert_eq!(end.is_none(), dec.is_done());
            return (rows, end);
        }
        let n = sizes.next().unwrap_or(rest.len()).clamp(1, rest.len());
        let (head, tail) = rest.split_at(n);
        dec.push(Bytes::copy_from_slice(head));
        rest = tail;
    }
}

fn word16(s: &[u8], at: usize) -> i16 {
    i16::from_be_bytes([s[at], s[at + 1]])
}

fn word32(s: &[u8], at: usize) -> i32 {
    i32::from_be_bytes([s[at], s[at + 1], s[at + 2], s[at + 3]])
}

/// The format as the COPY reference page describes it, parsed over the whole stream.
fn reference(s: &[u8], max: usize) -> (Rows, Option<BinaryError>) {
    let mut rows = Vec::new();
    let sig = s.len().min(SIGNATURE.len());
    if s[..sig] != SIGNATURE[..sig] {
        return (rows, Some(BinaryError::Signature));
    }
    if s.len() < 19 {
        return (rows, Some(BinaryError::Truncated));
    }
    let flags = word32(s, 11) as u32;
    if flags & (1 << 16) != 0 {
        return (rows, Some(BinaryError::OidsIncluded));
    }
    if flags & 0xffff_0000 != 0 {
        return (rows, Some(BinaryError::UnknownCriticalFlags { flags }));
    }
    let ext = word32(s, 15);
    if ext < 0 {
        return (rows, Some(BinaryError::ExtensionLength { len: ext }));
    }
    let mut at = 19 + ext as usize;
    if at > s.len() {
        return (rows, Some(BinaryError::Truncated));
    }
    loop {
        if s.len() - at < 2 {
            return (rows, Some(BinaryError::Truncated));
        }
        let count = word16(s, at);
        at += 2;
        if count == -1 {
            let err = (at != s.len()).then_some(BinaryError::TrailingData);
            return (rows, err);
        }
        if count < -1 {
            return (rows, Some(BinaryError::FieldCount { count }));
        }
        let mut row = Vec::new();
        for _ in 0..count {
            if s.len() - at < 4 {
                return (rows, Some(BinaryError::Truncated));
            }
            let len = word32(s, at);
            at += 4;
            if len == -1 {
                row.push(None);
                continue;
            }
            if len < -1 {
                return (rows, Some(BinaryError::FieldLength { len }));
            }
            let len = len as usize;
            if len > max {
                return (rows, Some(BinaryError::FieldTooLong { len, max }));
            }
            if s.len() - at < len {
                return (rows, Some(BinaryError::Truncated));
            }
            row.push(Some(s[at..at + len].to_vec()));
            at += len;
        }
        rows.push(row);
    }
}

fn encode(rows: &Rows) -> BytesMut {
    let mut enc = BinaryEncoder::new();
    let mut buf = BytesMut::new();
    for row in rows {
        let params: Vec<Option<&[u8]>> = row.iter().map(|v| v.as_deref()).collect();
        enc.encode_row(&params, &mut buf).expect("a decoded row encodes");
    }
    enc.encode_trailer(&mut buf);
    buf
}

fuzz_target!(|data: &[u8]| {
    let Some((&n, data)) = data.split_first() else {
        return;
    };
    let n = usize::from(n % 8).min(data.len());
    let (sizes, data) = data.split_at(n);
    let sizes: Vec<usize> = sizes.iter().map(|&s| usize::from(s % 64) + 1).collect();
    let Some((&max_sel, stream)) = data.split_first() else {
        return;
    };
    let max = match max_sel % 5 {
        0 => 0,
        1 => 1,
        2 => 16,
        3 => 1024,
        _ => DEFAULT_MAX_FIELD_LEN,
    };

    let expected = reference(stream, max);
    assert_eq!(run(stream, &[], max), expected, "whole stream differs from the reference");
    assert_eq!(run(stream, &sizes, max), expected, "chunked stream differs");
    assert_eq!(run(stream, &[1], max), expected, "1-byte chunks differ");

    let (rows, err) = expected;
    let encoded = encode(&rows);
    if max == DEFAULT_MAX_FIELD_LEN {
        assert_eq!(run(&encoded, &sizes, max), (rows, None), "re-encoded rows differ");
    }
    if err.is_none() && stream.get(..HEADER.len()) == Some(&HEADER[..]) {
        assert_eq!(&encoded[..], stream, "a canonical stream re-encodes to itself");
    }
});
