//! The fixed-point formats of the integer GLN, the conversions into them, and the two lookup
//! tables (`squash`: logit to probability, `stretch`: probability to logit), built by
//! `const fn` at compile time.
//!
//! | value | type | scale | range |
//! |---|---|---|---|
//! | side information `z` | `i16` | 2^-[`SIDE_SHIFT`] (1/1024) | ±32 |
//! | hyperplane components | `i16` | 2^-[`PLANE_SHIFT`] (1/16384) | ±1 (unit vectors) |
//! | hyperplane offsets | `i32` | 2^-[`PLANE_SHIFT`] | ±1024 |
//! | logits (inputs, outputs) | `i16` in, `i32` out | 2^-[`LOGIT_SHIFT`] (1/4096) | ±8 in |
//! | weights | `i16` | 2^-[`WEIGHT_SHIFT`] (1/4096) | ±8 |
//! | probabilities | `u16` | 2^-[`PROB_SHIFT`] (1/65536) | `[0, 1)` |
//! | learning rate | `i32` | 2^-[`RATE_SHIFT`] | `[0, 64]` |
//! | error step `η (p − y)` | `i32` | 2^-[`PROB_SHIFT`] | ±(1 − 2^-16) |
//!
//! The tables are computed in `f64` by the compiler (the same bits for every target, since
//! it is done once, at compile time) and stored as integers; the learning path itself is
//! integer arithmetic only.

/// Fractional bits of the side information.
pub const SIDE_SHIFT: u32 = 10;
/// Fractional bits of the hyperplane components and offsets.
pub const PLANE_SHIFT: u32 = 14;
/// Fractional bits of a logit.
pub const LOGIT_SHIFT: u32 = 12;
/// Fractional bits of a weight.
pub const WEIGHT_SHIFT: u32 = 12;
/// Fractional bits of a probability.
pub const PROB_SHIFT: u32 = 16;
/// Fractional bits of the learning rate.
pub const RATE_SHIFT: u32 = 24;
/// The logit 1 (the bias input) in fixed point.
pub const LOGIT_ONE: i32 = 1 << LOGIT_SHIFT;
/// The probability 1 in fixed point (not a `u16`: probabilities are below it).
pub const PROB_ONE: i32 = 1 << PROB_SHIFT;

/// Steps of the squash table: one entry per 1/32 of logit over `[-8, 8]`.
pub(crate) const SQUASH_ENTRIES: usize = 513;
/// Logit fractional bits between two squash entries (4096 / 32 = 128 = 2^7).
const SQUASH_STEP_SHIFT: u32 = 7;
/// Entries of the stretch table: the lower half of 4096 probability buckets (the upper half
/// by symmetry, `stretch(1 − p) = −stretch(p)`).
pub(crate) const STRETCH_ENTRIES: usize = 2048;

/// `x` rounded to the nearest integer (halves away from zero) and saturated to
/// `[-lim, lim]` (`0 ≤ lim < 2^31 − 128`); NaN gives 0. Exact and the same on every target:
/// the truncation of an `f32` below `lim` is exact, and so is the fraction `x − t` (above
/// 2^23 every `f32` is an integer).
pub(crate) const fn round_sat(x: f32, lim: i32) -> i32 {
    if x.is_nan() {
        return 0;
    }
    if !(x < lim as f32) {
        return lim;
    }
    if !(x > -(lim as f32)) {
        return lim.wrapping_neg();
    }
    let t = x as i32;
    let f = x - t as f32;
    if f >= 0.5 {
        t.saturating_add(1)
    } else if f <= -0.5 {
        t.saturating_sub(1)
    } else {
        t
    }
}

/// `v` limited to `[-bound, bound]` (`bound ≥ 0`; no panic path, unlike `i32::clamp`).
#[inline(always)]
pub(crate) fn clamp_sym(v: i32, bound: i32) -> i32 {
    let lo = bound.wrapping_neg();
    if v < lo {
        lo
    } else if v > bound {
        bound
    } else {
        v
    }
}

/// `x · 2^shift`, rounded and saturated to the `i16` range `±32767`. The multiplication by a
/// power of two is exact (or overflows to infinity, which saturates).
pub const fn to_fixed(x: f32, shift: u32) -> i16 {
    let scale = (1u32 << shift) as f32;
    round_sat(x * scale, i16::MAX as i32) as i16
}

