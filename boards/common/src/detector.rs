//! The detector board example: the streaming anomaly detector over a simulated machine's
//! sensor stream stored in flash, detections and a summary over semihosting, instructions
//! per reading.
//!
//! The stream is six days of a machine's temperature and vibration, a reading every two
//! minutes, with six injected faults ([`FAULTS`]). It is computed at compile time by the
//! library's `const fn` generator ([`gln::selftest::Machine`]) into [`READINGS`], a `static`
//! table in flash; at run time the program first checks that the same generator computes the
//! same bits on the board, then feeds the table to the detector one reading at a time.
//!
//! A detection is the first flagged reading of an alarm (flags closer than [`MERGE`]
//! readings are one alarm). A fault is found if a reading is flagged while it is on (or on
//! the reading after it); flags within [`RECOVERY`] readings after a fault are its
//! aftermath, any other alarm is a false alarm. The program exits with failure if a fault on
//! one of the detector's channels is not found.

use core::mem::size_of;

use cortex_m_semihosting::hprintln;
use gln::detector::{Detector, DetectorConfig, Reason};
use gln::gaussian::GaussianNetwork;
use gln::selftest::{fault_at, Machine, CHANNELS};

use crate::emulated::{calibration, exit, systick};
use crate::measure;

// The machine's rhythm (`DAY`), noise seed (`SEED`) and injected faults (`FAULTS`), written
// once for this board example and the host's `examples/machine_log.rs`.
#[path = "../../../examples/support/machine.rs"]
mod machine;
pub use machine::{DAY, FAULTS, SEED};

/// Readings in the stream: six days.
pub const LEN: usize = 6 * DAY as usize;

/// The stream, computed at compile time: `[temperature °C, vibration mm/s]` per reading,
/// in flash (`LEN · 8` bytes).
pub static READINGS: [[f32; CHANNELS]; LEN] = {
    let mut m = Machine::new(SEED, DAY, &FAULTS);
    let mut out = [[0.0; CHANNELS]; LEN];
    let mut i = 0;
    while i < LEN {
        out[i] = m.next_reading();
        i += 1;
    }
    out
};

/// The detector's settings: the defaults with the machine's rhythm (a warm-up of two days,
/// thresholds that remember about a day).
pub const CONFIG: DetectorConfig = DetectorConfig::DEFAULT
    .with_warmup(2 * DAY)
    .with_threshold_rate(1.0 / DAY as f32);

/// Seed of the detector's models.
pub const MODEL_SEED: u64 = 1;

/// Flags closer than this (readings) are one alarm.
pub const MERGE: u32 = 15;

/// Readings after a fault during which flags are its aftermath.
pub const RECOVERY: u32 = 60;

const NAMES: [&str; CHANNELS] = ["temperature", "vibration"];

fn clock(t: u32) -> (u32, u32, u32) {
    let minutes = (t % DAY) * 2;
    (t / DAY, minutes / 60, minutes % 60)
}

fn reason(r: Option<Reason>) -> &'static str {
    r.map_or("-", Reason::name)
}

/// Checks that the run-time generator computes the table's bits on this core.
fn stream_matches_the_generator() -> bool {
    let mut m = Machine::new(SEED, DAY, &FAULTS);
    READINGS
        .iter()
        .all(|row| m.next_reading().map(f32::to_bits) == row.map(f32::to_bits))
}

