//! Counting work with SysTick, and measuring stack depth by painting.
//!
//! SysTick runs from the core clock, counting down from `2^24 - 1`. On hardware a tick is a
//! cycle. Under QEMU with `-icount shift=0` every instruction takes one virtual nanosecond and
//! SysTick follows virtual time, so ticks count instructions: [`calibrate`] measures how many
//! per tick with a loop of a known number of instructions (40 on the MPS2 machines, whose core
//! clock is 25 MHz). Every count is deterministic: the same binary gives the same figure on
//! every run.

use core::hint::black_box;
use core::ptr::{addr_of, read_volatile, write_volatile};
#[cfg(any(feature = "semihosting", feature = "defmt"))]
use core::sync::atomic::AtomicU32;
use core::sync::atomic::{AtomicUsize, Ordering};

use cortex_m::peripheral::{syst::SystClkSource, SYST};
use gln::hash::Fnv1a;
use gln::net::{Net, Stack};
use gln::quant::{QBernoulli, QInput};
use gln::selftest::Stream;
use gln::{Input, Network, Standardizer};

/// SysTick's reload value: the counter wraps every `2^24` ticks.
pub const RELOAD: u32 = 0x00ff_ffff;

/// Starts SysTick free-running on the core clock, without its interrupt.
pub fn start_systick(syst: &mut SYST) {
    syst.disable_interrupt();
    syst.set_clock_source(SystClkSource::Core);
    syst.set_reload(RELOAD);
    syst.clear_current();
    syst.enable_counter();
}

/// Runs `f` and returns its result and the SysTick ticks it took (it must take fewer than
/// `2^24`; every caller here times one step at a time).
#[inline(always)]
pub fn ticks<R>(f: impl FnOnce() -> R) -> (R, u32) {
    let t0 = SYST::get_current();
    let r = f();
    let t1 = SYST::get_current();
    (r, t0.wrapping_sub(t1) & RELOAD)
}

#[cfg(any(feature = "semihosting", feature = "defmt"))]
/// SysTick wraps seen by the SysTick exception while [`long_ticks`] runs.
static WRAPS: AtomicU32 = AtomicU32::new(0);

#[cfg(any(feature = "semihosting", feature = "defmt"))]
/// Counts a wrap of SysTick (its exception fires only while [`long_ticks`] runs).
#[cortex_m_rt::exception]
fn SysTick() {
    // Only this handler writes `WRAPS`, so a load and a store suffice (no compare-and-swap
    // on a Cortex-M0).
    WRAPS.store(
        WRAPS.load(Ordering::Relaxed).wrapping_add(1),
        Ordering::Relaxed,
    );
}

#[cfg(any(feature = "semihosting", feature = "defmt"))]
/// Ticks counted by SysTick and its wraps, read consistently: the counter's phase is
/// `(RELOAD + 1 − current) mod 2^24` (0 right at a wrap, when the exception is raised), and
/// the reading is retried if a wrap is pending or was counted meanwhile.
fn elapsed() -> u64 {
    loop {
        let w = WRAPS.load(Ordering::Relaxed);
        let c = SYST::get_current();
        let pending = cortex_m::peripheral::SCB::is_pendst_pending();
        if !pending && WRAPS.load(Ordering::Relaxed) == w {
            let phase = RELOAD.wrapping_add(1).wrapping_sub(c) & RELOAD;
            return (u64::from(w) << 24) + u64::from(phase);
        }
    }
}

#[cfg(any(feature = "semihosting", feature = "defmt"))]
/// Runs `f` and returns its result and the SysTick ticks it took, however long: SysTick's
/// exception counts the wraps of its 24-bit counter meanwhile (a few instructions every
/// `2^24` ticks, included in the count). For whole runs that can take longer than a wrap
/// (the `anomaly` scenario takes hundreds of millions of cycles on a Cortex-M0+). SysTick
/// must be running ([`start_systick`]).
pub fn long_ticks<R>(syst: &mut SYST, f: impl FnOnce() -> R) -> (R, u64) {
    WRAPS.store(0, Ordering::Relaxed);
    syst.enable_interrupt();
    let t0 = elapsed();
    let r = f();
    let t1 = elapsed();
    syst.disable_interrupt();
    (r, t1.saturating_sub(t0))
}

/// Iterations of the calibration loop (two instructions each).
pub const CALIBRATION_LOOPS: u32 = 1_000_000;

/// How many instructions one SysTick tick stands for, measured.
#[derive(Clone, Copy, Debug)]
pub struct Calibration {
    /// Instructions of the calibration loop.
    pub instructions: u64,
    /// Ticks it took.
    pub ticks: u64,
}

impl Calibration {
    /// On hardware, a tick is a cycle: counts are reported as they are.
    pub const CYCLES: Calibration = Calibration {
        instructions: 1,
        ticks: 1,
    };

    /// Instructions per tick.
    pub fn per_tick(&self) -> crate::Ratio {
        crate::Ratio {
            num: self.instructions,
            den: self.ticks,
        }
    }

