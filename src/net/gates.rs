//! Halfspace gating: which weight row of each neuron is active for a given side information.

use crate::math::sqrt_const;
use crate::rng::SplitMix64;

/// How many dot products [`Gates::contexts`] keeps in registers at once.
const BLOCK: usize = 16;

/// Whether [`GCons`] sums every layer's dot products in one pass over `z` when they fit in
/// `FUSED` (see [`GateStack::add_row`]). Not on Arm: there the per-layer blocks (the
/// load-multiple kernel on a Cortex-M with an FPU) fit the registers, and the boards' counts
/// stay what they are. The bits are the same either way.
const FUSE: bool = cfg!(not(target_arch = "arm"));

/// Most dot products summed in one pass over `z` (x86-64 has 16 vector registers: 12 hold
/// the sums).
const FUSED: usize = 48;

/// The fixed random hyperplanes of one layer of `W` neurons: `K` per neuron over the
/// `D`-dimensional side information `z`.
///
/// Bit `i` of a neuron's context is `[v_i · z > b_i]` (strict); the context index is
/// `Σ bit_i 2^i`. Directions `v_i` are unit vectors drawn from [`SplitMix64::next_normal`] and
/// normalised; offsets `b_i` are normal with the configured standard deviation.
///
/// Stored transposed (`planes[j][n][i]`: component `j` of hyperplane `i` of neuron `n`) so
/// that one pass over `z` serves every neuron: each `z_j` is loaded once and multiplied into
/// up to [`BLOCK`] running dot products held in registers.
///
/// `repr(C)` with the offsets first: they are then within reach of a load's immediate offset
/// from the struct's address (a Cortex-M `vldr` reaches 1020 bytes), instead of behind the
/// planes, which saves an address computation per comparison.
#[derive(Clone, Copy, Debug, PartialEq)]
#[repr(C)]
pub(crate) struct Gates<const D: usize, const W: usize, const K: usize> {
    offsets: [[f32; K]; W],
    planes: [[[f32; K]; W]; D],
}

impl<const D: usize, const W: usize, const K: usize> Gates<D, W, K> {
    /// Draws the hyperplanes neuron by neuron, hyperplane by hyperplane: `D` direction
    /// components, then the offset.
    // Construction only (at compile time for a `static` model, where a bad index or an
    // overflow is a build error): every index is bounded by its `while` condition. Iterators
    // are not available in a `const fn`.
    #[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
    pub(crate) const fn new(rng: &mut SplitMix64, offset_std: f32) -> Self {
        let mut planes = [[[0.0f32; K]; W]; D];
        let mut offsets = [[0.0f32; K]; W];
        let mut n = 0;
        while n < W {
            let mut i = 0;
            while i < K {
                let mut norm2 = 0.0f32;
                let mut j = 0;
                while j < D {
                    let v = rng.next_normal();
                    planes[j][n][i] = v;
                    norm2 += v * v;
                    j += 1;
                }
                let inv = if norm2 > 0.0 {
                    1.0 / sqrt_const(norm2)
                } else {
                    0.0
                };
                j = 0;
                while j < D {
                    planes[j][n][i] *= inv;
                    j += 1;
                }
                offsets[n][i] = rng.next_normal() * offset_std;
                i += 1;
            }
            n += 1;
        }
        Self { planes, offsets }
    }

    /// The context index of each neuron for side information `z`.
    ///
    /// Every dot product `v_i · z` is summed sequentially over `j` from 0; the blocking only
    /// decides which dot products run side by side, so the bits do not depend on it. Each
    /// block is compared with its offsets as soon as it is complete (no array of every dot
    /// product, no second pass).
    pub(crate) fn contexts(&self, z: &[f32; D]) -> [usize; W] {
        // Cortex-M with an FPU: blocks of 16, then 8, then 4 comparisons by the load-multiple
        // kernel (the same bits); whatever remains below 4 (or fails its checks) goes through
        // the portable loop (everything, on a target without the kernels).
        {
            let mut ctx = [0usize; W];
            let total = W.saturating_mul(K);
            let mut start = 0;
            let planes = self.planes.as_flattened().as_flattened();
            let offsets = self.offsets.as_flattened();
            // Constant widths, so that each call is specialised and its mask unpacked with
            // constant shifts.
            let block = |start: &mut usize, width: usize, ctx: &mut [usize; W]| {
                if total.saturating_sub(*start) < width {
                    return false;
                }
                match crate::kernels::gate_block(planes, total, *start, width, z, offsets) {
                    Some(mask) => {
                        mark_mask::<W, K>(mask, *start, width, ctx);
                        *start = start.saturating_add(width);
                        true
                    }
                    None => false,
                }
            };
            while block(&mut start, 16, &mut ctx) {}
            block(&mut start, 8, &mut ctx);
            block(&mut start, 4, &mut ctx);
            self.contexts_from(z, start, &mut ctx);
            ctx
        }
    }

