//! Save and restore for the Gaussian GLNs (every depth, several head counts) and the streaming
//! anomaly detector: round trips, a board that resets again and again on a long stream with
//! faults and continues bit for bit, and every way a load can fail, each proven to leave the
//! target unchanged.

use crate::common::{bytes, each_flip_refused, each_truncation};
use gln::detector::{Detector, DetectorConfig, SensorModel, SmallSensorModel, Verdict};
use gln::gaussian::{
    Gaussian, GaussianConfig, GaussianGln1, GaussianGln2, GaussianGln3, GaussianGln4,
    GaussianInput, GaussianNetwork,
};
use gln::persist::crc32;
use gln::rng::SplitMix64;
use gln::{Error, Gln2, LearningRate, Persist, PersistError, Schedule, StepScale};

// ---------------------------------------------------------------------------------------
// Gaussian GLN

/// A deterministic sample: side information in about `[-2, 2]`, base means, a target.
fn gsample<const D: usize, const B: usize>(t: u64) -> ([f32; D], [f32; B], f32) {
    let mut r = SplitMix64::new(t.wrapping_mul(0x9E37_79B9) ^ 0x5EED);
    let z: [f32; D] = core::array::from_fn(|_| 4.0 * r.next_f32() - 2.0);
    let m: [f32; B] = core::array::from_fn(|i| z[i % D] + 0.1 * r.next_normal());
    let y = if z[0] > 0.0 { 1.5 * z[D - 1] } else { -z[0] } + 0.1 * r.next_normal();
    (z, m, y)
}

fn gtrain<M: GaussianNetwork<D, B, N>, const D: usize, const B: usize, const N: usize>(
    m: &mut M,
    from: u64,
    steps: u64,
) {
    for t in from..from + steps {
        let (z, mu, y) = gsample::<D, B>(t);
        let x = GaussianInput::new(&z, &mu, 0.5).unwrap();
        let targets: [f32; N] = core::array::from_fn(|h| y * (h as f32 + 1.0));
        m.learn_targets(&x, &targets).unwrap();
    }
}

fn gbits<const N: usize>(p: &[Gaussian; N]) -> Vec<(u32, u32)> {
    p.iter()
        .map(|g| (g.mean.to_bits(), g.variance.to_bits()))
        .collect()
}

/// Saves a trained model, loads it into one built with another seed and configuration: the
/// same state (`==`, fingerprint, bytes) and the same bits on every later step.
fn g_round_trip<M, const D: usize, const B: usize, const N: usize>(mut m: M, mut other: M)
where
    M: GaussianNetwork<D, B, N> + Persist + Clone + PartialEq + core::fmt::Debug,
{
    gtrain(&mut m, 0, 300);
    let b = bytes(&m);
    assert_eq!(b.len(), M::SAVED_BYTES);
    assert_eq!(M::check(&b), Ok(()));
    assert_ne!(other.fingerprint(), m.fingerprint());
    other.load(&b).unwrap();
    // A Gaussian GLN has no derived state: the loaded model is equal as a value.
    assert_eq!(other, m);
    assert_eq!(other.fingerprint(), m.fingerprint());
    assert_eq!(other.config(), m.config());
    assert_eq!(other.steps(), 300);
    assert_eq!(bytes(&other), b);
    assert_eq!(M::from_bytes(&b).unwrap(), m);
    for t in 300..800 {
        let (z, mu, y) = gsample::<D, B>(t);
        let x = GaussianInput::new(&z, &mu, 0.5).unwrap();
        let targets = [y; N];
        let a = m.learn_targets(&x, &targets).unwrap();
        let c = other.learn_targets(&x, &targets).unwrap();
        assert_eq!(gbits(&a), gbits(&c), "step {t}");
        assert_eq!(m.fingerprint(), other.fingerprint(), "step {t}");
    }
}

fn gconfig() -> GaussianConfig {
    GaussianConfig::DEFAULT
        .with_variance_bounds(0.05, 20.0)
        .with_beta(2.0)
        .with_learning_rate(LearningRate::constant(0.3))
}

#[test]
fn gaussian_round_trip_every_depth_and_head_count() {
    let other = GaussianConfig::DEFAULT
        .with_offset_std(0.7)
        .with_normalized(false)
        .with_mean_bound(5.0);
    let c = gconfig();
    g_round_trip::<_, 3, 3, 1>(
        GaussianGln1::<3, 3, 2, 4>::new(1, c),
        GaussianGln1::new(2, other),
    );
    g_round_trip::<_, 3, 3, 3>(
        GaussianGln1::<3, 3, 2, 4, 3>::new(1, c),
        GaussianGln1::new(2, other),
    );
    g_round_trip::<_, 4, 4, 1>(
        GaussianGln2::<4, 4, 5, 3, 8>::new(3, c),
        GaussianGln2::new(4, other),
    );
    g_round_trip::<_, 4, 2, 2>(
        GaussianGln2::<4, 2, 5, 3, 8, 2>::new(3, c),
        GaussianGln2::new(4, other),
    );
    g_round_trip::<_, 5, 5, 1>(
        GaussianGln3::<5, 5, 6, 3, 2, 4>::new(5, c),
        GaussianGln3::new(6, other),
    );
    g_round_trip::<_, 5, 3, 2>(
        GaussianGln3::<5, 3, 6, 3, 4, 16, 2>::new(5, GaussianConfig::DEFAULT),
        GaussianGln3::new(6, other),
    );
    g_round_trip::<_, 2, 2, 1>(
        GaussianGln4::<2, 2, 3, 3, 2, 1, 2>::new(7, c),
        GaussianGln4::new(8, other),
    );
    g_round_trip::<_, 2, 3, 4>(
        GaussianGln4::<2, 3, 3, 3, 2, 1, 2, 4>::new(7, GaussianConfig::DEFAULT),
        GaussianGln4::new(8, other),
    );
    // Every schedule, both step kinds, both step scalings survive.
    for (schedule, normalized) in [
        (Schedule::Constant { eta: 0.1 }, false),
        (Schedule::InverseTime { c: 2.0, max: 0.3 }, true),
        (
            Schedule::Hyperbolic {
                a: 1.0,
                b: 0.01,
                max: 0.2,
            },
            false,
        ),
    ] {
        let lr = LearningRate {
            schedule,
            floor: 0.001,
            scale: StepScale::HiddenFanIn { reference: 3.0 },
        };
        let c = gconfig().with_learning_rate(lr).with_normalized(normalized);
        g_round_trip::<_, 3, 3, 2>(
            GaussianGln2::<3, 3, 4, 2, 4, 2>::new(11, c),
            GaussianGln2::new(12, GaussianConfig::DEFAULT),
        );
    }
    // The detector's reference model, from a `static`.
    static MODEL: SensorModel = SensorModel::new(3, gln::detector::SENSOR_MODEL_CONFIG);
    g_round_trip::<_, 16, 16, 1>(MODEL.clone(), SensorModel::new(4, GaussianConfig::DEFAULT));
}

