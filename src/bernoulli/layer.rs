//! One layer of `OUT` gated geometric-mixing neurons (the weights; gating lives in `gate`).

use crate::config::WeightInit;
use crate::math::{abs, clamp, dot, dot2_portable, sigmoid};

/// `w_j ← w_j − g · x_j` (load-multiple kernel on a Cortex-M with an FPU: the same bits).
#[inline(always)]
pub(crate) fn sub_scaled(w: &mut [f32], x: &[f32], g: f32) {
    if crate::kernels::sub_scaled(w, x, g).is_some() {
        return;
    }
    sub_scaled_portable(w, x, g);
}

/// [`sub_scaled`] written in Rust, on every target (what the Cortex-M kernel is checked
/// against).
#[inline(always)]
pub(crate) fn sub_scaled_portable(w: &mut [f32], x: &[f32], g: f32) {
    for (wj, xj) in w.iter_mut().zip(x) {
        *wj -= g * xj;
    }
}

/// What an update needs to know about the model's clipping.
#[derive(Clone, Copy, Debug)]
pub struct Clip {
    /// `logit(1 - eps)`: input logits are within `±logit`, and a neuron whose output logit
    /// is not strictly inside `±logit` is saturated.
    pub logit: f32,
    /// Weight box `[-beta, beta]`.
    pub beta: f32,
    /// The largest input magnitude a neuron can see: `max(logit, 1)` (1 is the bias input).
    pub x_max: f32,
}

impl Clip {
    pub(crate) fn new(logit: f32, beta: f32) -> Self {
        Self {
            logit,
            beta,
            x_max: if logit > 1.0 { logit } else { 1.0 },
        }
    }
}

/// The weights of `OUT` neurons with `IN` inputs each plus the bias input (logit exactly 1),
/// `C` contexts (weight rows) per neuron.
///
/// `bound[n][c]` is an upper bound on the largest `|w|` of row `c` of neuron `n` (bias
/// included). It lets an update skip the per-weight clipping whenever no weight can cross
/// `±beta`: the result is bit-identical to clipping every weight (see [`Layer::update`]), and
/// clipping costs several instructions per weight on a core without `vminnm`/`vmaxnm`. It is
/// derived state, so it is not part of a fingerprint, nor of `==` (which compares the
/// weights only).
#[derive(Clone, Copy, Debug)]
pub struct Layer<const IN: usize, const OUT: usize, const C: usize> {
    w: [[[f32; IN]; C]; OUT],
    bias: [[f32; C]; OUT],
    bound: [[f32; C]; OUT],
}

impl<const IN: usize, const OUT: usize, const C: usize> PartialEq for Layer<IN, OUT, C> {
    fn eq(&self, other: &Self) -> bool {
        self.w == other.w && self.bias == other.bias
    }
}

