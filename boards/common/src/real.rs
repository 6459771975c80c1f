//! The program of every real board: the same parity scenario as the emulated boards and the
//! host, then cycles per step, logged with `defmt` (the board links `defmt-rtt` and
//! `panic-probe`, and `probe-rs run` prints the log).

use core::mem::size_of;

use cortex_m::peripheral::SYST;
use gln::selftest::{anomaly, bernoulli};
use static_cell::ConstStaticCell;

use crate::measure;

/// Runs the parity scenarios on models in `static`s and logs their fingerprints; panics (so
/// `probe-rs run` fails) if one is not the reference. Logs the cycles per `learn` and per
/// `predict` of the `bernoulli` shape (SysTick on the core clock, `hz`), the cycles of the
/// `anomaly` run per reading, and the stack.
pub fn main(board: &str, core: &str, hz: u32, mut syst: SYST) -> ! {
    static MODEL: ConstStaticCell<bernoulli::Model> = ConstStaticCell::new(bernoulli::model());
    static DETECTOR: ConstStaticCell<anomaly::Model> = ConstStaticCell::new(anomaly::model());
    defmt::info!("board {=str} ({=str}) at {=u32} Hz", board, core, hz);
    measure::start_systick(&mut syst);
    let model = MODEL.take();
    let report = match bernoulli::run(model) {
        Ok(r) => r,
        Err(e) => defmt::panic!("{}", e),
    };
    defmt::info!("parity {}", report);
    if !report.passed() {
        defmt::panic!(
            "FAIL: fingerprint {=u64:016x} is not the reference {=u64:016x}",
            report.fingerprint,
            report.expected
        );
    }
    defmt::info!(
        "shape {=str} {=usize} bytes, MACs learn {=usize} predict {=usize}",
        core::any::type_name::<bernoulli::Model>(),
        size_of::<bernoulli::Model>(),
        bernoulli::Model::MACS_LEARN,
        bernoulli::Model::MACS_PREDICT
    );
    let work = measure::work(model);
    let n = work.steps as f32;
    for (what, ticks, macs, stack) in [
        (
            "learn",
            work.learn_ticks,
            bernoulli::Model::MACS_LEARN,
            work.learn_stack,
        ),
        (
            "predict",
            work.predict_ticks,
            bernoulli::Model::MACS_PREDICT,
            work.predict_stack,
        ),
    ] {
        let per_step = ticks as f32 / n;
        defmt::info!(
            "{=str} {=u32} steps: {=f32} cycles/step ({=f32} us), {=f32} cycles/MAC, stack {=usize} bytes",
            what,
            work.steps,
            per_step,
            per_step * 1.0e6 / hz as f32,
            per_step / macs as f32,
            stack
        );
    }
    // The detector scenario: longer than a SysTick wrap on slow cores, so the wraps are
    // counted.
    let detector = DETECTOR.take();
    let ((anomaly, cycles), stack) =
        measure::stack_peak(|| measure::long_ticks(&mut syst, || anomaly::run(detector)));
    let anomaly = match anomaly {
        Ok(r) => r,
        Err(e) => defmt::panic!("{}", e),
    };
    defmt::info!("parity {}", anomaly);
    if !anomaly.passed() {
        defmt::panic!(
            "FAIL: anomaly fingerprint {=u64:016x} is not the reference {=u64:016x}",
            anomaly.fingerprint,
            anomaly.expected
        );
    }
    let per_reading = cycles as f32 / anomaly.readings as f32;
    defmt::info!(
        "anomaly run: {=u64} cycles, {=f32} per reading ({=f32} us), stack {=usize} bytes",
        cycles,
        per_reading,
        per_reading * 1.0e6 / hz as f32,
        stack
    );
    // The FPU kernels against the portable code on their corner cases (none on the M0+).
    let kernels = gln::selftest::kernels::run();
    defmt::info!("kernels {}", kernels);
    if !kernels.passed() {
        defmt::panic!(
            "FAIL: an FPU kernel differs from the portable code: {}",
            kernels
        );
    }
    defmt::info!("stack program peak {=usize} bytes", measure::program_peak());
    // `probe-rs run` ends on a breakpoint.
    loop {
        cortex_m::asm::bkpt();
    }
}
