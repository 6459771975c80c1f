//! Checkpoints in NOR flash, against an in-memory flash that can lose power at any byte of
//! any erase or write: a save cut anywhere loses at most the checkpoint being written.
#![cfg(feature = "storage")]

use embedded_storage::nor_flash::{
    ErrorType, NorFlash, NorFlashError, NorFlashErrorKind, ReadNorFlash,
};
use gln::rng::SplitMix64;
use gln::storage::{SkipReason, Slots, StorageError};
use gln::{Config, Error, Gln2, Input, LearningRate, Persist, PersistError, Standardizer};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum FlashError {
    PowerCut,
    Misaligned,
    OutOfBounds,
    WrittenTwice,
    /// A worn page that no longer erases.
    Worn,
    /// A transient read failure (see `Flash::faults`).
    ReadFailed,
}

/// A one-shot read fault: the `skip + 1`-th read that starts at `at` flips a bit of what it
/// returns (a read disturb) or fails.
#[derive(Clone, Copy, Debug)]
struct ReadFault {
    at: usize,
    skip: usize,
    disturb: bool,
}

impl NorFlashError for FlashError {
    fn kind(&self) -> NorFlashErrorKind {
        match self {
            FlashError::Misaligned => NorFlashErrorKind::NotAligned,
            FlashError::OutOfBounds => NorFlashErrorKind::OutOfBounds,
            _ => NorFlashErrorKind::Other,
        }
    }
}

/// NOR flash in RAM with `R`-byte reads, `W`-byte writes and `E`-byte erase pages. Every
/// byte erased or programmed costs one unit of `budget`; when it runs out the power is cut:
/// the word being written (or the page being erased) is left with arbitrary contents, as the
/// `NorFlash` contract allows, and every later call fails. It also enforces the contract:
/// aligned accesses, and no word written twice without an erase.
#[derive(Clone)]
struct Flash<const R: usize, const W: usize, const E: usize> {
    mem: Vec<u8>,
    /// Whether each word has been written since its last erase.
    programmed: Vec<bool>,
    budget: Option<usize>,
    used: usize,
    dead: bool,
    garbage: SplitMix64,
    /// Erase the pages of a range last to first (a driver may use any order).
    reverse_erase: bool,
    /// Pages in this range fail to erase (worn out).
    worn: std::ops::Range<usize>,
    /// Writes in this range leave the bytes erased (stuck bits), without an error.
    stuck: std::ops::Range<usize>,
    /// Pending one-shot read faults.
    faults: Vec<ReadFault>,
}

impl<const R: usize, const W: usize, const E: usize> Flash<R, W, E> {
    fn new(size: usize) -> Self {
        Self {
            mem: vec![0xFF; size],
            programmed: vec![false; size / W],
            budget: None,
            used: 0,
            dead: false,
            garbage: SplitMix64::new(size as u64),
            reverse_erase: false,
            worn: 0..0,
            stuck: 0..0,
            faults: Vec::new(),
        }
    }

    /// Applies the pending fault for a read at `o`, if its turn has come.
    fn fault(&mut self, o: usize, bytes: &mut [u8]) -> Result<(), FlashError> {
        let Some(i) = self.faults.iter().position(|f| f.at == o) else {
            return Ok(());
        };
        if self.faults[i].skip > 0 {
            self.faults[i].skip -= 1;
            return Ok(());
        }
        let f = self.faults.remove(i);
        if !f.disturb {
            return Err(FlashError::ReadFailed);
        }
        let k = bytes.len() / 2;
        bytes[k] ^= 0x08;
        Ok(())
    }

    /// Power back on, with no limit on the next operations.
    fn reboot(&mut self) {
        self.budget = None;
        self.dead = false;
        self.used = 0;
    }

    /// Takes one unit of budget; false when the power is cut now.
    fn tick(&mut self) -> bool {
        if let Some(b) = self.budget
            && self.used >= b
        {
            self.dead = true;
            return false;
        }
        self.used += 1;
        true
    }

    fn scramble(&mut self, range: std::ops::Range<usize>) {
        for i in range {
            self.mem[i] = self.garbage.next_u64() as u8;
        }
    }
}

impl<const R: usize, const W: usize, const E: usize> ErrorType for Flash<R, W, E> {
    type Error = FlashError;
}

