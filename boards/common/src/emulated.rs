//! The program of every emulated board: output over semihosting, exit status to QEMU.
//!
//! The output is compared line for line with the board's stored `boards/expected/*.run`, so
//! everything printed is deterministic: fingerprints, and instruction counts under
//! `-icount shift=0`.

use core::mem::size_of;

use cortex_m_semihosting::debug::{self, EXIT_FAILURE, EXIT_SUCCESS};
use cortex_m_semihosting::hprintln;
use gln::selftest::{anomaly, bernoulli, kernels, quant};
use gln::Network;
use static_cell::ConstStaticCell;

use crate::measure::{self, Calibration, Work};

/// Work per step of one model shape, as measured by [`measure::work`].
pub struct Shape {
    /// The model's type, as Rust names it.
    pub name: &'static str,
    /// Bytes of RAM the model takes.
    pub bytes: usize,
    /// Multiply-adds of one `learn` (`MACS_LEARN`).
    pub macs_learn: usize,
    /// Multiply-adds of one `predict` (`MACS_PREDICT`).
    pub macs_predict: usize,
}

/// Prints what [`measure::work`] measured on `shape`, in instructions.
pub fn print_work(shape: &Shape, work: &Work, cal: &Calibration) {
    let n = u64::from(work.steps);
    hprintln!(
        "shape {} {} bytes, MACs learn {} predict {}",
        shape.name,
        shape.bytes,
        shape.macs_learn,
        shape.macs_predict
    );
    for (what, ticks, macs, stack) in [
        (
            "learn",
            work.learn_ticks,
            shape.macs_learn,
            work.learn_stack,
        ),
        (
            "predict",
            work.predict_ticks,
            shape.macs_predict,
            work.predict_stack,
        ),
    ] {
        hprintln!(
            "{} {} steps: {} instructions/step, {} instructions/MAC, stack {} bytes",
            what,
            n,
            cal.per(ticks, n),
            cal.per(ticks, n * macs as u64),
            stack
        );
    }
    hprintln!(
        "bits predictions {:016x} model {:016x} (the host test tests/board_parity.rs checks them)",
        work.predictions,
        work.model
    );
}

/// The calibration, printed.
pub(crate) fn calibration() -> Calibration {
    let cal = measure::calibrate();
    hprintln!(
        "clock {} instructions per SysTick tick (calibrated)",
        cal.per_tick()
    );
    cal
}

/// Takes the core peripherals and starts SysTick.
pub(crate) fn systick() -> cortex_m::peripheral::SYST {
    match cortex_m::Peripherals::take() {
        Some(mut p) => {
            measure::start_systick(&mut p.SYST);
            p.SYST
        }
        None => panic!("core peripherals already taken"),
    }
}

/// Ends the program: exit status 0 to QEMU if `ok`, 1 otherwise.
pub fn exit(ok: bool) -> ! {
    hprintln!("stack program peak {} bytes", measure::program_peak());
    debug::exit(if ok { EXIT_SUCCESS } else { EXIT_FAILURE });
    loop {
        cortex_m::asm::wfi();
    }
}

/// The whole program of an emulated board `board` with core `core`: runs the parity scenarios
/// on models in `static`s and prints their fingerprints: `bernoulli`, then the work per step
/// of its shape and its stack, then `anomaly` (the detector) with its instructions and stack;
/// then the FPU kernels' check (`gln::selftest::kernels`); exits with failure if any
/// fingerprint is not the reference or a kernel differs from the portable code.
pub fn parity_main(board: &str, core: &str) -> ! {
    static MODEL: ConstStaticCell<bernoulli::Model> = ConstStaticCell::new(bernoulli::model());
    static DETECTOR: ConstStaticCell<anomaly::Model> = ConstStaticCell::new(anomaly::model());
    hprintln!("board {} ({})", board, core);
    let mut syst = systick();
    let model = MODEL.take();
    let cal = calibration();
    let (report, ticks) = measure::ticks(|| bernoulli::run(model));
    let report = match report {
        Ok(r) => r,
        Err(e) => panic!("{}", e),
    };
    hprintln!("parity {}", report);
    hprintln!(
        "parity run (the whole self-test): {} instructions",
        cal.instructions(u64::from(ticks))
    );
    let shape = Shape {
        name: core::any::type_name::<bernoulli::Model>(),
        bytes: size_of::<bernoulli::Model>(),
        macs_learn: bernoulli::Model::MACS_LEARN,
        macs_predict: bernoulli::Model::MACS_PREDICT,
    };
    print_work(&shape, &measure::work(model), &cal);
    let ok = report.passed();
    if !ok {
        hprintln!(
            "FAIL: fingerprint {:016x} is not the reference {:016x}",
            report.fingerprint,
            report.expected
        );
    }

    let detector = DETECTOR.take();
    let ((anomaly, ticks), stack) =
        measure::stack_peak(|| measure::long_ticks(&mut syst, || anomaly::run(detector)));
    let anomaly = match anomaly {
        Ok(r) => r,
        Err(e) => panic!("{}", e),
    };
    hprintln!("parity {}", anomaly);
    let instructions = cal.instructions(ticks);
    hprintln!(
        "parity anomaly run ({} {} bytes): {} instructions, {} per reading, stack {} bytes",
        core::any::type_name::<anomaly::Model>(),
        size_of::<anomaly::Model>(),
        instructions,
        crate::Ratio {
            num: instructions,
            den: u64::from(anomaly.readings),
        },
        stack
    );
    if !anomaly.passed() {
        hprintln!(
            "FAIL: anomaly fingerprint {:016x} is not the reference {:016x}",
            anomaly.fingerprint,
            anomaly.expected
        );
    }

    // The FPU kernels against the portable code on their corner cases (Cortex-M4F, M7, M33;
    // the soft-float cores have no kernel and say so).
    let kernels = kernels::run();
    hprintln!("{}", kernels);
    exit(ok && anomaly.passed() && kernels.passed())
}

