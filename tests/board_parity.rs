//! The boards' benchmark runs, replayed on the host: the same bits.
//!
//! Every benchmark on an emulated board (`boards/common/src/measure.rs`, `work`) feeds a
//! model 256 `learn` and 256 `predict` calls from a fixed stream and prints a line
//! `bits predictions <hash> model <hash>`: FNV-1a of every probability returned, and the
//! model's `fingerprint()` afterwards. `boards/run-emulated.sh` checks that each board prints
//! what is stored in `boards/expected/*.run`; this test recomputes the same two hashes with the
//! host build (std or no_std) and checks them against those stored lines. Together they prove
//! that the boards' code paths (the Cortex-M FPU kernels of `src/kernels.rs` included) give the
//! bits of the portable code, for shapes wider than the parity scenario's: the tiny shape
//! (micro:bit and Cortex-M4F), the parity shape (every emulated core), the reference sensor
//! shape and the large one (Cortex-M4F).
//!
//! The expected files live in the repository, not in the published crate: without them the
//! test says so and passes.

use std::path::Path;

use gln::hash::Fnv1a;
use gln::net::{Net, Stack};
use gln::quant::QBernoulli;
use gln::selftest::{Stream, bernoulli};
use gln::{Config, Gln2, Gln3, Input, Network, QGln2, QGln3, QInput, Standardizer};

/// `WORK_STEPS` and `WORK_SEED` of `boards/common/src/measure.rs`.
const STEPS: u32 = 256;
const SEED: u64 = 0x776f_726b;

/// What `measure::work` computes, without the timing: (predictions, model).
fn work<const D: usize, M: Network<D, D, 1>>(model: &mut M) -> (u64, u64) {
    let mut stream = Stream::<D>::new(SEED);
    let mut scale = Standardizer::<D>::new(0.1);
    let mut next = move || {
        let s = stream.next_sample();
        (
            scale.update_transform(&s.raw).unwrap_or([0.0; D]),
            [s.label],
        )
    };
    let mut h = Fnv1a::new();
    for _ in 0..STEPS {
        let (z, y) = next();
        if let Ok(x) = Input::from_side(&z) {
            model
                .learn_targets(&x, &y)
                .iter()
                .for_each(|&v| h.write_f32(v));
        }
    }
    for _ in 0..STEPS {
        let (z, _) = next();
        if let Ok(x) = Input::from_side(&z) {
            model.predict_all(&x).iter().for_each(|&v| h.write_f32(v));
        }
    }
    (h.finish(), model.fingerprint())
}

/// The `bits` line of `boards/expected/<file>`, or `None` (with a message) if the file is not
/// there.
fn stored(file: &str) -> Option<(u64, u64)> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("boards/expected")
        .join(file);
    let Ok(text) = std::fs::read_to_string(&path) else {
        eprintln!("skipped: {} is absent (not a checkout)", path.display());
        return None;
    };
    let line = text
        .lines()
        .find(|l| l.starts_with("bits predictions "))
        .unwrap_or_else(|| panic!("{}: no `bits` line", path.display()));
    let words: Vec<&str> = line.split_whitespace().collect();
    let hex = |w: &str| u64::from_str_radix(w, 16).expect("a hex hash");
    Some((hex(words[2]), hex(words[4])))
}

fn check(files: &[&str], host: (u64, u64)) {
    eprintln!(
        "host bits predictions {:016x} model {:016x}",
        host.0, host.1
    );
    for file in files {
        if let Some(board) = stored(file) {
            assert_eq!(
                board, host,
                "{file}: board (predictions, model) {board:016x?} != host {host:016x?}"
            );
        }
    }
}

#[test]
fn tiny_shape() {
    let mut m = Gln2::<8, 8, 8, 2, 4>::new(7, Config::DEFAULT);
    check(
        &["mps2-an386-bench-tiny.run", "microbit-bench-tiny.run"],
        work(&mut m),
    );
}

#[test]
fn parity_shape_after_the_scenario() {
    let mut m = bernoulli::model();
    bernoulli::run(&mut m).expect("a fresh model");
    check(
        &[
            "microbit.run",
            "lm3s6965evb.run",
            "mps2-an386.run",
            "mps2-an500.run",
            "mps2-an505.run",
        ],
        work(&mut m),
    );
}

#[test]
fn reference_shape() {
    let mut m = Gln3::<16, 16, 16, 16, 4, 16>::new(7, Config::DEFAULT);
    check(&["mps2-an386-bench-reference.run"], work(&mut m));
}

#[test]
fn large_shape() {
    // 176 KB: on the heap, not on the test thread's stack.
    let mut m = Box::new(Gln3::<32, 32, 32, 32, 4, 16>::new(7, Config::DEFAULT));
    check(&["mps2-an386-bench-large.run"], work(&mut *m));
}

/// The integer GLN's benchmark stream as `boards/common`'s `measure::qwork` runs it: the same
/// samples, converted to fixed point, through the integer API.
fn qwork<const D: usize, S: Stack<QBernoulli, D, D>>(
    model: &mut Net<QBernoulli, D, D, S, 1>,
) -> (u64, u64) {
    let mut stream = Stream::<D>::new(SEED);
    let mut scale = Standardizer::<D>::new(0.1);
    let mut next = move || {
        let s = stream.next_sample();
        let z = scale.update_transform(&s.raw).unwrap_or([0.0; D]);
        (
            Input::from_side(&z).map(|x| QInput::from_input(&x)),
            [s.label],
        )
    };
    let mut h = Fnv1a::new();
    for _ in 0..STEPS {
        if let (Ok(x), y) = next() {
            let p = model.learn_targets(&x, &y);
            p.iter().for_each(|&v| h.write_u64(u64::from(v)));
        }
    }
    for _ in 0..STEPS {
        if let (Ok(x), _) = next() {
            let p = model.predict_all(&x);
            p.iter().for_each(|&v| h.write_u64(u64::from(v)));
        }
    }
    (h.finish(), model.fingerprint())
}

#[test]
fn integer_shapes_on_every_core() {
    let mut tiny = QGln2::<8, 8, 8, 2, 4>::new(7, Config::DEFAULT);
    check(
        &[
            "microbit-qbench-tiny.run",
            "lm3s6965evb-qbench-tiny.run",
            "mps2-an386-qbench-tiny.run",
            "mps2-an500-qbench-tiny-m7.run",
            "mps2-an505-qbench-tiny.run",
        ],
        qwork(&mut tiny),
    );
    let mut parity = QGln3::<16, 16, 8, 4, 2, 4>::new(7, Config::DEFAULT);
    check(
        &["microbit-qbench-parity.run", "mps2-an386-qbench-parity.run"],
        qwork(&mut parity),
    );
    let mut k2 = QGln3::<16, 16, 16, 16, 2, 4>::new(7, Config::DEFAULT);
    check(
        &[
            "microbit-qbench-reference.run",
            "mps2-an386-qbench-reference-k2.run",
        ],
        qwork(&mut k2),
    );
    let mut reference = QGln3::<16, 16, 16, 16, 4, 16>::new(7, Config::DEFAULT);
    check(&["mps2-an386-qbench-reference.run"], qwork(&mut reference));
}
