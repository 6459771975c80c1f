//! Checkpoints in NOR flash through the [`embedded_storage`] traits (feature `storage`).
//!
//! [`Slots`] keeps `N` flash regions of the same size ([`Slots::new`]: two;
//! [`Slots::with_regions`]: any `N` from 2 to 255), written round robin. Each save goes to the
//! region after the one holding the newest valid checkpoint: it erases that region, writes the
//! record, and writes the slot header (with a sequence number and the record's CRC) last. A
//! power cut at any point of a save leaves the other regions untouched, so [`Slots::load`]
//! still finds the previous checkpoint: at most the checkpoint being written is lost. A region
//! that fails to erase, write or verify (worn out) is skipped for the next one, never the one
//! holding the newest checkpoint.
//!
//! Loading picks the newest valid slot (header CRC and record CRC both right; serial-number
//! order of the sequence numbers) that is a valid record for the target, and falls back to
//! older ones: a newest checkpoint whose record cannot be read, or that the target refuses (a
//! firmware update changed the model type), is passed over, and
//! [`Slots::load_report`] says which. A slot or load that fails is tried a second time, so a
//! single transient read fault (a read disturb) never hides the newest checkpoint.
//!
//! # Durability
//! Each save erases every page of one region once, so with `N` regions each page is erased
//! once every `N` saves, and the flash reaches its rated erase cycles after
//!
//! > lifetime (days) = erase cycles × `N` / saves per day
//!
//! ([`Slots::lifetime_days`]). At one save an hour (24 a day):
//!
//! | flash | rated erase cycles | `N` = 2 | `N` = 4 | `N` = 8 |
//! |---|---:|---:|---:|---:|
//! | nRF52840 internal flash (4 KiB pages) | 10 000 | 2.3 years | 4.6 years | 9.1 years |
//! | STM32F4 internal flash (16 to 128 KiB sectors) | 10 000 | 2.3 years | 4.6 years | 9.1 years |
//! | RP2040's external QSPI NOR flash (4 KiB sectors) | 100 000 | 22.8 years | 45.6 years | 91.3 years |
//!
//! At one save a day, multiply by 24 (10 000 cycles, `N` = 2: 55 years). Data retention
//! (typically 10 to 20 years, see the part's datasheet) then bounds the lifetime, not wear. A
//! region is at least one erase page (one sector on an STM32F4), so the flash set aside is
//! `N` × [`Slots::region_bytes_for`].
//!
//! Nothing is buffered whole: the record streams through a 256-byte chunk on the stack, so a
//! model of any size needs no RAM buffer of its size.
//!
//! # Layout of a region
//! The region starts and ends on erase-page boundaries (`ERASE_SIZE`).
//!
//! | offset | size | field |
//! |---:|---:|---|
//! | 0 | 4 | slot magic `GLNs` |
//! | 4 | 2 | slot format version (`u16`, 1) |
//! | 6 | 2 | reserved, 0 |
//! | 8 | 4 | sequence number (`u32`; the newer of two is the one `a - b` (wrapping) is positive for) |
//! | 12 | 4 | record length in bytes (`u32`) |
//! | 16 | 4 | CRC-32 of the record |
//! | 20 | 4 | offset of the record in the region, `H` (`u32`) |
//! | 24 | 4 | reserved, 0 |
//! | 28 | 4 | CRC-32 of bytes 0..28 |
//! | 32 | .. | `0xFF` up to `H`, the header size rounded up to `WRITE_SIZE` and `READ_SIZE` |
//! | H | length | the record (see [`crate::persist`]), padded with `0xFF` to `WRITE_SIZE` |
//!
//! ```
//! # use embedded_storage::nor_flash::{ErrorType, NorFlash, NorFlashErrorKind, ReadNorFlash};
//! # struct Ram([u8; 4096]);
//! # impl ErrorType for Ram { type Error = NorFlashErrorKind; }
//! # impl ReadNorFlash for Ram {
//! #     const READ_SIZE: usize = 1;
//! #     fn read(&mut self, o: u32, b: &mut [u8]) -> Result<(), Self::Error> {
//! #         b.copy_from_slice(&self.0[o as usize..o as usize + b.len()]); Ok(())
//! #     }
//! #     fn capacity(&self) -> usize { 4096 }
//! # }
//! # impl NorFlash for Ram {
//! #     const WRITE_SIZE: usize = 4;
//! #     const ERASE_SIZE: usize = 1024;
//! #     fn erase(&mut self, f: u32, t: u32) -> Result<(), Self::Error> {
//! #         self.0[f as usize..t as usize].fill(0xFF); Ok(())
//! #     }
//! #     fn write(&mut self, o: u32, b: &[u8]) -> Result<(), Self::Error> {
//! #         self.0[o as usize..o as usize + b.len()].copy_from_slice(b); Ok(())
//! #     }
//! # }
//! use gln::storage::Slots;
//! use gln::{Config, Gln2, Standardizer};
//!
//! type Model = Gln2<3, 3, 8, 2, 4>;
//! let mut flash = Ram([0xFF; 4096]);
//! let slots = Slots::new(0, 2048); // two regions of 2 KiB at offset 0
//! // Or `Slots::with_regions(0, 1024, 4)`: four regions, twice the lifetime of two.
//!
//! let mut state = (Model::new(42, Config::DEFAULT), Standardizer::<3>::new(1e-3));
//! let seq = slots.save(&mut flash, &state)?; // e.g. once an hour
//!
//! // After a reset:
//! let mut restored = (Model::new(42, Config::DEFAULT), Standardizer::<3>::new(1e-3));
//! assert_eq!(slots.load(&mut flash, &mut restored)?, seq);
//! # Ok::<(), gln::storage::StorageError<NorFlashErrorKind>>(())
//! ```

