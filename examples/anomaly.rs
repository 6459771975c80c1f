//! The detector on a simulated machine: temperature and vibration sampled once a minute for
//! ten days, with a daily cycle, work shifts, noise, slow drift, and injected faults of six
//! kinds. It prints a line per simulated day, each detection as it happens, and a summary:
//! faults found, false alarms, delay to detection.
//!
//! ```text
//! cargo run --release --example anomaly
//! ```
//! No data files: the stream is generated here, deterministically.

#[path = "support/alarms.rs"]
mod alarms;

use alarms::{Alarms, MERGE};
use gln::detector::{
    Detector, DetectorConfig, DetectorExplanation, Predictor, Reason, SensorModel, Timescale,
    Verdict,
};
use gln::rng::SplitMix64;

/// Readings per simulated day (one a minute).
const DAY: u32 = 1440;
const DAYS: u32 = 10;
const CHANNELS: [&str; 2] = ["temperature", "vibration"];
const UNITS: [&str; 2] = ["°C", "mm/s"];

/// Two channels, a window of 16 readings, the reference model per channel.
type Machine = Detector<2, 16, 16, 16, SensorModel>;

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Spike,
    LevelShift,
    VarianceIncrease,
    Stuck,
    Drift,
    Decoupling,
}

impl Kind {
    fn size(self) -> &'static str {
        match self {
            Kind::Spike => "+6 °C",
            Kind::LevelShift => "+2.5 °C",
            Kind::VarianceIncrease => "noise x5",
            Kind::Stuck => "constant",
            Kind::Drift => "+0.08 °C/min",
            Kind::Decoupling => "2 mm/s, load off",
        }
    }

    fn name(self) -> &'static str {
        match self {
            Kind::Spike => "spike",
            Kind::LevelShift => "level shift",
            Kind::VarianceIncrease => "variance increase",
            Kind::Stuck => "stuck sensor",
            Kind::Drift => "runaway drift",
            Kind::Decoupling => "vibration without load",
        }
    }
}

/// An injected fault: its kind, channel, first reading and length.
struct Fault {
    kind: Kind,
    channel: usize,
    start: u32,
    len: u32,
}

const FAULTS: [Fault; 6] = [
    Fault {
        kind: Kind::Spike,
        channel: 0,
        start: 3 * DAY + 300,
        len: 1,
    },
    Fault {
        kind: Kind::VarianceIncrease,
        channel: 1,
        start: 4 * DAY + 100,
        len: 240,
    },
    Fault {
        kind: Kind::LevelShift,
        channel: 0,
        start: 5 * DAY + 800,
        len: 360,
    },
    Fault {
        kind: Kind::Stuck,
        channel: 0,
        start: 6 * DAY + 420,
        len: 240,
    },
    Fault {
        kind: Kind::Drift,
        channel: 0,
        start: 7 * DAY + 500,
        len: 300,
    },
    Fault {
        kind: Kind::Decoupling,
        channel: 1,
        start: 8 * DAY + 1300,
        len: 120,
    },
];

/// Readings after a fault ends during which a detection still counts as finding it.
const GRACE: u32 = 5;
/// Readings after a fault ends during which flags are the recovery from it (neither a
/// detection nor a false alarm).
const RECOVERY: u32 = 120;

/// The healthy machine at minute `t`: (temperature, vibration) and the load.
fn healthy(t: u32, r: &mut SplitMix64) -> ([f32; 2], f32) {
    let day = t as f32 / DAY as f32;
    let hour = (t % DAY) as f32 / 60.0;
    // Work shifts 06:00-22:00 with a ramp; a lighter load at the weekend (days 5, 6).
    let shift = ((hour - 6.0).min(22.0 - hour) / 1.5).clamp(0.0, 1.0);
    let weekend = if (t / DAY) % 7 >= 5 { 0.4 } else { 1.0 };
    let load = shift * weekend * (0.85 + 0.15 * (t as f32 * 0.013).sin());
    let ambient = 22.0 + 4.0 * (2.0 * std::f32::consts::PI * (hour - 9.0) / 24.0).sin();
    // Slow drift: a fouling heat exchanger warms the machine by 0.3 °C a day.
    let temp = ambient + 25.0 * load + 0.3 * day + 0.25 * r.next_normal();
    let vib = 0.6 + 3.0 * load + (0.05 + 0.08 * load) * r.next_normal();
    ([temp, vib], load)
}

fn inject(t: u32, x: &mut [f32; 2], stuck: &mut Option<f32>, r: &mut SplitMix64) -> Option<usize> {
    for (i, f) in FAULTS.iter().enumerate() {
        if t < f.start || t >= f.start + f.len {
            continue;
        }
        let k = (t - f.start) as f32;
        let v = &mut x[f.channel];
        match f.kind {
            Kind::Spike => *v += 6.0,
            Kind::LevelShift => *v += 2.5,
            Kind::VarianceIncrease => *v += 0.6 * r.next_normal(),
            Kind::Stuck => *v = *stuck.get_or_insert(*v),
            Kind::Drift => *v += 0.08 * k,
            Kind::Decoupling => *v = 2.0 + 0.05 * r.next_normal(),
        }
        return Some(i);
    }
    *stuck = None;
    None
}