/// The whole program: the detector `det` (fresh, channels `0..CH` of the stream) over the
/// stream in flash. `name` is the detector's type, as printed.
pub fn detector_main<const CH: usize, const W: usize, const D: usize, const B: usize, M>(
    name: &str,
    det: &mut Detector<CH, W, D, B, M>,
) -> !
where
    M: GaussianNetwork<D, B, 1>,
{
    hprintln!(
        "detector {} ({} bytes) on {} channels",
        name,
        size_of::<Detector<CH, W, D, B, M>>(),
        CH
    );
    let _syst = systick();
    let cal = calibration();
    let same = stream_matches_the_generator();
    hprintln!(
        "stream: {} readings x {} channels in flash ({} bytes), {} the run-time generator",
        LEN,
        CHANNELS,
        size_of::<[[f32; CHANNELS]; LEN]>(),
        if same {
            "identical to"
        } else {
            "DIFFERENT FROM"
        }
    );
    let mut found: [Option<u32>; FAULTS.len()] = [None; FAULTS.len()];
    let (mut ticks, mut flagged, mut alarms, mut false_alarms) = (0u64, 0u32, 0u32, 0u32);
    let mut last_flag: Option<u32> = None;
    let mut stack = 0;
    let mut errors = 0u32;
    for (t, row) in (0u32..).zip(READINGS.iter()) {
        let x: [f32; CH] = core::array::from_fn(|c| row.get(c).copied().unwrap_or(0.0));
        let (v, dt) = if t as usize == LEN - 1 {
            // The last reading also measures the stack of one update.
            let (r, s) = measure::stack_peak(|| measure::ticks(|| det.update(&x)));
            stack = s;
            r
        } else {
            measure::ticks(|| det.update(&x))
        };
        ticks += u64::from(dt);
        let v = match v {
            Ok(v) => v,
            Err(_) => {
                errors += 1;
                continue;
            }
        };
        if !v.anomaly {
            continue;
        }
        flagged += 1;
        let fault = fault_at(&FAULTS, t, 1).filter(|&i| FAULTS[i].channel < CH);
        if let Some(i) = fault {
            if found[i].is_none() {
                found[i] = Some(t - FAULTS[i].start);
            }
        }
        let new_alarm = last_flag.is_none_or(|l| t - l > MERGE);
        last_flag = Some(t);
        if !new_alarm {
            continue;
        }
        alarms += 1;
        let aftermath = FAULTS
            .iter()
            .any(|f| f.channel < CH && f.covers_or_follows(t, RECOVERY));
        if fault.is_none() && !aftermath {
            false_alarms += 1;
        }
        let (d, h, m) = clock(t);
        let c = v.channel.min(CHANNELS - 1);
        let value = x.get(v.channel).copied().unwrap_or(0.0);
        let e = v
            .expected
            .get(v.channel)
            .copied()
            .unwrap_or(gln::gaussian::Gaussian {
                mean: 0.0,
                variance: 0.0,
            });
        hprintln!(
            "day {} {:02}:{:02} reading {}: {} {} score {:.2}, {:.2} expected {:.2} +- {:.2} ({})",
            d,
            h,
            m,
            t,
            NAMES[c],
            reason(v.reason),
            v.score,
            value,
            e.mean,
            e.std(),
            match fault {
                Some(i) => FAULTS[i].kind.name(),
                None if aftermath => "after a fault",
                None => "false alarm",
            }
        );
    }
    hprintln!("summary");
    let mut expected = 0;
    let mut all_found = true;
    for (f, delay) in FAULTS.iter().zip(found) {
        if f.channel >= CH {
            continue;
        }
        expected += 1;
        let (d, h, m) = clock(f.start);
        match delay {
            Some(k) => hprintln!(
                "  {:<8} {:<11} day {} {:02}:{:02}, {:>3} readings: found after {} readings ({} min)",
                f.kind.name(),
                NAMES[f.channel],
                d,
                h,
                m,
                f.len,
                k,
                2 * k
            ),
            None => {
                all_found = false;
                hprintln!(
                    "  {:<8} {:<11} day {} {:02}:{:02}, {:>3} readings: NOT FOUND",
                    f.kind.name(),
                    NAMES[f.channel],
                    d,
                    h,
                    m,
                    f.len
                )
            }
        }
    }
    let found_n = found
        .iter()
        .zip(&FAULTS)
        .filter(|(k, f)| k.is_some() && f.channel < CH)
        .count();
    hprintln!(
        "faults found {} of {}, alarms {}, false alarms {}, flagged readings {} of {} after the warm-up, rejected {}",
        found_n,
        expected,
        alarms,
        false_alarms,
        flagged,
        LEN as u32 - CONFIG.warmup,
        errors
    );
    hprintln!(
        "update: {} readings, {} instructions per reading, stack {} bytes; detector fingerprint {:016x}",
        LEN,
        cal.per(ticks, LEN as u64),
        stack,
        det.fingerprint()
    );
    if !same {
        hprintln!("FAIL: the stream in flash differs from the run-time generator");
    }
    if !all_found {
        hprintln!("FAIL: a fault was not found");
    }
    if errors != 0 {
        hprintln!("FAIL: {} readings were rejected", errors);
    }
    exit(same && all_found && errors == 0)
}

/// Writes a detector example binary's `main`: `detector_main!(CH, W, D, B, Model)` builds
/// `Detector<CH, W, D, B, Model>` at compile time in a `static` (models seeded
/// [`MODEL_SEED`]` + c`, `SENSOR_MODEL_CONFIG`, [`CONFIG`]) and runs [`detector_main`].
#[macro_export]
macro_rules! detector_main {
    ($CH:literal, $W:literal, $D:literal, $B:literal, $Model:ty) => {
        #[$crate::cortex_m_rt::entry]
        fn main() -> ! {
            type Det = $crate::gln::detector::Detector<$CH, $W, $D, $B, $Model>;
            const fn models() -> [$Model; $CH] {
                const FIRST: $Model = <$Model>::new(
                    $crate::detector::MODEL_SEED,
                    $crate::gln::detector::SENSOR_MODEL_CONFIG,
                );
                let mut out = [FIRST; $CH];
                let mut c = 1;
                while c < $CH {
                    out[c] = <$Model>::new(
                        $crate::detector::MODEL_SEED + c as u64,
                        $crate::gln::detector::SENSOR_MODEL_CONFIG,
                    );
                    c += 1;
                }
                out
            }
            static DETECTOR: $crate::static_cell::ConstStaticCell<Det> =
                $crate::static_cell::ConstStaticCell::new(Det::new(
                    models(),
                    $crate::detector::CONFIG,
                ));
            $crate::detector::detector_main(
                concat!(
                    "Detector<",
                    $CH,
                    ", ",
                    $W,
                    ", ",
                    $D,
                    ", ",
                    $B,
                    ", ",
                    stringify!($Model),
                    ">"
                ),
                DETECTOR.take(),
            )
        }
        $crate::hard_fault_handler!();
    };
}
