//! The detector's self-calibrating mechanisms, each on a generated stream whose right answer
//! is known, with `DetectorConfig::DEFAULT` (nothing tuned to the stream): a channel that
//! becomes too quiet, one that becomes too noisy, a slow drift, a stream that moves to a
//! regime unlike the one it learned (re-commissioning), a stream noisier than its thresholds
//! expect (the alarm budget), and independent rows (no smoothing gain).

use gln::detector::{ALARM_MERGE, Detector, DetectorConfig, Reason, SensorModel, Verdict};
use gln::rng::SplitMix64;

type Det1 = Detector<1, 16, 16, 16, SensorModel>;

/// A sensor-like reading: a slow cycle (period 500) and noise of standard deviation `noise`.
fn reading(t: u32, noise: f32, r: &mut SplitMix64) -> f32 {
    let phase = t as f32 * (2.0 * core::f32::consts::PI / 500.0);
    50.0 + 5.0 * phase.sin() + noise * r.next_normal()
}

/// Runs `n` readings of `x(t)` and returns every verdict.
fn run(d: &mut Det1, from: u32, n: u32, mut x: impl FnMut(u32) -> f32) -> Vec<Verdict<1>> {
    (from..from + n)
        .map(|t| d.update(&[x(t)]).unwrap())
        .collect()
}

/// The first flag's index in `v`, if any.
fn first_flag(v: &[Verdict<1>]) -> Option<usize> {
    v.iter().position(|v| v.anomaly)
}

/// Alarm events (flags more than `ALARM_MERGE` readings apart) in `v`.
fn alarms<const CH: usize>(v: &[Verdict<CH>]) -> usize {
    let mut last: Option<usize> = None;
    let mut n = 0;
    for (i, _) in v.iter().enumerate().filter(|(_, v)| v.anomaly) {
        if last.is_none_or(|l| i - l > ALARM_MERGE as usize) {
            n += 1;
        }
        last = Some(i);
    }
    n
}

/// A detector after 4000 clean readings (noise 0.5).
fn warmed(seed: u64) -> (Det1, SplitMix64) {
    let mut d = Det1::with_seed(seed, DetectorConfig::DEFAULT);
    let mut r = SplitMix64::new(seed + 100);
    run(&mut d, 0, 4000, |t| reading(t, 0.5, &mut r));
    (d, r)
}

#[test]
fn a_channel_that_becomes_too_noisy_is_flagged() {
    let (mut d, mut r) = warmed(1);
    let v = run(&mut d, 4000, 300, |t| reading(t, 3.0, &mut r));
    let at = first_flag(&v).expect("noise x6 not flagged");
    assert!(at < 50, "flagged after {at} readings");
}

#[test]
fn a_channel_that_becomes_too_quiet_is_flagged() {
    // The noise drops 50-fold (not to zero: no repeated values, so not a stuck sensor).
    let (mut d, mut r) = warmed(2);
    let v = run(&mut d, 4000, 400, |t| reading(t, 0.01, &mut r));
    let at = first_flag(&v).expect("noise / 50 not flagged");
    assert_eq!(v[at].reason, Some(Reason::Predictability), "{:?}", v[at]);
    // And the score ranks the quiet readings above the clean ones.
    let (mut clean, mut r2) = warmed(2);
    let c = run(&mut clean, 4000, 400, |t| reading(t, 0.5, &mut r2));
    let mean = |v: &[Verdict<1>]| v[100..].iter().map(|v| v.score).sum::<f32>() / 300.0;
    assert!(mean(&v) > 2.0 * mean(&c), "{} vs {}", mean(&v), mean(&c));
}

#[test]
fn a_slow_drift_is_flagged_for_its_level() {
    // 0.05 per reading: a tenth of the noise per reading, the cycle's amplitude after 100
    // readings. (A drift five times slower, 0.01 per reading, is absorbed by the adaptive
    // standardisation, calibration and thresholds before it stands out: not flagged.)
    let (mut d, mut r) = warmed(3);
    let v = run(&mut d, 4000, 1000, |t| {
        reading(t, 0.5, &mut r) + 0.05 * (t - 4000) as f32
    });
    let at = first_flag(&v).expect("drift not flagged");
    assert!(at < 500, "flagged after {at} readings");
    assert!(
        v.iter().any(|v| v.reason == Some(Reason::Level)),
        "no flag for the level"
    );
}

#[test]
fn a_stream_in_a_regime_unlike_the_learned_one_recommissions_the_detector() {
    // Learned at level 50; then the stream moves to level 500 with other dynamics and
    // stays there: that is the new normal, as for a detector moved to another machine.
    let (mut d, mut r) = warmed(4);
    assert_eq!(d.commissioned(), 0);
    let v = run(&mut d, 4000, 6000, |t| {
        500.0 + 20.0 * (t as f32 * 0.05).sin() + 2.0 * r.next_normal()
    });
    let at = d.commissioned();
    assert!(
        (4000..4200).contains(&at),
        "re-commissioned at reading {at}"
    );
    // It warms up again (no flags), then flags rarely: at most a few alarms in the last
    // 4000 readings of the new regime.
    let start = (at - 4000) as usize;
    assert!(
        v[start..start + 300]
            .iter()
            .all(|v| v.warming_up && !v.anomaly)
    );
    let late = alarms(&v[2000..]);
    assert!(late <= 4, "{late} alarms in the new normal");
    // Without the move, nothing of the kind happens.
    let (mut clean, mut r2) = warmed(4);
    run(&mut clean, 4000, 6000, |t| reading(t, 0.5, &mut r2));
    assert_eq!(clean.commissioned(), 0);
}

