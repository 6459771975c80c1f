//! The one math path.
//!
//! Every transcendental function the crate uses goes through this module, and this module goes
//! through [`libm`]. The platform's `f32::exp`/`f32::ln` differ from libm in the last bit on a
//! few percent of inputs, which would break the promise that a host `std` build, a `no_std`
//! build and every board compute the same bits. Basic arithmetic (`+ - * /`, `sqrt`) is
//! correctly rounded IEEE 754 on every target, and Rust never fuses `a * b + c` into an FMA on
//! its own, so the order of operations written here is the order executed everywhere.
//!
//! Dot products use a fixed number of partial sums ([`LANES`]) combined in a fixed order: the
//! result is the same on every target, and the compiler can still vectorise the loop.

/// `e^x` (libm `expf`).
///
/// micromath's approximate `exp` was tried here as an opt-in fast path and dropped: the same
/// MNIST accuracy, but more instructions per `learn` on the Cortex-M4F (+7%) and M0 (+6%)
/// and no gain on x86-64 (see `docs/design.md`).
#[inline]
pub fn exp(x: f32) -> f32 {
    libm::expf(x)
}

/// Natural logarithm (libm `logf`).
#[inline]
pub fn ln(x: f32) -> f32 {
    libm::logf(x)
}

/// Square root, correctly rounded (IEEE 754 requires it), so every implementation gives the
/// same bits: libm `sqrtf` without `std`; with `std`, the compiler's own `sqrt`, which is the
/// hardware instruction and, unlike the libm call, vectorises (4 roots per `sqrtps` on
/// x86-64: the standardiser's transform is one such loop).
#[inline]
pub fn sqrt(x: f32) -> f32 {
    #[cfg(any(test, feature = "std"))]
    return x.sqrt();
    #[cfg(not(any(test, feature = "std")))]
    libm::sqrtf(x)
}

/// The logistic function `1 / (1 + e^-x)`: exactly 0 or 1 far out (and at `∓∞`); NaN for
/// NaN.
#[inline]
pub fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + exp(-x))
}

/// The inverse of [`sigmoid`]: `ln(p / (1 - p))`. Infinite at 0 and 1; NaN outside `[0, 1]`.
#[inline]
pub fn logit(p: f32) -> f32 {
    ln(p / (1.0 - p))
}

/// `x` limited to `[lo, hi]`, written with comparisons so that it is the same on every target
/// and compiles to `minps`/`maxps` on x86. A NaN `x` passes through (callers never give one).
#[inline(always)]
pub(crate) fn clamp(x: f32, lo: f32, hi: f32) -> f32 {
    let x = if x < lo { lo } else { x };
    if x > hi { hi } else { x }
}

/// `|x|` without a call (`f32::abs` is not in `core` on every supported toolchain).
#[inline(always)]
pub(crate) fn abs(x: f32) -> f32 {
    f32::from_bits(x.to_bits() & 0x7fff_ffff)
}

#[doc(hidden)] // an implementation detail of `dot` (documented there)
/// Number of partial sums in [`dot`].
pub const LANES: usize = 16;

/// Dot product over the common length `n` of `a` and `b` (`-0.0` for empty slices; NaN or
/// infinite values propagate as IEEE 754 says).
///
/// With `p_i = a_i b_i`: if `n < LANES`, the plain sum `((p_0 + p_1) + p_2) + ...` in index
/// order. Otherwise partial sum `k` (for `k < LANES`) is `p_k + p_{k + LANES} + ...` in index
/// order; the partial sums are then combined by halving: `s_k += s_{k+8}` for `k < 8`, then
/// `s_k += s_{k+4}` for `k < 4`, then `s_k += s_{k+2}` for `k < 2`, then `s_0 + s_1` (the tree
/// a SIMD unit computes naturally).
///
/// Every sum starts from `-0.0`, the exact additive identity of IEEE 754 (`-0.0 + x == x` for
/// every `x`, a `-0.0` included), so it is the same as starting from the first product, and
/// the compiler may drop that first addition; starting from `+0.0` would turn a `-0.0` sum into
/// `+0.0`, an addition it must keep (one instruction per lane on a Cortex-M4F).
///
/// That order is part of the crate's bit-exact contract: change it and every golden
/// fingerprint changes.
#[inline]
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    // Cortex-M with an FPU: the same operations with load-multiple instructions.
    if let Some(s) = crate::kernels::dot(a, b) {
        return s;
    }
    dot_portable(a, b)
}

