//! Scenario `anomaly`: the streaming [`Detector`](crate::detector::Detector), and the
//! Gaussian GLNs inside it, on a simulated two-channel machine with injected faults.
//!
//! It is small enough to run on the smallest board beside the `bernoulli` scenario (about
//! 5 KiB of RAM, see [`Model`]) and touches every part of the detector path: per-channel
//! standardisation and base predictors, the cross-channel regression, the Gaussian GLN's
//! gating, mixing, variance projection and curvature-normalised learning (`learn_with`, and
//! `predict_all` while frozen), score calibration and smoothing, the streaming-quantile
//! thresholds, the warm-up, every kind of flag (a surprise, a lasting change in
//! predictability or level, a stuck sensor), rejected readings (NaN, out of range: an error,
//! nothing changes), dropped samples, and freezing.
//!
//! The fingerprint is FNV-1a of every verdict (all its fields: score, instant score, NLL,
//! threshold, flag, reason, warm-up, channel, contributions, expected values) and of every
//! rejected reading's error, in order, then of the detector's own
//! [`fingerprint`](crate::detector::Detector::fingerprint) at the end (every model, the
//! window, every statistic and counter), then of the bytes it saves to
//! ([`Persist`](crate::Persist)): the same saved bytes on every target.

use core::fmt;

use super::machine::{CHANNELS, Fault, FaultKind, Machine, TEMPERATURE, VIBRATION, fault_at};
use super::{HashSink, NotFresh};
use crate::detector::{
    self, DetectorConfig, Reason, SENSOR_MODEL_CONFIG, SmallSensorModel, Verdict,
};
use crate::error::Error;
use crate::hash::Fnv1a;

/// The scenario's detector: two channels, a window of 8 readings, the small sensor model
/// ([`SmallSensorModel`], layers `[8, 1]`, 2 halfspaces) per channel: 8 features each (the
/// other channel and 7 of its own).
pub type Model = detector::Detector<CHANNELS, 8, 8, 8, SmallSensorModel>;

/// Seed of channel 0's model (channel 1's is `SEED + 1`).
pub(crate) const SEED: u64 = 0x616e_6f6d_616c_7931;

/// Seed of the machine's noise.
pub(crate) const STREAM_SEED: u64 = 0x6d61_6368_696e_6531;

/// Readings per cycle of the machine's load.
pub(crate) const PERIOD: u32 = 100;

/// Readings fed (the rejected ones and the dropped ones not included).
pub(crate) const READINGS: u32 = 660;

/// The detector's settings: the defaults with the machine's rhythm, a warm-up of two cycles
/// and thresholds that remember about one.
pub(crate) const CONFIG: DetectorConfig = DetectorConfig {
    warmup: 2 * PERIOD,
    threshold_rate: 1.0 / PERIOD as f32,
    ..DetectorConfig::DEFAULT
};

/// The injected faults, one of each kind the detector is meant to see.
#[doc(hidden)] // a fixture of the scenario, public for the board crates
pub const FAULTS: [Fault; 6] = [
    Fault {
        kind: FaultKind::Shift,
        channel: TEMPERATURE,
        start: 260,
        len: 1,
        size: 3.0,
    },
    Fault {
        kind: FaultKind::Noise,
        channel: VIBRATION,
        start: 310,
        len: 40,
        size: 0.4,
    },
    Fault {
        kind: FaultKind::Stuck,
        channel: TEMPERATURE,
        start: 390,
        len: 25,
        size: 0.0,
    },
    Fault {
        kind: FaultKind::Shift,
        channel: VIBRATION,
        start: 480,
        len: 30,
        size: 0.8,
    },
    Fault {
        kind: FaultKind::Decouple,
        channel: VIBRATION,
        start: 555,
        len: 30,
        size: 2.2,
    },
    Fault {
        kind: FaultKind::Drift,
        channel: TEMPERATURE,
        start: 610,
        len: 40,
        size: 0.15,
    },
];

/// A flag up to this many readings after a fault still finds it.
pub(crate) const GRACE: u32 = 1;

/// Readings after a fault during which flags are its aftermath (neither finding it nor
/// false alarms).
pub(crate) const RECOVERY: u32 = 30;

/// Before reading `BAD_AT` the detector is given a NaN and an out-of-range reading, which
/// it must reject without changing anything.
pub(crate) const BAD_AT: u32 = 230;

/// Readings `GAP.0 .. GAP.1` are dropped ([`Model::missing`] instead of `update`).
pub(crate) const GAP: (u32, u32) = (300, 303);

/// Learning is frozen for readings `FROZEN.0 .. FROZEN.1` (the vibration shift: a known
/// fault is scored but not learned).
pub(crate) const FROZEN: (u32, u32) = (490, 510);

