//! Halfspace gating: which weight row of each neuron is active for a given side information.

use crate::math::sqrt_const;
use crate::rng::SplitMix64;

/// How many dot products [`Gates::contexts`] keeps in registers at once.
const BLOCK: usize = 16;

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
        let mut ctx = [0usize; W];
        let total = W.saturating_mul(K);
        let mut start = 0;
        while start < total {
            let end = start.saturating_add(BLOCK);
            let acc = if end <= total {
                self.full_block(z, start)
            } else {
                self.partial_block(z, start)
            };
            self.mark(&acc, start, &mut ctx);
            start = end;
        }
        ctx
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
    fn mark(&self, acc: &[f32; BLOCK], start: usize, ctx: &mut [usize; W]) {
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
}
