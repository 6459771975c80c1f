//! Saving and restoring models: a versioned, checksummed, little-endian byte format, with no
//! heap.
//!
//! Every [`Persist`] type (each of [`Gln1`](crate::Gln1) to [`Gln4`](crate::Gln4), [`Standardizer`](crate::Standardizer), the Gaussian GLNs
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
//! bit-for-bit as it was: the magic number, the layout version (the kind's current one or
//! its previous one, see [Versions](#versions)), the record length (truncated
//! bytes), the CRC-32 (corrupt bytes), the kind of model, its shape (every const parameter of
//! the type), the configuration ([`Config::check`](crate::Config::check)), every value (weights finite and within
//! `[-beta, beta]`, statistics finite, unused fields zero), and that this build draws the
//! same hyperplanes from the saved seed as the build that saved it. The errors are
//! [`Error::Persist`] with a [`PersistError`] naming the problem, or
//! [`Error::InvalidConfig`].
//!
//! # Byte layout
//! Every record is a 64-byte header (magic `GLNm`, format version, kind, length, shape
//! words), a body by kind, and a CRC-32; all little-endian, floats as their IEEE-754 bits,
//! so the same state gives the same bytes on every target. The layouts of every kind are in
//! `docs/format.md` in the repository. The pieces live in layers: the `format` leaf (header,
//! CRC, sinks and sources, [`PersistError`]; it knows no model), this module (the
//! [`Persist`] trait), and one record per kind: every GLN of either family and any depth
//! (written once for the generic network), the [`Standardizer`](crate::Standardizer), the detector.
//!
//! # Versions
//! Each kind has its own layout version, written in the header, and its loader reads that
//! version and the previous one (version N reads N − 1), checked the same way, the fields the
//! older layout lacks set to their defaults; [`saved_version`] says which one some bytes
//! hold. Every kind is at version [`FORMAT_VERSION`] but the detector, at 2 (reading 1). Any
//! change to a layout, to the meaning of a field, or to how hyperplanes are drawn from a
//! seed must bump that kind's version; `tests/parity/golden.rs` holds saved bytes that fail
//! loudly if it is forgotten, and `docs/format.md` ("Versions") says how to migrate.
//!
//! # Streams
//! [`Persist::save_to`] and [`Persist::load_from`] work through a [`Sink`] or [`Source`]
//! (e.g. a flash region, see the `storage` feature) so a large model needs no RAM buffer of
//! its size: loading reads the bytes twice, once to check them and once to apply them, and
//! the apply pass checks the CRC-32 and the values again over exactly the bytes it applies
//! (into a staging copy): a source that changed between the reads gives
//! [`PersistError::Changed`] and nothing changes.

mod config;
pub(crate) mod format;
mod net;
mod standardizer;

#[doc(hidden)]
pub use format::Body;
#[doc(hidden)]
// the format's pieces (`docs/format.md`), public for the detector's record and tests
pub use format::{CRC_BYTES, Crc32, HEADER_BYTES, MAGIC, SHAPE_WORDS, crc32, kind};
pub use format::{FORMAT_VERSION, PersistError, Sink, Source};
pub(crate) use format::{le_u32, put_f32, put_u32, put_u64};

use crate::error::Error;
use format::{CrcSink, Header, header_fields};

/// Why loading from a [`Source`] failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum LoadError<E> {
    /// Reading failed.
    Read(E),
    /// The bytes are not a valid record for the target.
    Invalid(Error),
}

/// The source's error is shown with `Debug`: `embedded-storage` and most HAL error types
/// implement `Debug`, few implement `Display`.
impl<E: core::fmt::Debug> core::fmt::Display for LoadError<E> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            LoadError::Read(e) => write!(f, "reading the saved bytes failed: {e:?}"),
            LoadError::Invalid(e) => write!(f, "{e}"),
        }
    }
}

/// Without `std` (`core::error::Error`, Rust 1.81).
impl<E: core::fmt::Debug> core::error::Error for LoadError<E> {}

impl<E> From<Error> for LoadError<E> {
    fn from(e: Error) -> Self {
        LoadError::Invalid(e)
    }
}

pub(crate) mod sealed {
    pub trait Sealed {}
}