/// The reference: [`Report::fingerprint`] of this scenario on every target.
///
/// Changing the scenario, the detector or any arithmetic on its path changes it; then update
/// it here and rerun `boards/run-emulated.sh --bless` for the boards' expected outputs.
pub const EXPECTED: u64 = 0x751b_6c61_f9cf_1935;

/// A fresh detector for this scenario, built at compile time in a `const` or `static`.
pub const fn model() -> Model {
    Model::new(
        [
            SmallSensorModel::new(SEED, SENSOR_MODEL_CONFIG),
            SmallSensorModel::new(SEED.wrapping_add(1), SENSOR_MODEL_CONFIG),
        ],
        CONFIG,
    )
}

/// What the `anomaly` scenario computed, and what it should have computed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Report {
    /// The scenario's name (its module name).
    pub scenario: &'static str,
    /// Readings scored (each gave a verdict).
    pub readings: u32,
    /// Readings rejected with an error.
    pub rejected: u32,
    /// Readings flagged.
    pub flagged: u32,
    /// Injected faults flagged while on (or within one reading after).
    pub found: u32,
    /// Injected faults.
    pub faults: u32,
    /// Flagged readings outside every fault and its recovery: false alarms.
    pub false_alarms: u32,
    /// FNV-1a of every verdict and every rejection, in order.
    pub verdicts: u64,
    /// The detector's own [`fingerprint`](crate::detector::Detector::fingerprint) at the end.
    pub detector: u64,
    /// FNV-1a of the bytes the detector saves to ([`Persist`](crate::Persist)) at the end:
    /// the same bytes on every target.
    pub saved: u64,
    /// FNV-1a of every verdict and rejection, then of `detector`, then of `saved`: the value
    /// compared with `expected`.
    pub fingerprint: u64,
    /// The scenario's stored reference value.
    pub expected: u64,
}

impl Report {
    /// Whether this target computed the reference bits.
    pub fn passed(&self) -> bool {
        self.fingerprint == self.expected
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} readings {} rejected {} flagged {} faults found {} of {} false alarms {} verdicts {:016x} detector {:016x} saved {:016x} fingerprint {:016x} expected {:016x}: {}",
            self.scenario,
            self.readings,
            self.rejected,
            self.flagged,
            self.found,
            self.faults,
            self.false_alarms,
            self.verdicts,
            self.detector,
            self.saved,
            self.fingerprint,
            self.expected,
            if self.passed() { "OK" } else { "MISMATCH" }
        )
    }
}

/// Runs the scenario on `model`, which must be fresh from [`model()`] (it is left trained).
///
/// # Errors
/// [`NotFresh`] if `model` has seen a reading or a gap, is frozen, or has another
/// configuration or other models; nothing changes then.
pub fn run(model: &mut Model) -> Result<Report, NotFresh> {
    if !is_fresh(model) {
        return Err(NotFresh);
    }
    let mut hash = Fnv1a::new();
    let mut found = [false; FAULTS.len()];
    let (mut readings, mut rejected, mut flagged, mut false_alarms) = (0u32, 0u32, 0u32, 0u32);
    drive(model, |_, event| match event {
        Event::Gap(_) => hash.write(b"gap"),
        Event::Rejected(_, e) => {
            rejected = rejected.saturating_add(1);
            hash.write_u64(error_code(&e));
        }
        Event::Verdict(t, v) => {
            readings = readings.saturating_add(1);
            write_verdict(&mut hash, &v);
            if !v.anomaly {
                return;
            }
            flagged = flagged.saturating_add(1);
            match fault_at(&FAULTS, t, GRACE) {
                Some(i) => {
                    if let Some(f) = found.get_mut(i) {
                        *f = true;
                    }
                }
                None if fault_at(&FAULTS, t, RECOVERY).is_none() => {
                    false_alarms = false_alarms.saturating_add(1);
                }
                None => {}
            }
        }
    });
    let detector = model.fingerprint();
    let saved = saved_hash(model);
    let mut all = hash;
    all.write_u64(detector);
    all.write_u64(saved);
    Ok(Report {
        scenario: "anomaly",
        readings,
        rejected,
        flagged,
        found: found.iter().map(|&f| u32::from(f)).sum(),
        faults: FAULTS.len() as u32,
        false_alarms,
        verdicts: hash.finish(),
        detector,
        saved,
        fingerprint: all.finish(),
        expected: EXPECTED,
    })
}

/// FNV-1a of the bytes [`Persist::save`](crate::Persist::save) writes for `model`, hashed as
/// they stream out of [`Persist::save_to`](crate::Persist::save_to) (no buffer needed).
pub(crate) fn saved_hash(model: &Model) -> u64 {
    let mut sink = HashSink::new();
    // The sink cannot fail (its error type is `Infallible`).
    let Ok(()) = crate::Persist::save_to(model, &mut sink);
    sink.finish()
}

