//! Hand-written inner loops for Cortex-M cores with a single-precision FPU (the bare-metal
//! `eabihf` targets: Cortex-M4F, M7, M33 ...): the crate's only `unsafe` code.
//!
//! # Why
//! On these cores every `f32` operand is loaded with its own `vldr` when the compiler writes
//! the loop: two instructions per multiply-add at best, four per weight in an update (load the
//! weight, load the input, `vmls`, store). The FPU's load/store-multiple instructions (`vldm`,
//! `vstm`) move eight or sixteen registers in one instruction, which LLVM does not form for
//! these loops. These kernels use them: about 1.3 instructions per gating multiply-add in the
//! inner loop instead of 2.1 (1.6 with the comparisons, instead of 2.8), 1.5 to 1.6 per weight
//! update instead of 4 (figures in the README's "Boards" section and `docs/design.md`).
//!
//! # Same bits
//! Each kernel performs exactly the IEEE 754 operations of the portable Rust code it replaces,
//! in the same order, so a board computes the same bits as the host: `vmul`, `vadd`, and the
//! non-fused `vmla`/`vmls` (product rounded, then the sum rounded: the bits of `s + a * b` and
//! `w - g * x` written in Rust, which the compiler itself turns into `vmla`/`vmls`). The one
//! difference is allowed by the callers' contracts and documented at each kernel: a gating sum
//! that starts from its first product instead of `0.0 +` it can differ in the sign of a zero,
//! which no comparison sees. Three checks on every emulated core: the parity scenarios
//! ([`crate::selftest`]), the board benchmarks (whose predictions and model fingerprints the
//! host test `tests/board_parity.rs` recomputes), and [`crate::selftest::kernels`], each
//! kernel beside the portable code on inputs chosen to tell them apart.
//!
//! # Safety
//! Every kernel reads (and [`sub_scaled`] writes) only memory inside the slices it is given:
//! each checks the lengths in Rust first and returns `None` (the caller then runs the portable
//! code) if they do not fit. The assembly touches no stack, declares every register it changes,
//! needs only 4-byte alignment (that of `f32`), and does not change the FPU's mode.
//!
//! One trap, found by [`crate::selftest::kernels`] on the emulated Cortex-M4F: the gating
//! kernels compare with `vcmp`, which sets the FPU's condition flags (FPSCR N, Z, C, V). Rust
//! does not count those among the flags an `asm!` block may change, so the compiler is free to
//! issue a `vcmp` of its own before the block and read the flags after it; it did, and
//! contexts came out wrong in one build out of several. Each gating kernel therefore saves
//! FPSCR on entry and restores it on exit (`vmrs`/`vmsr`, two instructions per block).

use core::arch::asm;

/// Sets bit `$bit` of `{k}` if `$sum > $offset` (ordered: a NaN sets nothing).
macro_rules! gt_bit {
    ($sum:literal, $offset:literal, $bit:literal) => {
        concat!(
            "vcmp.f32 ",
            $sum,
            ", ",
            $offset,
            "\nvmrs APSR_nzcv, fpscr\nit gt\norrgt {k}, {k}, #",
            $bit
        )
    };
}

/// One row of a 16-wide gating block: the next 16 plane values (advancing `{p}`) times
/// `$z`, added to the sums in `s0..s15`.
macro_rules! vmla_rows16 {
    ($z:literal) => {
        concat!(
            "vldmia {p}!, {{s16-s23}}\n",
            "vmla.f32 s0, s16, ",
            $z,
            "\n",
            "vmla.f32 s1, s17, ",
            $z,
            "\n",
            "vmla.f32 s2, s18, ",
            $z,
            "\n",
            "vmla.f32 s3, s19, ",
            $z,
            "\n",
            "vmla.f32 s4, s20, ",
            $z,
            "\n",
            "vmla.f32 s5, s21, ",
            $z,
            "\n",
            "vmla.f32 s6, s22, ",
            $z,
            "\n",
            "vmla.f32 s7, s23, ",
            $z,
            "\n",
            "vldmia {p}!, {{s16-s23}}\n",
            "vmla.f32 s8, s16, ",
            $z,
            "\n",
            "vmla.f32 s9, s17, ",
            $z,
            "\n",
            "vmla.f32 s10, s18, ",
            $z,
            "\n",
            "vmla.f32 s11, s19, ",
            $z,
            "\n",
            "vmla.f32 s12, s20, ",
            $z,
            "\n",
            "vmla.f32 s13, s21, ",
            $z,
            "\n",
            "vmla.f32 s14, s22, ",
            $z,
            "\n",
            "vmla.f32 s15, s23, ",
            $z,
        )
    };
}

