//! The public names of the Gaussian GLN's shapes, [`GaussianGln1`] to [`GaussianGln4`]:
//! aliases of the generic [`Net`], each with one `const fn new` that spells its nesting (so
//! that a model can be built at compile time into a `static`).

use crate::gaussian::GaussianConfig;
use crate::gaussian::family::GaussianFamily;
use crate::gaussian::layer::GaussLayer;
use crate::net::{Cons, End, Layers1, Layers2, Layers3, Layers4, Net, net1, net2, net3, net4};

/// One layer of `OUT` neurons over `IN` inputs, every weight `1/m`, then `rest`.
const fn layer<const K: usize, const C: usize, const IN: usize, const OUT: usize, R>(
    rest: R,
) -> Cons<GaussianFamily, K, C, IN, OUT, R> {
    Cons(GaussLayer::new(), rest)
}

/// A one-layer Gaussian GLN: one gated neuron per head mixing the base Gaussians.
///
/// Parameters: side information `D`, base Gaussians `B`, halfspaces `K`, contexts
/// `C = 2^K`, heads `N` (default 1). See [`GaussianGln3`] for an example.
pub type GaussianGln1<
    const D: usize,
    const B: usize,
    const K: usize,
    const C: usize,
    const N: usize = 1,
> = Net<GaussianFamily, D, B, Layers1<GaussianFamily, K, C, B>, N>;

/// A two-layer Gaussian GLN: `[H1, 1]` per head.
///
/// Parameters: side information `D`, base Gaussians `B`, hidden width `H1`, halfspaces
/// `K`, contexts `C = 2^K`, heads `N` (default 1). See [`GaussianGln3`] for an example.
pub type GaussianGln2<
    const D: usize,
    const B: usize,
    const H1: usize,
    const K: usize,
    const C: usize,
    const N: usize = 1,
> = Net<GaussianFamily, D, B, Layers2<GaussianFamily, K, C, B, H1>, N>;

/// A three-layer Gaussian GLN: `[H1, H2, 1]` per head.
///
/// Parameters: side information `D`, base Gaussians `B`, hidden widths `H1, H2`,
/// halfspaces `K`, contexts `C = 2^K`, heads `N` (default 1).
///
/// ```
/// use gln::gaussian::{GaussianConfig, GaussianGln3, GaussianInput};
///
/// // The reference sensor shape: 16 features, layers [16, 16, 1], 4 halfspaces.
/// type Model = GaussianGln3<16, 16, 16, 16, 4, 16>;
/// static MODEL: Model = Model::new(7, GaussianConfig::DEFAULT); // built at compile time
///
/// let mut model = MODEL.clone();
/// let z = [0.25f32; 16];
/// let x = GaussianInput::from_side(&z, 1.0)?;
/// let before = model.learn(&x, 0.25)?;
/// let after = model.predict(&x);
/// assert!(after.nll(0.25) < before.nll(0.25));
/// # Ok::<(), gln::Error>(())
/// ```
pub type GaussianGln3<
    const D: usize,
    const B: usize,
    const H1: usize,
    const H2: usize,
    const K: usize,
    const C: usize,
    const N: usize = 1,
> = Net<GaussianFamily, D, B, Layers3<GaussianFamily, K, C, B, H1, H2>, N>;

/// A four-layer Gaussian GLN: `[H1, H2, H3, 1]` per head.
///
/// Parameters: side information `D`, base Gaussians `B`, hidden widths `H1, H2, H3`,
/// halfspaces `K`, contexts `C = 2^K`, heads `N` (default 1). See [`GaussianGln3`] for
/// an example.
pub type GaussianGln4<
    const D: usize,
    const B: usize,
    const H1: usize,
    const H2: usize,
    const H3: usize,
    const K: usize,
    const C: usize,
    const N: usize = 1,
> = Net<GaussianFamily, D, B, Layers4<GaussianFamily, K, C, B, H1, H2, H3>, N>;

impl<const D: usize, const B: usize, const K: usize, const C: usize, const N: usize>
    GaussianGln1<D, B, K, C, N>
{
    /// A network with hyperplanes drawn from `seed` and every weight `1/m` (`m` inputs per
    /// neuron, the three biases included).
    ///
    /// A `const fn`, so a model can be built at compile time into a `static`.
    ///
    /// # Panics
    /// A bad shape is a compile error: `C` not `2^K`, `K > 16`, or any size 0. An invalid
    /// `config` (see [`GaussianConfig::check`]) panics: at compile time in a `const`
    /// context, at run time otherwise (use [`Net::try_new`] to get an error).
    pub const fn new(seed: u64, config: GaussianConfig) -> Self {
        net1(
            seed,
            config,
            (config.check(), config.offset_std),
            layer(End),
        )
    }
}

impl<
    const D: usize,
    const B: usize,
    const H1: usize,
    const K: usize,
    const C: usize,
    const N: usize,
> GaussianGln2<D, B, H1, K, C, N>
{
    /// As [`GaussianGln1::new`](Net::new): `const`, a bad shape is a compile error.
    pub const fn new(seed: u64, config: GaussianConfig) -> Self {
        net2(
            seed,
            config,
            (config.check(), config.offset_std),
            layer(layer(End)),
        )
    }
}

impl<
    const D: usize,
    const B: usize,
    const H1: usize,
    const H2: usize,
    const K: usize,
    const C: usize,
    const N: usize,
> GaussianGln3<D, B, H1, H2, K, C, N>
{
    /// As [`GaussianGln1::new`](Net::new): `const`, a bad shape is a compile error.
    pub const fn new(seed: u64, config: GaussianConfig) -> Self {
        net3(
            seed,
            config,
            (config.check(), config.offset_std),
            layer(layer(layer(End))),
        )
    }
}

impl<
    const D: usize,
    const B: usize,
    const H1: usize,
    const H2: usize,
    const H3: usize,
    const K: usize,
    const C: usize,
    const N: usize,
> GaussianGln4<D, B, H1, H2, H3, K, C, N>
{
    /// As [`GaussianGln1::new`](Net::new): `const`, a bad shape is a compile error.
    pub const fn new(seed: u64, config: GaussianConfig) -> Self {
        let valid = (config.check(), config.offset_std);
        net4(seed, config, valid, layer(layer(layer(layer(End)))))
    }
}