use crate::error::Error;
use crate::persist::{Crc32, LoadError, Persist, PersistError, Sink, Source, crc32};
use embedded_storage::nor_flash::{NorFlash, ReadNorFlash};

/// Bytes streamed per flash read or write call (a buffer on the stack).
pub const CHUNK: usize = 256;
/// The slot header's magic number.
pub(crate) const SLOT_MAGIC: [u8; 4] = *b"GLNs";
/// The slot format version.
pub(crate) const SLOT_VERSION: u16 = 1;
/// Bytes of the slot header before padding.
pub(crate) const SLOT_HEADER_BYTES: usize = 32;
const ERASED: u8 = 0xFF;

/// Why a checkpoint could not be saved or loaded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum StorageError<E> {
    /// The flash reported an error.
    Flash(E),
    /// No valid checkpoint is a valid record for the target (another shape, a newer
    /// format...); the error is the newest one's. Nothing changed.
    Invalid(Error),
    /// No region holds a valid checkpoint (a fresh device, or one whose only checkpoint was
    /// being written when power failed), and every region could be read.
    NoCheckpoint,
    /// The regions do not fit the flash or the checkpoint: the text says how.
    Layout(&'static str),
    /// The checkpoint read back after writing it is not valid (a worn or failing flash), in
    /// every region tried; the previous checkpoint is still there.
    VerifyFailed,
}

/// The flash's error is shown with `Debug`: the `embedded-storage` error types and most HAL
/// flash errors implement `Debug`, few implement `Display`.
impl<E: core::fmt::Debug> core::fmt::Display for StorageError<E> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            StorageError::Flash(e) => write!(f, "flash error: {e:?}"),
            StorageError::Invalid(e) => write!(f, "no checkpoint loads: {e}"),
            StorageError::NoCheckpoint => write!(f, "no region holds a valid checkpoint"),
            StorageError::Layout(what) => write!(f, "bad checkpoint layout: {what}"),
            StorageError::VerifyFailed => write!(
                f,
                "the checkpoint read back after writing is not valid in any region tried"
            ),
        }
    }
}

/// Without `std` (`core::error::Error`, Rust 1.81): a firmware can return it as
/// `&dyn core::error::Error`.
impl<E: core::fmt::Debug> core::error::Error for StorageError<E> {}

impl<E> From<Error> for StorageError<E> {
    fn from(e: Error) -> Self {
        StorageError::Invalid(e)
    }
}

/// A valid checkpoint found in a region.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct SlotInfo {
    /// Its region: 0 for the region at `base`, `k` for the one `k` region sizes after it.
    pub region: u8,
    /// Its sequence number.
    pub sequence: u32,
    /// Bytes of the record.
    pub length: u32,
}