type G = GaussianGln2<3, 3, 4, 2, 4>;

fn trained_g() -> G {
    let mut m = G::new(21, gconfig());
    gtrain(&mut m, 0, 200);
    m
}

/// Loads `bytes` into a trained Gaussian target: the error must satisfy `want`, `check`
/// must agree, and the target must not change (value, fingerprint, bytes).
fn g_rejects(bytes_in: &[u8], want: impl FnOnce(&Error) -> bool) {
    let mut target = G::new(77, GaussianConfig::DEFAULT);
    gtrain(&mut target, 1000, 50);
    let (before, fp, b) = (target.clone(), target.fingerprint(), bytes(&target));
    let err = target.load(bytes_in).unwrap_err();
    assert!(want(&err), "unexpected error: {err:?} ({err})");
    assert_eq!(G::check(bytes_in), Err(err));
    assert_eq!(target, before, "a failed load changed the target");
    assert_eq!((target.fingerprint(), bytes(&target)), (fp, b));
}

fn fix_crc(b: &mut [u8]) {
    let n = b.len();
    let c = crc32(&b[..n - 4]);
    b[n - 4..].copy_from_slice(&c.to_le_bytes());
}

fn perr(e: &Error) -> Option<PersistError> {
    match e {
        Error::Persist(p) => Some(*p),
        _ => None,
    }
}

fn bad_at(offset: usize) -> impl FnOnce(&Error) -> bool {
    move |e| matches!(perr(e), Some(PersistError::BadValue { offset: o, .. }) if o as usize == offset)
}

#[test]
fn gaussian_every_truncation_and_bit_flip_is_rejected() {
    let b = bytes(&trained_g());
    each_truncation(&b, |prefix, _| {
        g_rejects(prefix, |e| {
            matches!(
                perr(e),
                Some(PersistError::Truncated { .. } | PersistError::BadMagic)
            )
        });
    });
    let crc_errors = each_flip_refused(&b, |flipped, ok| {
        g_rejects(flipped, |e| perr(e).is_some_and(|p| ok(&p)))
    });
    assert!(crc_errors > 8 * (b.len() - 12));
}

#[test]
fn gaussian_invalid_values_behind_a_valid_crc_are_rejected() {
    let good = bytes(&trained_g());
    let with = |at: usize, v: &[u8]| {
        let mut b = good.clone();
        b[at..at + v.len()].copy_from_slice(v);
        fix_crc(&mut b);
        b
    };
    let w = |i: usize| 136 + 4 * i;
    for v in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY, -f32::NAN] {
        g_rejects(&with(w(3), &v.to_le_bytes()), bad_at(w(3)));
    }
    // beta is 2 in `gconfig()`: 2.01 is out of the box; 2 and a subnormal are in.
    g_rejects(&with(w(0), &2.01f32.to_le_bytes()), bad_at(w(0)));
    g_rejects(
        &with(w(G::WEIGHTS - 1), &(-1e30f32).to_le_bytes()),
        bad_at(w(G::WEIGHTS - 1)),
    );
    let mut ok = G::new(0, GaussianConfig::DEFAULT);
    ok.load(&with(w(0), &2.0f32.to_le_bytes())).unwrap();
    ok.load(&with(w(1), &f32::from_bits(1).to_le_bytes()))
        .unwrap();
    // Unknown schedule tag, non-zero unused parameters, a normalized flag of 2.
    g_rejects(&with(96, &9u32.to_le_bytes()), bad_at(96));
    g_rejects(&with(104, &1.0f32.to_le_bytes()), bad_at(100));
    g_rejects(&with(108, &(-0.0f32).to_le_bytes()), bad_at(100));
    g_rejects(&with(120, &2u32.to_le_bytes()), bad_at(120));
    g_rejects(&with(12, &[0, 0, 1, 0]), bad_at(12));
    // Configurations `GaussianConfig::check` rejects: variance bounds, a box that cuts the
    // initial weights, a NaN rate.
    for (at, v, what) in [
        (80, 0.0f32, "sigma2_min"),
        (84, f32::INFINITY, "sigma2_max"),
        (88, 0.2, "beta"),
        (92, f32::NAN, "mean_bound"),
        (100, f32::NAN, "learning rate"),
        (124, -1.0, "offset_std"),
    ] {
        g_rejects(
            &with(at, &v.to_le_bytes()),
            |e| matches!(e, Error::InvalidConfig(w) if w.contains(what) || what == "learning rate"),
        );
    }
    // Hyperplanes this build would not draw from the seed.
    let h = u64::from_le_bytes(good[128..136].try_into().unwrap());
    g_rejects(&with(128, &(h ^ 1).to_le_bytes()), |e| {
        perr(e) == Some(PersistError::PlanesMismatch)
    });
    g_rejects(&with(64, &12345u64.to_le_bytes()), |e| {
        perr(e) == Some(PersistError::PlanesMismatch)
    });
    // Another kind and other shapes.
    let bern = bytes(&Gln2::<3, 3, 4, 2, 4>::new(1, gln::Config::DEFAULT));
    g_rejects(&bern, |e| {
        perr(e)
            == Some(PersistError::WrongKind {
                expected: 3,
                found: 1,
            })
    });
    assert!(matches!(
        Gln2::<3, 3, 4, 2, 4>::check(&good),
        Err(Error::Persist(PersistError::WrongKind {
            expected: 1,
            found: 3
        }))
    ));
    for (b, what) in [
        (
            bytes(&GaussianGln2::<3, 3, 5, 2, 4>::new(1, gconfig())),
            "width 1",
        ),
        (
            bytes(&GaussianGln2::<3, 2, 4, 2, 4>::new(1, gconfig())),
            "B (base",
        ),
        (
            bytes(&GaussianGln2::<3, 3, 4, 2, 4, 2>::new(1, gconfig())),
            "N (heads",
        ),
        (
            bytes(&GaussianGln3::<3, 3, 4, 4, 2, 4>::new(1, gconfig())),
            "depth",
        ),
    ] {
        g_rejects(
            &b,
            |e| matches!(perr(e), Some(PersistError::WrongShape { what: w, .. }) if w.starts_with(what)),
        );
    }
}

