//! Saving and restoring models: a versioned, checksummed, little-endian byte format, with no
//! heap.
//!
//! Every [`Persist`] type (each of [`Gln1`] to [`Gln4`], [`Standardizer`], the Gaussian GLNs
//! [`GaussianGln1`](crate::gaussian::GaussianGln1) to
//! [`GaussianGln4`](crate::gaussian::GaussianGln4), the anomaly
//! [`Detector`](crate::detector::Detector), and pairs of them) writes its whole state into a caller-provided buffer of exactly
//! [`Persist::SAVED_BYTES`] bytes, a `const`, so the buffer can be sized statically:
//!
//! ```
//! use gln::{Config, Gln2, Input, Persist, Standardizer};
//!
//! type Model = Gln2<3, 3, 8, 2, 4>;
//! let mut model = Model::new(42, Config::DEFAULT);
//! let mut scale = Standardizer::<3>::new(1e-3);
//! let z = scale.update_transform(&[20.5, 0.31, 1013.0])?;
//! model.learn(&Input::from_side(&z)?, true);
//!
//! // The model and its statistics together, in one buffer sized at compile time.
//! let mut buf = [0u8; <(Model, Standardizer<3>)>::SAVED_BYTES];
//! (model.clone(), scale).save(&mut buf)?;
//!
//! // After a reset: restore into models built the usual way (any seed).
//! let mut restored = (Model::new(0, Config::DEFAULT), Standardizer::<3>::new(1.0));
//! restored.load(&buf)?;
//! assert_eq!(restored.0.fingerprint(), model.fingerprint());
//! # Ok::<(), gln::Error>(())
//! ```
//!
//! # What is checked on load
//! Loading checks everything before it changes anything, and a failed load leaves the target
//! bit-for-bit as it was: the magic number, the format version, the record length (truncated
//! bytes), the CRC-32 (corrupt bytes), the kind of model, its shape (every const parameter of
//! the type), the configuration ([`Config::check`]), every value (weights finite and within
//! `[-beta, beta]`, statistics finite, unused fields zero), and that this build draws the
//! same hyperplanes from the saved seed as the build that saved it. The errors are
//! [`Error::Persist`] with a [`PersistError`] naming the problem, or
//! [`Error::InvalidConfig`].
//!
//! # Byte layout (format version 1)
//! A *record* is one model or one [`Standardizer`]; a pair saves two records back to back.
//! All integers and floats are little-endian; floats are stored as their IEEE-754 bits, so
//! the same state gives the same bytes on every target (host and board alike).
//!
//! | offset | size | field |
//! |---:|---:|---|
//! | 0 | 4 | magic `GLNm` (`47 4C 4E 6D`) |
//! | 4 | 2 | format version (`u16`, 1) |
//! | 6 | 2 | kind (`u16`): 1 Bernoulli GLN, 2 standardiser, 3 Gaussian GLN, 4 detector |
//! | 8 | 4 | record length in bytes, header and CRC included (`u32`) |
//! | 12 | 4 | reserved, 0 |
//! | 16 | 48 | shape: 12 × `u32`, by kind (below); unused words 0 |
//! | 64 | L − 68 | body, by kind (below) |
//! | L − 4 | 4 | CRC-32 (IEEE 802.3, reflected, as zlib's `crc32`) of bytes `0 .. L − 4` |
//!
//! Shape of a Bernoulli GLN (kind 1): `depth, D, B, K, C, N, width_1, ..., width_depth`
//! (the last width is 1). Its body:
//!
//! | offset | size | field |
//! |---:|---:|---|
//! | 64 | 8 | seed (`u64`) |
//! | 72 | 8 | step count (`u64`) |
//! | 80 | 40 | config: `eps`, `beta` (`f32`); schedule tag (`u32`: 0 constant, 1 inverse-time, 2 hyperbolic) and its three parameters (`f32`: `eta, 0, 0` / `c, max, 0` / `a, b, max`); `floor`, step scale (`f32`: `+inf` for `StepScale::None`, else the `HiddenFanIn` reference); init tag (`u32`: 0 zero, 1 average); `offset_std` (`f32`) |
//! | 120 | 8 | FNV-1a hash of the hyperplanes, in drawing order (`u64`) |
//! | 128 | 4 × `WEIGHTS` | the weights (`f32`), in [`Gln3::for_each_weight`] order |
//!
//! So `SAVED_BYTES = 132 + 4 · WEIGHTS`. The hyperplanes are not stored: they are redrawn
//! from the seed on load (and checked against the hash). The per-row clipping bounds are
//! derived state, recomputed on load.
//!
//! Shape of a standardiser (kind 2): `D`. Its body: count (`u64`), `offset` (`f32`), the `D`
//! means then the `D` `M2` sums (`f32`): `SAVED_BYTES = 80 + 8 · D`.
//!
//! A Gaussian GLN (kind 3) has the shape words of a Bernoulli GLN and the same body but for
//! its configuration, a [`GaussianConfig`](crate::gaussian::GaussianConfig) of 48 bytes at
//! offset 80: `sigma2_min`, `sigma2_max`, `beta`, `mean_bound` (`f32`), the learning rate (24
//! bytes, as above: schedule tag, three parameters, floor, step scale), `normalized` (`u32`, 0
//! or 1), `offset_std` (`f32`). The hyperplane hash is at 128 and the weights (in
//! [`GaussianGln3::for_each_weight`](crate::gaussian::GaussianGln3::for_each_weight) order)
//! at 136: `SAVED_BYTES = 140 + 4 · WEIGHTS`.
//!
//! A detector (kind 4) is one record holding its whole state, its models' bodies included:
//! see [`Detector`](crate::detector::Detector)'s persistence section for the layout. Loading
//! one also refuses states the detector cannot reach (counters that disagree, a window not
//! cleared after a long gap, a negative variance, ...), so that a restored detector continues
//! exactly as the saved one would have.
//!
//! Any change to this layout, to the meaning of a field, or to how hyperplanes are drawn from
//! a seed must bump [`FORMAT_VERSION`]; `tests/persist_golden.rs` holds saved bytes that
//! fail loudly if it is forgotten.
//!
//! # Streams
//! [`Persist::save_to`] and [`Persist::load_from`] work through a [`Sink`] or [`Source`]
//! (e.g. a flash region, see the `storage` feature) so a large model needs no RAM buffer of
//! its size: loading reads the bytes twice, once to check them and once to apply them.

