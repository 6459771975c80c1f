//! Per-channel state of the detector: standardisation, simple base predictors (experts)
//! with their running error variances, and the side features that drive the gating.

use crate::math::{abs, clamp, ln, sqrt};

/// Number of EWMA levels: smoothing factors `2^-1` to `2^-8`.
pub(crate) const LEVELS: usize = 8;
/// Number of temporal experts (base Gaussians) and temporal side features per channel.
pub(crate) const TEMPORAL: usize = 16;
/// Readings after which the standardisation learns robustly.
const ROBUST_AFTER: u32 = 30;
/// Standardised values are clipped to `±Z_MAX`.
pub(crate) const Z_MAX: f32 = 1000.0;

/// What the window says about one channel before the new reading (raw units).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Recent {
    /// Readings 1, 2, 4 and 8 steps back (the oldest available when the window is short).
    pub lag: [f32; 4],
    /// The oldest reading in the window.
    pub oldest: f32,
    /// Mean, minimum and maximum of the window.
    pub mean: f32,
    pub min: f32,
    pub max: f32,
}

/// One channel's learned statistics and tracking state, in the channel's raw units.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Channel {
    /// Readings seen (saturating).
    pub(super) n: u32,
    /// Exponentially weighted mean and variance (standardisation).
    pub(super) mean: f32,
    pub(super) var: f32,
    /// EWMA levels with smoothing factors `2^-(k+1)`.
    pub(super) level: [f32; LEVELS],
    /// EWMA (1/8) of the first difference, and EWMA (1/16) of its magnitude.
    pub(super) trend: f32,
    pub(super) vol: f32,
    /// Running mean squared error of each temporal expert, and how many errors it has seen.
    pub(super) err: [f32; TEMPORAL],
    pub(super) err_n: u32,
    /// Length of the current run of identical readings, and the longest run seen while
    /// learning (the sensor's normal repeats, from quantisation or slow change).
    pub(super) run: u32,
    pub(super) longest: u32,
    /// The current run has been flagged as stuck.
    pub(super) stuck: bool,
}

impl Channel {
    pub(crate) const NEW: Channel = Channel {
        n: 0,
        mean: 0.0,
        var: 0.0,
        level: [0.0; LEVELS],
        trend: 0.0,
        vol: 0.0,
        err: [0.0; TEMPORAL],
        err_n: 0,
        run: 0,
        longest: 0,
        stuck: false,
    };

    /// The running mean.
    pub(crate) fn mean(&self) -> f32 {
        self.mean
    }

    /// The first reading (or the first after a long gap): sets the tracking state. On the
    /// very first reading, the statistics start there too.
    pub(crate) fn seed(&mut self, x: f32) {
        self.level = [x; LEVELS];
        self.trend = 0.0;
        self.vol = 0.0;
        if self.n == 0 {
            self.mean = x;
            self.var = 0.0;
            self.n = 1;
        }
    }

    /// The scale used to standardise: the running standard deviation, at least
    /// `floor · |mean|` and `1e-9`.
    pub(crate) fn scale(&self, floor: f32) -> f32 {
        let s = sqrt(self.var);
        let f = floor * abs(self.mean);
        let s = if s > f { s } else { f };
        if s > 1e-9 { s } else { 1e-9 }
    }

    /// `x` standardised and clipped to `±Z_MAX`.
    pub(crate) fn z(&self, x: f32, scale: f32) -> f32 {
        clamp((x - self.mean) / scale, -Z_MAX, Z_MAX)
    }

    /// The temporal experts' predictions of the next reading (raw units), by priority.
    pub(crate) fn experts(&self, r: &Recent) -> [f32; TEMPORAL] {
        let l = &self.level;
        let [lag1, lag2, _, _] = r.lag;
        [
            lag1,
            l[1],
            l[3],
            self.mean,
            lag1 + self.trend,
            l[0],
            l[2],
            l[4],
            l[5],
            l[6],
            r.mean,
            lag1 + (lag1 - lag2),
            lag2,
            0.5 * r.min + 0.5 * r.max,
            r.oldest,
            l[7],
        ]
    }