impl<const R: usize, const W: usize, const E: usize> ReadNorFlash for Flash<R, W, E> {
    const READ_SIZE: usize = R;
    fn read(&mut self, offset: u32, bytes: &mut [u8]) -> Result<(), FlashError> {
        let o = offset as usize;
        if !o.is_multiple_of(R) || !bytes.len().is_multiple_of(R) {
            return Err(FlashError::Misaligned);
        }
        let src = self
            .mem
            .get(o..o + bytes.len())
            .ok_or(FlashError::OutOfBounds)?;
        bytes.copy_from_slice(src);
        self.fault(o, bytes)
    }
    fn capacity(&self) -> usize {
        self.mem.len()
    }
}

impl<const R: usize, const W: usize, const E: usize> NorFlash for Flash<R, W, E> {
    const WRITE_SIZE: usize = W;
    const ERASE_SIZE: usize = E;

    fn erase(&mut self, from: u32, to: u32) -> Result<(), FlashError> {
        let (from, to) = (from as usize, to as usize);
        if self.dead {
            return Err(FlashError::PowerCut);
        }
        if !from.is_multiple_of(E) || !to.is_multiple_of(E) || from > to {
            return Err(FlashError::Misaligned);
        }
        if to > self.mem.len() {
            return Err(FlashError::OutOfBounds);
        }
        if from < self.worn.end && self.worn.start < to {
            return Err(FlashError::Worn);
        }
        let mut pages: Vec<usize> = (from..to).step_by(E).collect();
        if self.reverse_erase {
            pages.reverse();
        }
        for page in pages {
            for i in page..page + E {
                if !self.tick() {
                    // Power lost while erasing this page: its contents are undefined.
                    self.scramble(i..page + E);
                    return Err(FlashError::PowerCut);
                }
                self.mem[i] = 0xFF;
            }
            for w in page / W..(page + E) / W {
                self.programmed[w] = false;
            }
        }
        Ok(())
    }

    fn write(&mut self, offset: u32, bytes: &[u8]) -> Result<(), FlashError> {
        let o = offset as usize;
        if self.dead {
            return Err(FlashError::PowerCut);
        }
        if !o.is_multiple_of(W) || !bytes.len().is_multiple_of(W) {
            return Err(FlashError::Misaligned);
        }
        if o + bytes.len() > self.mem.len() {
            return Err(FlashError::OutOfBounds);
        }
        for (k, word) in bytes.chunks(W).enumerate() {
            let at = o + k * W;
            if self.programmed[at / W] {
                return Err(FlashError::WrittenTwice);
            }
            self.programmed[at / W] = true;
            for (j, &b) in word.iter().enumerate() {
                if !self.tick() {
                    // Power lost while programming this word: undefined (NOR only clears
                    // bits, so the garbage is ANDed into what was there).
                    for i in at + j..at + W {
                        self.mem[i] &= self.garbage.next_u64() as u8;
                    }
                    return Err(FlashError::PowerCut);
                }
                if !self.stuck.contains(&(at + j)) {
                    self.mem[at + j] &= b;
                }
            }
        }
        Ok(())
    }
}

type Model = Gln2<3, 3, 4, 2, 4>;
type State = (Model, Standardizer<3>);

/// A state after `steps` learning steps from the same start: each step count is a distinct,
/// recognisable state.
fn state(steps: u32) -> State {
    let config = Config::DEFAULT.with_learning_rate(LearningRate::constant(0.2));
    let mut m = Model::new(5, config);
    let mut s = Standardizer::<3>::new(0.1);
    for t in 0..steps {
        let raw = [t as f32 * 0.3, (t % 7) as f32, 2.0 - t as f32 * 0.01];
        let z = s.update_transform(&raw).unwrap();
        m.learn(&Input::from_side(&z).unwrap(), t % 3 != 0);
    }
    (m, s)
}

fn id(s: &State) -> (u64, u64) {
    (s.0.fingerprint(), s.1.count())
}

fn blank() -> State {
    (Model::new(0, Config::DEFAULT), Standardizer::<3>::new(1.0))
}

fn load<const R: usize, const W: usize, const E: usize>(
    slots: &Slots,
    flash: &mut Flash<R, W, E>,
) -> Result<(u32, (u64, u64)), StorageError<FlashError>> {
    let mut s = blank();
    let seq = slots.load(flash, &mut s)?;
    Ok((seq, id(&s)))
}

