//! One layer of `OUT` gated Gaussian-mixing neurons (the weights; gating lives in `gate`).

use crate::math::{abs, clamp, dot};

/// Number of bias Gaussians every neuron sees: means −1, 0, +1, variance 1.
pub(crate) const BIASES: usize = 3;

/// The bounds every Gaussian GLN applies (from its configuration).
#[derive(Clone, Copy, Debug)]
pub struct Bounds {
    /// Variance bounds.
    pub var_min: f32,
    pub var_max: f32,
    /// Precision bounds: `1/var_max` and `1/var_min`.
    pub prec_min: f32,
    pub prec_max: f32,
    /// Weight box `[-beta, beta]`.
    pub beta: f32,
    /// Mean clip and saturation threshold.
    pub mean: f32,
}

impl Bounds {
    pub(crate) fn new(var_min: f32, var_max: f32, beta: f32, mean: f32) -> Self {
        Self {
            var_min,
            var_max,
            prec_min: 1.0 / var_max,
            prec_max: 1.0 / var_min,
            beta,
            mean,
        }
    }
}

/// The `IN` input Gaussians of a layer, clipped, in the form every neuron of the layer uses
/// them. Computed once per layer and shared by its neurons.
#[derive(Clone, Copy, Debug)]
pub struct Prepared<const IN: usize> {
    /// Clipped means μ_j.
    mean: [f32; IN],
    /// Precisions λ_j = 1 / clip(σ_j²).
    prec: [f32; IN],
    /// Precision-weighted means λ_j μ_j.
    pmean: [f32; IN],
    /// `|λ|²` over the inputs and the three bias Gaussians (each λ = 1).
    norm2: f32,
    /// `Σ λ_j · λ_j μ_j` over the inputs and the biases (the biases add −1 + 0 + 1 = 0).
    cross: f32,
}

impl<const IN: usize> Prepared<IN> {
    /// Clips every mean to `±bounds.mean` and every variance to `[var_min, var_max]`.
    /// Inputs must not be NaN (callers validate them).
    pub(crate) fn new(mean: &[f32; IN], var: &[f32; IN], b: &Bounds) -> Self {
        let mean = mean.map(|m| clamp(m, -b.mean, b.mean));
        let prec = var.map(|v| 1.0 / clamp(v, b.var_min, b.var_max));
        let mut pmean = [0.0f32; IN];
        for ((p, l), m) in pmean.iter_mut().zip(&prec).zip(&mean) {
            *p = l * m;
        }
        let norm2 = dot(&prec, &prec) + BIASES as f32;
        let cross = dot(&prec, &pmean);
        Self {
            mean,
            prec,
            pmean,
            norm2,
            cross,
        }
    }
}

/// What one neuron computed for one input: its (projected) output and what its update needs.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Mix {
    /// Output mean μ (unclipped: the caller clips it for the next layer).
    pub mean: f32,
    /// Output variance σ², within `[var_min, var_max]`.
    pub var: f32,
    /// Projection step δ: the row used is `w − δ λ` (0 when the precision was in bounds).
    pub delta: f32,
}

impl Mix {
    /// A neuron whose mean is outside `±bound` (or not finite) is saturated.
    pub(crate) fn saturated(&self, b: &Bounds) -> bool {
        !(abs(self.mean) <= b.mean)
    }
}

/// The weights of `OUT` neurons with `IN` inputs each plus the three bias Gaussians, `C`
/// contexts (weight rows) per neuron. Every stored weight is within `[-beta, beta]`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GaussLayer<const IN: usize, const OUT: usize, const C: usize> {
    w: [[[f32; IN]; C]; OUT],
    bias: [[[f32; BIASES]; C]; OUT],
}

impl<const IN: usize, const OUT: usize, const C: usize> GaussLayer<IN, OUT, C> {
    /// Every weight `1/m` with `m = IN + 3` inputs: each neuron starts at the precision-
    /// weighted average of its inputs.
    pub(crate) const fn new() -> Self {
        let v = 1.0 / (IN as f32 + BIASES as f32);
        Self {
            w: [[[v; IN]; C]; OUT],
            bias: [[[v; BIASES]; C]; OUT],
        }
    }

