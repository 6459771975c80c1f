//! One layer of `OUT` integer gated geometric-mixing neurons.

use super::fixed::{
    LOGIT_ONE, LOGIT_SHIFT, PROB_ONE, PROB_SHIFT, RATE_SHIFT, clamp_sym, dot_i16, squash,
};
use crate::config::WeightInit;

/// Largest magnitude of the error step `η (p − y)` in Q16 (just below 1), so that every
/// `step · x` product fits an `i32`.
const STEP_LIM: i64 = (1 << PROB_SHIFT) - 1;

/// What a layer's forward pass and update need from the configuration, in fixed point.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QClip {
    /// `logit(1 − eps)` in Q12: inputs are clipped to `±logit`, and a neuron whose output
    /// is not strictly inside `±logit` is saturated (not updated).
    pub logit: i32,
    /// The weight box `[-beta, beta]` in Q12.
    pub beta: i32,
}

/// The weights of `OUT` neurons with `IN` inputs each plus the bias input (logit exactly
/// 1), `C` rows per neuron: `i16` in Q12 (2 bytes each, half an `f32`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct QLayer<const IN: usize, const OUT: usize, const C: usize> {
    w: [[[i16; IN]; C]; OUT],
    bias: [[i16; C]; OUT],
}

/// The error step `round(η (p − y))` in Q16 of a neuron with output logit `s` (Q12), rate
/// `eta` (Q24) and target `y` (Q16: 0 or 65536), saturated to ±[`STEP_LIM`].
#[inline(always)]
fn error_step(s: i32, y: i32, eta: i32) -> i32 {
    let err = squash(s).wrapping_sub(y); // |err| ≤ 2^16
    // |eta · err| ≤ 2^31 · 2^16: fits an i64; the rounding adds 2^23.
    let g = i64::from(eta)
        .wrapping_mul(i64::from(err))
        .wrapping_add(1 << (RATE_SHIFT - 1))
        >> RATE_SHIFT;
    g.clamp(-STEP_LIM, STEP_LIM) as i32
}

/// `w − round(g x / 2^16)` limited to `±beta`: `|g| < 2^16` and `|x| < 2^15`, so
/// `g x + 2^15 < 2^31` fits an `i32`; the shift rounds halves up.
#[inline(always)]
fn step(w: i16, g: i32, x: i32, beta: i32) -> i16 {
    let d = g.wrapping_mul(x).wrapping_add(1 << (PROB_SHIFT - 1)) >> PROB_SHIFT;
    clamp_sym(i32::from(w).wrapping_sub(d), beta) as i16
}

impl<const IN: usize, const OUT: usize, const C: usize> QLayer<IN, OUT, C> {
    /// Every weight 0, or `round(4096 / (IN + 1))` (the geometric mean of the inputs).
    // Construction only (also at compile time): indexes bounded by the `while` conditions.
    #[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
    pub(crate) const fn new(init: WeightInit) -> Self {
        let v = match init {
            WeightInit::Zero => 0,
            WeightInit::Average => {
                let m = IN as i64 + 1;
                ((LOGIT_ONE as i64 + m / 2) / m) as i16
            }
        };
        let mut layer = Self {
            w: [[[0; IN]; C]; OUT],
            bias: [[v; C]; OUT],
        };
        if v != 0 {
            let mut n = 0;
            while n < OUT {
                let mut c = 0;
                while c < C {
                    let mut j = 0;
                    while j < IN {
                        layer.w[n][c][j] = v;
                        j += 1;
                    }
                    c += 1;
                }
                n += 1;
            }
        }
        layer
    }

    /// Output logits (Q12) `s_n = round((w_{n,c_n} · x + bias_{n,c_n} · 1) / 2^12)`: the
    /// dot product is exact in `i64` (Q24), the rounding halves up, and the result is
    /// saturated to `±2^30`.
    #[inline(never)]
    pub(crate) fn forward(&self, ctx: &[usize; OUT], x: &[i16; IN], s: &mut [i32; OUT]) {
        for (((sn, &c), w), b) in s.iter_mut().zip(ctx).zip(&self.w).zip(&self.bias) {
            let c = c & C.wrapping_sub(1);
            *sn = match (w.get(c), b.get(c)) {
                (Some(row), Some(&bias)) => {
                    let acc = dot_i16(row, x)
                        .wrapping_add(i64::from(bias) << LOGIT_SHIFT)
                        .wrapping_add(1 << (LOGIT_SHIFT - 1));
                    (acc >> LOGIT_SHIFT).clamp(-(1 << 30), 1 << 30) as i32
                }
                _ => 0,
            };
        }
    }

    /// The local update of each neuron's active row, from the logits `s` that
    /// [`QLayer::forward`] computed for `x`: if `|s_n| < logit` (not saturated), with
    /// `g = round(η (σ(s_n) − y))` in Q16, `w_j ← clamp(w_j − round(g x_j), ±beta)`, the
    /// bias input counting as `x = 1`. `eta` is in Q24, `y` in Q16 (0 or 1).
    #[inline(never)]
    pub(crate) fn update(
        &mut self,
        ctx: &[usize; OUT],
        x: &[i16; IN],
        s: &[i32; OUT],
        y: i32,
        eta: i32,
        clip: &QClip,
    ) {
        let y = y.clamp(0, PROB_ONE);
        let rows = self.w.iter_mut().zip(self.bias.iter_mut());
        for ((w, b), (&c, &sn)) in rows.zip(ctx.iter().zip(s)) {
            if sn.wrapping_abs() >= clip.logit {
                continue; // saturated: not updated
            }
            let g = error_step(sn, y, eta);
            let c = c & C.wrapping_sub(1);
            let (Some(row), Some(bias)) = (w.get_mut(c), b.get_mut(c)) else {
                continue;
            };
            if g == 0 {
                continue;
            }
            for (wj, xj) in row.iter_mut().zip(x) {
                *wj = step(*wj, g, i32::from(*xj), clip.beta);
            }
            *bias = step(*bias, g, LOGIT_ONE, clip.beta);
        }
    }

