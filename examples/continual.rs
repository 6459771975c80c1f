//! Continual learning on MNIST: does a GLN forget what it learned when the data changes?
//!
//! Two standard settings, each a sequence of tasks learned one after another, one pass per
//! task, with no replay and no task identity given to the learner:
//! - **split**: five tasks of two digits each (0/1, 2/3, 4/5, 6/7, 8/9), class-incremental:
//!   the model always answers which of all ten digits it sees (ten heads).
//! - **permuted**: five tasks (`--tasks N`), each the whole training set under a fixed random
//!   pixel permutation (seeded), the same ten digits to name in every task.
//!
//! After every task, every task learned so far is scored on its test images. The report gives,
//! after the last task, each task's accuracy, their average, each task's forgetting (its best
//! accuracy during the sequence minus its final accuracy) and the average forgetting over all
//! tasks but the last (whose forgetting is 0 by definition).
//!
//! Learners, all single pass, batch size 1: a GLN (through the `Network` trait; by default
//! [4, 4, 1] per class, K = 13 halfspaces per neuron, gated on the full image, base inputs at
//! half resolution, 257 MiB), an online one-vs-all logistic regression, and a one-hidden-layer
//! MLP (100 ReLU units, softmax, SGD); the baselines are in `examples/support/baselines.rs`.
//! Every learner's learning rate is chosen by the same procedure: each rate of a six-point
//! grid learns the first 80% of the first task's training images once, the remaining 20% are
//! scored, and the rate with the most correct answers wins (ties: the lower held-out log loss
//! of the scores normalised to sum to 1). Nothing is chosen on later tasks or on test images.
//!
//! Every learner sees the same input: deskewed images, centred by the per-pixel mean of the
//! first task's training images and divided by their pooled standard deviation, both fitted
//! before the first task and then frozen (`--input global` centres by one pooled mean
//! instead, `--input scaled` does not centre).

//! ```text
//! cargo run --release --example continual                    # both settings, full data
//! cargo run --release --example continual -- --setting split
//! cargo run --release --example continual -- --ci            # shortened, asserts (CI)
//! ```
//! Options: `--setting split|permuted|both`, `--tasks N` (permuted), `--train-per-task N`,
//! `--test-per-task N`, `--gln pooled|pooled12|k10|k8|k6|k4|wide`, `--hidden H` (MLP), `--seed S`
//! (hyperplanes, MLP weights, permutations), `--input pixel|global|scaled`, `--all-rates` (also
//! run every learner at every rate of the grid), `--validation` (score on the last 10k
//! training images instead of the test set), `--check` (exit 1 unless the GLN forgets less
//! than the logistic regression in every setting run), `--ci` (`--train-per-task 2000
//! --test-per-task 1000 --check`).
//! Data: `$GLN_DATA_DIR/mnist` or `../shared/data/mnist`; without it the run says so and
//! exits 0.

#[path = "support/baselines.rs"]
mod baselines;
#[path = "support/mnist_data.rs"]
mod mnist_data;
#[path = "support/stack.rs"]
mod stack;

use baselines::{CLASSES, Learner, LogReg, Mlp, normalised_log_loss};
use gln::rng::SplitMix64;
use gln::{Config, Gln3, Input, LearningRate, Network, Schedule, StepScale};
use mnist_data::{PIXELS, Set};
use std::time::Instant;

/// The learning rates every learner chooses from.
const GRID: [f32; 6] = [0.001, 0.003, 0.01, 0.03, 0.1, 0.3];

fn as_pixels(x: &[f32]) -> &[f32; PIXELS] {
    x.try_into().expect("an image has PIXELS values")
}

/// Base inputs at half resolution: 14x14.
const POOLED: usize = PIXELS / 4;

