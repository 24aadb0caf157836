//! `framing::split_frame` (and `frontend::split_startup`, the untagged variant) fed one byte
//! stream whole and again in chunks whose sizes come from the input: the sequence of frames,
//! the error (if any) and what is still needed at the end must be identical, and both must
//! agree with a naive reference parser.
//!
//! Input layout: `[max_len selector] [n] [n chunk sizes] [stream...]`.

#![no_main]

use bytes::{Bytes, BytesMut};
use libfuzzer_sys::fuzz_target;
use pgtusk::protocol::DecodeError;
use pgtusk::protocol::framing::{DEFAULT_MAX_MESSAGE_LEN, Need, split_frame};
use pgtusk::protocol::frontend::split_startup;

/// What one call returned, for comparison.
#[derive(Debug, PartialEq, Eq)]
enum Out {
    Frame(u8, Bytes),
    Error(DecodeError),
    /// The stream ended here, waiting for this many more bytes.
    Need(usize),
}

/// Which splitter runs: tagged frames or untagged startup packets.
#[derive(Clone, Copy)]
enum Kind {
    Tagged,
    Untagged,
}

/// One split: `Ok(Some(out))` for a frame or an error (the last output), `Ok(None)` plus the
/// need otherwise.
fn split(kind: Kind, buf: &mut BytesMut, max: u32) -> Result<Out, Need> {
    match kind {
        Kind::Tagged => match split_frame(buf, max) {
            Ok(Ok(f)) => Ok(Out::Frame(f.tag, f.body)),
            Ok(Err(need)) => Err(need),
            Err(e) => Ok(Out::Error(e)),
        },
        Kind::Untagged => match split_startup(buf, max) {
            Ok(Ok(body)) => Ok(Out::Frame(0, body)),
            Ok(Err(need)) => Err(need),
            Err(e) => Ok(Out::Error(e)),
        },
    }
}

fn run(kind: Kind, stream: &[u8], chunks: &[usize], max: u32) -> Vec<Out> {
    let mut out = Vec::new();
    let mut buf = BytesMut::new();
    let mut rest = stream;
    let mut sizes = chunks.iter().copied().cycle();
    // `buf.len()` must reach this before a frame or an error may come out.
    let mut needed_len = 0usize;
    loop {
        // Drain what is complete.
        loop {
            let before = buf.len();
            match split(kind, &mut buf, max) {
                Ok(Out::Error(e)) => {
                    assert_eq!(buf.len(), before, "an error consumed bytes");
                    assert!(before >= needed_len, "error before the announced need");
                    out.push(Out::Error(e));
                    return out;
                }
                Ok(frame) => {
                    assert!(before >= needed_len, "frame before the announced need");
                    needed_len = 0;
                    out.push(frame);
                }
                Err(Need::More(n)) => {
                    assert_eq!(buf.len(), before, "a Need consumed bytes");
                    assert!(n > 0, "Need::More(0)");
                    needed_len = before + n;
                    break;
                }
            }
        }
        if rest.is_empty() {
            let Err(Need::More(n)) = split(kind, &mut buf, max) else {
                unreachable!("the buffer was drained just above");
            };
            out.push(Out::Need(n));
            return out;
        }
        let size = if chunks.is_empty() { rest.len() } else { sizes.next().unwrap_or(1) };
        let (head, tail) = rest.split_at(size.clamp(1, rest.len()));
        buf.extend_from_slice(head);
        rest = tail;
    }
}

/// A naive parser over the whole stream, as the protocol chapter describes the framing.
fn reference(kind: Kind, stream: &[u8], max: u32) -> Vec<Out> {
    let header = match kind {
        Kind::Tagged => 5,
        Kind::Untagged => 4,
    };
    let mut out = Vec::new();
    let mut at = 0;
    loop {
        let rest = &stream[at..];
        if rest.len() < header {
            out.push(Out::Need(header - rest.len()));
            return out;
        }
        let (tag, len_at) = match kind {
            Kind::Tagged => (rest[0], 1),
            Kind::Untagged => (0, 0),
        };
        let len = u32::from_be_bytes(rest[len_at..len_at + 4].try_into().unwrap());
        if len < 4 || len > max {
            out.push(Out::Error(DecodeError::FrameLength { tag, len, max }));
            return out;
        }
        let total = len_at + len as usize;
        if rest.len() < total {
            out.push(Out::Need(total - rest.len()));
            return out;
        }
        out.push(Out::Frame(tag, Bytes::copy_from_slice(&rest[len_at + 4..total])));
        at += total;
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&max_sel, data)) = data.split_first() else {
        return;
    };
    let Some((&n, data)) = data.split_first() else {
        return;
    };
    let n = usize::from(n % 16).min(data.len());
    let (sizes, stream) = data.split_at(n);
    let chunks: Vec<usize> = sizes.iter().map(|&s| usize::from(s % 64) + 1).collect();
    let max = match max_sel % 6 {
        0 => 4,
        1 => 5,
        2 => 64,
        3 => 1 << 16,
        4 => u32::MAX,
        _ => DEFAULT_MAX_MESSAGE_LEN,
    };
    for kind in [Kind::Tagged, Kind::Untagged] {
        let expected = reference(kind, stream, max);
        let whole = run(kind, stream, &[], max);
        assert_eq!(whole, expected, "whole stream differs from the reference");
        let chunked = run(kind, stream, &chunks, max);
        assert_eq!(chunked, expected, "chunked stream differs from the reference");
        let bytewise = run(kind, stream, &[1], max);
        assert_eq!(bytewise, expected, "1-byte chunks differ from the reference");
    }
});
