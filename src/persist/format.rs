//! The byte format, with no model in it: magic, header, shape words, CRC-32, the [`Sink`]
//! and [`Source`] traits, the readers and writers of little-endian fields, and
//! [`PersistError`]. Every record (a model, a standardiser, a detector) is written with these
//! pieces; the layouts are in `docs/format.md`. This module imports nothing from the crate.

use core::fmt;

/// The magic number at the start of every record.
pub const MAGIC: [u8; 4] = *b"GLNm";
/// The format's first version: the header's version word of every kind whose layout has not
/// changed since (each kind writes its own current layout version and reads it and the one
/// before; see `docs/format.md`, "Versions").
pub const FORMAT_VERSION: u16 = 1;
/// Bytes before the body: magic, version, kind, length, reserved, shape.
pub const HEADER_BYTES: usize = 64;
/// Bytes of the trailing CRC-32.
pub const CRC_BYTES: usize = 4;
/// Number of `u32` shape words in the header.
pub const SHAPE_WORDS: usize = 12;

/// Kind tags stored in the header.
pub mod kind {
    /// A Bernoulli GLN ([`crate::Gln1`] to [`crate::Gln4`]).
    pub const BERNOULLI_GLN: u16 = 1;
    /// A [`crate::Standardizer`].
    pub const STANDARDIZER: u16 = 2;
    /// Reserved for the Gaussian GLN.
    pub const GAUSSIAN_GLN: u16 = 3;
    /// Reserved for the streaming anomaly detector.
    pub const DETECTOR: u16 = 4;
    /// An integer Bernoulli GLN ([`crate::QGln1`] to [`crate::QGln4`]).
    pub const INTEGER_GLN: u16 = 5;
}

/// Why bytes could not be saved or loaded. Wrapped in `Error::Persist`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum PersistError {
    /// The output buffer is shorter than `Persist::SAVED_BYTES`; nothing was written.
    BufferTooSmall {
        /// Bytes needed.
        needed: usize,
        /// Bytes given.
        found: usize,
    },
    /// The bytes end before the record does.
    Truncated {
        /// Bytes the record needs.
        needed: usize,
        /// Bytes given.
        found: usize,
    },
    /// The bytes do not start with [`MAGIC`]: not a saved model.
    BadMagic,
    /// Saved in a layout version this build does not read for that kind (a newer build's, or
    /// one older than the previous version).
    UnsupportedVersion {
        /// The version in the bytes.
        found: u16,
        /// The oldest version this build reads for the target's kind.
        oldest: u16,
        /// The version this build writes (and reads) for the target's kind.
        newest: u16,
    },
    /// The record length in the header is impossible (shorter than a header and a CRC).
    BadLength {
        /// The length in the header.
        found: u32,
    },
    /// The CRC-32 does not match: the bytes are corrupt.
    Crc {
        /// The CRC stored in the bytes.
        stored: u32,
        /// The CRC of the bytes as read.
        computed: u32,
    },
    /// The bytes hold another kind of model (see [`kind`]).
    WrongKind {
        /// The kind of the target type.
        expected: u16,
        /// The kind in the bytes.
        found: u16,
    },
    /// The bytes hold a model of another shape.
    WrongShape {
        /// Which const parameter differs (`"D"`, `"K"`, `"width 2"`, ...).
        what: &'static str,
        /// Its value in the target type.
        expected: u32,
        /// Its value in the bytes.
        found: u32,
    },
    /// The record length in the header does not match the shape.
    WrongLength {
        /// The length the target type saves.
        expected: u32,
        /// The length in the header.
        found: u32,
    },
    /// A value that passed the CRC is not valid: a non-finite or out-of-box weight, an
    /// unknown tag, a non-zero unused field.
    BadValue {
        /// Byte offset of the value in the record.
        offset: u32,
        /// What is wrong with it.
        what: &'static str,
    },
    /// This build draws different hyperplanes from the saved seed than the build that saved
    /// the model (a change to the generator without a format version bump).
    PlanesMismatch,
    /// The bytes read to apply the record are not the bytes that were checked (their CRC-32
    /// differs, or a value is invalid): the source changed between the two reads (a flash
    /// read disturb). Nothing was applied.
    Changed,
}