    /// The output of every neuron for its context `ctx[n]`.
    pub(crate) fn forward(
        &self,
        ctx: &[usize; OUT],
        x: &Prepared<IN>,
        b: &Bounds,
        out: &mut [Mix; OUT],
    ) {
        for (((o, &c), w), bias) in out.iter_mut().zip(ctx).zip(&self.w).zip(&self.bias) {
            // `c < C` always (K bits, C = 2^K); the mask lets the compiler see it.
            let c = c & C.wrapping_sub(1);
            *o = match (w.get(c), bias.get(c)) {
                (Some(row), Some(bias)) => mix(row, bias, x, b),
                _ => Mix {
                    mean: 0.0,
                    var: b.var_max,
                    delta: 0.0,
                },
            };
        }
    }

    /// One gradient step of every unsaturated neuron's negative log-likelihood of `y`, taken
    /// at the projected active row, from what [`GaussLayer::forward`] computed for the same
    /// input. The row becomes `clip(w − δ λ − η ∇L, −β, β)`.
    ///
    /// With `normalized`, the step is `η / max(1, T)` instead of `η`, where
    /// `T = σ² Σ λ_j² (μ_j − μ)² + σ⁴ |λ|² / 2` is the trace of the Hessian of the
    /// neuron's loss in its weights (the loss is convex in the weights: it is the Gaussian
    /// negative log-likelihood in the natural parameters `Σ w λ μ` and `Σ w λ`, which are
    /// linear in `w`). A step below `2/T` cannot overshoot, whatever the scale of the
    /// input variances, so one `η` suits every layer, shape and data scale.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn update(
        &mut self,
        ctx: &[usize; OUT],
        x: &Prepared<IN>,
        mix: &[Mix; OUT],
        y: f32,
        eta: f32,
        normalized: bool,
        b: &Bounds,
    ) {
        let rows = self.w.iter_mut().zip(self.bias.iter_mut());
        for ((w, bias), (&c, m)) in rows.zip(ctx.iter().zip(mix)) {
            if m.saturated(b) {
                continue;
            }
            let c = c & C.wrapping_sub(1);
            let (Some(row), Some(bias)) = (w.get_mut(c), bias.get_mut(c)) else {
                continue;
            };
            // ∂L/∂w_j = λ_j (a − r (μ_j − μ)), a = ½(r² − σ²), r = y − μ.
            let r = y - m.mean;
            let a = 0.5 * (r * r - m.var);
            let eta = if normalized {
                let t = m.var * spread(x, m.mean) + 0.5 * m.var * m.var * x.norm2;
                let eta = if t > 1.0 { eta / t } else { eta };
                // The change of the precision π = Σ w λ this step makes, −η Σ λ_j g_j: at
                // most half of π, so one surprising target cannot make it collapse.
                let dprec = eta * (a * x.norm2 - r * (x.cross - m.mean * x.norm2));
                let cap = 0.5 / m.var;
                if abs(dprec) > cap {
                    eta * (cap / abs(dprec))
                } else {
                    eta
                }
            } else {
                eta
            };
            for ((wj, lj), mj) in row.iter_mut().zip(&x.prec).zip(&x.mean) {
                let g = lj * (a - r * (mj - m.mean));
                *wj = boxed(*wj - m.delta * lj - eta * g, b.beta);
            }
            for (bj, mj) in bias.iter_mut().zip([-1.0f32, 0.0, 1.0]) {
                let g = a - r * (mj - m.mean);
                *bj = boxed(*bj - m.delta - eta * g, b.beta);
            }
        }
    }

    /// Visits every weight: neuron by neuron, row by row, the `IN` input weights then the
    /// three bias weights.
    pub(crate) fn for_each_weight(&self, f: &mut impl FnMut(f32)) {
        for (w, b) in self.w.iter().zip(&self.bias) {
            for (row, bias) in w.iter().zip(b) {
                row.iter().chain(bias).for_each(|&v| f(v));
            }
        }
    }

    /// Sets every weight, in [`GaussLayer::for_each_weight`] order, to the values `next`
    /// yields (for `crate::persist`, which has checked them).
    pub(crate) fn load_weights(&mut self, next: &mut impl FnMut() -> f32) {
        for (w, b) in self.w.iter_mut().zip(self.bias.iter_mut()) {
            for (row, bias) in w.iter_mut().zip(b.iter_mut()) {
                row.iter_mut()
                    .chain(bias.iter_mut())
                    .for_each(|v| *v = next());
            }
        }
    }

    /// Row `c` of neuron `n` and its bias weights (tests only).
    #[cfg(test)]
    pub(crate) fn row(&self, n: usize, c: usize) -> ([f32; IN], [f32; BIASES]) {
        (self.w[n][c], self.bias[n][c])
    }

    /// Sets row `c` of neuron `n` (tests only).
    #[cfg(test)]
    pub(crate) fn set_row(&mut self, n: usize, c: usize, row: [f32; IN], bias: [f32; BIASES]) {
        self.w[n][c] = row;
        self.bias[n][c] = bias;
    }
}