    /// [`Gates::contexts`] written in Rust, on every target (what the Cortex-M kernel is
    /// checked against: there, out of line, as only the check calls it).
    #[cfg_attr(
        all(target_arch = "arm", target_os = "none", target_abi = "eabihf"),
        inline(never)
    )]
    // Only the kernel check (on FPU cores) calls it.
    #[cfg_attr(
        not(all(target_arch = "arm", target_os = "none", target_abi = "eabihf")),
        allow(dead_code)
    )]
    pub(crate) fn contexts_portable(&self, z: &[f32; D]) -> [usize; W] {
        let mut ctx = [0usize; W];
        self.contexts_from(z, 0, &mut ctx);
        ctx
    }

    /// The context bits of the comparisons from flat index `start` on, in blocks of
    /// [`BLOCK`].
    #[inline(always)]
    fn contexts_from(&self, z: &[f32; D], mut start: usize, ctx: &mut [usize; W]) {
        let total = W.saturating_mul(K);
        while start < total {
            let end = start.saturating_add(BLOCK);
            let acc = if end <= total {
                self.full_block(z, start)
            } else {
                self.partial_block(z, start)
            };
            self.mark(&acc, start, ctx);
            start = end;
        }
    }

    /// The [`BLOCK`] dot products from flat index `start`, all of which exist: a fixed-size
    /// inner loop that the compiler unrolls with the sums in registers.
    #[inline(always)]
    fn full_block(&self, z: &[f32; D], start: usize) -> [f32; BLOCK] {
        let mut acc = [0.0f32; BLOCK];
        for (row, zj) in self.planes.iter().zip(z) {
            let seg = row
                .as_flattened()
                .get(start..)
                .and_then(|r| r.first_chunk::<BLOCK>());
            if let Some(seg) = seg {
                for (a, v) in acc.iter_mut().zip(seg) {
                    *a += v * zj;
                }
            }
        }
        acc
    }

    /// The last, partial block of dot products from flat index `start`.
    #[inline(always)]
    fn partial_block(&self, z: &[f32; D], start: usize) -> [f32; BLOCK] {
        let mut acc = [0.0f32; BLOCK];
        for (row, zj) in self.planes.iter().zip(z) {
            let seg = row.as_flattened().get(start..).unwrap_or(&[]);
            for (a, v) in acc.iter_mut().zip(seg) {
                *a += v * zj;
            }
        }
        acc
    }

    /// Sets the context bits of the block of dot products starting at flat index `start`
    /// (dot product `f` is hyperplane `f % K` of neuron `f / K`).
    ///
    /// Inlined on Arm, where the comparisons then read the sums straight from the registers
    /// (about 1500 fewer instructions per `learn` of the reference shape on a Cortex-M4F).
    /// Kept out of line elsewhere: inlined on x86-64, it lets the vectoriser pack the
    /// accumulators of [`Gates::contexts`] by this loop's access pattern, which costs a
    /// shuffle per multiply-add. The bits are the same either way.
    #[cfg_attr(target_arch = "arm", inline(always))]
    #[cfg_attr(not(target_arch = "arm"), inline(never))]
    fn mark(&self, acc: &[f32], start: usize, ctx: &mut [usize; W]) {
        let offs = self.offsets.as_flattened().get(start..).unwrap_or(&[]);
        for (b, (a, o)) in acc.iter().zip(offs).enumerate() {
            // K > 0 here: with K = 0 there is no dot product, so no block to mark.
            let f = start.saturating_add(b);
            let (Some(n), Some(i)) = (f.checked_div(K), f.checked_rem(K)) else {
                continue;
            };
            if let Some(c) = ctx.get_mut(n) {
                *c |= usize::from(a > o) << i;
            }
        }
    }

    /// Adds component `j` of every dot product times `zj` to `sums` (dot product `f` to
    /// `sums[f]`): a step of the one pass over `z` of [`GCons`]. Summed over `j` from 0, the
    /// sums are [`Gates::full_block`]'s.
    #[inline(always)]
    fn add_row(&self, j: usize, zj: f32, sums: &mut [f32]) {
        if let Some(row) = self.planes.get(j) {
            for (s, v) in sums.iter_mut().zip(row.as_flattened()) {
                *s += v * zj;
            }
        }
    }

    /// Visits the hyperplane components (in storage order), then the offsets.
    pub(crate) fn for_each_value(&self, mut f: impl FnMut(f32)) {
        self.planes
            .as_flattened()
            .as_flattened()
            .iter()
            .for_each(|&v| f(v));
        self.offsets.as_flattened().iter().for_each(|&v| f(v));
    }

    /// Visits the hyperplanes in the order [`Gates::new`] draws them: neuron by neuron,
    /// hyperplane by hyperplane, the `D` direction components then the offset. (The
    /// persistence format hashes this order: see [`for_each_drawn_value`].)
    pub(crate) fn for_each_value_by_plane(&self, f: &mut impl FnMut(f32)) {
        for (n, offsets) in self.offsets.iter().enumerate() {
            for (i, &offset) in offsets.iter().enumerate() {
                for row in &self.planes {
                    if let Some(&v) = row.get(n).and_then(|r| r.get(i)) {
                        f(v);
                    }
                }
                f(offset);
            }
        }
    }

    /// Redraws every hyperplane in place from `rng`, bit for bit as [`Gates::new`] would
    /// (the same draws in the same order: one [`Gates<D, 1, 1>`] per hyperplane), without a
    /// temporary copy of the whole table on the stack.
    pub(crate) fn redraw(&mut self, rng: &mut SplitMix64, offset_std: f32) {
        for (n, offsets) in self.offsets.iter_mut().enumerate() {
            for (i, offset) in offsets.iter_mut().enumerate() {
                let one = Gates::<D, 1, 1>::new(rng, offset_std);
                for (row, &[[v]]) in self.planes.iter_mut().zip(&one.planes) {
                    if let Some(slot) = row.get_mut(n).and_then(|r| r.get_mut(i)) {
                        *slot = v;
                    }
                }
                let [[o]] = one.offsets;
                *offset = o;
            }
        }
    }

    /// Hyperplane `i` of neuron `n`: its direction component `j` and its offset.
    #[cfg(test)]
    pub(crate) fn plane(&self, n: usize, i: usize) -> ([f32; D], f32) {
        (
            core::array::from_fn(|j| self.planes[j][n][i]),
            self.offsets[n][i],
        )
    }

    /// Largest `|v_ij|`, a sanity bound used by tests (unit vectors: at most 1).
    #[cfg(test)]
    pub(crate) fn max_abs_component(&self) -> f32 {
        let mut m = 0.0f32;
        self.for_each_value(|v| m = m.max(crate::math::abs(v)));
        m
    }
}

