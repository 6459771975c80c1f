//! Writes the simulated machine of the boards' detector example (`gln::selftest::Machine`:
//! temperature and vibration, a reading every two minutes, six injected faults) as a
//! recorded log, in the CSV format `examples/replay` reads: `timestamp` (seconds),
//! `temperature`, `vibration`, `label` (1 while a fault is on).
//!
//! ```text
//! cargo run --release --example machine_log -- [--from A] [--to B] [--drop S:N]... > LOG.csv
//! ```
//!
//! Rows `A..B` of the stream (default `0..4320`, six days); `--drop S:N` leaves the channel
//! cells of rows `S..S+N` empty (dropped samples). `boards/data/machine-day4.csv` is
//! `--from 2880 --to 3600 --drop 3000:5`; the README's plot is the whole stream.

use std::process::ExitCode;

use gln::selftest::Machine;

// The machine's rhythm, seed and faults, shared with `boards/common/src/detector.rs`.
#[path = "support/machine.rs"]
mod machine;
use machine::{DAY, FAULTS, SEED};

struct Args {
    from: u32,
    to: u32,
    drops: Vec<(u32, u32)>,
}

fn number(s: Option<String>, what: &str) -> Result<u32, String> {
    s.and_then(|s| s.parse().ok())
        .ok_or(format!("{what} needs a number"))
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        from: 0,
        to: 6 * DAY,
        drops: Vec::new(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--from" => args.from = number(it.next(), "--from")?,
            "--to" => args.to = number(it.next(), "--to")?,
            "--drop" => {
                let v = it.next().unwrap_or_default();
                let (s, n) = v.split_once(':').ok_or("--drop needs START:LEN")?;
                args.drops.push((
                    number(Some(s.into()), "--drop")?,
                    number(Some(n.into()), "--drop")?,
                ));
            }
            _ => return Err(format!("unknown argument {a}")),
        }
    }
    Ok(args)
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("machine_log: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut m = Machine::new(SEED, DAY, &FAULTS);
    println!("timestamp,temperature,vibration,label");
    for t in 0..args.to {
        let [temp, vib] = m.next_reading();
        if t < args.from {
            continue;
        }
        let label = u8::from(FAULTS.iter().any(|f| f.covers(t)));
        if args.drops.iter().any(|&(s, n)| t >= s && t < s + n) {
            println!("{},,,{label}", 120 * t);
        } else {
            // `{}` prints the shortest text that parses back to the same f32.
            println!("{},{temp},{vib},{label}", 120 * t);
        }
    }
    ExitCode::SUCCESS
}
