//! A streaming quantile in fixed memory (two floats and a counter).

/// Tracks the `tau`-quantile of a stream by stochastic approximation (Robbins–Monro): after
/// each value `s`, the estimate `q` moves up by `γ τ` if `s > q`, else down by `γ (1 − τ)`,
/// which balances where a fraction `τ` of the values lies below `q`. The step `γ` is
/// `rate` times a running mean of `|s − q|`, so the estimate follows the scale of the
/// stream without tuning, and forgets: it tracks the recent distribution (about `1/rate`
/// values).
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct StreamingQuantile {
    tau: f32,
    pub(super) q: f32,
    pub(super) spread: f32,
    pub(super) n: u32,
}

impl StreamingQuantile {
    /// A tracker of the `tau`-quantile (`tau` in `(0, 1)`), with no observation yet.
    ///
    /// # Panics
    /// At compile time in a `const` context (at run time otherwise) if `tau` is not in
    /// `(0, 1)` (NaN included); [`try_new`](Self::try_new) returns an error instead.
    pub const fn new(tau: f32) -> Self {
        assert!(tau > 0.0 && tau < 1.0, "tau must be in (0, 1)");
        Self {
            tau,
            q: 0.0,
            spread: 0.0,
            n: 0,
        }
    }

    /// [`new`](Self::new) for a level known only at run time.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`](crate::Error::InvalidConfig) if `tau` is not in `(0, 1)`.
    pub const fn try_new(tau: f32) -> Result<Self, crate::Error> {
        if tau > 0.0 && tau < 1.0 {
            Ok(Self::new(tau))
        } else {
            Err(crate::Error::InvalidConfig(
                "quantile level must be in (0, 1)",
            ))
        }
    }

    /// Adds one value. `rate` in `(0, 1]` sets the memory. A NaN or infinite value, or a
    /// rate outside `(0, 1]`, changes nothing. The state stays finite whatever the finite
    /// values (deviations beyond `f32::MAX`, e.g. alternating `±f32::MAX`, count as
    /// `f32::MAX`).
    pub fn update(&mut self, s: f32, rate: f32) {
        if !(s.is_finite() && rate > 0.0 && rate <= 1.0) {
            return;
        }
        self.n = self.n.saturating_add(1);
        if self.n == 1 {
            self.q = s;
            return;
        }
        // The first values set the spread as a plain average, then it forgets at `rate`.
        let a = 1.0 / self.n as f32;
        let a = if a > rate { a } else { rate };
        // A comparison, not `f32::min` (a `fminf` call on targets without a min instruction).
        let dev = crate::math::abs(s - self.q);
        let dev = if dev > f32::MAX { f32::MAX } else { dev };
        self.spread += a * (dev - self.spread);
        let step = a * self.spread;
        let q = if s > self.q {
            self.q + step * self.tau
        } else {
            self.q - step * (1.0 - self.tau)
        };
        self.q = q.clamp(-f32::MAX, f32::MAX);
    }

    /// The current estimate (0 before the first value).
    pub fn value(&self) -> f32 {
        self.q
    }

    /// Number of values seen (saturating).
    pub fn count(&self) -> u32 {
        self.n
    }
}

/// An adaptive threshold: `median + k (q90 − median)` of recent values, from two
/// [`StreamingQuantile`]s.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Threshold {
    pub(super) median: StreamingQuantile,
    pub(super) upper: StreamingQuantile,
}

impl Threshold {
    /// No value seen yet.
    pub const fn new() -> Self {
        Self {
            median: StreamingQuantile::new(0.5),
            upper: StreamingQuantile::new(0.9),
        }
    }

    /// `median + k (q90 − median)` (the spread counted as 0 if negative; an overflow gives
    /// `±f32::MAX`).
    pub fn value(&self, k: f32) -> f32 {
        self.value_min_spread(k, 0.0)
    }

    /// [`value`](Self::value) with the spread `q90 − median` counted as at least
    /// `min_spread`. A stream of discrete values (a sensor quantised to a few steps, scores
    /// that are 0 for most readings) can have `q90 = median`; without a floor its threshold
    /// then sits at the median and the first ordinary step above it passes.
    pub fn value_min_spread(&self, k: f32, min_spread: f32) -> f32 {
        let m = self.median.value();
        let spread = self.upper.value() - m;
        let spread = if spread > min_spread {
            spread
        } else {
            min_spread
        };
        let t = m + k * if spread > 0.0 { spread } else { 0.0 };
        t.clamp(-f32::MAX, f32::MAX)
    }

    /// Adds one value (finite) with memory `rate`.
    pub fn update(&mut self, s: f32, rate: f32) {
        self.median.update(s, rate);
        self.upper.update(s, rate);
    }

