//! The streaming detector: bad readings, freezing, gaps, determinism, and detection of the
//! usual fault kinds on a generated sensor stream.

use gln::Error;
use gln::detector::{Detector, DetectorConfig, SENSOR_MODEL_CONFIG, SensorModel, SmallSensorModel};
use gln::gaussian::GaussianNetwork;
use gln::rng::SplitMix64;

type Det1 = Detector<1, 16, 16, 16, SensorModel>;
type Det2 = Detector<2, 8, 8, 8, SmallSensorModel>;

/// A temperature-like reading: a slow cycle (period 500), a little noise.
fn reading(t: u32, r: &mut SplitMix64) -> f32 {
    let phase = t as f32 * (2.0 * core::f32::consts::PI / 500.0);
    50.0 + 5.0 * phase.sin() + 0.2 * r.next_normal()
}

fn warmed(config: DetectorConfig, n: u32) -> (Det1, SplitMix64) {
    let mut d = Det1::with_seed(3, config);
    let mut r = SplitMix64::new(17);
    for t in 0..n {
        d.update(&[reading(t, &mut r)]).unwrap();
    }
    (d, r)
}

#[test]
fn rejected_readings_change_nothing() {
    let (mut d, mut r) = warmed(DetectorConfig::DEFAULT, 1000);
    let before = d.clone();
    let fp = d.fingerprint();
    assert_eq!(d.update(&[f32::NAN]), Err(Error::NonFinite { index: 0 }));
    assert_eq!(
        d.update(&[f32::INFINITY]),
        Err(Error::NonFinite { index: 0 })
    );
    assert_eq!(d.update(&[2e15]), Err(Error::Overflow { index: 0 }));
    assert_eq!(
        d.update_slice(&[1.0, 2.0]),
        Err(Error::WrongLength {
            expected: 1,
            found: 2
        })
    );
    assert_eq!(d.fingerprint(), fp);
    // And the future is the same as if the bad readings had never come.
    let mut twin = before;
    for t in 1000..1300 {
        let x = reading(t, &mut r);
        assert_eq!(d.update(&[x]).unwrap(), twin.update(&[x]).unwrap());
    }
    assert_eq!(d.fingerprint(), twin.fingerprint());

    let mut two = Det2::with_seed(1, DetectorConfig::DEFAULT);
    two.update(&[1.0, 2.0]).unwrap();
    let fp = two.fingerprint();
    assert_eq!(
        two.update(&[1.0, f32::NEG_INFINITY]),
        Err(Error::NonFinite { index: 1 })
    );
    assert_eq!(two.update(&[-1e16, 0.0]), Err(Error::Overflow { index: 0 }));
    assert_eq!(two.fingerprint(), fp);
}

#[test]
fn extreme_but_valid_readings_keep_everything_finite() {
    let (mut d, _) = warmed(DetectorConfig::DEFAULT, 500);
    for &x in &[1e15f32, -1e15, 0.0, 1e-30, 9.9e14, -3.0, 1e15, 1e15, 1e15] {
        let v = d.update(&[x]).unwrap();
        assert!(
            v.score.is_finite()
                && v.nll.is_finite()
                && v.instant.is_finite()
                && v.instant_threshold.is_finite()
        );
        assert!(v.expected[0].mean.is_finite() && v.expected[0].variance.is_finite());
    }
    d.model(0)
        .unwrap()
        .for_each_weight(|w| assert!(w.is_finite()));
}

#[test]
fn same_seed_same_bits() {
    let (a, _) = warmed(DetectorConfig::DEFAULT, 800);
    let (b, _) = warmed(DetectorConfig::DEFAULT, 800);
    assert_eq!(a.fingerprint(), b.fingerprint());
    let (c, _) = warmed(DetectorConfig::DEFAULT, 801);
    assert_ne!(a.fingerprint(), c.fingerprint());
}

#[test]
fn frozen_detectors_score_but_do_not_learn() {
    let (mut d, mut r) = warmed(DetectorConfig::DEFAULT, 1000);
    let model_fp = d.model(0).unwrap().fingerprint();
    let threshold = d.instant_threshold();
    let readings = d.readings();
    d.freeze(true);
    assert!(d.is_frozen());
    let mut flags = Vec::new();
    for t in 1000..1200 {
        let v = d.update(&[reading(t, &mut r) + 30.0]).unwrap();
        flags.push(v.anomaly);
    }
    assert_eq!(d.model(0).unwrap().fingerprint(), model_fp);
    assert_eq!(d.instant_threshold(), threshold);
    assert_eq!(d.readings(), readings);
    // The fault stays anomalous for as long as it lasts: nothing was learned from it.
    assert!(flags.iter().all(|&f| f), "{flags:?}");
    d.freeze(false);
    d.update(&[reading(1200, &mut r)]).unwrap();
    assert_ne!(d.model(0).unwrap().fingerprint(), model_fp);
}