/// Why [`Slots::load_report`] passed over a newer checkpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum SkipReason {
    /// Reading its record failed.
    Unreadable,
    /// Its record is not a valid record for the target (another model type or shape, or bytes
    /// that changed between the scan and the load).
    Refused(Error),
}

/// A newer checkpoint that [`Slots::load_report`] passed over.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Skipped {
    /// The checkpoint.
    pub slot: SlotInfo,
    /// Why it was passed over.
    pub reason: SkipReason,
}

/// What [`Slots::load_report`] loaded and what it passed over to get there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct LoadReport {
    /// The checkpoint loaded.
    pub loaded: SlotInfo,
    /// Valid checkpoints newer than it that could not be loaded.
    pub skipped: u8,
    /// The newest of them.
    pub newest_skipped: Option<Skipped>,
    /// Regions whose slot header or record could not be read while scanning.
    pub unreadable: u8,
    /// The layout version of the record loaded (of its first record, for a pair), as its
    /// header says: the current version of its kind, or the previous one (read and migrated;
    /// see `docs/format.md`, "Versions").
    pub version: u16,
}

/// `N` flash regions holding the `N` newest checkpoints, written round robin (see the
/// [module docs](self)).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Slots {
    base: u32,
    region_bytes: u32,
    regions: u8,
}

/// `x` rounded up to a multiple of `to` (a power of two), saturating.
const fn round_up(x: usize, to: usize) -> usize {
    let m = to.wrapping_sub(1);
    x.saturating_add(m) & !m
}

const fn max(a: usize, b: usize) -> usize {
    if a > b { a } else { b }
}

/// `a` is newer than `b` in serial-number arithmetic.
fn newer(a: u32, b: u32) -> bool {
    (a.wrapping_sub(b) as i32) > 0
}

fn word(h: &[u8], at: usize) -> u32 {
    let mut w = [0u8; 4];
    for (d, s) in w.iter_mut().zip(h.iter().skip(at)) {
        *d = *s;
    }
    u32::from_le_bytes(w)
}

/// A set of region numbers (0 to 255).
#[derive(Clone, Copy, Default)]
struct Regions([u32; 8]);

impl Regions {
    fn has(&self, r: u8) -> bool {
        self.0
            .get(usize::from(r / 32))
            .is_some_and(|w| w & (1 << (r % 32)) != 0)
    }

    fn add(&mut self, r: u8) {
        if let Some(w) = self.0.get_mut(usize::from(r / 32)) {
            *w |= 1 << (r % 32);
        }
    }

    fn len(&self) -> u8 {
        let n: u32 = self.0.iter().map(|w| w.count_ones()).sum();
        u8::try_from(n).unwrap_or(u8::MAX)
    }
}

/// Read failures met while scanning: the regions, and the first error.
struct Faults<E> {
    regions: Regions,
    first: Option<E>,
}

impl<E> Faults<E> {
    fn new() -> Self {
        Self {
            regions: Regions::default(),
            first: None,
        }
    }
}

impl Slots {
    /// Two regions, `[base, base + region_bytes)` and `[base + region_bytes, base + 2 ·
    /// region_bytes)`, as offsets in the flash. Both must start and end on erase-page
    /// boundaries; [`save`](Self::save) and [`load`](Self::load) check it.
    pub const fn new(base: u32, region_bytes: u32) -> Self {
        Self::with_regions(base, region_bytes, 2)
    }

    /// `regions` regions of `region_bytes` each, back to back from `base`, written round
    /// robin: each page is erased once every `regions` saves (see the module docs for the
    /// lifetime). At least 2 (checked by [`save`](Self::save) and [`load`](Self::load)).
    pub const fn with_regions(base: u32, region_bytes: u32, regions: u8) -> Self {
        Self {
            base,
            region_bytes,
            regions,
        }
    }

    /// Number of regions.
    pub const fn regions(&self) -> u8 {
        self.regions
    }

    /// Days until the flash reaches `erase_cycles` (its rated endurance) at `saves_per_day`:
    /// `erase_cycles × regions / saves_per_day` (`u64::MAX` for no saves).
    pub const fn lifetime_days(&self, erase_cycles: u32, saves_per_day: u32) -> u64 {
        let erases = (erase_cycles as u64).saturating_mul(self.regions as u64);
        match erases.checked_div(saves_per_day as u64) {
            Some(d) => d,
            None => u64::MAX,
        }
    }