/// `e^x` for `|x| ≤ 32`, in `f64`, for the tables: the Taylor series of `e^(x/1024)` (to
/// 1e-17), squared ten times.
// Compile-time table building only.
#[allow(clippy::arithmetic_side_effects)]
const fn exp_f64(x: f64) -> f64 {
    let y = x / 1024.0;
    let (mut term, mut sum, mut k) = (1.0f64, 1.0f64, 1);
    while k < 12 {
        term = term * y / k as f64;
        sum += term;
        k += 1;
    }
    let mut i = 0;
    while i < 10 {
        sum *= sum;
        i += 1;
    }
    sum
}

/// `ln x` for a positive normal `x`, in `f64`, for the tables: `x = m 2^e` with `m` in
/// `[1, 2)`, `ln m = 2 atanh((m − 1)/(m + 1))` by its series.
#[allow(clippy::arithmetic_side_effects)]
pub(crate) const fn ln_f64(x: f64) -> f64 {
    let bits = x.to_bits();
    let e = ((bits >> 52) & 0x7ff) as i64 - 1023;
    let m = f64::from_bits((bits & 0x000f_ffff_ffff_ffff) | (1023u64 << 52));
    let t = (m - 1.0) / (m + 1.0);
    let t2 = t * t;
    let (mut term, mut sum, mut k) = (t, 0.0f64, 0);
    while k < 40 {
        sum += term / (2 * k + 1) as f64;
        term *= t2;
        k += 1;
    }
    2.0 * sum + e as f64 * core::f64::consts::LN_2
}

/// `x` rounded to the nearest integer (halves away from zero), for the tables.
#[allow(clippy::arithmetic_side_effects)]
const fn round_f64(x: f64) -> i64 {
    if x >= 0.0 {
        (x + 0.5) as i64
    } else {
        -((-x + 0.5) as i64)
    }
}

/// `SQUASH[i] = round(65536 σ(i/32 − 8))`, `i` in `0..=512`.
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
const fn squash_table() -> [u16; SQUASH_ENTRIES] {
    let mut t = [0u16; SQUASH_ENTRIES];
    let mut i = 0;
    while i < SQUASH_ENTRIES {
        let x = i as f64 / 32.0 - 8.0;
        t[i] = round_f64(65536.0 / (1.0 + exp_f64(-x))) as u16;
        i += 1;
    }
    t
}

/// `STRETCH[i] = round(4096 logit((i + 1/2) / 4096))` saturated to `±32767`, `i` in
/// `0..2048` (the probabilities below 1/2).
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
const fn stretch_table() -> [i16; STRETCH_ENTRIES] {
    let mut t = [0i16; STRETCH_ENTRIES];
    let mut i = 0;
    while i < STRETCH_ENTRIES {
        let p = (i as f64 + 0.5) / 4096.0;
        let v = round_f64(4096.0 * ln_f64(p / (1.0 - p)));
        t[i] = if v < -32767 { -32767 } else { v as i16 };
        i += 1;
    }
    t
}

/// The squash table (1026 bytes of flash).
pub(crate) static SQUASH: [u16; SQUASH_ENTRIES] = squash_table();
/// The stretch table (4096 bytes of flash; linked only where probabilities are stretched).
pub(crate) static STRETCH: [i16; STRETCH_ENTRIES] = stretch_table();

/// `σ(s)` in Q16 for a logit `s` in Q12: linear interpolation between the two squash entries
/// around `s` (within 1.6 units of 2^-16 of `σ`: 0.5 from the rounded entries, 0.8 from the interpolation), `s` first saturated to the
/// table's `[-8, 8)`. Monotone in `s`.
#[inline(always)]
pub fn squash(s: i32) -> i32 {
    // s + 32768 in [0, 65535]: index 0..=511, fraction 7 bits.
    let u = s.clamp(-32768, 32767).wrapping_add(32768) as u32;
    let i = (u >> SQUASH_STEP_SHIFT) as usize;
    let f = (u & ((1 << SQUASH_STEP_SHIFT) - 1)) as i32;
    let (Some(&a), Some(&b)) = (SQUASH.get(i), SQUASH.get(i.wrapping_add(1))) else {
        return 0; // unreachable: i ≤ 511 < 512
    };
    let (a, b) = (i32::from(a), i32::from(b));
    // |b − a| ≤ 512 and f < 128: no overflow.
    a.wrapping_add((b.wrapping_sub(a).wrapping_mul(f).wrapping_add(64)) >> SQUASH_STEP_SHIFT)
}