use crate::config::{Config, LearningRate, Schedule, StepScale, WeightInit};
use crate::error::Error;
use crate::gate::for_each_drawn_value;
use crate::hash::Fnv1a;
use crate::network::{Gln1, Gln2, Gln3, Gln4};
use crate::rng::SplitMix64;
use crate::standardize::Standardizer;
use core::fmt;

/// The magic number at the start of every record.
pub const MAGIC: [u8; 4] = *b"GLNm";
/// The format version this build writes and reads.
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
}

/// Why bytes could not be saved or loaded. Wrapped in [`Error::Persist`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum PersistError {
    /// The output buffer is shorter than [`Persist::SAVED_BYTES`]; nothing was written.
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
    /// Saved by a format version this build does not read.
    UnsupportedVersion {
        /// The version in the bytes.
        found: u16,
        /// The version this build reads.
        supported: u16,
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
            Self::UnsupportedVersion { found, supported } => write!(
                f,
                "saved with format version {found}; this build reads version {supported}"
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
        }
    }
}

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
    /// Goes back to the first byte (loading reads the bytes twice: to check, then to apply).
    ///
    /// # Errors
    /// As the implementation says.
    fn rewind(&mut self) -> Result<(), Self::Error>;
}

/// Why loading from a [`Source`] failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum LoadError<E> {
    /// Reading failed.
    Read(E),
    /// The bytes are not a valid record for the target.
    Invalid(Error),
}

impl<E> From<Error> for LoadError<E> {
    fn from(e: Error) -> Self {
        LoadError::Invalid(e)
    }
}

pub(crate) mod sealed {
    pub trait Sealed {}
}

/// A type whose whole state saves to bytes and loads back: [`Gln1`] to [`Gln4`],
/// [`Standardizer`], the Gaussian GLNs, the [`Detector`](crate::detector::Detector), and
/// pairs of `Persist` types (saved back to back, loaded all or nothing).
///
/// Sealed: only this crate's types implement it.
pub trait Persist: sealed::Sealed + Sized {
    /// Exact number of bytes [`save`](Self::save) writes; a `const`, so a buffer can be sized
    /// at compile time (`[0u8; Model::SAVED_BYTES]` with the trait in scope).
    const SAVED_BYTES: usize;

    /// Writes the state into `sink`.
    ///
    /// # Errors
    /// The sink's first error; the sink may then hold part of the bytes.
    fn save_to<S: Sink>(&self, sink: &mut S) -> Result<(), S::Error>;

    /// Reads one saved state from `source` and checks all of it (see the [module
    /// docs](crate::persist)) without a target.
    ///
    /// # Errors
    /// [`LoadError::Read`] for a read error, [`LoadError::Invalid`] for invalid bytes.
    fn check_from<S: Source>(source: &mut S) -> Result<(), LoadError<S::Error>>;

    /// Applies bytes that [`check_from`](Self::check_from) accepted. Not for direct use.
    #[doc(hidden)]
    fn apply_from<S: Source>(&mut self, source: &mut S) -> Result<(), S::Error>;

    /// A value to load into (any seed, default configuration). Not for direct use.
    #[doc(hidden)]
    fn blank() -> Self;

    /// Saves the state into the start of `out`; returns the number of bytes written,
    /// [`SAVED_BYTES`](Self::SAVED_BYTES).
    ///
    /// # Errors
    /// [`PersistError::BufferTooSmall`] if `out` is shorter than `SAVED_BYTES`; nothing is
    /// written then.
    fn save(&self, out: &mut [u8]) -> Result<usize, Error> {
        if out.len() < Self::SAVED_BYTES {
            return Err(PersistError::BufferTooSmall {
                needed: Self::SAVED_BYTES,
                found: out.len(),
            }
            .into());
        }
        let mut sink = SliceSink { buf: out, pos: 0 };
        self.save_to(&mut sink)?;
        Ok(sink.pos)
    }

