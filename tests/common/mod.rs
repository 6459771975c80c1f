//! Invariant checks shared by the hostile-input, property and soak tests.
#![allow(dead_code)]

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