/// One power-cut sweep: the layout, the history before the save that is cut, and the faults
/// of the following boot.
#[derive(Clone, Copy)]
struct Case {
    /// Bytes per region.
    region: u32,
    /// Regions (2 for `Slots::new`).
    regions: u8,
    /// Checkpoints saved before the one that is cut.
    history: u32,
    reverse_erase: bool,
    /// The regions end at the end of the flash (else one spare page after them).
    at_end: bool,
    /// Sequence numbers written over the history's slots, newest last (headers re-sealed).
    forge: Option<[u32; 2]>,
    /// On every reboot, the first read of each region's record is disturbed once.
    disturb: bool,
}

impl Case {
    const fn new(region: u32, history: u32) -> Self {
        Self {
            region,
            regions: 2,
            history,
            reverse_erase: false,
            at_end: false,
            forge: None,
            disturb: false,
        }
    }
}

/// Rewrites the sequence number of the slot at `start` and re-seals its header CRC.
fn forge_sequence(mem: &mut [u8], start: usize, sequence: u32) {
    let h = &mut mem[start..start + 32];
    h[8..12].copy_from_slice(&sequence.to_le_bytes());
    let c = gln::persist::crc32(&h[..28]);
    h[28..32].copy_from_slice(&c.to_le_bytes());
}

/// The flash and slots of `case`, holding its history (forged if asked).
fn prepared<const R: usize, const W: usize, const E: usize>(case: Case) -> (Slots, Flash<R, W, E>) {
    let n = usize::from(case.regions);
    let base = E as u32;
    let size = E + n * case.region as usize + if case.at_end { 0 } else { E };
    let slots = Slots::with_regions(base, case.region, case.regions);
    let mut flash = Flash::<R, W, E>::new(size);
    flash.reverse_erase = case.reverse_erase;
    for k in 1..=case.history {
        assert_eq!(slots.save(&mut flash, &state(10 * k)), Ok(k));
    }
    if let Some(seqs) = case.forge {
        // The history's last two slots, oldest first.
        let h = case.history as usize;
        for (i, &seq) in seqs.iter().enumerate() {
            let region = (h + n - 2 + i) % n;
            forge_sequence(&mut flash.mem, E + region * case.region as usize, seq);
        }
    }
    (slots, flash)
}

/// A reboot: power back, and with `disturb` one read disturb on each region's record.
fn reboot<const R: usize, const W: usize, const E: usize>(
    f: &mut Flash<R, W, E>,
    slots: &Slots,
    case: Case,
) {
    f.reboot();
    f.faults.clear();
    if case.disturb {
        let header = Slots::header_bytes::<Flash<R, W, E>>();
        for r in 0..usize::from(slots.regions()) {
            let at = E + r * case.region as usize + header;
            f.faults.push(ReadFault {
                at,
                skip: 0,
                disturb: true,
            });
        }
    }
}

/// Cuts the power at every possible byte of one save, on a flash that already holds the
/// case's history, and checks what a reboot finds: the new checkpoint if the save completed
/// (or got far enough), else the previous one, never anything else, and never an error
/// (except `NoCheckpoint` when there was none before). Then the next save must work.
fn sweep<const R: usize, const W: usize, const E: usize>(case: Case) -> usize {
    let (slots, flash) = prepared::<R, W, E>(case);
    let mut probe = flash.clone();
    let before = load(&slots, &mut probe);
    let next_seq = match before {
        Ok((seq, _)) => seq.wrapping_add(1),
        Err(e) => {
            assert_eq!((e, case.history), (StorageError::NoCheckpoint, 0));
            1
        }
    };
    let new = state(10 * case.history + 7);
    // Dry run: how many byte operations a whole save costs.
    let mut dry = flash.clone();
    dry.budget = Some(usize::MAX);
    assert_eq!(slots.save(&mut dry, &new), Ok(next_seq));
    let total = dry.used;
    let (mut kept, mut advanced) = (0, 0);
    for cut in 0..=total {
        let mut f = flash.clone();
        f.budget = Some(cut);
        let saved = slots.save(&mut f, &new);
        if cut < total {
            assert_eq!(
                saved,
                Err(StorageError::Flash(FlashError::PowerCut)),
                "cut {cut}"
            );
        } else {
            assert_eq!(saved, Ok(next_seq));
        }
        reboot(&mut f, &slots, case);
        let after = load(&slots, &mut f);
        if after == Ok((next_seq, id(&new))) {
            advanced += 1;
        } else {
            assert_eq!(
                after, before,
                "cut at byte {cut} of {total}: lost the previous checkpoint"
            );
            kept += 1;
        }
        // A cut never lets a half-written slot win, and the next save goes through.
        if cut % 97 == 0 || cut == total {
            let again = state(10 * case.history + 9);
            let seq = slots.save(&mut f, &again).unwrap();
            reboot(&mut f, &slots, case);
            assert_eq!(load(&slots, &mut f), Ok((seq, id(&again))));
        }
    }
    // The slot header is written last: only the final bytes of a save make it count.
    assert!(kept >= total - 2 * W.max(32), "{kept} {total}");
    assert!(advanced >= 1);
    total + 1
}