/// The mean of each 2x2 block of `z`.
fn pool(z: &[f32; PIXELS]) -> [f32; POOLED] {
    let half = mnist_data::SIDE / 2;
    core::array::from_fn(|k| {
        let (r, c) = (2 * (k / half), 2 * (k % half));
        let at = |dr: usize, dc: usize| z[(r + dr) * mnist_data::SIDE + c + dc];
        0.25 * (at(0, 0) + at(0, 1) + at(1, 0) + at(1, 1))
    })
}

/// The base inputs a GLN with `B` base inputs takes from an image: the image itself
/// (`B = PIXELS`, base logits = side information, as `Input::from_side`) or its 2x2-pooled
/// half-resolution version (`B = POOLED`). The gating always sees the full image.
trait Base<const B: usize> {
    fn base(z: &[f32; PIXELS]) -> [f32; B];
}

struct Base784;
impl Base<PIXELS> for Base784 {
    fn base(z: &[f32; PIXELS]) -> [f32; PIXELS] {
        *z
    }
}

struct Base196;
impl Base<POOLED> for Base196 {
    fn base(z: &[f32; PIXELS]) -> [f32; POOLED] {
        pool(z)
    }
}

/// A GLN learner: any depth and shape, through the `Network` trait.
struct GlnLearner<M, F, const B: usize> {
    model: Box<M>,
    base: std::marker::PhantomData<F>,
}

impl<const B: usize, M: Network<PIXELS, B, CLASSES>, F: Base<B>> Learner for GlnLearner<M, F, B> {
    fn learn(&mut self, x: &[f32], label: usize) {
        let z = as_pixels(x);
        let x = Input::from_logits(z, &F::base(z)).expect("finite features");
        self.model.learn_class(&x, label).expect("label < 10");
    }

    fn scores(&self, x: &[f32]) -> [f32; CLASSES] {
        let z = as_pixels(x);
        self.model
            .predict_all(&Input::from_logits(z, &F::base(z)).expect("finite features"))
    }
}

/// The GLN of the benchmark: [4, 4, 1] per class, K = 13 halfspaces (8192 contexts) per
/// neuron, gated on the full image, with the 14x14 half-resolution image as base inputs
/// (which keeps each weight row at 197 values, so the 8192 contexts fit in 257 MiB).
type Pooled13 = Gln3<PIXELS, POOLED, 4, 4, 13, 8192, CLASSES>;

/// The default configuration with a constant learning rate `eta` and step scaling `scale`.
fn gln_config(eta: f32, scale: StepScale) -> Config {
    Config::DEFAULT.with_learning_rate(LearningRate {
        schedule: Schedule::Constant { eta },
        floor: 0.0,
        scale,
    })
}

/// A learner's name and how to build one with a given learning rate.
struct Spec {
    name: String,
    make: Box<dyn Fn(f32) -> Box<dyn Learner>>,
}