impl fmt::Display for PersistError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::BufferTooSmall { needed, found } => {
                write!(
                    f,
                    "buffer too small: saving needs {needed} bytes, got {found}"
                )
            }
            Self::Truncated { needed, found } => {
                write!(f, "truncated: the record needs {needed} bytes, got {found}")
            }
            Self::BadMagic => write!(f, "not a saved gln model (bad magic number)"),
            Self::UnsupportedVersion {
                found,
                oldest,
                newest,
            } => write!(
                f,
                "saved with format version {found}; this build reads versions {oldest} to {newest}"
            ),
            Self::BadLength { found } => write!(f, "corrupt: impossible record length {found}"),
            Self::Crc { stored, computed } => write!(
                f,
                "corrupt: CRC-32 is {computed:#010x}, the bytes say {stored:#010x}"
            ),
            Self::WrongKind { expected, found } => {
                write!(
                    f,
                    "wrong kind of model: expected kind {expected}, found {found}"
                )
            }
            Self::WrongShape {
                what,
                expected,
                found,
            } => write!(
                f,
                "wrong shape: {what} is {expected} in the model's type, {found} in the bytes"
            ),
            Self::WrongLength { expected, found } => write!(
                f,
                "wrong record length: the type saves {expected} bytes, the header says {found}"
            ),
            Self::BadValue { offset, what } => write!(f, "invalid value at byte {offset}: {what}"),
            Self::PlanesMismatch => write!(
                f,
                "this build draws other hyperplanes from the saved seed than the build that saved it"
            ),
            Self::Changed => write!(
                f,
                "the bytes changed between the check and the apply read; nothing was applied"
            ),
        }
    }
}

// `core::error::Error` (Rust 1.81): `std::error::Error` without `std`.
impl core::error::Error for PersistError {}

#[doc(hidden)] // the format's checksum, public for the storage layer and the tests
/// CRC-32 as in IEEE 802.3, zlib and PNG (reflected polynomial `0xEDB88320`, initial value and
/// final XOR `0xFFFFFFFF`), computed a nibble at a time from a 16-entry table (64 bytes of
/// flash).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Crc32(u32);

// Evaluated at compile time: an out-of-range index or an overflow would be a build error.
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
const CRC_TABLE: [u32; 16] = {
    let mut t = [0u32; 16];
    let mut i = 0;
    while i < 16 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 4 {
            c = if c & 1 == 1 {
                (c >> 1) ^ 0xEDB8_8320
            } else {
                c >> 1
            };
            k += 1;
        }
        t[i] = c;
        i += 1;
    }
    t
};

impl Crc32 {
    /// A CRC over no bytes yet.
    pub const fn new() -> Self {
        Self(0xFFFF_FFFF)
    }

    /// Adds `bytes` to the checksum.
    pub fn update(&mut self, bytes: &[u8]) {
        let mut c = self.0;
        for &b in bytes {
            c ^= u32::from(b);
            c = (c >> 4) ^ nibble(c);
            c = (c >> 4) ^ nibble(c);
        }
        self.0 = c;
    }

    /// The CRC of the bytes so far.
    pub const fn finish(&self) -> u32 {
        !self.0
    }
}

impl Default for Crc32 {
    fn default() -> Self {
        Self::new()
    }
}

#[inline(always)]
fn nibble(c: u32) -> u32 {
    // The index is masked to 0..16, so `get` always succeeds.
    CRC_TABLE.get((c & 0xF) as usize).copied().unwrap_or(0)
}

#[doc(hidden)] // the format's checksum, public for the storage layer and the tests
/// The CRC-32 of `bytes` (see [`Crc32`]).
pub fn crc32(bytes: &[u8]) -> u32 {
    let mut c = Crc32::new();
    c.update(bytes);
    c.finish()
}

/// Where saved bytes go, in order: a buffer, a flash region, a serial port.
pub trait Sink {
    /// What can go wrong while writing.
    type Error;
    /// Appends `bytes`.
    ///
    /// # Errors
    /// As the implementation says; saving stops at the first error.
    fn write(&mut self, bytes: &[u8]) -> Result<(), Self::Error>;
}

/// Where saved bytes come from, in order, and can be read again from the start.
pub trait Source {
    /// What can go wrong while reading.
    type Error;
    /// Fills `out` with the next bytes.
    ///
    /// # Errors
    /// As the implementation says (e.g. the end of the data); loading stops at the first
    /// error.
    fn read(&mut self, out: &mut [u8]) -> Result<(), Self::Error>;
    /// Goes back to the first byte (loading reads the bytes twice: to check, then to apply;
    /// the second read must give the same bytes, or the load fails with
    /// [`PersistError::Changed`] and nothing changes).
    ///
    /// # Errors
    /// As the implementation says.
    fn rewind(&mut self) -> Result<(), Self::Error>;
}

pub(crate) struct Header {
    pub(crate) version: u16,
    pub(crate) kind: u16,
    pub(crate) length: u32,
    pub(crate) reserved: u32,
    pub(crate) shape: [u32; SHAPE_WORDS],
}

pub(crate) fn le_u16(b: &[u8], at: usize) -> u16 {
    let mut a = [0u8; 2];
    if let Some(s) = b.get(at..at.saturating_add(2)) {
        a.copy_from_slice(s);
    }
    u16::from_le_bytes(a)
}

