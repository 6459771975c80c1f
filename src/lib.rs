//! Gated Linear Networks (GLNs) that learn online, one sample at a time, without
//! backpropagation, in fixed memory, with `f32` math: for microcontrollers, and bit-for-bit
//! the same on the host.
//!
//! # The model
//! A GLN neuron owns `C = 2^K` weight rows and `K` fixed random hyperplanes over the side
//! information `z`. The side of each hyperplane `z` falls on picks the active row (the
//! *context*); the neuron's output is `σ(w_c · logit(p))`, a geometric mixture of its input
//! probabilities. Each neuron learns its own convex log loss by one gradient step on the active
//! row only, so no gradient crosses a layer. (Veness et al., "Gated Linear Networks", AAAI 2021.)
//!
//! # The shape is in the type
//! [`Gln1`] to [`Gln4`] are networks of one to four layers; their const parameters give the
//! side-information size, base-input size, hidden widths, halfspaces `K`, contexts `C = 2^K`
//! and the number of heads (classes, one-vs-all). A bad shape is a compile error. Every model
//! is plain data with a `const fn` constructor, so it can live on the stack, in a `static`, or
//! (with `std`) in a `Box`; its RAM is `size_of` its type (see the README's table).
//!
//! ```
//! use gln::{Config, Gln2, Input, Standardizer};
//!
//! // 3 features, layers [8, 1], 2 halfspaces (4 contexts) per neuron: 320 bytes of weights.
//! type Model = Gln2<3, 3, 8, 2, 4>;
//! let mut model = Model::new(42, Config::DEFAULT);
//! let mut scale = Standardizer::<3>::new(1e-3);
//!
//! let raw = [20.5, 0.31, 1013.0];
//! let z = scale.update_transform(&raw)?; // z-scores, online
//! let x = Input::from_side(&z)?;          // checks for NaN/inf once
//! let p_before = model.learn(&x, true);   // scores, then learns
//! assert!(p_before > 0.0 && p_before < 1.0);
//! # Ok::<(), gln::Error>(())
//! ```
//!
//! # Real-valued targets and anomaly detection
//! [`gaussian`] holds the Gaussian GLN ([`gaussian::GaussianGln1`] to
//! [`gaussian::GaussianGln4`]): the same gating, neurons that mix Gaussians, a predicted mean
//! and variance for a real target, and its negative log-likelihood as an anomaly score.
//! [`detector`] builds a streaming anomaly detector for sensor channels on it, in fixed
//! memory: score each reading before learning it, flag it with adaptive thresholds.
//!
//! # Cores without an FPU
//! [`quant`] holds the integer GLN ([`QGln1`] to [`QGln4`]): the same shapes and gating,
//! `i16` fixed-point weights (half the bytes), table-based `σ`, integer learning: an order of
//! magnitude fewer instructions than soft float on a Cortex-M0.
//!
//! # Bit-exact everywhere
//! All transcendental math goes through [`math`] (libm), dot products use a fixed summation
//! order, and hyperplanes come from [`rng::SplitMix64`]: the same seed and the same stream give
//! the same weights, bit for bit, in a `std` build, a `no_std` build and on every Cortex-M
//! core. [`Gln3::fingerprint`] hashes a model's state to check it.
//!
//! # Bad input
//! Input is checked when an [`Input`] is built (NaN, infinity, wrong length, a probability
//! outside `[0, 1]`), and labels when they are used. A rejected call returns an [`Error`] and
//! changes nothing.
#![cfg_attr(not(any(test, feature = "std")), no_std)]
// On docs.rs (`--cfg docsrs`, nightly): each feature-gated item is marked with its feature.
#![cfg_attr(docsrs, feature(doc_cfg))]
// `unsafe` only in `kernels` (Cortex-M FPU inner loops, audited there); nowhere else.
#![deny(unsafe_code)]
#![deny(clippy::undocumented_unsafe_blocks)]
#![deny(missing_docs)]
#![warn(clippy::unwrap_used, clippy::expect_used)]
// No panic on the learning path: no unwrap/expect/panic, no indexing that can fail, no
// arithmetic that can overflow or divide by zero (float arithmetic is exempt: it cannot
// panic). Enforced on the library, not on its tests. Each `allow` in the crate says why.
#![cfg_attr(
    not(test),
    deny(
        clippy::indexing_slicing,
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::unreachable,
        clippy::todo,
        clippy::unimplemented,
        clippy::arithmetic_side_effects
    )
)]
// `!(x < y)` is how this crate says "not less, or NaN": the NaN case is the point.
#![allow(clippy::neg_cmp_op_on_partial_ord)]
#![cfg_attr(
    test,
    allow(clippy::unwrap_used, clippy::expect_used, clippy::needless_range_loop)
)]

pub mod bernoulli;
pub mod config;
pub mod detector;
mod error;
pub mod explain;
pub mod gaussian;
#[doc(hidden)] // the fingerprints' hash, public for the board crates
pub mod hash;
mod input;
mod kernels;
pub mod math;
pub mod net;
pub mod persist;
pub mod quant;
pub mod rng;
pub mod selftest;
mod standardize;
#[cfg(feature = "storage")]
pub mod storage;

pub use bernoulli::{Gln1, Gln2, Gln3, Gln4, Network};
pub use config::{Config, LearningRate, Schedule, StepScale, WeightInit};
pub use error::Error;
pub use explain::{Explain, Explanation};
pub use input::Input;
pub use math::argmax;
pub use persist::{Persist, PersistError};
pub use quant::{QGln1, QGln2, QGln3, QGln4, QInput};
pub use standardize::Standardizer;

/// The README's code examples, compiled and run as doctests so the front page cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