/// [`dot`]'s halving tree over its partial sums.
#[inline(always)]
fn halve(mut s: [f32; LANES]) -> f32 {
    let mut half = LANES / 2;
    while half > 0 {
        let (lo, hi) = s.split_at_mut(half);
        for (l, h) in lo.iter_mut().zip(hi.iter()) {
            *l += *h;
        }
        half /= 2;
    }
    let [s0, ..] = s;
    s0
}

/// Index of the largest value (the first on ties; 0 for an empty slice). NaN never wins.
pub fn argmax(p: &[f32]) -> usize {
    let mut best = 0;
    let mut best_v = f32::NEG_INFINITY;
    for (i, &v) in p.iter().enumerate() {
        if v > best_v {
            best = i;
            best_v = v;
        }
    }
    best
}

/// [`dot`] written in Rust, on every target (what the Cortex-M kernel is checked against).
#[inline]
pub(crate) fn dot_portable(a: &[f32], b: &[f32]) -> f32 {
    let n = a.len().min(b.len());
    let (a, b) = (a.split_at(n).0, b.split_at(n).0);
    if n < LANES {
        return a.iter().zip(b).fold(-0.0, |s, (x, y)| s + x * y);
    }
    let (ca, ra) = a.as_chunks::<LANES>();
    let (cb, rb) = b.as_chunks::<LANES>();
    let mut s = [-0.0f32; LANES];
    for (x, y) in ca.iter().zip(cb) {
        for ((si, xi), yi) in s.iter_mut().zip(x).zip(y) {
            *si += xi * yi;
        }
    }
    for ((si, xi), yi) in s.iter_mut().zip(ra).zip(rb) {
        *si += xi * yi;
    }
    halve(s)
}

/// [`dot_portable`] of `a0` and of `a1` with the same `b`, side by side: each result bit for
/// bit [`dot`]'s, with twice the independent sums in flight (and `b` loaded once for both).
#[inline]
pub(crate) fn dot2_portable(a0: &[f32], a1: &[f32], b: &[f32]) -> (f32, f32) {
    let n = a0.len().min(a1.len()).min(b.len());
    if n < LANES {
        return (dot_portable(a0, b), dot_portable(a1, b));
    }
    let (a0, a1, b) = (a0.split_at(n).0, a1.split_at(n).0, b.split_at(n).0);
    let (c0, r0) = a0.as_chunks::<LANES>();
    let (c1, r1) = a1.as_chunks::<LANES>();
    let (cb, rb) = b.as_chunks::<LANES>();
    let (mut s0, mut s1) = ([-0.0f32; LANES], [-0.0f32; LANES]);
    for ((x0, x1), y) in c0.iter().zip(c1).zip(cb) {
        mac(&mut s0, x0, y);
        mac(&mut s1, x1, y);
    }
    mac(&mut s0, r0, rb);
    mac(&mut s1, r1, rb);
    (halve(s0), halve(s1))
}

/// `s_k += x_k y_k` over the common length.
#[inline(always)]
fn mac(s: &mut [f32; LANES], x: &[f32], y: &[f32]) {
    for ((si, xi), yi) in s.iter_mut().zip(x).zip(y) {
        *si += xi * yi;
    }
}

