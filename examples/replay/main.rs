//! Replays a recorded sensor log through the streaming detector, exactly as a board runs it,
//! and shows what it did.
//!
//! ```text
//! cargo run --release --example replay -- LOG.csv [--svg OUT.svg] [--restore SAVED.bin]
//! ```
//!
//! The log is CSV with a header, separated by commas, semicolons or tabs (see `log.rs`: an optional timestamp column, one column per
//! channel, empty cells for dropped samples, an optional label column). Up to four channels;
//! the detector is `Detector<CH, 16, 16, 16, SensorModel>` with seed 1 and
//! `DetectorConfig::DEFAULT`, or the detector saved in `SAVED.bin` (by `examples/pretrain.rs`)
//! with `--restore`. Every row is fed with `update` (or `missing` for a dropped sample), one at
//! a time, as `boards/mps2-an386/src/bin/replay.rs` does with an embedded log: both print the
//! same fingerprint (`boards/run-emulated.sh` checks it). Prints each alarm (flags closer
//! than 15 rows are one alarm) with a legend, a summary (with labels: each labelled window
//! found or missed, alarms outside them), the detector's fingerprint; `--svg` plots each
//! channel with its expected value and band, the score with its threshold, the flags and the
//! labelled windows.

mod log;
#[path = "../support/plot.rs"]
mod plot;

use std::process::ExitCode;

use gln::Persist;
use gln::detector::{Detector, DetectorConfig, Reason, SensorModel, Verdict};
use log::{Layout, Outcome, Tally, data_lines, feed};
use plot::Point;

/// Flags closer than this (rows) are one alarm.
const MERGE: usize = 15;

/// The detector of a `CH`-channel log.
type Det<const CH: usize> = Detector<CH, 16, 16, 16, SensorModel>;

struct Args {
    log: String,
    svg: Option<String>,
    restore: Option<String>,
}

fn parse_args() -> Result<Args, String> {
    let mut it = std::env::args().skip(1);
    let mut args = Args {
        log: String::new(),
        svg: None,
        restore: None,
    };
    while let Some(a) = it.next() {
        match a.as_str() {
            "--svg" => args.svg = Some(it.next().ok_or("--svg needs a file")?),
            "--restore" => args.restore = Some(it.next().ok_or("--restore needs a file")?),
            _ if a.starts_with("--") => return Err(format!("unknown option {a}")),
            _ if args.log.is_empty() => args.log = a,
            _ => return Err(format!("unexpected argument {a}")),
        }
    }
    if args.log.is_empty() {
        return Err("usage: replay LOG.csv [--svg OUT.svg] [--restore SAVED.bin]".into());
    }
    Ok(args)
}

fn main() -> ExitCode {
    match parse_args().and_then(|a| replay(&a)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("replay: {e}");
            ExitCode::FAILURE
        }
    }
}

fn replay(args: &Args) -> Result<(), String> {
    let text = std::fs::read_to_string(&args.log).map_err(|e| format!("{}: {e}", args.log))?;
    let header = text.lines().next().ok_or("the log is empty")?;
    let layout = Layout::parse(header).map_err(|e| format!("header: {e:?}"))?;
    match layout.channels {
        1 => run::<1>(args, &text, &layout),
        2 => run::<2>(args, &text, &layout),
        3 => run::<3>(args, &text, &layout),
        4 => run::<4>(args, &text, &layout),
        n => Err(format!("{n} channels: the replay takes 1 to 4")),
    }
}

fn detector<const CH: usize>(restore: Option<&str>) -> Result<Det<CH>, String> {
    let mut det = Det::<CH>::with_seed(1, DetectorConfig::DEFAULT);
    if let Some(path) = restore {
        let bytes = std::fs::read(path).map_err(|e| format!("{path}: {e}"))?;
        det.load(&bytes)
            .map_err(|e| format!("{path}: not a saved {}: {e}", type_name::<CH>()))?;
        println!(
            "restored {path}: {} readings learned, fingerprint {:016x}",
            det.readings(),
            det.fingerprint()
        );
    }
    Ok(det)
}

fn type_name<const CH: usize>() -> String {
    format!("Detector<{CH}, 16, 16, 16, SensorModel>")
}