/// Sets the context bits of the block of `width` (at most 32) comparisons from flat index
/// `start`, given as a mask (bit `b`: comparison `start + b`, i.e. hyperplane
/// `(start + b) % K` of neuron `(start + b) / K`). When the block holds whole neurons, each
/// neuron's bits are one `K`-bit field of the mask.
#[inline(always)]
fn mark_mask<const W: usize, const K: usize>(
    mask: u32,
    start: usize,
    width: usize,
    ctx: &mut [usize; W],
) {
    if K > 0 && K <= width && width.is_multiple_of(K) && start.is_multiple_of(K) {
        let first = start.checked_div(K).unwrap_or(0);
        let field = (1u32 << K).wrapping_sub(1);
        for (q, c) in ctx
            .iter_mut()
            .skip(first)
            .take(width.checked_div(K).unwrap_or(0))
            .enumerate()
        {
            // q < BLOCK / K, so q * K < BLOCK = 16: no overflow, no shift out of range.
            *c |= ((mask >> (q.wrapping_mul(K) & 31)) & field) as usize;
        }
    } else {
        for b in 0..width.min(32) {
            let f = start.saturating_add(b);
            let (Some(n), Some(i)) = (f.checked_div(K), f.checked_rem(K)) else {
                continue;
            };
            if let Some(c) = ctx.get_mut(n) {
                *c |= (((mask >> b) & 1) as usize) << i;
            }
        }
    }
}