// ---------------------------------------------------------------------------------------
// Detector

type Det2 = Detector<2, 8, 8, 8, SmallSensorModel>;
type Det1 = Detector<1, 16, 16, 16, SensorModel>;

/// Everything a verdict says, as bits.
fn vbits<const CH: usize>(v: &Verdict<CH>) -> Vec<u32> {
    let mut b = vec![
        v.score.to_bits(),
        v.instant.to_bits(),
        v.nll.to_bits(),
        v.instant_threshold.to_bits(),
        u32::from(v.anomaly),
        v.reason.map_or(99, |r| r as u32),
        u32::from(v.warming_up),
        v.channel as u32,
    ];
    b.extend(v.contributions.iter().map(|c| c.to_bits()));
    b.extend(
        v.expected
            .iter()
            .flat_map(|g| [g.mean.to_bits(), g.variance.to_bits()]),
    );
    b
}

/// What happens at step `t` of the long stream.
enum Event<const CH: usize> {
    Reading([f32; CH]),
    Missing,
    Bad([f32; CH]),
    Freeze(bool),
}

/// A long stream over two channels (a temperature with a daily cycle, a vibration with load
/// shifts) with faults: spikes, a level shift, a stuck sensor, a noise burst, a runaway;
/// dropped samples (single ones and gaps longer than the window); NaN, infinite and
/// out-of-range readings; and a maintenance window during which learning is frozen.
fn event(t: u32, r: &mut SplitMix64) -> Event<2> {
    let day = t as f32 * (core::f32::consts::TAU / 1440.0);
    let mut temp = 40.0 + 6.0 * day.sin() + 0.15 * r.next_normal();
    let load = if (t / 480).is_multiple_of(3) {
        1.0
    } else {
        0.4
    };
    let mut vib = 2.0 * load + 0.1 * r.next_normal();
    match t {
        2000 | 5200 | 9100 => temp += 8.0,               // spikes
        3000..=3400 => temp += 3.0,                      // level shift
        4000..=4300 => temp = 47.25,                     // stuck sensor
        6000..=6200 => vib += 1.5 * r.next_normal(),     // noise burst
        7000..=7400 => temp += 0.05 * (t - 7000) as f32, // runaway
        _ => {}
    }
    match t {
        8000 => Event::Freeze(true),
        8600 => Event::Freeze(false),
        _ if t % 211 == 17 => Event::Missing,
        2500..=2520 => Event::Missing, // longer than the window: tracking restarts
        _ if t % 157 == 3 => Event::Bad([f32::NAN, vib]),
        _ if t % 389 == 5 => Event::Bad([temp, f32::INFINITY]),
        _ if t % 401 == 7 => Event::Bad([2e15, vib]),
        _ => Event::Reading([temp, vib]),
    }
}

/// Applies an event; returns the verdict of a reading.
fn apply<const CH: usize, const W: usize, const D: usize, const B: usize, M>(
    d: &mut Detector<CH, W, D, B, M>,
    e: &Event<CH>,
) -> Option<Result<Verdict<CH>, Error>>
where
    M: GaussianNetwork<D, B, 1>,
{
    match e {
        Event::Reading(x) => Some(d.update(x)),
        Event::Bad(x) => Some(d.update(x)),
        Event::Missing => {
            d.missing();
            None
        }
        Event::Freeze(f) => {
            d.freeze(*f);
            None
        }
    }
}