/// The GLN presets: `pooled` (the default, [`Pooled13`]) and the same with K = 12
/// (`pooled12`, 129 MiB); [4, 4, 1] with full-resolution base inputs and K = 10, 8, 6, 4
/// (`k10` ... `k4`: the finer the gating, the less it forgets); the `mnist` example's
/// configuration (b) (`wide`).
fn gln_spec(preset: &str, seed: u64) -> Result<(Spec, usize), String> {
    macro_rules! spec {
        ($name:expr, $M:ty, $F:ty, $B:expr, $scale:expr) => {
            (
                Spec {
                    name: $name.into(),
                    make: Box::new(move |lr| {
                        Box::new(GlnLearner::<$M, $F, { $B }> {
                            model: Box::new(<$M>::new(seed, gln_config(lr, $scale))),
                            base: std::marker::PhantomData,
                        })
                    }),
                },
                size_of::<$M>(),
            )
        };
    }
    type Full<const K: usize, const C: usize> = Gln3<PIXELS, PIXELS, 4, 4, K, C, CLASSES>;
    const NONE: StepScale = StepScale::None;
    Ok(match preset {
        "pooled" => spec!("GLN [4,4,1]x10 K=13 14x14", Pooled13, Base196, POOLED, NONE),
        "pooled12" => spec!(
            "GLN [4,4,1]x10 K=12 14x14",
            Gln3<PIXELS, POOLED, 4, 4, 12, 4096, CLASSES>,
            Base196,
            POOLED,
            NONE
        ),
        "k10" => spec!("GLN [4,4,1]x10 K=10", Full<10, 1024>, Base784, PIXELS, NONE),
        "k8" => spec!("GLN [4,4,1]x10 K=8", Full<8, 256>, Base784, PIXELS, NONE),
        "k6" => spec!("GLN [4,4,1]x10 K=6", Full<6, 64>, Base784, PIXELS, NONE),
        "k4" => spec!("GLN [4,4,1]x10 K=4", Full<4, 16>, Base784, PIXELS, NONE),
        "wide" => spec!(
            "GLN [16,16,1]x10 K=8",
            Gln3<PIXELS, PIXELS, 16, 16, 8, 256, CLASSES>,
            Base784,
            PIXELS,
            StepScale::HiddenFanIn { reference: 5.0 }
        ),
        other => {
            return Err(format!(
                "unknown GLN preset {other:?} (pooled, pooled12, k10, k8, k6, k4, wide)"
            ));
        }
    })
}

/// One task: which images it trains and tests on, and its pixel permutation (if any).
struct Task {
    name: String,
    train: Vec<usize>,
    test: Vec<usize>,
    perm: Option<Vec<usize>>,
}

/// A sequence of tasks over the data, and the input scaling every learner shares.
struct Setting<'a> {
    name: &'static str,
    train: &'a Set,
    test: &'a Set,
    tasks: Vec<Task>,
    /// Subtracted from each (permuted) pixel.
    center: Vec<f32>,
    inv_std: f32,
}

impl Setting<'_> {
    fn features(&self, set: &Set, i: usize, task: &Task, out: &mut [f32; PIXELS]) {
        let img = &set.images[i];
        match &task.perm {
            Some(p) => {
                for ((o, &src), c) in out.iter_mut().zip(p).zip(&self.center) {
                    *o = (img[src] - c) * self.inv_std;
                }
            }
            None => {
                for ((o, v), c) in out.iter_mut().zip(img).zip(&self.center) {
                    *o = (v - c) * self.inv_std;
                }
            }
        }
    }

    /// Accuracy (%) and mean normalised log loss on images `idx` of `set`.
    fn score(&self, l: &dyn Learner, set: &Set, idx: &[usize], task: &Task) -> (f64, f64) {
        let mut x = [0.0f32; PIXELS];
        let (mut correct, mut loss) = (0usize, 0.0f64);
        for &i in idx {
            self.features(set, i, task, &mut x);
            let s = l.scores(&x);
            let y = set.labels[i] as usize;
            correct += usize::from(gln::argmax(&s) == y);
            loss += normalised_log_loss(&s, y);
        }
        let n = idx.len().max(1) as f64;
        (100.0 * correct as f64 / n, loss / n)
    }

    fn learn(&self, l: &mut dyn Learner, idx: &[usize], task: &Task) {
        let mut x = [0.0f32; PIXELS];
        for &i in idx {
            self.features(self.train, i, task, &mut x);
            l.learn(&x, self.train.labels[i] as usize);
        }
    }
}