/// Draws `planes` hyperplanes over `D` inputs from `rng` exactly as [`Gates::new`] does and
/// visits their values in [`Gates::for_each_value_by_plane`] order, one hyperplane at a time
/// (no table in memory). Loading a saved model uses it to check that this build draws the
/// same hyperplanes from the saved seed as the build that saved it.
pub(crate) fn for_each_drawn_value<const D: usize>(
    rng: &mut SplitMix64,
    planes: usize,
    offset_std: f32,
    f: &mut impl FnMut(f32),
) {
    for _ in 0..planes {
        Gates::<D, 1, 1>::new(rng, offset_std).for_each_value(&mut *f);
    }
}

/// Draws one hyperplane over `D` inputs from `rng` exactly as [`Gates::new`] does (its `D`
/// direction components and its offset), for a gating that stores them in another form
/// (the integer family quantises them). A `const fn`, for models built at compile time.
// Only indexes within `D` (bounded by the `while` condition).
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
pub(crate) const fn draw_plane<const D: usize>(
    rng: &mut SplitMix64,
    offset_std: f32,
) -> ([f32; D], f32) {
    let g = Gates::<D, 1, 1>::new(rng, offset_std);
    let mut v = [0.0f32; D];
    let mut j = 0;
    while j < D {
        v[j] = g.planes[j][0][0];
        j += 1;
    }
    (v, g.offsets[0][0])
}

/// The gating of a whole network: one `Gates` per layer, first layer outermost, ending in
/// [`GEnd`]. Shared by every head (see [`crate::net::Net`]); its type follows from the head's
/// layer stack ([`crate::net::Stack::Gates`]).
#[derive(Clone, Copy, Debug, PartialEq)]
#[repr(C)]
pub struct GCons<const D: usize, const W: usize, const K: usize, R>(
    pub(crate) Gates<D, W, K>,
    pub(crate) R,
);

/// The end of a gate stack.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GEnd;

/// What a network does with its gating, layer by layer, over side information of `D`
/// values of type `Z` (implemented by [`GCons`] and [`GEnd`] for `f32`, and by the integer
/// family's `QGCons` for `i16`; not meant to be implemented
/// elsewhere).
pub trait GateStack<const D: usize, Z: Copy = f32>: Copy + PartialEq {
    /// The contexts of every layer: `([usize; W], rest)`, first layer outermost.
    type Ctx: Copy;
    /// The context of every neuron of every layer for side information `z`.
    fn contexts(&self, z: &[Z; D]) -> Self::Ctx;
    /// Visits every layer's hyperplane components, then its offsets (the fingerprint order).
    fn for_each_value(&self, f: &mut impl FnMut(f32));
    /// Visits every layer's hyperplanes in drawing order (what persistence hashes).
    fn for_each_value_by_plane(&self, f: &mut impl FnMut(f32));
    /// Redraws every layer in place, in order, from `rng`.
    fn redraw(&mut self, rng: &mut SplitMix64, offset_std: f32);
    /// Draws every layer, in order, from `rng` (as the aliases' `const fn new` do).
    fn draw(rng: &mut SplitMix64, offset_std: f32) -> Self;

    /// Dot products that [`GateStack::add_row`] sums, over every layer (0 for a gating that
    /// sums none: [`GEnd`], the integer gating).
    #[doc(hidden)]
    const SUMS: usize = 0;

