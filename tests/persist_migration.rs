//! Version N reads version N - 1: a record saved in a kind's previous layout version keeps
//! loading (migrated to the current state, `docs/format.md`, "Versions"), as checked as a
//! record of the current version (CRC, bounds, staging: nothing changes on any error), and a
//! version beyond the current one is refused by name.
//!
//! The detector's version 1 is its layout of 2026-12-03; the bytes below were saved then
//! (`tests/parity/golden.rs`'s `tiny_detector()` at commit 3747371) and are frozen: they
//! must load in every later build, whatever the detector's current layout.

mod common;

use common::{Disturbed, End};
use gln::detector::{Detector, DetectorConfig, Verdict};
use gln::gaussian::{GaussianConfig, GaussianGln1};
use gln::persist::{LoadError, crc32, saved_version};
use gln::{Error, LearningRate, Persist, PersistError, Schedule, StepScale};

type TinyDetector = Detector<1, 4, 2, 2, GaussianGln1<2, 2, 1, 2>>;

/// The configuration the frozen detector was saved with.
const PINNED_DETECTOR: DetectorConfig = DetectorConfig::DEFAULT
    .with_warmup(20)
    .with_smoothing(0.1)
    .with_threshold_k(8.0)
    .with_sustained_k(5.0)
    .with_threshold_rate(0.01)
    .with_stats_horizon(500.0)
    .with_error_horizon(50.0)
    .with_cross_horizon(200.0)
    .with_learn_clip(4.0)
    .with_std_floor(1e-4)
    .with_calibration(100.0)
    .with_level_weight(0.5)
    .with_two_sided(true);

/// The Gaussian configuration of a target detector (any state: the load replaces it).
const TARGET_GAUSSIAN: GaussianConfig = GaussianConfig::DEFAULT
    .with_variance_bounds(0.01, 100.0)
    .with_beta(50.0)
    .with_mean_bound(100.0)
    .with_learning_rate(LearningRate {
        schedule: Schedule::InverseTime { c: 2.0, max: 0.1 },
        floor: 0.01,
        scale: StepScale::None,
    })
    .with_normalized(true)
    .with_offset_std(0.05);

/// A version 1 detector record, frozen (hex, one line).
const DETECTOR_V1: &str = include_str!("frozen/detector-v1.hex");
/// The fingerprint of the detector that saved it.
const DETECTOR_V1_FINGERPRINT: u64 = 0xdbd2_715f_7c83_5f52;
/// Byte offset of the channel's mean in a version 1 record of `TinyDetector`: header 64,
/// configuration 52, counters 52, window 4 + 16, instant threshold 24, channel count 4.
const MEAN_AT: usize = 216;