    /// Adds one value, as if it were at the threshold `value(k)` when it is above it, once
    /// the threshold has seen [`Threshold::SETTLED`] values: a long anomaly then does not
    /// raise the threshold that flags it.
    ///
    /// Values are not capped while the median's spread is 0 (every value so far, or for a
    /// very long time, has been the same, e.g. a constant signal at the start): such a
    /// threshold has no width, and capping at it would keep it there forever, flagging every
    /// later reading.
    pub fn update_capped(&mut self, s: f32, k: f32, rate: f32) {
        self.update_capped_at(s, self.value(k), rate);
    }

    /// [`update_capped`](Self::update_capped) with the cap given: the value `t` of the
    /// threshold as its user computes it (e.g. by [`value_min_spread`](Self::value_min_spread)).
    pub fn update_capped_at(&mut self, s: f32, t: f32, rate: f32) {
        let s = if self.median.count() >= Self::SETTLED && self.median.spread > 0.0 && s > t {
            t
        } else {
            s
        };
        self.update(s, rate);
    }

    /// Values a threshold learns before it caps the values above it.
    pub const SETTLED: u32 = 100;

    /// The two quantile trackers (median, q90).
    pub fn quantiles(&self) -> (&StreamingQuantile, &StreamingQuantile) {
        (&self.median, &self.upper)
    }
}

impl Default for Threshold {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::SplitMix64;

    #[test]
    fn finds_quantiles_of_a_known_distribution() {
        // Exponential(1): the tau-quantile is -ln(1 - tau).
        for &tau in &[0.5f32, 0.9, 0.99] {
            let mut q = StreamingQuantile::new(tau);
            let mut r = SplitMix64::new(4);
            let mut tail = 0u32;
            for i in 0..200_000 {
                let s = -crate::math::ln(1.0 - r.next_f32());
                if i >= 100_000 && s > q.value() {
                    tail += 1;
                }
                q.update(s, 0.002);
            }
            let want = -(1.0 - tau).ln();
            assert!(
                (q.value() - want).abs() < 0.15 * want.max(1.0),
                "tau {tau}: {} vs {want}",
                q.value()
            );
            // The fraction above the running estimate matches 1 - tau.
            let frac = tail as f32 / 100_000.0;
            assert!(
                (frac - (1.0 - tau)).abs() < 0.3 * (1.0 - tau) + 0.002,
                "{frac}"
            );
        }
    }

    #[test]
    fn a_threshold_that_saw_only_one_value_can_still_widen() {
        // A constant start: 500 identical values, then ordinary noise. Capping at a threshold
        // of zero width used to keep it at the constant forever.
        let mut t = Threshold::new();
        for _ in 0..500 {
            t.update_capped(0.0, 8.0, 0.01);
        }
        assert_eq!(t.value(8.0), 0.0);
        let mut r = SplitMix64::new(3);
        for _ in 0..5000 {
            t.update_capped(r.next_f32(), 8.0, 0.01);
        }
        // Uniform(0, 1): median 0.5, q90 0.9, threshold about 0.5 + 8 · 0.4.
        let (m, q) = t.quantiles();
        assert!(
            (m.value() - 0.5).abs() < 0.1 && (q.value() - 0.9).abs() < 0.1,
            "{t:?}"
        );
        // Once it has a width, values above it are capped again: 1e6 counts as the threshold.
        let (mut a, mut b) = (t, t);
        a.update_capped(1e6, 8.0, 0.01);
        b.update(t.value(8.0), 0.01);
        assert_eq!(a, b);
    }

    #[test]
    fn follows_a_shift_in_scale() {
        let mut q = StreamingQuantile::new(0.9);
        let mut r = SplitMix64::new(8);
        for _ in 0..20_000 {
            q.update(r.next_f32(), 0.01);
        }
        assert!((q.value() - 0.9).abs() < 0.05, "{}", q.value());
        for _ in 0..20_000 {
            q.update(100.0 * r.next_f32(), 0.01);
        }
        assert!((q.value() - 90.0).abs() < 5.0, "{}", q.value());
        assert_eq!(q.count(), 40_000);
    }

    #[test]
    fn bad_levels_are_refused_and_extreme_values_keep_the_state_finite() {
        for bad in [f32::NAN, 0.0, 1.0, 2.0, -0.5, f32::INFINITY] {
            assert!(StreamingQuantile::try_new(bad).is_err(), "{bad}");
            assert!(std::panic::catch_unwind(|| StreamingQuantile::new(bad)).is_err());
        }
        let mut t = Threshold::new();
        for i in 0..1000 {
            t.update(if i % 2 == 0 { f32::MAX } else { -f32::MAX }, 0.01);
            t.update(f32::NAN, 0.01);
            t.update(1.0, f32::NAN);
            for q in [t.median, t.upper] {
                assert!(q.value().is_finite() && q.spread.is_finite(), "{i}: {t:?}");
            }
            assert!(t.value(8.0).is_finite());
        }
        assert_eq!(t.median.count(), 1000);
    }
}