#[test]
fn a_board_that_resets_continues_bit_for_bit() {
    // The twin never resets. The board saves, "resets" (its detector is replaced by a fresh
    // one with another seed and configuration) and restores, at every checkpoint: often in
    // the warm-up, then every 250 readings, and at the awkward moments (inside each fault,
    // in a long gap with an empty window, while frozen).
    let other = DetectorConfig::DEFAULT.with_warmup(5).with_two_sided(false);
    let config = DetectorConfig::DEFAULT
        .with_warmup(1440)
        .with_threshold_rate(1.0 / 1440.0);
    let mut twin = Det2::with_seed(1, config);
    let mut board = twin.clone();
    let mut r = SplitMix64::new(99);
    let mut buf = vec![0u8; Det2::SAVED_BYTES];
    let (mut resets, mut flags, mut rejected, mut frozen_resets) = (0, 0, 0, 0);
    let mut stuck = 0;
    let awkward = [
        2000, 2001, 2510, 2521, 3100, 4150, 4301, 6100, 7200, 8300, 8599,
    ];
    for t in 0..10_000u32 {
        let e = event(t, &mut r);
        let a = apply(&mut twin, &e);
        let b = apply(&mut board, &e);
        match (a, b) {
            (Some(Ok(va)), Some(Ok(vb))) => {
                assert_eq!(vbits(&va), vbits(&vb), "verdict {t}");
                flags += u32::from(va.anomaly);
                stuck += u32::from(va.reason == Some(gln::detector::Reason::Stuck));
            }
            (Some(Err(ea)), Some(Err(eb))) => {
                assert_eq!(ea, eb);
                rejected += 1;
            }
            (None, None) => {}
            (a, b) => panic!("step {t}: {a:?} vs {b:?}"),
        }
        assert_eq!(twin.fingerprint(), board.fingerprint(), "fingerprint {t}");
        // Every reading at the start of the stuck fault: the first one flagged as stuck too.
        if t < 60 || t % 250 == 0 || awkward.contains(&t) || (4000..4025).contains(&t) {
            board.save(&mut buf).unwrap();
            let mut fresh = Det2::with_seed(u64::from(t) + 1000, other);
            fresh.load(&buf).unwrap();
            assert_eq!(fresh.fingerprint(), board.fingerprint());
            assert_eq!(bytes(&fresh), buf, "save-then-load is the identity");
            frozen_resets += u32::from(fresh.is_frozen());
            board = fresh;
            resets += 1;
        }
    }
    assert_eq!(bytes(&board), bytes(&twin));
    println!("{resets} resets, {flags} flags ({stuck} stuck), {rejected} rejected readings");
    assert!(
        resets > 90 && frozen_resets >= 3,
        "{resets} {frozen_resets}"
    );
    assert!(rejected > 50, "{rejected}");
    // The stream is not trivial: the faults are flagged (the same with and without resets).
    assert!(flags > 20 && stuck > 100, "{flags} {stuck}");
    assert!(board.gaps() > 40);
}

#[test]
fn the_reference_detector_round_trips_mid_fault() {
    // One channel, the reference model (49 KB), a level shift in progress.
    let mut a = Det1::with_seed(3, DetectorConfig::DEFAULT);
    let mut r = SplitMix64::new(5);
    let x = |t: u32, r: &mut SplitMix64| {
        let v = 50.0 + 5.0 * (t as f32 * 0.0125).sin() + 0.2 * r.next_normal();
        if t >= 1500 { v + 4.0 } else { v }
    };
    for t in 0..1520 {
        a.update(&[x(t, &mut r)]).unwrap();
    }
    let buf = bytes(&a);
    assert_eq!(buf.len(), Det1::SAVED_BYTES);
    let mut b = Box::new(Det1::with_seed(0, DetectorConfig::DEFAULT));
    b.load(&buf).unwrap();
    let mut flagged = 0;
    for t in 1520..2500 {
        let v = x(t, &mut r);
        let (va, vb) = (a.update(&[v]).unwrap(), b.update(&[v]).unwrap());
        assert_eq!(vbits(&va), vbits(&vb));
        flagged += u32::from(va.anomaly);
    }
    assert_eq!(a.fingerprint(), b.fingerprint());
    assert!(flagged > 0);
}

#[test]
fn fresh_frozen_and_gap_only_detectors_round_trip() {
    let mut fresh = Det2::with_seed(4, DetectorConfig::DEFAULT);
    let mut twins = vec![fresh.clone()];
    fresh.missing();
    twins.push(fresh.clone()); // gaps before any reading
    fresh.freeze(true);
    fresh.update(&[1.0, 2.0]).unwrap();
    twins.push(fresh.clone()); // frozen from the first reading
    for _ in 0..9 {
        fresh.missing();
    }
    twins.push(fresh.clone()); // a long gap: the window is empty again
    for d in twins {
        let b = bytes(&d);
        let mut back = Det2::from_bytes(&b).unwrap();
        assert_eq!(back.fingerprint(), d.fingerprint());
        assert_eq!(back.is_frozen(), d.is_frozen());
        assert_eq!((back.readings(), back.gaps()), (d.readings(), d.gaps()));
        let mut d = d;
        for t in 0..50u32 {
            let x = [t as f32, (t % 3) as f32];
            assert_eq!(
                vbits(&back.update(&x).unwrap()),
                vbits(&d.update(&x).unwrap())
            );
        }
        assert_eq!(bytes(&back), bytes(&d));
    }
}

/// A tiny detector, for the exhaustive corruption tests: 1 channel, a window of 4, a
/// one-neuron model over 2 features.
type Tiny = Detector<1, 4, 2, 2, GaussianGln1<2, 2, 1, 2>>;
/// Two channels, to corrupt the correlation matrix.
type Pair = Detector<2, 3, 2, 2, GaussianGln1<2, 2, 1, 2>>;

fn trained<const CH: usize, const W: usize, M>(n: u32) -> Detector<CH, W, 2, 2, M>
where
    M: GaussianNetwork<2, 2, 1>,
{
    let mut d = Detector::<CH, W, 2, 2, M>::with_seed(8, DetectorConfig::DEFAULT.with_warmup(10));
    let mut r = SplitMix64::new(1);
    for t in 0..n {
        let x: [f32; CH] =
            core::array::from_fn(|c| (t as f32 * 0.3).sin() * (c as f32 + 1.0) + r.next_normal());
        d.update(&x).unwrap();
    }
    d
}

/// Loads `b` into a trained detector of type `Tiny`/`Pair`: `want` must accept the error,
/// `check` must agree, and the target must not change (bytes, fingerprint, and its verdicts
/// from then on).
fn d_rejects<const CH: usize, const W: usize>(b: &[u8], want: impl FnOnce(&Error) -> bool)
where
    Detector<CH, W, 2, 2, GaussianGln1<2, 2, 1, 2>>: Persist + Clone,
{
    let mut target = trained::<CH, W, GaussianGln1<2, 2, 1, 2>>(77);
    let (before, fp, saved) = (target.clone(), target.fingerprint(), bytes(&target));
    let err = target.load(b).unwrap_err();
    assert!(want(&err), "unexpected error: {err:?} ({err})");
    assert_eq!(
        <Detector<CH, W, 2, 2, GaussianGln1<2, 2, 1, 2>>>::check(b),
        Err(err)
    );
    assert_eq!((target.fingerprint(), bytes(&target)), (fp, saved));
    assert_eq!(format!("{target:?}"), format!("{before:?}"));
}