impl<const IN: usize, const OUT: usize, const C: usize> Layer<IN, OUT, C> {
    /// Every weight set to 0 or `1/(IN + 1)`.
    // Construction only (also at compile time for a `static` model, where a bad index or an
    // overflow is a build error): every index is bounded by its `while` condition. Iterators
    // are not available in a `const fn`.
    #[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
    pub(crate) const fn new(init: WeightInit) -> Self {
        let v = match init {
            WeightInit::Zero => 0.0,
            WeightInit::Average => 1.0 / (IN as f32 + 1.0),
        };
        let mut layer = Self {
            w: [[[0.0; IN]; C]; OUT],
            bias: [[v; C]; OUT],
            bound: [[v; C]; OUT],
        };
        if v != 0.0 {
            // A loop, not `[v; IN]`: the compiler fully unrolls an array-repeat of a run-time
            // value, which for wide layers means tens of thousands of stores (and minutes of
            // compile time). A zero table stays a memset (and `.bss` in a `static`).
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

    /// Output logits `s_n = w_{n,c_n} · x + bias_{n,c_n}` of every neuron.
    #[inline(never)]
    pub(crate) fn forward(&self, ctx: &[usize; OUT], x: &[f32; IN], s: &mut [f32; OUT]) {
        if cfg!(not(target_arch = "arm")) && IN >= crate::math::LANES {
            return self.forward_pairs(ctx, x, s);
        }
        for (((sn, &c), w), b) in s.iter_mut().zip(ctx).zip(&self.w).zip(&self.bias) {
            // `c < C` always (the gating makes K bits and C = 2^K); the mask lets the
            // compiler see it, so no bounds check and no panic path remain.
            let c = c & C.wrapping_sub(1);
            *sn = match (w.get(c), b.get(c)) {
                (Some(row), Some(bias)) => dot(row, x) + bias,
                _ => 0.0,
            };
        }
    }

    /// [`Layer::forward`] two neurons at a time ([`dot2_portable`]: the same bits, twice the
    /// sums in flight), for wide inputs off Arm.
    fn forward_pairs(&self, ctx: &[usize; OUT], x: &[f32; IN], s: &mut [f32; OUT]) {
        let row = |n: usize| {
            let c = ctx.get(n).map_or(0, |&c| c & C.wrapping_sub(1));
            let w = self
                .w
                .get(n)
                .and_then(|w| w.get(c))
                .map_or(&[][..], |r| &r[..]);
            (
                w,
                self.bias
                    .get(n)
                    .and_then(|b| b.get(c))
                    .copied()
                    .unwrap_or(0.0),
            )
        };
        for (p, pair) in s.chunks_mut(2).enumerate() {
            let n = p.wrapping_mul(2);
            let (w0, b0) = row(n);
            match pair {
                [s0, s1] => {
                    let (w1, b1) = row(n.wrapping_add(1));
                    let (d0, d1) = dot2_portable(w0, w1, x);
                    (*s0, *s1) = (d0 + b0, d1 + b1);
                }
                [s0] => *s0 = dot(w0, x) + b0,
                _ => {}
            }
        }
    }

    /// The local online update of each neuron's active row, from the logits `s` that
    /// [`Layer::forward`] computed for the same `x` (so no logit is computed twice).
    ///
    /// For neuron `n` with active row `c`: if `|s_n| < logit` (not saturated),
    /// `w ← clip(w − η (σ(s_n) − y) x, −β, β)`, the bias input counting as `x = 1`.
    ///
    /// Clipping is skipped when it cannot bind: with `g = η (σ(s) − y)`, every new weight is
    /// `fl(w − fl(g x))`, and rounding is monotone, so `|new w| ≤ fl(bound + fl(|g| x_max))`.
    /// When that is `≤ β`, clipping would change nothing, and the row's bound becomes that
    /// value; otherwise the row is clipped weight by weight and its bound recomputed exactly.
    #[inline(never)]
    pub(crate) fn update(
        &mut self,
        ctx: &[usize; OUT],
        x: &[f32; IN],
        s: &[f32; OUT],
        y: f32,
        eta: f32,
        clip: &Clip,
    ) {
        let rows = self
            .w
            .iter_mut()
            .zip(self.bias.iter_mut())
            .zip(self.bound.iter_mut());
        for (((w, b), bound), (&c, &sn)) in rows.zip(ctx.iter().zip(s)) {
            if !(abs(sn) < clip.logit) {
                continue; // saturated: the authors skip it, else weights run to the bound
            }
            let g = eta * (sigmoid(sn) - y);
            let c = c & C.wrapping_sub(1);
            let (Some(row), Some(bias), Some(bound)) =
                (w.get_mut(c), b.get_mut(c), bound.get_mut(c))
            else {
                continue;
            };
            let next = *bound + abs(g) * clip.x_max;
            if next <= clip.beta {
                sub_scaled(row, x, g);
                *bias -= g;
                *bound = next;
            } else {
                let (lo, hi) = (-clip.beta, clip.beta);
                let mut m = 0.0f32;
                for (wj, xj) in row.iter_mut().zip(x) {
                    let v = clamp(*wj - g * xj, lo, hi);
                    *wj = v;
                    m = if abs(v) > m { abs(v) } else { m };
                }
                let v = clamp(*bias - g, lo, hi);
                *bias = v;
                *bound = if abs(v) > m { abs(v) } else { m };
            }
        }
    }

    /// The transpose of [`Layer::forward`] for the active rows (for `explain`): given `r_n`,
    /// the weight of neuron `n`'s output logit in the quantity being explained, returns for
    /// each input `j` the weight `Σ_n r_n w_{n,c_n,j}` of that input, and adds
    /// `Σ_n r_n bias_{n,c_n}` (the bias input is exactly 1) to `bias`.
    ///
    /// Summed neuron by neuron in increasing `n`, so the result is the same on every target.
    pub(crate) fn pull_back(
        &self,
        ctx: &[usize; OUT],
        r: &[f32; OUT],
        bias: &mut f32,
    ) -> [f32; IN] {
        let mut a = [0.0f32; IN];
        for (((&rn, &c), w), b) in r.iter().zip(ctx).zip(&self.w).zip(&self.bias) {
            let c = c & C.wrapping_sub(1);
            if let (Some(row), Some(bn)) = (w.get(c), b.get(c)) {
                for (aj, wj) in a.iter_mut().zip(row) {
                    *aj += rn * wj;
                }
                *bias += rn * bn;
            }
        }
        a
    }

    /// Visits every weight: neuron by neuron, row by row, the `IN` input weights then the
    /// bias weight.
    pub(crate) fn for_each_weight(&self, f: &mut impl FnMut(f32)) {
        for (w, b) in self.w.iter().zip(&self.bias) {
            for (row, bias) in w.iter().zip(b) {
                row.iter().for_each(|&v| f(v));
                f(*bias);
            }
        }
    }

    /// Sets every weight, in [`Layer::for_each_weight`] order, to the values `next` yields,
    /// then sets each row's bound to its exact largest `|w|` (bias included), as the clipping
    /// branch of [`Layer::update`] does. Used to restore a saved model.
    pub(crate) fn load_weights(&mut self, next: &mut impl FnMut() -> f32) {
        let rows = self
            .w
            .iter_mut()
            .zip(self.bias.iter_mut())
            .zip(self.bound.iter_mut());
        for ((w, b), bound) in rows {
            for ((row, bias), bound) in w.iter_mut().zip(b.iter_mut()).zip(bound.iter_mut()) {
                let mut m = 0.0f32;
                for wj in row.iter_mut() {
                    let v = next();
                    *wj = v;
                    m = if abs(v) > m { abs(v) } else { m };
                }
                let v = next();
                *bias = v;
                *bound = if abs(v) > m { abs(v) } else { m };
            }
        }
    }

    /// The active row of neuron `n` in context `c` and its bias weight.
    #[cfg(test)]
    pub(crate) fn row(&self, n: usize, c: usize) -> (&[f32; IN], f32) {
        (&self.w[n][c], self.bias[n][c])
    }

    /// Sets row `c` of neuron `n` (tests only), keeping the bound valid.
    #[cfg(test)]
    pub(crate) fn set_row(&mut self, n: usize, c: usize, row: [f32; IN], bias: f32) {
        self.w[n][c] = row;
        self.bias[n][c] = bias;
        self.bound[n][c] = row.iter().fold(abs(bias), |m, v| m.max(abs(*v)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::math::logit;

    fn log_loss(s: f32, y: f32) -> f64 {
        let p = 1.0 / (1.0 + (-(s as f64)).exp());
        -(y as f64 * p.ln() + (1.0 - y as f64) * (1.0 - p).ln())
    }

    #[test]
    fn update_is_a_gradient_step_on_the_log_loss() {
        let mut l: Layer<4, 1, 2> = Layer::new(WeightInit::Zero);
        l.set_row(0, 1, [0.3, -0.2, 0.1, 0.05], 0.02);
        let x = [1.5f32, -0.7, 2.2, 0.4];
        let ctx = [1usize];
        let y = 1.0;
        let mut s = [0.0];
        l.forward(&ctx, &x, &mut s);
        let (w0, b0) = (*l.row(0, 1).0, l.row(0, 1).1);
        // Finite-difference gradient of the log loss with respect to each weight (f64).
        let h = 1e-3f64;
        let loss_at = |w: [f32; 4], b: f32| {
            let s: f64 = w
                .iter()
                .zip(&x)
                .map(|(a, b)| *a as f64 * *b as f64)
                .sum::<f64>()
                + b as f64;
            log_loss(s as f32, y)
        };
        let eta = 0.05f32;
        l.update(&ctx, &x, &s, y, eta, &Clip::new(logit(0.99), 5.0));
        for j in 0..4 {
            let (mut wp, mut wm) = (w0, w0);
            wp[j] += h as f32;
            wm[j] -= h as f32;
            let grad = (loss_at(wp, b0) - loss_at(wm, b0)) / (2.0 * h);
            let step = (w0[j] - l.row(0, 1).0[j]) as f64;
            assert!(
                (step - eta as f64 * grad).abs() < 2e-5,
                "w{j}: {step} vs {}",
                eta as f64 * grad
            );
        }
        let grad_b = (loss_at(w0, b0 + h as f32) - loss_at(w0, b0 - h as f32)) / (2.0 * h);
        assert!(((b0 - l.row(0, 1).1) as f64 - eta as f64 * grad_b).abs() < 2e-5);
        // The inactive row did not move.
        assert_eq!(l.row(0, 0), (&[0.0; 4], 0.0));
    }

    #[test]
    fn saturated_neurons_are_not_updated() {
        let mut l: Layer<2, 2, 1> = Layer::new(WeightInit::Average);
        let before = l;
        let clip = Clip::new(logit(0.99), 5.0);
        // Logits at and beyond the bound: saturated, no change even with a wrong target.
        l.update(&[0, 0], &[1.0, 1.0], &[clip.logit, -7.0], 0.0, 0.5, &clip);
        assert_eq!(l, before);
        l.update(
            &[0, 0],
            &[1.0, 1.0],
            &[f32::NAN, -clip.logit],
            1.0,
            0.5,
            &clip,
        );
        assert_eq!(l, before);
        // Just inside the bound: updated.
        l.update(
            &[0, 0],
            &[1.0, 1.0],
            &[clip.logit * 0.999, 0.0],
            0.0,
            0.5,
            &clip,
        );
        assert_ne!(l.row(0, 0), before.row(0, 0));
        assert_ne!(l.row(1, 0), before.row(1, 0));
    }

    #[test]
    fn weights_stay_in_the_box_and_skipping_the_clip_changes_no_bit() {
        // Drive a row hard against the box for many steps; compare with a reference that
        // clips every weight on every step.
        let clip = Clip::new(logit(0.99), 0.7);
        let mut l: Layer<3, 1, 1> = Layer::new(WeightInit::Average);
        let mut w_ref = [0.25f32; 3];
        let mut b_ref = 0.25f32;
        let mut bound_hits = 0;
        for t in 0..500 {
            let x = [clip.logit, -clip.logit * 0.5, 0.3 * (t % 7) as f32 - 1.0];
            let y = if t % 5 == 0 { 0.0 } else { 1.0 };
            let mut s = [0.0];
            l.forward(&[0], &x, &mut s);
            let s_ref = dot(&w_ref, &x) + b_ref;
            assert_eq!(s[0].to_bits(), s_ref.to_bits());
            l.update(&[0], &x, &s, y, 0.2, &clip);
            if abs(s_ref) < clip.logit {
                let g = 0.2 * (sigmoid(s_ref) - y);
                for j in 0..3 {
                    w_ref[j] = clamp(w_ref[j] - g * x[j], -0.7, 0.7);
                }
                b_ref = clamp(b_ref - g, -0.7, 0.7);
            }
            let (row, b) = l.row(0, 0);
            assert_eq!(row.map(f32::to_bits), w_ref.map(f32::to_bits), "step {t}");
            assert_eq!(b.to_bits(), b_ref.to_bits());
            assert!(row.iter().chain([&b]).all(|v| abs(*v) <= 0.7));
            bound_hits += row.iter().chain([&b]).filter(|v| abs(**v) == 0.7).count();
        }
        // The box did bind, often.
        assert!(bound_hits >= 10, "{bound_hits}");
    }
}