/// Floats per chunk of [`dot`] (the crate's `math::LANES`).
const LANES: usize = 16;

/// The first chunk of [`dot`]: 16 floats from `{a}` and `{b}` (advancing both), their
/// products in `s0..s15`.
macro_rules! dot_first_chunk {
    () => {
        concat!(
            "vldmia {a}!, {{s0-s15}}\n",
            "vldmia {b}!, {{s16-s31}}\n",
            "vmul.f32 s0, s0, s16\n",
            "vmul.f32 s1, s1, s17\n",
            "vmul.f32 s2, s2, s18\n",
            "vmul.f32 s3, s3, s19\n",
            "vmul.f32 s4, s4, s20\n",
            "vmul.f32 s5, s5, s21\n",
            "vmul.f32 s6, s6, s22\n",
            "vmul.f32 s7, s7, s23\n",
            "vmul.f32 s8, s8, s24\n",
            "vmul.f32 s9, s9, s25\n",
            "vmul.f32 s10, s10, s26\n",
            "vmul.f32 s11, s11, s27\n",
            "vmul.f32 s12, s12, s28\n",
            "vmul.f32 s13, s13, s29\n",
            "vmul.f32 s14, s14, s30\n",
            "vmul.f32 s15, s15, s31",
        )
    };
}

/// The halving tree of [`dot`] over `s0..s15`, its result moved to `{r}`.
macro_rules! dot_tree {
    () => {
        concat!(
            "vadd.f32 s0, s0, s8\n",
            "vadd.f32 s1, s1, s9\n",
            "vadd.f32 s2, s2, s10\n",
            "vadd.f32 s3, s3, s11\n",
            "vadd.f32 s4, s4, s12\n",
            "vadd.f32 s5, s5, s13\n",
            "vadd.f32 s6, s6, s14\n",
            "vadd.f32 s7, s7, s15\n",
            "vadd.f32 s0, s0, s4\n",
            "vadd.f32 s1, s1, s5\n",
            "vadd.f32 s2, s2, s6\n",
            "vadd.f32 s3, s3, s7\n",
            "vadd.f32 s0, s0, s2\n",
            "vadd.f32 s1, s1, s3\n",
            "vadd.f32 s0, s0, s1\n",
            "vmov {r}, s0",
        )
    };
}