/// How the pixels of every task are centred and scaled, fitted on the first task's training
/// images and then frozen: per-pixel means and the pooled standard deviation around them
/// (`pixel`), one pooled mean and standard deviation (`global`), or no centring (`scaled`).
fn input_scaling(s: &Setting, task: &Task, mode: &str) -> (Vec<f32>, f32) {
    let mut sum = vec![0.0f64; PIXELS];
    let mut sum2 = vec![0.0f64; PIXELS];
    let mut x = [0.0f32; PIXELS];
    for &i in &task.train {
        s.features(s.train, i, task, &mut x);
        for j in 0..PIXELS {
            sum[j] += x[j] as f64;
            sum2[j] += x[j] as f64 * x[j] as f64;
        }
    }
    let n = task.train.len().max(1) as f64;
    let means: Vec<f64> = sum.iter().map(|v| v / n).collect();
    let total_mean = means.iter().sum::<f64>() / PIXELS as f64;
    let total_sq = sum2.iter().sum::<f64>() / (n * PIXELS as f64);
    let (center, var) = match mode {
        "pixel" => {
            let var = means
                .iter()
                .zip(&sum2)
                .map(|(m, s2)| s2 / n - m * m)
                .sum::<f64>()
                / PIXELS as f64;
            (means.iter().map(|m| *m as f32).collect(), var)
        }
        "global" => (
            vec![total_mean as f32; PIXELS],
            total_sq - total_mean * total_mean,
        ),
        _ => (vec![0.0; PIXELS], total_sq - total_mean * total_mean),
    };
    (center, 1.0 / var.max(1e-12).sqrt() as f32)
}

fn permutation(rng: &mut SplitMix64) -> Vec<usize> {
    let mut p: Vec<usize> = (0..PIXELS).collect();
    for i in (1..PIXELS).rev() {
        let j = (rng.next_u64() % (i as u64 + 1)) as usize;
        p.swap(i, j);
    }
    p
}

struct Args {
    settings: Vec<String>,
    tasks: usize,
    train_per_task: Option<usize>,
    test_per_task: Option<usize>,
    gln: String,
    hidden: usize,
    seed: u64,
    check: bool,
    input: String,
    all_rates: bool,
    validation: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut a = Args {
        settings: vec!["split".into(), "permuted".into()],
        tasks: 5,
        train_per_task: None,
        test_per_task: None,
        gln: "pooled".into(),
        hidden: 100,
        seed: 1,
        check: false,
        input: "pixel".into(),
        all_rates: false,
        validation: false,
    };
    let mut it = std::env::args().skip(1);
    let num = |v: Option<String>, what: &str| -> Result<usize, String> {
        v.and_then(|v| v.parse().ok())
            .ok_or_else(|| format!("{what} needs a number"))
    };
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--setting" => match it.next().as_deref() {
                Some("both") => {}
                Some(s @ ("split" | "permuted")) => a.settings = vec![s.into()],
                _ => return Err("--setting split|permuted|both".into()),
            },
            "--tasks" => a.tasks = num(it.next(), "--tasks")?.max(2),
            "--train-per-task" => a.train_per_task = Some(num(it.next(), "--train-per-task")?),
            "--test-per-task" => a.test_per_task = Some(num(it.next(), "--test-per-task")?),
            "--gln" => a.gln = it.next().ok_or("--gln pooled|pooled12|k10|k8|k6|k4|wide")?,
            "--hidden" => a.hidden = num(it.next(), "--hidden")?.max(1),
            "--seed" => a.seed = num(it.next(), "--seed")? as u64,
            "--check" => a.check = true,
            "--all-rates" => a.all_rates = true,
            "--validation" => a.validation = true,
            "--input" => match it.next().as_deref() {
                Some(m @ ("pixel" | "global" | "scaled")) => a.input = m.into(),
                _ => return Err("--input pixel|global|scaled".into()),
            },
            "--ci" => {
                a.train_per_task = Some(2000);
                a.test_per_task = Some(1000);
                a.check = true;
            }
            other => {
                return Err(format!(
                    "unknown argument {other:?} (see the file's header)"
                ));
            }
        }
    }
    Ok(a)
}

