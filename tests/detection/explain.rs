//! The detector's explanations: which channel and which base predictor drove a reading's
//! surprise.
//!
//! What is checked: explaining changes nothing (a twin detector updated without
//! explanations gives the same verdicts and fingerprints through faults, gaps, rejected
//! readings and freezing), the explanation describes the very prediction the verdict was
//! scored with (its expected values and NLL, bit for bit) and its parts sum to the miss; on
//! two channels where only one has a fault, the explanation names that channel, and a spike
//! is explained by recent values; a channel that departs from its twin channel is explained
//! by the regression on that channel.

#![allow(clippy::unwrap_used)]

use gln::Error;
use gln::detector::{
    Detector, DetectorConfig, DetectorExplanation, Predictor, Reason, SensorModel,
    SmallSensorModel, Timescale, Verdict,
};
use gln::gaussian::Gaussian;
use gln::rng::SplitMix64;

type Det2 = Detector<2, 16, 16, 16, SensorModel>;
type Small2 = Detector<2, 8, 8, 8, SmallSensorModel>;

/// Two independent channels: a temperature with a slow cycle (period 500) and a vibration
/// with a faster one (period 130) and more noise.
fn readings(t: u32, r: &mut SplitMix64) -> [f32; 2] {
    let tau = core::f32::consts::TAU;
    let temp = 50.0 + 5.0 * (t as f32 * tau / 500.0).sin() + 0.2 * r.next_normal();
    let vib = 2.0 + 0.5 * (t as f32 * tau / 130.0).sin() + 0.1 * r.next_normal();
    [temp, vib]
}

fn config() -> DetectorConfig {
    DetectorConfig::DEFAULT
        .with_warmup(1000)
        .with_threshold_rate(1.0 / 500.0)
}

/// The explanation agrees with the verdict it was made for: the same expected values, the
/// same NLL (from its predictions and standardised readings, summed as the detector sums),
/// and every part sums to its output.
fn check_against<const W: usize, const D: usize, const B: usize>(
    e: &DetectorExplanation<2, B>,
    v: &Verdict<2>,
) {
    let mut nll = 0.0f32;
    for (c, ce) in e.channels.iter().enumerate() {
        let (a, b) = (ce.expected, v.expected[c]);
        assert_eq!(
            (a.mean.to_bits(), a.variance.to_bits()),
            (b.mean.to_bits(), b.variance.to_bits()),
            "channel {c}: {a:?} vs {b:?}"
        );
        nll += ce.model.prediction.nll(ce.z);
        let p: Gaussian = ce.model.prediction;
        // The miss is the part of the NLL that depends on the reading.
        assert_eq!(
            ce.miss.output.to_bits(),
            ((ce.z - p.mean) * (ce.z - p.mean) / (2.0 * p.variance)).to_bits()
        );
        assert!(ce.model.within_tolerance(), "{ce:?}");
        assert!(ce.miss.within_tolerance(), "{:?}", ce.miss);
    }
    assert_eq!(nll.to_bits(), v.nll.to_bits());
}

/// Drives a detector that explains and a twin that does not through `n` readings with
/// faults, gaps, rejected readings and a frozen stretch, comparing after every call.
fn twins<const W: usize, const D: usize, const B: usize, M>(
    mut a: Detector<2, W, D, B, M>,
    n: u32,
) -> (u32, u32)
where
    M: gln::gaussian::GaussianNetwork<D, B, 1> + gln::gaussian::GaussianExplain<D, B, 1> + Clone,
{
    let mut b = a.clone();
    let mut r = SplitMix64::new(5);
    let (mut explained, mut flagged) = (0, 0);
    for t in 0..n {
        let mut x = readings(t, &mut r);
        if (1500..1600).contains(&t) {
            x[1] += 1.5; // a level shift on the vibration
        }
        if t == 1800 {
            x[0] += 6.0; // a temperature spike
        }
        if (2000..2100).contains(&t) {
            x[0] = 51.0; // stuck temperature
        }
        if t % 97 == 0 {
            a.missing();
            b.missing();
            continue;
        }
        if (2300..2300 + W as u32).contains(&t) {
            a.missing(); // a gap long enough to restart the tracking
            b.missing();
            continue;
        }
        if t == 2500 {
            a.freeze(true);
            b.freeze(true);
        }
        if t == 2700 {
            a.freeze(false);
            b.freeze(false);
        }
        if t % 250 == 0 {
            let bad = [f32::NAN, 1.0];
            assert_eq!(
                a.update_explained(&bad).map(|_| ()),
                Err(Error::NonFinite { index: 0 })
            );
            assert_eq!(
                a.explain_reading(&[1.0, 2e15]).map(|_| ()),
                Err(Error::Overflow { index: 1 })
            );
            assert_eq!(a.fingerprint(), b.fingerprint());
        }
        // Explaining without updating changes nothing either.
        let before = a.fingerprint();
        let alone = a.explain_reading(&x).unwrap();
        assert_eq!(a.fingerprint(), before);
        let (va, e) = a.update_explained(&x).unwrap();
        let vb = b.update(&x).unwrap();
        assert_eq!(va, vb, "reading {t}");
        assert_eq!(a.fingerprint(), b.fingerprint(), "reading {t}");
        assert_eq!(alone, e);
        match e {
            Some(e) => {
                check_against::<W, D, B>(&e, &va);
                explained += 1;
            }
            // Only a reading that starts the tracking is not scored.
            None => assert_eq!((va.nll, va.score, va.warming_up), (0.0, 0.0, true)),
        }
        flagged += u32::from(va.anomaly);
    }
    (explained, flagged)
}