/// `math::dot` of `a` and `b` for a common length `n` that is a nonzero multiple of 16, with
/// `math::dot`'s partial sums and halving tree: `None` for other lengths.
///
/// Partial sum `k` is `p_k + p_{k+16} + ...` in index order (`vmul` for the first chunk: the
/// portable code's `-0.0 + p_k` is exactly `p_k`, a zero's sign included), then `s_k += s_{k+8}`,
/// `s_k += s_{k+4}`, `s_k += s_{k+2}`, `s_0 + s_1`.
#[inline(always)]
pub(crate) fn dot(a: &[f32], b: &[f32]) -> Option<f32> {
    let n = a.len().min(b.len());
    let chunks = n / LANES;
    if chunks == 0 || !n.is_multiple_of(LANES) {
        return None;
    }
    let (a, b) = (a.as_ptr(), b.as_ptr());
    let out: u32;
    // SAFETY (both cases): `a` and `b` each hold at least `16 · chunks` floats; the code reads
    // exactly that many from each, four bytes aligned, and writes no memory; no stack; every
    // register written is declared.
    if chunks == 1 {
        // SAFETY: as above (one chunk).
        unsafe {
            asm!(
                dot_first_chunk!(),
                dot_tree!(),
                a = inout(reg) a => _,
                b = inout(reg) b => _,
                r = out(reg) out,
                out("s0") _, out("s1") _, out("s2") _, out("s3") _, out("s4") _, out("s5") _,
                out("s6") _, out("s7") _, out("s8") _, out("s9") _, out("s10") _,
                out("s11") _, out("s12") _, out("s13") _, out("s14") _, out("s15") _,
                out("s16") _, out("s17") _, out("s18") _, out("s19") _, out("s20") _,
                out("s21") _, out("s22") _, out("s23") _, out("s24") _, out("s25") _,
                out("s26") _, out("s27") _, out("s28") _, out("s29") _, out("s30") _,
                out("s31") _,
                options(nostack, readonly),
            );
        }
    } else {
        // SAFETY: as above (a loop over the chunks after the first).
        unsafe {
            asm!(
                dot_first_chunk!(),
                "2:",
                "vldmia {a}!, {{s16-s23}}",
                "vldmia {b}!, {{s24-s31}}",
                "vmla.f32 s0, s16, s24",
                "vmla.f32 s1, s17, s25",
                "vmla.f32 s2, s18, s26",
                "vmla.f32 s3, s19, s27",
                "vmla.f32 s4, s20, s28",
                "vmla.f32 s5, s21, s29",
                "vmla.f32 s6, s22, s30",
                "vmla.f32 s7, s23, s31",
                "vldmia {a}!, {{s16-s23}}",
                "vldmia {b}!, {{s24-s31}}",
                "vmla.f32 s8, s16, s24",
                "vmla.f32 s9, s17, s25",
                "vmla.f32 s10, s18, s26",
                "vmla.f32 s11, s19, s27",
                "vmla.f32 s12, s20, s28",
                "vmla.f32 s13, s21, s29",
                "vmla.f32 s14, s22, s30",
                "vmla.f32 s15, s23, s31",
                "subs {m}, {m}, #1",
                "bne 2b",
                dot_tree!(),
                a = inout(reg) a => _,
                b = inout(reg) b => _,
                m = inout(reg) chunks.saturating_sub(1) => _,
                r = out(reg) out,
                out("s0") _, out("s1") _, out("s2") _, out("s3") _, out("s4") _, out("s5") _,
                out("s6") _, out("s7") _, out("s8") _, out("s9") _, out("s10") _,
                out("s11") _, out("s12") _, out("s13") _, out("s14") _, out("s15") _,
                out("s16") _, out("s17") _, out("s18") _, out("s19") _, out("s20") _,
                out("s21") _, out("s22") _, out("s23") _, out("s24") _, out("s25") _,
                out("s26") _, out("s27") _, out("s28") _, out("s29") _, out("s30") _,
                out("s31") _,
                options(nostack, readonly),
            );
        }
    }
    Some(f32::from_bits(out))
}

/// One chunk of [`sub_scaled`]: 8 inputs from `{x}` and 8 weights at `{w}` (advancing both),
/// `w_j − x_j · g` with `g` in `s16`, stored back.
macro_rules! vmls8 {
    () => {
        concat!(
            "vldmia {x}!, {{s8-s15}}\n",
            "vldmia {w}, {{s0-s7}}\n",
            "vmls.f32 s0, s8, s16\n",
            "vmls.f32 s1, s9, s16\n",
            "vmls.f32 s2, s10, s16\n",
            "vmls.f32 s3, s11, s16\n",
            "vmls.f32 s4, s12, s16\n",
            "vmls.f32 s5, s13, s16\n",
            "vmls.f32 s6, s14, s16\n",
            "vmls.f32 s7, s15, s16\n",
            "vstmia {w}!, {{s0-s7}}",
        )
    };
}