#[test]
fn detector_every_truncation_and_bit_flip_is_rejected() {
    let b = bytes(&trained::<1, 4, GaussianGln1<2, 2, 1, 2>>(50));
    assert_eq!(b.len(), Tiny::SAVED_BYTES);
    each_truncation(&b, |prefix, _| {
        d_rejects::<1, 4>(prefix, |e| {
            matches!(
                perr(e),
                Some(PersistError::Truncated { .. } | PersistError::BadMagic)
            )
        });
    });
    let crc_errors = each_flip_refused(&b, |flipped, ok| {
        d_rejects::<1, 4>(flipped, |e| perr(e).is_some_and(|p| ok(&p)))
    });
    assert!(crc_errors > 8 * (b.len() - 12));
    println!("{} truncations, {} bit flips", b.len(), 8 * b.len());
}

/// Byte offsets of a detector record's fields (the layout in the `detector` module docs).
struct Layout {
    ch: usize,
    w: usize,
}

impl Layout {
    const CONFIG: usize = 64;
    const READINGS: usize = 116;
    const COMMISSIONED: usize = 124;
    const GAPS: usize = 132;
    const GAP_RUN: usize = 140;
    const CROSS_N: usize = 144;
    const CAL_N: usize = 148;
    const FROZEN: usize = 152;
    const SHOCK: usize = 156;
    const LOG_GAIN: usize = 160;
    const WINDOW_LEN: usize = 168;
    fn window(&self, row: usize, c: usize) -> usize {
        172 + 4 * (row * self.ch + c)
    }
    fn instant(&self) -> usize {
        172 + 4 * self.w * self.ch
    }
    fn channel(&self, c: usize) -> usize {
        self.instant() + 24 + 132 * c
    }
    fn cross(&self, i: usize, j: usize) -> usize {
        self.channel(self.ch) + 4 * (i * self.ch + j)
    }
    fn cal(&self, c: usize) -> usize {
        self.cross(self.ch, 0) + 168 * c
    }
    fn model(&self, c: usize, body: usize) -> usize {
        self.cal(self.ch) + body * c
    }
}

