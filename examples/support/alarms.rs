//! Alarm-level metrics, as an operator sees them: the same definitions for the evaluation
//! (`examples/evaluate.rs`) and the main job (`examples/anomaly.rs`).
//!
//! - A *flag* is one reading the detector marks as anomalous (`Verdict::anomaly`).
//! - An *anomaly window* is a maximal run of readings labelled anomalous (a NAB window, a
//!   SKAB anomaly, an injected fault with its grace period).
//! - A *false-alarm event* is a group of flags on normal readings, flags closer than
//!   [`MERGE`] readings counting as one event; reported per 1 000 normal readings.
//! - *Flagged normal* is the share of normal readings flagged.
//! - A window is *hit* when at least one of its readings is flagged; its *delay* is the
//!   number of readings from its start to its first flag.
//!
//! Readings outside `counted` (the warm-up; the recovery after a fault in the main job) are
//! neither normal nor part of a window.

#![allow(dead_code)]

/// Flags on normal readings closer than this (readings) are one false-alarm event.
pub const MERGE: usize = 30;

/// The alarm metrics of one stream (or of several, added with [`Alarms::add`]).
#[derive(Clone, Debug, Default)]
pub struct Alarms {
    /// Normal readings counted, and how many of them were flagged.
    pub normal: usize,
    pub flagged_normal: usize,
    /// False-alarm events (see the module docs), and the reading at which each began.
    pub events: usize,
    pub event_starts: Vec<usize>,
    /// Anomaly windows, and the delay of each one hit (readings).
    pub windows: usize,
    pub delays: Vec<usize>,
}

impl Alarms {
    /// The metrics of `flags` against `labels` (true: in an anomaly window); readings whose
    /// `counted` is false are skipped.
    pub fn measure(flags: &[bool], labels: &[bool], counted: &[bool]) -> Alarms {
        let mut a = Alarms::default();
        let mut last_false: Option<usize> = None;
        let mut window: Option<(usize, bool)> = None; // (start, hit)
        for (i, ((&f, &l), &c)) in flags.iter().zip(labels).zip(counted).enumerate() {
            if !c {
                continue;
            }
            if l {
                let (start, hit) = window.get_or_insert((i, false));
                if f && !*hit {
                    *hit = true;
                    a.delays.push(i - *start);
                }
                continue;
            }
            if window.take().is_some() {
                a.windows += 1;
            }
            a.normal += 1;
            if f {
                a.flagged_normal += 1;
                if last_false.is_none_or(|p| i - p > MERGE) {
                    a.events += 1;
                    a.event_starts.push(i);
                }
                last_false = Some(i);
            }
        }
        if window.is_some() {
            a.windows += 1;
        }
        a
    }

    /// Adds the metrics of another stream.
    pub fn add(&mut self, o: &Alarms) {
        self.normal += o.normal;
        self.flagged_normal += o.flagged_normal;
        self.events += o.events;
        self.event_starts.extend(&o.event_starts);
        self.windows += o.windows;
        self.delays.extend(&o.delays);
    }

    /// False-alarm events per 1 000 normal readings.
    pub fn per_1000(&self) -> f64 {
        1000.0 * self.events as f64 / self.normal.max(1) as f64
    }

    /// Flagged normal readings, in percent.
    pub fn flagged_pct(&self) -> f64 {
        100.0 * self.flagged_normal as f64 / self.normal.max(1) as f64
    }

    /// Windows hit.
    pub fn hit(&self) -> usize {
        self.delays.len()
    }

    /// The median delay of the windows hit (`None` if none was).
    pub fn median_delay(&self) -> Option<usize> {
        let mut d = self.delays.clone();
        d.sort_unstable();
        d.get(d.len() / 2).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_windows_and_delays_by_hand() {
        // Normal 0..10 with flags at 1, 5 (one event) and 9 only if MERGE < 8; a window
        // 10..14 first flagged at 12; normal 14..20 with a flag at 19; a missed window 20..22.
        let n = 22;
        let labels: Vec<bool> = (0..n).map(|i| (10..14).contains(&i) || i >= 20).collect();
        let flags: Vec<bool> = (0..n).map(|i| [1, 5, 12, 19].contains(&i)).collect();
        let counted = vec![true; n];
        let a = Alarms::measure(&flags, &labels, &counted);
        assert_eq!(a.normal, 16);
        assert_eq!(a.flagged_normal, 3);
        // 1 and 5 merge (gap 4 <= MERGE); 19 is 14 after 5: merged too.
        assert_eq!(a.events, 1);
        assert_eq!(a.event_starts, [1]);
        assert_eq!(a.windows, 2);
        assert_eq!(a.delays, vec![2]);
        assert_eq!(a.median_delay(), Some(2));
        // Skipped readings are neither normal nor in a window.
        let mut c = counted.clone();
        c[1] = false;
        c[5] = false;
        assert_eq!(Alarms::measure(&flags, &labels, &c).flagged_normal, 1);
    }
}
