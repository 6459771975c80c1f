//! Instruction counts of the detector's explanations on the emulated Cortex-M4F (issue 6).
//!
//! Not a board crate of this repository: a throwaway harness, set up as
//! `notes/issue-4-m4f-count.rs` says (Cargo.toml with `gln = { path = "<repo>",
//! default-features = false }`, cortex-m 0.7 with `critical-section-single-core`,
//! cortex-m-rt 0.7, cortex-m-semihosting 0.6, release profile opt-level 3, fat LTO, one
//! codegen unit, panic = "abort"; memory.x and build.rs as in `boards/mps2-an386`; runner
//! `qemu-system-arm -machine mps2-an386 -cpu cortex-m4 -nographic -semihosting-config
//! enable=on,target=native -icount shift=0 -kernel`), then `cargo run --release`.
//! One SysTick tick is 40 instructions.
#![no_std]
#![no_main]
use core::panic::PanicInfo;
use cortex_m::peripheral::{SYST, syst::SystClkSource};
use cortex_m_rt::entry;
use cortex_m_semihosting::{debug, hprintln};
use gln::detector::{Detector, DetectorConfig, SensorModel, SmallSensorModel};
use gln::gaussian::{GaussianExplain, GaussianNetwork};
use gln::rng::SplitMix64;

#[panic_handler]
fn panic(info: &PanicInfo) -> ! {
    hprintln!("panic: {}", info);
    debug::exit(debug::EXIT_FAILURE);
    loop {}
}

fn reading(t: u32, r: &mut SplitMix64) -> [f32; 2] {
    let phase = t as f32 * (6.283_185_5 / 500.0);
    let s = gln::math::sigmoid(4.0 * (phase % 6.283_185_5) - 12.0);
    [50.0 + 5.0 * s + 0.2 * r.next_normal(), 2.0 + s + 0.1 * r.next_normal()]
}

fn ticks() -> u32 {
    SYST::get_current()
}

/// (instructions per reading with update, with update_explained, fingerprints equal)
fn measure<const W: usize, const D: usize, const B: usize, M>(
    a: &mut Detector<2, W, D, B, M>,
    b: &mut Detector<2, W, D, B, M>,
    n: u32,
) -> (u64, u64, bool)
where
    M: GaussianNetwork<D, B, 1> + GaussianExplain<D, B, 1>,
{
    let mut r = SplitMix64::new(5);
    for t in 0..1000 {
        let x = reading(t, &mut r);
        let _ = a.update(&x);
        let _ = b.update(&x);
    }
    let mut xs = [[0.0f32; 2]; 200];
    for x in xs.iter_mut().take(n as usize) {
        *x = reading(1000, &mut r);
    }
    let start = ticks();
    for x in xs.iter().take(n as usize) {
        let _ = a.update(x);
    }
    let plain = start.wrapping_sub(ticks()) & 0x00ff_ffff;
    let mut sink = 0.0f32;
    let start = ticks();
    for x in xs.iter().take(n as usize) {
        if let Ok((_, Some(e))) = b.update_explained(x) {
            sink += e.channels[0].miss.output;
        }
    }
    let explained = start.wrapping_sub(ticks()) & 0x00ff_ffff;
    let _ = sink;
    (
        plain as u64 * 40 / n as u64,
        explained as u64 * 40 / n as u64,
        a.fingerprint() == b.fingerprint(),
    )
}

#[entry]
fn main() -> ! {
    let mut p = cortex_m::Peripherals::take().unwrap();
    p.SYST.set_clock_source(SystClkSource::Core);
    p.SYST.set_reload(0x00ff_ffff);
    p.SYST.clear_current();
    p.SYST.enable_counter();
    let n = 200;
    hprintln!("size_of: GaussianExplanation<16> {}, ChannelExplanation<16> {}, DetectorExplanation<2,16> {}, DetectorExplanation<2,8> {}", core::mem::size_of::<gln::gaussian::GaussianExplanation<16>>(), core::mem::size_of::<gln::detector::ChannelExplanation<16>>(), core::mem::size_of::<gln::detector::DetectorExplanation<2, 16>>(), core::mem::size_of::<gln::detector::DetectorExplanation<2, 8>>());
    let mut a: Detector<2, 16, 16, 16, SensorModel> = Detector::with_seed(1, DetectorConfig::DEFAULT);
    let mut b = a.clone();
    let (u, e, same) = measure(&mut a, &mut b, n);
    hprintln!("Detector<2,16,16,16,SensorModel>: update {} instructions per reading, update_explained {} (same fingerprint: {})", u, e, same);
    let mut a: Detector<2, 8, 8, 8, SmallSensorModel> = Detector::with_seed(1, DetectorConfig::DEFAULT);
    let mut b = a.clone();
    let (u, e, same) = measure(&mut a, &mut b, n);
    hprintln!("Detector<2,8,8,8,SmallSensorModel>: update {} instructions per reading, update_explained {} (same fingerprint: {})", u, e, same);
    // The Gaussian GLN alone: predict and explain on the reference shape.
    let m = SensorModel::new(7, gln::detector::SENSOR_MODEL_CONFIG);
    let z = [0.3f32; 16];
    let x = gln::gaussian::GaussianInput::from_side(&z, 0.5).unwrap();
    let mut acc = 0.0f32;
    let start = ticks();
    for _ in 0..n {
        acc += m.predict(&x).mean;
    }
    let predict = start.wrapping_sub(ticks()) & 0x00ff_ffff;
    let start = ticks();
    for _ in 0..n {
        if let Ok(e) = m.explain(&x, 0) {
            acc += e.mean.inputs[3];
        }
    }
    let explain = start.wrapping_sub(ticks()) & 0x00ff_ffff;
    hprintln!("GaussianGln3<16,16,16,16,4,16>: predict {} instructions per call, explain {} ({})", predict as u64 * 40 / n as u64, explain as u64 * 40 / n as u64, acc);
    debug::exit(debug::EXIT_SUCCESS);
    loop {}
}