    /// Adds component `j` of every layer's dot products times `zj` to `sums`, first layer
    /// first (one pass over `z` for every layer: independent sums side by side, where one
    /// layer's would wait on each other). Nothing by default.
    #[doc(hidden)]
    #[inline(always)]
    fn add_row(&self, _j: usize, _zj: Z, _sums: &mut [f32]) {}

    /// The contexts from `sums` that [`GateStack::add_row`] summed over all of `z`; by
    /// default, from `z`.
    #[doc(hidden)]
    #[inline(always)]
    fn contexts_of(&self, z: &[Z; D], _sums: &[f32]) -> Self::Ctx {
        self.contexts(z)
    }
}

impl<const D: usize, const W: usize, const K: usize, R: GateStack<D>> GateStack<D>
    for GCons<D, W, K, R>
{
    type Ctx = ([usize; W], R::Ctx);
    const SUMS: usize = W.saturating_mul(K).saturating_add(R::SUMS);

    /// Every layer's dot products in one pass over `z` when they fit in `FUSED` (off Arm),
    /// else layer by layer; the same sums either way.
    #[inline(always)]
    fn contexts(&self, z: &[f32; D]) -> Self::Ctx {
        if FUSE && Self::SUMS <= FUSED {
            let mut sums = [0.0f32; FUSED];
            for (j, &zj) in z.iter().enumerate() {
                self.add_row(j, zj, &mut sums);
            }
            return self.contexts_of(z, &sums);
        }
        (self.0.contexts(z), self.1.contexts(z))
    }

    #[inline(always)]
    fn add_row(&self, j: usize, zj: f32, sums: &mut [f32]) {
        let (mine, rest) = sums.split_at_mut(W.saturating_mul(K).min(sums.len()));
        self.0.add_row(j, zj, mine);
        self.1.add_row(j, zj, rest);
    }

    #[inline(always)]
    fn contexts_of(&self, z: &[f32; D], sums: &[f32]) -> Self::Ctx {
        let (mine, rest) = sums.split_at(W.saturating_mul(K).min(sums.len()));
        let mut ctx = [0usize; W];
        self.0.mark(mine, 0, &mut ctx);
        (ctx, self.1.contexts_of(z, rest))
    }

    fn for_each_value(&self, f: &mut impl FnMut(f32)) {
        self.0.for_each_value(&mut *f);
        self.1.for_each_value(f);
    }

    fn for_each_value_by_plane(&self, f: &mut impl FnMut(f32)) {
        self.0.for_each_value_by_plane(f);
        self.1.for_each_value_by_plane(f);
    }

    fn redraw(&mut self, rng: &mut SplitMix64, offset_std: f32) {
        self.0.redraw(rng, offset_std);
        self.1.redraw(rng, offset_std);
    }

    fn draw(rng: &mut SplitMix64, offset_std: f32) -> Self {
        Self(Gates::new(rng, offset_std), R::draw(rng, offset_std))
    }
}

impl<const D: usize, Z: Copy> GateStack<D, Z> for GEnd {
    type Ctx = ();

    #[inline(always)]
    fn contexts(&self, _: &[Z; D]) {}

    fn for_each_value(&self, _: &mut impl FnMut(f32)) {}

    fn for_each_value_by_plane(&self, _: &mut impl FnMut(f32)) {}

    fn redraw(&mut self, _: &mut SplitMix64, _: f32) {}

