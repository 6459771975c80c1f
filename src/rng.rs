//! SplitMix64: the named, portable pseudo-random generator behind every hyperplane.
//!
//! Pure 64-bit integer arithmetic with wrapping operations, so it yields the same stream on
//! 32-bit and 64-bit targets, at compile time and at run time. (Steele, Lea and Flood,
//! "Fast splittable pseudorandom number generators", OOPSLA 2014; the constants are the
//! published ones.)

/// SplitMix64 generator state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    /// A generator seeded with `seed` (any value, 0 included).
    pub const fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    /// The next 64 random bits.
    pub const fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, 1)` with 24 random bits (exact in `f32`).
    pub const fn next_f32(&mut self) -> f32 {
        (self.next_u64() >> 40) as f32 * (1.0 / 16_777_216.0)
    }

    /// Approximately standard normal: the sum of four 16-bit uniforms from one draw, centred
    /// and scaled to unit variance (Irwin–Hall with n = 4, range ±3.46). Chosen because it is
    /// a `const fn` (no `ln`/`cos`) and costs one draw; hyperplane directions only need a
    /// roughly isotropic distribution.
    pub const fn next_normal(&mut self) -> f32 {
        let r = self.next_u64();
        // Four 16-bit values: the sum cannot overflow (wrapping only tells the lints so).
        let s = (r & 0xFFFF)
            .wrapping_add((r >> 16) & 0xFFFF)
            .wrapping_add((r >> 32) & 0xFFFF)
            .wrapping_add(r >> 48);
        // Mean of the sum is 4 * 32767.5; its standard deviation is 65536 / sqrt(3) (to 1e-9).
        (s as f32 - 131_070.0) * (1.732_050_8 / 65_536.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn published_splitmix64_stream() {
        // Reference values of SplitMix64 seeded with 1234567 (from the reference C code).
        let mut r = SplitMix64::new(1234567);
        assert_eq!(r.next_u64(), 6457827717110365317);
        assert_eq!(r.next_u64(), 3203168211198807973);
        assert_eq!(r.next_u64(), 9817491932198370423);
    }

    #[test]
    fn const_and_runtime_streams_agree() {
        const FIRST: [f32; 3] = {
            let mut r = SplitMix64::new(42);
            [r.next_f32(), r.next_normal(), r.next_f32()]
        };
        let mut r = SplitMix64::new(42);
        let run = [r.next_f32(), r.next_normal(), r.next_f32()];
        assert_eq!(FIRST.map(f32::to_bits), run.map(f32::to_bits));
    }

    #[test]
    fn normal_has_unit_moments() {
        let mut r = SplitMix64::new(7);
        let n = 200_000;
        let (mut s1, mut s2) = (0.0f64, 0.0f64);
        for _ in 0..n {
            let x = r.next_normal() as f64;
            assert!(x.abs() < 3.5);
            s1 += x;
            s2 += x * x;
        }
        let mean = s1 / n as f64;
        let var = s2 / n as f64 - mean * mean;
        assert!(mean.abs() < 0.01, "mean {mean}");
        assert!((var - 1.0).abs() < 0.02, "var {var}");
        let u = (0..n).map(|_| r.next_f32()).fold(0.0f32, f32::max);
        assert!(u < 1.0 && u > 0.999);
    }
}
