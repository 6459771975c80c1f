//! Invariant checks shared by the hostile-input, property and soak tests.
#![allow(dead_code)]

use gln::persist::Source;
use gln::{Network, Persist};

/// Every weight finite and within `[-beta, beta]`; returns how many sit exactly on the box.
pub fn check_weights<M: Network<D, B, N>, const D: usize, const B: usize, const N: usize>(
    m: &M,
) -> usize {
    let beta = m.config().beta;
    let mut on_box = 0;
    let mut bad = None;
    m.for_each_weight(&mut |w| {
        if !(w.is_finite() && w.abs() <= beta) && bad.is_none() {
            bad = Some(w);
        }
        on_box += usize::from(w.abs() == beta);
    });
    assert_eq!(bad, None, "a weight left the box [-{beta}, {beta}]");
    on_box
}

/// Every probability within `[eps, 1 - eps]` (so never NaN).
pub fn check_probs(p: &[f32], eps: f32) {
    for &v in p {
        assert!(
            v >= eps && v <= 1.0 - eps,
            "probability {v} outside [{eps}, {}]",
            1.0 - eps
        );
    }
}

/// The saved bytes of a model (its whole state as bits, but for the derived bounds).
pub fn bytes<M: Persist>(m: &M) -> Vec<u8> {
    let mut b = vec![0u8; M::SAVED_BYTES];
    m.save(&mut b).unwrap();
    b
}

/// NaNs (quiet, negative, signalling payload) and infinities.
pub const NON_FINITE: [f32; 5] = [
    f32::NAN,
    -f32::NAN,
    f32::from_bits(0x7F80_0001),
    f32::INFINITY,
    f32::NEG_INFINITY,
];

/// Finite values that are hostile anyway: zeros of both signs, subnormals, the smallest
/// normal, the largest magnitudes.
pub const ODD_FINITE: [f32; 14] = [
    0.0,
    -0.0,
    f32::from_bits(1),
    -f32::from_bits(1),
    f32::MIN_POSITIVE / 2.0,
    f32::MIN_POSITIVE,
    1e-30,
    f32::EPSILON,
    1e30,
    3e38,
    -3e38,
    f32::MAX,
    f32::MIN,
    -1e30,
];

/// Calls `check(prefix, len)` for every strict prefix of a saved record: the truncation sweep
/// every record kind's tests run.
pub fn each_truncation(bytes: &[u8], mut check: impl FnMut(&[u8], usize)) {
    for len in 0..bytes.len() {
        check(&bytes[..len], len);
    }
}

/// Calls `check(flipped, i)` for every single-bit flip of a saved record (`i` the byte the
/// flipped bit is in): the bit-flip sweep every record kind's tests run.
pub fn each_bit_flip(bytes: &[u8], mut check: impl FnMut(&[u8], usize)) {
    for i in 0..bytes.len() {
        for bit in 0..8 {
            let mut c = bytes.to_vec();
            c[i] ^= 1 << bit;
            check(&c, i);
        }
    }
}

/// Whether `e` is what a flip of a bit in byte `i` of a record may cause: the CRC catches it,
/// or the header field it hit is named first (magic, version, a length longer than the bytes
/// or impossible).
pub fn is_flip_error(e: &gln::PersistError, i: usize) -> bool {
    use gln::PersistError as P;
    match e {
        P::Crc { .. } => true,
        P::BadMagic => i < 4,
        P::UnsupportedVersion { .. } => (4..6).contains(&i),
        P::Truncated { .. } | P::BadLength { .. } => (8..12).contains(&i),
        _ => false,
    }
}

/// Gives `rejects` every single-bit flip of a saved record with the check its error must pass
/// (`is_flip_error` for the flipped byte); `rejects` loads the flip, asserts that it is refused
/// with an error that passes the check, and that the target did not change. Returns how many
/// flips the CRC caught.
pub fn each_flip_refused(
    bytes: &[u8],
    mut rejects: impl FnMut(&[u8], &mut dyn FnMut(&gln::PersistError) -> bool),
) -> usize {
    let mut crc_errors = 0;
    each_bit_flip(bytes, |flipped, i| {
        rejects(flipped, &mut |p| {
            crc_errors += usize::from(matches!(p, gln::PersistError::Crc { .. }));
            is_flip_error(p, i)
        })
    });
    crc_errors
}

/// `Disturbed` ran out of bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct End;

/// A source that gives `first` until the first rewind, then `second` (a flash read disturb
/// between the check pass and the apply pass).
pub struct Disturbed<'a> {
    first: &'a [u8],
    second: &'a [u8],
    rewound: bool,
    pos: usize,
}

impl<'a> Disturbed<'a> {
    pub fn new(first: &'a [u8], second: &'a [u8]) -> Self {
        Self {
            first,
            second,
            rewound: false,
            pos: 0,
        }
    }
}

impl Source for Disturbed<'_> {
    type Error = End;
    fn read(&mut self, out: &mut [u8]) -> Result<(), End> {
        let bytes = if self.rewound {
            self.second
        } else {
            self.first
        };
        let src = bytes.get(self.pos..self.pos + out.len()).ok_or(End)?;
        out.copy_from_slice(src);
        self.pos += out.len();
        Ok(())
    }
    fn rewind(&mut self) -> Result<(), End> {
        self.rewound = true;
        self.pos = 0;
        Ok(())
    }
}
