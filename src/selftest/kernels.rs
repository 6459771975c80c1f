//! The Cortex-M FPU kernels against the portable code they replace, case by case.
//!
//! On a build that has the kernels ([`ACTIVE`]: `target_arch = "arm"`, no OS, the `eabihf`
//! ABI, i.e. Cortex-M4F, M7, M33 ...), [`run`] feeds each kernel and the portable Rust code on
//! the same core the same inputs and counts the results that differ in any bit: dot products
//! of 16 to 80 values, weight updates of 8 to 64, and the context indices of eight gating
//! shapes (blocks of 16, 8 and 4 comparisons, one to seven side-information values, with
//! and without a portable tail). The inputs are drawn from a fixed seed and include the values
//! that tell implementations apart: `±0.0` and subnormals in every case; in a quarter of the
//! cases values near `f32::MAX` whose sums overflow, in another quarter infinities and NaNs
//! (two NaNs count as equal: their payloads are not part of the contract, and no NaN reaches
//! a model); half the cases stay finite, so a wrong product or order shows. The parity scenarios check the same kernels on
//! a model's real data; this checks the corners.
//!
//! Elsewhere there is no kernel to check: [`run`] returns a report with no cases.
//!
//! ```
//! let report = gln::selftest::kernels::run();
//! assert!(report.passed(), "{report}");
//! assert_eq!(report.cases > 0, gln::selftest::kernels::ACTIVE);
//! ```

use core::fmt;

/// Whether this build uses the Cortex-M FPU kernels (and [`run`] checks them).
pub const ACTIVE: bool = cfg!(all(
    target_arch = "arm",
    target_os = "none",
    target_abi = "eabihf"
));

/// What [`run`] compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Report {
    /// Cases compared (0 on a build without kernels).
    pub cases: u32,
    /// Cases whose results differ.
    pub mismatches: u32,
    /// The first case that differed: the kernel's name and the case's number.
    pub first: Option<(&'static str, u32)>,
}

impl Report {
    /// No case differed.
    pub fn passed(&self) -> bool {
        self.mismatches == 0
    }

    #[cfg_attr(
        not(any(
            test,
            all(target_arch = "arm", target_os = "none", target_abi = "eabihf")
        )),
        allow(dead_code)
    )]
    /// Counts one case of `kernel`, which differed unless `same`.
    fn count(&mut self, kernel: &'static str, same: bool) {
        if !same {
            self.mismatches = self.mismatches.saturating_add(1);
            if self.first.is_none() {
                self.first = Some((kernel, self.cases));
            }
        }
        self.cases = self.cases.saturating_add(1);
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !ACTIVE {
            return write!(f, "kernels: none in this build (portable code only)");
        }
        write!(
            f,
            "kernels {} cases, {} mismatches",
            self.cases, self.mismatches
        )?;
        match self.first {
            Some((kernel, case)) => write!(f, " (first: {kernel}, case {case}): FAIL"),
            None => write!(f, ": OK"),
        }
    }
}

/// The same `f32`: equal bits, or both NaN.
#[cfg_attr(
    not(any(
        test,
        all(target_arch = "arm", target_os = "none", target_abi = "eabihf")
    )),
    allow(dead_code)
)]
pub(crate) fn same(a: f32, b: f32) -> bool {
    a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
}

#[doc(hidden)] // a fixture of the scenario, public for the board crates
/// Seed of the inputs [`run`] draws.
pub const SEED: u64 = 0x006b_6572_6e65_6c73;

#[doc(hidden)] // a fixture of the scenario, public for the board crates
/// Cases per kernel and shape.
pub const CASES: u32 = 64;

/// Compares every kernel with its portable code on [`CASES`] inputs per length or shape (a
/// few hundred thousand instructions on a Cortex-M4F).
pub fn run() -> Report {
    #[allow(unused_mut)] // only filled in on a build with kernels
    let mut report = Report {
        cases: 0,
        mismatches: 0,
        first: None,
    };
    #[cfg(all(target_arch = "arm", target_os = "none", target_abi = "eabihf"))]
    on_target::run(&mut report);
    report
}