fn power_cut_at_every_point<const R: usize, const W: usize, const E: usize>(
    region: u32,
    history: u32,
    reverse_erase: bool,
) -> usize {
    sweep::<R, W, E>(Case {
        reverse_erase,
        ..Case::new(region, history)
    })
}

#[test]
fn a_power_cut_anywhere_loses_at_most_the_newest_checkpoint() {
    let region = Slots::region_bytes_for::<Flash<1, 4, 256>, State>() as u32;
    let mut points = 0;
    for history in 0..3 {
        for reverse in [false, true] {
            points += power_cut_at_every_point::<1, 4, 256>(region, history, reverse);
        }
    }
    // Other geometries: byte writes, 16-byte words with 4-byte reads, 256-byte pages.
    points += power_cut_at_every_point::<1, 1, 128>(1024, 2, true);
    points += power_cut_at_every_point::<4, 16, 512>(1024, 1, true);
    let big = Slots::region_bytes_for::<Flash<1, 256, 4096>, State>() as u32;
    points += power_cut_at_every_point::<1, 256, 4096>(big, 2, false);
    println!("{points} power-cut points checked");
    assert!(points > 10_000);
}

#[test]
fn power_cuts_combined_with_read_disturbs_wrapping_sequences_end_of_flash_and_wide_reads() {
    let region = Slots::region_bytes_for::<Flash<1, 4, 256>, State>() as u32;
    let mut points = 0;
    let base = Case::new(region, 2);
    let cases = [
        // A read disturb on every region's record on the boot after each cut.
        Case {
            disturb: true,
            ..base
        },
        Case {
            disturb: true,
            ..Case::new(region, 1)
        },
        Case {
            disturb: true,
            ..Case::new(region, 0)
        },
        // Sequence numbers about to wrap, and two sitting 2^31 apart (neither is newer).
        Case {
            forge: Some([u32::MAX - 1, u32::MAX]),
            disturb: true,
            ..base
        },
        Case {
            forge: Some([7, 7 + (1 << 31)]),
            ..base
        },
        Case {
            forge: Some([u32::MAX, (1 << 31) - 1]),
            at_end: true,
            ..base
        },
        // Regions ending at the last byte of the flash; three and four regions.
        Case {
            at_end: true,
            reverse_erase: true,
            ..base
        },
        Case {
            regions: 3,
            at_end: true,
            disturb: true,
            ..Case::new(region, 4)
        },
        Case {
            regions: 4,
            forge: Some([u32::MAX, 0]),
            ..Case::new(region, 3)
        },
    ];
    for case in cases {
        points += sweep::<1, 4, 256>(case);
    }
    // Reads wider than writes: 16-byte reads of 4-byte words, 64-byte reads of 8-byte words.
    let wide = Slots::region_bytes_for::<Flash<16, 4, 256>, State>() as u32;
    points += sweep::<16, 4, 256>(Case {
        disturb: true,
        at_end: true,
        ..Case::new(wide, 2)
    });
    let wider = Slots::region_bytes_for::<Flash<64, 8, 512>, State>() as u32;
    points += sweep::<64, 8, 512>(Case {
        regions: 3,
        forge: Some([u32::MAX - 1, u32::MAX]),
        ..Case::new(wider, 2)
    });
    println!("{points} power-cut points checked with combined faults");
    assert!(points > 10_000);
}

#[test]
fn sequence_numbers_alternate_regions_and_the_newest_wins() {
    let slots = Slots::new(0, 1024);
    let mut flash = Flash::<1, 4, 256>::new(4096);
    for k in 1..=5u32 {
        let s = state(k);
        assert_eq!(slots.save(&mut flash, &s), Ok(k));
        let latest = slots.latest(&mut flash).unwrap().unwrap();
        assert_eq!((latest.sequence, latest.region), (k, ((k + 1) % 2) as u8));
        assert_eq!(load(&slots, &mut flash), Ok((k, id(&s))));
    }
    // Corrupt the newest record (region 0 holds seq 5): the previous one wins.
    let latest = slots.latest(&mut flash).unwrap().unwrap();
    let at = if latest.region == 0 { 100 } else { 1024 + 100 };
    flash.mem[at] ^= 0x10;
    assert_eq!(load(&slots, &mut flash), Ok((4, id(&state(4)))));
    // And the next save replaces the corrupt one, not the good one.
    assert_eq!(slots.save(&mut flash, &state(6)), Ok(5));
    assert_eq!(load(&slots, &mut flash), Ok((5, id(&state(6)))));
}

