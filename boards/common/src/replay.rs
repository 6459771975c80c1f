//! The board side of `examples/replay`: a recorded log embedded at compile time, replayed
//! through the detector one row at a time with the host's own parser and feeding code
//! (`examples/replay/log.rs`, included here), so that the board prints the same tally and
//! the same fingerprint as `cargo run --release --example replay -- LOG.csv` (with
//! `--restore SAVED.bin` for a detector restored from bytes saved by `examples/pretrain`).
//! `boards/run-emulated.sh` runs both and compares.

use cortex_m_semihosting::hprintln;
use gln::detector::Detector;
use gln::gaussian::GaussianNetwork;
use gln::Persist;

use crate::emulated::{calibration, exit, systick};
use crate::measure;

#[path = "../../../examples/replay/log.rs"]
pub mod log;

use log::{data_lines, feed, Layout, Tally};

/// Restores `det` from `saved` (if any) and replays `log` through it; prints the tally, the
/// instructions per row and the fingerprint; exits with failure if the log or the saved
/// bytes are refused. `name` is the detector's type, as printed.
pub fn replay_main<const CH: usize, const W: usize, const D: usize, const B: usize, M>(
    name: &str,
    det: &mut Detector<CH, W, D, B, M>,
    log: &str,
    saved: Option<&[u8]>,
) -> !
where
    M: GaussianNetwork<D, B, 1>,
    Detector<CH, W, D, B, M>: Persist,
{
    hprintln!("replay {} on an embedded log of {} bytes", name, log.len());
    let _syst = systick();
    let cal = calibration();
    if let Some(bytes) = saved {
        if let Err(e) = det.load(bytes) {
            hprintln!(
                "FAIL: the saved detector ({} bytes) is refused: {}",
                bytes.len(),
                e
            );
            exit(false);
        }
        hprintln!(
            "restored {} bytes: {} readings learned, fingerprint {:016x}",
            bytes.len(),
            det.readings(),
            det.fingerprint()
        );
    }
    let layout = match Layout::parse(log.lines().next().unwrap_or("")) {
        Ok(l) if l.channels == CH => l,
        _ => {
            hprintln!("FAIL: the log's header is not one of {} channels", CH);
            exit(false);
        }
    };
    let mut tally = Tally::default();
    let mut ticks = 0u64;
    for (i, line) in data_lines(log).enumerate() {
        let Ok(row) = layout.row::<CH>(line) else {
            hprintln!("FAIL: data row {} cannot be read", i);
            exit(false);
        };
        let (outcome, dt) = measure::ticks(|| feed(det, &row));
        ticks += u64::from(dt);
        tally.count(&outcome);
    }
    hprintln!("summary: {}", tally);
    hprintln!(
        "update: {} instructions per row",
        cal.per(ticks, u64::from(tally.rows))
    );
    hprintln!("detector fingerprint {:016x}", det.fingerprint());
    exit(true)
}

/// Writes a board binary's `main` that replays the log `$log` (a `&str`, e.g.
/// `include_str!`) through a fresh `Detector<$CH, 16, 16, 16, SensorModel>` (seed 1,
/// `DetectorConfig::DEFAULT`: the host replay's detector), restored first from `$saved`
/// (`Option<&[u8]>`, e.g. `Some(include_bytes!(..))`).
#[macro_export]
macro_rules! replay_main {
    ($CH:literal, $log:expr, $saved:expr) => {
        #[$crate::cortex_m_rt::entry]
        fn main() -> ! {
            use $crate::gln::detector::{DetectorConfig, SensorModel, SENSOR_MODEL_CONFIG};
            type Det = $crate::gln::detector::Detector<$CH, 16, 16, 16, SensorModel>;
            const fn models() -> [SensorModel; $CH] {
                const FIRST: SensorModel = SensorModel::new(1, SENSOR_MODEL_CONFIG);
                let mut out = [FIRST; $CH];
                let mut c = 1;
                while c < $CH {
                    out[c] = SensorModel::new(1 + c as u64, SENSOR_MODEL_CONFIG);
                    c += 1;
                }
                out
            }
            static DETECTOR: $crate::static_cell::ConstStaticCell<Det> =
                $crate::static_cell::ConstStaticCell::new(Det::new(
                    models(),
                    DetectorConfig::DEFAULT,
                ));
            $crate::replay::replay_main(
                concat!("Detector<", $CH, ", 16, 16, 16, SensorModel>"),
                DETECTOR.take(),
                $log,
                $saved,
            )
        }
        $crate::hard_fault_handler!();
    };
}