    /// Each expert's variance (raw units²): its running mean squared error, or `+∞` (no
    /// information: the network clips it to its largest variance) before its first error.
    pub(crate) fn expert_variances(&self) -> [f32; TEMPORAL] {
        if self.err_n == 0 {
            [f32::INFINITY; TEMPORAL]
        } else {
            self.err
        }
    }

    /// The temporal side features (standardised), by priority.
    pub(crate) fn side(&self, r: &Recent, scale: f32) -> [f32; TEMPORAL] {
        let z = |v: f32| self.z(v, scale);
        let d = |v: f32| clamp(v / scale, -Z_MAX, Z_MAX);
        let l = &self.level;
        let [lag1, lag2, lag4, lag8] = r.lag;
        // Local volatility against the overall scale, on a log scale: about 0 for a steady
        // noisy signal, very negative for a stuck one, positive for a burst.
        let vol = clamp(ln(self.vol / scale + 1e-3), -10.0, 10.0);
        [
            z(lag1),
            d(lag1 - lag2),
            z(l[3]),
            vol,
            z(l[1]),
            z(lag2),
            d(self.trend),
            z(l[5]),
            z(r.max),
            z(r.min),
            z(lag4),
            z(l[0]),
            z(lag8),
            z(l[6]),
            z(r.mean),
            z(r.oldest),
        ]
    }

    /// Learns from reading `x`: the standardisation statistics and the experts' error
    /// variances (`predicted` are the experts' predictions for `x`). Each squared error is
    /// limited to `clip²` times the expert's current mean squared error (robustness to the
    /// very outliers the detector looks for).
    pub(crate) fn learn(
        &mut self,
        x: f32,
        predicted: &[f32; TEMPORAL],
        stats_rate: f32,
        err_rate: f32,
        clip: f32,
        fresh: u32,
    ) {
        self.n = self.n.saturating_add(1);
        // After a re-commissioning the statistics restart as plain averages.
        let n = if fresh < self.n { fresh } else { self.n };
        let a = rate(n, stats_rate);
        // Robust, once the statistics have settled: a deviation beyond `clip` standard
        // deviations counts as if at that distance, so that a drift or a fault does not
        // teach the standardisation that it is normal (a lasting new regime is learned by
        // re-commissioning instead).
        let lim = clip * sqrt(self.var);
        let d = x - self.mean;
        let d = if n > ROBUST_AFTER && lim > 0.0 {
            clamp(d, -lim, lim)
        } else {
            d
        };
        self.mean += a * d;
        self.var = (1.0 - a) * (self.var + a * d * d);
        self.err_n = self.err_n.saturating_add(1);
        let a = rate(self.err_n, err_rate);
        let first = self.err_n == 1;
        let c2 = clip * clip;
        // Without a clip (`clip` infinite) no error is limited: `∞ · 0` would be NaN for an
        // expert that has been exact so far.
        let unclipped = first || c2 == f32::INFINITY;
        for (e, p) in self.err.iter_mut().zip(predicted) {
            let r = x - p;
            let r2 = r * r;
            let lim = c2 * *e;
            let r2 = if unclipped || r2 <= lim { r2 } else { lim };
            *e += a * (r2 - *e);
        }
    }

    /// The run of identical readings `x` would make (`x` equal to the last reading, bit for
    /// bit, continues the run), and whether it is longer than a stuck sensor's threshold:
    /// `gain × (2 × longest + 10)` readings, `longest` the longest run seen while learning
    /// and `gain` the alarm budget's factor (at least 1).
    pub(crate) fn stuck(&self, x: f32, lag1: f32, gain: f32) -> (u32, bool) {
        let run = if x.to_bits() == lag1.to_bits() {
            self.run.saturating_add(1)
        } else {
            0
        };
        let limit = self.longest.saturating_mul(2).saturating_add(10) as f32;
        (run, run as f32 > limit * gain)
    }

    /// Keeps the run length; when a run ends, learns its length as a normal run (unless it
    /// was flagged as stuck, or learning is frozen).
    pub(crate) fn track_run(&mut self, run: u32, learn: bool, stuck: bool) {
        if run == 0 && learn && !self.stuck && self.run > self.longest {
            self.longest = self.run;
        }
        self.run = run;
        self.stuck = stuck || (run > 0 && self.stuck);
    }

