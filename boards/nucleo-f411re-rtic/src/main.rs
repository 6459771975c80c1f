//! STM32F411 with RTIC 2: the internal temperature sensor read through ADC1 every
//! [`PERIOD_S`] seconds by a periodic software task (SysTick monotonic), fed to a streaming
//! anomaly detector that is the task's local resource (placed in a `static` by RTIC, built at
//! compile time); every verdict is logged with defmt.
//!
//! `cargo run --release` with a NUCLEO-F411RE on its ST-LINK (`probe-rs run --chip
//! STM32F411RETx`); CI only builds it.
#![no_std]
#![no_main]

use defmt_rtt as _;
use gln::detector::{Detector, DetectorConfig, SensorModel, SENSOR_MODEL_CONFIG};
use panic_probe as _;

/// One channel (the die temperature), the reference sensor model.
type Det = Detector<1, 16, 16, 16, SensorModel>;

/// Seconds between two readings.
const PERIOD_S: u32 = 10;

/// The detector before any reading: a `const`, so RTIC builds the resource at compile time.
const FRESH: Det = Det::new(
    [SensorModel::new(1, SENSOR_MODEL_CONFIG)],
    DetectorConfig::DEFAULT,
);

/// The reference manual's conversion with the factory calibration (RM0383, 11.10): the
/// readings at 30 °C and 110 °C with a 3.3 V reference are stored in system memory.
fn celsius(raw: u16, cal30: u16, cal110: u16) -> f32 {
    let span = f32::from(cal110.saturating_sub(cal30).max(1));
    30.0 + 80.0 * (f32::from(raw) - f32::from(cal30)) / span
}

rtic_monotonics::systick_monotonic!(Mono, 1_000);

#[rtic::app(device = stm32f4xx_hal::pac, dispatchers = [USART1])]
mod app {
    use super::{celsius, Det, Mono, FRESH, PERIOD_S};
    use board_common::firmware::log_verdict;
    use rtic_monotonics::systick::prelude::*;
    use stm32f4xx_hal::adc::config::{AdcConfig, SampleTime};
    use stm32f4xx_hal::adc::{Adc, Temperature};
    use stm32f4xx_hal::pac::ADC1;
    use stm32f4xx_hal::rcc::Config;
    use stm32f4xx_hal::rcc::RccExt;
    use stm32f4xx_hal::signature::{VtempCal110, VtempCal30};
    use stm32f4xx_hal::time::Hertz;

    #[shared]
    struct Shared {}

    #[local]
    struct Local {
        adc: Adc<ADC1>,
    }

    #[init]
    fn init(cx: init::Context) -> (Shared, Local) {
        // 100 MHz from the internal 16 MHz oscillator through the PLL (no crystal needed).
        let mut rcc = cx.device.RCC.freeze(Config::hsi().sysclk(Hertz::MHz(100)));
        Mono::start(cx.core.SYST, rcc.clocks.sysclk().raw());
        let mut adc = Adc::new(cx.device.ADC1, true, AdcConfig::default(), &mut rcc);
        adc.enable_temperature_and_vref();
        defmt::info!(
            "detector {=usize} bytes, a reading every {=u32} s",
            core::mem::size_of::<Det>(),
            PERIOD_S
        );
        defmt::unwrap!(sample::spawn());
        (Shared {}, Local { adc })
    }

    /// Reads the sensor every `PERIOD_S` seconds (on a fixed schedule) and logs the verdict.
    /// The detector is the task's local resource, initialised by RTIC in a `static`.
    #[task(local = [adc, det: Det = FRESH])]
    async fn sample(cx: sample::Context) {
        let (cal30, cal110) = (VtempCal30::get().read(), VtempCal110::get().read());
        let mut next = Mono::now();
        loop {
            let raw = cx.local.adc.convert(&Temperature, SampleTime::Cycles_480);
            let x = [celsius(raw, cal30, cal110)];
            log_verdict(&["temperature"], &x, &cx.local.det.update(&x));
            next += PERIOD_S.secs();
            Mono::delay_until(next).await;
        }
    }
}