/// `w_j ← w_j − g · x_j` for every `j` (the bits of that Rust expression: `vmls` rounds the
/// product, then the difference), for a common length that is a nonzero multiple of 8:
/// `None` (and nothing written) for other lengths.
#[inline(always)]
pub(crate) fn sub_scaled(w: &mut [f32], x: &[f32], g: f32) -> Option<()> {
    let n = w.len().min(x.len());
    if n == 0 || !n.is_multiple_of(8) {
        return None;
    }
    let (wp, xp, g) = (w.as_mut_ptr(), x.as_ptr(), g.to_bits());
    // SAFETY (all three cases): `w` and `x` each hold at least `n` floats; the code reads `n`
    // from each and writes `n` to `w` (which this function borrows mutably), four bytes
    // aligned; no stack; every register written is declared.
    if n == 16 {
        // SAFETY: as above (the 16 floats in a straight line: no loop counter).
        unsafe {
            asm!(
                "vmov s16, {g}",
                vmls8!(),
                vmls8!(),
                w = inout(reg) wp => _,
                x = inout(reg) xp => _,
                g = in(reg) g,
                out("s0") _, out("s1") _, out("s2") _, out("s3") _, out("s4") _, out("s5") _,
                out("s6") _, out("s7") _, out("s8") _, out("s9") _, out("s10") _,
                out("s11") _, out("s12") _, out("s13") _, out("s14") _, out("s15") _,
                out("s16") _,
                options(nostack),
            );
        }
    } else if n.is_multiple_of(16) {
        // SAFETY: as above (16 floats per iteration).
        unsafe {
            asm!(
                "vmov s16, {g}",
                "2:",
                vmls8!(),
                vmls8!(),
                "subs {m}, {m}, #1",
                "bne 2b",
                w = inout(reg) wp => _,
                x = inout(reg) xp => _,
                m = inout(reg) n / 16 => _,
                g = in(reg) g,
                out("s0") _, out("s1") _, out("s2") _, out("s3") _, out("s4") _, out("s5") _,
                out("s6") _, out("s7") _, out("s8") _, out("s9") _, out("s10") _,
                out("s11") _, out("s12") _, out("s13") _, out("s14") _, out("s15") _,
                out("s16") _,
                options(nostack),
            );
        }
    } else {
        // SAFETY: as above (8 floats per iteration).
        unsafe {
            asm!(
                "vmov s16, {g}",
                "2:",
                vmls8!(),
                "subs {m}, {m}, #1",
                "bne 2b",
                w = inout(reg) wp => _,
                x = inout(reg) xp => _,
                m = inout(reg) n / 8 => _,
                g = in(reg) g,
                out("s0") _, out("s1") _, out("s2") _, out("s3") _, out("s4") _, out("s5") _,
                out("s6") _, out("s7") _, out("s8") _, out("s9") _, out("s10") _,
                out("s11") _, out("s12") _, out("s13") _, out("s14") _, out("s15") _,
                out("s16") _,
                options(nostack),
            );
        }
    }
    Some(())
}