#[test]
fn wrapping_sequence_numbers_still_order() {
    // Forge a history near u32::MAX by writing slots by hand is not needed: the ordering is
    // serial-number arithmetic, checked through two saves after a forced high sequence.
    let slots = Slots::new(0, 1024);
    let mut flash = Flash::<1, 4, 256>::new(2048);
    assert_eq!(slots.save(&mut flash, &state(1)), Ok(1));
    // Rewrite region 0's header with sequence u32::MAX (and a valid header CRC).
    let mut h = flash.mem[..32].to_vec();
    h[8..12].copy_from_slice(&u32::MAX.to_le_bytes());
    let c = gln::persist::crc32(&h[..28]);
    h[28..32].copy_from_slice(&c.to_le_bytes());
    flash.mem[..32].copy_from_slice(&h);
    assert_eq!(
        slots.latest(&mut flash).unwrap().unwrap().sequence,
        u32::MAX
    );
    assert_eq!(slots.save(&mut flash, &state(2)), Ok(0));
    assert_eq!(load(&slots, &mut flash), Ok((0, id(&state(2)))));
    assert_eq!(slots.save(&mut flash, &state(3)), Ok(1));
    assert_eq!(load(&slots, &mut flash), Ok((1, id(&state(3)))));
}

#[test]
fn bad_layouts_and_wrong_shapes_are_refused_before_anything_changes() {
    let mut flash = Flash::<1, 4, 256>::new(4096);
    let s = state(3);
    let layout =
        |r: Result<u32, StorageError<FlashError>>| matches!(r, Err(StorageError::Layout(_)));
    assert!(layout(Slots::new(100, 1024).save(&mut flash, &s)));
    assert!(layout(Slots::new(0, 1000).save(&mut flash, &s)));
    assert!(layout(Slots::new(0, 256).save(&mut flash, &s))); // too small
    assert!(layout(Slots::new(2048, 2048).save(&mut flash, &s))); // past the end
    assert!(layout(Slots::new(0, 0).save(&mut flash, &s)));
    assert!(
        flash.mem.iter().all(|&b| b == 0xFF),
        "a refused save wrote something"
    );

    let slots = Slots::new(0, 1024);
    let mut empty = blank();
    assert_eq!(
        slots.load(&mut flash, &mut empty),
        Err(StorageError::NoCheckpoint)
    );
    slots.save(&mut flash, &s).unwrap();
    // A checkpoint of another shape: refused, target unchanged.
    let mut other = (
        Gln2::<3, 3, 5, 2, 4>::new(1, Config::DEFAULT),
        Standardizer::<3>::new(1.0),
    );
    let before = (other.0.fingerprint(), other.1);
    let e = slots.load(&mut flash, &mut other).unwrap_err();
    assert!(
        matches!(
            e,
            StorageError::Invalid(Error::Persist(PersistError::WrongShape { .. }))
        ),
        "{e:?}"
    );
    assert_eq!((other.0.fingerprint(), other.1), before);
    // The bytes in flash are exactly `Persist::save`'s bytes.
    let mut bytes = vec![0u8; State::SAVED_BYTES];
    s.save(&mut bytes).unwrap();
    let header = Slots::header_bytes::<Flash<1, 4, 256>>();
    assert_eq!(&flash.mem[header..header + bytes.len()], &bytes[..]);
}

// ---------------------------------------------------------------------------------------
// Falling back to an older checkpoint (issue 11, defect 4), and wear.

type Other = (Gln2<3, 3, 5, 2, 4>, Standardizer<3>);

/// Two valid checkpoints of `State` (1 and 2) in two regions of 1 KiB.
fn two_checkpoints() -> (Slots, Flash<1, 4, 256>) {
    let slots = Slots::new(0, 1024);
    let mut flash = Flash::<1, 4, 256>::new(2048);
    assert_eq!(slots.save(&mut flash, &state(1)), Ok(1));
    assert_eq!(slots.save(&mut flash, &state(2)), Ok(2));
    (slots, flash)
}

