//! Host parity: the self-test scenarios give their stored reference fingerprints.
//!
//! Run for the `std` build (`cargo test --test parity`) and the `no_std` build of the library
//! (`cargo test --no-default-features --test parity`); the boards under `boards/` run the same
//! scenarios on Cortex-M cores and compare with the same constants.

// Bit-exact parity: this file (the self-test scenarios) and the saved bytes pinned (the
// board benchmarks are recomputed by `tests/board_parity.rs`).
mod golden;

use gln::selftest::{self, anomaly, bernoulli};

/// Which build of the library this test links.
const BUILD: &str = if cfg!(feature = "std") {
    "std"
} else {
    "no_std"
};

#[test]
fn bernoulli_scenario_matches_the_reference() {
    let mut model = bernoulli::model();
    let report = bernoulli::run(&mut model).expect("a fresh model");
    println!("{BUILD}: {report}");
    assert_eq!(report.steps, bernoulli::STEPS);
    assert_eq!(
        report.fingerprint,
        bernoulli::EXPECTED,
        "{BUILD} build: {report}"
    );
    assert!(report.passed());
    // The model part alone is reproducible from a second fresh run.
    let mut again = bernoulli::model();
    assert_eq!(
        bernoulli::run(&mut again).map(|r| r.model),
        Ok(report.model)
    );
}

#[test]
fn a_model_in_a_static_runs_the_scenario() {
    // How firmware keeps the model off the stack: built at compile time.
    static MODEL: bernoulli::Model = bernoulli::model();
    let mut model = MODEL.clone();
    let report = bernoulli::run(&mut model).expect("a fresh model");
    assert!(report.passed(), "{report}");
    assert_eq!(bernoulli::run(&mut model), Err(selftest::NotFresh));
}

#[test]
fn anomaly_scenario_matches_the_reference() {
    let mut detector = anomaly::model();
    let report = anomaly::run(&mut detector).expect("a fresh detector");
    println!("{BUILD}: {report}");
    assert_eq!(report.faults, anomaly::FAULTS.len() as u32);
    assert_eq!(
        report.fingerprint,
        anomaly::EXPECTED,
        "{BUILD} build: {report}"
    );
    assert!(report.passed());
    let mut again = anomaly::model();
    assert_eq!(
        anomaly::run(&mut again).map(|r| r.detector),
        Ok(report.detector)
    );
}

#[test]
fn a_detector_in_a_static_runs_the_scenario() {
    static DETECTOR: anomaly::Model = anomaly::model();
    let mut detector = DETECTOR.clone();
    let report = anomaly::run(&mut detector).expect("a fresh detector");
    assert!(report.passed(), "{report}");
    assert_eq!(anomaly::run(&mut detector), Err(selftest::NotFresh));
}