#[test]
fn the_alarm_budget_limits_alarms_on_a_stream_wilder_than_its_thresholds() {
    // Heavy-tailed noise: every reading has a 2 % chance of a burst of 5-30 deviations.
    let mut d = Det1::with_seed(5, DetectorConfig::DEFAULT);
    let mut r = SplitMix64::new(6);
    let v = run(&mut d, 0, 30_000, |t| {
        let burst = if r.next_f32() < 0.02 {
            0.5 * (5.0 + 25.0 * r.next_f32())
        } else {
            0.0
        };
        reading(t, 0.5, &mut r) + burst
    });
    let n = alarms(&v[10_000..]);
    // The budget is one alarm per 1000 readings; the thresholds alone allow many more.
    assert!(n <= 30, "{n} alarms in 20 000 readings");
    assert!(d.sensitivity() > 1.0, "{}", d.sensitivity());
    // A real fault still gets through: a jump of 100 deviations.
    let f = run(&mut d, 30_000, 50, |t| reading(t, 0.5, &mut r) + 50.0);
    assert!(
        first_flag(&f).is_some_and(|i| i < 5),
        "{:?}",
        first_flag(&f)
    );
}

#[test]
fn on_a_clean_stream_the_budget_stays_out_of_the_way() {
    let (mut d, mut r) = warmed(7);
    run(&mut d, 4000, 10_000, |t| reading(t, 0.5, &mut r));
    assert!(d.sensitivity() < 2.0, "{}", d.sensitivity());
}

/// Two sensors of one rig that always move together: `(u, u + noise)` on a slow cycle.
fn rig(t: u32, r: &mut SplitMix64) -> [f32; 2] {
    let u = reading(t, 0.3, r);
    [u, u + 0.2 * r.next_normal()]
}

#[test]
fn two_channels_that_always_moved_together_and_now_disagree_stand_out_in_the_joint_view() {
    type Det2 = Detector<2, 16, 16, 16, SensorModel>;
    let mut d = Det2::with_seed(4, DetectorConfig::DEFAULT);
    let mut r = SplitMix64::new(40);
    for t in 0..5000 {
        d.update(&rig(t, &mut r)).unwrap();
    }
    // Clean, the joint view stays quiet.
    let clean: Vec<_> = (5000..6000)
        .map(|t| d.update(&rig(t, &mut r)).unwrap())
        .collect();
    assert_eq!(alarms(&clean), 0);
    // From t = 6000 (the cycle at its mean, rising) the second channel mirrors the first:
    // each stays within its usual range (50 ± 5) and moves smoothly, but never together.
    let v: Vec<_> = (6000..6125)
        .map(|t| {
            let [a, _] = rig(t, &mut r);
            d.update(&[a, 100.0 - a]).unwrap()
        })
        .collect();
    // The joint share rises far above its usual value (its q90 is 1 by construction; clean,
    // it stays below 3) within a quarter cycle. (It stays below the alarm threshold, 8
    // usual spreads: this disagreement is ranked, not flagged.)
    let at = v
        .iter()
        .position(|v| v.joint > 3.5)
        .expect("the joint view did not see the channels disagree");
    assert!(at < 100, "joint distance far after {at} readings");
    assert!(clean.iter().all(|v| v.joint < 3.0), "far while clean");
    let score = |v: &[Verdict<2>]| v.iter().map(|v| v.score).sum::<f32>() / v.len() as f32;
    assert!(
        score(&v[50..]) > 2.0 * score(&clean),
        "the score did not rise"
    );
}

#[test]
fn a_lasting_disagreement_is_not_learned_at_once_but_a_moved_rig_is_learned_again() {
    type Det2 = Detector<2, 16, 16, 16, SensorModel>;
    let mut d = Det2::with_seed(5, DetectorConfig::DEFAULT);
    let mut r = SplitMix64::new(50);
    for t in 0..5000 {
        d.update(&rig(t, &mut r)).unwrap();
    }
    let mirrored = |t: u32, r: &mut SplitMix64| {
        let [a, _] = rig(t, r);
        [a, 100.0 - a]
    };
    // At both peaks of the disagreement (a quarter and three quarters of a cycle in), the
    // joint share is far above its usual value: the sample did not absorb the first half.
    let v: Vec<_> = (5000..5500)
        .map(|t| d.update(&mirrored(t, &mut r)).unwrap())
        .collect();
    let peak = |from: usize| {
        v[from..from + 100]
            .iter()
            .map(|v| v.joint)
            .fold(0.0, f32::max)
    };
    assert!(
        peak(75) > 3.0 && peak(325) > 3.0,
        "{} {}",
        peak(75),
        peak(325)
    );
    // Kept for long, it is the rig's new normal: the joint view learns it again.
    for t in 5500..40_000 {
        d.update(&mirrored(t, &mut r)).unwrap();
    }
    let v: Vec<_> = (40_000..42_000)
        .map(|t| d.update(&mirrored(t, &mut r)).unwrap())
        .collect();
    let joint = v.iter().filter(|v| v.reason == Some(Reason::Joint)).count();
    assert_eq!(joint, 0, "still flagged jointly");
    let most = v.iter().map(|v| v.joint).fold(0.0, f32::max);
    assert!(most < 3.0, "the joint share is still {most}");
}