/// The whole program of a benchmark binary: work per step of `model` (fresh), in
/// instructions.
pub fn bench_main<const D: usize, M: Network<D, D, 1>>(
    board: &str,
    model: &mut M,
    shape: &Shape,
) -> ! {
    hprintln!("bench {} on {}", shape.name, board);
    systick();
    let cal = calibration();
    let work = measure::work(model);
    print_work(shape, &work, &cal);
    exit(true)
}

/// The whole program of an integer benchmark binary: the integer parity scenario
/// (`gln::selftest::quant`, its fingerprint checked), then the work per step of `model`
/// (fresh) through the integer API, in instructions. Exits with failure on a mismatch.
pub fn qbench_main<const D: usize, S: gln::net::Stack<gln::quant::QBernoulli, D, D>>(
    board: &str,
    model: &mut gln::net::Net<gln::quant::QBernoulli, D, D, S, 1>,
    shape: &Shape,
) -> ! {
    static PARITY: ConstStaticCell<quant::Model> = ConstStaticCell::new(quant::model());
    hprintln!("bench {} on {}", shape.name, board);
    systick();
    let cal = calibration();
    let (report, ticks) = measure::ticks(|| quant::run(PARITY.take()));
    let report = match report {
        Ok(r) => r,
        Err(e) => panic!("{}", e),
    };
    hprintln!("parity {}", report);
    hprintln!(
        "parity run (the whole integer self-test): {} instructions",
        cal.instructions(u64::from(ticks))
    );
    let work = measure::qwork(model);
    print_work(shape, &work, &cal);
    exit(report.passed())
}

/// Prints the panic message and exits with failure, so that a failing board is visible.
#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    hprintln!("PANIC: {}", info);
    debug::exit(EXIT_FAILURE);
    loop {
        cortex_m::asm::wfi();
    }
}

/// Writes an emulated board's `main` (and a HardFault handler that reports and fails):
/// `board_common::emulated_main!("Cortex-M4F");`. The board's name is its package name.
#[macro_export]
macro_rules! emulated_main {
    ($core:literal) => {
        #[$crate::cortex_m_rt::entry]
        fn main() -> ! {
            $crate::emulated::parity_main(env!("CARGO_PKG_NAME"), $core)
        }
        $crate::hard_fault_handler!();
    };
}

/// Writes a benchmark binary's `main` for one model shape (a `Gln*<D, D, ...>` with one
/// head), built in a `static` with the default configuration.
#[macro_export]
macro_rules! bench_main {
    ($D:literal, $Model:ty) => {
        #[$crate::cortex_m_rt::entry]
        fn main() -> ! {
            type Model = $Model;
            static MODEL: $crate::static_cell::ConstStaticCell<Model> =
                $crate::static_cell::ConstStaticCell::new(Model::new(
                    7,
                    $crate::gln::Config::DEFAULT,
                ));
            let shape = $crate::emulated::Shape {
                name: stringify!($Model),
                bytes: ::core::mem::size_of::<Model>(),
                macs_learn: Model::MACS_LEARN,
                macs_predict: Model::MACS_PREDICT,
            };
            $crate::emulated::bench_main::<$D, Model>(env!("CARGO_PKG_NAME"), MODEL.take(), &shape)
        }
        $crate::hard_fault_handler!();
    };
}

/// Writes an integer benchmark binary's `main` for one model shape (a `QGln*<D, D, ...>`
/// with one head), built in a `static` with `Config::DEFAULT`.
#[macro_export]
macro_rules! qbench_main {
    ($D:literal, $Model:ty) => {
        #[$crate::cortex_m_rt::entry]
        fn main() -> ! {
            type Model = $Model;
            static MODEL: $crate::static_cell::ConstStaticCell<Model> =
                $crate::static_cell::ConstStaticCell::new(Model::new(
                    7,
                    $crate::gln::Config::DEFAULT,
                ));
            let shape = $crate::emulated::Shape {
                name: stringify!($Model),
                bytes: ::core::mem::size_of::<Model>(),
                macs_learn: Model::MACS_LEARN,
                macs_predict: Model::MACS_PREDICT,
            };
            $crate::emulated::qbench_main::<$D, _>(env!("CARGO_PKG_NAME"), MODEL.take(), &shape)
        }
        $crate::hard_fault_handler!();
    };
}

/// A HardFault handler that prints the faulting frame and exits with failure (instead of
/// cortex-m-rt's default endless loop, which only a timeout would end).
#[macro_export]
#[doc(hidden)]
macro_rules! hard_fault_handler {
    () => {
        #[$crate::cortex_m_rt::exception]
        unsafe fn HardFault(frame: &$crate::cortex_m_rt::ExceptionFrame) -> ! {
            $crate::emulated::hard_fault(frame)
        }
    };
}

#[doc(hidden)]
pub fn hard_fault(frame: &cortex_m_rt::ExceptionFrame) -> ! {
    hprintln!("HARD FAULT: {:?}", frame);
    debug::exit(EXIT_FAILURE);
    loop {
        cortex_m::asm::wfi();
    }
}