fn build_setting<'a>(name: &'static str, train: &'a Set, test: &'a Set, a: &Args) -> Setting<'a> {
    let cap = |mut v: Vec<usize>, n: Option<usize>| {
        if let Some(n) = n {
            v.truncate(n);
        }
        v
    };
    let mut tasks = Vec::new();
    if name == "split" {
        for t in 0..5u8 {
            let pair = [2 * t, 2 * t + 1];
            let pick = |s: &Set| -> Vec<usize> {
                (0..s.labels.len())
                    .filter(|&i| pair.contains(&s.labels[i]))
                    .collect()
            };
            tasks.push(Task {
                name: format!("{}/{}", pair[0], pair[1]),
                train: cap(pick(train), a.train_per_task),
                test: cap(pick(test), a.test_per_task),
                perm: None,
            });
        }
    } else {
        let mut rng = SplitMix64::new(0x5eed_0000 + a.seed);
        for t in 0..a.tasks {
            tasks.push(Task {
                name: format!("P{}", t + 1),
                train: cap((0..train.labels.len()).collect(), a.train_per_task),
                test: cap((0..test.labels.len()).collect(), a.test_per_task),
                perm: Some(permutation(&mut rng)),
            });
        }
    }
    let mut s = Setting {
        name,
        train,
        test,
        tasks,
        center: vec![0.0; PIXELS],
        inv_std: 1.0,
    };
    let (center, inv_std) = input_scaling(&s, &s.tasks[0], &a.input);
    s.center = center;
    s.inv_std = inv_std;
    s
}

/// What one learner measured in one setting.
struct Outcome {
    name: String,
    lr: f32,
    tuning: Vec<(f32, f64, f64)>,
    /// `acc[k][t]`: accuracy on task `t` after learning tasks `0..=k`.
    acc: Vec<Vec<f64>>,
    seconds: f64,
}

impl Outcome {
    fn last(&self) -> &[f64] {
        self.acc.last().map(Vec::as_slice).unwrap_or(&[])
    }
    fn forgetting(&self) -> Vec<f64> {
        let last = self.last();
        (0..last.len())
            .map(|t| {
                let best = self.acc[t..].iter().map(|r| r[t]).fold(f64::MIN, f64::max);
                best - last[t]
            })
            .collect()
    }
    fn mean_accuracy(&self) -> f64 {
        mean(self.last())
    }
    fn mean_forgetting(&self) -> f64 {
        let f = self.forgetting();
        mean(&f[..f.len() - 1])
    }
}

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len().max(1) as f64
}

/// The learning rate of `spec` chosen on the first task: each rate of [`GRID`] learns the
/// first 80% of its training images once; the rate with the most correct answers on the
/// remaining 20% wins (ties: the lower held-out log loss). Returns it and every rate's
/// (rate, accuracy, log loss).
fn choose_rate(spec: &Spec, s: &Setting) -> (f32, Vec<(f32, f64, f64)>) {
    let first = &s.tasks[0];
    let fit = first.train.len() * 4 / 5;
    let (fit_idx, held_idx) = first.train.split_at(fit);
    let mut tuning = Vec::new();
    let mut best: Option<(f32, f64, f64)> = None;
    for &lr in &GRID {
        let mut l = (spec.make)(lr);
        s.learn(l.as_mut(), fit_idx, first);
        let (acc, loss) = s.score(l.as_ref(), s.train, held_idx, first);
        tuning.push((lr, acc, loss));
        let better = match best {
            None => true,
            Some((_, ba, bl)) => acc > ba || (acc == ba && loss < bl),
        };
        if better {
            best = Some((lr, acc, loss));
        }
    }
    (best.map_or(GRID[0], |b| b.0), tuning)
}

/// Learns the tasks in order at rate `lr`, scoring every task seen so far after each:
/// `acc[k][t]` is the accuracy on task `t` after learning tasks `0..=k`.
fn sequence(spec: &Spec, s: &Setting, lr: f32) -> Vec<Vec<f64>> {
    let mut l = (spec.make)(lr);
    let mut acc = Vec::new();
    for (k, task) in s.tasks.iter().enumerate() {
        s.learn(l.as_mut(), &task.train, task);
        let row: Vec<f64> = s.tasks[..=k]
            .iter()
            .map(|t| s.score(l.as_ref(), s.test, &t.test, t).0)
            .collect();
        acc.push(row);
    }
    acc
}