fn unhex(s: &str) -> Vec<u8> {
    let s = s.trim();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn v1() -> Vec<u8> {
    unhex(DETECTOR_V1)
}

fn fix_crc(b: &mut [u8]) {
    let n = b.len();
    let c = crc32(&b[..n - 4]);
    b[n - 4..].copy_from_slice(&c.to_le_bytes());
}

/// A trained detector in another state than the frozen one: the target of the loads.
fn target() -> TinyDetector {
    let mut d = TinyDetector::with_model_config(42, TARGET_GAUSSIAN, PINNED_DETECTOR);
    for t in 0..90u32 {
        d.update(&[3.0 + (t % 5) as f32]).unwrap();
    }
    d
}

fn saved(d: &TinyDetector) -> Vec<u8> {
    let mut b = vec![0u8; TinyDetector::SAVED_BYTES];
    d.save(&mut b).unwrap();
    b
}

fn verdicts(d: &mut TinyDetector) -> Vec<Verdict<1>> {
    [10.0f32, 10.5, 11.0, 25.0, 10.0, 9.5, -4.0, 10.25]
        .iter()
        .map(|&x| d.update(&[x]).unwrap())
        .collect()
}

fn load_from(target: &mut TinyDetector, first: &[u8], second: &[u8]) -> Result<(), LoadError<End>> {
    target.load_from(&mut Disturbed::new(first, second))
}

fn persist_err(e: Error) -> Option<PersistError> {
    match e {
        Error::Persist(p) => Some(p),
        _ => None,
    }
}

#[test]
fn a_version_1_detector_record_loads_into_the_current_version() {
    let b = v1();
    assert_eq!(saved_version(&b), Some(1));
    let mut d = target();
    d.load(&b).unwrap();
    assert_eq!(d.fingerprint(), DETECTOR_V1_FINGERPRINT);
    assert_eq!(
        (d.readings(), d.gaps(), d.config()),
        (55, 5, &PINNED_DETECTOR)
    );
    // Through a source too (check, rewind, apply into a staging copy).
    let mut e = target();
    load_from(&mut e, &b, &b).unwrap();
    assert_eq!(e.fingerprint(), DETECTOR_V1_FINGERPRINT);
    // It saves in the current layout, which loads to the same state and the same verdicts.
    let current = saved(&d);
    assert_eq!(saved_version(&current), Some(2));
    assert_eq!(current.len(), TinyDetector::SAVED_BYTES);
    let mut again = TinyDetector::from_bytes(&current).unwrap();
    assert_eq!(again.fingerprint(), DETECTOR_V1_FINGERPRINT);
    let (a, b) = (verdicts(&mut d), verdicts(&mut again));
    assert_eq!(a, b);
    assert_eq!(d.fingerprint(), again.fingerprint());
    assert_eq!(verdicts(&mut e), a);
}

#[test]
fn corrupted_version_1_bytes_are_refused_and_change_nothing() {
    let good = v1();
    let mut t = target();
    let before = saved(&t);
    let mut refused = 0;
    // Every single bit flip: the CRC, or the header field hit, refuses it.
    for i in 0..good.len() {
        for bit in 0..8 {
            let mut b = good.clone();
            b[i] ^= 1 << bit;
            let e = persist_err(t.load(&b).unwrap_err()).unwrap();
            let named = match e {
                PersistError::Crc { .. } => true,
                PersistError::BadMagic => i < 4,
                PersistError::UnsupportedVersion { .. } => (4..6).contains(&i),
                PersistError::Truncated { .. }
                | PersistError::BadLength { .. }
                | PersistError::WrongLength { .. } => (8..12).contains(&i),
                _ => false,
            };
            assert!(named, "bit {bit} of byte {i}: {e:?}");
            // Through a source: refused too (a read error where the length runs past it).
            assert!(load_from(&mut t, &b, &b).is_err());
            refused += 1;
        }
    }
    // Values a stream cannot reach, behind a recomputed CRC: refused by the bounds.
    for (at, v) in [
        (MEAN_AT, -3e38f32),
        (MEAN_AT, f32::NAN),
        (MEAN_AT + 4, -1.0),
    ] {
        let mut b = good.clone();
        b[at..at + 4].copy_from_slice(&v.to_le_bytes());
        fix_crc(&mut b);
        match persist_err(t.load(&b).unwrap_err()) {
            Some(PersistError::BadValue { offset, .. }) => assert_eq!(offset as usize, at),
            e => panic!("{v} at {at}: {e:?}"),
        }
        refused += 1;
    }
    // Truncated.
    for n in [0, 5, 64, good.len() / 2, good.len() - 1] {
        assert!(t.load(&good[..n]).is_err());
        refused += 1;
    }
    // A read disturb: valid version 1 bytes on the check read, others on the apply read.
    for at in [MEAN_AT, 100, good.len() - 8] {
        let mut second = good.clone();
        second[at..at + 4].copy_from_slice(&3.4e38f32.to_le_bytes());
        let e = load_from(&mut t, &good, &second).unwrap_err();
        assert_eq!(e, LoadError::Invalid(Error::Persist(PersistError::Changed)));
        fix_crc(&mut second);
        assert!(load_from(&mut t, &good, &second).is_err());
        refused += 2;
    }
    assert_eq!(saved(&t), before, "a refused load changed the target");
    println!("{refused} corrupted version 1 loads refused, target unchanged");
    assert!(refused > 8 * good.len());
}

#[test]
fn a_version_beyond_the_current_one_is_refused_by_name() {
    let mut t = target();
    let before = saved(&t);
    for (version, bytes) in [
        (3u16, v1()),
        (0, v1()),
        (3, before.clone()),
        (9, before.clone()),
    ] {
        let mut b = bytes;
        b[4..6].copy_from_slice(&version.to_le_bytes());
        fix_crc(&mut b);
        let e = t.load(&b).unwrap_err();
        assert_eq!(
            persist_err(e),
            Some(PersistError::UnsupportedVersion {
                found: version,
                oldest: 1,
                newest: 2,
            })
        );
        let msg = format!("{e}");
        assert!(msg.contains("reads versions 1 to 2"), "{msg}");
        assert!(matches!(
            load_from(&mut t, &b, &b),
            Err(LoadError::Invalid(_))
        ));
    }
    assert_eq!(saved(&t), before);
}

/// A two-channel detector's version 1 record, written by the version 1 build (commit
/// 3747371, `Detector<2, 3, 2, 2, GaussianGln1<2, 2, 1, 2>>` with seed 8, `warmup` 10, 60
/// readings of two noisy sines): version 2 added the joint view after its models.
const PAIR_V1: &str = include_str!("frozen/detector-pair-v1.hex");

type Pair = Detector<2, 3, 2, 2, GaussianGln1<2, 2, 1, 2>>;

#[test]
fn a_two_channel_version_1_record_migrates_every_field_and_an_empty_joint_view() {
    let v1 = unhex(PAIR_V1);
    assert_eq!(saved_version(&v1), Some(1));
    let mut d = Pair::with_seed(3, DetectorConfig::DEFAULT);
    d.load(&v1).unwrap();
    assert_eq!(d.readings(), 60);
    // Saved again (version 2): the version 1 record plus an empty joint view. Cut the joint
    // section, write version 1 and its length back and re-seal: the version 1 bytes exactly,
    // so the migration kept every field it read.
    let mut v2 = vec![0u8; Pair::SAVED_BYTES];
    d.save(&mut v2).unwrap();
    assert_eq!(saved_version(&v2), Some(2));
    let joint = 12 + 24 + 2 * (8 + 64 * 4);
    assert_eq!(v2.len(), v1.len() + joint);
    assert!(
        v2[v1.len() - 4..v2.len() - 4].iter().all(|&b| b == 0),
        "joint view not empty"
    );
    let mut back = v2[..v1.len() - 4].to_vec();
    back[4..6].copy_from_slice(&1u16.to_le_bytes());
    back[8..12].copy_from_slice(&(v1.len() as u32).to_le_bytes());
    let crc = crc32(&back);
    back.extend_from_slice(&crc.to_le_bytes());
    assert_eq!(back, v1);
    // It carries on; the joint view fills from the readings that follow.
    let mut r = gln::rng::SplitMix64::new(2);
    let v: Vec<_> = (60..200u32)
        .map(|t| {
            let x: [f32; 2] = core::array::from_fn(|c| {
                (t as f32 * 0.3).sin() * (c as f32 + 1.0) + r.next_normal()
            });
            d.update(&x).unwrap()
        })
        .collect();
    assert!(v.iter().all(|v| v.score.is_finite()));
    assert!(
        v.iter().any(|v| v.joint != 0.0),
        "the joint view did not start"
    );
}