/// `Σ λ_j² (μ_j − μ)²` over the inputs and the three biases.
fn spread<const IN: usize>(x: &Prepared<IN>, mu: f32) -> f32 {
    let mut s = 0.0f32;
    for (l, m) in x.prec.iter().zip(&x.mean) {
        let d = l * (m - mu);
        s += d * d;
    }
    let (lo, hi) = (-1.0 - mu, 1.0 - mu);
    s + ((lo * lo + mu * mu) + hi * hi)
}

/// `v` limited to `[-beta, beta]`, and NaN mapped to `-beta`: a stored weight is always
/// finite, whatever arithmetic produced `v` (within the configuration's documented ranges a
/// NaN cannot arise; this makes it impossible by construction).
#[inline(always)]
fn boxed(v: f32, beta: f32) -> f32 {
    let v = if v > -beta { v } else { -beta };
    if v < beta { v } else { beta }
}

/// The projected weighted product of the inputs and the biases under one row.
///
/// With `π = w·λ + Σ bias` and `s = w·(λμ) + bias₊₁ − bias₋₁`: if `π` is outside
/// `[prec_min, prec_max]`, the row is projected along λ to `w − δλ` with
/// `δ = (π − clamp(π)) / |λ|²`, which moves `π` to the bound and `s` to `s − δ Σ λ_j² μ_j`.
/// Then `σ² = clamp(1/π)` and `μ = s / π`.
fn mix<const IN: usize>(
    row: &[f32; IN],
    bias: &[f32; BIASES],
    x: &Prepared<IN>,
    b: &Bounds,
) -> Mix {
    let [b_neg, b_zero, b_pos] = *bias;
    let prec = dot(row, &x.prec) + ((b_neg + b_zero) + b_pos);
    let sum = dot(row, &x.pmean) + (b_pos - b_neg);
    let (prec, sum, delta) = if prec >= b.prec_min && prec <= b.prec_max {
        (prec, sum, 0.0)
    } else {
        let target = clamp(prec, b.prec_min, b.prec_max);
        let delta = (prec - target) / x.norm2;
        (target, sum - delta * x.cross, delta)
    };
    let mean = sum / prec;
    Mix {
        // NaN (only possible if `sum` overflowed) becomes +∞: saturated, clipped downstream.
        mean: if mean.is_nan() { f32::INFINITY } else { mean },
        var: clamp(1.0 / prec, b.var_min, b.var_max),
        delta,
    }
}