    /// Bytes before the record in a region: the slot header padded to `F`'s write and read
    /// sizes.
    pub const fn header_bytes<F: NorFlash>() -> usize {
        round_up(SLOT_HEADER_BYTES, max(F::WRITE_SIZE, F::READ_SIZE))
    }

    /// The smallest region (a whole number of erase pages) that holds a checkpoint of `P`
    /// on `F`.
    pub const fn region_bytes_for<F: NorFlash, P: Persist>() -> usize {
        let used =
            Self::header_bytes::<F>().saturating_add(round_up(P::SAVED_BYTES, F::WRITE_SIZE));
        match used.checked_div(F::ERASE_SIZE) {
            Some(pages) if pages.saturating_mul(F::ERASE_SIZE) == used => used,
            Some(pages) => pages.saturating_add(1).saturating_mul(F::ERASE_SIZE),
            None => used, // an erase size of 0: `save` reports the layout error
        }
    }

    fn start(&self, region: u8) -> u32 {
        self.base
            .wrapping_add(u32::from(region).wrapping_mul(self.region_bytes))
    }

    /// Checks that the regions are aligned to `align` and inside the flash.
    fn check_bounds<F: ReadNorFlash>(&self, flash: &F, align: usize) -> Result<(), &'static str> {
        if !F::READ_SIZE.is_power_of_two() || F::READ_SIZE > CHUNK {
            return Err("the flash's read size must be a power of two up to 256");
        }
        if self.regions < 2 {
            return Err(
                "at least two regions are needed (one keeps the checkpoint a save replaces)",
            );
        }
        let (base, region) = (self.base as usize, self.region_bytes as usize);
        if align == 0 || !base.is_multiple_of(align) || !region.is_multiple_of(align) || region == 0
        {
            return Err("base and region size must be non-zero multiples of the erase size");
        }
        let end = region
            .checked_mul(usize::from(self.regions))
            .and_then(|r| r.checked_add(base))
            .ok_or("the regions overflow the address space")?;
        if end > flash.capacity() || end > u32::MAX as usize {
            return Err("the regions do not fit in the flash");
        }
        Ok(())
    }

    /// The newest valid checkpoint, if any.
    ///
    /// # Errors
    /// [`StorageError::Flash`] if a read fails; [`StorageError::Layout`] if the regions do not
    /// fit the flash.
    pub fn latest<F: ReadNorFlash>(
        &self,
        flash: &mut F,
    ) -> Result<Option<SlotInfo>, StorageError<F::Error>> {
        self.check_bounds(flash, F::READ_SIZE)
            .map_err(StorageError::Layout)?;
        let mut faults = Faults::new();
        let best = self.scan(flash, Regions::default(), &mut faults)?;
        match faults.first {
            Some(e) => Err(StorageError::Flash(e)),
            None => Ok(best.map(|(info, _)| info)),
        }
    }

    /// The newest valid checkpoint outside `skip` and where its record starts. A region
    /// whose reads fail is recorded in `faults` (and skipped).
    fn scan<F: ReadNorFlash>(
        &self,
        flash: &mut F,
        skip: Regions,
        faults: &mut Faults<F::Error>,
    ) -> Result<Option<(SlotInfo, u32)>, StorageError<F::Error>> {
        let mut best: Option<(SlotInfo, u32)> = None;
        for region in 0..self.regions {
            if skip.has(region) || faults.regions.has(region) {
                continue;
            }
            match self.slot(flash, region) {
                Ok(Some(found)) => {
                    best = match best {
                        Some(b) if !newer(found.0.sequence, b.0.sequence) => Some(b),
                        _ => Some(found),
                    };
                }
                Ok(None) => {}
                Err(StorageError::Flash(e)) => {
                    faults.regions.add(region);
                    faults.first.get_or_insert(e);
                }
                Err(e) => return Err(e),
            }
        }
        Ok(best)
    }

    /// The checkpoint in `region` and where its record starts, if its header and record
    /// CRCs are right; a slot that fails (or whose read fails) is read a second time: a
    /// transient read fault does not hide a checkpoint.
    fn slot<F: ReadNorFlash>(
        &self,
        flash: &mut F,
        region: u8,
    ) -> Result<Option<(SlotInfo, u32)>, StorageError<F::Error>> {
        match self.slot_once(flash, region) {
            Ok(Some(found)) => Ok(Some(found)),
            _ => self.slot_once(flash, region),
        }
    }

    fn slot_once<F: ReadNorFlash>(
        &self,
        flash: &mut F,
        region: u8,
    ) -> Result<Option<(SlotInfo, u32)>, StorageError<F::Error>> {
        let start = self.start(region);
        let mut h = [0u8; SLOT_HEADER_BYTES];
        let mut src = FlashSource::new(flash, start, SLOT_HEADER_BYTES as u32);
        src.read(&mut h)?;
        let (head, tail) = h.split_at(SLOT_HEADER_BYTES - 4);
        let header_ok = head.starts_with(&SLOT_MAGIC)
            && word(&h, 4) == u32::from(SLOT_VERSION)
            && word(&h, 24) == 0
            && crc32(head).to_le_bytes() == *tail;
        if !header_ok {
            return Ok(None);
        }
        let (sequence, length, record_crc, offset) =
            (word(&h, 8), word(&h, 12), word(&h, 16), word(&h, 20));
        let fits = (offset as usize) >= SLOT_HEADER_BYTES
            && (offset as usize).is_multiple_of(F::READ_SIZE)
            && u64::from(offset).saturating_add(u64::from(length)) <= u64::from(self.region_bytes);
        if !fits {
            return Ok(None);
        }
        // The record's own CRC: a record cut short or half erased by a power cut fails here.
        let record_start = start.wrapping_add(offset);
        let mut src = FlashSource::new(flash, record_start, length);
        let mut crc = Crc32::new();
        let mut chunk = [0u8; 64];
        let mut left = length as usize;
        while left > 0 {
            let n = left.min(chunk.len());
            let part = chunk.get_mut(..n).unwrap_or(&mut []);
            src.read(part)?;
            crc.update(part);
            left = left.saturating_sub(n);
        }
        let info = SlotInfo {
            region,
            sequence,
            length,
        };
        Ok((crc.finish() == record_crc).then_some((info, record_start)))
    }

    /// Loads the newest checkpoint that is a valid record for `P` into `value`; returns its
    /// sequence number. See [`load_report`](Self::load_report), which also says what was
    /// passed over.
    ///
    /// # Errors
    /// As [`load_report`](Self::load_report).
    pub fn load<F: ReadNorFlash, P: Persist>(
        &self,
        flash: &mut F,
        value: &mut P,
    ) -> Result<u32, StorageError<F::Error>> {
        self.load_report(flash, value).map(|r| r.loaded.sequence)
    }

    /// Loads the newest checkpoint that is a valid record for `P` into `value`, falling back
    /// to older ones: a newer checkpoint whose record cannot be read, or that `P` refuses
    /// (another model type or shape, bytes that changed since the scan), is passed over and
    /// reported. Each record is applied through [`Persist::load_from`]: the bytes applied are
    /// the bytes checked (a record whose bytes change between the check and the apply read
    /// is refused with [`PersistError::Changed`] and retried
    /// once), staged in a copy of `P` on the stack, so nothing changes on error.
    ///
    /// # Errors
    /// [`StorageError::NoCheckpoint`] if no region holds a valid checkpoint and every region
    /// could be read; [`StorageError::Invalid`] or [`StorageError::Flash`] (the newest
    /// checkpoint's error) if none of the valid ones loads; [`StorageError::Flash`] if no
    /// valid checkpoint was found but a region could not be read; [`StorageError::Layout`].
    pub fn load_report<F: ReadNorFlash, P: Persist>(
        &self,
        flash: &mut F,
        value: &mut P,
    ) -> Result<LoadReport, StorageError<F::Error>> {
        self.load_with(flash, |source| value.load_from(source))
    }

    /// [`load_report`](Self::load_report) staging each record in `scratch` instead of a copy
    /// on the stack (see [`Persist::load_from_staged`]): for a `P` too large for the stack,
    /// with `scratch` e.g. a second `static`. `scratch` may hold any state and is overwritten.
    ///
    /// # Errors
    /// As [`load_report`](Self::load_report); `value` is unchanged on error.
    pub fn load_report_staged<F: ReadNorFlash, P: Persist>(
        &self,
        flash: &mut F,
        value: &mut P,
        scratch: &mut P,
    ) -> Result<LoadReport, StorageError<F::Error>> {
        self.load_with(flash, |source| value.load_from_staged(source, scratch))
    }

    /// The newest checkpoint that `load` accepts, falling back to older ones.
    fn load_with<F: ReadNorFlash>(
        &self,
        flash: &mut F,
        mut load: impl FnMut(&mut FlashSource<'_, F>) -> Result<(), LoadError<StorageError<F::Error>>>,
    ) -> Result<LoadReport, StorageError<F::Error>> {
        self.check_bounds(flash, F::READ_SIZE)
            .map_err(StorageError::Layout)?;
        let (mut tried, mut faults) = (Regions::default(), Faults::new());
        let (mut skipped, mut newest_skipped, mut error) = (0u8, None, None);
        while let Some((info, record_start)) = self.scan(flash, tried, &mut faults)? {
            tried.add(info.region);
            // A second try: a transient fault does not make it pass over the newest.
            let mut once = || {
                let mut source = FlashSource::new(flash, record_start, info.length);
                load(&mut source).map(|()| u16::from_le_bytes(source.version))
            };
            let (reason, e) = match once().or_else(|_| once()) {
                Ok(version) => {
                    return Ok(LoadReport {
                        loaded: info,
                        skipped,
                        newest_skipped,
                        unreadable: faults.regions.len(),
                        version,
                    });
                }
                Err(LoadError::Invalid(e)) => (SkipReason::Refused(e), StorageError::Invalid(e)),
                Err(LoadError::Read(StorageError::Invalid(e))) => {
                    (SkipReason::Refused(e), StorageError::Invalid(e))
                }
                Err(LoadError::Read(e)) => (SkipReason::Unreadable, e),
            };
            skipped = skipped.saturating_add(1);
            newest_skipped.get_or_insert(Skipped { slot: info, reason });
            error.get_or_insert(e);
        }
        Err(match (error, faults.first) {
            (Some(e), _) => e,
            (None, Some(e)) => StorageError::Flash(e),
            (None, None) => StorageError::NoCheckpoint,
        })
    }

    /// Saves `value` as a new checkpoint in the region after the one holding the newest
    /// valid checkpoint (round robin); returns its sequence number (one more than the
    /// newest's, 1 on a fresh flash).
    ///
    /// Erases that region, writes the record, writes the slot header last, then reads the
    /// slot back to verify it. A power cut (or a flash error) at any point leaves the other
    /// regions, and so the previous checkpoint, untouched. A region that fails (an erase or
    /// write error, or a slot that does not read back valid: a worn region) is skipped and
    /// the next one tried, never the one holding the newest checkpoint; so is a region that
    /// could not be read.
    ///
    /// # Errors
    /// [`StorageError::Layout`] if the regions are not erase-aligned, do not fit the flash, or
    /// are too small for `P` (see [`region_bytes_for`](Self::region_bytes_for)), checked
    /// before anything is erased; if every other region fails, the first region's error:
    /// [`StorageError::Flash`] or [`StorageError::VerifyFailed`] (or the read error if no
    /// other region could be read).
    pub fn save<F: NorFlash, P: Persist>(
        &self,
        flash: &mut F,
        value: &P,
    ) -> Result<u32, StorageError<F::Error>> {
        self.check_save_layout::<F, P>(flash)?;
        let mut faults = Faults::new();
        let newest = self.scan(flash, Regions::default(), &mut faults)?;
        let (first, sequence) = match newest {
            Some((l, _)) => (l.region.wrapping_add(1), l.sequence.wrapping_add(1)),
            None => (0, 1),
        };
        let mut error = None;
        for k in 0..self.regions {
            let r = u16::from(first)
                .saturating_add(u16::from(k))
                .checked_rem(u16::from(self.regions));
            let region = r.and_then(|r| u8::try_from(r).ok()).unwrap_or(0);
            if newest.is_some_and(|(l, _)| l.region == region) || faults.regions.has(region) {
                continue;
            }
            match self.save_in(flash, region, sequence, value) {
                Ok(()) => return Ok(sequence),
                Err(e @ (StorageError::Flash(_) | StorageError::VerifyFailed)) => {
                    error.get_or_insert(e);
                }
                Err(e) => return Err(e),
            }
        }
        // Every region tried failed, or none but the newest could be read.
        Err(match (error, faults.first) {
            (Some(e), _) => e,
            (None, Some(e)) => StorageError::Flash(e),
            (None, None) => StorageError::Layout("no region to write"),
        })
    }

    /// The layout checks of `save`, before anything is erased.
    fn check_save_layout<F: NorFlash, P: Persist>(
        &self,
        flash: &F,
    ) -> Result<(), StorageError<F::Error>> {
        if !F::WRITE_SIZE.is_power_of_two() || F::WRITE_SIZE > CHUNK {
            return Err(StorageError::Layout(
                "the flash's write size must be a power of two up to 256",
            ));
        }
        self.check_bounds(flash, max(F::ERASE_SIZE, F::READ_SIZE))
            .map_err(StorageError::Layout)?;
        let used =
            Self::header_bytes::<F>().saturating_add(round_up(P::SAVED_BYTES, F::WRITE_SIZE));
        if used > self.region_bytes as usize {
            return Err(StorageError::Layout(
                "the region is too small for the checkpoint (see Slots::region_bytes_for)",
            ));
        }
        Ok(())
    }

    /// One save attempt in `region`: erase, record, header, verify.
    fn save_in<F: NorFlash, P: Persist>(
        &self,
        flash: &mut F,
        region: u8,
        sequence: u32,
        value: &P,
    ) -> Result<(), StorageError<F::Error>> {
        let start = self.start(region);
        flash
            .erase(start, start.wrapping_add(self.region_bytes))
            .map_err(StorageError::Flash)?;
        let header = Self::header_bytes::<F>();
        let mut sink = FlashSink {
            flash: &mut *flash,
            at: start.wrapping_add(header as u32),
            buf: [ERASED; CHUNK],
            fill: 0,
            crc: Crc32::new(),
            written: 0,
        };
        value.save_to(&mut sink)?;
        let (record_crc, length) = (sink.crc.finish(), sink.written);
        sink.flush()?;
        if length as usize != P::SAVED_BYTES {
            return Err(StorageError::Invalid(
                PersistError::WrongLength {
                    expected: P::SAVED_BYTES as u32,
                    found: length,
                }
                .into(),
            ));
        }
        // The commit: the slot header, written once, after the record.
        let fields = [sequence, length, record_crc, header as u32];
        write_header::<F>(flash, start, fields)?;
        match self.slot(flash, region)? {
            Some((info, _)) if info.sequence == sequence && info.length == length => Ok(()),
            _ => Err(StorageError::VerifyFailed),
        }
    }
}