#[test]
fn gaps_are_counted_and_a_long_gap_restarts_tracking() {
    let (mut d, mut r) = warmed(DetectorConfig::DEFAULT, 600);
    d.missing();
    d.missing();
    assert_eq!(d.gaps(), 2);
    let v = d.update(&[reading(602, &mut r)]).unwrap();
    assert!(!v.warming_up && v.nll != 0.0);
    for _ in 0..16 {
        d.missing();
    }
    let v = d.update(&[reading(619, &mut r)]).unwrap();
    // The first reading after a long gap restarts the window: not scored.
    assert_eq!((v.score, v.nll, v.anomaly), (0.0, 0.0, false));
    assert_eq!(d.gaps(), 18);
    let v = d.update(&[reading(620, &mut r)]).unwrap();
    assert!(v.nll != 0.0);
}

/// The two settings that follow the signal's rhythm (period 500 here): a warm-up over two
/// periods and thresholds that remember about one.
fn rhythm() -> DetectorConfig {
    DetectorConfig::DEFAULT
        .with_warmup(1000)
        .with_threshold_rate(1.0 / 500.0)
}

#[test]
fn warm_up_then_flags_without_tuning() {
    let mut d = Det1::with_seed(3, rhythm());
    let mut r = SplitMix64::new(5);
    let mut flagged = 0;
    for t in 0..10_000 {
        let v = d.update(&[reading(t, &mut r)]).unwrap();
        if t < 1000 {
            assert!(v.warming_up && !v.anomaly && v.score == 0.0);
        } else {
            assert!(!v.warming_up);
            flagged += u32::from(v.anomaly);
        }
    }
    assert!(flagged < 45, "{flagged} of 9000 clean readings flagged");
    // A spike of 5 degrees (25 noise standard deviations).
    let v = d.update(&[reading(10_000, &mut r) + 5.0]).unwrap();
    assert!(v.anomaly, "{v:?}");
    assert_eq!(v.reason, Some(gln::detector::Reason::Surprise));
}

/// Runs a fault from reading 3000 to 3300 and reports when it was first flagged.
fn detects(fault: impl Fn(u32, f32) -> f32, config: DetectorConfig) -> Option<u32> {
    let mut d = Det1::with_seed(3, config);
    let mut r = SplitMix64::new(5);
    let mut first = None;
    for t in 0..3300 {
        let x = reading(t, &mut r);
        let x = if t >= 3000 { fault(t, x) } else { x };
        let v = d.update(&[x]).unwrap();
        if t >= 3000 && v.anomaly && first.is_none() {
            first = Some(t - 3000);
        }
        // No flag in the 500 clean readings before the fault.
        assert!(
            !(2500..3000).contains(&t) || !v.anomaly,
            "false alarm at {t}: {v:?}"
        );
    }
    first
}

#[test]
fn detects_the_usual_fault_kinds() {
    let c = rhythm();
    let spike = |t: u32, x: f32| if t == 3000 { x + 4.0 } else { x };
    let shift = |_t: u32, x: f32| x + 2.0;
    let noisy = |t: u32, x: f32| x + 1.0 * ((t * 7919 % 13) as f32 / 6.0 - 1.0);
    let stuck = |_t: u32, _x: f32| 52.5;
    for (name, delay) in [
        ("spike", detects(spike, c)),
        ("level shift", detects(shift, c)),
        ("variance increase", detects(noisy, c)),
        ("stuck sensor", detects(stuck, c)),
    ] {
        let delay = delay.unwrap_or_else(|| panic!("{name} not detected"));
        assert!(delay < 100, "{name} detected after {delay} readings");
    }
}

#[test]
fn a_detector_can_be_built_at_compile_time() {
    use gln::detector::SENSOR_MODEL_CONFIG;
    const M0: SmallSensorModel = SmallSensorModel::new(1, SENSOR_MODEL_CONFIG);
    const M1: SmallSensorModel = SmallSensorModel::new(2, SENSOR_MODEL_CONFIG);
    static DET: Det2 = Detector::new([M0, M1], DetectorConfig::DEFAULT);
    let runtime = Det2::with_seed(1, DetectorConfig::DEFAULT);
    assert_eq!(DET.fingerprint(), runtime.fingerprint());
    let mut a = DET.clone();
    let mut b = runtime;
    for t in 0..400u32 {
        let x = [t as f32 * 0.01, (t % 7) as f32];
        assert_eq!(a.update(&x).unwrap(), b.update(&x).unwrap());
    }
}