/// One block of `width` (16, 8 or 4) gating comparisons: bit `b` of the result is
/// `[Σ_j rows_j[b] z_j > o_b]`, where `rows_j` is the `width` floats at
/// `planes[j · stride + start ..]` and `o` the `width` offsets at `offsets[start ..]` (the
/// layout of `gate::Gates`). `None` for another width, a slice too short, or an empty `z`.
///
/// Each sum runs over `j` in increasing order like the portable code, but starts from its
/// first product (`vmul`) instead of `0.0 +` it: the sums are then equal except possibly in
/// the sign of a zero, and `>` does not see that sign, so the bits are the same.
/// Comparisons are `vcmp` then "greater than" (false for a NaN, like Rust's `>`).
#[inline(always)]
pub(crate) fn gate_block(
    planes: &[f32],
    stride: usize,
    start: usize,
    width: usize,
    z: &[f32],
    offsets: &[f32],
) -> Option<u32> {
    let d = z.len();
    let last = d.checked_sub(1)?.checked_mul(stride)?.checked_add(start)?;
    let rows = planes.get(start..last.checked_add(width)?)?;
    let offs = offsets.get(start..start.checked_add(width)?)?;
    // Bytes from the end of one row's block to the start of the next (the loads advance
    // `4 · width`).
    let skip = stride.checked_sub(width)?.checked_mul(4)?;
    let (p, z, o) = (rows.as_ptr(), z.as_ptr(), offs.as_ptr());
    // Rows after the first (`d >= 1` here).
    let rest = d.saturating_sub(1);
    let mask: u32;
    // SAFETY (all three widths): `rows` starts at `planes[start]` and ends `width` floats
    // after the start of the last row's block, so each of the `d` rows read (`width` floats,
    // `stride` floats apart) is inside it; `z` holds exactly `d` floats and `offs` `width`.
    // Reads only, four bytes aligned; no stack; every register written is declared.
    match width {
        // SAFETY: as above (16 floats per row).
        16 => unsafe {
            asm!(
                "vmrs {f}, fpscr",
                "vldmia {z}!, {{s24}}",
                "vldmia {p}!, {{s16-s23}}",
                "vmul.f32 s0, s16, s24",
                "vmul.f32 s1, s17, s24",
                "vmul.f32 s2, s18, s24",
                "vmul.f32 s3, s19, s24",
                "vmul.f32 s4, s20, s24",
                "vmul.f32 s5, s21, s24",
                "vmul.f32 s6, s22, s24",
                "vmul.f32 s7, s23, s24",
                "vldmia {p}!, {{s16-s23}}",
                "vmul.f32 s8, s16, s24",
                "vmul.f32 s9, s17, s24",
                "vmul.f32 s10, s18, s24",
                "vmul.f32 s11, s19, s24",
                "vmul.f32 s12, s20, s24",
                "vmul.f32 s13, s21, s24",
                "vmul.f32 s14, s22, s24",
                "vmul.f32 s15, s23, s24",
                // The other rows two at a time (two `z_j` per load), then the odd one.
                "lsrs {n}, {d}, #1",
                "beq 4f",
                "2:",
                "add {p}, {p}, {skip}",
                "vldmia {z}!, {{s24-s25}}",
                vmla_rows16!("s24"),
                "add {p}, {p}, {skip}",
                vmla_rows16!("s25"),
                "subs {n}, {n}, #1",
                "bne 2b",
                "4:",
                "tst {d}, #1",
                "beq 3f",
                "add {p}, {p}, {skip}",
                "vldmia {z}!, {{s24}}",
                vmla_rows16!("s24"),
                "3:",
                "vldmia {o}, {{s16-s31}}",
                "movs {k}, #0",
                gt_bit!("s0", "s16", "1"),
                gt_bit!("s1", "s17", "2"),
                gt_bit!("s2", "s18", "4"),
                gt_bit!("s3", "s19", "8"),
                gt_bit!("s4", "s20", "16"),
                gt_bit!("s5", "s21", "32"),
                gt_bit!("s6", "s22", "64"),
                gt_bit!("s7", "s23", "128"),
                gt_bit!("s8", "s24", "256"),
                gt_bit!("s9", "s25", "512"),
                gt_bit!("s10", "s26", "1024"),
                gt_bit!("s11", "s27", "2048"),
                gt_bit!("s12", "s28", "4096"),
                gt_bit!("s13", "s29", "8192"),
                gt_bit!("s14", "s30", "16384"),
                gt_bit!("s15", "s31", "32768"),
                "vmsr fpscr, {f}",
                p = inout(reg) p => _,
                z = inout(reg) z => _,
                d = in(reg) rest,
                n = out(reg) _,
                o = in(reg) o,
                skip = in(reg) skip,
                k = out(reg) mask,
                f = out(reg) _,
                out("s0") _, out("s1") _, out("s2") _, out("s3") _, out("s4") _, out("s5") _,
                out("s6") _, out("s7") _, out("s8") _, out("s9") _, out("s10") _,
                out("s11") _, out("s12") _, out("s13") _, out("s14") _, out("s15") _,
                out("s16") _, out("s17") _, out("s18") _, out("s19") _, out("s20") _,
                out("s21") _, out("s22") _, out("s23") _, out("s24") _, out("s25") _,
                out("s26") _, out("s27") _, out("s28") _, out("s29") _, out("s30") _,
                out("s31") _,
                options(nostack, readonly),
            );
        },
        // SAFETY: as above (8 floats per row).
        8 => unsafe {
            asm!(
                "vmrs {f}, fpscr",
                "vldmia {z}!, {{s24}}",
                "vldmia {p}!, {{s16-s23}}",
                "vmul.f32 s0, s16, s24",
                "vmul.f32 s1, s17, s24",
                "vmul.f32 s2, s18, s24",
                "vmul.f32 s3, s19, s24",
                "vmul.f32 s4, s20, s24",
                "vmul.f32 s5, s21, s24",
                "vmul.f32 s6, s22, s24",
                "vmul.f32 s7, s23, s24",
                "subs {d}, {d}, #1",
                "beq 3f",
                "2:",
                "add {p}, {p}, {skip}",
                "vldmia {z}!, {{s24}}",
                "vldmia {p}!, {{s16-s23}}",
                "vmla.f32 s0, s16, s24",
                "vmla.f32 s1, s17, s24",
                "vmla.f32 s2, s18, s24",
                "vmla.f32 s3, s19, s24",
                "vmla.f32 s4, s20, s24",
                "vmla.f32 s5, s21, s24",
                "vmla.f32 s6, s22, s24",
                "vmla.f32 s7, s23, s24",
                "subs {d}, {d}, #1",
                "bne 2b",
                "3:",
                "vldmia {o}, {{s16-s23}}",
                "movs {k}, #0",
                gt_bit!("s0", "s16", "1"),
                gt_bit!("s1", "s17", "2"),
                gt_bit!("s2", "s18", "4"),
                gt_bit!("s3", "s19", "8"),
                gt_bit!("s4", "s20", "16"),
                gt_bit!("s5", "s21", "32"),
                gt_bit!("s6", "s22", "64"),
                gt_bit!("s7", "s23", "128"),
                "vmsr fpscr, {f}",
                p = inout(reg) p => _,
                z = inout(reg) z => _,
                d = inout(reg) d => _,
                o = in(reg) o,
                skip = in(reg) skip,
                k = out(reg) mask,
                f = out(reg) _,
                out("s0") _, out("s1") _, out("s2") _, out("s3") _, out("s4") _, out("s5") _,
                out("s6") _, out("s7") _, out("s16") _, out("s17") _, out("s18") _,
                out("s19") _, out("s20") _, out("s21") _, out("s22") _, out("s23") _,
                out("s24") _,
                options(nostack, readonly),
            );
        },
        // SAFETY: as above (4 floats per row).
        4 => unsafe {
            asm!(
                "vmrs {f}, fpscr",
                "vldmia {z}!, {{s24}}",
                "vldmia {p}!, {{s16-s19}}",
                "vmul.f32 s0, s16, s24",
                "vmul.f32 s1, s17, s24",
                "vmul.f32 s2, s18, s24",
                "vmul.f32 s3, s19, s24",
                "subs {d}, {d}, #1",
                "beq 3f",
                "2:",
                "add {p}, {p}, {skip}",
                "vldmia {z}!, {{s24}}",
                "vldmia {p}!, {{s16-s19}}",
                "vmla.f32 s0, s16, s24",
                "vmla.f32 s1, s17, s24",
                "vmla.f32 s2, s18, s24",
                "vmla.f32 s3, s19, s24",
                "subs {d}, {d}, #1",
                "bne 2b",
                "3:",
                "vldmia {o}, {{s16-s19}}",
                "movs {k}, #0",
                gt_bit!("s0", "s16", "1"),
                gt_bit!("s1", "s17", "2"),
                gt_bit!("s2", "s18", "4"),
                gt_bit!("s3", "s19", "8"),
                "vmsr fpscr, {f}",
                p = inout(reg) p => _,
                z = inout(reg) z => _,
                d = inout(reg) d => _,
                o = in(reg) o,
                skip = in(reg) skip,
                k = out(reg) mask,
                f = out(reg) _,
                out("s0") _, out("s1") _, out("s2") _, out("s3") _, out("s16") _,
                out("s17") _, out("s18") _, out("s19") _, out("s24") _,
                options(nostack, readonly),
            );
        },
        _ => return None,
    }
    Some(mask)
}
