//! A simulated two-channel machine with injected faults: the sensor stream of the `anomaly`
//! scenario and of the detector board example.
//!
//! Everything is a `const fn` in plain `f32` arithmetic (no libm) in a fixed order, so the
//! same stream comes out at run time on any target and at compile time (a firmware can store
//! it in flash as a `static` table; `boards/mps2-an386/src/bin/detector.rs` does).

use crate::rng::SplitMix64;

/// Number of channels: temperature (°C) and vibration (mm/s).
pub const CHANNELS: usize = 2;

/// Channel 0: a temperature in °C.
pub const TEMPERATURE: usize = 0;

/// Channel 1: a vibration velocity in mm/s.
pub const VIBRATION: usize = 1;

/// What goes wrong during a [`Fault`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum FaultKind {
    /// `size` is added to the reading (a spike when the fault lasts one reading, a level
    /// shift when it lasts longer).
    Shift,
    /// Extra noise of standard deviation `size` (roughly normal).
    Noise,
    /// The sensor repeats its last healthy reading.
    Stuck,
    /// A runaway: `size · k` is added at the `k`-th reading of the fault.
    Drift,
    /// The channel loses its link with the machine's load: the reading is `size` plus a
    /// little noise, whatever the load.
    Decouple,
}

impl FaultKind {
    /// A short name.
    pub const fn name(self) -> &'static str {
        match self {
            FaultKind::Shift => "shift",
            FaultKind::Noise => "noise",
            FaultKind::Stuck => "stuck",
            FaultKind::Drift => "drift",
            FaultKind::Decouple => "decouple",
        }
    }
}

/// A fault injected into one channel for `len` readings from reading `start`.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Fault {
    /// What goes wrong.
    pub kind: FaultKind,
    /// Which channel ([`TEMPERATURE`] or [`VIBRATION`]).
    pub channel: usize,
    /// The first faulty reading (readings are counted from 0).
    pub start: u32,
    /// Number of faulty readings.
    pub len: u32,
    /// Its size, in the channel's units (see [`FaultKind`]).
    pub size: f32,
}

impl Fault {
    /// `true` if reading `t` is faulty.
    pub const fn covers(&self, t: u32) -> bool {
        t >= self.start && t.wrapping_sub(self.start) < self.len
    }

    /// `true` if reading `t` is faulty or within `after` readings after the fault (a flag
    /// there still counts as finding it: a detector may need a reading or two).
    pub const fn covers_or_follows(&self, t: u32, after: u32) -> bool {
        t >= self.start && t.wrapping_sub(self.start) < self.len.saturating_add(after)
    }
}

/// The index of the first fault in `faults` for which `t` is faulty or at most `after`
/// readings later.
pub const fn fault_at(faults: &[Fault], t: u32, after: u32) -> Option<usize> {
    let mut rest = faults;
    let mut i = 0usize;
    while let [f, tail @ ..] = rest {
        if f.covers_or_follows(t, after) {
            return Some(i);
        }
        rest = tail;
        i = i.saturating_add(1);
    }
    None
}

/// A machine that works in cycles of `period` readings (a day, a shift pattern): its load
/// follows a smooth periodic wave; the temperature follows the load (`40 + 8 · load` °C)
/// plus a slow warming (0.4 °C per cycle) and sensor noise (0.2 °C); the vibration follows
/// the load too (`0.5 + 2 · load` mm/s, noise growing with the load). `faults` are applied
/// on top (the first fault covering a reading wins).
///
/// Every reading draws the same random numbers whether a fault is on or not, so the healthy
/// part of the stream is the same with and without faults.
#[derive(Clone, Copy, Debug)]
pub struct Machine<'a> {
    rng: SplitMix64,
    t: u32,
    period: f32,
    last: [f32; CHANNELS],
    faults: &'a [Fault],
}

impl<'a> Machine<'a> {
    /// A machine drawn from `seed`, with cycles of `period` readings (at least 1).
    pub const fn new(seed: u64, period: u32, faults: &'a [Fault]) -> Self {
        Self {
            rng: SplitMix64::new(seed),
            t: 0,
            period: if period > 1 { period as f32 } else { 1.0 },
            last: [0.0; CHANNELS],
            faults,
        }
    }

    /// The index of the next reading.
    pub const fn time(&self) -> u32 {
        self.t
    }

