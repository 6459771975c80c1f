//! One pass over MNIST: learn the 60k training images in their given order, once, then score
//! the 10k test images. Prints progress, test accuracy, training time and samples per second.
//!
//! ```text
//! cargo run --release --example mnist              # configurations a, b and qa
//! cargo run --release --example mnist -- a         # one configuration
//! cargo run --release --example mnist -- a --train 10000 --min-accuracy 90
//! ```
//! Data: `$GLN_DATA_DIR/mnist` or `../shared/data/mnist` (see `examples/support`).
//!
//! Configurations:
//! - `a`: pygln's measured shape, to compare like for like: [4, 4, 1] per class, K = 4,
//!   deskewed input (pygln: 95.66% in 89 s on these 2-core machines).
//! - `b`: the best single-pass configuration found (see the README for how it was chosen).
//! - `qa`: shape (a) as the integer GLN (`gln::quant`, i16 weights), same configuration.

#[path = "support/mnist_data.rs"]
mod mnist_data;
#[path = "support/mnist_models.rs"]
mod mnist_models;
#[path = "support/stack.rs"]
mod stack;

use mnist_models::{CONFIG_A, CONFIG_B, ModelA, ModelB, ModelQA, STD_OFFSET_A, STD_OFFSET_B, run};
use stack::with_stack;
use std::time::Instant;

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
            "a" | "b" | "qa" => args.configs.push(a),
            "all" => args.configs.extend(["a", "b", "qa"].map(String::from)),
            other => {
                return Err(format!(
                    "unknown argument {other:?}; use: [a|b|qa|all] [--train N] [--min-accuracy P]"
                ));
            }
        }
    }
    if args.configs.is_empty() {
        args.configs.extend(["a", "b", "qa"].map(String::from));
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
                    run("a", &mut m, STD_OFFSET_A, &d.0, &d.1, false),
                    size_of::<ModelA>(),
                    "[4, 4, 1] x 10, K = 4",
                )
            }),
            "qa" => with_stack(size_of::<ModelQA>(), move || {
                let mut m = ModelQA::new(1, CONFIG_A);
                (
                    run("qa", &mut m, STD_OFFSET_A, &d.0, &d.1, false),
                    size_of::<ModelQA>(),
                    "[4, 4, 1] x 10, K = 4, integer (i16 weights)",
                )
            }),
            _ => with_stack(size_of::<ModelB>(), move || {
                let mut m = ModelB::new(1, CONFIG_B);
                (
                    run("b", &mut m, STD_OFFSET_B, &d.0, &d.1, false),
                    size_of::<ModelB>(),
                    "[16, 16, 1] x 10, K = 8",
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
            "[{name}] {shape}: test accuracy {:.2}%  (online {:.2}%)  training pass {:.2} s ({} CPU)  {:.0} images/s  model {:.1} MiB  fingerprint {:016x}",
            o.test_accuracy,
            o.online_accuracy,
            o.train_seconds,
            o.train_cpu_seconds
                .map_or("n/a".to_string(), |c| format!("{c:.2} s")),
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
