//! Every prediction explained: which pixels made a GLN call an MNIST digit what it called it.
//!
//! Learns the 60k training images once (the `mnist` example's configuration (a): [4, 4, 1]
//! per class, K = 4), then, for a few test digits, prints the digit and the explanation of the
//! predicted class as 28x28 pictures: each pixel's contribution to that class's output logit
//! (`+ * #` for evidence for the class, `- = @` against it, darker for larger). A misclassified
//! digit is shown too, with the explanation of its true class beside. With `--svg DIR`, each
//! picture is also written as an SVG file (red for, blue against).
//!
//! Then checks the decomposition on the whole test set: the contributions and the bias sum to
//! the output logit of every head within `Explanation::TOLERANCE`, and how often a clip bound.
//!
//! ```text
//! cargo run --release --example explain
//! cargo run --release --example explain -- --digits 0,1,2,3 --svg target/explain
//! ```
//! Options: `--digits I,J,...` (test indices; default the first four and the first mistake),
//! `--train N` (training images), `--svg DIR`.
//! Data: `$GLN_DATA_DIR/mnist` or `../shared/data/mnist`; without it the example says so and
//! exits 0.

#[path = "support/mnist_data.rs"]
mod mnist_data;
#[path = "support/stack.rs"]
mod stack;

use gln::{Config, Explanation, Gln3, Input, LearningRate, Standardizer};
use mnist_data::{PIXELS, SIDE};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The `mnist` example's configuration (a).
type Model = Gln3<PIXELS, PIXELS, 4, 4, 4, 16, 10>;
const CONFIG: Config = Config::DEFAULT.with_learning_rate(LearningRate::constant(0.05));

/// Shading ramps: evidence for the class, and against it, from faint to strong.
const FOR: [char; 4] = ['.', '+', '*', '#'];
const AGAINST: [char; 4] = ['\'', '-', '=', '@'];
const INK: [char; 5] = [' ', '.', ':', 'o', '@'];

/// One picture's rows: `cell(j)` gives pixel `j`'s character.
fn picture(cell: impl Fn(usize) -> char) -> Vec<String> {
    (0..SIDE)
        .map(|r| (0..SIDE).map(|c| cell(r * SIDE + c)).collect())
        .collect()
}

fn ink(img: &[f32; PIXELS]) -> Vec<String> {
    picture(|j| INK[((img[j] * 4.0).round() as usize).min(4)])
}

/// Shading of contributions relative to the largest in magnitude; below 5% of it is blank.
fn shading(e: &[f32; PIXELS]) -> Vec<String> {
    let max = e.iter().fold(0.0f32, |m, v| m.max(v.abs()));
    picture(|j| {
        let v = if max > 0.0 { e[j] / max } else { 0.0 };
        if v.abs() < 0.05 {
            ' '
        } else {
            let level = ((v.abs() * 4.0).ceil() as usize).clamp(1, 4) - 1;
            if v > 0.0 { FOR[level] } else { AGAINST[level] }
        }
    })
}

fn print_side_by_side(titles: &[String], pictures: &[Vec<String>]) {
    let line: Vec<String> = titles.iter().map(|t| format!("{t:<30}")).collect();
    println!("  {}", line.join(" "));
    for r in 0..SIDE {
        let row: Vec<String> = pictures.iter().map(|p| format!("|{}|", p[r])).collect();
        println!("  {}", row.join(" "));
    }
}

/// An SVG of the digit (grey) beside its explanation (red for, blue against).
fn write_svg(
    path: &Path,
    img: &[f32; PIXELS],
    e: &Explanation<PIXELS>,
    title: &str,
) -> std::io::Result<()> {
    let px = 10;
    let w = 2 * SIDE * px + 3 * px;
    let h = SIDE * px + 3 * px;
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}">"#
    );
    let _ = writeln!(s, r#"<rect width="{w}" height="{h}" fill="white"/>"#);
    let _ = writeln!(
        s,
        r#"<text x="{px}" y="{}" font-family="monospace" font-size="12">{title}</text>"#,
        2 * px - 4
    );
    let max = e
        .inputs
        .iter()
        .fold(0.0f32, |m, v| m.max(v.abs()))
        .max(1e-12);
    for (j, (pixel, contribution)) in img.iter().zip(&e.inputs).enumerate() {
        let (r, c) = (j / SIDE, j % SIDE);
        let y = 2 * px + r * px;
        let g = 255 - (pixel.clamp(0.0, 1.0) * 255.0) as u8;
        let _ = writeln!(
            s,
            r#"<rect x="{}" y="{y}" width="{px}" height="{px}" fill="rgb({g},{g},{g})"/>"#,
            px + c * px
        );
        let v = contribution / max;
        let fade = 255 - (v.abs().min(1.0) * 255.0) as u8;
        let (red, green, blue) = if v >= 0.0 {
            (255, fade, fade)
        } else {
            (fade, fade, 255)
        };
        let _ = writeln!(
            s,
            r#"<rect x="{}" y="{y}" width="{px}" height="{px}" fill="rgb({red},{green},{blue})"/>"#,
            2 * px + SIDE * px + c * px
        );
    }
    s.push_str("</svg>\n");
    std::fs::write(path, s)
}

fn summary(e: &Explanation<PIXELS>) -> String {
    let pos: f32 = e.inputs.iter().filter(|v| **v > 0.0).sum();
    let neg: f32 = e.inputs.iter().filter(|v| **v < 0.0).sum();
    format!(
        "logit {:+.3} = pixels for {:+.3} + pixels against {:+.3} + bias {:+.3} (residual {:.1e}; clipped: {} inputs, {} hidden neurons)",
        e.output,
        pos,
        neg,
        e.bias,
        e.residual(),
        e.clipped_inputs,
        e.clipped_neurons
    )
}