    /// `ticks` converted to whole instructions (rounded).
    pub fn instructions(&self, ticks: u64) -> u64 {
        let num = ticks.saturating_mul(self.instructions);
        (num + self.ticks / 2) / self.ticks.max(1)
    }

    /// `ticks` converted to instructions, per `n` (rounded to hundredths).
    pub fn per(&self, ticks: u64, n: u64) -> crate::Ratio {
        crate::Ratio {
            num: ticks.saturating_mul(self.instructions),
            den: self.ticks.saturating_mul(n),
        }
    }
}

/// Times a loop of exactly `2 ·` [`CALIBRATION_LOOPS`] instructions (`subs`, `bne`).
///
/// Only meaningful under QEMU `-icount` (on hardware a taken branch costs more than a cycle).
pub fn calibrate() -> Calibration {
    let ((), t) = ticks(|| spin(CALIBRATION_LOOPS));
    Calibration {
        instructions: 2 * u64::from(CALIBRATION_LOOPS),
        ticks: u64::from(t),
    }
}

#[inline(always)]
fn spin(n: u32) {
    // SAFETY: a register-only countdown loop; touches no memory and no stack.
    unsafe {
        core::arch::asm!(
            "2:",
            "subs r0, r0, #1",
            "bne 2b",
            inout("r0") n => _,
            options(nomem, nostack),
        );
    }
}

/// Steps timed by [`work`], for `learn` and for `predict` each.
pub const WORK_STEPS: u32 = 256;

/// Seed of the stream [`work`] feeds (not the parity scenario's).
pub const WORK_SEED: u64 = 0x776f_726b;

/// What [`work`] measured.
#[derive(Clone, Copy, Debug)]
pub struct Work {
    /// Steps timed (each of `learn` and `predict`).
    pub steps: u32,
    /// SysTick ticks of all the `learn` calls.
    pub learn_ticks: u64,
    /// SysTick ticks of all the `predict` calls.
    pub predict_ticks: u64,
    /// Peak stack of one `learn` call, bytes.
    pub learn_stack: usize,
    /// Peak stack of one `predict` call, bytes.
    pub predict_stack: usize,
    /// FNV-1a of the bits of every probability the timed calls returned, in order.
    pub predictions: u64,
    /// The model's `fingerprint()` after the timed calls.
    pub model: u64,
}

/// Times [`WORK_STEPS`] `learn` calls, then as many `predict` calls, one call at a time, on
/// fresh samples of a [`Stream`] standardised online (drawn and standardised outside the
/// timed part); then measures the stack of one more of each.
pub fn work<const D: usize, M: Network<D, D, 1>>(model: &mut M) -> Work {
    let mut stream = Stream::<D>::new(WORK_SEED);
    let mut scale = Standardizer::<D>::new(0.1);
    let mut next = move || {
        let s = stream.next_sample();
        (
            scale.update_transform(&s.raw).unwrap_or([0.0; D]),
            [s.label],
        )
    };
    // The host test `tests/board_parity.rs` of the library replays this stream and checks
    // `predictions` and `model` against the stored outputs (`boards/expected/*.run`).
    let mut predictions = Fnv1a::new();
    let mut learn_ticks = 0u64;
    for _ in 0..WORK_STEPS {
        let (z, y) = next();
        if let Ok(x) = Input::from_side(&z) {
            let (p, t) = ticks(|| model.learn_targets(&x, &y));
            black_box(p);
            p.iter().for_each(|&v| predictions.write_f32(v));
            learn_ticks += u64::from(t);
        }
    }
    let mut predict_ticks = 0u64;
    for _ in 0..WORK_STEPS {
        let (z, _) = next();
        if let Ok(x) = Input::from_side(&z) {
            let (p, t) = ticks(|| model.predict_all(&x));
            black_box(p);
            p.iter().for_each(|&v| predictions.write_f32(v));
            predict_ticks += u64::from(t);
        }
    }
    let model_hash = fingerprint_of(model);
    let (z, y) = next();
    let (mut learn_stack, mut predict_stack) = (0, 0);
    if let Ok(x) = Input::from_side(&z) {
        learn_stack = stack_peak(|| black_box(model.learn_targets(&x, &y))).1;
        predict_stack = stack_peak(|| black_box(model.predict_all(&x))).1;
    }
    Work {
        steps: WORK_STEPS,
        learn_ticks,
        predict_ticks,
        learn_stack,
        predict_stack,
        predictions: predictions.finish(),
        model: model_hash,
    }
}

