//! One pass over MNIST: learn the 60k training images in their given order, once, then score
//! the 10k test images. Prints progress, test accuracy, training time and samples per second.
//!
//! ```text
//! cargo run --release --example mnist              # configurations a and b
//! cargo run --release --example mnist -- a         # one configuration
//! cargo run --release --example mnist -- a --train 10000 --min-accuracy 90
//! ```
//! Data: `$GLN_DATA_DIR/mnist` or `../shared/data/mnist` (see `examples/support`).
//!
//! Configurations:
//! - `a`: pygln's measured shape, to compare like for like: [4, 4, 1] per class, K = 4,
//!   deskewed input (pygln: 95.66% in 89 s on these 2-core machines).
//! - `b`: the best single-pass configuration found (see the README for how it was chosen).

#[path = "support/mnist_data.rs"]
mod mnist_data;
#[path = "support/stack.rs"]
mod stack;

use gln::{Config, Gln3, Input, LearningRate, Network, Schedule, Standardizer};
use mnist_data::{PIXELS, Set};
use stack::with_stack;
use std::time::Instant;

/// What one run measured.
pub struct Outcome {
    pub test_accuracy: f64,
    pub online_accuracy: f64,
    pub train_seconds: f64,
    pub fingerprint: u64,
}

/// Configuration (a): [4, 4, 1] per class, 4 halfspaces, constant learning rate.
pub type ModelA = Gln3<PIXELS, PIXELS, 4, 4, 4, 16, 10>;
/// The learning rate of configuration (a).
pub const CONFIG_A: Config = Config::DEFAULT.with_learning_rate(LearningRate::constant(0.05));

/// Configuration (b): [32, 32, 1] per class, 6 halfspaces.
pub type ModelB = Gln3<PIXELS, PIXELS, 32, 32, 6, 64, 10>;
/// The learning rate of configuration (b).
pub const CONFIG_B: Config = Config::DEFAULT.with_learning_rate(LearningRate {
    schedule: Schedule::Constant { eta: 0.05 },
    floor: 0.0,
    fan_in_ref: 8.0,
});

/// One pass over `train` (standardising online, scoring each image before learning it), then
/// the accuracy on `test` with the statistics and weights frozen.
pub fn run<M: Network<PIXELS, PIXELS, 10>>(
    name: &str,
    model: &mut M,
    train: &Set,
    test: &Set,
    quiet: bool,
) -> Result<Outcome, gln::Error> {
    let mut scale = Standardizer::<PIXELS>::new(1.0);
    let start = Instant::now();
    let mut correct_online = 0usize;
    let every = (train.images.len() / 6).max(1);
    for (i, (img, &label)) in train.images.iter().zip(&train.labels).enumerate() {
        let z = scale.update_transform(img)?;
        let x = Input::from_side(&z)?;
        let p = model.learn_class(&x, label as usize)?;
        correct_online += usize::from(gln::argmax(&p) == label as usize);
        if !quiet && (i + 1) % every == 0 {
            let s = start.elapsed().as_secs_f64();
            println!(
                "  [{name}] {:>6} images  online accuracy {:6.2}%  {:6.2} s  {:>8.0} images/s",
                i + 1,
                100.0 * correct_online as f64 / (i + 1) as f64,
                s,
                (i + 1) as f64 / s
            );
        }
    }
    let train_seconds = start.elapsed().as_secs_f64();
    let mut correct = 0usize;
    for (img, &label) in test.images.iter().zip(&test.labels) {
        let z = scale.transform(img)?;
        let x = Input::from_side(&z)?;
        correct += usize::from(model.predict_class(&x) == label as usize);
    }
    Ok(Outcome {
        test_accuracy: 100.0 * correct as f64 / test.images.len() as f64,
        online_accuracy: 100.0 * correct_online as f64 / train.images.len().max(1) as f64,
        train_seconds,
        fingerprint: model.fingerprint(),
    })
}

struct Args {
    configs: Vec<String>,
    train: Option<usize>,
    min_accuracy: Option<f64>,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        configs: Vec::new(),
        train: None,
        min_accuracy: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--train" => {
                args.train = Some(it.next().and_then(|v| v.parse().ok()).ok_or("--train N")?)
            }
            "--min-accuracy" => {
                args.min_accuracy = Some(
                    it.next()
                        .and_then(|v| v.parse().ok())
                        .ok_or("--min-accuracy PERCENT")?,
                )
            }
            "a" | "b" => args.configs.push(a),
            "all" => args.configs.extend(["a".to_string(), "b".to_string()]),
            other => {
                return Err(format!(
                    "unknown argument {other:?}; use: [a|b|all] [--train N] [--min-accuracy P]"
                ));
            }
        }
    }
    if args.configs.is_empty() {
        args.configs.extend(["a".to_string(), "b".to_string()]);
    }
    Ok(args)
}

fn main() {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    let dir = match mnist_data::mnist_dir() {
        Ok(d) => d,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    let t0 = Instant::now();
    let (mut train, mut test) = match (
        mnist_data::load(&dir, "train"),
        mnist_data::load(&dir, "t10k"),
    ) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    if let Some(n) = args.train {
        train.images.truncate(n);
        train.labels.truncate(n);
    }
    let load_s = t0.elapsed().as_secs_f64();
    let t1 = Instant::now();
    mnist_data::deskew_all(&mut train);
    mnist_data::deskew_all(&mut test);
    println!(
        "MNIST: {} training and {} test images (load {:.2} s, deskew {:.2} s on {} threads)",
        train.images.len(),
        test.images.len(),
        load_s,
        t1.elapsed().as_secs_f64(),
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    let data = std::sync::Arc::new((train, test));
    let mut failed = false;
    for name in &args.configs {
        let d = data.clone();
        let (outcome, bytes, shape) = match name.as_str() {
            "a" => with_stack(size_of::<ModelA>(), move || {
                let mut m = ModelA::new(1, CONFIG_A);
                (
                    run("a", &mut m, &d.0, &d.1, false),
                    size_of::<ModelA>(),
                    "[4, 4, 1] x 10, K = 4",
                )
            }),
            _ => with_stack(size_of::<ModelB>(), move || {
                let mut m = ModelB::new(1, CONFIG_B);
                (
                    run("b", &mut m, &d.0, &d.1, false),
                    size_of::<ModelB>(),
                    "[32, 32, 1] x 10, K = 6",
                )
            }),
        };
        let o = match outcome {
            Ok(o) => o,
            Err(e) => {
                eprintln!("[{name}] rejected input: {e}");
                std::process::exit(1);
            }
        };
        let n = data.0.images.len() as f64;
        println!(
            "[{name}] {shape}: test accuracy {:.2}%  (online {:.2}%)  training pass {:.2} s  {:.0} images/s  model {:.1} MiB  fingerprint {:016x}",
            o.test_accuracy,
            o.online_accuracy,
            o.train_seconds,
            n / o.train_seconds,
            bytes as f64 / (1 << 20) as f64,
            o.fingerprint
        );
        if let Some(min) = args.min_accuracy
            && o.test_accuracy < min
        {
            eprintln!(
                "[{name}] test accuracy {:.2}% is below the floor {min}%",
                o.test_accuracy
            );
            failed = true;
        }
    }
    if failed {
        std::process::exit(1);
    }
}