#[test]
fn explaining_changes_no_verdict_and_no_fingerprint() {
    let (explained, flagged) = twins(Det2::with_seed(3, config()), 3000);
    println!("reference shape: {explained} readings explained, {flagged} flagged");
    assert!(explained > 2800 && flagged > 10, "{explained} {flagged}");
    let (explained, flagged) = twins(Small2::with_seed(9, config()), 3000);
    println!("small shape: {explained} readings explained, {flagged} flagged");
    assert!(explained > 2800 && flagged > 10, "{explained} {flagged}");
}

/// Runs the two-channel stream with one fault in `channel` from reading 3000 on, returns
/// the first flagged verdict in the fault and its explanation. No flag in the 500 readings
/// before.
fn first_flag(
    channel: usize,
    fault: impl Fn(u32, f32) -> f32,
) -> (Verdict<2>, DetectorExplanation<2, 16>) {
    let mut d = Det2::with_seed(3, config());
    let mut r = SplitMix64::new(11);
    for t in 0..3300 {
        let mut x = readings(t, &mut r);
        if t >= 3000 {
            x[channel] = fault(t, x[channel]);
        }
        let (v, e) = d.update_explained(&x).unwrap();
        assert!(
            !(2500..3000).contains(&t) || !v.anomaly,
            "false alarm at {t}"
        );
        if t >= 3000 && v.anomaly {
            return (v, e.unwrap());
        }
    }
    panic!("fault on channel {channel} not flagged");
}

#[test]
fn only_the_faulty_channel_is_named() {
    let spike = |t: u32, x: f32| if t == 3000 { x + 3.0 } else { x };
    let vibration_jump = |_t: u32, x: f32| x + 1.0;
    for (channel, name, (v, e)) in [
        (0, "temperature spike", first_flag(0, spike)),
        (1, "vibration jump", first_flag(1, vibration_jump)),
    ] {
        let d = e.driver(&v).unwrap();
        let misses = e.misses();
        println!(
            "{name}: flagged {:?} on channel {}; driver {d:?}; misses {misses:?}; \
             time scales {:?}",
            v.reason,
            v.channel,
            e.timescales(d.channel)
        );
        assert_eq!(v.reason, Some(Reason::Surprise));
        assert_eq!(d.channel, channel);
        // The explanation itself points at the channel: its miss dwarfs the other's.
        assert!(misses[channel] > 20.0 * misses[1 - channel], "{misses:?}");
        // The reading jumped away from where the signal just was.
        assert_eq!(d.timescale, Timescale::Recent, "{d:?}");
        assert!(d.timescale_share > 0.5, "{d:?}");
        assert_eq!(d.predictor.timescale(), Timescale::Recent);
        assert_eq!(
            Some(d.predictor),
            (0..16)
                .filter_map(|j| DetectorExplanation::<2, 16>::predictor(channel, j))
                .find(|p| *p == d.predictor)
        );
    }
}

#[test]
fn a_channel_that_departs_from_its_twin_is_explained_by_the_regression() {
    // Channel 1 follows channel 0 closely (the same sensor twice); channel 0 is white
    // noise, so its own history says nothing and the regression on the other channel is
    // the best predictor of each. After 8000 readings (the model needs a few thousand to
    // put nearly all its trust on that regression) channel 1 goes its own way.
    let mut d = Det2::with_seed(4, config());
    let mut r = SplitMix64::new(12);
    let mut found = None;
    for t in 0..8400 {
        let a = 10.0 + r.next_normal();
        let mut b = a + 0.05 * r.next_normal();
        if t >= 8000 {
            b += 1.0;
        }
        let (v, e) = d.update_explained(&[a, b]).unwrap();
        if t >= 8000 && v.anomaly {
            found = Some((v, e.unwrap()));
            break;
        }
    }
    let (v, e) = found.expect("the departure was not flagged");
    let d = e.driver(&v).unwrap();
    println!(
        "flagged {:?} on channel {}: driver {d:?}; time scales {:?}",
        v.reason,
        v.channel,
        e.timescales(v.channel)
    );
    // Which of two disagreeing twins is wrong cannot be told from the readings; the
    // explanation says that the flagged channel disagrees with the other one.
    let other = 1 - d.channel;
    assert_eq!(d.predictor, Predictor::Channel(other), "{d:?}");
    assert_eq!(d.timescale, Timescale::Channels);
    assert!(d.timescale_share > 0.5, "{d:?}");
}
