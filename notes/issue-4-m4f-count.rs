//! Instruction counts of the detector on the emulated Cortex-M4F (issue 4 measurement).
//!
//! Not a board crate of this repository: a throwaway harness. To run it, make a crate with
//! this file as `src/main.rs` and:
//! - Cargo.toml: `gln = { path = "<repo>", default-features = false }`, `cortex-m = { version
//!   = "0.7", features = ["critical-section-single-core"] }`, `cortex-m-rt = "0.7"`,
//!   `cortex-m-semihosting = "0.6"`; `[profile.release]` opt-level 3, lto, codegen-units 1,
//!   panic = "abort";
//! - memory.x: FLASH 0x0 4M, RAM 0x2000_0000 4M, copied to OUT_DIR by a build.rs;
//! - .cargo/config.toml: target thumbv7em-none-eabihf, `-C link-arg=-Tlink.x`, runner
//!   `qemu-system-arm -machine mps2-an386 -cpu cortex-m4 -nographic
//!   -semihosting-config enable=on,target=native -icount shift=0 -kernel`;
//! - `cargo run --release`.
//!
//! With `-icount shift=0` and the MPS2 SysTick at 25 MHz, one SysTick tick is 40 instructions.
#![no_std]
#![no_main]
use core::panic::PanicInfo;
use cortex_m::peripheral::{SYST, syst::SystClkSource};
use cortex_m_rt::entry;
use cortex_m_semihosting::{debug, hprintln};
use gln::detector::{Detector, DetectorConfig, SensorModel, SmallSensorModel};
use gln::rng::SplitMix64;

#[panic_handler]
fn panic(info: &PanicInfo) -> ! {
    hprintln!("panic: {}", info);
    debug::exit(debug::EXIT_FAILURE);
    loop {}
}

fn reading(t: u32, r: &mut SplitMix64) -> f32 {
    let phase = t as f32 * (6.283_185_5 / 500.0);
    let s = gln::math::sigmoid(4.0 * (phase % 6.283_185_5) - 12.0);
    50.0 + 5.0 * s + 0.2 * r.next_normal()
}

fn measure<const CH: usize, const W: usize, const D: usize, const B: usize, M>(
    syst: &mut SYST,
    det: &mut Detector<CH, W, D, B, M>,
    n: u32,
) -> (u32, u64)
where
    M: gln::gaussian::GaussianNetwork<D, B, 1>,
{
    let mut r = SplitMix64::new(5);
    for t in 0..1000 {
        let x = [reading(t, &mut r); CH];
        let _ = det.update(&x);
    }
    let start = SYST::get_current();
    for t in 1000..1000 + n {
        let x = [reading(t, &mut r); CH];
        let _ = det.update(&x);
    }
    let end = SYST::get_current();
    let _ = syst;
    (start.wrapping_sub(end) & 0x00ff_ffff, det.fingerprint())
}

#[entry]
fn main() -> ! {
    let mut p = cortex_m::Peripherals::take().unwrap();
    p.SYST.set_clock_source(SystClkSource::Core);
    p.SYST.set_reload(0x00ff_ffff);
    p.SYST.clear_current();
    p.SYST.enable_counter();
    let n = 200;
    let mut big: Detector<1, 16, 16, 16, SensorModel> = Detector::with_seed(1, DetectorConfig::DEFAULT);
    let (ticks, fp) = measure(&mut p.SYST, &mut big, n);
    hprintln!("reference Detector<1,16,16,16,SensorModel>: {} instructions per reading (fp {:#x})", ticks as u64 * 40 / n as u64, fp);
    let mut small: Detector<1, 8, 8, 8, SmallSensorModel> = Detector::with_seed(1, DetectorConfig::DEFAULT);
    let (ticks, fp) = measure(&mut p.SYST, &mut small, n);
    hprintln!("small Detector<1,8,8,8,SmallSensorModel>: {} instructions per reading (fp {:#x})", ticks as u64 * 40 / n as u64, fp);
    // Gaussian GLN alone: predict and learn on the reference shape.
    let mut m = SensorModel::new(7, gln::detector::SENSOR_MODEL_CONFIG);
    let z = [0.3f32; 16];
    let x = gln::gaussian::GaussianInput::from_side(&z, 0.5).unwrap();
    let start = SYST::get_current();
    for i in 0..n {
        let _ = m.learn(&x, (i % 7) as f32 * 0.1);
    }
    let end = SYST::get_current();
    hprintln!("GaussianGln3<16,16,16,16,4,16> learn: {} instructions per call", (start.wrapping_sub(end) & 0x00ff_ffff) as u64 * 40 / n as u64);
    let start = SYST::get_current();
    let mut acc = 0.0f32;
    for _ in 0..n {
        acc += m.predict(&x).mean;
    }
    let end = SYST::get_current();
    hprintln!("GaussianGln3<16,16,16,16,4,16> predict: {} instructions per call ({})", (start.wrapping_sub(end) & 0x00ff_ffff) as u64 * 40 / n as u64, acc);
    debug::exit(debug::EXIT_SUCCESS);
    loop {}
}
