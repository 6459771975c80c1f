//! The one place that dispatches to the Cortex-M FPU kernels (`src/kernels/fpu.rs`, the
//! crate's only `unsafe` code, compiled only for the bare-metal `eabihf` targets, so these
//! docs do not link to it).
//!
//! Every function here returns `Some` when a kernel computed the result and `None` when the
//! caller must run its portable Rust code: always `None` on a target without the kernels
//! (the host, Cortex-M0/M3), and `None` on an FPU core for a length or width the kernel does
//! not take. The callers (`math::dot`, the Bernoulli layer's update, the gating) hold no
//! `cfg` of their own. The kernels compute the same bits as the portable code (see
//! `src/kernels/fpu.rs`).

#[cfg(all(target_arch = "arm", target_os = "none", target_abi = "eabihf"))]
#[allow(unsafe_code)]
mod fpu;

/// `Σ a_j b_j` in `math::dot`'s order, when a kernel takes these lengths.
#[inline(always)]
pub(crate) fn dot(a: &[f32], b: &[f32]) -> Option<f32> {
    #[cfg(all(target_arch = "arm", target_os = "none", target_abi = "eabihf"))]
    return fpu::dot(a, b);
    #[cfg(not(all(target_arch = "arm", target_os = "none", target_abi = "eabihf")))]
    {
        let _ = (a, b);
        None
    }
}

/// `w_j ← w_j − g · x_j`, when a kernel takes these lengths.
#[inline(always)]
pub(crate) fn sub_scaled(w: &mut [f32], x: &[f32], g: f32) -> Option<()> {
    #[cfg(all(target_arch = "arm", target_os = "none", target_abi = "eabihf"))]
    return fpu::sub_scaled(w, x, g);
    #[cfg(not(all(target_arch = "arm", target_os = "none", target_abi = "eabihf")))]
    {
        let _ = (w, x, g);
        None
    }
}

/// The comparison mask of `width` gating dot products from flat index `start` (see
/// `fpu::gate_block` for the layout), when a kernel takes this width.
#[inline(always)]
pub(crate) fn gate_block(
    planes: &[f32],
    stride: usize,
    start: usize,
    width: usize,
    z: &[f32],
    offsets: &[f32],
) -> Option<u32> {
    #[cfg(all(target_arch = "arm", target_os = "none", target_abi = "eabihf"))]
    return fpu::gate_block(planes, stride, start, width, z, offsets);
    #[cfg(not(all(target_arch = "arm", target_os = "none", target_abi = "eabihf")))]
    {
        let _ = (planes, stride, start, width, z, offsets);
        None
    }
}