/// What happened at a reading of the scenario (its index in the machine's stream).
#[derive(Clone, Copy, Debug, PartialEq)]
enum Event {
    /// The reading was dropped ([`Model::missing`]).
    Gap(u32),
    /// A bad reading was given before it, and rejected.
    Rejected(u32, Error),
    /// The reading's verdict.
    Verdict(u32, Verdict<CHANNELS>),
}

/// Feeds the scenario's stream to `model` and reports every event, with the model as it is
/// right after it.
fn drive(model: &mut Model, mut on: impl FnMut(&Model, Event)) {
    let mut machine = Machine::new(STREAM_SEED, PERIOD, &FAULTS);
    while machine.time() < READINGS {
        let t = machine.time();
        let x = machine.next_reading();
        if (GAP.0..GAP.1).contains(&t) {
            model.missing();
            on(model, Event::Gap(t));
            continue;
        }
        if t == BAD_AT {
            for bad in [[f32::NAN, x[1]], [x[0], -2.0e15]] {
                // Both are rejected; a verdict here would not match the reference.
                let event = match model.update(&bad) {
                    Err(e) => Event::Rejected(t, e),
                    Ok(v) => Event::Verdict(t, v),
                };
                on(model, event);
            }
        }
        if t == FROZEN.0 {
            model.freeze(true);
        }
        if t == FROZEN.1 {
            model.freeze(false);
        }
        let event = match model.update(&x) {
            Ok(v) => Event::Verdict(t, v),
            // Cannot happen: every generated reading is finite and in range. It would not
            // match the reference.
            Err(e) => Event::Rejected(t, e),
        };
        on(model, event);
    }
}

fn is_fresh(model: &Model) -> bool {
    let model_fresh = |c: usize| {
        model.model(c).is_some_and(|m| {
            m.steps() == 0
                && m.seed() == SEED.wrapping_add(c as u64)
                && *m.config() == SENSOR_MODEL_CONFIG
        })
    };
    model.readings() == 0
        && model.gaps() == 0
        && !model.is_frozen()
        && *model.config() == CONFIG
        && (0..CHANNELS).all(model_fresh)
}

/// Hashes every field of a verdict.
fn write_verdict(h: &mut Fnv1a, v: &Verdict<CHANNELS>) {
    for x in [v.score, v.instant, v.nll, v.instant_threshold] {
        h.write_f32(x);
    }
    let reason = match v.reason {
        None => 0u8,
        Some(Reason::Surprise) => 1,
        Some(Reason::Predictability) => 2,
        Some(Reason::Level) => 3,
        Some(Reason::Stuck) => 4,
        Some(Reason::Joint) => 5,
    };
    h.write(&[u8::from(v.anomaly), reason, u8::from(v.warming_up)]);
    h.write_u64(v.channel as u64);
    h.write_f32(v.joint);
    for (c, e) in v.contributions.iter().zip(&v.expected) {
        h.write_f32(*c);
        h.write_f32(e.mean);
        h.write_f32(e.variance);
    }
}

