//! SASLprep (RFC 4013) for SCRAM passwords, with PostgreSQL's fallbacks.
//!
//! PostgreSQL runs the same function (`pg_saslprep`, `src/common/saslprep.c`) on both sides:
//! the server when it stores a SCRAM secret, libpq before it hashes the password. A client that
//! prepares a password differently from the server cannot log in, so this module follows the
//! server rather than the letter of the RFC:
//!
//! - a password that is pure ASCII is used as it is (even with control characters, which the
//!   RFC prohibits);
//! - a password that is not valid UTF-8 is used as raw bytes;
//! - a password the profile refuses (a prohibited character, an unassigned code point, a
//!   bidirectional-text violation, or nothing left after mapping) is used unchanged rather than
//!   refused;
//! - the prohibited-output, unassigned and bidirectional checks run on the *mapped* string
//!   before normalisation, as `pg_saslprep` does; the normalised string is then checked again
//!   by the `stringprep` crate, and any refusal there also falls back to the raw password.
//!
//! The mapping tables and NFKC come from the `stringprep` crate (Unicode 3.2 tables of
//! RFC 3454). `pg_saslprep` also rejects passwords over 1024 bytes; the server refuses to store
//! such a password in the first place, so no limit is applied here.

use std::borrow::Cow;

use stringprep::tables;

/// Prepares a SCRAM password with SASLprep, as PostgreSQL does: the prepared string, or the
/// password unchanged when it is ASCII or when SASLprep refuses it.
pub fn saslprep(password: &str) -> Cow<'_, str> {
    // "Quick check if the input is pure ASCII. An ASCII string requires no further
    // processing." (pg_saslprep)
    if password.is_ascii() {
        return Cow::Borrowed(password);
    }
    if !passes_pg_checks(password) {
        return Cow::Borrowed(password);
    }
    stringprep::saslprep(password).unwrap_or(Cow::Borrowed(password))
}

/// [`saslprep`] for a password given as bytes: bytes that are not UTF-8 are returned unchanged,
/// as PostgreSQL uses such a password as it is.
pub fn saslprep_bytes(password: &[u8]) -> Cow<'_, [u8]> {
    match std::str::from_utf8(password) {
        Ok(s) => match saslprep(s) {
            Cow::Borrowed(b) => Cow::Borrowed(b.as_bytes()),
            Cow::Owned(o) => Cow::Owned(o.into_bytes()),
        },
        Err(_) => Cow::Borrowed(password),
    }
}

/// The checks `pg_saslprep` makes on the mapped (not yet normalised) characters: something is
/// left, nothing prohibited or unassigned, and bidirectional text follows RFC 3454 §6.
fn passes_pg_checks(password: &str) -> bool {
    // RFC 4013 §2.1, in pg_saslprep's order: a non-ASCII space becomes SPACE before the
    // mapped-to-nothing table is consulted (U+200B is in both).
    let mapped = || {
        password
            .chars()
            .map(|c| if tables::non_ascii_space_character(c) { ' ' } else { c })
            .filter(|&c| !tables::commonly_mapped_to_nothing(c))
    };
    // "don't allow empty password" (pg_saslprep)
    let Some(first) = mapped().next() else {
        return false;
    };
    if mapped().any(|c| prohibited(c) || tables::unassigned_code_point(c)) {
        return false;
    }
    if mapped().any(tables::bidi_r_or_al) {
        // RFC 3454 §6: no LCat character, and RandALCat characters first and last.
        let last = mapped().next_back().unwrap_or(first);
        if mapped().any(tables::bidi_l)
            || !tables::bidi_r_or_al(first)
            || !tables::bidi_r_or_al(last)
        {
            return false;
        }
    }
    true
}

/// RFC 4013 §2.3: the prohibited output tables C.1.2 to C.9 of RFC 3454.
fn prohibited(c: char) -> bool {
    tables::non_ascii_space_character(c)
        || tables::ascii_control_character(c)
        || tables::non_ascii_control_character(c)
        || tables::private_use(c)
        || tables::non_character_code_point(c)
        || tables::surrogate_code(c)
        || tables::inappropriate_for_plain_text(c)
        || tables::inappropriate_for_canonical_representation(c)
        || tables::change_display_properties_or_deprecated(c)
        || tables::tagging_character(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_is_unchanged() {
        assert!(matches!(saslprep("pencil"), Cow::Borrowed("pencil")));
        assert_eq!(saslprep("p a\ts\u{7f}"), "p a\ts\u{7f}");
        assert_eq!(saslprep(""), "");
    }

    #[test]
    fn non_ascii_space_maps_to_space() {
        assert_eq!(saslprep("a\u{a0}b"), "a b");
        assert_eq!(saslprep("a\u{3000}b"), "a b");
    }

    #[test]
    fn mapped_to_nothing_is_removed() {
        assert_eq!(saslprep("I\u{ad}X"), "IX");
        assert_eq!(saslprep("a\u{200c}b\u{feff}"), "ab");
        // U+200B is both a non-ASCII space and mapped to nothing; the space mapping wins.
        assert_eq!(saslprep("a\u{200b}b"), "a b");
        assert_eq!(saslprep("\u{200b}"), " ");
    }

    #[test]
    fn nfkc() {
        assert_eq!(saslprep("\u{2168}"), "IX");
        assert_eq!(saslprep("\u{aa}"), "a");
        assert_eq!(saslprep("e\u{301}t\u{e9}"), "\u{e9}t\u{e9}");
    }

    #[test]
    fn prohibited_falls_back_to_raw() {
        // U+0007 (C.2.1) next to a non-ASCII character, so the ASCII shortcut does not apply.
        assert_eq!(saslprep("\u{e9}\u{7}"), "\u{e9}\u{7}");
        // Private use (C.3).
        assert_eq!(saslprep("a\u{e000}"), "a\u{e000}");
        // U+0341 is prohibited (C.8) before normalisation, though NFKC would turn it into the
        // allowed U+0301: PostgreSQL checks before normalising, so the raw password is used.
        assert_eq!(saslprep("e\u{341}"), "e\u{341}");
        // Unassigned in Unicode 3.2 (A.1).
        assert_eq!(saslprep("a\u{221e}\u{0221}"), "a\u{221e}\u{0221}");
    }

    #[test]
    fn bidi_violation_falls_back_to_raw() {
        // Hebrew (RandALCat) mixed with Latin (LCat).
        assert_eq!(saslprep("\u{5d0}a\u{5d1}"), "\u{5d0}a\u{5d1}");
        // RandALCat not last.
        assert_eq!(saslprep("\u{5d0}1"), "\u{5d0}1");
        // Well-formed right-to-left text is accepted.
        assert_eq!(saslprep("\u{5d0}1\u{5d1}"), "\u{5d0}1\u{5d1}");
    }

    #[test]
    fn empty_after_mapping_falls_back_to_raw() {
        assert_eq!(saslprep("\u{ad}"), "\u{ad}");
    }

    #[test]
    fn bytes_variant() {
        assert_eq!(saslprep_bytes(b"pencil"), &b"pencil"[..]);
        assert_eq!(saslprep_bytes("a\u{a0}b".as_bytes()), &b"a b"[..]);
        let raw: &[u8] = b"\xff\xfe\xc2\xa0";
        assert!(matches!(saslprep_bytes(raw), Cow::Borrowed(b) if b == raw));
    }
}