/// A type whose whole state saves to bytes and loads back: [`Gln1`](crate::Gln1) to [`Gln4`](crate::Gln4),
/// [`Standardizer`](crate::Standardizer), the Gaussian GLNs, the [`Detector`](crate::detector::Detector), and
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
    fn check_from<S: Source>(source: &mut S) -> Result<(), LoadError<S::Error>> {
        Self::check_digest_from(source, &mut Crc32::new())
    }

    /// [`check_from`](Self::check_from), adding each record's stored CRC-32 to `digest`.
    /// Not for direct use.
    #[doc(hidden)]
    fn check_digest_from<S: Source>(
        source: &mut S,
        digest: &mut Crc32,
    ) -> Result<(), LoadError<S::Error>>;

    /// Applies bytes that [`check_from`](Self::check_from) accepted, checking again, as it
    /// applies them, each record's CRC-32 over exactly the bytes applied and each value;
    /// adds each record's stored CRC-32 to `digest`. On error `self` is in no defined state.
    /// Not for direct use.
    #[doc(hidden)]
    fn apply_from<S: Source>(
        &mut self,
        source: &mut S,
        digest: &mut Crc32,
    ) -> Result<(), LoadError<S::Error>>;

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
        // The bytes are borrowed immutably, so both reads see the same bytes: applied in place.
        let source = &mut SliceSource::new(bytes);
        Self::check_from(source).map_err(LoadError::into_inner)?;
        source.rewind()?;
        self.apply_from(source, &mut Crc32::new())
            .map_err(LoadError::into_inner)
    }

    /// [`load`](Self::load) from a [`Source`]: reads the bytes once to check all of them,
    /// rewinds, and reads them again to apply them, so no RAM buffer of the record is needed.
    ///
    /// The bytes applied are the bytes checked: the second read is applied into a staging
    /// copy of `Self` on the stack, its CRC-32 recomputed over exactly the bytes applied and
    /// each value checked again as it is applied; only if all of it matches the first read
    /// does the copy replace `self`. A source that changes between the reads (a flash read
    /// disturb) gives [`PersistError::Changed`] or a read error, and nothing changes. The
    /// cost is `size_of::<Self>()` bytes of stack while loading; where that does not fit, see
    /// [`load_from_staged`](Self::load_from_staged).
    ///
    /// # Errors
    /// [`LoadError::Invalid`] for invalid bytes or bytes that changed between the reads,
    /// [`LoadError::Read`] for a read error; nothing changes on any error.
    fn load_from<S: Source>(&mut self, source: &mut S) -> Result<(), LoadError<S::Error>> {
        let mut staged = Self::blank();
        self.load_from_staged(source, &mut staged)
    }

    /// [`load_from`](Self::load_from) with the staging copy given by the caller (e.g. a
    /// second `static` model, when two copies do not fit on the stack): `scratch` may hold
    /// any state; it is overwritten, and on success holds the previous state of `self`.
    ///
    /// # Errors
    /// As [`load_from`](Self::load_from); `self` is unchanged on any error.
    fn load_from_staged<S: Source>(
        &mut self,
        source: &mut S,
        scratch: &mut Self,
    ) -> Result<(), LoadError<S::Error>> {
        let mut checked = Crc32::new();
        Self::check_digest_from(source, &mut checked)?;
        source.rewind().map_err(LoadError::Read)?;
        let mut applied = Crc32::new();
        scratch.apply_from(source, &mut applied)?;
        if applied.finish() != checked.finish() {
            return Err(PersistError::Changed.into_load());
        }
        core::mem::swap(self, scratch);
        Ok(())
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

/// The layout version of the record at the start of `bytes` (its header's version word), or
/// `None` if they do not start with a record's magic number: after a load, which version it
/// read (the current one of the kind, or the previous one, migrated).
pub fn saved_version(bytes: &[u8]) -> Option<u16> {
    let header = bytes.get(..6)?;
    (header.get(..4)? == MAGIC).then(|| format::le_u16(header, 4))
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
    /// The layout version it writes (the header's version word). A change to its layout
    /// bumps it (`docs/format.md`, "Versions").
    const VERSION: u16 = FORMAT_VERSION;
    /// The oldest layout version it reads: `VERSION` or `VERSION - 1` (version N reads N − 1).
    const OLDEST_VERSION: u16 = Self::VERSION;
    /// Bytes of its body in the current layout.
    const BODY_BYTES: usize;
    /// Bytes of its body in layout `version` (`OLDEST_VERSION ..= VERSION`).
    fn body_bytes(version: u16) -> usize {
        let _ = version;
        Self::BODY_BYTES
    }
    /// Writes exactly `BODY_BYTES`, in layout `VERSION`.
    fn write_body<S: Sink>(&self, out: &mut S) -> Result<(), S::Error>;
    /// Reads exactly `body_bytes(version)` and checks every value; `Ok(Err(..))` names the
    /// first invalid one (the CRC is checked after, and wins). `version` is one it reads.
    fn check_body<S: Source>(
        input: &mut Body<'_, S>,
        version: u16,
    ) -> Result<Result<(), Error>, S::Error>;
    /// Reads `body_bytes(version)` bytes that `check_body` accepted into `self`, checking
    /// each value again as it applies it, and sets every field that layout `version` does
    /// not hold to its default (the migration to the current state); `Ok(Err(..))` if a
    /// value is invalid now (the source changed), and `self` is then in no defined state (it
    /// is a staging copy, or the bytes are in RAM).
    fn apply_body<S: Source>(
        &mut self,
        input: &mut Body<'_, S>,
        version: u16,
    ) -> Result<Result<(), Error>, S::Error>;
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
        let fields = header_fields(T::VERSION, T::KIND, Self::SAVED_BYTES as u32, &T::SHAPE);
        for (dst, src) in header.iter_mut().zip(fields.iter().flatten()) {
            *dst = *src;
        }
        out.write(&header)?;
        self.write_body(&mut out)?;
        let crc = out.crc.finish();
        sink.write(&crc.to_le_bytes())
    }

    fn check_digest_from<S: Source>(
        source: &mut S,
        digest: &mut Crc32,
    ) -> Result<(), LoadError<S::Error>> {
        let mut header = [0u8; HEADER_BYTES];
        let (magic, rest) = header.split_at_mut(MAGIC.len());
        source.read(magic).map_err(LoadError::Read)?;
        if *magic != MAGIC {
            return Err(PersistError::BadMagic.into_load());
        }
        source.read(rest).map_err(LoadError::Read)?;
        let h = Header::parse(&header);
        // A version means something for its kind only: another kind is `WrongKind` below.
        let version_ok = reads_version::<T>(h.version);
        if h.kind == T::KIND && !version_ok {
            return Err(PersistError::UnsupportedVersion {
                found: h.version,
                oldest: T::OLDEST_VERSION,
                newest: T::VERSION,
            }
            .into_load());
        }
        let min = (HEADER_BYTES + CRC_BYTES) as u32;
        if h.length < min {
            return Err(PersistError::BadLength { found: h.length }.into_load());
        }
        // The kind, shape and length decide whether the body can be parsed; the CRC is
        // checked first either way, so corrupt bytes are reported as corrupt.
        let version = if version_ok { h.version } else { T::VERSION };
        let layout_error = layout_error::<T>(&h, saved_bytes::<T>(version));
        let mut crc = Crc32::new();
        crc.update(&header);
        let mut body = Body {
            inner: source,
            crc,
            pos: HEADER_BYTES as u32,
        };
        let value_error = if layout_error.is_some() {
            // Read the rest only for the CRC.
            let left = (h.length as usize).saturating_sub(HEADER_BYTES + CRC_BYTES);
            skip(&mut body, left).map_err(LoadError::Read)?;
            None
        } else {
            T::check_body(&mut body, version)
                .map_err(LoadError::Read)?
                .err()
        };
        let computed = body.crc.finish();
        let mut stored = [0u8; 4];
        body.inner.read(&mut stored).map_err(LoadError::Read)?;
        digest.update(&stored);
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

    fn apply_from<S: Source>(
        &mut self,
        source: &mut S,
        digest: &mut Crc32,
    ) -> Result<(), LoadError<S::Error>> {
        let mut header = [0u8; HEADER_BYTES];
        source.read(&mut header).map_err(LoadError::Read)?;
        // The check pass accepted the version; another one now is a changed source.
        let version = Header::parse(&header).version;
        if !reads_version::<T>(version) {
            return Err(PersistError::Changed.into_load());
        }
        let mut crc = Crc32::new();
        crc.update(&header);
        let mut body = Body {
            inner: source,
            crc,
            pos: HEADER_BYTES as u32,
        };
        let values = self
            .apply_body(&mut body, version)
            .map_err(LoadError::Read)?;
        let computed = body.crc.finish();
        let mut stored = [0u8; 4];
        source.read(&mut stored).map_err(LoadError::Read)?;
        digest.update(&stored);
        if u32::from_le_bytes(stored) != computed {
            return Err(PersistError::Changed.into_load());
        }
        values.map_err(LoadError::Invalid)
    }

    fn blank() -> Self {
        T::blank()
    }
}

impl<A: Persist, B: Persist> sealed::Sealed for (A, B) {}

/// Two states saved back to back (e.g. a model and its [`Standardizer`](crate::Standardizer)), loaded all or
/// nothing: both are checked before either changes.
impl<A: Persist, B: Persist> Persist for (A, B) {
    const SAVED_BYTES: usize = A::SAVED_BYTES + B::SAVED_BYTES;

    fn save_to<S: Sink>(&self, sink: &mut S) -> Result<(), S::Error> {
        self.0.save_to(sink)?;
        self.1.save_to(sink)
    }

    fn check_digest_from<S: Source>(
        source: &mut S,
        digest: &mut Crc32,
    ) -> Result<(), LoadError<S::Error>> {
        A::check_digest_from(source, digest)?;
        B::check_digest_from(source, digest)
    }

    fn apply_from<S: Source>(
        &mut self,
        source: &mut S,
        digest: &mut Crc32,
    ) -> Result<(), LoadError<S::Error>> {
        self.0.apply_from(source, digest)?;
        self.1.apply_from(source, digest)
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

/// Whether `T`'s loader reads layout `version`.
fn reads_version<T: Record>(version: u16) -> bool {
    (T::OLDEST_VERSION..=T::VERSION).contains(&version)
}

/// The record length of `T` in layout `version` (one it reads).
fn saved_bytes<T: Record>(version: u16) -> u32 {
    let n = HEADER_BYTES
        .saturating_add(T::body_bytes(version))
        .saturating_add(CRC_BYTES);
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// The first header field (after magic, version and length bounds) that does not describe a
/// record of `T` of `saved` bytes: kind, shape, length, reserved word.
fn layout_error<T: Record>(h: &Header, saved: u32) -> Option<PersistError> {
    if h.kind != T::KIND {
        Some(PersistError::WrongKind {
            expected: T::KIND,
            found: h.kind,
        })
    } else if let Some(e) = shape_error::<T>(&h.shape) {
        Some(e)
    } else if h.length != saved {
        Some(PersistError::WrongLength {
            expected: saved,
            found: h.length,
        })
    } else if h.reserved != 0 {
        Some(PersistError::BadValue {
            offset: 12,
            what: "reserved header field is not zero",
        })
    } else {
        None
    }
}

/// Reads and checksums `left` bytes that will not be parsed.
fn skip<S: Source>(body: &mut Body<'_, S>, mut left: usize) -> Result<(), S::Error> {
    let mut chunk = [0u8; 64];
    while left > 0 {
        let n = left.min(chunk.len());
        let part = chunk.get_mut(..n).unwrap_or(&mut []);
        body.read(part)?;
        left = left.saturating_sub(n);
    }
    Ok(())
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

/// Reads `f32` values for `restore`, checking each against a range as it reads it: a value
/// outside it (or NaN), or a read error, yields 0.0 (inside every box) and is remembered.
pub(crate) struct Values<'b, 'a, S: Source> {
    input: &'b mut Body<'a, S>,
    error: Option<S::Error>,
    bad: bool,
}

impl<'b, 'a, S: Source> Values<'b, 'a, S> {
    pub(crate) fn new(input: &'b mut Body<'a, S>) -> Self {
        Self {
            input,
            error: None,
            bad: false,
        }
    }

    /// The next value if it lies in `[lo, hi]`, else 0.0.
    pub(crate) fn next_in(&mut self, lo: f32, hi: f32) -> f32 {
        if self.error.is_some() {
            return 0.0;
        }
        match self.input.f32() {
            Ok(v) if (lo..=hi).contains(&v) => v,
            Ok(_) => {
                self.bad = true;
                0.0
            }
            Err(e) => {
                self.error = Some(e);
                0.0
            }
        }
    }

    /// The read error if one happened, else whether every value was in its range
    /// ([`PersistError::Changed`] if not: these bytes passed the check pass's ranges once).
    pub(crate) fn finish(self) -> Result<Result<(), Error>, S::Error> {
        match self.error {
            Some(e) => Err(e),
            None if self.bad => Ok(Err(PersistError::Changed.into())),
            None => Ok(Ok(())),
        }
    }
}