fn run<const CH: usize>(args: &Args, text: &str, layout: &Layout) -> Result<(), String> {
    let header = text.lines().next().unwrap_or("");
    let names: [String; CH] = std::array::from_fn(|c| layout.channel_name(header, c).to_string());
    let mut det = detector::<CH>(args.restore.as_deref())?;
    println!(
        "replay {}: {CH} channels ({}), {}, seed 1, DetectorConfig::DEFAULT",
        args.log,
        names.join(", "),
        type_name::<CH>()
    );
    legend();
    let mut tally = Tally::default();
    let mut points = Vec::new();
    let mut alarms = Alarms::default();
    for (i, line) in data_lines(text).enumerate() {
        let row = layout
            .row::<CH>(line)
            .map_err(|e| format!("data row {i} ({line:?}): {e:?}"))?;
        let outcome = feed(&mut det, &row);
        tally.count(&outcome);
        if let Outcome::Verdict(v) = &outcome {
            alarms.flag(i, row.time, &names, &row.values, v, row.label);
        }
        if let Outcome::Rejected(e) = &outcome {
            println!("row {i} {}: rejected: {e}", row.time);
        }
        points.push(Point {
            values: row.values,
            verdict: match outcome {
                Outcome::Verdict(v) => Some(v),
                _ => None,
            },
            label: row.label,
        });
    }
    summary(&tally, &alarms, &points, layout.labelled);
    println!("detector fingerprint {:016x}", det.fingerprint());
    if let Some(svg) = &args.svg {
        let title = format!("{}: {}", args.log, type_name::<CH>());
        plot::draw(svg, &title, &names, &points).map_err(|e| format!("{svg}: {e}"))?;
        println!("plot written to {svg}");
    }
    Ok(())
}

fn legend() {
    println!("legend: one line per alarm (its first flagged row): row, timestamp, channel,");
    println!("  reason: surprise (this reading does not fit), predictability (hard, or too easy,");
    println!("  to predict for a while), level (an unusual level for a while, or far outside");
    println!("  the usual levels), stuck (the same value far longer than ever before), joint");
    println!("  (the channels together unlike every remembered normal reading); the reading,");
    println!("  the expected value +- one σ, the score; [labelled] if the row is inside a");
    println!("  labelled window");
}

fn reason(r: Option<Reason>) -> &'static str {
    r.map_or("-", Reason::name)
}

/// The alarms of a replay: flags closer than [`MERGE`] rows are one alarm.
#[derive(Default)]
struct Alarms {
    last: Option<usize>,
    /// First row of each alarm, and whether it is in a labelled window.
    starts: Vec<(usize, bool)>,
    /// Rows flagged.
    flagged: Vec<usize>,
}

impl Alarms {
    fn flag<const CH: usize>(
        &mut self,
        i: usize,
        time: &str,
        names: &[String; CH],
        x: &[f32; CH],
        v: &Verdict<CH>,
        label: bool,
    ) {
        if !v.anomaly {
            return;
        }
        self.flagged.push(i);
        let new = self.last.is_none_or(|l| i - l > MERGE);
        self.last = Some(i);
        if !new {
            return;
        }
        self.starts.push((i, label));
        let c = v.channel.min(CH - 1);
        let e = v.expected[c];
        println!(
            "row {i} {time}: {} {} {:.3} expected {:.3} +- {:.3}, score {:.2}{}",
            names[c],
            reason(v.reason),
            x[c],
            e.mean,
            e.std(),
            v.score,
            if label { " [labelled]" } else { "" }
        );
    }
}

fn summary<const CH: usize>(t: &Tally, a: &Alarms, points: &[Point<CH>], labelled: bool) {
    println!("summary: {t}, alarms {}", a.starts.len());
    if !labelled {
        return;
    }
    let ws = plot::windows(points);
    let mut found = 0;
    for &(s, e) in &ws {
        match a.flagged.iter().find(|&&i| i >= s && i < e) {
            Some(i) => {
                found += 1;
                println!("  window rows {s}..{e}: found after {} rows", i - s);
            }
            None => println!("  window rows {s}..{e}: MISSED"),
        }
    }
    let outside = a.starts.iter().filter(|(_, l)| !l).count();
    println!(
        "labelled windows found {found} of {}; alarms starting outside a labelled window {outside}",
        ws.len()
    );
}
