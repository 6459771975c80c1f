//! How configuration (b) of the `mnist` example was chosen: one pass per candidate, test
//! accuracy and training time per line. Slow (minutes per candidate for the wide shapes).
//!
//! ```text
//! cargo run --release --example mnist_sweep -- NAME [NAME ...]   # see `candidates` below
//! cargo run --release --example mnist_sweep -- list
//! ```

#[path = "support/mnist_data.rs"]
mod mnist_data;

use gln::{Config, Gln2, Gln3, Gln4, Input, LearningRate, Network, Schedule, Standardizer};
use mnist_data::{PIXELS, Set};
use std::sync::Arc;
use std::time::Instant;

type Data = Arc<(Set, Set)>;

fn lr(eta: f32, fan_in_ref: f32) -> Config {
    Config::DEFAULT.with_learning_rate(LearningRate {
        schedule: Schedule::Constant { eta },
        floor: 0.0,
        fan_in_ref,
    })
}

fn inv(c: f32, max: f32, fan_in_ref: f32) -> Config {
    Config::DEFAULT.with_learning_rate(LearningRate {
        schedule: Schedule::InverseTime { c, max },
        floor: 0.0,
        fan_in_ref,
    })
}

fn one_pass<M: Network<PIXELS, PIXELS, 10>>(m: &mut M, d: &Data) -> (f64, f64) {
    let (train, test) = (&d.0, &d.1);
    let mut scale = Standardizer::<PIXELS>::new(1.0);
    let t = Instant::now();
    for (img, &label) in train.images.iter().zip(&train.labels) {
        let z = scale.update_transform(img).expect("finite pixels");
        let x = Input::from_side(&z).expect("finite z");
        m.learn_class(&x, label as usize).expect("label < 10");
    }
    let secs = t.elapsed().as_secs_f64();
    let mut ok = 0usize;
    for (img, &label) in test.images.iter().zip(&test.labels) {
        let z = scale.transform(img).expect("finite pixels");
        let x = Input::from_side(&z).expect("finite z");
        ok += usize::from(m.predict_class(&x) == label as usize);
    }
    (100.0 * ok as f64 / test.images.len() as f64, secs)
}

macro_rules! candidates {
    ($($name:literal => $ty:ty, $cfg:expr;)+) => {
        fn run(name: &str, d: Data) -> Option<(f64, f64)> {
            match name {
                $($name => {
                    let bytes = size_of::<$ty>();
                    Some(std::thread::Builder::new()
                        .stack_size(4 * bytes + (64 << 20))
                        .spawn(move || {
                            let mut m = <$ty>::new(1, $cfg);
                            one_pass(&mut m, &d)
                        })
                        .expect("thread")
                        .join()
                        .expect("run"))
                })+
                _ => None,
            }
        }
        const NAMES: &[&str] = &[$($name),+];
    };
}

candidates! {
    "a-0.02" => Gln3<PIXELS, PIXELS, 4, 4, 4, 16, 10>, lr(0.02, f32::INFINITY);
    "a-0.05" => Gln3<PIXELS, PIXELS, 4, 4, 4, 16, 10>, lr(0.05, f32::INFINITY);
    "a-0.1" => Gln3<PIXELS, PIXELS, 4, 4, 4, 16, 10>, lr(0.1, f32::INFINITY);
    "16x16k4-0.05" => Gln3<PIXELS, PIXELS, 16, 16, 4, 16, 10>, lr(0.05, f32::INFINITY);
    "16x16k4-0.05-f8" => Gln3<PIXELS, PIXELS, 16, 16, 4, 16, 10>, lr(0.05, 8.0);
    "32x32k4-0.05-f8" => Gln3<PIXELS, PIXELS, 32, 32, 4, 16, 10>, lr(0.05, 8.0);
    "32x32k6-0.05-f8" => Gln3<PIXELS, PIXELS, 32, 32, 6, 64, 10>, lr(0.05, 8.0);
    "64x64k4-0.05-f8" => Gln3<PIXELS, PIXELS, 64, 64, 4, 16, 10>, lr(0.05, 8.0);
    "64x64k4-0.1-f8" => Gln3<PIXELS, PIXELS, 64, 64, 4, 16, 10>, lr(0.1, 8.0);
    "32k6-0.05-f8" => Gln2<PIXELS, PIXELS, 32, 6, 64, 10>, lr(0.05, 8.0);
    "128k4-0.05-f8" => Gln2<PIXELS, PIXELS, 128, 4, 16, 10>, lr(0.05, 8.0);
    "32x32x32k4-0.05-f8" => Gln4<PIXELS, PIXELS, 32, 32, 32, 4, 16, 10>, lr(0.05, 8.0);
    "32x32k4-inv" => Gln3<PIXELS, PIXELS, 32, 32, 4, 16, 10>, inv(2000.0, 0.1, 8.0);
    "32x32k6-inv" => Gln3<PIXELS, PIXELS, 32, 32, 6, 64, 10>, inv(2000.0, 0.1, 8.0);
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.is_empty() || args[0] == "list" {
        println!("candidates: {}", NAMES.join(" "));
        return;
    }
    let dir = mnist_data::mnist_dir().unwrap_or_else(|e| {
        eprintln!("{e}");
        std::process::exit(2)
    });
    let mut train = mnist_data::load(&dir, "train").expect("train set");
    let mut test = mnist_data::load(&dir, "t10k").expect("test set");
    mnist_data::deskew_all(&mut train);
    mnist_data::deskew_all(&mut test);
    let d: Data = Arc::new((train, test));
    for name in &args {
        match run(name, d.clone()) {
            Some((acc, secs)) => println!("{name:>24}: test accuracy {acc:.2}%  pass {secs:.1} s"),
            None => eprintln!("unknown candidate {name}"),
        }
    }
}