/// Chooses the rate, then runs the sequence with it.
fn evaluate(spec: &Spec, s: &Setting) -> Outcome {
    let start = Instant::now();
    let (lr, tuning) = choose_rate(spec, s);
    let acc = sequence(spec, s, lr);
    Outcome {
        name: spec.name.clone(),
        lr,
        tuning,
        acc,
        seconds: start.elapsed().as_secs_f64(),
    }
}

/// `--all-rates`: the sequence at every rate of the grid, to show what the choice of rate
/// does to each learner (not part of the protocol: the test images decide nothing here).
fn all_rates(specs: &[Spec], s: &Setting) {
    println!(
        "\n### {} MNIST: mean final accuracy / mean forgetting at every rate of the grid\n",
        s.name
    );
    let rates: Vec<String> = GRID.iter().map(|r| r.to_string()).collect();
    println!("| learner | {} |", rates.join(" | "));
    println!("|---|{}", "---|".repeat(GRID.len()));
    for spec in specs {
        let cells: Vec<String> = GRID
            .iter()
            .map(|&lr| {
                let o = Outcome {
                    name: spec.name.clone(),
                    lr,
                    tuning: Vec::new(),
                    acc: sequence(spec, s, lr),
                    seconds: 0.0,
                };
                format!("{:.1} / {:.1}", o.mean_accuracy(), o.mean_forgetting())
            })
            .collect();
        println!("| {} | {} |", spec.name, cells.join(" | "));
    }
}

fn report(s: &Setting, outcomes: &[Outcome]) {
    let names: Vec<&str> = s.tasks.iter().map(|t| t.name.as_str()).collect();
    println!("\n### {} MNIST: accuracy (%) after the last task\n", s.name);
    println!(
        "| learner | rate | {} | mean | time (s) |",
        names.join(" | ")
    );
    println!("|---|---|{}---|---|", "---|".repeat(names.len()));
    for o in outcomes {
        let cells: Vec<String> = o.last().iter().map(|v| format!("{v:.2}")).collect();
        println!(
            "| {} | {} | {} | **{:.2}** | {:.0} |",
            o.name,
            o.lr,
            cells.join(" | "),
            o.mean_accuracy(),
            o.seconds
        );
    }
    println!(
        "\n### {} MNIST: forgetting (best accuracy during the sequence minus final, points)\n",
        s.name
    );
    let firsts = &names[..names.len() - 1];
    println!("| learner | {} | mean |", firsts.join(" | "));
    println!("|---|{}---|", "---|".repeat(firsts.len()));
    for o in outcomes {
        let f = o.forgetting();
        let cells: Vec<String> = f[..f.len() - 1].iter().map(|v| format!("{v:.2}")).collect();
        println!(
            "| {} | {} | **{:.2}** |",
            o.name,
            cells.join(" | "),
            o.mean_forgetting()
        );
    }
    println!(
        "\nAccuracy after each task (rows: tasks learned; columns: task scored) and the rate choice:"
    );
    for o in outcomes {
        println!("  {}:", o.name);
        for (k, row) in o.acc.iter().enumerate() {
            let cells: Vec<String> = row.iter().map(|v| format!("{v:6.2}")).collect();
            println!("    after {:>5}: {}", names[k], cells.join(" "));
        }
        let tune: Vec<String> = o
            .tuning
            .iter()
            .map(|(lr, a, l)| format!("{lr}: {a:.2}% ({l:.3})"))
            .collect();
        println!(
            "    held-out accuracy (log loss) by rate: {}",
            tune.join(", ")
        );
    }
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
            println!("skipping the continual-learning benchmark: {e}");
            return;
        }
    };
    let bytes = match gln_spec(&args.gln, args.seed) {
        Ok((_, b)) => b,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    let ok = stack::with_stack(bytes, move || run(&args, &dir));
    if !ok {
        std::process::exit(1);
    }
}