    /// Visits every weight as its real value (exact in `f32`): neuron by neuron, row by
    /// row, the `IN` input weights then the bias weight.
    pub(crate) fn for_each_weight(&self, f: &mut impl FnMut(f32)) {
        let unit = 1.0 / LOGIT_ONE as f32;
        for (w, b) in self.w.iter().zip(&self.bias) {
            for (row, bias) in w.iter().zip(b) {
                row.iter().for_each(|&v| f(f32::from(v) * unit));
                f(f32::from(*bias) * unit);
            }
        }
    }

    /// Sets every weight, in [`QLayer::for_each_weight`] order, from real values (rounded
    /// to Q12 and saturated to the `i16` range).
    pub(crate) fn load_weights(&mut self, next: &mut impl FnMut() -> f32) {
        let q = |v: f32| super::fixed::to_fixed(v, LOGIT_SHIFT);
        for (w, b) in self.w.iter_mut().zip(self.bias.iter_mut()) {
            for (row, bias) in w.iter_mut().zip(b.iter_mut()) {
                row.iter_mut().for_each(|v| *v = q(next()));
                *bias = q(next());
            }
        }
    }

    /// The raw row `c` of neuron `n` and its bias weight (Q12).
    #[cfg(test)]
    pub(crate) fn row(&self, n: usize, c: usize) -> (&[i16; IN], i16) {
        (&self.w[n][c], self.bias[n][c])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CLIP: QClip = QClip {
        logit: 18820, // logit(0.99) in Q12
        beta: 5 * 4096,
    };

    #[test]
    fn average_init_and_forward_are_the_geometric_mean() {
        let l: QLayer<3, 1, 2> = QLayer::new(WeightInit::Average);
        assert_eq!(l.row(0, 1), (&[1024; 3], 1024));
        let mut s = [0];
        // Inputs 1, 2, -1 (Q12) and the bias 1: mean 0.75.
        l.forward(&[1], &[4096, 8192, -4096], &mut s);
        assert_eq!(s, [3072]);
    }

    #[test]
    fn update_is_the_rounded_gradient_step() {
        let mut l: QLayer<2, 1, 1> = QLayer::new(WeightInit::Zero);
        let x = [4096i16, -2048];
        let mut s = [0];
        l.forward(&[0], &x, &mut s);
        assert_eq!(s, [0]); // p = 1/2
        // eta = 0.5 (Q24), y = 1: g = 0.5 (0.5 − 1) = −0.25 → −16384 in Q16.
        l.update(&[0], &x, &s, PROB_ONE, 1 << 23, &CLIP);
        // w ← w − g x: +0.25 · 1 = 1024, +0.25 · (−0.5) = −512; bias +0.25 = 1024.
        assert_eq!(l.row(0, 0), (&[1024, -512], 1024));
    }

    #[test]
    fn saturated_neurons_are_not_updated_and_the_box_binds() {
        let mut l: QLayer<2, 2, 1> = QLayer::new(WeightInit::Average);
        let before = l;
        let x = [4096i16, 4096];
        l.update(
            &[0, 0],
            &x,
            &[CLIP.logit, -CLIP.logit - 5],
            0,
            1 << 24,
            &CLIP,
        );
        assert_eq!(l, before);
        l.update(&[0, 0], &x, &[CLIP.logit - 1, 0], 0, 1 << 24, &CLIP);
        assert_ne!(l.row(0, 0), before.row(0, 0));
        assert_ne!(l.row(1, 0), before.row(1, 0));
        // Drive row 0 of neuron 0 up against the box: it stops at beta.
        let tight = QClip {
            logit: CLIP.logit,
            beta: 4096,
        };
        let mut l: QLayer<2, 1, 1> = QLayer::new(WeightInit::Zero);
        for _ in 0..100 {
            l.update(&[0], &x, &[0], PROB_ONE, 1 << 24, &tight);
        }
        assert_eq!(l.row(0, 0), (&[4096, 4096], 4096));
    }

    #[test]
    fn extreme_rates_and_inputs_saturate_without_overflow() {
        let mut l: QLayer<3, 1, 1> = QLayer::new(WeightInit::Zero);
        let x = [i16::MAX, i16::MIN + 1, 0];
        let clip = QClip {
            logit: i16::MAX as i32,
            beta: i16::MAX as i32,
        };
        for t in 0..50 {
            let mut s = [0];
            l.forward(&[0], &x, &mut s);
            l.update(&[0], &x, &s, PROB_ONE * (t % 2), i32::MAX, &clip);
            let (row, b) = l.row(0, 0);
            assert!(row.iter().chain([&b]).all(|v| v.unsigned_abs() <= 32767));
        }
    }
}
