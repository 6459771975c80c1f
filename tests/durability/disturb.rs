//! The bytes applied are the bytes checked: a source (or a flash) that returns a valid record
//! on the check read and other bytes on the apply read (a read disturb) is refused, and the
//! target does not change, for every kind, through `Persist::load_from` and through
//! `storage::Slots`.

use crate::common::{Disturbed, bytes};
use gln::detector::{Detector, DetectorConfig, SmallSensorModel};
use gln::gaussian::{GaussianConfig, GaussianGln2, GaussianInput};
use gln::persist::{HEADER_BYTES, LoadError, crc32};
use gln::rng::SplitMix64;
use gln::{Config, Gln2, Input, LearningRate, Persist, PersistError, Standardizer};

type Bern = Gln2<3, 3, 4, 2, 4>;
type Gauss = GaussianGln2<3, 3, 4, 2, 4>;
type Stand = Standardizer<3>;
type Det = Detector<1, 8, 8, 8, SmallSensorModel>;
type Pair = (Bern, Stand);

/// Recomputes the CRC of the record at `start..end`.
fn fix_crc(b: &mut [u8], (start, end): (usize, usize)) {
    let c = crc32(&b[start..end - 4]);
    b[end - 4..end].copy_from_slice(&c.to_le_bytes());
}

/// Where to disturb: a value's offset, and the record holding it (start, end).
type Spot = (usize, (usize, usize));

/// The disturbed second reads of `good`: the 4 bytes at `at` replaced by NaN and by 3.4e38
/// (each with the stored CRC as it was, and recomputed over the changed record), and one bit
/// flipped at `at`.
fn disturbances(good: &[u8], (at, record): Spot) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for (name, v) in [("NaN", f32::NAN), ("3.4e38", 3.4e38f32)] {
        let mut b = good.to_vec();
        b[at..at + 4].copy_from_slice(&v.to_le_bytes());
        out.push((format!("{name} at {at}"), b.clone()));
        fix_crc(&mut b, record);
        out.push((format!("{name} at {at}, CRC recomputed"), b));
    }
    let mut b = good.to_vec();
    b[at + 1] ^= 0x10;
    out.push((format!("bit flip at {}", at + 1), b));
    out
}

/// Loads through a source that changes after the rewind: refused, target unchanged; and the
/// same source without the change loads (the test can fail).
fn attack<P: Persist>(saved: &P, target: &mut P, offsets: &[Spot]) -> usize {
    let good = bytes(saved);
    let before = bytes(target);
    assert_ne!(good, before, "the target must differ from the record");
    let mut attacks = 0;
    for &spot in offsets {
        for (name, second) in disturbances(&good, spot) {
            let r = target.load_from(&mut Disturbed::new(&good, &second));
            assert!(
                matches!(
                    r,
                    Err(LoadError::Invalid(gln::Error::Persist(
                        PersistError::Changed
                    )))
                ),
                "{name}: {r:?}"
            );
            assert_eq!(
                bytes(target),
                before,
                "{name}: a refused load changed the target"
            );
            attacks += 1;
        }
    }
    // Another valid record on the second read (the target's own bytes) is refused too.
    let r = target.load_from(&mut Disturbed::new(&good, &before));
    assert!(matches!(r, Err(LoadError::Invalid(_))), "{r:?}");
    assert_eq!(bytes(target), before);
    // The same bytes twice load.
    target.load_from(&mut Disturbed::new(&good, &good)).unwrap();
    assert_eq!(bytes(target), good);
    attacks + 1
}

fn bern(seed: u64, steps: u32) -> Bern {
    let config = Config::DEFAULT.with_learning_rate(LearningRate::constant(0.2));
    let mut m = Bern::new(seed, config);
    for t in 0..steps {
        let z = [(t as f32 * 0.3).sin(), (t % 7) as f32 * 0.1, 0.5];
        m.learn(&Input::from_side(&z).unwrap(), t % 3 != 0);
    }
    m
}

