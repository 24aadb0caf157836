//! The PostgreSQL frontend/backend wire protocol, versions 3.0 and 3.2: message encoders and
//! decoders, framing, and the authentication exchanges (SCRAM, MD5) as pure functions and state
//! machines.
//!
//! Invariant: this module does no IO, keeps no clock and allocates nothing per message beyond
//! what a message's own fields need. Decoders are zero-copy over [`bytes::Bytes`]: a decoded
//! message shares the read buffer. Every decoder reads through [`codec::Reader`] and never
//! panics on any input; every encoder leaves its buffer unchanged when it refuses a message.
//!
//! Names follow the protocol chapter of the PostgreSQL documentation
//! (<https://www.postgresql.org/docs/current/protocol-message-formats.html>).

pub mod auth;
pub mod backend;
pub mod codec;
pub mod framing;
pub mod frontend;

pub use codec::{ByteStr, DecodeError, EncodeError};

/// A PostgreSQL type OID.
pub type Oid = u32;

/// The format of a parameter or result value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Format {
    /// The type's text representation (format code 0).
    #[default]
    Text,
    /// The type's binary representation (format code 1).
    Binary,
}

impl Format {
    /// The protocol's format code.
    pub fn code(self) -> i16 {
        match self {
            Self::Text => 0,
            Self::Binary => 1,
        }
    }

    /// The format for a protocol format code, if it is one.
    pub fn from_code(code: i16) -> Option<Self> {
        match code {
            0 => Some(Self::Text),
            1 => Some(Self::Binary),
            _ => None,
        }
    }
}

/// A protocol version: major in the high 16 bits, minor in the low 16 bits of the wire word.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ProtocolVersion {
    /// The major version (3).
    pub major: u16,
    /// The minor version (0 or 2).
    pub minor: u16,
}

impl ProtocolVersion {
    /// Protocol 3.0, spoken by every server since PostgreSQL 7.4.
    pub const V3_0: Self = Self { major: 3, minor: 0 };
    /// Protocol 3.2 (PostgreSQL 18): variable-length cancel keys.
    pub const V3_2: Self = Self { major: 3, minor: 2 };

    /// The 32-bit word sent in the StartupMessage.
    pub fn to_word(self) -> u32 {
        (u32::from(self.major) << 16) | u32::from(self.minor)
    }

    /// The version a 32-bit word names.
    pub fn from_word(word: u32) -> Self {
        Self { major: (word >> 16) as u16, minor: (word & 0xffff) as u16 }
    }
}

impl std::fmt::Display for ProtocolVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

/// The server's transaction status, as reported by ReadyForQuery.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TransactionStatus {
    /// Not in a transaction block (`I`).
    Idle,
    /// In a transaction block (`T`).
    InTransaction,
    /// In a failed transaction block; statements are refused until it ends (`E`).
    Failed,
}

impl TransactionStatus {
    /// The status byte sent in ReadyForQuery.
    pub fn to_byte(self) -> u8 {
        match self {
            Self::Idle => b'I',
            Self::InTransaction => b'T',
            Self::Failed => b'E',
        }
    }

    /// The status for a ReadyForQuery status byte.
    pub fn from_byte(b: u8) -> Option<Self> {
        match b {
            b'I' => Some(Self::Idle),
            b'T' => Some(Self::InTransaction),
            b'E' => Some(Self::Failed),
            _ => None,
        }
    }
}