    /// Checks that `bytes` start with a valid saved state for this type, without a target.
    /// Bytes after the saved state are ignored.
    ///
    /// # Errors
    /// See the [module docs](crate::persist): [`Error::Persist`] or [`Error::InvalidConfig`].
    fn check(bytes: &[u8]) -> Result<(), Error> {
        Self::check_from(&mut SliceSource::new(bytes)).map_err(LoadError::into_inner)
    }

    /// Replaces the whole state with the one saved at the start of `bytes` (bytes after it are
    /// ignored). Everything is checked first: on error, nothing changes.
    ///
    /// The hyperplanes are redrawn from the saved seed, so the target may have been built
    /// with any seed and configuration. After a successful load the target has the same
    /// [`fingerprint`](crate::Gln3::fingerprint), configuration and seed as the saved model,
    /// and computes the same bits from then on.
    ///
    /// # Errors
    /// See the [module docs](crate::persist): [`Error::Persist`] or [`Error::InvalidConfig`].
    fn load(&mut self, bytes: &[u8]) -> Result<(), Error> {
        self.load_from(&mut SliceSource::new(bytes))
            .map_err(LoadError::into_inner)
    }

    /// [`load`](Self::load) from a [`Source`]: reads the bytes once to check all of them,
    /// rewinds, and reads them again to apply them, so no RAM buffer is needed.
    ///
    /// # Errors
    /// [`LoadError::Invalid`] for invalid bytes: nothing changes then. [`LoadError::Read`]
    /// for a read error: nothing changes if it happens while checking; if the source fails
    /// while applying bytes it has just delivered once, the target is left consistent (every
    /// weight finite and in its box, the saved configuration) but holds zeros in place of
    /// the values it could not read again, and should be reset or reloaded.
    fn load_from<S: Source>(&mut self, source: &mut S) -> Result<(), LoadError<S::Error>> {
        Self::check_from(source)?;
        source.rewind().map_err(LoadError::Read)?;
        self.apply_from(source).map_err(LoadError::Read)
    }

    /// A new value holding the state saved at the start of `bytes`.
    ///
    /// The value is built on the stack: for a model too large for it, [`load`](Self::load)
    /// into a `static` instead.
    ///
    /// # Errors
    /// As [`load`](Self::load).
    fn from_bytes(bytes: &[u8]) -> Result<Self, Error> {
        let mut v = Self::blank();
        v.load(bytes)?;
        Ok(v)
    }
}

impl LoadError<Error> {
    fn into_inner(self) -> Error {
        match self {
            LoadError::Read(e) | LoadError::Invalid(e) => e,
        }
    }
}