fn stand(steps: u32) -> Stand {
    let mut s = Stand::new(0.1);
    for t in 0..steps {
        s.update(&[t as f32 * 0.3, (t % 7) as f32, 2.0 - t as f32 * 0.01])
            .unwrap();
    }
    s
}

fn gauss(seed: u64, steps: u32) -> Gauss {
    let mut m = Gauss::new(seed, GaussianConfig::DEFAULT);
    for t in 0..steps {
        let z = [(t as f32 * 0.1).sin(), (t as f32 * 0.1).cos(), 0.5];
        let x = GaussianInput::new(&z, &[-1.0, 0.0, 1.0], 0.5).unwrap();
        m.learn_targets(&x, &[(t as f32 * 0.1).sin()]).unwrap();
    }
    m
}

fn det(seed: u64, n: u32) -> Det {
    let mut d = Det::with_seed(seed, DetectorConfig::DEFAULT);
    let mut r = SplitMix64::new(9);
    for t in 0..n {
        d.update(&[20.0 + (t as f32 * 0.02).sin() + 0.05 * r.next_normal()])
            .unwrap();
    }
    d
}

/// A value early in the body and the last one (just before the CRC) of a record of `len`
/// bytes starting at `start`.
fn spots(start: usize, len: usize) -> [Spot; 2] {
    let record = (start, start + len);
    [
        (start + HEADER_BYTES + 16, record),
        (start + len - 8, record),
    ]
}

// One test per kind, so that each fails on its own on a loader that applies unchecked bytes.

#[test]
fn a_bernoulli_gln_refuses_bytes_that_change_after_the_rewind() {
    let n = attack(
        &bern(5, 300),
        &mut bern(7, 40),
        &spots(0, Bern::SAVED_BYTES),
    );
    assert_eq!(n, 1 + 5 * 2);
}

#[test]
fn a_gaussian_gln_refuses_bytes_that_change_after_the_rewind() {
    let n = attack(
        &gauss(5, 300),
        &mut gauss(7, 40),
        &spots(0, Gauss::SAVED_BYTES),
    );
    assert_eq!(n, 1 + 5 * 2);
}

#[test]
fn a_standardizer_refuses_bytes_that_change_after_the_rewind() {
    let n = attack(&stand(300), &mut stand(40), &spots(0, Stand::SAVED_BYTES));
    assert_eq!(n, 1 + 5 * 2);
}

#[test]
fn a_detector_refuses_bytes_that_change_after_the_rewind() {
    let d = Det::SAVED_BYTES;
    let mut offsets = spots(0, d).to_vec();
    // The detector's own statistics: the window (after the configuration and counters).
    offsets.push((HEADER_BYTES + 100, (0, d)));
    let n = attack(&det(3, 400), &mut det(4, 60), &offsets);
    assert_eq!(n, 1 + 5 * 3);
}

#[test]
fn a_pair_refuses_bytes_that_change_after_the_rewind() {
    // A disturb in the first record and in the second.
    let b = Bern::SAVED_BYTES;
    let mut offsets = spots(0, b).to_vec();
    offsets.extend(spots(b, Stand::SAVED_BYTES));
    let pair: Pair = (bern(5, 300), stand(300));
    let n = attack(&pair, &mut (bern(7, 40), stand(40)), &offsets);
    assert_eq!(n, 1 + 5 * 4);
}

#[cfg(feature = "storage")]
mod flash {
    use embedded_storage::nor_flash::{
        ErrorType, NorFlash, NorFlashError, NorFlashErrorKind, ReadNorFlash,
    };

    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub struct Fault;

    impl NorFlashError for Fault {
        fn kind(&self) -> NorFlashErrorKind {
            NorFlashErrorKind::Other
        }
    }