#[test]
fn detector_states_it_cannot_reach_are_rejected() {
    let good = bytes(&trained::<1, 4, GaussianGln1<2, 2, 1, 2>>(50));
    let l = Layout { ch: 1, w: 4 };
    let with = |edits: &[(usize, [u8; 4])]| {
        let mut b = good.clone();
        for (at, v) in edits {
            b[*at..*at + 4].copy_from_slice(v);
        }
        fix_crc(&mut b);
        b
    };
    let f = |v: f32| v.to_le_bytes();
    let u = |v: u32| v.to_le_bytes();
    let rd = |at: usize| u32::from_le_bytes(good[at..at + 4].try_into().unwrap());
    assert_eq!(rd(Layout::READINGS), 50, "the layout in the docs");
    assert_eq!(rd(Layout::WINDOW_LEN), 4);
    let ch = l.channel(0);
    type Edits = Vec<(usize, [u8; 4])>;
    let cases: Vec<(Edits, usize)> = vec![
        // Flags that are neither 0 nor 1.
        (vec![(Layout::FROZEN, u(2))], Layout::FROZEN),
        (vec![(Layout::CONFIG + 48, u(7))], Layout::CONFIG + 48),
        (vec![(ch + 128, u(3))], ch + 128),
        // The window: longer than W; a NaN, infinite or too large reading; a used slot
        // declared unused; not cleared after a long gap.
        (vec![(Layout::WINDOW_LEN, u(5))], Layout::WINDOW_LEN),
        (vec![(l.window(2, 0), f(f32::NAN))], l.window(2, 0)),
        (vec![(l.window(0, 0), f(f32::NEG_INFINITY))], l.window(0, 0)),
        (vec![(l.window(3, 0), f(1.01e15))], l.window(3, 0)),
        (vec![(Layout::WINDOW_LEN, u(3))], l.window(3, 0)),
        (
            vec![(Layout::GAP_RUN, u(4)), (Layout::GAPS, u(4))],
            Layout::WINDOW_LEN,
        ),
        (vec![(Layout::GAP_RUN, u(1))], Layout::GAP_RUN),
        // Counters that disagree with the readings.
        (vec![(Layout::CAL_N, u(21))], Layout::CAL_N),
        (vec![(Layout::CROSS_N, u(49))], Layout::CROSS_N),
        (vec![(l.instant() + 8, u(48))], l.instant() + 8),
        (vec![(l.instant() + 20, u(50))], l.instant() + 20),
        (vec![(ch, u(49))], ch),
        (vec![(ch + 116, u(0))], ch + 116),
        (vec![(l.cal(0) + 48 + 8, u(1))], l.cal(0) + 48 + 8),
        (vec![(l.cal(0) + 72 + 20, u(1))], l.cal(0) + 72 + 20),
        (vec![(l.cal(0) + 144 + 20, u(1))], l.cal(0) + 144 + 20),
        // A commissioning after the last reading; a share outside [0, 1]; a persistence
        // with a last value beyond its bound or a negative power.
        (vec![(Layout::COMMISSIONED, u(51))], Layout::COMMISSIONED),
        (vec![(Layout::SHOCK, f(1.5))], Layout::SHOCK),
        (vec![(Layout::SHOCK, f(f32::NAN))], Layout::SHOCK),
        (vec![(Layout::LOG_GAIN, f(-0.5))], Layout::LOG_GAIN),
        (vec![(Layout::LOG_GAIN, f(7.0))], Layout::LOG_GAIN),
        (vec![(l.cal(0) + 24, f(10.5))], l.cal(0) + 24),
        (vec![(l.cal(0) + 32, f(-0.1))], l.cal(0) + 32),
        (vec![(l.cal(0) + 40, f(f32::INFINITY))], l.cal(0) + 40),
        // Negative variances, errors, volatility, spreads; a NaN statistic.
        (vec![(ch + 8, f(-1e-30))], ch + 8),
        (vec![(ch + 48, f(-0.5))], ch + 48),
        (vec![(ch + 52 + 4 * 15, f(-1.0))], ch + 52 + 4 * 15),
        (vec![(l.instant() + 4, f(-1.0))], l.instant() + 4),
        (vec![(l.cal(0) + 12, f(-2.0))], l.cal(0) + 12),
        (vec![(ch + 4, f(f32::NAN))], ch + 4),
        (vec![(ch + 12 + 4 * 7, f(f32::INFINITY))], ch + 12 + 4 * 7),
        (vec![(l.cal(0) + 20, f(f32::NAN))], l.cal(0) + 20),
        (vec![(l.cross(0, 0), f(-1.0))], l.cross(0, 0)),
        // A stuck flag on a run too short to be stuck.
        (vec![(ch + 128, u(1)), (ch + 120, u(3))], ch + 128),
        // The model inside: a NaN weight, a weight out of its box.
        (
            vec![(l.model(0, 112) + 72 + 8, f(f32::NAN))],
            l.model(0, 112) + 72 + 8,
        ),
        (
            vec![(l.model(0, 112) + 72, f(1001.0))],
            l.model(0, 112) + 72,
        ),
        (vec![(l.model(0, 112) + 56, u(2))], l.model(0, 112) + 56),
    ];
    for (edits, offset) in &cases {
        d_rejects::<1, 4>(&with(edits), bad_at(*offset));
    }
    // A detector before its first reading with statistics: every one is refused.
    let fresh = bytes(&Tiny::with_seed(8, DetectorConfig::DEFAULT));
    for at in [
        l.instant(),
        ch + 4,
        ch + 12,
        ch + 52,
        l.cal(0),
        l.cal(0) + 16,
        l.cal(0) + 28,
        l.cal(0) + 44,
        l.cross(0, 0),
    ] {
        let mut b = fresh.clone();
        b[at..at + 4].copy_from_slice(&0.5f32.to_le_bytes());
        fix_crc(&mut b);
        d_rejects::<1, 4>(&b, bad_at(at));
    }
    // Invalid configurations: `DetectorConfig::check`, then the model's.
    for (at, v) in [
        (Layout::CONFIG + 4, 0.0f32),    // smoothing
        (Layout::CONFIG + 16, f32::NAN), // threshold_rate
        (Layout::CONFIG + 20, 0.5),      // stats_horizon
        (Layout::CONFIG + 44, f32::NAN), // level_weight
        (Layout::CONFIG + 44, -1.0),     // level_weight
        (l.model(0, 112) + 16, 0.0),     // the model's sigma2_min
    ] {
        d_rejects::<1, 4>(&with(&[(at, f(v))]), |e| {
            matches!(e, Error::InvalidConfig(_))
        });
    }
    // Another seed in the model with the old hyperplane hash.
    let mut b = good.clone();
    b[l.model(0, 112)..l.model(0, 112) + 8].copy_from_slice(&5u64.to_le_bytes());
    fix_crc(&mut b);
    d_rejects::<1, 4>(&b, |e| perr(e) == Some(PersistError::PlanesMismatch));
    println!("{} crafted records", cases.len() + 9 + 6 + 1);
}

#[test]
fn an_asymmetric_correlation_matrix_is_rejected() {
    let good = bytes(&trained::<2, 3, GaussianGln1<2, 2, 1, 2>>(40));
    let l = Layout { ch: 2, w: 3 };
    let at = l.cross(1, 0);
    let v = f32::from_le_bytes(good[at..at + 4].try_into().unwrap());
    assert_eq!(
        good[l.cross(0, 1)..l.cross(0, 1) + 4],
        good[at..at + 4],
        "symmetric as saved"
    );
    let mut b = good.clone();
    b[at..at + 4].copy_from_slice(&(v * 1.5 + 0.1).to_le_bytes());
    fix_crc(&mut b);
    d_rejects::<2, 3>(&b, bad_at(at));
    // With two channels the correlation count follows the readings.
    let mut b = good.clone();
    b[Layout::CROSS_N..Layout::CROSS_N + 4].copy_from_slice(&0u32.to_le_bytes());
    fix_crc(&mut b);
    d_rejects::<2, 3>(&b, bad_at(Layout::CROSS_N));
    Pair::check(&good).unwrap();
}

#[test]
fn detector_shapes_and_kinds_are_named() {
    let good = bytes(&trained::<1, 4, GaussianGln1<2, 2, 1, 2>>(20));
    let shape = |b: Vec<u8>, what: &str| {
        d_rejects::<1, 4>(
            &b,
            |e| matches!(perr(e), Some(PersistError::WrongShape { what: w, .. }) if w.starts_with(what)),
        )
    };
    shape(
        bytes(
            &Detector::<1, 5, 2, 2, GaussianGln1<2, 2, 1, 2>>::with_seed(
                1,
                DetectorConfig::DEFAULT,
            ),
        ),
        "W (window)",
    );
    shape(bytes(&trained::<2, 4, GaussianGln1<2, 2, 1, 2>>(3)), "CH");
    shape(
        bytes(
            &Detector::<1, 4, 2, 2, GaussianGln1<2, 2, 2, 4>>::with_seed(
                1,
                DetectorConfig::DEFAULT,
            ),
        ),
        "model K",
    );
    shape(
        bytes(
            &Detector::<1, 4, 2, 2, GaussianGln2<2, 2, 2, 1, 2>>::with_seed(
                1,
                DetectorConfig::DEFAULT,
            ),
        ),
        "model depth",
    );
    shape(
        bytes(
            &Detector::<1, 4, 3, 2, GaussianGln1<3, 2, 1, 2>>::with_seed(
                1,
                DetectorConfig::DEFAULT,
            ),
        ),
        "D (side",
    );
    // A model's bytes are not a detector, nor the reverse.
    let model = bytes(&GaussianGln1::<2, 2, 1, 2>::new(1, GaussianConfig::DEFAULT));
    d_rejects::<1, 4>(&model, |e| {
        perr(e)
            == Some(PersistError::WrongKind {
                expected: 4,
                found: 3,
            })
    });
    assert!(matches!(
        GaussianGln1::<2, 2, 1, 2>::check(&good),
        Err(Error::Persist(PersistError::WrongKind { .. }))
    ));
}

