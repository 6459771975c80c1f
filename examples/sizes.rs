//! Prints the README's model-size tables: `size_of` each model type, next to the formula, and
//! the anomaly detectors (on x86-64; a 32-bit target is a few bytes smaller).
//!
//! ```text
//! cargo run --example sizes
//! ```
//! RAM of a model = 4 bytes × (weights + hyperplane values + row bounds) + a fixed overhead
//! (configuration, seed, step count), where
//! - weights = N · Σ_layers width · C · (inputs + 1),
//! - hyperplane values = Σ_layers width · K · (D + 1),
//! - row bounds = N · Σ_layers width · C.

use gln::detector::{Detector, SensorModel, SmallSensorModel};
use gln::{Gln1, Gln2, Gln3, Gln4};

fn row<T>(shape: &str, use_: &str, weights: usize, planes: usize, rows: usize, macs_learn: usize) {
    let bytes = size_of::<T>();
    let formula = 4 * (weights + planes + rows);
    println!(
        "| {shape} | {use_} | {weights} | {planes} | {} | {} | {macs_learn} |",
        human(bytes),
        bytes - formula
    );
}

fn human(b: usize) -> String {
    if b >= 1 << 20 {
        format!("{:.1} MiB", b as f64 / (1 << 20) as f64)
    } else if b >= 1 << 10 {
        format!("{:.1} KiB", b as f64 / 1024.0)
    } else {
        format!("{b} B")
    }
}

macro_rules! table {
    ($($shape:literal, $use_:literal => $ty:ty, rows $rows:expr;)+) => {
        println!("| shape (type) | use | weights | hyperplane values | RAM (`size_of`) | fixed overhead (bytes) | MACs per `learn` |");
        println!("|---|---|---:|---:|---:|---:|---:|");
        $( row::<$ty>($shape, $use_, <$ty>::WEIGHTS, <$ty>::PLANE_VALUES, $rows, <$ty>::MACS_LEARN); )+
    };
}

fn main() {
    table! {
        "`Gln1<4, 4, 2, 4>`: [1], K = 2", "smallest useful (M0)" => Gln1<4, 4, 2, 4>, rows 4;
        "`Gln2<8, 8, 8, 2, 4>`: [8, 1], K = 2", "tiny sensor model (M0)" => Gln2<8, 8, 8, 2, 4>, rows (8 + 1) * 4;
        "`Gln3<16, 16, 16, 16, 4, 16>`: [16, 16, 1], K = 4", "reference sensor shape" => Gln3<16, 16, 16, 16, 4, 16>, rows (16 + 16 + 1) * 16;
        "`Gln3<32, 32, 32, 32, 4, 16>`: [32, 32, 1], K = 4", "larger sensor model" => Gln3<32, 32, 32, 32, 4, 16>, rows (32 + 32 + 1) * 16;
        "`Gln4<16, 16, 16, 16, 16, 4, 16>`: [16, 16, 16, 1], K = 4", "four layers" => Gln4<16, 16, 16, 16, 16, 4, 16>, rows (16 * 3 + 1) * 16;
        "`Gln3<784, 784, 4, 4, 4, 16, 10>`: [4, 4, 1] x 10", "MNIST (a)" => Gln3<784, 784, 4, 4, 4, 16, 10>, rows 10 * (4 + 4 + 1) * 16;
        "`Gln3<784, 784, 16, 16, 8, 256, 10>`: [16, 16, 1] x 10, K = 8", "MNIST (b)" => Gln3<784, 784, 16, 16, 8, 256, 10>, rows 10 * (16 + 16 + 1) * 256;
    }
    println!();
    println!("| anomaly detector (type) | use | RAM (`size_of`) |");
    println!("|---|---|---:|");
    let d = |t: &str, u: &str, b: usize| println!("| {t} | {u} | {} |", human(b));
    d(
        "`SmallSensorModel` = `GaussianGln2<8, 8, 8, 2, 4>`",
        "Gaussian GLN, small cores",
        size_of::<SmallSensorModel>(),
    );
    d(
        "`SensorModel` = `GaussianGln3<16, 16, 16, 16, 4, 16>`",
        "Gaussian GLN, reference shape",
        size_of::<SensorModel>(),
    );
    d(
        "`Detector<1, 8, 8, 8, SmallSensorModel>`",
        "one channel, small (M0/M3)",
        size_of::<Detector<1, 8, 8, 8, SmallSensorModel>>(),
    );
    d(
        "`Detector<3, 8, 8, 8, SmallSensorModel>`",
        "3-axis IMU, small",
        size_of::<Detector<3, 8, 8, 8, SmallSensorModel>>(),
    );
    d(
        "`Detector<1, 16, 16, 16, SensorModel>`",
        "one channel, reference (M4F)",
        size_of::<Detector<1, 16, 16, 16, SensorModel>>(),
    );
    d(
        "`Detector<2, 16, 16, 16, SensorModel>`",
        "the `anomaly` example's machine",
        size_of::<Detector<2, 16, 16, 16, SensorModel>>(),
    );
}