fn clock(t: u32) -> String {
    format!("day {} {:02}:{:02}", t / DAY, (t % DAY) / 60, t % 60)
}

/// A base predictor by name, the other channel's by the channel's name.
fn predictor_name(p: Predictor) -> String {
    match p {
        Predictor::Channel(j) => format!("{} (regression on it)", CHANNELS[j]),
        p => p.name().to_string(),
    }
}

/// The driving channel and what the reading broke, from the explanation of the reading,
/// e.g. "driver: vibration vs recent values (91% of its miss; most: moving average 1/2, 27%);
/// miss 28.2 nats vs temperature 0.1": the reading's miss (the part of its prediction
/// surprise that depends on it) on that channel and on the other one.
fn driver(v: &Verdict<2>, e: Option<&DetectorExplanation<2, 16>>) -> String {
    let (Some(e), Some(d)) = (e, e.and_then(|e| e.driver(v))) else {
        return "driver: -".to_string();
    };
    let channel = CHANNELS[d.channel];
    let misses = e.misses();
    let other = 1 - d.channel;
    let miss = format!(
        "; miss {:.1} nats vs {} {:.1}",
        misses[d.channel], CHANNELS[other], misses[other]
    );
    let what = match v.reason {
        // These flags are about the level term and the run of repeats, not the miss.
        Some(Reason::Level) => {
            return format!(
                "driver: {channel} level vs its long-run mean (z = {:.1})",
                e.channels[d.channel].z
            );
        }
        Some(Reason::Stuck) => return format!("driver: {channel} repeats its last value"),
        Some(Reason::Joint) => {
            return "driver: the channels together, far from every remembered normal reading"
                .to_string();
        }
        _ => {
            let scale = match d.timescale {
                Timescale::Channels => "the other channel".to_string(),
                t => t.name().to_string(),
            };
            format!(
                "driver: {channel} vs {scale} ({:.0}% of its miss; most: {}, {:.0}%)",
                100.0 * d.timescale_share,
                predictor_name(d.predictor),
                100.0 * d.share
            )
        }
    };
    what + &miss
}

fn describe(
    t: u32,
    x: &[f32; 2],
    v: &Verdict<2>,
    ex: Option<&DetectorExplanation<2, 16>>,
) -> String {
    let c = v.channel;
    let e = v.expected[c];
    format!(
        "{}  ANOMALY ({})  {} {:.2} {} (expected {:.2} ± {:.2}), score {:.1}, instant {:.1} / {:.1}; {}",
        clock(t),
        v.reason.map_or("-", Reason::name),
        CHANNELS[c],
        x[c],
        UNITS[c],
        e.mean,
        2.0 * e.variance.sqrt(),
        v.score,
        v.instant,
        v.instant_threshold,
        driver(v, ex)
    )
}