#[test]
fn a_newest_checkpoint_of_another_model_type_falls_back_to_the_older() {
    let (slots, mut flash) = two_checkpoints();
    let other: Other = (Gln2::new(1, Config::DEFAULT), Standardizer::new(1.0));
    assert_eq!(slots.save(&mut flash, &other), Ok(3)); // replaces checkpoint 1
    assert_eq!(slots.save(&mut flash, &other), Ok(4)); // replaces checkpoint 2
    let mut s = blank();
    assert!(matches!(
        slots.load(&mut flash, &mut s),
        Err(StorageError::Invalid(_))
    ));
    // A firmware update: the old type is back in one region. Was `Invalid` (the newest was
    // refused and the loader gave up).
    assert_eq!(slots.save(&mut flash, &state(5)), Ok(5));
    assert_eq!(slots.save(&mut flash, &other), Ok(6));
    let report = slots.load_report(&mut flash, &mut s).unwrap();
    assert_eq!((report.loaded.sequence, id(&s)), (5, id(&state(5))));
    let skip = report.newest_skipped.unwrap();
    assert_eq!((report.skipped, skip.slot.sequence), (1, 6));
    assert!(matches!(skip.reason, SkipReason::Refused(_)), "{skip:?}");
}

#[test]
fn a_transient_fault_on_the_newest_never_loses_it_or_the_older() {
    let header = Slots::header_bytes::<Flash<1, 4, 256>>();
    let mut runs = 0;
    // Each read that starts a pass over the newest record (region 1), or its header: a read
    // disturb or a failure, on the first to the fourth such read. Disturbs stop at the second
    // pass: a disturb in the pass that applies the bytes is defect 1 (another fix).
    for at in [1024, 1024 + header] {
        for disturb in [false, true] {
            for skip in 0..if disturb { 2 } else { 4 } {
                let (slots, mut flash) = two_checkpoints();
                let fault = ReadFault { at, skip, disturb };
                flash.faults.push(fault);
                let mut s = blank();
                let report = slots.load_report(&mut flash, &mut s);
                // Was: `NoCheckpoint`, `Invalid` or `Flash` for some of these.
                let r = report.unwrap_or_else(|e| panic!("{fault:?}: {e:?}"));
                let want = if r.loaded.sequence == 2 {
                    state(2)
                } else {
                    state(1)
                };
                assert_eq!(id(&s), id(&want), "{fault:?}");
                assert!(
                    r.loaded.sequence == 2 || r.skipped + r.unreadable > 0,
                    "{r:?}"
                );
                runs += 1;
            }
        }
    }
    // The newest region's header cannot be read, twice in a row: the older checkpoint,
    // reported. (Was: `Flash`, and no checkpoint at all.)
    let (slots, mut flash) = two_checkpoints();
    for _ in 0..2 {
        flash.faults.push(ReadFault {
            at: 1024,
            skip: 0,
            disturb: false,
        });
    }
    let mut s = blank();
    let r = slots.load_report(&mut flash, &mut s).unwrap();
    assert_eq!(
        (r.loaded.sequence, r.unreadable, id(&s)),
        (1, 1, id(&state(1)))
    );
    assert!(runs >= 12);
}

#[test]
fn n_regions_are_written_round_robin() {
    let slots = Slots::with_regions(256, 1024, 4);
    let mut flash = Flash::<1, 4, 256>::new(256 + 4 * 1024);
    for k in 1..=9u32 {
        assert_eq!(slots.save(&mut flash, &state(k)), Ok(k));
        let latest = slots.latest(&mut flash).unwrap().unwrap();
        assert_eq!((latest.sequence, latest.region), (k, ((k - 1) % 4) as u8));
        assert_eq!(load(&slots, &mut flash), Ok((k, id(&state(k)))));
    }
    // The four newest checkpoints are all there: corrupt the three newest, the fourth loads.
    for region in [0, 3, 2] {
        flash.mem[256 + region * 1024 + 200] ^= 1;
    }
    assert_eq!(load(&slots, &mut flash), Ok((6, id(&state(6)))));
    // Lifetime: erase cycles x regions / saves per day.
    assert_eq!(slots.lifetime_days(10_000, 24), 10_000 * 4 / 24);
    assert_eq!(Slots::new(0, 1024).lifetime_days(100_000, 1), 200_000);
    assert_eq!(slots.lifetime_days(10_000, 0), u64::MAX);
    // One region is not enough: a save would erase the only checkpoint.
    let one = Slots::with_regions(0, 1024, 1);
    assert!(matches!(
        one.save(&mut flash, &state(1)),
        Err(StorageError::Layout(_))
    ));
}

