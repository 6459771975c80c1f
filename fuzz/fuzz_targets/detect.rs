//! The streaming detector on arbitrary readings: any bit pattern (NaN, infinities,
//! subnormals, values beyond `MAX_READING`), dropped samples, freezing, wrong lengths, and
//! save-and-restore in the middle of the stream. Never panics; every rejected reading changes
//! nothing; every verdict is finite; the whole state passes the loader's checks (finite,
//! within its bounds, reachable) and every model weight stays in its box; a detector restored
//! from its bytes says exactly what the original says.
//!
//! Layout of the input: byte 0 picks a configuration and a seed; then records of 9 bytes:
//! two readings (`f32`, raw bits) and an operation byte:
//! - bits 0-2: 0 a dropped sample, 1 toggle the freeze, 2 a slice of the wrong length,
//!   3 save, restore into a fresh detector and continue with it, else a reading;
//! - bit 3: the readings as raw bits (else a small value from their low 16 bits, so that
//!   the stream gets past the warm-up with ordinary values too);
//! - bit 4: check the whole state after this record.
#![no_main]

use gln::detector::{Detector, DetectorConfig, MAX_READING};
use gln::gaussian::GaussianGln2;
use gln::{Error, Persist};
use libfuzzer_sys::fuzz_target;

type Det = Detector<2, 4, 4, 4, GaussianGln2<4, 4, 3, 2, 4>>;

const CONFIGS: [DetectorConfig; 4] = [
    DetectorConfig::DEFAULT.with_warmup(8),
    DetectorConfig::DEFAULT
        .with_warmup(0)
        .with_smoothing(1.0)
        .with_threshold_rate(1.0)
        .with_stats_horizon(1.0)
        .with_error_horizon(1.0)
        .with_cross_horizon(1.0)
        .with_calibration(1.0)
        .with_learn_clip(f32::INFINITY)
        .with_std_floor(0.0)
        .with_level_weight(1e6)
        .with_two_sided(false),
    DetectorConfig::DEFAULT
        .with_warmup(3)
        .with_smoothing(1e-6)
        .with_threshold_k(1e6)
        .with_sustained_k(1e-6)
        .with_threshold_rate(1e-6)
        .with_stats_horizon(1e30)
        .with_learn_clip(1e-30)
        .with_std_floor(0.999_999)
        .with_level_weight(0.0),
    DetectorConfig::DEFAULT,
];

fn saved(d: &Det) -> Vec<u8> {
    let mut b = vec![0u8; Det::SAVED_BYTES];
    d.save(&mut b).unwrap();
    b
}

fn check_state(d: &Det) {
    let b = saved(d);
    assert_eq!(Det::check(&b), Ok(()), "the state left what a load accepts");
    for c in 0..2 {
        let m = d.model(c).unwrap();
        let beta = m.config().beta;
        m.for_each_weight(|w| assert!(w.is_finite() && w.abs() <= beta, "weight {w}"));
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&c, rest)) = data.split_first() else {
        return;
    };
    let config = CONFIGS[usize::from(c) % CONFIGS.len()];
    let mut d = Det::with_seed(u64::from(c >> 2), config);
    for rec in rest.chunks_exact(9) {
        let raw = [
            u32::from_le_bytes([rec[0], rec[1], rec[2], rec[3]]),
            u32::from_le_bytes([rec[4], rec[5], rec[6], rec[7]]),
        ];
        let op = rec[8];
        let x: [f32; 2] = if op & 8 != 0 {
            raw.map(f32::from_bits)
        } else {
            raw.map(|r| f32::from(r as u16 as i16) / 256.0)
        };
        match op & 7 {
            0 => d.missing(),
            1 => d.freeze(!d.is_frozen()),
            2 => {
                let before = saved(&d);
                let long = [x[0], x[1], x[0]];
                let n = usize::from(op >> 6);
                let r = d.update_slice(&long[..if n == 2 { 3 } else { n }]);
                assert!(matches!(r, Err(Error::WrongLength { expected: 2, .. })));
                assert_eq!(saved(&d), before);
            }
            3 => {
                // A reset: restore into a fresh detector (another seed and configuration),
                // and check both say the same about this reading.
                let b = saved(&d);
                let mut fresh = Det::with_seed(99, DetectorConfig::DEFAULT);
                fresh.load(&b).unwrap();
                assert_eq!(saved(&fresh), b);
                assert_eq!(fresh.fingerprint(), d.fingerprint());
                assert_eq!(fresh.update(&x), d.update(&x));
                assert_eq!(saved(&fresh), saved(&d));
                d = fresh;
            }
            _ => {
                // Refused exactly when a value is NaN, infinite or beyond MAX_READING.
                let refused = x.iter().any(|v| v.is_nan() || v.abs() > MAX_READING);
                let (before, fp) = if refused {
                    (saved(&d), d.fingerprint())
                } else {
                    (Vec::new(), 0)
                };
                match d.update(&x) {
                    Ok(v) => {
                        assert!(!refused);
                        for s in [v.score, v.instant, v.nll, v.instant_threshold]
                            .into_iter()
                            .chain(v.contributions)
                        {
                            assert!(s.is_finite(), "{v:?}");
                        }
                        for g in &v.expected {
                            assert!(g.mean.is_finite() && g.variance.is_finite(), "{v:?}");
                        }
                        assert!(!(v.anomaly && v.warming_up));
                    }
                    Err(Error::NonFinite { index }) => {
                        assert!(refused && !x[index].is_finite());
                        assert_eq!((saved(&d), d.fingerprint()), (before, fp));
                    }
                    Err(Error::Overflow { index }) => {
                        assert!(refused && x[index].abs() > MAX_READING);
                        assert_eq!((saved(&d), d.fingerprint()), (before, fp));
                    }
                    Err(e) => panic!("unexpected {e:?}"),
                }
            }
        }
        if op & 16 != 0 {
            check_state(&d);
        }
    }
    check_state(&d);
});