/// How far from ordinary the values of a case go. A case mixes ordinary values with its level's
/// specials; cases cycle through [`LEVELS`], so half of them are finite and ordinary enough
/// that a wrong product or a wrong order shows in the result (with a NaN in most long
/// vectors, as a flat mix would give, nearly every case would compare NaN with NaN).
#[cfg_attr(
    not(any(
        test,
        all(target_arch = "arm", target_os = "none", target_abi = "eabihf")
    )),
    allow(dead_code)
)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Level {
    /// Ordinary magnitudes over 20 binary orders, with `±0` and subnormals.
    Ordinary,
    /// Also values near `f32::MAX`: sums overflow to infinity, and infinities of both signs
    /// meet (NaN).
    Extreme,
    /// Also infinities and NaN as inputs.
    NonFinite,
}

/// The levels of successive cases.
#[cfg_attr(
    not(any(
        test,
        all(target_arch = "arm", target_os = "none", target_abi = "eabihf")
    )),
    allow(dead_code)
)]
pub(crate) const LEVELS: [Level; 4] = [
    Level::Ordinary,
    Level::Ordinary,
    Level::Extreme,
    Level::NonFinite,
];

/// A value for a case of level `level`.
#[cfg_attr(
    not(any(
        test,
        all(target_arch = "arm", target_os = "none", target_abi = "eabihf")
    )),
    allow(dead_code)
)]
pub(crate) fn value(rng: &mut crate::rng::SplitMix64, level: Level) -> f32 {
    let r = rng.next_u64();
    let sign = if r & 1 == 0 { 1.0f32 } else { -1.0 };
    match ((r >> 1) % 64, level) {
        (0, _) => 0.0,
        (1, _) => -0.0,
        // Subnormal: a random 23-bit mantissa.
        (2 | 3, _) => sign * f32::from_bits(((r >> 8) as u32) & 0x007f_ffff),
        (4..=6, Level::Extreme | Level::NonFinite) => {
            sign * f32::MAX * (0.5 + 0.5 * rng.next_f32())
        }
        (7, Level::NonFinite) => sign * f32::INFINITY,
        (8, Level::NonFinite) => f32::NAN,
        _ => {
            // 2^e for e in [-10, 9], times a normal draw: biased exponent 117..=136.
            let biased = 117u32.wrapping_add(((r >> 8) % 20) as u32);
            let scale = f32::from_bits(biased << 23);
            rng.next_normal() * scale
        }
    }
}

#[cfg(all(target_arch = "arm", target_os = "none", target_abi = "eabihf"))]
mod on_target {
    use super::{CASES, LEVELS, Report, SEED, same, value};
    use crate::net::gates::Gates;
    use crate::rng::SplitMix64;

    const MAX: usize = 80;

    pub(super) fn run(report: &mut Report) {
        let mut rng = SplitMix64::new(SEED);
        // Dot products: the kernel takes multiples of 16 (others fall back to the portable
        // code inside `math::dot`, so 17 and 40 check the dispatch too).
        for n in [16usize, 32, 48, 64, 80, 17, 40] {
            for level in LEVELS.iter().cycle().take(CASES as usize) {
                let a: [f32; MAX] = core::array::from_fn(|_| value(&mut rng, *level));
                let b: [f32; MAX] = core::array::from_fn(|_| value(&mut rng, *level));
                let (a, b) = (a.get(..n).unwrap_or(&[]), b.get(..n).unwrap_or(&[]));
                let k = crate::math::dot(a, b);
                let p = crate::math::dot_portable(a, b);
                report.count("dot", same(k, p));
            }
        }
        // Weight updates: multiples of 8 (12 falls back).
        for n in [8usize, 16, 24, 32, 48, 64, 12] {
            for level in LEVELS.iter().cycle().take(CASES as usize) {
                let w: [f32; MAX] = core::array::from_fn(|_| value(&mut rng, *level));
                let x: [f32; MAX] = core::array::from_fn(|_| value(&mut rng, *level));
                let g = value(&mut rng, *level);
                let (mut wk, mut wp) = (w, w);
                let x = x.get(..n).unwrap_or(&[]);
                if let (Some(wk), Some(wp)) = (wk.get_mut(..n), wp.get_mut(..n)) {
                    crate::bernoulli::sub_scaled(wk, x, g);
                    crate::bernoulli::sub_scaled_portable(wp, x, g);
                }
                let equal = wk.iter().zip(&wp).all(|(a, b)| same(*a, *b));
                report.count("sub_scaled", equal);
            }
        }
        // Gating: every block width; D odd and even, with 0 to 3 pairs of rows after the
        // first (the 16-wide kernel takes rows two at a time) and D = 1; a portable tail.
        // Small D: each shape's portable code is unrolled, and flash is dear.
        gates::<6, 8, 4>(&mut rng, report); // 2 blocks of 16; 2 pairs + 1 row
        gates::<7, 4, 4>(&mut rng, report); // 16; 3 pairs
        gates::<5, 3, 4>(&mut rng, report); // 8 + 4
        gates::<1, 6, 2>(&mut rng, report); // 8 + 4, one side-information value
        gates::<2, 5, 3>(&mut rng, report); // 8 + 4 + 3 portable
        gates::<3, 12, 2>(&mut rng, report); // 16 + 8; 1 pair
        gates::<4, 1, 4>(&mut rng, report); // 4
        gates::<2, 9, 2>(&mut rng, report); // 16 + 2 portable; 0 pairs + 1 row
    }