#[test]
fn a_worn_region_is_skipped_and_the_others_carry_on() {
    // Of four regions, region 1 no longer erases; region 2's bits are stuck (writes do nothing, so the
    // slot does not verify).
    let slots = Slots::with_regions(0, 1024, 4);
    let mut flash = Flash::<1, 4, 256>::new(4096);
    flash.worn = 1024..2048;
    flash.stuck = 2048..3072;
    let mut used = Vec::new();
    for k in 1..=12u32 {
        assert_eq!(slots.save(&mut flash, &state(k)), Ok(k), "save {k}");
        let latest = slots.latest(&mut flash).unwrap().unwrap();
        used.push(latest.region);
        assert_eq!(load(&slots, &mut flash), Ok((k, id(&state(k)))));
    }
    assert_eq!(used, [0, 3, 0, 3, 0, 3, 0, 3, 0, 3, 0, 3]);
    // With two regions and one worn, a save fails but keeps the checkpoint it would replace.
    let two = Slots::new(0, 1024);
    let mut flash = Flash::<1, 4, 256>::new(2048);
    assert_eq!(two.save(&mut flash, &state(1)), Ok(1));
    flash.worn = 1024..2048;
    assert_eq!(
        two.save(&mut flash, &state(2)),
        Err(StorageError::Flash(FlashError::Worn))
    );
    assert_eq!(load(&two, &mut flash), Ok((1, id(&state(1)))));
}

// ---------------------------------------------------------------------------------------
// The anomaly detector: a board that learns for months, checkpoints now and then, and loses
// power in the middle of a checkpoint.

type Det = gln::detector::Detector<1, 8, 8, 8, gln::detector::SmallSensorModel>;

/// A reading of a slow cycle with noise and a spike now and then.
fn reading(t: u32, r: &mut SplitMix64) -> f32 {
    let v = 20.0 + 2.0 * (t as f32 * 0.02).sin() + 0.05 * r.next_normal();
    if t % 700 == 650 { v + 3.0 } else { v }
}

/// The detector after readings `0..n` (with a dropped sample every 97 readings).
fn detector_after(n: u32) -> Det {
    let mut d = Det::with_seed(3, gln::detector::DetectorConfig::DEFAULT);
    let mut r = SplitMix64::new(9);
    for t in 0..n {
        let x = reading(t, &mut r);
        if t % 97 == 50 {
            d.missing();
        } else {
            d.update(&[x]).unwrap();
        }
    }
    d
}

/// Continues `a` and `b` on readings `from..from + n` and checks they say the same.
fn same_future(a: &mut Det, b: &mut Det, from: u32, n: u32) {
    let mut r = SplitMix64::new(u64::from(from));
    for t in from..from + n {
        let x = reading(t, &mut r);
        assert_eq!(
            a.update(&[x]).unwrap(),
            b.update(&[x]).unwrap(),
            "reading {t}"
        );
    }
    assert_eq!(a.fingerprint(), b.fingerprint());
}

#[test]
fn a_detector_survives_a_power_cut_anywhere_and_continues_bit_for_bit() {
    const E: usize = 256;
    let region = Slots::region_bytes_for::<Flash<1, 4, E>, Det>() as u32;
    let slots = Slots::new(E as u32, region);
    let mut flash = Flash::<1, 4, E>::new(E + 2 * region as usize + E);
    let (old, new) = (detector_after(2000), detector_after(2600));
    assert_eq!(slots.save(&mut flash, &old), Ok(1));
    let mut dry = flash.clone();
    dry.budget = Some(usize::MAX);
    assert_eq!(slots.save(&mut dry, &new), Ok(2));
    let total = dry.used;
    let (mut kept, mut advanced, mut continued) = (0, 0, 0);
    for cut in 0..=total {
        let mut f = flash.clone();
        f.budget = Some(cut);
        let saved = slots.save(&mut f, &new);
        assert_eq!(saved.is_ok(), cut == total, "cut {cut}");
        f.reboot();
        // After the reset: a detector built the usual way, then the newest checkpoint.
        let mut board = Det::with_seed(0, gln::detector::DetectorConfig::DEFAULT);
        let seq = slots.load(&mut f, &mut board).unwrap();
        let twin = if seq == 2 {
            advanced += 1;
            &new
        } else {
            assert_eq!(seq, 1, "cut {cut}");
            kept += 1;
            &old
        };
        assert_eq!(board.fingerprint(), twin.fingerprint(), "cut {cut}");
        if cut % 200 == 0 || cut == total {
            // It carries on exactly as the detector it restored would have.
            let from = if seq == 2 { 2600 } else { 2000 };
            same_future(&mut board, &mut twin.clone(), from, 300);
            continued += 1;
        }
    }
    println!(
        "detector: {} cut points, {kept} kept the previous checkpoint, {advanced} the new",
        total + 1
    );
    assert!(kept >= total - 64 && advanced >= 1, "{kept} {advanced}");
    assert!(continued > 10);
}