/// One record: a model or a standardiser. Implemented by each persistent type; the header,
/// CRC and the checks common to all records are in this module. A new kind (the Gaussian GLN,
/// the detector) implements this trait and `sealed::Sealed`, and gets [`Persist`] from the
/// blanket impl.
#[doc(hidden)]
pub trait Record: sealed::Sealed + Sized {
    /// Its [`kind`] tag.
    const KIND: u16;
    /// Its shape words (the type's const parameters).
    const SHAPE: [u32; SHAPE_WORDS];
    /// The name of each shape word, for [`PersistError::WrongShape`].
    const SHAPE_NAMES: [&'static str; SHAPE_WORDS];
    /// Bytes of its body.
    const BODY_BYTES: usize;
    /// Writes exactly `BODY_BYTES`.
    fn write_body<S: Sink>(&self, out: &mut S) -> Result<(), S::Error>;
    /// Reads exactly `BODY_BYTES` and checks every value; `Ok(Err(..))` names the first
    /// invalid one (the CRC is checked after, and wins).
    fn check_body<S: Source>(input: &mut Body<'_, S>) -> Result<Result<(), Error>, S::Error>;
    /// Reads exactly `BODY_BYTES` that `check_body` accepted into `self`.
    fn apply_body<S: Source>(&mut self, input: &mut Body<'_, S>) -> Result<(), S::Error>;
    /// A value to load into.
    fn blank() -> Self;
}

impl<T: Record> Persist for T {
    const SAVED_BYTES: usize = {
        let n = HEADER_BYTES + T::BODY_BYTES + CRC_BYTES;
        assert!(n <= u32::MAX as usize, "a saved model must be under 4 GiB");
        n
    };

    fn save_to<S: Sink>(&self, sink: &mut S) -> Result<(), S::Error> {
        let mut out = CrcSink {
            inner: sink,
            crc: Crc32::new(),
        };
        let mut header = [0u8; HEADER_BYTES];
        let fields = header_fields(T::KIND, Self::SAVED_BYTES as u32, &T::SHAPE);
        for (dst, src) in header.iter_mut().zip(fields.iter().flatten()) {
            *dst = *src;
        }
        out.write(&header)?;
        self.write_body(&mut out)?;
        let crc = out.crc.finish();
        sink.write(&crc.to_le_bytes())
    }

    fn check_from<S: Source>(source: &mut S) -> Result<(), LoadError<S::Error>> {
        let mut header = [0u8; HEADER_BYTES];
        let (magic, rest) = header.split_at_mut(MAGIC.len());
        source.read(magic).map_err(LoadError::Read)?;
        if *magic != MAGIC {
            return Err(PersistError::BadMagic.into_load());
        }
        source.read(rest).map_err(LoadError::Read)?;
        let h = Header::parse(&header);
        if h.version != FORMAT_VERSION {
            return Err(PersistError::UnsupportedVersion {
                found: h.version,
                supported: FORMAT_VERSION,
            }
            .into_load());
        }
        let min = (HEADER_BYTES + CRC_BYTES) as u32;
        if h.length < min {
            return Err(PersistError::BadLength { found: h.length }.into_load());
        }
        // The kind, shape and length decide whether the body can be parsed; the CRC is
        // checked first either way, so corrupt bytes are reported as corrupt.
        let layout_error = if h.kind != T::KIND {
            Some(PersistError::WrongKind {
                expected: T::KIND,
                found: h.kind,
            })
        } else if let Some(e) = shape_error::<T>(&h.shape) {
            Some(e)
        } else if h.length != Self::SAVED_BYTES as u32 {
            Some(PersistError::WrongLength {
                expected: Self::SAVED_BYTES as u32,
                found: h.length,
            })
        } else if h.reserved != 0 {
            Some(PersistError::BadValue {
                offset: 12,
                what: "reserved header field is not zero",
            })
        } else {
            None
        };
        let mut crc = Crc32::new();
        crc.update(&header);
        let mut body = Body {
            inner: source,
            crc,
            pos: HEADER_BYTES as u32,
        };
        let value_error = if layout_error.is_some() {
            // Read the rest only for the CRC.
            let mut left = (h.length as usize).saturating_sub(HEADER_BYTES + CRC_BYTES);
            let mut chunk = [0u8; 64];
            while left > 0 {
                let n = left.min(chunk.len());
                let part = chunk.get_mut(..n).unwrap_or(&mut []);
                body.read(part).map_err(LoadError::Read)?;
                left = left.saturating_sub(n);
            }
            None
        } else {
            T::check_body(&mut body).map_err(LoadError::Read)?.err()
        };
        let computed = body.crc.finish();
        let mut stored = [0u8; 4];
        body.inner.read(&mut stored).map_err(LoadError::Read)?;
        let stored = u32::from_le_bytes(stored);
        if stored != computed {
            return Err(PersistError::Crc { stored, computed }.into_load());
        }
        if let Some(e) = layout_error {
            return Err(e.into_load());
        }
        match value_error {
            Some(e) => Err(LoadError::Invalid(e)),
            None => Ok(()),
        }
    }

    fn apply_from<S: Source>(&mut self, source: &mut S) -> Result<(), S::Error> {
        let mut header = [0u8; HEADER_BYTES];
        source.read(&mut header)?;
        let mut body = Body {
            inner: source,
            crc: Crc32::new(),
            pos: HEADER_BYTES as u32,
        };
        self.apply_body(&mut body)?;
        let mut crc = [0u8; 4];
        source.read(&mut crc)
    }

    fn blank() -> Self {
        T::blank()
    }
}

impl<A: Persist, B: Persist> sealed::Sealed for (A, B) {}

/// Two states saved back to back (e.g. a model and its [`Standardizer`]), loaded all or
/// nothing: both are checked before either changes.
impl<A: Persist, B: Persist> Persist for (A, B) {
    const SAVED_BYTES: usize = A::SAVED_BYTES + B::SAVED_BYTES;

    fn save_to<S: Sink>(&self, sink: &mut S) -> Result<(), S::Error> {
        self.0.save_to(sink)?;
        self.1.save_to(sink)
    }

    fn check_from<S: Source>(source: &mut S) -> Result<(), LoadError<S::Error>> {
        A::check_from(source)?;
        B::check_from(source)
    }

    fn apply_from<S: Source>(&mut self, source: &mut S) -> Result<(), S::Error> {
        self.0.apply_from(source)?;
        self.1.apply_from(source)
    }

    fn blank() -> Self {
        (A::blank(), B::blank())
    }
}

impl PersistError {
    fn into_load<E>(self) -> LoadError<E> {
        LoadError::Invalid(Error::Persist(self))
    }
}

struct Header {
    version: u16,
    kind: u16,
    length: u32,
    reserved: u32,
    shape: [u32; SHAPE_WORDS],
}

fn le_u16(b: &[u8], at: usize) -> u16 {
    let mut a = [0u8; 2];
    if let Some(s) = b.get(at..at.saturating_add(2)) {
        a.copy_from_slice(s);
    }
    u16::from_le_bytes(a)
}

fn le_u32(b: &[u8], at: usize) -> u32 {
    let mut a = [0u8; 4];
    if let Some(s) = b.get(at..at.saturating_add(4)) {
        a.copy_from_slice(s);
    }
    u32::from_le_bytes(a)
}

impl Header {
    fn parse(b: &[u8; HEADER_BYTES]) -> Self {
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
fn header_fields(kind: u16, length: u32, shape: &[u32; SHAPE_WORDS]) -> [[u8; 4]; 16] {
    let mut f = [[0u8; 4]; 16];
    let v = FORMAT_VERSION.to_le_bytes();
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

fn shape_error<T: Record>(found: &[u32; SHAPE_WORDS]) -> Option<PersistError> {
    T::SHAPE
        .iter()
        .zip(found)
        .zip(&T::SHAPE_NAMES)
        .find(|((e, f), _)| e != f)
        .map(|((&expected, &found), &what)| PersistError::WrongShape {
            what,
            expected,
            found,
        })
}

/// A [`Sink`] wrapper that checksums what passes through.
struct CrcSink<'a, S> {
    inner: &'a mut S,
    crc: Crc32,
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
    inner: &'a mut S,
    crc: Crc32,
    pos: u32,
}

impl<S: Source> Body<'_, S> {
    fn read(&mut self, out: &mut [u8]) -> Result<(), S::Error> {
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

/// Writes to a byte slice that the caller has checked is long enough.
struct SliceSink<'a> {
    buf: &'a mut [u8],
    pos: usize,
}

impl Sink for SliceSink<'_> {
    type Error = Error;
    fn write(&mut self, bytes: &[u8]) -> Result<(), Error> {
        let end = self.pos.saturating_add(bytes.len());
        let found = self.buf.len();
        let dst = self
            .buf
            .get_mut(self.pos..end)
            .ok_or(PersistError::BufferTooSmall { needed: end, found })?;
        dst.copy_from_slice(bytes);
        self.pos = end;
        Ok(())
    }
}

/// Reads from a byte slice; reading past its end is [`PersistError::Truncated`].
struct SliceSource<'a> {
    bytes: &'a [u8],
    pos: usize,
    /// The record length in the header, if the bytes start with one (for the error).
    record_len: usize,
}

impl<'a> SliceSource<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        let record_len = match bytes.get(..4) {
            Some(m) if m == MAGIC => le_u32(bytes, 8) as usize,
            _ => 0,
        };
        Self {
            bytes,
            pos: 0,
            record_len,
        }
    }
}