/// A number for each rejection: the error's kind and the index it names.
fn error_code(e: &Error) -> u64 {
    match *e {
        Error::NonFinite { index } => 1 << 32 | index as u64,
        Error::Overflow { index } => 2 << 32 | index as u64,
        Error::WrongLength { expected, found } => 3 << 32 | (expected as u64) << 16 | found as u64,
        _ => 4 << 32,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_saved_hash_is_the_hash_of_the_saved_bytes() {
        let mut m = model();
        let r = run(&mut m).unwrap();
        let mut bytes = std::vec![0u8; <Model as crate::Persist>::SAVED_BYTES];
        let n = crate::Persist::save(&m, &mut bytes).unwrap();
        let mut h = Fnv1a::new();
        h.write(bytes.get(..n).unwrap());
        assert_eq!(r.saved, h.finish());
        assert_eq!(saved_hash(&m), r.saved);
        // And the saved bytes restore the detector exactly.
        let mut back = model();
        crate::Persist::load(&mut back, &bytes).unwrap();
        assert_eq!(back.fingerprint(), m.fingerprint());
    }

    use std::vec::Vec;

    fn events() -> Vec<Event> {
        let mut m = model();
        let mut out = Vec::new();
        drive(&mut m, |_, e| out.push(e));
        out
    }

    #[test]
    fn the_scenario_exercises_what_it_claims() {
        let mut m = model();
        let r = run(&mut m).unwrap();
        std::println!("{r}");
        let gaps = GAP.1 - GAP.0;
        assert_eq!(r.readings, READINGS - gaps);
        assert_eq!(m.gaps(), u64::from(gaps));
        assert_eq!(r.rejected, 2);
        // Every fault is flagged while it is on.
        assert_eq!((r.found, r.faults), (6, 6), "{r}");
        // Few flags away from the faults.
        assert!(r.false_alarms <= 10, "{r}");
        let events = events();
        let verdicts: Vec<(u32, Verdict<CHANNELS>)> = events
            .iter()
            .filter_map(|e| match e {
                Event::Verdict(t, v) => Some((*t, *v)),
                _ => None,
            })
            .collect();
        // No flag while warming up, and every kind of flag after it.
        for (t, v) in &verdicts {
            assert_eq!(v.warming_up, *t < CONFIG.warmup, "{t}");
            assert!(!v.anomaly || *t >= CONFIG.warmup);
        }
        // Level is not among them: this scenario's faults are short (the drift lasts 40
        // readings) and are flagged by their prediction surprise first; a slow drift
        // flagged for its level is tested in `tests/detector.rs`.
        for reason in [Reason::Surprise, Reason::Predictability, Reason::Stuck] {
            assert!(
                verdicts.iter().any(|(_, v)| v.reason == Some(reason)),
                "no {reason:?} flag"
            );
        }
        // Both channels are flagged somewhere.
        for c in 0..CHANNELS {
            assert!(verdicts.iter().any(|(_, v)| v.anomaly && v.channel == c));
        }
        // The bad readings are rejected with the error naming the channel.
        let rejected: Vec<Error> = events
            .iter()
            .filter_map(|e| match e {
                Event::Rejected(_, e) => Some(*e),
                _ => None,
            })
            .collect();
        assert_eq!(
            rejected,
            [Error::NonFinite { index: 0 }, Error::Overflow { index: 1 }]
        );
    }

    #[test]
    fn rejected_readings_and_frozen_learning_change_nothing_learned() {
        let mut m = model();
        let mut before_bad = None;
        let mut frozen = Vec::new();
        let mut last = 0;
        drive(&mut m, |m, e| {
            let t = match e {
                Event::Gap(t) | Event::Rejected(t, _) | Event::Verdict(t, _) => t,
            };
            if t + 1 == BAD_AT {
                before_bad = Some(m.fingerprint());
            }
            if let Event::Rejected(..) = e {
                // Rejected readings leave the detector as it was after the reading before.
                assert_eq!(Some(m.fingerprint()), before_bad);
            }
            if (FROZEN.0..FROZEN.1).contains(&t) {
                frozen.push((
                    m.model(0).unwrap().fingerprint(),
                    m.model(1).unwrap().fingerprint(),
                    m.readings(),
                ));
            }
            last = t;
        });
        assert_eq!(last, READINGS - 1);
        assert_eq!(frozen.len() as u32, FROZEN.1 - FROZEN.0);
        assert!(
            frozen.windows(2).all(|w| w[0] == w[1]),
            "learned while frozen"
        );
        assert!(!m.is_frozen());
    }

    #[test]
    fn a_used_or_foreign_detector_is_refused_unchanged() {
        let mut m = model();
        run(&mut m).unwrap();
        let before = m.fingerprint();
        assert_eq!(run(&mut m), Err(NotFresh));
        assert_eq!(m.fingerprint(), before);
        let mut other = Model::with_seed(SEED + 1, CONFIG);
        assert_eq!(run(&mut other), Err(NotFresh));
        let mut other = Model::with_seed(SEED, DetectorConfig::DEFAULT);
        assert_eq!(run(&mut other), Err(NotFresh));
        let mut other = model();
        other.missing();
        assert_eq!(run(&mut other), Err(NotFresh));
        let mut other = model();
        other.freeze(true);
        assert_eq!(run(&mut other), Err(NotFresh));
        // The same detector built at run time is fresh.
        let mut same = Model::with_seed(SEED, CONFIG);
        assert_eq!(same.fingerprint(), model().fingerprint());
        assert_eq!(
            run(&mut same).map(|r| r.fingerprint),
            Ok(run(&mut model()).unwrap().fingerprint)
        );
    }

    #[test]
    fn the_detector_fits_the_smallest_board_beside_the_bernoulli_model() {
        // The micro:bit emulated board has 16 KiB of RAM.
        let both =
            core::mem::size_of::<Model>() + core::mem::size_of::<super::super::bernoulli::Model>();
        assert!(core::mem::size_of::<Model>() <= 6 * 1024);
        assert!(both <= 11 * 1024, "{both}");
    }

    #[test]
    fn report_passes_only_on_the_expected_value() {
        let mut r = run(&mut model()).unwrap();
        r.expected = r.fingerprint;
        assert!(r.passed());
        assert!(std::format!("{r}").ends_with("OK"));
        r.expected ^= 1;
        assert!(!r.passed());
        assert!(std::format!("{r}").ends_with("MISMATCH"));
    }
}