/// Writes the slot header at `start`: `[sequence, length, record CRC, record offset]`.
fn write_header<F: NorFlash>(
    flash: &mut F,
    start: u32,
    [sequence, length, record_crc, offset]: [u32; 4],
) -> Result<(), StorageError<F::Error>> {
    let mut h = [ERASED; CHUNK];
    let fields = [
        u32::from_le_bytes(SLOT_MAGIC),
        u32::from(SLOT_VERSION),
        sequence,
        length,
        record_crc,
        offset,
        0,
    ];
    for (d, f) in h.chunks_exact_mut(4).zip(fields) {
        d.copy_from_slice(&f.to_le_bytes());
    }
    let c = crc32(h.get(..SLOT_HEADER_BYTES - 4).unwrap_or(&[]));
    if let Some(d) = h.get_mut(SLOT_HEADER_BYTES - 4..SLOT_HEADER_BYTES) {
        d.copy_from_slice(&c.to_le_bytes());
    }
    let n = round_up(SLOT_HEADER_BYTES, F::WRITE_SIZE);
    flash
        .write(start, h.get(..n).unwrap_or(&[]))
        .map_err(StorageError::Flash)
}

/// Streams a record into flash through a chunk buffer; the last chunk is padded with `0xFF`
/// to the write size.
struct FlashSink<'f, F> {
    flash: &'f mut F,
    at: u32,
    buf: [u8; CHUNK],
    fill: usize,
    crc: Crc32,
    written: u32,
}