fn run(args: &Args, dir: &std::path::Path) -> bool {
    let (mut train, mut test) = match (
        mnist_data::load(dir, "train"),
        mnist_data::load(dir, "t10k"),
    ) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    if args.validation {
        // The last 10k training images stand in for the test set; the official test images
        // are not read.
        let at = train.images.len() - 10_000;
        test = mnist_data::Set {
            images: train.images.split_off(at),
            labels: train.labels.split_off(at),
        };
        println!("validation run: learning from training images 0..{at}, scoring on {at}..");
    }
    mnist_data::deskew_all(&mut train);
    mnist_data::deskew_all(&mut test);
    let seed = args.seed;
    let hidden = args.hidden;
    let specs = [
        gln_spec(&args.gln, seed).expect("checked in main").0,
        Spec {
            name: "logistic regression".into(),
            make: Box::new(|lr| Box::new(LogReg::new(PIXELS, lr))),
        },
        Spec {
            name: format!("MLP {hidden} ReLU"),
            make: Box::new(move |lr| Box::new(Mlp::new(PIXELS, hidden, lr, seed))),
        },
    ];
    let mut ok = true;
    for name in &args.settings {
        let name: &'static str = if name == "split" { "split" } else { "permuted" };
        let s = build_setting(name, &train, &test, args);
        println!(
            "\n## {name} MNIST: {} tasks, {} training images per task (single pass), {} test images per task; input: {} centring, std {:.4}",
            s.tasks.len(),
            s.tasks.iter().map(|t| t.train.len()).min().unwrap_or(0),
            s.tasks.iter().map(|t| t.test.len()).min().unwrap_or(0),
            args.input,
            1.0 / s.inv_std
        );
        let mut outcomes = Vec::new();
        for spec in &specs {
            let o = evaluate(spec, &s);
            println!(
                "  {}: rate {}, mean accuracy {:.2}%, mean forgetting {:.2} points ({:.0} s)",
                o.name,
                o.lr,
                o.mean_accuracy(),
                o.mean_forgetting(),
                o.seconds
            );
            outcomes.push(o);
        }
        report(&s, &outcomes);
        if args.all_rates {
            all_rates(&specs, &s);
        }
        let (g, baselines) = outcomes.split_first().expect("three learners");
        let best_forgetting = baselines
            .iter()
            .map(Outcome::mean_forgetting)
            .fold(f64::INFINITY, f64::min);
        let best_accuracy = baselines
            .iter()
            .map(Outcome::mean_accuracy)
            .fold(f64::NEG_INFINITY, f64::max);
        let half = g.mean_forgetting() <= 0.5 * best_forgetting;
        let above = g.mean_accuracy() > best_accuracy;
        println!(
            "\nTarget ({name}): GLN mean forgetting {:.2} <= half the best baseline's ({:.2}): {}; GLN mean accuracy {:.2} above every baseline's (best {:.2}): {}",
            g.mean_forgetting(),
            0.5 * best_forgetting,
            if half { "met" } else { "NOT met" },
            g.mean_accuracy(),
            best_accuracy,
            if above { "met" } else { "NOT met" }
        );
        let lr_forgetting = baselines[0].mean_forgetting();
        if args.check {
            if g.mean_forgetting() < lr_forgetting {
                println!(
                    "check ({name}): the GLN forgets less than the logistic regression ({:.2} < {:.2} points): ok",
                    g.mean_forgetting(),
                    lr_forgetting
                );
            } else {
                eprintln!(
                    "check ({name}) FAILED: the GLN forgets {:.2} points on average, the logistic regression {:.2}",
                    g.mean_forgetting(),
                    lr_forgetting
                );
                ok = false;
            }
        }
    }
    ok
}
