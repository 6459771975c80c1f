//! A Bernoulli GLN as a one-pass online classifier of the labelled anomaly streams, `f32`
//! and integer (`gln::quant`) of the same shape side by side: the accuracy cost of the
//! integer network outside MNIST.
//!
//! ```text
//! cargo run --release --example streams_bernoulli
//! ```
//! Protocol, per stream, in its given order: standardise the reading online (offset 1, the
//! MNIST protocol's), predict the probability that it is labelled anomalous, then learn its
//! label (prequential: every reading is scored before it is learned). Scored by the ROC AUC of
//! those probabilities against the labels, and the accuracy of `p > 0.5`.
//! - NASA shuttle: the 9 channels, `Gln2<9, 9, 16, 4, 16>` / `QGln2<...>` ([16, 1], K = 4).
//! - NAB realKnownCause: each stream's value and its change from the previous reading,
//!   `Gln2<2, 2, 16, 4, 16>` / `QGln2<...>`; the labels are NAB's anomaly windows, so this is
//!   "is this reading inside a labelled window", a hard target for two features (mean of
//!   the 7 streams).
//!
//! Data: `../shared/data` (see `examples/support/anomaly_data.rs`); skips with a message
//! when absent.

#[path = "support/anomaly_data.rs"]
mod anomaly_data;

use anomaly_data::{Stream, nab_group, roc_auc, shuttle};
use gln::{Config, Gln2, Input, Network, QGln2, Standardizer};

/// What one pass measured.
struct Score {
    auc: f64,
    accuracy: f64,
}

/// One prequential pass over `rows` with their `labels`.
fn pass<const D: usize, M: Network<D, D, 1>>(
    model: &mut M,
    rows: &[[f32; D]],
    labels: &[bool],
) -> Result<Score, gln::Error> {
    let mut scale = Standardizer::<D>::new(1.0);
    let mut p = Vec::with_capacity(rows.len());
    let mut correct = 0usize;
    for (x, &y) in rows.iter().zip(labels) {
        let z = scale.update_transform(x)?;
        let [q] = model.learn_targets(&Input::from_side(&z)?, &[y]);
        correct += usize::from((q > 0.5) == y);
        p.push(q);
    }
    Ok(Score {
        auc: roc_auc(&p, labels).unwrap_or(f64::NAN),
        accuracy: 100.0 * correct as f64 / rows.len().max(1) as f64,
    })
}

/// The `f32` and the integer network of shape [16, 1], K = 4, over `rows`.
fn both<const D: usize>(rows: &[[f32; D]], labels: &[bool]) -> Result<[Score; 2], gln::Error> {
    let mut f = Gln2::<D, D, 16, 4, 16>::new(1, Config::DEFAULT);
    let mut q = QGln2::<D, D, 16, 4, 16>::new(1, Config::DEFAULT);
    Ok([pass(&mut f, rows, labels)?, pass(&mut q, rows, labels)?])
}

/// The shuttle's rows as arrays of its 9 channels.
fn shuttle_rows(s: &Stream) -> Result<Vec<[f32; 9]>, String> {
    s.values
        .iter()
        .map(|v| <[f32; 9]>::try_from(v.as_slice()).map_err(|_| "shuttle: 9 channels".into()))
        .collect()
}

/// A one-channel stream as (value, change from the previous value).
fn with_change(s: &Stream) -> Vec<[f32; 2]> {
    let mut prev = None;
    s.values
        .iter()
        .map(|v| {
            let x = v.first().copied().unwrap_or(0.0);
            let d = prev.map_or(0.0, |p| x - p);
            prev = Some(x);
            [x, d]
        })
        .collect()
}

fn line(group: &str, [f, q]: &[Score; 2]) {
    println!(
        "{group:<34} f32 AUC {:.3} accuracy {:6.2}%   integer AUC {:.3} accuracy {:6.2}%",
        f.auc, f.accuracy, q.auc, q.accuracy
    );
}

fn main() -> Result<(), String> {
    let s = match shuttle() {
        Ok(s) => s,
        Err(e) => {
            println!("SKIPPED: shuttle data not found ({e})");
            return Ok(());
        }
    };
    let rows = shuttle_rows(&s)?;
    let r = both(&rows, &s.labels).map_err(|e| e.to_string())?;
    line("NASA shuttle", &r);
    let streams = match nab_group("realKnownCause") {
        Ok(g) => g,
        Err(e) => {
            println!("SKIPPED: NAB data not found ({e})");
            return Ok(());
        }
    };
    let mut sum = [(0.0, 0.0), (0.0, 0.0)];
    for st in &streams {
        let r = both(&with_change(st), &st.labels).map_err(|e| e.to_string())?;
        for (acc, sc) in sum.iter_mut().zip(&r) {
            acc.0 += sc.auc;
            acc.1 += sc.accuracy;
        }
    }
    let n = streams.len().max(1) as f64;
    let mean = sum.map(|(a, c)| Score {
        auc: a / n,
        accuracy: c / n,
    });
    line(
        &format!("NAB realKnownCause (mean of {})", streams.len()),
        &mean,
    );
    Ok(())
}