impl<F: NorFlash> FlashSink<'_, F> {
    fn flush(&mut self) -> Result<(), StorageError<F::Error>> {
        if self.fill == 0 {
            return Ok(());
        }
        let n = round_up(self.fill, F::WRITE_SIZE).min(CHUNK);
        if let Some(pad) = self.buf.get_mut(self.fill..n) {
            pad.fill(ERASED);
        }
        self.flash
            .write(self.at, self.buf.get(..n).unwrap_or(&[]))
            .map_err(StorageError::Flash)?;
        self.at = self.at.wrapping_add(n as u32);
        self.fill = 0;
        Ok(())
    }
}

impl<F: NorFlash> Sink for FlashSink<'_, F> {
    type Error = StorageError<F::Error>;
    fn write(&mut self, mut bytes: &[u8]) -> Result<(), Self::Error> {
        self.crc.update(bytes);
        self.written = self.written.wrapping_add(bytes.len() as u32);
        while !bytes.is_empty() {
            let room = CHUNK.saturating_sub(self.fill);
            let (now, later) = bytes.split_at(room.min(bytes.len()));
            if let Some(dst) = self
                .buf
                .get_mut(self.fill..self.fill.saturating_add(now.len()))
            {
                dst.copy_from_slice(now);
            }
            self.fill = self.fill.saturating_add(now.len());
            if self.fill == CHUNK {
                self.flush()?;
            }
            bytes = later;
        }
        Ok(())
    }
}

