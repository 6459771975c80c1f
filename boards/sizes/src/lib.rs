//! What a firmware that only runs the detector costs: [`size_main!`] writes a `main` that
//! builds one detector shape at compile time in a `static` and feeds it readings the
//! optimiser cannot see (`core::hint::black_box`), calling `update`, `missing` on a rejected
//! reading, and reading the verdict. Nothing else is linked: no self-test, no output, no
//! measuring, a panic handler that loops. `boards/run-emulated.sh` records each binary's
//! `.text/.data/.bss` in `boards/expected/sizes.txt` (rows `sizes/*`).
#![no_std]

// On the Cortex-M0/M0+ (no compare-and-swap) static_cell's critical section is cortex-m's.
#[cfg(not(target_has_atomic = "ptr"))]
use cortex_m as _;

#[doc(hidden)]
pub use cortex_m_rt;
#[doc(hidden)]
pub use gln;
#[doc(hidden)]
pub use static_cell;

/// Loops: a size binary has no output to report a panic to.
#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    loop {
        core::hint::spin_loop();
    }
}

/// The `main` of a size binary for `Detector<$CH, $W, $D, $B, $Model>` (seeds 1.., the
/// default configuration).
#[macro_export]
macro_rules! size_main {
    ($CH:literal, $W:literal, $D:literal, $B:literal, $Model:ty) => {
        #[$crate::cortex_m_rt::entry]
        fn main() -> ! {
            use $crate::gln::detector::{DetectorConfig, SENSOR_MODEL_CONFIG};
            type Det = $crate::gln::detector::Detector<$CH, $W, $D, $B, $Model>;
            const fn models() -> [$Model; $CH] {
                const FIRST: $Model = <$Model>::new(1, SENSOR_MODEL_CONFIG);
                let mut out = [FIRST; $CH];
                let mut c = 1;
                while c < $CH {
                    out[c] = <$Model>::new(1 + c as u64, SENSOR_MODEL_CONFIG);
                    c += 1;
                }
                out
            }
            static DETECTOR: $crate::static_cell::ConstStaticCell<Det> =
                $crate::static_cell::ConstStaticCell::new(Det::new(
                    models(),
                    DetectorConfig::DEFAULT,
                ));
            let det = DETECTOR.take();
            loop {
                let x: [f32; $CH] = ::core::hint::black_box([0.0; $CH]);
                match det.update(&x) {
                    Ok(v) => {
                        ::core::hint::black_box(v);
                    }
                    Err(_) => det.missing(),
                }
            }
        }
    };
}