/// What `explain` needs from a layer (see `crate::gaussian::GaussianExplanation`): the
/// transpose of [`GaussLayer::forward`] on the rows the neurons used.
///
/// Given its active row, a neuron's output precision `π = Σ_j w'_j λ_j + Σ_k b'_k` and its
/// precision-weighted mean `s = π μ = Σ_j w'_j λ_j μ_j + (b'_{+1} − b'_{−1})` are linear in
/// its inputs' precisions `λ_j` and precision-weighted means `λ_j μ_j`, with the same
/// weights, where `w' = w − δ λ` and `b' = b − δ` is the row after the variance projection
/// (`δ = 0` when it did not bind): exactly the row [`GaussLayer::forward`] mixed with.
impl<const IN: usize, const OUT: usize, const C: usize> GaussLayer<IN, OUT, C> {
    /// Given `rp[n]` and `rs[n]`, the weights of neuron `n`'s `π_n` and `s_n` in the
    /// quantities being explained, returns for each input `j` the weights of its `λ_j`
    /// (`Σ_n rp_n w'_{n,j}`) and of its `λ_j μ_j` (`Σ_n rs_n w'_{n,j}`), and adds the bias
    /// Gaussians' shares, `Σ_n rp_n Σ_k b'_{n,k}` and `Σ_n rs_n (b'_{n,+1} − b'_{n,−1})`, to
    /// `bias_p` and `bias_s`. `mix` is what [`GaussLayer::forward`] computed for `x`.
    ///
    /// Summed neuron by neuron in increasing `n`, so the result is the same on every target.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn pull_back(
        &self,
        ctx: &[usize; OUT],
        x: &Prepared<IN>,
        mix: &[Mix; OUT],
        rp: &[f32; OUT],
        rs: &[f32; OUT],
        bias_p: &mut f32,
        bias_s: &mut f32,
    ) -> ([f32; IN], [f32; IN]) {
        let mut ap = [0.0f32; IN];
        let mut a_s = [0.0f32; IN];
        let neurons = ctx.iter().zip(mix).zip(rp.iter().zip(rs));
        for (((&c, m), (&rpn, &rsn)), (w, bias)) in neurons.zip(self.w.iter().zip(&self.bias)) {
            let c = c & C.wrapping_sub(1);
            let (Some(row), Some(&[b_neg, b_zero, b_pos])) = (w.get(c), bias.get(c)) else {
                continue;
            };
            let d = m.delta;
            for (((p, s), wj), lj) in ap.iter_mut().zip(a_s.iter_mut()).zip(row).zip(&x.prec) {
                let wj = wj - d * lj;
                *p += rpn * wj;
                *s += rsn * wj;
            }
            *bias_p += rpn * (((b_neg - d) + (b_zero - d)) + (b_pos - d));
            *bias_s += rsn * ((b_pos - d) - (b_neg - d));
        }
        (ap, a_s)
    }
}