/// Reads `len` bytes of flash from `start` (aligned to the read size) through a chunk buffer
/// of aligned reads; reading past `len` is [`PersistError::Truncated`].
struct FlashSource<'f, F> {
    flash: &'f mut F,
    start: u32,
    len: u32,
    pos: u32,
    buf: [u8; CHUNK],
    /// Offset (from `start`) of `buf[0]`, and how many bytes of `buf` are loaded.
    buf_at: u32,
    buf_len: u32,
    /// The record's version word (bytes 4 and 5) as last read: after a load, the apply pass's.
    version: [u8; 2],
}

impl<'f, F: ReadNorFlash> FlashSource<'f, F> {
    fn new(flash: &'f mut F, start: u32, len: u32) -> Self {
        Self {
            flash,
            start,
            len,
            pos: 0,
            buf: [0; CHUNK],
            buf_at: 0,
            buf_len: 0,
            version: [0; 2],
        }
    }
}

impl<F: ReadNorFlash> Source for FlashSource<'_, F> {
    type Error = StorageError<F::Error>;
    fn read(&mut self, out: &mut [u8]) -> Result<(), Self::Error> {
        let end = u64::from(self.pos).saturating_add(out.len() as u64);
        if end > u64::from(self.len) {
            return Err(StorageError::Invalid(
                PersistError::Truncated {
                    needed: end as usize,
                    found: self.len as usize,
                }
                .into(),
            ));
        }
        for o in out.iter_mut() {
            let in_buf = self.pos.wrapping_sub(self.buf_at);
            if self.pos < self.buf_at || in_buf >= self.buf_len {
                // Load the aligned chunk holding `pos`.
                // `pos < len`, so `at <= pos < len`.
                let at = self
                    .pos
                    .saturating_sub(self.pos.checked_rem(CHUNK as u32).unwrap_or(0));
                let n = round_up(self.len.saturating_sub(at) as usize, F::READ_SIZE).min(CHUNK);
                let dst = self.buf.get_mut(..n).unwrap_or(&mut []);
                self.flash
                    .read(self.start.wrapping_add(at), dst)
                    .map_err(StorageError::Flash)?;
                self.buf_at = at;
                self.buf_len = n as u32;
            }
            *o = self
                .buf
                .get(self.pos.wrapping_sub(self.buf_at) as usize)
                .copied()
                .unwrap_or(ERASED);
            if let Some(v) = self.version.get_mut(self.pos.wrapping_sub(4) as usize) {
                *v = *o;
            }
            self.pos = self.pos.wrapping_add(1);
        }
        Ok(())
    }

    fn rewind(&mut self) -> Result<(), Self::Error> {
        self.pos = 0;
        Ok(())
    }
}