/// Square root usable in a `const fn` (Newton's method from an exponent-halving guess).
///
/// Used only to normalise hyperplanes at construction; exact to within an ulp or two, and
/// deterministic (the same bits at compile time and at run time, on every target).
// Construction only; `bits >> 1` is at most 0x3FFF_FFFF, so adding 127 << 22 cannot overflow,
// and the loop counter is bounded by its condition.
#[allow(clippy::arithmetic_side_effects)]
pub(crate) const fn sqrt_const(x: f32) -> f32 {
    if !(x > 0.0) || x == f32::INFINITY {
        return if x == 0.0 || x == f32::INFINITY {
            x
        } else {
            0.0
        };
    }
    // Halve the exponent: a guess within a factor of two of the root.
    let bits = x.to_bits();
    let mut g = f32::from_bits((bits >> 1) + (127 << 22));
    let mut i = 0;
    while i < 8 {
        g = 0.5 * (g + x / g);
        i += 1;
    }
    g
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sigmoid_is_a_probability_everywhere() {
        // No NaN, monotone, saturating.
        let mut prev = 0.0f32;
        let mut x = -1e30f32;
        while x < 1e30 {
            let p = sigmoid(x);
            assert!((0.0..=1.0).contains(&p), "sigmoid({x}) = {p}");
            assert!(p >= prev, "not monotone at {x}");
            prev = p;
            x = if x.abs() < 1e-3 {
                x + 1e-4
            } else if x < 0.0 {
                x * 0.97
            } else {
                x * 1.03
            };
        }
        assert_eq!(sigmoid(f32::INFINITY), 1.0);
        assert_eq!(sigmoid(f32::NEG_INFINITY), 0.0);
        for x in [-8.0f32, -2.0, -0.5, 0.0, 0.5, 2.0, 8.0] {
            let want = 1.0 / (1.0 + (-x as f64).exp());
            assert!((sigmoid(x) as f64 - want).abs() < 2e-3, "{x}");
        }
    }

    #[test]
    fn sigmoid_and_logit_are_inverse() {
        let tol = 1e-6;
        for &p in &[0.01f32, 0.1, 0.3, 0.5, 0.77, 0.99] {
            let back = sigmoid(logit(p));
            assert!((back - p).abs() < tol, "{p} -> {back}");
        }
        assert_eq!(logit(0.0), f32::NEG_INFINITY);
        assert_eq!(logit(1.0), f32::INFINITY);
        assert!(logit(1.5).is_nan());
        assert_eq!(sigmoid(0.0), 0.5);
        assert_eq!(sigmoid(-200.0), 0.0);
        assert_eq!(sigmoid(200.0), 1.0);
    }

    #[test]
    fn dot_matches_the_documented_order() {
        let a: [f32; 19] = core::array::from_fn(|i| (i as f32 * 0.37).sin() * 3.0);
        let b: [f32; 19] = core::array::from_fn(|i| (i as f32 * 1.13).cos() + 0.1);
        let mut s: [f32; 16] = core::array::from_fn(|i| a[i] * b[i]);
        for i in 16..19 {
            s[i % 16] += a[i] * b[i];
        }
        let t: [f32; 8] = core::array::from_fn(|i| s[i] + s[i + 8]);
        let u: [f32; 4] = core::array::from_fn(|i| t[i] + t[i + 4]);
        let want = (u[0] + u[2]) + (u[1] + u[3]);
        assert_eq!(dot(&a, &b).to_bits(), want.to_bits());
        let naive: f64 = a.iter().zip(&b).map(|(x, y)| *x as f64 * *y as f64).sum();
        assert!((dot(&a, &b) as f64 - naive).abs() < 1e-5);
        assert_eq!(dot(&a[..3], &b), (a[0] * b[0] + a[1] * b[1]) + a[2] * b[2]);
        // Exactly one chunk: the tree over the products themselves.
        let p: [f32; 16] = core::array::from_fn(|i| a[i] * b[i]);
        let t: [f32; 8] = core::array::from_fn(|i| p[i] + p[i + 8]);
        let u: [f32; 4] = core::array::from_fn(|i| t[i] + t[i + 4]);
        let want16 = (u[0] + u[2]) + (u[1] + u[3]);
        assert_eq!(dot(&a[..16], &b[..16]).to_bits(), want16.to_bits());
        // Sums of negative zeros stay -0.0 (an addition of +0.0 would make them +0.0).
        assert_eq!(dot(&[-0.0; 20], &[1.0; 20]).to_bits(), (-0.0f32).to_bits());
        assert_eq!(dot(&[-0.0; 3], &[1.0; 3]).to_bits(), (-0.0f32).to_bits());
        assert_eq!(dot(&[], &[]).to_bits(), (-0.0f32).to_bits());
    }

    #[test]
    fn clamp_and_abs() {
        assert_eq!(clamp(3.0, -1.0, 2.0), 2.0);
        assert_eq!(clamp(-3.0, -1.0, 2.0), -1.0);
        assert_eq!(clamp(0.5, -1.0, 2.0), 0.5);
        assert_eq!(abs(-2.5), 2.5);
        assert_eq!(abs(2.5), 2.5);
        assert_eq!(abs(-0.0).to_bits(), 0.0f32.to_bits());
    }

    #[test]
    fn const_sqrt_is_close_to_libm() {
        let mut x = 1e-30f32;
        while x < 1e30 {
            let a = sqrt_const(x);
            let b = sqrt(x);
            assert!(((a - b) / b).abs() < 4.0 * f32::EPSILON, "{x}: {a} vs {b}");
            x *= 3.7;
        }
        assert_eq!(sqrt_const(0.0), 0.0);
        assert_eq!(sqrt_const(-1.0), 0.0);
        const C: f32 = sqrt_const(16.0);
        assert_eq!(C, 4.0);
    }

    #[test]
    fn argmax_takes_the_first_maximum_and_ignores_nan() {
        assert_eq!(argmax(&[0.1, 0.7, 0.7, 0.2]), 1);
        assert_eq!(argmax(&[f32::NAN, 0.2, 0.1]), 1);
        assert_eq!(argmax(&[]), 0);
    }
}
