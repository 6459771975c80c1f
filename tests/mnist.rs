//! One pass over MNIST with configuration (a), pygln's shape: the test accuracy must reach
//! pygln's measured 95.66% (deskewed, one pass, same machine class). Skips with a message when
//! the data is absent (`../shared/data/mnist` or `$GLN_DATA_DIR/mnist`).
//!
//! The integer GLN in the same shape (configuration qa) must come within half a point of the
//! `f32` model's 96.52% (issue 14).
//!
//! Also runs the unit tests of the example support code (IDX loading, deskewing).

#[path = "../examples/support/mnist_data.rs"]
mod mnist_data;
#[path = "../examples/support/mnist_models.rs"]
mod mnist_models;
#[path = "../examples/support/stack.rs"]
mod stack;

use std::io::Write;

use mnist_models::{CONFIG_A, ModelA, ModelQA, STD_OFFSET_A, run};
use stack::with_stack;

/// pygln's one-pass test accuracy on deskewed MNIST with this shape (`gln-reference.md`).
const PYGLN_ACCURACY: f64 = 95.66;

#[test]
fn configuration_a_reaches_pygln_accuracy_in_one_pass() {
    let dir = match mnist_data::mnist_dir() {
        Ok(d) => d,
        Err(why) => {
            // Written to the process's stderr, not through `eprintln!` (which the test
            // harness captures): the skip shows in a plain `cargo test`.
            let line =
                format!("\nSKIPPED configuration_a_reaches_pygln_accuracy_in_one_pass: {why}\n");
            let _ = std::io::stderr().write_all(line.as_bytes());
            return;
        }
    };
    let mut train = mnist_data::load(&dir, "train").expect("training set");
    let mut test = mnist_data::load(&dir, "t10k").expect("test set");
    assert_eq!((train.images.len(), test.images.len()), (60_000, 10_000));
    mnist_data::deskew_all(&mut train);
    mnist_data::deskew_all(&mut test);
    let outcome = with_stack(size_of::<ModelA>(), move || {
        let mut m = ModelA::new(1, CONFIG_A);
        run("a", &mut m, STD_OFFSET_A, &train, &test, true).expect("MNIST pixels are finite")
    });
    println!(
        "configuration (a): test accuracy {:.2}%",
        outcome.test_accuracy
    );
    assert!(
        outcome.test_accuracy >= PYGLN_ACCURACY,
        "test accuracy {:.2}% is below pygln's {PYGLN_ACCURACY}%",
        outcome.test_accuracy
    );
}

/// The `f32` configuration (a)'s one-pass accuracy (README), less the half point issue 14
/// allows the integer GLN.
const INTEGER_FLOOR: f64 = 96.52 - 0.5;

#[test]
fn the_integer_gln_in_shape_a_is_within_half_a_point_of_f32() {
    let dir = match mnist_data::mnist_dir() {
        Ok(d) => d,
        Err(why) => {
            eprintln!("SKIPPED the_integer_gln_in_shape_a_is_within_half_a_point_of_f32: {why}");
            return;
        }
    };
    let mut train = mnist_data::load(&dir, "train").expect("training set");
    let mut test = mnist_data::load(&dir, "t10k").expect("test set");
    mnist_data::deskew_all(&mut train);
    mnist_data::deskew_all(&mut test);
    let outcome = with_stack(size_of::<ModelQA>(), move || {
        let mut m = ModelQA::new(1, CONFIG_A);
        run("qa", &mut m, STD_OFFSET_A, &train, &test, true).expect("MNIST pixels are finite")
    });
    println!(
        "configuration (qa): test accuracy {:.2}%",
        outcome.test_accuracy
    );
    assert!(
        outcome.test_accuracy >= INTEGER_FLOOR,
        "test accuracy {:.2}% is below {INTEGER_FLOOR}%",
        outcome.test_accuracy
    );
}
