//! Baselines for the continual-learning benchmark, written here (no framework): an online
//! one-vs-all logistic regression and a one-hidden-layer MLP, both plain SGD with batch size 1
//! and a constant learning rate.

#![allow(dead_code)]

use gln::math::{exp, sigmoid};
use gln::rng::SplitMix64;

/// A learner that sees one labelled image at a time.
pub trait Learner {
    /// Learns one sample of class `label`.
    fn learn(&mut self, x: &[f32], label: usize);
    /// A score per class, larger for more likely (probabilities, not necessarily summing to 1).
    fn scores(&self, x: &[f32]) -> [f32; CLASSES];
    /// The class with the highest score.
    fn predict(&self, x: &[f32]) -> usize {
        gln::argmax(&self.scores(x))
    }
}

/// Number of classes.
pub const CLASSES: usize = 10;

/// `−ln(s_y / Σ_k s_k)`: the log loss of the scores normalised to a distribution.
pub fn normalised_log_loss(s: &[f32; CLASSES], label: usize) -> f64 {
    let total: f64 = s.iter().map(|v| *v as f64).sum();
    let p = (s[label] as f64 / total).max(1e-12);
    -p.ln()
}

/// Online one-vs-all logistic regression: one sigmoid unit per class over the inputs and a
/// bias, weights starting at 0, every unit updated on every sample (target 1 for the label,
/// 0 for the others) by `w ← w − η (σ(w·x + b) − y) x`.
pub struct LogReg {
    w: Vec<f32>, // CLASSES rows of `inputs` weights
    b: [f32; CLASSES],
    inputs: usize,
    lr: f32,
}

impl LogReg {
    pub fn new(inputs: usize, lr: f32) -> Self {
        Self {
            w: vec![0.0; CLASSES * inputs],
            b: [0.0; CLASSES],
            inputs,
            lr,
        }
    }

    fn logits(&self, x: &[f32]) -> [f32; CLASSES] {
        core::array::from_fn(|k| {
            let row = &self.w[k * self.inputs..(k + 1) * self.inputs];
            gln::math::dot(row, x) + self.b[k]
        })
    }
}

impl Learner for LogReg {
    fn learn(&mut self, x: &[f32], label: usize) {
        let s = self.logits(x);
        for (k, sk) in s.iter().enumerate() {
            let y = if k == label { 1.0 } else { 0.0 };
            let g = self.lr * (sigmoid(*sk) - y);
            let row = &mut self.w[k * self.inputs..(k + 1) * self.inputs];
            for (w, xi) in row.iter_mut().zip(x) {
                *w -= g * xi;
            }
            self.b[k] -= g;
        }
    }

    fn scores(&self, x: &[f32]) -> [f32; CLASSES] {
        self.logits(x).map(sigmoid)
    }
}

/// A one-hidden-layer MLP: `hidden` ReLU units, a softmax over the classes, cross-entropy
/// loss, one SGD step per sample (backpropagation). He-uniform initial weights for the hidden
/// layer, Glorot-uniform for the output layer (seeded), biases 0.
pub struct Mlp {
    w1: Vec<f32>, // hidden rows of `inputs`
    b1: Vec<f32>,
    w2: Vec<f32>, // CLASSES rows of `hidden`
    b2: [f32; CLASSES],
    inputs: usize,
    hidden: usize,
    lr: f32,
}

impl Mlp {
    pub fn new(inputs: usize, hidden: usize, lr: f32, seed: u64) -> Self {
        let mut rng = SplitMix64::new(seed);
        let mut uniform = |limit: f32| (2.0 * rng.next_f32() - 1.0) * limit;
        let l1 = (6.0 / inputs as f32).sqrt();
        let w1 = (0..hidden * inputs).map(|_| uniform(l1)).collect();
        let l2 = (6.0 / (hidden + CLASSES) as f32).sqrt();
        let w2 = (0..CLASSES * hidden).map(|_| uniform(l2)).collect();
        Self {
            w1,
            b1: vec![0.0; hidden],
            w2,
            b2: [0.0; CLASSES],
            inputs,
            hidden,
            lr,
        }
    }

    fn forward(&self, x: &[f32], h: &mut [f32]) -> [f32; CLASSES] {
        for (j, hj) in h.iter_mut().enumerate() {
            let row = &self.w1[j * self.inputs..(j + 1) * self.inputs];
            *hj = (gln::math::dot(row, x) + self.b1[j]).max(0.0);
        }
        let s: [f32; CLASSES] = core::array::from_fn(|k| {
            let row = &self.w2[k * self.hidden..(k + 1) * self.hidden];
            gln::math::dot(row, h) + self.b2[k]
        });
        softmax(&s)
    }
}

fn softmax(s: &[f32; CLASSES]) -> [f32; CLASSES] {
    let m = s.iter().fold(f32::NEG_INFINITY, |a, b| a.max(*b));
    let e = s.map(|v| exp(v - m));
    let total: f32 = e.iter().sum();
    e.map(|v| v / total)
}

impl Learner for Mlp {
    fn learn(&mut self, x: &[f32], label: usize) {
        let mut h = vec![0.0f32; self.hidden];
        let p = self.forward(x, &mut h);
        // d loss / d output logit = p − onehot.
        let d2: [f32; CLASSES] =
            core::array::from_fn(|k| p[k] - if k == label { 1.0 } else { 0.0 });
        // Hidden gradients (through ReLU), from the weights before their update.
        let mut d1 = vec![0.0f32; self.hidden];
        for (k, dk) in d2.iter().enumerate() {
            let row = &self.w2[k * self.hidden..(k + 1) * self.hidden];
            for (d, w) in d1.iter_mut().zip(row) {
                *d += dk * w;
            }
        }
        for (d, hj) in d1.iter_mut().zip(&h) {
            if *hj <= 0.0 {
                *d = 0.0;
            }
        }
        for (k, dk) in d2.iter().enumerate() {
            let g = self.lr * dk;
            let row = &mut self.w2[k * self.hidden..(k + 1) * self.hidden];
            for (w, hj) in row.iter_mut().zip(&h) {
                *w -= g * hj;
            }
            self.b2[k] -= g;
        }
        for (j, dj) in d1.iter().enumerate() {
            if *dj == 0.0 {
                continue;
            }
            let g = self.lr * dj;
            let row = &mut self.w1[j * self.inputs..(j + 1) * self.inputs];
            for (w, xi) in row.iter_mut().zip(x) {
                *w -= g * xi;
            }
            self.b1[j] -= g;
        }
    }

    fn scores(&self, x: &[f32]) -> [f32; CLASSES] {
        let mut h = vec![0.0f32; self.hidden];
        self.forward(x, &mut h)
    }
}
