//! Bit-exact parity of the Gaussian GLN: a fixed model, a fixed generated stream, a stored
//! fingerprint. The same scenario run in a `no_std` build or on a board must print the same
//! fingerprint; a change here means every build's bits changed (update it deliberately).

use gln::gaussian::{GaussianConfig, GaussianGln3, GaussianInput};
use gln::rng::SplitMix64;

/// The reference sensor shape: 16 features, layers [16, 16, 1], 4 halfspaces.
type Model = GaussianGln3<16, 16, 16, 16, 4, 16>;

/// 2000 steps of a generated stream: 16 lagged values of a noisy sine as side information
/// and base means, the next value as the target. Returns the model and the sum of the
/// pre-update NLLs.
fn scenario() -> (Model, f64) {
    let mut m = Model::new(2024, GaussianConfig::DEFAULT);
    let mut r = SplitMix64::new(5);
    let mut lags = [0.0f32; 16];
    let mut total = 0.0f64;
    for t in 0..2000u32 {
        let y =
            gln::math::sigmoid((t as f32 * 0.05) % 6.0 - 3.0) * 2.0 - 1.0 + 0.05 * r.next_normal();
        let x = GaussianInput::from_side(&lags, 0.5).expect("finite");
        let [p] = m.learn_targets(&x, &[y]).expect("finite");
        total += f64::from(p.nll(y));
        lags.rotate_right(1);
        lags[0] = y;
    }
    (m, total)
}

#[test]
fn the_reference_scenario_has_the_stored_fingerprint() {
    let (m, total) = scenario();
    let (again, _) = scenario();
    assert_eq!(m.fingerprint(), again.fingerprint());
    assert!(total.is_finite());
    // Learning happened: the last prediction is better than a unit Gaussian would be.
    assert!(total / 2000.0 < 0.5, "mean nll {}", total / 2000.0);
    assert_eq!(
        m.fingerprint(),
        GOLDEN,
        "the Gaussian GLN's bits changed: {:#018x}",
        m.fingerprint()
    );
}

/// Measured on x86-64 (std build); must be equal on every target.
const GOLDEN: u64 = 0x1cf7_844b_05ee_101d;