impl<const IN: usize> Prepared<IN> {
    /// `(ap_j λ_j, a_j λ_j μ_j)`: the contributions of these inputs to a precision and a
    /// precision-weighted mean whose weights [`GaussLayer::pull_back`] returned.
    pub(crate) fn weigh(&self, ap: &[f32; IN], a_s: &[f32; IN]) -> ([f32; IN], [f32; IN]) {
        let mut p = [0.0f32; IN];
        let mut s = [0.0f32; IN];
        for ((((pj, sj), apj), asj), (lj, lmj)) in p
            .iter_mut()
            .zip(s.iter_mut())
            .zip(ap)
            .zip(a_s)
            .zip(self.prec.iter().zip(&self.pmean))
        {
            *pj = apj * lj;
            *sj = asj * lmj;
        }
        (p, s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bounds() -> Bounds {
        Bounds::new(1e-3, 100.0, 1000.0, 1000.0)
    }

    /// NLL of `y` under the row's *unprojected* mixture, in f64.
    fn nll64<const IN: usize>(
        row: &[f32; IN],
        bias: &[f32; 3],
        mean: &[f32; IN],
        var: &[f32; IN],
        y: f64,
    ) -> f64 {
        let mut prec = 0.0f64;
        let mut sum = 0.0f64;
        for j in 0..IN {
            prec += row[j] as f64 / var[j] as f64;
            sum += row[j] as f64 * mean[j] as f64 / var[j] as f64;
        }
        for (k, m) in [-1.0f64, 0.0, 1.0].iter().enumerate() {
            prec += bias[k] as f64;
            sum += bias[k] as f64 * m;
        }
        let mu = sum / prec;
        let v = 1.0 / prec;
        0.5 * (2.0 * core::f64::consts::PI * v).ln() + (y - mu).powi(2) / (2.0 * v)
    }

    #[test]
    fn update_is_a_gradient_step_on_the_nll() {
        let b = bounds();
        let mean = [0.7f32, -1.3, 0.2, 2.1];
        let var = [0.5f32, 1.5, 0.8, 2.0];
        let x = Prepared::new(&mean, &var, &b);
        let row0 = [0.3f32, 0.1, 0.25, 0.2];
        let bias0 = [0.05f32, 0.1, 0.02];
        for &y in &[0.4f32, -2.0, 3.5] {
            let mut l: GaussLayer<4, 1, 2> = GaussLayer::new();
            l.set_row(0, 1, row0, bias0);
            let mut m = [Mix {
                mean: 0.0,
                var: 0.0,
                delta: 0.0,
            }];
            l.forward(&[1], &x, &b, &mut m);
            assert_eq!(m[0].delta, 0.0, "inside the bounds: no projection");
            let eta = 1e-3f32;
            l.update(&[1], &x, &m, y, eta, false, &b);
            let (row1, bias1) = l.row(0, 1);
            let h = 1e-3f32;
            for j in 0..4 {
                let (mut wp, mut wm) = (row0, row0);
                wp[j] += h;
                wm[j] -= h;
                let grad = (nll64(&wp, &bias0, &mean, &var, y as f64)
                    - nll64(&wm, &bias0, &mean, &var, y as f64))
                    / (2.0 * h as f64);
                let step = (row0[j] - row1[j]) as f64 / eta as f64;
                assert!(
                    (step - grad).abs() < 2e-3 * (1.0 + grad.abs()),
                    "y {y} w{j}: step/eta {step} vs finite difference {grad}"
                );
            }
            for k in 0..3 {
                let (mut bp, mut bm) = (bias0, bias0);
                bp[k] += h;
                bm[k] -= h;
                let grad = (nll64(&row0, &bp, &mean, &var, y as f64)
                    - nll64(&row0, &bm, &mean, &var, y as f64))
                    / (2.0 * h as f64);
                let step = (bias0[k] - bias1[k]) as f64 / eta as f64;
                assert!(
                    (step - grad).abs() < 2e-3 * (1.0 + grad.abs()),
                    "y {y} bias{k}: {step} vs {grad}"
                );
            }
            // The other row did not move.
            assert_eq!(l.row(0, 0), GaussLayer::<4, 1, 2>::new().row(0, 0));
        }
    }

    #[test]
    fn normalized_steps_follow_the_gradient_and_cap_the_precision_change() {
        let b = bounds();
        let mean = [0.7f32, -1.3, 0.2, 2.1];
        let var = [0.01f32, 0.02, 0.5, 0.01];
        let x = Prepared::new(&mean, &var, &b);
        let row0 = [0.3f32, 0.1, 0.25, 0.2];
        let bias0 = [0.05f32, 0.1, 0.02];
        for &y in &[0.3f32, 5.0, -40.0] {
            let run = |normalized: bool, eta: f32| {
                let mut l: GaussLayer<4, 1, 1> = GaussLayer::new();
                l.set_row(0, 0, row0, bias0);
                let mut m = [Mix {
                    mean: 0.0,
                    var: 0.0,
                    delta: 0.0,
                }];
                l.forward(&[0], &x, &b, &mut m);
                l.update(&[0], &x, &m, y, eta, normalized, &b);
                let (r, bi) = l.row(0, 0);
                let step: [f64; 7] = core::array::from_fn(|j| {
                    if j < 4 {
                        (row0[j] - r[j]) as f64
                    } else {
                        (bias0[j - 4] - bi[j - 4]) as f64
                    }
                });
                let prec = |w: &[f32; 4], bw: &[f32; 3]| -> f64 {
                    (0..4).map(|j| w[j] as f64 / var[j] as f64).sum::<f64>()
                        + bw.iter().map(|v| *v as f64).sum::<f64>()
                };
                (step, prec(&row0, &bias0), prec(&r, &bi))
            };
            // The normalised step points along the gradient (finite differences, f64).
            let (norm, p0, p1) = run(true, 0.5);
            let h = 1e-3f32;
            let grad: [f64; 7] = core::array::from_fn(|j| {
                let (mut wp, mut wm, mut bp, mut bm) = (row0, row0, bias0, bias0);
                if j < 4 {
                    wp[j] += h;
                    wm[j] -= h;
                } else {
                    bp[j - 4] += h;
                    bm[j - 4] -= h;
                }
                (nll64(&wp, &bp, &mean, &var, y as f64) - nll64(&wm, &bm, &mean, &var, y as f64))
                    / (2.0 * h as f64)
            });
            let big = |v: &[f64; 7]| v.iter().fold(0.0f64, |m, x| m.max(x.abs()));
            let k = big(&norm) / big(&grad);
            assert!(k > 0.0 && k <= 0.5, "{k}");
            for j in 0..7 {
                assert!(
                    (norm[j] - k * grad[j]).abs() < 2e-3 * big(&norm),
                    "y {y} weight {j}: {} vs {}",
                    norm[j],
                    k * grad[j]
                );
            }
            assert!((p1 - p0).abs() <= 0.5 * p0 * (1.0 + 1e-4), "{p0} -> {p1}");
        }
    }

    #[test]
    fn mixing_is_the_precision_weighted_product() {
        let b = bounds();
        let mean = [1.0f32, 3.0];
        let var = [1.0f32, 0.25];
        let x = Prepared::new(&mean, &var, &b);
        // Weights 1 on the inputs, 0 on the biases: the product of N(1, 1) and N(3, 0.25).
        let m = mix(&[1.0, 1.0], &[0.0; 3], &x, &b);
        assert!((m.var - 0.2).abs() < 1e-6, "{m:?}");
        assert!((m.mean - (1.0 + 12.0) / 5.0).abs() < 1e-6, "{m:?}");
        assert_eq!(m.delta, 0.0);
        // The biases alone: weights (0, 1, 0) give N(0, 1); (0, 0, 2) gives N(1, 0.5).
        let m = mix(&[0.0, 0.0], &[0.0, 1.0, 0.0], &x, &b);
        assert_eq!((m.mean, m.var), (0.0, 1.0));
        let m = mix(&[0.0, 0.0], &[0.0, 0.0, 2.0], &x, &b);
        assert_eq!((m.mean, m.var), (1.0, 0.5));
    }

    #[test]
    fn projection_moves_the_precision_to_the_bound_along_lambda() {
        let b = bounds();
        let mean = [0.5f32, -2.0, 1.0];
        let var = [0.5f32, 2.0, 1.0];
        let x = Prepared::new(&mean, &var, &b);
        for (row, bias) in [
            ([-3.0f32, 0.5, -1.0], [0.1f32, -2.0, 0.3]), // negative precision
            ([400.0, 300.0, 200.0], [10.0, 10.0, 10.0]), // precision above 1/var_min
        ] {
            let m = mix(&row, &bias, &x, &b);
            assert_ne!(m.delta, 0.0);
            assert!(m.var >= b.var_min && m.var <= b.var_max, "{m:?}");
            // Materialise the projected row and mix it without projection, in f64.
            let lam: [f64; 3] = core::array::from_fn(|j| 1.0 / var[j] as f64);
            let d = m.delta as f64;
            let (mut prec, mut sum) = (0.0f64, 0.0f64);
            for j in 0..3 {
                let w = row[j] as f64 - d * lam[j];
                prec += w * lam[j];
                sum += w * lam[j] * mean[j] as f64;
            }
            for (k, mu) in [-1.0f64, 0.0, 1.0].iter().enumerate() {
                let w = bias[k] as f64 - d;
                prec += w;
                sum += w * mu;
            }
            let bound = if prec < 1.0 { b.prec_min } else { b.prec_max } as f64;
            assert!((prec - bound).abs() < 1e-4 * bound, "{prec} vs {bound}");
            let mu = sum / prec;
            assert!(
                (mu - m.mean as f64).abs() < 1e-3 * (1.0 + mu.abs()),
                "{mu} vs {m:?}"
            );
        }
    }

    #[test]
    fn inputs_are_clipped() {
        let b = bounds();
        let x = Prepared::new(&[5e3, -2.0], &[0.0, 1e9], &b);
        assert_eq!(x.mean, [1000.0, -2.0]);
        assert_eq!(x.prec, [1.0 / 1e-3, 1.0 / 100.0]);
        assert_eq!(x.pmean[0], 1000.0 / 1e-3);
    }

    #[test]
    fn saturated_neurons_are_not_updated_and_weights_stay_boxed() {
        let b = Bounds::new(1e-3, 100.0, 2.0, 10.0);
        let x = Prepared::new(&[9.0, 9.5], &[1.0, 1.0], &b);
        let mut l: GaussLayer<2, 1, 1> = GaussLayer::new();
        let before = l;
        let sat = [Mix {
            mean: 10.5,
            var: 1.0,
            delta: 0.0,
        }];
        l.update(&[0], &x, &sat, 0.0, 0.1, false, &b);
        assert_eq!(l, before);
        for t in 0..200 {
            let mut m = [Mix {
                mean: 0.0,
                var: 0.0,
                delta: 0.0,
            }];
            l.forward(&[0], &x, &b, &mut m);
            let y = if t % 2 == 0 { 9.9 } else { -9.9 };
            l.update(&[0], &x, &m, y, 0.5, t % 3 == 0, &b);
            l.for_each_weight(&mut |w| assert!(abs(w) <= 2.0, "{w}"));
        }
    }
}