    /// NOR flash in RAM whose reads of the 4 bytes at `at` return `value` from the `from`-th
    /// read covering them on (`from` counts from 0), for ever or (`once`) for that read only:
    /// a read disturb that appears after the scan, the check pass or the apply pass.
    pub struct Disturbing {
        pub mem: Vec<u8>,
        pub at: usize,
        pub value: [u8; 4],
        pub from: usize,
        pub once: bool,
        pub reads: usize,
    }

    impl ErrorType for Disturbing {
        type Error = Fault;
    }

    impl ReadNorFlash for Disturbing {
        const READ_SIZE: usize = 1;
        fn read(&mut self, offset: u32, bytes: &mut [u8]) -> Result<(), Fault> {
            let o = offset as usize;
            bytes.copy_from_slice(self.mem.get(o..o + bytes.len()).ok_or(Fault)?);
            if o < self.at + 4 && self.at < o + bytes.len() {
                let hit = self.reads == self.from || (!self.once && self.reads > self.from);
                if hit {
                    for (i, v) in self.value.iter().enumerate() {
                        if let Some(b) = (self.at + i).checked_sub(o).and_then(|j| bytes.get_mut(j))
                        {
                            *b = *v;
                        }
                    }
                }
                self.reads += 1;
            }
            Ok(())
        }
        fn capacity(&self) -> usize {
            self.mem.len()
        }
    }

    impl NorFlash for Disturbing {
        const WRITE_SIZE: usize = 4;
        const ERASE_SIZE: usize = 256;
        fn erase(&mut self, from: u32, to: u32) -> Result<(), Fault> {
            self.mem
                .get_mut(from as usize..to as usize)
                .ok_or(Fault)?
                .fill(0xFF);
            Ok(())
        }
        fn write(&mut self, offset: u32, bytes: &[u8]) -> Result<(), Fault> {
            let o = offset as usize;
            let dst = self.mem.get_mut(o..o + bytes.len()).ok_or(Fault)?;
            for (d, s) in dst.iter_mut().zip(bytes) {
                *d &= *s;
            }
            Ok(())
        }
    }
}

/// Two checkpoints (`old`, then `new`) in two regions; the flash then disturbs a value of
/// the newest record from its `from`-th read on (or at that read only). Whatever the
/// disturb, the load gives one of the two checkpoints exactly, or an error and no change;
/// through `Slots::load` and through `Slots::load_report_staged`.
/// Returns how many loads gave the older checkpoint.
#[cfg(feature = "storage")]
fn slots_attack<P: Persist>(old: &P, new: &P, mut target: P, spots: &[usize]) -> usize {
    use gln::storage::Slots;
    let header = Slots::header_bytes::<flash::Disturbing>();
    let region = (header + P::SAVED_BYTES).div_ceil(256) * 256;
    let slots = Slots::new(0, region as u32);
    let mut f = flash::Disturbing {
        mem: vec![0xFF; 2 * region],
        at: 0,
        value: [0; 4],
        from: usize::MAX,
        once: false,
        reads: 0,
    };
    assert_eq!(slots.save(&mut f, old), Ok(1));
    assert_eq!(slots.save(&mut f, new), Ok(2));
    let (before, old_b, new_b) = (bytes(&target), bytes(old), bytes(new));
    let mut fell_back = 0;
    for &at in spots {
        for value in [f32::NAN.to_le_bytes(), 3.4e38f32.to_le_bytes(), {
            let mut b = f.mem[region + header + at..][..4].try_into().unwrap();
            let b: &mut [u8; 4] = &mut b;
            b[1] ^= 0x10;
            *b
        }] {
            for from in 0..8 {
                for (once, staged) in [(false, false), (true, false), (false, true), (true, true)] {
                    (f.at, f.value, f.from, f.once, f.reads) =
                        (region + header + at, value, from, once, 0);
                    let case = format!(
                        "offset {at}, value {value:?}, from read {from}, once {once}, staged {staged}"
                    );
                    let r = if staged {
                        // The staging copy from the caller, holding any state.
                        let mut scratch = P::from_bytes(&old_b).unwrap();
                        slots
                            .load_report_staged(&mut f, &mut target, &mut scratch)
                            .map(|r| r.loaded.sequence)
                    } else {
                        slots.load(&mut f, &mut target)
                    };
                    match r {
                        Ok(2) => assert_eq!(bytes(&target), new_b, "{case}"),
                        Ok(1) => {
                            assert_eq!(bytes(&target), old_b, "{case}");
                            fell_back += 1;
                        }
                        r => {
                            assert!(r.is_err(), "{case}: {r:?}");
                            assert_eq!(bytes(&target), before, "{case}");
                        }
                    }
                    // Back to the state before, for the next case.
                    target.load(&before).unwrap();
                }
            }
        }
    }
    fell_back
}