    /// Follows reading `x` (not learning: this is the state the experts predict from).
    pub(crate) fn track(&mut self, x: f32, lag1: f32) {
        for (k, l) in self.level.iter_mut().enumerate() {
            let a = 1.0 / (2u32 << k) as f32;
            *l += a * (x - *l);
        }
        let d = x - lag1;
        self.trend += 0.125 * (d - self.trend);
        self.vol += 0.0625 * (abs(d) - self.vol);
    }

    /// Visits every value of the state, in a fixed order (for fingerprints).
    pub(crate) fn for_each_value(&self, f: &mut impl FnMut(f32)) {
        f(self.mean);
        f(self.var);
        self.level.iter().for_each(|&v| f(v));
        f(self.trend);
        f(self.vol);
        self.err.iter().for_each(|&v| f(v));
        f(self.n as f32);
        f(self.err_n as f32);
        f(self.run as f32);
        f(self.longest as f32);
        f(f32::from(u8::from(self.stuck)));
    }
}

/// `max(1/n, floor)`: a plain average over the first values, then exponential forgetting.
pub(crate) fn rate(n: u32, floor: f32) -> f32 {
    let a = 1.0 / n as f32;
    if a > floor { a } else { floor }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statistics_and_expert_errors_follow_their_definitions() {
        let mut c = Channel::NEW;
        c.seed(10.0);
        let xs = [12.0f32, 9.0, 11.0, 10.5];
        let mut lag1 = 10.0;
        let r = Recent {
            lag: [10.0; 4],
            oldest: 10.0,
            mean: 10.0,
            min: 10.0,
            max: 10.0,
        };
        for &x in &xs {
            let p = c.experts(&r);
            c.learn(x, &p, 1e-6, 1e-6, f32::INFINITY, u32::MAX);
            c.track(x, lag1);
            lag1 = x;
        }
        // Rates 1/n: the plain mean and (population) variance of all five readings.
        let all = [10.0f32, 12.0, 9.0, 11.0, 10.5];
        let mean = all.iter().sum::<f32>() / 5.0;
        let var = all.iter().map(|x| (x - mean) * (x - mean)).sum::<f32>() / 5.0;
        assert!((c.mean - mean).abs() < 1e-5);
        assert!((c.var - var).abs() < 1e-4, "{} vs {var}", c.var);
        // Expert 0 predicted 10 (the fixed `r.lag[0]`) every time: its error is the mean
        // squared deviation from 10.
        let e0 = xs.iter().map(|x| (x - 10.0) * (x - 10.0)).sum::<f32>() / 4.0;
        assert!((c.err[0] - e0).abs() < 1e-5);
        assert!(c.scale(0.0) > 0.0);
        assert_eq!(Channel::NEW.scale(0.0), 1e-9);
    }

    #[test]
    fn without_a_clip_an_exact_expert_learns_its_next_error() {
        // A constant signal: every expert is exact, its error 0. With the clip disabled
        // (infinite), the next error used to be `min(r², ∞ · 0)` = NaN.
        let mut c = Channel::NEW;
        c.seed(5.0);
        let p = [5.0f32; TEMPORAL];
        for _ in 0..3 {
            c.learn(5.0, &p, 0.01, 0.5, f32::INFINITY, u32::MAX);
        }
        assert_eq!(c.err, [0.0; TEMPORAL]);
        c.learn(7.0, &p, 0.01, 0.5, f32::INFINITY, u32::MAX);
        assert_eq!(c.err, [2.0; TEMPORAL]);
    }

    #[test]
    fn clipped_errors_limit_an_outlier() {
        let mut c = Channel::NEW;
        c.seed(0.0);
        let p = [0.0f32; TEMPORAL];
        for i in 0..100 {
            c.learn(
                if i % 2 == 0 { 1.0 } else { -1.0 },
                &p,
                0.01,
                0.01,
                3.0,
                u32::MAX,
            );
        }
        let before = c.err[0];
        c.learn(1000.0, &p, 0.01, 0.01, 3.0, u32::MAX);
        assert!(
            c.err[0] <= before * (1.0 + 0.01 * 9.0) + 1e-6,
            "{}",
            c.err[0]
        );
    }
}
