//! How configuration (b) of the `mnist` example was chosen: one pass per candidate, test
//! accuracy and training time per line. Slow for the wide shapes (minutes per candidate).
//!
//! ```text
//! cargo run --release --example mnist_sweep -- SHAPE [key=value ...] [, SHAPE ...]
//! cargo run --release --example mnist_sweep -- list
//! ```
//! Keys: `eta` (constant rate), `c` and `max` (InverseTime), `floor`, `hidden_fan_in`
//! (StepScale::HiddenFanIn reference), `eps`, `beta`, `offsets` (hyperplane offset std),
//! `zero` (zero initial weights), `std_offset` (standardiser offset), `seed`.

#[path = "support/mnist_data.rs"]
mod mnist_data;
#[path = "support/stack.rs"]
mod stack;

use gln::{
    Config, Gln2, Gln3, Gln4, Input, LearningRate, Network, Schedule, Standardizer, StepScale,
    WeightInit,
};
use mnist_data::{PIXELS, Set};
use std::sync::Arc;
use std::time::Instant;

type Data = Arc<(Set, Set)>;

#[derive(Clone, Copy, Debug)]
struct Knobs {
    config: Config,
    std_offset: f32,
    seed: u64,
}

fn parse(kv: &[String]) -> Result<Knobs, String> {
    let mut k = Knobs {
        config: Config::DEFAULT,
        std_offset: 1.0,
        seed: 1,
    };
    let mut lr = LearningRate::constant(0.01);
    for item in kv {
        let (key, value) = item.split_once('=').unwrap_or((item.as_str(), "1"));
        let v: f32 = value.parse().map_err(|_| format!("bad value in {item}"))?;
        match key {
            "eta" => lr.schedule = Schedule::Constant { eta: v },
            "c" => {
                let max = match lr.schedule {
                    Schedule::InverseTime { max, .. } => max,
                    _ => 1.0,
                };
                lr.schedule = Schedule::InverseTime { c: v, max }
            }
            "max" => {
                let c = match lr.schedule {
                    Schedule::InverseTime { c, .. } => c,
                    _ => 1e9,
                };
                lr.schedule = Schedule::InverseTime { c, max: v }
            }
            "floor" => lr.floor = v,
            "hidden_fan_in" => lr.scale = StepScale::HiddenFanIn { reference: v },
            "eps" => k.config.eps = v,
            "beta" => k.config.beta = v,
            "offsets" => k.config.offset_std = v,
            "zero" => k.config.init = WeightInit::Zero,
            "std_offset" => k.std_offset = v,
            "seed" => k.seed = v as u64,
            _ => return Err(format!("unknown key {key}")),
        }
    }
    k.config.learning_rate = lr;
    k.config.check().map_err(|e| e.to_string())?;
    Ok(k)
}

fn one_pass<M: Network<PIXELS, PIXELS, 10>>(m: &mut M, d: &Data, std_offset: f32) -> (f64, f64) {
    let (train, test) = (&d.0, &d.1);
    let mut scale = Standardizer::<PIXELS>::new(std_offset);
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

macro_rules! shapes {
    ($($name:literal => $ty:ty;)+) => {
        fn run(name: &str, k: Knobs, d: Data) -> Option<(f64, f64)> {
            match name {
                $($name => Some(stack::with_stack(size_of::<$ty>(), move || {
                    let mut m = <$ty>::new(k.seed, k.config);
                    one_pass(&mut m, &d, k.std_offset)
                })),)+
                _ => None,
            }
        }
        const NAMES: &[&str] = &[$($name),+];
    };
}

shapes! {
    "4x4k4" => Gln3<PIXELS, PIXELS, 4, 4, 4, 16, 10>;
    "8x8k4" => Gln3<PIXELS, PIXELS, 8, 8, 4, 16, 10>;
    "16x16k4" => Gln3<PIXELS, PIXELS, 16, 16, 4, 16, 10>;
    "16x16k6" => Gln3<PIXELS, PIXELS, 16, 16, 6, 64, 10>;
    "16x16k8" => Gln3<PIXELS, PIXELS, 16, 16, 8, 256, 10>;
    "32x32k4" => Gln3<PIXELS, PIXELS, 32, 32, 4, 16, 10>;
    "32x32k8" => Gln3<PIXELS, PIXELS, 32, 32, 8, 256, 10>;
    "16x16k10" => Gln3<PIXELS, PIXELS, 16, 16, 10, 1024, 10>;
    "64x64k6" => Gln3<PIXELS, PIXELS, 64, 64, 6, 64, 10>;
    "32x32k6" => Gln3<PIXELS, PIXELS, 32, 32, 6, 64, 10>;
    "64x64k4" => Gln3<PIXELS, PIXELS, 64, 64, 4, 16, 10>;
    "128x128k4" => Gln3<PIXELS, PIXELS, 128, 128, 4, 16, 10>;
    "32k6" => Gln2<PIXELS, PIXELS, 32, 6, 64, 10>;
    "128k4" => Gln2<PIXELS, PIXELS, 128, 4, 16, 10>;
    "32x32x32k4" => Gln4<PIXELS, PIXELS, 32, 32, 32, 4, 16, 10>;
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.is_empty() || args[0] == "list" {
        println!("shapes: {}", NAMES.join(" "));
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
    for candidate in args.split(|a| a == ",") {
        let Some((shape, kv)) = candidate.split_first() else {
            continue;
        };
        let label = candidate.join(" ");
        let knobs = match parse(kv) {
            Ok(k) => k,
            Err(e) => {
                eprintln!("{label}: {e}");
                continue;
            }
        };
        match run(shape, knobs, d.clone()) {
            Some((acc, secs)) => println!("{label:>48}: test accuracy {acc:.2}%  pass {secs:.1} s"),
            None => eprintln!("unknown shape {shape}"),
        }
    }
}