#[test]
fn a_model_and_a_detector_load_all_or_nothing() {
    type State = (G, Tiny);
    let state: State = (trained_g(), trained::<1, 4, GaussianGln1<2, 2, 1, 2>>(30));
    let mut b = bytes(&state);
    assert_eq!(b.len(), G::SAVED_BYTES + Tiny::SAVED_BYTES);
    let mut target: State = (
        G::new(1, GaussianConfig::DEFAULT),
        Tiny::with_seed(2, DetectorConfig::DEFAULT),
    );
    // Corrupt the detector only: the (valid) model must not be applied either.
    let n = b.len() - 9;
    b[n] ^= 4;
    let before = (target.0.clone(), bytes(&target.1));
    assert!(matches!(
        target.load(&b),
        Err(Error::Persist(PersistError::Crc { .. }))
    ));
    assert_eq!((target.0.clone(), bytes(&target.1)), before);
    b[n] ^= 4;
    target.load(&b).unwrap();
    assert_eq!(target.0, state.0);
    assert_eq!(target.1.fingerprint(), state.1.fingerprint());
}

/// Every stored statistic of a `Pair` detector with the range a stream can reach (offset
/// in the record, lowest, highest value): its mean and levels average readings within
/// `±MAX_READING`, its trend and volatility differences of two, its variance and errors
/// squares of those; the correlations average products of standardised values within
/// `±1000`; the calibration follows NLLs (`σ² ∈ [1e-6, 1e6]`, `|μ| <= 1e6`) and level
/// surprises (`½ z²`, `|z| <= 20`); a margin of 1% for rounding.
fn reachable_ranges(l: &Layout) -> Vec<(usize, f32, f32)> {
    let stat = 1.01 * gln::detector::MAX_READING;
    let diff = 2.0 * stat;
    let err = (4.0 * stat) * (4.0 * stat);
    let cross = 1.01f32 * 1000.0 * 1000.0;
    let (nll_lo, nll_hi) = (-7.0f32, 1e18f32);
    let level = 1.01f32 * 0.5 * 20.0 * 20.0;
    let persist = 1.01f32 * 10.0 * 10.0;
    let mut r = Vec::new();
    for c in 0..l.ch {
        let ch = l.channel(c);
        r.push((ch + 4, -stat, stat));
        r.push((ch + 8, 0.0, diff * diff));
        for k in 0..8 {
            r.push((ch + 12 + 4 * k, -stat, stat));
        }
        r.push((ch + 44, -diff, diff));
        r.push((ch + 48, 0.0, diff));
        for k in 0..16 {
            r.push((ch + 52 + 4 * k, 0.0, err));
        }
        let cal = l.cal(c);
        r.push((cal, nll_lo, nll_hi));
        r.push((cal + 4, 0.0, nll_hi - nll_lo));
        r.push((cal + 8, 0.0, level));
        r.push((cal + 12, 0.0, level));
        let pred = (nll_hi - nll_lo) * 1.01e6;
        r.push((cal + 16, -pred, pred));
        r.push((cal + 20, -level * 1.01e6, level * 1.01e6));
        for p in [cal + 24, cal + 36] {
            r.push((p + 4, -persist, persist));
            r.push((p + 8, 0.0, persist));
        }
    }
    for i in 0..l.ch {
        r.push((l.cross(i, i), 0.0, cross));
    }
    // The thresholds' quantiles (median, q90): values within `±3 v`, spreads within
    // `[0, 4 v]`, `v` the bound of what each threshold learns from: the instant score
    // (a normalised component per channel, within 1e6) and each channel's components.
    let threshold = |r: &mut Vec<(usize, f32, f32)>, at: usize, v: f32| {
        for q in [at, at + 12] {
            r.push((q, -3.0 * v, 3.0 * v));
            r.push((q + 4, 0.0, 4.0 * v));
        }
    };
    threshold(&mut r, l.instant(), 1.01e6 * l.ch as f32);
    let pred = (nll_hi - nll_lo) * 1.01e6;
    for c in 0..l.ch {
        for (k, v) in [pred, pred, pred, level * 1.01e6, level * 1.01e6]
            .into_iter()
            .enumerate()
        {
            threshold(&mut r, l.cal(c) + 48 + 24 * k, v);
        }
    }
    r
}