pub(crate) fn le_u32(b: &[u8], at: usize) -> u32 {
    let mut a = [0u8; 4];
    if let Some(s) = b.get(at..at.saturating_add(4)) {
        a.copy_from_slice(s);
    }
    u32::from_le_bytes(a)
}

impl Header {
    pub(crate) fn parse(b: &[u8; HEADER_BYTES]) -> Self {
        let mut shape = [0u32; SHAPE_WORDS];
        for (s, word) in shape.iter_mut().zip(b.chunks_exact(4).skip(4)) {
            *s = le_u32(word, 0);
        }
        Self {
            version: le_u16(b, 4),
            kind: le_u16(b, 6),
            length: le_u32(b, 8),
            reserved: le_u32(b, 12),
            shape,
        }
    }
}

/// The header as 16 four-byte fields: magic, version and kind, length, reserved, shape.
pub(crate) fn header_fields(
    version: u16,
    kind: u16,
    length: u32,
    shape: &[u32; SHAPE_WORDS],
) -> [[u8; 4]; 16] {
    let mut f = [[0u8; 4]; 16];
    let v = version.to_le_bytes();
    let k = kind.to_le_bytes();
    let fixed = [
        MAGIC,
        [v[0], v[1], k[0], k[1]],
        length.to_le_bytes(),
        [0; 4],
    ];
    for (dst, src) in f.iter_mut().zip(&fixed) {
        *dst = *src;
    }
    for (dst, s) in f.iter_mut().skip(4).zip(shape) {
        *dst = s.to_le_bytes();
    }
    f
}
/// A [`Sink`] wrapper that checksums what passes through.
pub(crate) struct CrcSink<'a, S> {
    pub(crate) inner: &'a mut S,
    pub(crate) crc: Crc32,
}

impl<S: Sink> Sink for CrcSink<'_, S> {
    type Error = S::Error;
    fn write(&mut self, bytes: &[u8]) -> Result<(), S::Error> {
        self.crc.update(bytes);
        self.inner.write(bytes)
    }
}

/// The body of a record being read: checksums what it reads and knows its byte offset (for
/// [`PersistError::BadValue`]).
#[doc(hidden)]
pub struct Body<'a, S> {
    pub(crate) inner: &'a mut S,
    pub(crate) crc: Crc32,
    pub(crate) pos: u32,
}

impl<S: Source> Body<'_, S> {
    pub(crate) fn read(&mut self, out: &mut [u8]) -> Result<(), S::Error> {
        self.inner.read(out)?;
        self.crc.update(out);
        self.pos = self.pos.wrapping_add(out.len() as u32);
        Ok(())
    }

    /// Byte offset in the record of the next byte.
    pub(crate) fn offset(&self) -> u32 {
        self.pos
    }

    pub(crate) fn u32(&mut self) -> Result<u32, S::Error> {
        let mut b = [0u8; 4];
        self.read(&mut b)?;
        Ok(u32::from_le_bytes(b))
    }

    pub(crate) fn u64(&mut self) -> Result<u64, S::Error> {
        let mut b = [0u8; 8];
        self.read(&mut b)?;
        Ok(u64::from_le_bytes(b))
    }

    pub(crate) fn f32(&mut self) -> Result<f32, S::Error> {
        Ok(f32::from_bits(self.u32()?))
    }
}

pub(crate) fn put_u32<S: Sink>(out: &mut S, v: u32) -> Result<(), S::Error> {
    out.write(&v.to_le_bytes())
}

pub(crate) fn put_u64<S: Sink>(out: &mut S, v: u64) -> Result<(), S::Error> {
    out.write(&v.to_le_bytes())
}

pub(crate) fn put_f32<S: Sink>(out: &mut S, v: f32) -> Result<(), S::Error> {
    put_u32(out, v.to_bits())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32_matches_the_published_check_values() {
        // The catalogue's check value for CRC-32/ISO-HDLC (zlib, PNG, Ethernet).
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32(b""), 0);
        assert_eq!(
            crc32(b"The quick brown fox jumps over the lazy dog"),
            0x414F_A339
        );
        // Incremental equals one shot, whatever the split.
        let data: std::vec::Vec<u8> = (0..=255u8).cycle().take(1000).collect();
        for split in [0, 1, 7, 500, 999, 1000] {
            let mut c = Crc32::new();
            c.update(&data[..split]);
            c.update(&data[split..]);
            assert_eq!(c.finish(), crc32(&data));
        }
        // Against a bit-at-a-time reference.
        let reference = |bytes: &[u8]| {
            let mut c = 0xFFFF_FFFFu32;
            for &b in bytes {
                c ^= u32::from(b);
                for _ in 0..8 {
                    c = if c & 1 == 1 {
                        (c >> 1) ^ 0xEDB8_8320
                    } else {
                        c >> 1
                    };
                }
            }
            !c
        };
        assert_eq!(crc32(&data), reference(&data));
    }
}