/// [`work`] for an integer GLN (`gln::quant`) through its own integer API: the same stream,
/// standardised and converted to fixed point (`QInput::from_input`) outside the timed part, so
/// the counts are those of the integer `learn` and `predict` alone.
pub fn qwork<const D: usize, S: Stack<QBernoulli, D, D>>(
    model: &mut Net<QBernoulli, D, D, S, 1>,
) -> Work {
    let mut stream = Stream::<D>::new(WORK_SEED);
    let mut scale = Standardizer::<D>::new(0.1);
    let mut next = move || {
        let s = stream.next_sample();
        let z = scale.update_transform(&s.raw).unwrap_or([0.0; D]);
        let x = Input::from_side(&z).map(|x| QInput::from_input(&x));
        (x, [s.label])
    };
    // The host test `tests/board_parity.rs` replays this too.
    let mut predictions = Fnv1a::new();
    let mut learn_ticks = 0u64;
    for _ in 0..WORK_STEPS {
        if let (Ok(x), y) = next() {
            let (p, t) = ticks(|| model.learn_targets(&x, &y));
            black_box(p);
            p.iter().for_each(|&v| predictions.write_u64(u64::from(v)));
            learn_ticks += u64::from(t);
        }
    }
    let mut predict_ticks = 0u64;
    for _ in 0..WORK_STEPS {
        if let (Ok(x), _) = next() {
            let (p, t) = ticks(|| model.predict_all(&x));
            black_box(p);
            p.iter().for_each(|&v| predictions.write_u64(u64::from(v)));
            predict_ticks += u64::from(t);
        }
    }
    let model_hash = qfingerprint_of(model);
    let (mut learn_stack, mut predict_stack) = (0, 0);
    if let (Ok(x), y) = next() {
        learn_stack = stack_peak(|| black_box(model.learn_targets(&x, &y))).1;
        predict_stack = stack_peak(|| black_box(model.predict_all(&x))).1;
    }
    Work {
        steps: WORK_STEPS,
        learn_ticks,
        predict_ticks,
        learn_stack,
        predict_stack,
        predictions: predictions.finish(),
        model: model_hash,
    }
}

/// `model.fingerprint()` of an integer GLN, out of line (see [`fingerprint_of`]).
#[inline(never)]
fn qfingerprint_of<const D: usize, S: Stack<QBernoulli, D, D>>(
    model: &Net<QBernoulli, D, D, S, 1>,
) -> u64 {
    model.fingerprint()
}

/// `model.fingerprint()`, out of line: inlined into [`work`] (itself inlined into a board's
/// `main`) the unrolled hashing loops cost kilobytes of flash.
#[inline(never)]
fn fingerprint_of<const D: usize, M: Network<D, D, 1>>(model: &M) -> u64 {
    model.fingerprint()
}

/// The value the stack is painted with (cortex-m-rt's `paint-stack` uses the same).
pub const PAINT: u32 = 0xcccc_cccc;

/// At most this much stack below the caller is painted by [`stack_peak`].
pub const PAINT_WINDOW: usize = 32 * 1024;

/// The deepest stack address seen touched before a [`stack_peak`] repainted it.
static DEEPEST: AtomicUsize = AtomicUsize::new(usize::MAX);

extern "C" {
    // From cortex-m-rt's link.x: the stack grows down from `_stack_start` to `_stack_end`.
    static _stack_start: u32;
    static _stack_end: u32;
}

fn stack_bounds() -> (usize, usize) {
    // Only the addresses of the linker symbols are taken.
    (
        (addr_of!(_stack_end) as usize + 3) & !3,
        addr_of!(_stack_start) as usize,
    )
}

/// The lowest address in `[from, to)` that no longer holds [`PAINT`] (`to` if none).
fn lowest_touched(from: usize, to: usize) -> usize {
    let mut a = from;
    // SAFETY: `[from, to)` lies in the stack region between the linker's `_stack_end` and
    // the current stack pointer: RAM that no Rust object owns at this moment.
    while a < to && unsafe { read_volatile(a as *const u32) } == PAINT {
        a += 4;
    }
    a
}

/// Runs `f` and returns the bytes of stack it used below the caller's frame: paints up to
/// [`PAINT_WINDOW`] bytes below the stack pointer, runs `f`, and finds the deepest word that
/// changed. A result equal to the window means "at least that much".
#[inline(never)]
pub fn stack_peak<R>(f: impl FnOnce() -> R) -> (R, usize) {
    let sp = cortex_m::register::msp::read() as usize;
    let (end, _) = stack_bounds();
    let bottom = end.max(sp.saturating_sub(PAINT_WINDOW));
    // Remember what was deepest so far, before repainting erases it.
    let seen = lowest_touched(end, sp);
    DEEPEST.store(DEEPEST.load(Ordering::Relaxed).min(seen), Ordering::Relaxed);
    let mut a = bottom;
    while a < sp {
        // SAFETY: below the stack pointer and above `_stack_end`: unused stack, no interrupts
        // are enabled, and nothing else lives there.
        unsafe { write_volatile(a as *mut u32, PAINT) };
        a += 4;
    }
    let r = f();
    let low = lowest_touched(bottom, sp);
    (r, sp - low)
}

/// The deepest the stack has been since reset (cortex-m-rt's `paint-stack` painted it all),
/// in bytes below `_stack_start`.
pub fn program_peak() -> usize {
    let (end, start) = stack_bounds();
    let low = lowest_touched(end, start).min(DEEPEST.load(Ordering::Relaxed));
    start - low
}
