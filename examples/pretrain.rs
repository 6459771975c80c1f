//! Trains the streaming detector on a recorded log on the host and writes its saved bytes,
//! for a firmware to ship in flash (`include_bytes!`) and restore at boot.
//!
//! ```text
//! cargo run --release --example pretrain -- LOG.csv --out SAVED.bin
//! ```
//!
//! The log is the replay's CSV (`examples/replay/log.rs`: an optional timestamp column, one
//! column per channel, empty cells for dropped samples, an optional label column, which is
//! ignored here). Up to four channels; the detector is `Detector<CH, 16, 16, 16,
//! SensorModel>` with seed 1 and `DetectorConfig::DEFAULT`, fed row by row as a board feeds
//! it. `SAVED.bin` is its whole state (`gln::Persist`, `Detector::SAVED_BYTES` bytes): a
//! board restores it with `Persist::load` into a detector of the same type, keeps learning,
//! and prints the fingerprint that `cargo run --release --example replay -- NEXT.csv
//! --restore SAVED.bin` prints for the same continuation (`boards/run-emulated.sh` checks it
//! under QEMU with `boards/mps2-an386/src/bin/pretrained.rs`).

// The replay's log format and feeding code; the channel names and outcomes go unused here.
#[allow(dead_code)]
#[path = "replay/log.rs"]
mod log;

use std::process::ExitCode;

use gln::Persist;
use gln::detector::{Detector, DetectorConfig, SensorModel};
use log::{Layout, Tally, data_lines, feed};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.as_slice() {
        [log, flag, out] if flag == "--out" => pretrain(log, out),
        _ => Err("usage: pretrain LOG.csv --out SAVED.bin".into()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("pretrain: {e}");
            ExitCode::FAILURE
        }
    }
}

fn pretrain(path: &str, out: &str) -> Result<(), String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    let layout = Layout::parse(text.lines().next().ok_or("the log is empty")?)
        .map_err(|e| format!("header: {e:?}"))?;
    let bytes = match layout.channels {
        1 => train::<1>(&text, &layout)?,
        2 => train::<2>(&text, &layout)?,
        3 => train::<3>(&text, &layout)?,
        4 => train::<4>(&text, &layout)?,
        n => return Err(format!("{n} channels: pretrain takes 1 to 4")),
    };
    if let Some(dir) = std::path::Path::new(out).parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    std::fs::write(out, &bytes).map_err(|e| format!("{out}: {e}"))?;
    println!("saved {} bytes to {out}", bytes.len());
    Ok(())
}

fn train<const CH: usize>(text: &str, layout: &Layout) -> Result<Vec<u8>, String> {
    let mut det: Detector<CH, 16, 16, 16, SensorModel> =
        Detector::with_seed(1, DetectorConfig::DEFAULT);
    let mut tally = Tally::default();
    for (i, line) in data_lines(text).enumerate() {
        let row = layout
            .row::<CH>(line)
            .map_err(|e| format!("data row {i} ({line:?}): {e:?}"))?;
        tally.count(&feed(&mut det, &row));
    }
    println!(
        "trained Detector<{CH}, 16, 16, 16, SensorModel> (seed 1, DetectorConfig::DEFAULT): {tally}"
    );
    println!(
        "{} readings learned, fingerprint {:016x}",
        det.readings(),
        det.fingerprint()
    );
    let mut bytes = vec![0u8; Detector::<CH, 16, 16, 16, SensorModel>::SAVED_BYTES];
    det.save(&mut bytes).map_err(|e| format!("save: {e}"))?;
    Ok(bytes)
}