impl Source for SliceSource<'_> {
    type Error = Error;
    fn read(&mut self, out: &mut [u8]) -> Result<(), Error> {
        let end = self.pos.saturating_add(out.len());
        let src = self
            .bytes
            .get(self.pos..end)
            .ok_or(PersistError::Truncated {
                needed: end.max(self.record_len),
                found: self.bytes.len(),
            })?;
        out.copy_from_slice(src);
        self.pos = end;
        Ok(())
    }

    fn rewind(&mut self) -> Result<(), Error> {
        self.pos = 0;
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------
// Bernoulli GLNs

/// Bytes of the fixed part of a Bernoulli GLN body: seed, steps, config, plane hash.
const GLN_FIXED_BYTES: usize = 8 + 8 + 40 + 8;

const GLN_SHAPE_NAMES: [&str; SHAPE_WORDS] = [
    "depth",
    "D (side-information size)",
    "B (base-input size)",
    "K (halfspaces)",
    "C (contexts)",
    "N (heads)",
    "width 1",
    "width 2",
    "width 3",
    "width 4",
    "unused shape word 10",
    "unused shape word 11",
];

/// The shape words of a Bernoulli GLN. Only evaluated at compile time (for `Record::SHAPE`),
/// where an out-of-range index or an overflow is a build error.
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
const fn gln_shape(
    d: usize,
    b: usize,
    k: usize,
    c: usize,
    n: usize,
    widths: &[usize],
) -> [u32; SHAPE_WORDS] {
    let mut s = [0u32; SHAPE_WORDS];
    let head = [widths.len(), d, b, k, c, n];
    let mut i = 0;
    while i < head.len() {
        assert!(
            head[i] <= u32::MAX as usize,
            "shape parameter over u32::MAX"
        );
        s[i] = head[i] as u32;
        i += 1;
    }
    let mut j = 0;
    while j < widths.len() && j < 4 {
        assert!(widths[j] <= u32::MAX as usize, "width over u32::MAX");
        s[6 + j] = widths[j] as u32;
        j += 1;
    }
    s
}

/// Writes a learning rate (24 bytes): schedule tag (`u32`: 0 constant, 1 inverse-time, 2
/// hyperbolic), its three parameters (unused ones `+0.0`), the floor, and the step scale
/// (`+inf` for none, else the hidden fan-in reference).
pub(crate) fn write_learning_rate<S: Sink>(out: &mut S, lr: &LearningRate) -> Result<(), S::Error> {
    let (tag, p) = match lr.schedule {
        Schedule::Constant { eta } => (0, [eta, 0.0, 0.0]),
        Schedule::InverseTime { c, max } => (1, [c, max, 0.0]),
        Schedule::Hyperbolic { a, b, max } => (2, [a, b, max]),
    };
    put_u32(out, tag)?;
    for v in p {
        put_f32(out, v)?;
    }
    put_f32(out, lr.floor)?;
    put_f32(
        out,
        match lr.scale {
            StepScale::None => f32::INFINITY,
            StepScale::HiddenFanIn { reference } => reference,
        },
    )
}

/// Reads what [`write_learning_rate`] wrote; `Ok(Err)` for an unknown tag or a non-zero
/// unused parameter (the values themselves are checked with the configuration).
pub(crate) fn read_learning_rate<S: Source>(
    input: &mut Body<'_, S>,
) -> Result<Result<LearningRate, Error>, S::Error> {
    let tag_at = input.offset();
    let tag = input.u32()?;
    let p_at = input.offset();
    let p = [input.f32()?, input.f32()?, input.f32()?];
    let floor = input.f32()?;
    let scale_ref = input.f32()?;
    let bad = |offset, what| Err(PersistError::BadValue { offset, what }.into());
    let unused = |p: &[f32]| p.iter().all(|v| v.to_bits() == 0);
    let schedule = match (tag, p) {
        (0, [eta, ..]) if unused(p.get(1..).unwrap_or(&[])) => Schedule::Constant { eta },
        (1, [c, max, _]) if unused(p.get(2..).unwrap_or(&[])) => Schedule::InverseTime { c, max },
        (2, [a, b, max]) => Schedule::Hyperbolic { a, b, max },
        (0..=2, _) => return Ok(bad(p_at, "unused schedule parameter is not zero")),
        _ => return Ok(bad(tag_at, "unknown learning-rate schedule")),
    };
    Ok(Ok(LearningRate {
        schedule,
        floor,
        scale: if scale_ref == f32::INFINITY {
            StepScale::None
        } else {
            StepScale::HiddenFanIn {
                reference: scale_ref,
            }
        },
    }))
}

fn write_config<S: Sink>(out: &mut S, c: &Config) -> Result<(), S::Error> {
    put_f32(out, c.eps)?;
    put_f32(out, c.beta)?;
    write_learning_rate(out, &c.learning_rate)?;
    put_u32(
        out,
        match c.init {
            WeightInit::Zero => 0,
            WeightInit::Average => 1,
        },
    )?;
    put_f32(out, c.offset_std)
}

/// Reads a config; `Ok(Err)` for an unknown tag, a non-zero unused parameter, or a config
/// that [`Config::check`] rejects.
fn read_config<S: Source>(input: &mut Body<'_, S>) -> Result<Result<Config, Error>, S::Error> {
    let eps = input.f32()?;
    let beta = input.f32()?;
    let learning_rate = read_learning_rate(input)?;
    let init_at = input.offset();
    let init = input.u32()?;
    let offset_std = input.f32()?;
    let learning_rate = match learning_rate {
        Ok(lr) => lr,
        Err(e) => return Ok(Err(e)),
    };
    let init = match init {
        0 => WeightInit::Zero,
        1 => WeightInit::Average,
        _ => {
            return Ok(Err(PersistError::BadValue {
                offset: init_at,
                what: "unknown weight initialisation",
            }
            .into()));
        }
    };
    let config = Config {
        eps,
        beta,
        learning_rate,
        init,
        offset_std,
    };
    Ok(config.check().map(|()| config))
}

/// FNV-1a of the hyperplanes drawn from `seed` for layers of `widths` neurons, `K`
/// hyperplanes each, over `D` inputs, in drawing order.
fn drawn_planes_hash<const D: usize>(
    seed: u64,
    offset_std: f32,
    widths: &[usize],
    k: usize,
) -> u64 {
    let mut rng = SplitMix64::new(seed);
    let mut h = Fnv1a::new();
    for &w in widths {
        for_each_drawn_value::<D>(&mut rng, w.saturating_mul(k), offset_std, &mut |v| {
            h.write_f32(v)
        });
    }
    h.finish()
}

/// Checks a Bernoulli GLN body of `weights` weights over layers of `widths`.
fn check_gln_body<const D: usize, S: Source>(
    input: &mut Body<'_, S>,
    widths: &[usize],
    k: usize,
    weights: usize,
) -> Result<Result<(), Error>, S::Error> {
    check_gated_body::<D, S>(input, widths, k, weights, |input| {
        Ok(read_config(input)?.map(|c| (c.beta, c.offset_std)))
    })
}

/// Checks the body of a gated network (Bernoulli or Gaussian): seed, step count, its
/// configuration (read by `read_config`, which returns the weight box `beta` and the
/// hyperplane offset spread of a valid one), the hyperplane hash, then `weights` weights over
/// layers of `widths` neurons with `k` hyperplanes each: every weight finite and within
/// `[-beta, beta]`, and the hash that of the hyperplanes this build draws from the seed.
pub(crate) fn check_gated_body<'a, const D: usize, S: Source>(
    input: &mut Body<'a, S>,
    widths: &[usize],
    k: usize,
    weights: usize,
    read_config: impl FnOnce(&mut Body<'a, S>) -> Result<Result<(f32, f32), Error>, S::Error>,
) -> Result<Result<(), Error>, S::Error> {
    let seed = input.u64()?;
    let _steps = input.u64()?;
    let config = read_config(input)?;
    let stored_hash = input.u64()?;
    let mut first: Option<Error> = config.err();
    // Weights: finite and in the box (when the config is valid; else only finite).
    let beta = match config {
        Ok((beta, _)) => beta,
        Err(_) => f32::MAX,
    };
    for _ in 0..weights {
        let at = input.offset();
        let w = input.f32()?;
        if first.is_none() {
            if !w.is_finite() {
                first = Some(
                    PersistError::BadValue {
                        offset: at,
                        what: "weight is NaN or infinite",
                    }
                    .into(),
                );
            } else if !(crate::math::abs(w) <= beta) {
                first = Some(
                    PersistError::BadValue {
                        offset: at,
                        what: "weight is outside [-beta, beta]",
                    }
                    .into(),
                );
            }
        }
    }
    if let (None, Ok((_, offset_std))) = (&first, config)
        && drawn_planes_hash::<D>(seed, offset_std, widths, k) != stored_hash
    {
        first = Some(PersistError::PlanesMismatch.into());
    }
    Ok(match first {
        Some(e) => Err(e),
        None => Ok(()),
    })
}

/// Reads the fixed part of a checked GLN body: seed, steps, config (skipping the hash).
fn read_gln_fixed<S: Source>(input: &mut Body<'_, S>) -> Result<(u64, u64, Config), S::Error> {
    let seed = input.u64()?;
    let steps = input.u64()?;
    // Checked already: a config that fails here cannot happen; fall back to the default.
    let config = read_config(input)?.unwrap_or(Config::DEFAULT);
    let _hash = input.u64()?;
    Ok((seed, steps, config))
}

/// Reads `f32` values for `restore`; after a read error, yields 0.0 (inside every box) and
/// keeps the first error.
pub(crate) struct Values<'b, 'a, S: Source> {
    input: &'b mut Body<'a, S>,
    error: Option<S::Error>,
}

impl<'b, 'a, S: Source> Values<'b, 'a, S> {
    pub(crate) fn new(input: &'b mut Body<'a, S>) -> Self {
        Self { input, error: None }
    }

    pub(crate) fn next(&mut self) -> f32 {
        if self.error.is_some() {
            return 0.0;
        }
        match self.input.f32() {
            Ok(v) => v,
            Err(e) => {
                self.error = Some(e);
                0.0
            }
        }
    }

    pub(crate) fn finish(self) -> Result<(), S::Error> {
        match self.error {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

macro_rules! bernoulli_record {
    ($Net:ident, [$($H:ident),*]) => {
        impl<
            const D: usize,
            const B: usize,
            $(const $H: usize,)*
            const K: usize,
            const C: usize,
            const N: usize,
        > sealed::Sealed for $Net<D, B, $($H,)* K, C, N> {}

        impl<
            const D: usize,
            const B: usize,
            $(const $H: usize,)*
            const K: usize,
            const C: usize,
            const N: usize,
        > Record for $Net<D, B, $($H,)* K, C, N> {
            const KIND: u16 = kind::BERNOULLI_GLN;
            const SHAPE: [u32; SHAPE_WORDS] = gln_shape(D, B, K, C, N, &[$($H,)* 1]);
            const SHAPE_NAMES: [&'static str; SHAPE_WORDS] = GLN_SHAPE_NAMES;
            const BODY_BYTES: usize = GLN_FIXED_BYTES + 4 * Self::WEIGHTS;

            fn write_body<S: Sink>(&self, out: &mut S) -> Result<(), S::Error> {
                put_u64(out, self.seed())?;
                put_u64(out, self.steps())?;
                write_config(out, self.config())?;
                let mut h = Fnv1a::new();
                self.for_each_plane_value(&mut |v| h.write_f32(v));
                put_u64(out, h.finish())?;
                let mut result = Ok(());
                self.for_each_weight(|w| {
                    if result.is_ok() {
                        result = put_f32(out, w);
                    }
                });
                result
            }

            fn check_body<S: Source>(
                input: &mut Body<'_, S>,
            ) -> Result<Result<(), Error>, S::Error> {
                check_gln_body::<D, S>(input, &[$($H,)* 1], K, Self::WEIGHTS)
            }

            fn apply_body<S: Source>(&mut self, input: &mut Body<'_, S>) -> Result<(), S::Error> {
                let (seed, steps, config) = read_gln_fixed(input)?;
                let mut values = Values { input, error: None };
                self.restore(seed, config, steps, &mut || values.next());
                values.finish()
            }

            fn blank() -> Self {
                Self::new(0, Config::DEFAULT)
            }
        }
    };
}

bernoulli_record!(Gln1, []);
bernoulli_record!(Gln2, [H1]);
bernoulli_record!(Gln3, [H1, H2]);
bernoulli_record!(Gln4, [H1, H2, H3]);

mod gaussian;

// ---------------------------------------------------------------------------------------
// Standardizer

impl<const D: usize> sealed::Sealed for Standardizer<D> {}

impl<const D: usize> Record for Standardizer<D> {
    const KIND: u16 = kind::STANDARDIZER;
    const SHAPE: [u32; SHAPE_WORDS] = {
        assert!(D <= u32::MAX as usize, "D over u32::MAX");
        let mut s = [0u32; SHAPE_WORDS];
        s[0] = D as u32;
        s
    };
    const SHAPE_NAMES: [&'static str; SHAPE_WORDS] = [
        "D (features)",
        "unused shape word 1",
        "unused shape word 2",
        "unused shape word 3",
        "unused shape word 4",
        "unused shape word 5",
        "unused shape word 6",
        "unused shape word 7",
        "unused shape word 8",
        "unused shape word 9",
        "unused shape word 10",
        "unused shape word 11",
    ];
    const BODY_BYTES: usize = 8 + 4 + 8 * D;

    fn write_body<S: Sink>(&self, out: &mut S) -> Result<(), S::Error> {
        put_u64(out, self.count())?;
        put_f32(out, self.offset())?;
        for &v in self.mean().iter().chain(self.m2()) {
            put_f32(out, v)?;
        }
        Ok(())
    }

    fn check_body<S: Source>(input: &mut Body<'_, S>) -> Result<Result<(), Error>, S::Error> {
        let count = input.u64()?;
        let offset_at = input.offset();
        let offset = input.f32()?;
        let mut first = None;
        if !(0.0..f32::INFINITY).contains(&offset) {
            first = Some((offset_at, "offset is negative, NaN or infinite"));
        }
        for j in 0..D.saturating_mul(2) {
            let at = input.offset();
            let v = input.f32()?;
            let is_m2 = j >= D;
            let what = if !v.is_finite() {
                Some("statistic is NaN or infinite")
            } else if is_m2 && v < 0.0 {
                Some("sum of squared deviations is negative")
            } else if count == 0 && v != 0.0 {
                Some("statistic is not zero before the first observation")
            } else {
                None
            };
            if let (None, Some(what)) = (first, what) {
                first = Some((at, what));
            }
        }
        Ok(match first {
            Some((offset, what)) => Err(PersistError::BadValue { offset, what }.into()),
            None => Ok(()),
        })
    }

    fn apply_body<S: Source>(&mut self, input: &mut Body<'_, S>) -> Result<(), S::Error> {
        let count = input.u64()?;
        let offset = input.f32()?;
        let mut values = Values { input, error: None };
        self.restore(count, offset, &mut || values.next());
        values.finish()
    }

    fn blank() -> Self {
        Self::new(1.0)
    }
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

    #[test]
    fn saved_sizes_follow_the_layout() {
        type M = Gln3<4, 4, 8, 4, 3, 8, 2>;
        assert_eq!(<M as Persist>::SAVED_BYTES, 132 + 4 * M::WEIGHTS);
        assert_eq!(<Standardizer<5> as Persist>::SAVED_BYTES, 80 + 8 * 5);
        assert_eq!(
            <(M, Standardizer<5>) as Persist>::SAVED_BYTES,
            132 + 4 * M::WEIGHTS + 120
        );
        assert_eq!(<M as Record>::SHAPE, [3, 4, 4, 3, 8, 2, 8, 4, 1, 0, 0, 0]);
        assert_eq!(
            <Gln1<2, 3, 1, 2> as Record>::SHAPE,
            [1, 2, 3, 1, 2, 1, 1, 0, 0, 0, 0, 0]
        );
    }

    #[test]
    fn header_and_body_are_where_the_docs_say() {
        type M = Gln2<3, 3, 4, 2, 4>;
        let config = Config::DEFAULT.with_learning_rate(LearningRate {
            schedule: Schedule::Hyperbolic {
                a: 1.0,
                b: 0.5,
                max: 0.25,
            },
            floor: 0.001,
            scale: StepScale::HiddenFanIn { reference: 8.0 },
        });
        let mut m = M::new(0x0123_4567_89AB_CDEF, config);
        let z = [0.5f32, -1.0, 2.0];
        m.learn(&crate::Input::from_side(&z).unwrap(), true);
        let mut b = [0u8; M::SAVED_BYTES];
        assert_eq!(m.save(&mut b), Ok(M::SAVED_BYTES));
        assert_eq!(&b[0..4], b"GLNm");
        assert_eq!(le_u16(&b, 4), 1);
        assert_eq!(le_u16(&b, 6), kind::BERNOULLI_GLN);
        assert_eq!(le_u32(&b, 8) as usize, M::SAVED_BYTES);
        assert_eq!(le_u32(&b, 12), 0);
        let shape: std::vec::Vec<u32> = (0..12).map(|i| le_u32(&b, 16 + 4 * i)).collect();
        assert_eq!(shape, [2, 3, 3, 2, 4, 1, 4, 1, 0, 0, 0, 0]);
        assert_eq!(&b[64..72], &0x0123_4567_89AB_CDEFu64.to_le_bytes());
        assert_eq!(&b[72..80], &1u64.to_le_bytes());
        let f = |at: usize| f32::from_bits(le_u32(&b, at));
        assert_eq!((f(80), f(84)), (0.01, 5.0));
        assert_eq!(le_u32(&b, 88), 2);
        assert_eq!((f(92), f(96), f(100)), (1.0, 0.5, 0.25));
        assert_eq!((f(104), f(108)), (0.001, 8.0));
        assert_eq!(le_u32(&b, 112), 1);
        assert_eq!(f(116), 0.05);
        let mut h = Fnv1a::new();
        m.for_each_plane_value(&mut |v| h.write_f32(v));
        assert_eq!(&b[120..128], &h.finish().to_le_bytes());
        let mut weights = std::vec::Vec::new();
        m.for_each_weight(|w| weights.push(w.to_bits()));
        let stored: std::vec::Vec<u32> = (0..M::WEIGHTS).map(|i| le_u32(&b, 128 + 4 * i)).collect();
        assert_eq!(stored, weights);
        let n = M::SAVED_BYTES;
        assert_eq!(le_u32(&b, n - 4), crc32(&b[..n - 4]));
    }
}