/// The scenario measured on the emulated Cortex-M4F (QEMU mps2-an386, thumbv7em-none-eabihf,
/// `--release`): 1200 readings of a generated signal into each detector. The fingerprints
/// printed there are stored here, so this test proves host/board bit parity.
fn board_scenario<const W: usize, const D: usize, const B: usize, M>(
    det: &mut Detector<1, W, D, B, M>,
) -> u64
where
    M: gln::gaussian::GaussianNetwork<D, B, 1>,
{
    let mut r = SplitMix64::new(5);
    for t in 0..1200u32 {
        let phase = t as f32 * (6.283_185_5 / 500.0);
        let s = gln::math::sigmoid(4.0 * (phase % 6.283_185_5) - 12.0);
        let x = 50.0 + 5.0 * s + 0.2 * r.next_normal();
        let _ = det.update(&[x]);
    }
    det.fingerprint()
}

#[test]
fn host_and_cortex_m4f_compute_the_same_bits() {
    let mut big = Det1::with_seed(1, DetectorConfig::DEFAULT);
    let mut small = Detector::<1, 8, 8, 8, SmallSensorModel>::with_seed(1, DetectorConfig::DEFAULT);
    let (b, s) = (board_scenario(&mut big), board_scenario(&mut small));
    println!("reference {b:#018x} small {s:#018x}");
    assert_eq!(b, 0x5756_90df_a623_028f);
    assert_eq!(s, 0x2619_ed1e_a242_ab9b);
}

/// Issue 11 (defect 6): a bad run-time configuration is an error naming it, not a panic;
/// a good one builds the same detector as `new` does.
#[test]
fn a_bad_run_time_configuration_is_an_error() {
    let d = DetectorConfig::DEFAULT;
    let bad = [
        d.with_smoothing(f32::NAN),
        d.with_smoothing(0.0),
        d.with_smoothing(1.5),
        d.with_threshold_k(f32::NAN),
        d.with_threshold_k(-1.0),
        d.with_sustained_k(2e6),
        d.with_threshold_rate(0.0),
        d.with_threshold_rate(f32::NAN),
        d.with_stats_horizon(f32::INFINITY),
        d.with_error_horizon(0.5),
        d.with_cross_horizon(f32::NAN),
        d.with_calibration(-3.0),
        d.with_learn_clip(0.0),
        d.with_learn_clip(f32::NAN),
        d.with_std_floor(1.0),
        d.with_std_floor(f32::NAN),
        d.with_level_weight(-0.1),
        d.with_level_weight(f32::NAN),
    ];
    for config in bad {
        let models = core::array::from_fn(|c| {
            <SmallSensorModel as GaussianNetwork<8, 8, 1>>::build(c as u64, SENSOR_MODEL_CONFIG)
        });
        let r = Detector::<1, 8, 8, 8, SmallSensorModel>::try_new(models, config);
        assert!(
            matches!(r, Err(Error::InvalidConfig(_))),
            "{config:?} accepted"
        );
        let r = Detector::<1, 8, 8, 8, SmallSensorModel>::try_with_model_config(
            1,
            SENSOR_MODEL_CONFIG,
            config,
        );
        assert!(matches!(r, Err(Error::InvalidConfig(_))));
    }
    let bad_model =
        SENSOR_MODEL_CONFIG.with_variance_bounds(f32::NAN, SENSOR_MODEL_CONFIG.sigma2_max);
    let r = Detector::<1, 8, 8, 8, SmallSensorModel>::try_with_model_config(1, bad_model, d);
    assert!(matches!(r, Err(Error::InvalidConfig(_))));
    // A good configuration: the same detector as the panicking constructors build.
    let a =
        Detector::<1, 8, 8, 8, SmallSensorModel>::try_with_model_config(3, SENSOR_MODEL_CONFIG, d)
            .unwrap();
    let b = Detector::<1, 8, 8, 8, SmallSensorModel>::with_seed(3, d);
    assert_eq!(a.fingerprint(), b.fingerprint());
    let models = core::array::from_fn(|c| {
        <SmallSensorModel as GaussianNetwork<8, 8, 1>>::build(3 + c as u64, SENSOR_MODEL_CONFIG)
    });
    let c = Detector::<1, 8, 8, 8, SmallSensorModel>::try_new(models, d).unwrap();
    assert_eq!(c.fingerprint(), b.fingerprint());
}