// Through `storage::Slots`: a disturb that stays finds the newest refused and the older
// loaded, so each test also requires at least one fallback.

#[cfg(feature = "storage")]
const fn slot_spots(len: usize) -> [usize; 2] {
    [HEADER_BYTES + 16, len - 8]
}

#[cfg(feature = "storage")]
#[test]
fn slots_never_load_a_bernoulli_gln_that_changed_after_the_check() {
    let spots = slot_spots(Bern::SAVED_BYTES);
    assert!(slots_attack(&bern(5, 100), &bern(5, 300), bern(7, 40), &spots) > 0);
}

#[cfg(feature = "storage")]
#[test]
fn slots_never_load_a_gaussian_gln_that_changed_after_the_check() {
    let spots = slot_spots(Gauss::SAVED_BYTES);
    assert!(slots_attack(&gauss(5, 100), &gauss(5, 300), gauss(7, 40), &spots) > 0);
}

#[cfg(feature = "storage")]
#[test]
fn slots_never_load_a_standardizer_that_changed_after_the_check() {
    // Larger than the storage layer's read buffer (`storage::CHUNK`): a record that fits in
    // it is read from flash once for both passes.
    type Wide = Standardizer<40>;
    const { assert!(Wide::SAVED_BYTES > gln::storage::CHUNK) };
    let wide = |steps: u32| {
        let mut s = Wide::new(0.1);
        for t in 0..steps {
            s.update(&core::array::from_fn(|j| (t as f32 * 0.3 + j as f32).sin()))
                .unwrap();
        }
        s
    };
    let spots = slot_spots(Wide::SAVED_BYTES);
    assert!(slots_attack(&wide(100), &wide(300), wide(40), &spots) > 0);
}

#[cfg(feature = "storage")]
#[test]
fn slots_never_load_a_detector_that_changed_after_the_check() {
    let spots = slot_spots(Det::SAVED_BYTES);
    assert!(slots_attack(&det(3, 200), &det(3, 400), det(4, 60), &spots) > 0);
}

#[cfg(feature = "storage")]
#[test]
fn slots_never_load_a_pair_that_changed_after_the_check() {
    let spots = slot_spots(Bern::SAVED_BYTES + Stand::SAVED_BYTES);
    let (old, new) = ((bern(5, 100), stand(100)), (bern(5, 300), stand(300)));
    assert!(slots_attack(&old, &new, (bern(7, 40), stand(40)), &spots) > 0);
}