/// The detector of `tests/persist_migration.rs`'s frozen version 1 record.
type TinyDet = gln::detector::Detector<1, 4, 2, 2, gln::gaussian::GaussianGln1<2, 2, 1, 2>>;

fn tiny_det() -> TinyDet {
    let model = gln::gaussian::GaussianGln1::new(1, gln::gaussian::GaussianConfig::DEFAULT);
    TinyDet::new([model], gln::detector::DetectorConfig::DEFAULT)
}

#[test]
fn a_checkpoint_of_the_previous_version_loads_and_says_so() {
    let hex = include_str!("../frozen/detector-v1.hex").trim();
    let v1: Vec<u8> = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect();
    let old = TinyDet::from_bytes(&v1).unwrap();
    // A checkpoint saved now is in the current version.
    let slots = Slots::new(0, 2048);
    let mut flash = Flash::<1, 4, 256>::new(4096);
    assert_eq!(slots.save(&mut flash, &old), Ok(1));
    let (mut d, mut scratch) = (tiny_det(), tiny_det());
    let report = slots
        .load_report_staged(&mut flash, &mut d, &mut scratch)
        .unwrap();
    assert_eq!((report.version, d.fingerprint()), (2, old.fingerprint()));
    // The same checkpoint as a build of the previous version wrote it: its record replaced
    // by the version 1 bytes (same length), the slot header's record CRC re-sealed.
    let start = Slots::header_bytes::<Flash<1, 4, 256>>();
    flash.mem[start..start + v1.len()].copy_from_slice(&v1);
    let h = &mut flash.mem[..32];
    h[16..20].copy_from_slice(&gln::persist::crc32(&v1).to_le_bytes());
    let c = gln::persist::crc32(&h[..28]);
    h[28..32].copy_from_slice(&c.to_le_bytes());
    let mut e = tiny_det();
    let report = slots.load_report(&mut flash, &mut e).unwrap();
    assert_eq!((report.version, report.loaded.sequence), (1, 1));
    assert_eq!(e.fingerprint(), old.fingerprint());
}

/// `StorageError`, `PersistError` and `LoadError` are `core::error::Error`s with messages
/// that name the problem; the impls need no `std` (`core::error::Error`; the thumb builds of
/// `.ci/steps/20-reliability.sh` compile them without `std`).
#[test]
fn storage_and_persist_errors_are_errors_with_messages() {
    fn message(e: &dyn core::error::Error) -> String {
        e.to_string()
    }
    let wrong = PersistError::WrongKind {
        expected: 4,
        found: 1,
    };
    let cases: [(&dyn core::error::Error, &str); 7] = [
        (&StorageError::Flash(FlashError::Worn), "flash error: Worn"),
        (
            &StorageError::<FlashError>::Invalid(Error::Persist(wrong)),
            "no checkpoint loads: wrong kind of model: expected kind 4, found 1",
        ),
        (
            &StorageError::<FlashError>::NoCheckpoint,
            "no region holds a valid checkpoint",
        ),
        (
            &StorageError::<FlashError>::Layout("regions overlap"),
            "bad checkpoint layout: regions overlap",
        ),
        (
            &StorageError::<FlashError>::VerifyFailed,
            "the checkpoint read back after writing is not valid in any region tried",
        ),
        (&wrong, "wrong kind of model: expected kind 4, found 1"),
        (
            &gln::persist::LoadError::<FlashError>::Read(FlashError::ReadFailed),
            "reading the saved bytes failed: ReadFailed",
        ),
    ];
    for (e, text) in cases {
        assert_eq!(message(e), text);
        assert!(e.source().is_none());
    }
}