    /// The faults it injects.
    pub const fn faults(&self) -> &'a [Fault] {
        self.faults
    }

    /// The load at reading `t`, in `[0, 1]`.
    pub const fn load(&self, t: u32) -> f32 {
        let cycles = t as f32 / self.period;
        0.5 + 0.5 * wave(cycles - floor(cycles))
    }

    /// The next reading: `[temperature, vibration]`.
    pub const fn next_reading(&mut self) -> [f32; CHANNELS] {
        let t = self.t;
        self.t = self.t.wrapping_add(1);
        let load = self.load(t);
        let n_temp = self.rng.next_normal();
        let n_vib = self.rng.next_normal();
        let n_fault = self.rng.next_normal();
        let temp = 40.0 + 8.0 * load + 0.4 * (t as f32 / self.period) + 0.2 * n_temp;
        let vib = 0.5 + 2.0 * load + (0.04 + 0.04 * load) * n_vib;
        let mut x = [temp, vib];
        let mut rest = self.faults;
        while let [f, tail @ ..] = rest {
            if f.covers(t) {
                let c = if f.channel == TEMPERATURE {
                    TEMPERATURE
                } else {
                    VIBRATION
                };
                let v = if c == TEMPERATURE { x[0] } else { x[1] };
                let k = t.wrapping_sub(f.start) as f32;
                let v = match f.kind {
                    FaultKind::Shift => v + f.size,
                    FaultKind::Noise => v + f.size * n_fault,
                    FaultKind::Stuck => {
                        if c == TEMPERATURE {
                            self.last[0]
                        } else {
                            self.last[1]
                        }
                    }
                    FaultKind::Drift => v + f.size * k,
                    FaultKind::Decouple => f.size + 0.02 * n_fault,
                };
                if c == TEMPERATURE {
                    x[0] = v;
                } else {
                    x[1] = v;
                }
                break;
            }
            rest = tail;
        }
        self.last = x;
        x
    }
}

/// `floor(x)` for `0 <= x < 2^31` (readings over periods).
const fn floor(x: f32) -> f32 {
    if x >= 0.0 && x < 2_147_483_648.0 {
        (x as u32) as f32
    } else {
        0.0
    }
}

/// A smooth periodic wave of `u` in `[0, 1)`, in `[-1, 1]`, shaped like `sin(2π u)`
/// (two parabolas; within 0.06 of the sine).
const fn wave(u: f32) -> f32 {
    if u < 0.5 {
        8.0 * u * (1.0 - 2.0 * u)
    } else {
        let v = u - 0.5;
        -8.0 * v * (1.0 - 2.0 * v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FAULTS: [Fault; 3] = [
        Fault {
            kind: FaultKind::Shift,
            channel: TEMPERATURE,
            start: 50,
            len: 10,
            size: 5.0,
        },
        Fault {
            kind: FaultKind::Stuck,
            channel: VIBRATION,
            start: 70,
            len: 5,
            size: 0.0,
        },
        Fault {
            kind: FaultKind::Decouple,
            channel: VIBRATION,
            start: 90,
            len: 5,
            size: 9.0,
        },
    ];

    /// The stream computed at compile time.
    const TABLE: [[f32; CHANNELS]; 100] = {
        let mut m = Machine::new(3, 40, &FAULTS);
        let mut out = [[0.0; CHANNELS]; 100];
        let mut i = 0;
        while i < 100 {
            out[i] = m.next_reading();
            i += 1;
        }
        out
    };

    #[test]
    fn compile_time_and_run_time_give_the_same_bits() {
        let mut m = Machine::new(3, 40, &FAULTS);
        for row in TABLE {
            assert_eq!(m.next_reading().map(f32::to_bits), row.map(f32::to_bits));
        }
        assert_eq!(m.time(), 100);
    }

    #[test]
    fn faults_change_only_their_readings() {
        let mut clean = Machine::new(3, 40, &[]);
        for (t, row) in (0u32..).zip(TABLE) {
            let c = clean.next_reading();
            match t {
                50..60 => {
                    assert_eq!(row[0], c[0] + 5.0);
                    assert_eq!(row[1], c[1]);
                }
                70..75 => assert_eq!(row[1], TABLE[69][1]),
                90..95 => assert!((row[1] - 9.0).abs() < 0.1, "{row:?}"),
                _ => assert_eq!(row, c, "reading {t}"),
            }
        }
        assert_eq!(fault_at(&FAULTS, 49, 3), None);
        assert_eq!(fault_at(&FAULTS, 59, 0), Some(0));
        assert_eq!(fault_at(&FAULTS, 62, 3), Some(0));
        assert_eq!(fault_at(&FAULTS, 63, 3), None);
        assert_eq!(fault_at(&FAULTS, 94, 0), Some(2));
    }

    #[test]
    fn the_channels_follow_the_load() {
        let mut m = Machine::new(1, 200, &[]);
        let (mut lo, mut hi) = ([f32::MAX; 2], [f32::MIN; 2]);
        let mut loads = [0.0f32; 2];
        for t in 0..200 {
            let x = m.next_reading();
            let load = m.load(t);
            loads = [loads[0].min(load), loads[1].max(load)];
            for c in 0..2 {
                lo[c] = lo[c].min(x[c]);
                hi[c] = hi[c].max(x[c]);
            }
        }
        assert!(loads[0] < 0.01 && loads[1] > 0.99, "{loads:?}");
        assert!(
            lo[0] > 38.0 && hi[0] < 50.0 && hi[0] - lo[0] > 7.0,
            "{lo:?} {hi:?}"
        );
        assert!(
            lo[1] > 0.2 && hi[1] < 2.8 && hi[1] - lo[1] > 1.7,
            "{lo:?} {hi:?}"
        );
        // The wave is close to a sine.
        for i in 0..100 {
            let u = i as f32 / 100.0;
            assert!((wave(u) - (2.0 * core::f32::consts::PI * u).sin()).abs() < 0.06);
        }
    }
}