/// Sets the 4 bytes at `free` so that the CRC-32 of the record `start..end` (all but its
/// last 4 bytes) is `want` again: CRC-32 is affine in its input's bits, and any 32
/// consecutive bits reach every CRC, so the 32 × 32 system over GF(2) has one solution.
/// This is the forged collision that CRC-32 cannot catch; only the value checks can.
fn forge_crc(b: &mut [u8], (start, end): (usize, usize), free: usize, want: u32) {
    let crc = |b: &[u8]| crc32(&b[start..end - 4]);
    let base = crc(b);
    // Each basis vector has zeros at the pivots (top bits) of the ones before it.
    let mut basis: Vec<(u32, u32)> = Vec::new();
    for k in 0..32 {
        let mut c = b.to_vec();
        c[free + k / 8] ^= 1 << (k % 8);
        let (mut v, mut m) = (crc(&c) ^ base, 1u32 << k);
        for &(bv, bm) in &basis {
            if v & (1 << (31 - bv.leading_zeros())) != 0 {
                (v, m) = (v ^ bv, m ^ bm);
            }
        }
        if v != 0 {
            basis.push((v, m));
        }
    }
    let (mut t, mut flips) = (base ^ want, 0u32);
    for &(bv, bm) in &basis {
        if t & (1 << (31 - bv.leading_zeros())) != 0 {
            (t, flips) = (t ^ bv, flips ^ bm);
        }
    }
    assert_eq!(t, 0, "32 consecutive bits reach every CRC");
    for k in 0..32 {
        if flips & (1 << k) != 0 {
            b[free + k / 8] ^= 1 << (k % 8);
        }
    }
    assert_eq!(crc(b), want);
}

/// Offsets in a record of `Det` (`Detector<1, 8, 8, 8, _>`): the counters from 116, the
/// window from 168, the instant threshold from 204, the channel from 228, the correlation at
/// 360, the calibration from 364, the models from 532.
const DET_QUIET: usize = 164;

#[test]
fn a_detector_refuses_its_own_statistics_changed_behind_a_forged_crc() {
    let d = Det::SAVED_BYTES;
    let good = bytes(&det(3, 400));
    let mut target = det(4, 60);
    let before = bytes(&target);
    let want = u32::from_le_bytes(good[d - 4..].try_into().unwrap());
    // A value the loader bounds, changed on the second read, the CRC kept by forging the
    // readings-since-the-last-flag counter (any value of which is valid).
    let nan = f32::NAN.to_bits();
    let f = |v: f32| v.to_bits();
    let changes: [(usize, u32, &str); 16] = [
        (148, 7, "calibration count"),
        (152, 2, "frozen flag"),
        (156, f(3.4e38), "share of surprising readings"),
        (160, f(-1.0), "alarm budget factor"),
        (172, f(3.4e38), "window reading"),
        (204, f(-3e38), "instant threshold median"),
        (232, f(-3e38), "channel mean"),
        (236, f(-1.0), "channel variance"),
        (240, f(3e38), "channel level"),
        (280, nan, "expert error"),
        (360, f(-1.0), "correlation diagonal"),
        (364, f(-3e38), "calibration location"),
        (380, f(3e38), "smoothed surprise"),
        (388, f(11.0), "last calibrated surprise"),
        (412, f(3e38), "component threshold median"),
        (d - 8, f(3.4e38), "model weight"),
    ];
    for (at, v, what) in changes {
        let mut second = good.clone();
        second[at..at + 4].copy_from_slice(&v.to_le_bytes());
        forge_crc(&mut second, (0, d), DET_QUIET, want);
        let r = target.load_from(&mut Disturbed::new(&good, &second));
        assert!(
            matches!(
                r,
                Err(LoadError::Invalid(gln::Error::Persist(
                    PersistError::Changed
                )))
            ),
            "{what} at {at}: {r:?}"
        );
        assert_eq!(
            bytes(&target),
            before,
            "{what}: a refused load changed the target"
        );
        // The same bytes are refused by the check pass too (the CRC matches).
        assert!(Det::check(&second).is_err(), "{what}");
    }
    // The forgery itself gets through: a valid value changed (a weight set to 0, inside
    // every box) with the CRC kept loads, the second read's bytes applied.
    let mut second = good.clone();
    second[d - 8..d - 4].copy_from_slice(&0f32.to_le_bytes());
    forge_crc(&mut second, (0, d), DET_QUIET, want);
    assert_ne!(second, good);
    target
        .load_from(&mut Disturbed::new(&good, &second))
        .unwrap();
    assert_eq!(bytes(&target), second);
}
