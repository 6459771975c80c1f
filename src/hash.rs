//! FNV-1a (64-bit): the hash behind model fingerprints and the parity scenarios.
//!
//! A fingerprint is how the crate proves bit-exact parity: the host `std` build, the `no_std`
//! build and every board hash the same weights in the same order and must print the same
//! value. FNV-1a is tiny, needs no tables and is defined on bytes, so it is the same
//! everywhere.

/// An FNV-1a 64-bit hasher over little-endian bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Fnv1a(u64);

impl Fnv1a {
    /// The FNV-1a offset basis.
    pub const fn new() -> Self {
        Self(0xcbf2_9ce4_8422_2325)
    }

    /// Hashes `bytes` in order.
    pub fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }

    /// Hashes the bits of `x` (little-endian), so `0.0` and `-0.0` differ and a NaN counts.
    ///
    /// Out of line: inlined into a model's `fingerprint`, whose loops the compiler unrolls,
    /// it cost 10 to 13 KB of flash per model type on Cortex-M; a call per value costs a few
    /// instructions, and hashing is never on the learning path.
    #[inline(never)]
    pub fn write_f32(&mut self, x: f32) {
        self.write(&x.to_bits().to_le_bytes());
    }

    /// Hashes `x` (little-endian).
    pub fn write_u64(&mut self, x: u64) {
        self.write(&x.to_le_bytes());
    }

    /// The hash so far.
    pub const fn finish(&self) -> u64 {
        self.0
    }
}

impl Default for Fnv1a {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn published_test_vectors() {
        let h = |s: &[u8]| {
            let mut f = Fnv1a::new();
            f.write(s);
            f.finish()
        };
        assert_eq!(h(b""), 0xcbf29ce484222325);
        assert_eq!(h(b"a"), 0xaf63dc4c8601ec8c);
        assert_eq!(h(b"foobar"), 0x85944171f73967e8);
    }

    #[test]
    fn floats_hash_by_bits() {
        let mut a = Fnv1a::new();
        a.write_f32(0.0);
        let mut b = Fnv1a::new();
        b.write_f32(-0.0);
        assert_ne!(a.finish(), b.finish());
    }
}