fn main() {
    // The defaults, with the two settings that depend on the signal's rhythm: warm up over
    // two full days (so the daily cycle and the shifts are normal), and let the thresholds
    // remember about a day of scores.
    let config = DetectorConfig::DEFAULT
        .with_warmup(2 * DAY)
        .with_threshold_rate(1.0 / DAY as f32);
    let mut det = Box::new(Machine::with_seed(7, config));
    println!(
        "Simulated machine: {} channels ({}), one reading a minute for {DAYS} days, {} faults injected",
        CHANNELS.len(),
        CHANNELS.join(", "),
        FAULTS.len()
    );
    println!(
        "Detector RAM: {} bytes (2 channels, window 16, GaussianGln3<16,16,16,16,4,16> per channel); warm-up {} readings",
        core::mem::size_of::<Machine>(),
        config.warmup
    );
    let mut r = SplitMix64::new(2024);
    let mut stuck = None;
    let mut found: Vec<Option<u32>> = vec![None; FAULTS.len()];
    let mut false_alarms = 0u32;
    let mut false_readings = 0u32;
    let mut last_false: Option<u32> = None;
    let mut day_alarms = 0u32;
    // Per reading, for the alarm metrics: flagged, inside a fault (or its grace period),
    // counted (after the warm-up and outside the recovery after a fault).
    let (mut flags, mut labels, mut counted) = (Vec::new(), Vec::new(), Vec::new());
    let t0 = std::time::Instant::now();
    for t in 0..DAYS * DAY {
        let (mut x, _load) = healthy(t, &mut r);
        let fault = inject(t, &mut x, &mut stuck, &mut r);
        let (v, ex) = match det.update_explained(&x) {
            Ok(v) => v,
            Err(e) => {
                println!("{}  rejected reading: {e}", clock(t));
                continue;
            }
        };
        // Which fault (if any) this reading belongs to, counting the grace period, and
        // whether it is in the recovery after one.
        let owner = fault.or_else(|| {
            FAULTS
                .iter()
                .position(|f| t >= f.start + f.len && t < f.start + f.len + GRACE)
        });
        let recovering = FAULTS
            .iter()
            .any(|f| t >= f.start + f.len && t < f.start + f.len + RECOVERY);
        flags.push(v.anomaly);
        labels.push(owner.is_some());
        counted.push(!v.warming_up && (owner.is_some() || !recovering));
        if v.anomaly {
            day_alarms += 1;
            match owner {
                Some(i) => {
                    if found[i].is_none() {
                        found[i] = Some(t - FAULTS[i].start);
                        println!(
                            "{}   <- {} on {} (injected at {})",
                            describe(t, &x, &v, ex.as_ref()),
                            FAULTS[i].kind.name(),
                            CHANNELS[FAULTS[i].channel],
                            clock(FAULTS[i].start)
                        );
                    }
                }
                None if recovering => {}
                None => {
                    false_readings += 1;
                    if last_false.is_none_or(|l| (t - l) as usize > MERGE) {
                        false_alarms += 1;
                        println!("{}   <- false alarm", describe(t, &x, &v, ex.as_ref()));
                    }
                    last_false = Some(t);
                }
            }
        }
        if (t + 1) % DAY == 0 {
            println!(
                "-- day {:>2} done: {} readings, {} flagged, score {:.2}{}",
                t / DAY,
                det.readings(),
                day_alarms,
                v.score,
                if v.warming_up { ", warming up" } else { "" }
            );
            day_alarms = 0;
        }
    }
    let elapsed = t0.elapsed().as_secs_f64();
    println!("\nSummary ({} readings in {elapsed:.2} s)", DAYS * DAY);
    println!(
        "  {:<24} {:<12} {:<17} {:>8} {:>15}",
        "fault", "channel", "size", "minutes", "detected after"
    );
    for (f, d) in FAULTS.iter().zip(&found) {
        println!(
            "  {:<24} {:<12} {:<17} {:>8} {:>15}",
            f.kind.name(),
            CHANNELS[f.channel],
            f.kind.size(),
            f.len,
            d.map_or("MISSED".to_string(), |d| if d >= f.len {
                format!("at its end ({d} min)")
            } else {
                format!("{d} min")
            })
        );
    }
    let hits = found.iter().filter(|d| d.is_some()).count();
    let normal = DAYS * DAY - config.warmup - FAULTS.iter().map(|f| f.len + RECOVERY).sum::<u32>();
    println!(
        "  faults found: {hits} of {}; false alarms: {false_alarms} ({false_readings} flagged readings of {normal} normal ones after warm-up; flags within {MERGE} min are one alarm, the {RECOVERY} min after a fault are its recovery)",
        FAULTS.len()
    );
    let a = Alarms::measure(&flags, &labels, &counted);
    println!(
        "  as in examples/evaluate.rs: {:.2} false-alarm events per 1 000 normal readings, {:.2}% of normal readings flagged, {} of {} fault windows hit, median delay {} readings",
        a.per_1000(),
        a.flagged_pct(),
        a.hit(),
        a.windows,
        a.median_delay().map_or("-".to_string(), |d| d.to_string())
    );
    legend();
}

/// What every term printed above means.
fn legend() {
    println!(
        "\nLegend
  flagged      a reading the detector marks as anomalous (Verdict::anomaly)
  alarm        flags closer than {MERGE} readings are one alarm; a false alarm is an alarm on
               normal readings (outside a fault, its {GRACE}-minute grace and {RECOVERY}-minute recovery)
  FA per 1 000 false-alarm events per 1 000 normal readings after the warm-up
  window hit   a fault (plus its grace) with at least one flag; delay: readings from its
               start to the first flag
  reason       why a reading is flagged: surprise = this reading does not fit its prediction
               (the instant score is above its threshold); predictability = a channel has been
               harder (or, unusually, easier) to predict than usual for a while; level = a
               channel's value has been unusual for a while, or this one is far outside its
               usual levels; stuck = a channel repeats the same value far longer than it ever
               did; joint = the channels together are unlike every remembered normal reading
               (each may look usual alone)
  score        the anomaly score: per channel the largest of its surprises, each put on one
               scale by its own recent median and upper spread, summed over channels, plus
               the joint view's distance to the remembered normal readings on the same scale
  instant      the same for this reading alone (no smoothing), then '/ threshold': the
               adaptive threshold it is compared with (raised by the alarm budget while
               alarms come faster than one per 1 000 readings)
  expected     the model's prediction of the channel (mean +- 2 standard deviations)
  nats         a surprise in natural-log units: the negative log-likelihood of the reading
               under the prediction; 'miss' is the part due to the reading's distance from
               the predicted mean
  driver       which channel and which time scale / base predictor the prediction miss
               comes from (the explanation of the reading)"
    );
}