    #[inline(never)]
    fn gates<const D: usize, const W: usize, const K: usize>(
        rng: &mut SplitMix64,
        report: &mut Report,
    ) {
        let seed = rng.next_u64();
        let g: Gates<D, W, K> = Gates::new(&mut SplitMix64::new(seed), 0.3);
        for level in LEVELS.iter().cycle().take(CASES as usize) {
            let z: [f32; D] = core::array::from_fn(|_| value(rng, *level));
            report.count(
                core::any::type_name::<Gates<D, W, K>>(),
                g.contexts(&z) == g.contexts_portable(&z),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::SplitMix64;

    #[test]
    fn the_comparison_sees_one_bit_and_forgives_only_nan_payloads() {
        assert!(same(1.5, 1.5));
        assert!(!same(0.0, -0.0));
        assert!(!same(1.0, f32::from_bits(1.0f32.to_bits() + 1)));
        assert!(same(f32::NAN, f32::from_bits(0x7fc0_0001)));
        assert!(!same(f32::NAN, f32::INFINITY));
        let mut r = Report {
            cases: 0,
            mismatches: 0,
            first: None,
        };
        r.count("dot", true);
        r.count("gate_block", false);
        r.count("dot", false);
        assert_eq!((r.cases, r.mismatches), (3, 2));
        assert_eq!(r.first, Some(("gate_block", 1)));
        assert!(!r.passed());
    }

    #[test]
    fn the_inputs_reach_every_corner_and_half_the_cases_stay_finite() {
        let draw = |level| {
            let mut rng = SplitMix64::new(SEED);
            (0..10_000)
                .map(|_| value(&mut rng, level))
                .collect::<Vec<f32>>()
        };
        for level in [Level::Ordinary, Level::Extreme, Level::NonFinite] {
            let v = draw(level);
            assert!(v.iter().any(|x| x.to_bits() == 0));
            assert!(v.iter().any(|x| x.to_bits() == 0x8000_0000));
            assert!(v.iter().any(|x| x.is_subnormal()));
            let huge = v.iter().any(|x| x.is_finite() && x.abs() > 1e38);
            assert_eq!(huge, level != Level::Ordinary, "{level:?}");
            let non_finite = v.iter().any(|x| !x.is_finite());
            assert_eq!(non_finite, level == Level::NonFinite, "{level:?}");
            assert!(v.iter().any(|x| x.is_nan()) == (level == Level::NonFinite));
            let ordinary = v.iter().filter(|x| x.is_normal() && x.abs() < 1e4).count();
            assert!(ordinary > 8_000, "{level:?}: {ordinary}");
        }
        // An 80-value dot product of the ordinary cases is finite: a wrong product shows.
        let mut rng = SplitMix64::new(SEED);
        let finite = (0..100)
            .filter(|_| {
                let a: Vec<f32> = (0..80).map(|_| value(&mut rng, Level::Ordinary)).collect();
                crate::math::dot(&a, &a).is_finite()
            })
            .count();
        assert_eq!(finite, 100);
        assert_eq!(LEVELS.iter().filter(|l| **l == Level::Ordinary).count(), 2);
    }

    #[test]
    fn a_build_without_kernels_checks_nothing_and_says_so() {
        let r = run();
        assert_eq!(r.cases > 0, ACTIVE);
        if !ACTIVE {
            assert!(r.to_string().contains("none in this build"));
        }
    }
}
