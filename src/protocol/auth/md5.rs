//! MD5 password hashing, for the server's `AuthenticationMD5Password` request.
//!
//! The server stores `"md5" ‖ hex(md5(password ‖ user))` and sends a random 4-byte salt; the
//! client answers with `"md5" ‖ hex(md5(hex(md5(password ‖ user)) ‖ salt))` in a
//! PasswordMessage (<https://www.postgresql.org/docs/current/auth-password.html>).
//!
//! MD5 authentication is deprecated by PostgreSQL (since 18) in favour of SCRAM-SHA-256; it is
//! kept because older servers and poolers still ask for it.

use md5::{Digest, Md5};

/// The response to `AuthenticationMD5Password`: `"md5"` followed by the lowercase hex of
/// `md5(hex(md5(password ‖ user)) ‖ salt)`, 35 ASCII characters in all.
///
/// `user` is the role name sent in the StartupMessage, as bytes; no normalisation is applied to
/// either input, as the server applies none.
pub fn md5_password(user: &[u8], password: &[u8], salt: [u8; 4]) -> String {
    let inner = Md5::new().chain_update(password).chain_update(user).finalize();
    let inner_hex = hex_lower(&inner);
    let outer = Md5::new().chain_update(inner_hex.as_bytes()).chain_update(salt).finalize();
    let mut out = String::with_capacity(35);
    out.push_str("md5");
    out.push_str(&hex_lower(&outer));
    out
}

/// Lowercase hexadecimal, as PostgreSQL's `bytesToHex` writes it.
fn hex_lower(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        // Writing to a `String` cannot fail.
        let _ = write!(out, "{b:02x}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    // Expected values computed with Python's hashlib:
    // "md5" + md5(md5(password + user).hexdigest().encode() + salt).hexdigest()
    #[test]
    fn known_values() {
        assert_eq!(
            md5_password(b"postgres", b"secret", [1, 2, 3, 4]),
            "md5bb41a296aab6baccb36ff243a562abff"
        );
        assert_eq!(
            md5_password(b"user", b"pencil", [0xde, 0xad, 0xbe, 0xef]),
            "md50f5b636d891e9860623ac8ca91fc9dfc"
        );
    }

    #[test]
    fn shape() {
        let s = md5_password(b"", b"", [0; 4]);
        assert_eq!(s.len(), 35);
        assert!(s.starts_with("md5"));
        assert!(s.bytes().skip(3).all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
    }
}
