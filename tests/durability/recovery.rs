//! No single accepted value leaves a state that ordinary readings cannot recover from
//! (issue 11, defects 3 and 6): the attacks, and the sweep that proves recovery.

use gln::rng::SplitMix64;
use gln::{Error, Standardizer};

/// Ordinary readings: feature 0 at `20 ± 1`, feature 1 at `5 ± 0.5`.
struct Normal(SplitMix64);

impl Normal {
    fn next(&mut self) -> [f32; 2] {
        [
            20.0 + self.0.next_normal(),
            5.0 + 0.5 * self.0.next_normal(),
        ]
    }
}

/// Probes one standard deviation below, at and above each feature's mean.
const PROBES: [[f32; 2]; 3] = [[19.0, 4.5], [20.0, 5.0], [21.0, 5.5]];

/// Whether every probe's `z` under `s` is within 1% of its `z` under `fresh` (1% of
/// `max(1, |z|)`: the z of the mean itself is about 0).
fn within_one_percent(s: &Standardizer<2>, fresh: &Standardizer<2>) -> bool {
    PROBES.iter().all(|p| {
        let (a, b) = (s.transform(p).unwrap(), fresh.transform(p).unwrap());
        a.iter()
            .zip(&b)
            .all(|(a, b)| (a - b).abs() <= 0.01 * b.abs().max(1.0))
    })
}

#[test]
fn a_first_reading_of_3e38_no_longer_makes_every_later_one_overflow() {
    let mut s = Standardizer::<1>::new(0.1);
    s.update(&[3e38]).unwrap();
    let mut r = SplitMix64::new(1);
    for _ in 0..1000 {
        let x = 20.0 + r.next_normal();
        // Was `Err(Overflow)` for every reading, for ever.
        assert!(s.update_transform(&[x]).is_ok());
    }
    assert!((s.mean()[0] - 20.0).abs() < 0.2 && (s.std_at(0) - 1.0).abs() < 0.1);
}

#[test]
fn one_1e19_among_readings_at_20_no_longer_freezes_the_transform() {
    let (mut s, mut fresh) = (Standardizer::<2>::new(0.1), Standardizer::<2>::new(0.1));
    let mut normal = Normal(SplitMix64::new(2));
    for _ in 0..10 {
        let x = normal.next();
        s.update(&x).unwrap();
        fresh.update(&x).unwrap();
    }
    s.update(&[1e19, 5.0]).unwrap();
    for _ in 0..100_000 {
        let x = normal.next();
        s.update(&x).unwrap();
        fresh.update(&x).unwrap();
    }
    // Was: 19, 20 and 21 all mapped to the same z.
    let z: Vec<f32> = PROBES.iter().map(|p| s.transform(p).unwrap()[0]).collect();
    assert!(z[0] < z[1] && z[1] < z[2], "{z:?}");
    assert!(within_one_percent(&s, &fresh));
}

/// Single values tried, in the units of feature 0 (ordinary readings `20 ± 1`).
fn extremes() -> Vec<f32> {
    let mut v = vec![0.0, -0.0, f32::from_bits(1), f32::MIN_POSITIVE];
    const MAGNITUDES: [f32; 10] = [
        40.0,
        60.0,
        100.0,
        1e3,
        1e5,
        1e10,
        1e19,
        1e30,
        3e38,
        f32::MAX,
    ];
    for m in MAGNITUDES {
        v.push(m);
        v.push(-m);
    }
    v
}

/// For one offset and one position: the fresh standardiser's stream, then each extreme value
/// inserted at `at` in feature 0. Returns (cases, rejected, worst readings to recover).
fn sweep(offset: f32, at: usize, after: usize) -> (usize, usize, usize) {
    let mut normal = Normal(SplitMix64::new(at as u64 ^ offset.to_bits() as u64));
    let stream: Vec<[f32; 2]> = (0..at + after).map(|_| normal.next()).collect();
    let mut fresh = Standardizer::<2>::new(offset);
    let mut fresh_after = Vec::with_capacity(after / 1000);
    for (i, x) in stream.iter().enumerate() {
        fresh.update(x).unwrap();
        if i >= at && (i + 1 - at).is_multiple_of(1000) {
            fresh_after.push(fresh);
        }
    }
    let (mut cases, mut rejected, mut worst) = (0, 0, 0);
    for v in extremes() {
        let mut s = Standardizer::<2>::new(offset);
        for x in &stream[..at] {
            s.update(x).unwrap();
        }
        let before = s;
        if s.update(&[v, 5.0]).is_err() {
            assert_eq!(s, before, "a refused value changed the statistics");
            rejected += 1;
            continue;
        }
        cases += 1;
        let mut recovered_at = None;
        for (k, x) in stream[at..].iter().enumerate() {
            s.update(x)
                .unwrap_or_else(|e| panic!("{v} at {at}, offset {offset}: reading {k}: {e:?}"));
            if (k + 1).is_multiple_of(1000) {
                let ok = within_one_percent(&s, &fresh_after[k / 1000]);
                match (ok, recovered_at) {
                    (true, None) => recovered_at = Some(k + 1),
                    (false, _) => recovered_at = None,
                    _ => {}
                }
            }
        }
        let n = recovered_at
            .unwrap_or_else(|| panic!("{v} at {at}, offset {offset}: not within 1% at the end"));
        worst = worst.max(n);
    }
    (cases, rejected, worst)
}

#[test]
fn after_any_single_accepted_value_ordinary_readings_bring_the_transform_back() {
    let after = 100_000;
    let (mut cases, mut rejected, mut worst) = (0, 0, 0);
    for offset in [0.0, 1e-3, 0.1, 1.0] {
        for at in [0, 1, 2, 5, 15, 16, 17, 31, 100, 1000, 10_000] {
            let (c, r, w) = sweep(offset, at, after);
            cases += c;
            rejected += r;
            worst = worst.max(w);
        }
    }
    println!(
        "{cases} single accepted values ({rejected} refused), all back within 1% of a fresh \
         standardiser; the slowest after {worst} ordinary readings"
    );
    assert!(cases > 800);
}

#[test]
fn standardizer_try_new_refuses_bad_offsets() {
    for bad in [f32::NAN, f32::INFINITY, -1.0] {
        assert!(matches!(
            Standardizer::<3>::try_new(bad),
            Err(Error::InvalidConfig(_))
        ));
    }
    assert!(Standardizer::<3>::try_new(0.0).is_ok());
}

#[test]
fn quantile_levels_outside_0_1_are_refused_and_extreme_values_keep_thresholds_finite() {
    use gln::detector::{StreamingQuantile, Threshold};
    // Were accepted, and gave NaN estimates.
    for bad in [f32::NAN, 2.0, 1.0, 0.0, -1.0] {
        assert!(std::panic::catch_unwind(|| StreamingQuantile::new(bad)).is_err());
        assert!(matches!(
            StreamingQuantile::try_new(bad),
            Err(Error::InvalidConfig(_))
        ));
    }
    let mut t = Threshold::new();
    for i in 0..10_000 {
        let s = if i % 2 == 0 { f32::MAX } else { -f32::MAX };
        t.update(s, 0.01);
        t.update_capped(s, 8.0, 0.01);
        let (m, q) = t.quantiles();
        assert!(m.value().is_finite() && q.value().is_finite(), "{i}: {t:?}");
        assert!(t.value(8.0).is_finite());
    }
    // And it comes back: ordinary values afterwards are tracked again.
    for i in 0..20_000 {
        t.update((i % 10) as f32, 0.01);
    }
    let (m, _) = t.quantiles();
    assert!((m.value() - 4.5).abs() < 1.0, "{t:?}");
}