struct Args {
    digits: Option<Vec<usize>>,
    train: Option<usize>,
    svg: Option<PathBuf>,
}

fn parse_args() -> Result<Args, String> {
    let mut a = Args {
        digits: None,
        train: None,
        svg: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--digits" => {
                let v = it.next().ok_or("--digits I,J,...")?;
                let d: Result<Vec<usize>, _> = v.split(',').map(str::parse).collect();
                a.digits = Some(d.map_err(|_| "--digits I,J,... (test indices)")?);
            }
            "--train" => a.train = Some(it.next().and_then(|v| v.parse().ok()).ok_or("--train N")?),
            "--svg" => a.svg = Some(it.next().ok_or("--svg DIR")?.into()),
            other => {
                return Err(format!(
                    "unknown argument {other:?} (see the file's header)"
                ));
            }
        }
    }
    Ok(a)
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
            println!("skipping the explanation example: {e}");
            return;
        }
    };
    let ok = stack::with_stack(size_of::<Model>(), move || run(&args, &dir));
    if !ok {
        std::process::exit(1);
    }
}

fn run(args: &Args, dir: &Path) -> bool {
    let (mut train, mut test) = match (
        mnist_data::load(dir, "train"),
        mnist_data::load(dir, "t10k"),
    ) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("{e}");
            return false;
        }
    };
    if let Some(n) = args.train {
        train.images.truncate(n);
        train.labels.truncate(n);
    }
    mnist_data::deskew_all(&mut train);
    mnist_data::deskew_all(&mut test);
    let mut model = Box::new(Model::new(1, CONFIG));
    let mut scale = Standardizer::<PIXELS>::new(1.0);
    for (img, &label) in train.images.iter().zip(&train.labels) {
        let z = scale.update_transform(img).expect("pixels are finite");
        model
            .learn_class(&Input::from_side(&z).expect("finite"), label as usize)
            .expect("label < 10");
    }
    // Every test image, every head: the decomposition holds, and how often a clip bound.
    let (mut correct, mut worst, mut linear, mut outside) = (0usize, 0.0f32, 0usize, 0usize);
    let mut first_mistake = None;
    for (i, (img, &label)) in test.images.iter().zip(&test.labels).enumerate() {
        let z = scale.transform(img).expect("finite");
        let x = Input::from_side(&z).expect("finite");
        let predicted = model.predict_class(&x);
        if predicted == label as usize {
            correct += 1;
        } else if first_mistake.is_none() {
            first_mistake = Some(i);
        }
        for head in 0..10 {
            let e = model.explain(&x, head).expect("head < 10");
            worst = worst.max(e.residual().abs() / (1.0 + e.magnitude()));
            linear += usize::from(e.is_linear());
            outside += usize::from(!e.within_tolerance());
        }
    }
    let n = test.images.len();
    println!(
        "Learned {} training images once; test accuracy {:.2}%.",
        train.images.len(),
        100.0 * correct as f64 / n as f64
    );
    println!(
        "Decomposition over all {} test images x 10 heads: largest |residual| / (1 + Σ|terms|) = {worst:.1e} (tolerance {:.0e}); {outside} outside it; {:.1}% of explanations with no clip bound (exactly the local linear map).",
        n,
        Explanation::<PIXELS>::TOLERANCE,
        100.0 * linear as f64 / (10 * n) as f64
    );
    println!(
        "\nLegend: digit ink ` .:o@`; contribution to the class logit: for `{}`, against `{}` (faint to strong, relative to the largest).",
        FOR.iter().collect::<String>(),
        AGAINST.iter().collect::<String>()
    );
    let digits = args.digits.clone().unwrap_or_else(|| {
        let mut d = vec![0, 1, 2, 3];
        d.extend(first_mistake);
        d
    });
    if let Some(svg) = &args.svg
        && let Err(e) = std::fs::create_dir_all(svg)
    {
        eprintln!("{}: {e}", svg.display());
        return false;
    }
    for &i in &digits {
        let Some(img) = test.images.get(i) else {
            eprintln!("no test image {i}");
            return false;
        };
        let label = test.labels[i] as usize;
        let z = scale.transform(img).expect("finite");
        let x = Input::from_side(&z).expect("finite");
        let p = model.predict_all(&x);
        let predicted = gln::argmax(&p);
        let e = model.explain(&x, predicted).expect("head < 10");
        println!(
            "\nTest image {i}: a {label}, predicted {predicted} (p = {:.3}){}",
            p[predicted],
            if predicted == label {
                ""
            } else {
                "  <- a mistake"
            }
        );
        let mut titles = vec![format!("digit {label}"), format!("why {predicted}")];
        let mut pictures = vec![ink(img), shading(&e.inputs)];
        println!("  class {predicted}: {}", summary(&e));
        let mut explained = vec![(predicted, e)];
        if predicted != label {
            let t = model.explain(&x, label).expect("head < 10");
            println!("  class {label}: {}", summary(&t));
            titles.push(format!("why {label} (the truth, p = {:.3})", p[label]));
            pictures.push(shading(&t.inputs));
            explained.push((label, t));
        }
        print_side_by_side(&titles, &pictures);
        if let Some(svg) = &args.svg {
            for (class, e) in &explained {
                let path = svg.join(format!("test{i}-class{class}.svg"));
                let title = format!("test image {i} (a {label}): contributions to class {class}");
                match write_svg(&path, img, e, &title) {
                    Ok(()) => println!("  wrote {}", path.display()),
                    Err(err) => {
                        eprintln!("{}: {err}", path.display());
                        return false;
                    }
                }
            }
        }
    }
    outside == 0
}