/// `logit(p)` in Q12 for a probability `p` in Q16 (saturated to `±32767`): the table entry
/// of `p`'s 1/4096 bucket, by symmetry for `p ≥ 1/2`.
#[inline]
pub(crate) fn stretch(p: u16) -> i16 {
    let i = usize::from(p >> 4);
    if i < STRETCH_ENTRIES {
        STRETCH.get(i).copied().unwrap_or(0)
    } else {
        let j = 4095usize.wrapping_sub(i);
        STRETCH.get(j).map_or(0, |v| v.wrapping_neg())
    }
}

/// Dot product of two `i16` vectors (over their common length), exact in `i64`: every
/// product fits an `i32` (`|a b| ≤ 2^30`) and any realistic number of them fits the `i64`
/// sum, so the result does not depend on the order or the target.
#[inline(always)]
pub(crate) fn dot_i16(a: &[i16], b: &[i16]) -> i64 {
    let mut acc = 0i64;
    for (x, y) in a.iter().zip(b) {
        acc = acc.wrapping_add(i64::from(i32::from(*x).wrapping_mul(i32::from(*y))));
    }
    acc
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::math::{logit, sigmoid};

    #[test]
    fn squash_is_within_one_unit_of_sigmoid_and_monotone() {
        let mut prev = 0;
        let mut worst = 0.0f64;
        for s in -32768..=32767 {
            let p = squash(s);
            assert!(p >= prev, "monotone at {s}");
            prev = p;
            let want = 65536.0 / (1.0 + (-(s as f64) / 4096.0).exp());
            worst = worst.max((p as f64 - want).abs());
        }
        assert!(worst <= 1.6, "worst error {worst} units of 2^-16");
        assert_eq!(squash(0), 32768);
        assert_eq!(squash(i32::MIN), squash(-32768));
        assert_eq!(squash(i32::MAX), squash(32767));
        assert!(squash(32767) < 65536);
    }

    #[test]
    fn the_tables_match_libm() {
        for (i, &v) in SQUASH.iter().enumerate() {
            let want = 65536.0 * sigmoid(i as f32 / 32.0 - 8.0);
            assert!((v as f32 - want).abs() <= 1.0, "squash {i}: {v} vs {want}");
        }
        for (i, &v) in STRETCH.iter().enumerate() {
            let want = (4096.0 * logit((i as f32 + 0.5) / 4096.0)).max(-32767.0);
            assert!((v as f32 - want).abs() <= 2.0, "stretch {i}: {v} vs {want}");
        }
        assert_eq!(stretch(32768), -stretch(32767));
        assert_eq!(stretch(0), -32767);
        assert_eq!(stretch(65535), 32767);
        let p = stretch(16384); // logit(1/4) = −1.0986
        assert!((p as f32 / 4096.0 + 1.0986).abs() < 2e-3, "{p}");
    }

    #[test]
    fn rounding_and_saturation() {
        assert_eq!(round_sat(2.5, 100), 3);
        assert_eq!(round_sat(-2.5, 100), -3);
        assert_eq!(round_sat(2.49, 100), 2);
        assert_eq!(round_sat(-0.4, 100), 0);
        assert_eq!(round_sat(f32::NAN, 100), 0);
        assert_eq!(round_sat(f32::INFINITY, 100), 100);
        assert_eq!(round_sat(f32::NEG_INFINITY, 100), -100);
        assert_eq!(round_sat(1e30, 1 << 24), 1 << 24);
        assert_eq!(to_fixed(1.0, 12), 4096);
        assert_eq!(to_fixed(-100.0, 12), -32767);
        assert_eq!(to_fixed(f32::MIN_POSITIVE, 12), 0);
    }

    #[test]
    fn dot_is_exact() {
        let a = [i16::MAX; 64];
        let b = [i16::MIN + 1; 64];
        assert_eq!(dot_i16(&a, &b), -64 * 32767i64 * 32767);
        assert_eq!(dot_i16(&[3, -2], &[5, 7, 9]), 1);
    }
}