    fn draw(_: &mut SplitMix64, _: f32) -> Self {
        GEnd
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_index_matches_hand_computed_hyperplanes() {
        let g: Gates<5, 3, 4> = Gates::new(&mut SplitMix64::new(9), 0.3);
        let z = [0.3f32, -1.2, 0.7, 2.0, -0.1];
        let ctx = g.contexts(&z);
        for (n, &c) in ctx.iter().enumerate() {
            let mut want = 0;
            for i in 0..4 {
                let (v, b) = g.plane(n, i);
                let mut dot = 0.0f32;
                for j in 0..5 {
                    dot += v[j] * z[j];
                }
                if dot > b {
                    want |= 1 << i;
                }
            }
            assert_eq!(c, want, "neuron {n}");
            assert!(c < 16);
        }
    }

    #[test]
    fn directions_are_unit_vectors() {
        let g: Gates<7, 5, 3> = Gates::new(&mut SplitMix64::new(1), 0.0);
        for n in 0..5 {
            for i in 0..3 {
                let (v, b) = g.plane(n, i);
                let norm: f32 = v.iter().map(|x| x * x).sum::<f32>().sqrt();
                assert!((norm - 1.0).abs() < 1e-5, "{norm}");
                assert_eq!(b, 0.0);
            }
        }
        assert!(g.max_abs_component() <= 1.0);
    }

    #[test]
    fn blocking_does_not_change_the_bits() {
        // 9 neurons x 4 planes = 36 dot products: two full blocks of 16 and a partial one.
        let g: Gates<33, 9, 4> = Gates::new(&mut SplitMix64::new(3), 0.05);
        let z: [f32; 33] = core::array::from_fn(|j| ((j * 7 % 11) as f32 - 5.0) * 0.31);
        let ctx = g.contexts(&z);
        for n in 0..9 {
            let mut want = 0;
            for i in 0..4 {
                let (v, b) = g.plane(n, i);
                let dot = v.iter().zip(&z).fold(0.0f32, |s, (a, b)| s + a * b);
                if dot > b {
                    want |= 1 << i;
                }
            }
            assert_eq!(ctx[n], want);
        }
    }

    /// The one pass over `z` for every layer gives each layer's contexts bit for bit, for
    /// stacks that fit in `FUSED` (widths that are not multiples of a vector) and one that
    /// does not (layer by layer).
    #[test]
    fn one_pass_over_every_layer_gives_each_layers_contexts() {
        fn case<const W1: usize, const W2: usize, const W3: usize, const K: usize>(seed: u64) {
            let mut rng = SplitMix64::new(seed);
            let g = GCons::<29, W1, K, _>(
                Gates::new(&mut rng, 0.2),
                GCons::<29, W2, K, _>(
                    Gates::new(&mut rng, 0.2),
                    GCons::<29, W3, K, _>(Gates::new(&mut rng, 0.2), GEnd),
                ),
            );
            let mut seen = 0;
            for _ in 0..50 {
                let z: [f32; 29] = core::array::from_fn(|_| rng.next_normal());
                let want = (
                    g.0.contexts(&z),
                    (g.1.0.contexts(&z), (g.1.1.0.contexts(&z), ())),
                );
                let got = g.contexts(&z);
                assert_eq!(got, want, "{W1} {W2} {W3} {K}");
                seen |= got.0.iter().fold(0, |a, &c| a | c);
            }
            assert_eq!(seen, (1 << K) - 1, "every bit set somewhere");
        }
        case::<4, 4, 1, 4>(1); // 36 dot products: one pass (MNIST shape (a))
        case::<3, 2, 1, 3>(2); // 18: one pass, widths off the vector length
        case::<5, 5, 1, 2>(3); // 22
        case::<8, 8, 1, 4>(4); // 68: layer by layer
        const { assert!(GCons::<29, 4, 4, GCons<29, 4, 4, GCons<29, 1, 4, GEnd>>>::SUMS <= FUSED) };
        const { assert!(GCons::<29, 8, 4, GCons<29, 8, 4, GCons<29, 1, 4, GEnd>>>::SUMS > FUSED) };
    }

    #[test]
    fn a_point_on_a_hyperplane_is_on_the_zero_side() {
        // Offsets 0 and z = 0: every dot product is 0, and 0 > 0 is false (strict).
        let g: Gates<4, 2, 2> = Gates::new(&mut SplitMix64::new(5), 0.0);
        assert_eq!(g.contexts(&[0.0; 4]), [0, 0]);
    }

    #[test]
    fn redraw_and_streaming_draws_match_new_bit_for_bit() {
        let mut rng = SplitMix64::new(77);
        let g = Gates::<5, 3, 4>::new(&mut rng, 0.3);
        let after_new = rng;
        // In-place redraw over different planes gives the same bits and rng position.
        let mut h = Gates::<5, 3, 4>::new(&mut SplitMix64::new(1), 2.0);
        let mut rng2 = SplitMix64::new(77);
        h.redraw(&mut rng2, 0.3);
        assert_eq!(rng2, after_new);
        let (mut a, mut b) = (std::vec::Vec::new(), std::vec::Vec::new());
        g.for_each_value(|v| a.push(v.to_bits()));
        h.for_each_value(|v| b.push(v.to_bits()));
        assert_eq!(a, b);
        // The by-plane order is neuron, plane, components, offset.
        let mut by_plane = std::vec::Vec::new();
        g.for_each_value_by_plane(&mut |v| by_plane.push(v.to_bits()));
        let mut want = std::vec::Vec::new();
        for n in 0..3 {
            for i in 0..4 {
                let (v, o) = g.plane(n, i);
                want.extend(v.iter().map(|x| x.to_bits()));
                want.push(o.to_bits());
            }
        }
        assert_eq!(by_plane, want);
        // Streaming draws reproduce it without the table.
        let mut drawn = std::vec::Vec::new();
        let mut rng3 = SplitMix64::new(77);
        for_each_drawn_value::<5>(&mut rng3, 12, 0.3, &mut |v| drawn.push(v.to_bits()));
        assert_eq!(drawn, want);
        assert_eq!(rng3, after_new);
    }

    #[test]
    fn const_construction_equals_runtime_construction() {
        const G: Gates<6, 2, 3> = Gates::new(&mut SplitMix64::new(11), 0.05);
        let g = Gates::<6, 2, 3>::new(&mut SplitMix64::new(11), 0.05);
        let (mut a, mut b) = (std::vec::Vec::new(), std::vec::Vec::new());
        G.for_each_value(|v| a.push(v.to_bits()));
        g.for_each_value(|v| b.push(v.to_bits()));
        assert_eq!(a, b);
    }

    /// `mark_mask` (how the Cortex-M kernel's comparison masks become contexts) sets the
    /// bits `mark` sets from the same comparisons, for the block widths the kernel uses and
    /// for `K` that divides them or not (the two code paths), including a last block that
    /// ends mid-neuron.
    #[test]
    fn mask_unpacking_matches_per_comparison_marking() {
        fn case<const W: usize, const K: usize>() {
            let g: Gates<3, W, K> = Gates::new(&mut SplitMix64::new(1), 0.3);
            let total = W * K;
            let offs = g.offsets.as_flattened();
            let mut rng = SplitMix64::new(5);
            let mut set = 0;
            for _ in 0..64 {
                let (mut a, mut b) = ([0usize; W], [0usize; W]);
                let mut start = 0;
                while start < total {
                    let left = total - start;
                    let width = [16, 8, 4].into_iter().find(|w| left >= *w).unwrap_or(left);
                    let mask = (rng.next_u64() as u32) & ((1u64 << width) - 1) as u32;
                    set += mask.count_ones();
                    mark_mask::<W, K>(mask, start, width, &mut a);
                    // The same comparisons as sums for `mark`: above the offset iff the bit
                    // is set; nothing beyond the block compares true.
                    let mut acc = [f32::NEG_INFINITY; BLOCK];
                    for (i, v) in acc.iter_mut().enumerate().take(width) {
                        let up = (mask >> i) & 1 == 1;
                        *v = offs[start + i] + if up { 1.0 } else { -1.0 };
                    }
                    g.mark(&acc, start, &mut b);
                    start += width;
                }
                assert_eq!(a, b, "W {W} K {K}");
                assert!(a.iter().all(|&c| c < 1 << K));
            }
            assert!(set > 0);
        }
        case::<16, 4>(); // 64 comparisons: blocks of 16 (fields)
        case::<1, 4>(); // one block of 4 (the output layer of the reference shape)
        case::<4, 2>(); // 8
        case::<5, 2>(); // 10: 8 (fields), then 2 (per comparison)
        case::<7, 3>(); // 21: 16 (per comparison: 3 does not divide 16), then 4 (likewise), then 1
        case::<3, 8>(); // 24: 16 (fields of 8), 8
        case::<2, 1>(); // 2
        case::<3, 4>(); // 12: 8 + 4 (fields)
        case::<6, 2>(); // 12: 8 + 4 (fields)
    }
}