/// The attack of issue 11 (defect 2): a trained record with one statistic set beyond what
/// any stream can reach (a mean, a level or a calibration location at -3e38 among them),
/// the CRC recomputed, is refused and changes nothing; at the bound it loads, and a
/// detector restored from it keeps saving records its own loader accepts.
#[test]
fn statistics_beyond_what_a_stream_can_reach_are_rejected() {
    let good = bytes(&trained::<2, 3, GaussianGln1<2, 2, 1, 2>>(50));
    let l = Layout { ch: 2, w: 3 };
    let with = |edits: &[(usize, f32)]| {
        let mut b = good.clone();
        for &(at, v) in edits {
            b[at..at + 4].copy_from_slice(&v.to_le_bytes());
        }
        fix_crc(&mut b);
        b
    };
    let ranges = reachable_ranges(&l);
    assert_eq!(
        ranges.len(),
        2 * (1 + 1 + 8 + 2 + 16 + 6 + 4) + 2 + 4 + 2 * 5 * 4
    );
    let mut refused = 0;
    for &(at, lo, hi) in &ranges {
        for beyond in [lo.next_down(), hi.next_up(), -3e38, 3e38] {
            if (lo..=hi).contains(&beyond) {
                continue;
            }
            d_rejects::<2, 3>(&with(&[(at, beyond)]), bad_at(at));
            refused += 1;
        }
        for bound in [lo, hi] {
            let mut d = trained::<2, 3, GaussianGln1<2, 2, 1, 2>>(77);
            d.load(&with(&[(at, bound)]))
                .unwrap_or_else(|e| panic!("offset {at}: {bound} refused: {e}"));
            let mut r = SplitMix64::new(at as u64);
            for t in 0..200 {
                let v = (t as f32 * 0.3).sin() + r.next_normal();
                let x = if t % 50 == 7 {
                    [1e15, -1e15]
                } else {
                    [v, 2.0 * v]
                };
                d.update(&x).unwrap();
                if t % 40 == 0 {
                    let mut again = trained::<2, 3, GaussianGln1<2, 2, 1, 2>>(77);
                    again.load(&bytes(&d)).unwrap_or_else(|e| {
                        panic!("offset {at} at {bound}, reading {t}: its save refused: {e}")
                    });
                }
            }
        }
    }
    // Every field has a bound on each side (a lower bound of 0 is also refused below it).
    assert_eq!(refused, 4 * ranges.len());
    println!(
        "{} bounded fields: {refused} records beyond a bound refused at its offset, {} at a bound loaded and kept saving accepted records",
        ranges.len(),
        2 * ranges.len()
    );
    // The off-diagonal correlations, set on both halves (the matrix stays symmetric).
    let cross = 1.01f32 * 1000.0 * 1000.0;
    let (a, b) = (l.cross(0, 1), l.cross(1, 0));
    for v in [-cross, cross] {
        let mut d = trained::<2, 3, GaussianGln1<2, 2, 1, 2>>(77);
        d.load(&with(&[(a, v), (b, v)])).unwrap();
    }
    for v in [cross.next_up(), (-cross).next_down(), -3e38] {
        d_rejects::<2, 3>(&with(&[(a, v), (b, v)]), bad_at(a));
    }
}

/// The other side of the bounds: no stream a detector accepts, however extreme (readings
/// jumping across the whole `±MAX_READING` range, long constant runs, subnormals, a
/// sudden regime change), leaves a state whose save its own loader refuses.
#[test]
fn extreme_streams_always_save_records_their_loader_accepts() {
    let max = gln::detector::MAX_READING;
    let mut d = trained::<2, 3, GaussianGln1<2, 2, 1, 2>>(0);
    let mut r = SplitMix64::new(11);
    for t in 0..6000u32 {
        let mut u = || r.next_f32() * 2.0 - 1.0;
        let x = match (t / 500) % 6 {
            0 => [u() * max, u() * max],
            1 => [max, -max],
            2 => [f32::from_bits(1), -f32::from_bits(3)],
            3 => [if t % 2 == 0 { max } else { -max }, 1e-30],
            4 => [20.0 + u(), 2e14 * u()],
            _ => [u() * 1e3, 1e15 * u() * u()],
        };
        d.update(&x).unwrap();
        if t % 97 == 0 {
            let mut again = trained::<2, 3, GaussianGln1<2, 2, 1, 2>>(0);
            again
                .load(&bytes(&d))
                .unwrap_or_else(|e| panic!("reading {t} ({x:?}): its save refused: {e}"));
        }
    }
}

/// The joint view's section (the last of a detector's body, before the CRC): every field
/// beyond what an admitted stream can reach is refused, and nothing changes.
#[test]
fn joint_view_states_it_cannot_reach_are_rejected() {
    let good = bytes(&trained::<2, 3, GaussianGln1<2, 2, 1, 2>>(30));
    // 12 counters + 2 locations + 2 spreads + 24 threshold + 64 slots of 2.
    let j = good.len() - 4 - (12 + 16 + 24 + 64 * 8);
    let rd = |at: usize| u32::from_le_bytes(good[j + at..j + at + 4].try_into().unwrap());
    let (len, admitted) = (rd(0), rd(4));
    assert!(len > 16 && len < 64 && admitted == len, "{len} {admitted}");
    // The sample loads as saved.
    let back = Pair::from_bytes(&good).unwrap();
    assert_eq!(bytes(&back), good);
    let f = |v: f32| v.to_le_bytes();
    let u = |v: u32| v.to_le_bytes();
    let slot = |i: usize, c: usize| j + 52 + 4 * (2 * i + c);
    let cases: Vec<(usize, [u8; 4], usize)> = vec![
        (j, u(65), j),                              // more slots than the sample has
        (j, u(len - 1), j + 4),                     // not filled in order
        (j + 4, u(1_000), j),                       // more admissions than readings
        (j + 8, f(1.5), j + 8),                     // a share beyond 1
        (j + 12, f(f32::NAN), j + 12),              // a location that is NaN
        (j + 20, f(-1.0), j + 20),                  // a negative spread
        (j + 28, f(1e3), j + 28),                   // a distance quantile beyond reach
        (j + 36, u(1_000), j + 36),                 // a threshold count beyond readings
        (j + 48, u(0), j + 40),                     // a quantile with values but no count
        (slot(3, 1), f(f32::INFINITY), slot(3, 1)), // a used slot not finite
        (slot(0, 0), f(2e15), slot(0, 0)),          // a reading beyond MAX_READING
        (slot(len as usize, 0), f(1.0), slot(len as usize, 0)), // an unused slot not 0
    ];
    for (at, v, offset) in &cases {
        let mut b = good.clone();
        b[*at..*at + 4].copy_from_slice(v);
        fix_crc(&mut b);
        d_rejects::<2, 3>(&b, bad_at(*offset));
    }
}
