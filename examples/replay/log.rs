//! The recorded-log format of the replay, and one reading fed to the detector as a board
//! feeds it. Written with `core` only: the boards that replay an embedded log include this
//! very file (`boards/common/src/replay.rs`), so the host and the board parse and feed the
//! log the same way.
//!
//! A log is CSV with a header line, its cells separated by commas, semicolons or tabs: the
//! first of `,`, `;` and tab found in the header separates every line (a header with one
//! column and none of them: commas). The decimal point is `.` in any case. A column named `timestamp`, `time`, `date` or
//! `datetime` is the timestamp (kept as text, optional); one named `label`, `anomaly` or
//! `is_anomaly` is the label (`1` or `true` in a labelled anomalous window; optional); every
//! other column is a channel, in order. An empty channel cell is a dropped sample: a row with
//! any empty channel cell is fed as [`Detector::missing`]. Blank lines are skipped; `\r\n`
//! line ends are accepted.

use gln::detector::{Detector, Verdict};
use gln::gaussian::GaussianNetwork;

/// Most columns a log may have.
pub const MAX_COLUMNS: usize = 16;

/// What a column holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Column {
    /// The timestamp, as text.
    Timestamp,
    /// The channel of this index.
    Channel(usize),
    /// The label.
    Label,
}

/// The columns of a log, from its header.
#[derive(Clone, Copy, Debug)]
pub struct Layout {
    columns: [Column; MAX_COLUMNS],
    len: usize,
    /// The cell separator: `,`, `;` or tab.
    pub separator: char,
    /// Number of channel columns.
    pub channels: usize,
    /// `true` if there is a label column.
    pub labelled: bool,
}

/// Why a line of a log cannot be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogError {
    /// The header has no channel column, a column without a name, too many columns, or two
    /// label or timestamp columns.
    Header(&'static str),
    /// A row has another number of cells than the header.
    Cells,
    /// A channel cell is not a number.
    Number {
        /// The column (from 0).
        column: usize,
    },
}

/// The cell separators a log may use.
pub const SEPARATORS: [char; 3] = [',', ';', '\t'];

fn is_any(name: &str, names: &[&str]) -> bool {
    names.iter().any(|n| n.eq_ignore_ascii_case(name))
}

impl Layout {
    /// Reads the header line.
    ///
    /// # Errors
    /// [`LogError::Header`] if there is no channel column, a column without a name, more
    /// than [`MAX_COLUMNS`] columns, or two timestamp or label columns.
    pub fn parse(header: &str) -> Result<Self, LogError> {
        let header = header.trim_end_matches('\r');
        let mut l = Layout {
            columns: [Column::Timestamp; MAX_COLUMNS],
            len: 0,
            separator: header
                .chars()
                .find(|c| SEPARATORS.contains(c))
                .unwrap_or(','),
            channels: 0,
            labelled: false,
        };
        let mut timestamp = false;
        for name in header.split(l.separator) {
            let name = name.trim().trim_matches('"');
            let column = if name.is_empty() {
                return Err(LogError::Header("a column without a name"));
            } else if is_any(name, &["timestamp", "time", "date", "datetime"]) {
                if timestamp {
                    return Err(LogError::Header("two timestamp columns"));
                }
                timestamp = true;
                Column::Timestamp
            } else if is_any(name, &["label", "anomaly", "is_anomaly"]) {
                if l.labelled {
                    return Err(LogError::Header("two label columns"));
                }
                l.labelled = true;
                Column::Label
            } else {
                l.channels += 1;
                Column::Channel(l.channels - 1)
            };
            *l.columns
                .get_mut(l.len)
                .ok_or(LogError::Header("more than 16 columns"))? = column;
            l.len += 1;
        }
        if l.channels == 0 {
            return Err(LogError::Header("no channel column"));
        }
        Ok(l)
    }

    /// The name of channel `c` in `header` (the line [`parse`](Self::parse) read).
    pub fn channel_name<'h>(&self, header: &'h str, c: usize) -> &'h str {
        let cells = header.trim_end_matches('\r').split(self.separator);
        self.columns[..self.len]
            .iter()
            .zip(cells)
            .find(|(col, _)| **col == Column::Channel(c))
            .map_or("?", |(_, name)| name.trim().trim_matches('"'))
    }

    /// Reads one data line into `values` (the first `CH` channels; the others are ignored).
    ///
    /// # Errors
    /// [`LogError::Cells`] or [`LogError::Number`].
    pub fn row<'a, const CH: usize>(&self, line: &'a str) -> Result<Row<'a, CH>, LogError> {
        let mut row = Row {
            time: "",
            values: [0.0; CH],
            dropped: false,
            label: false,
        };
        let mut n = 0;
        for (i, cell) in line
            .trim_end_matches('\r')
            .split(self.separator)
            .enumerate()
        {
            let cell = cell.trim();
            match self.columns[..self.len].get(i).ok_or(LogError::Cells)? {
                Column::Timestamp => row.time = cell,
                Column::Label => row.label = !matches!(cell, "" | "0" | "false" | "0.0"),
                Column::Channel(c) if cell.is_empty() => row.dropped |= *c < CH,
                Column::Channel(c) => {
                    let v = cell
                        .parse::<f32>()
                        .map_err(|_| LogError::Number { column: i })?;
                    if let Some(slot) = row.values.get_mut(*c) {
                        *slot = v;
                    }
                }
            }
            n += 1;
        }
        if n != self.len {
            return Err(LogError::Cells);
        }
        Ok(row)
    }
}

/// One data line of a log.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Row<'a, const CH: usize> {
    /// The timestamp cell (empty without a timestamp column).
    pub time: &'a str,
    /// The readings (meaningless if `dropped`).
    pub values: [f32; CH],
    /// `true` if a channel cell is empty: a dropped sample.
    pub dropped: bool,
    /// `true` inside a labelled anomalous window.
    pub label: bool,
}

/// What the detector made of one row.
#[derive(Clone, Copy, Debug)]
pub enum Outcome<const CH: usize> {
    /// A reading and its verdict.
    Verdict(Verdict<CH>),
    /// A dropped sample, fed as [`Detector::missing`].
    Dropped,
    /// A reading the detector refused (not finite, or too large); nothing changed.
    Rejected(gln::Error),
}

/// Feeds one row to `det` as a board would: `update` with the readings, or `missing` for a
/// dropped sample.
pub fn feed<const CH: usize, const W: usize, const D: usize, const B: usize, M>(
    det: &mut Detector<CH, W, D, B, M>,
    row: &Row<'_, CH>,
) -> Outcome<CH>
where
    M: GaussianNetwork<D, B, 1>,
{
    if row.dropped {
        det.missing();
        return Outcome::Dropped;
    }
    match det.update(&row.values) {
        Ok(v) => Outcome::Verdict(v),
        Err(e) => Outcome::Rejected(e),
    }
}

/// Counts over a replay.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    /// Rows fed.
    pub rows: u32,
    /// Dropped samples.
    pub dropped: u32,
    /// Rejected readings.
    pub rejected: u32,
    /// Flagged readings.
    pub flagged: u32,
}

impl Tally {
    /// Counts one outcome.
    pub fn count<const CH: usize>(&mut self, o: &Outcome<CH>) {
        self.rows += 1;
        match o {
            Outcome::Verdict(v) => self.flagged += u32::from(v.anomaly),
            Outcome::Dropped => self.dropped += 1,
            Outcome::Rejected(_) => self.rejected += 1,
        }
    }
}

/// The data lines of a log: every line after the header that is not blank.
pub fn data_lines(log: &str) -> impl Iterator<Item = &str> {
    log.lines().skip(1).filter(|l| !l.trim().is_empty())
}

impl core::fmt::Display for Tally {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "rows {}, dropped {}, rejected {}, flagged {}",
            self.rows, self.dropped, self.rejected, self.flagged
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gln::detector::{DetectorConfig, SmallSensorModel};

    type Det = Detector<2, 8, 8, 8, SmallSensorModel>;

    #[test]
    fn the_header_names_timestamp_channels_and_label() {
        let h = "Timestamp,temp,\"vib\",label";
        let l = Layout::parse(h).unwrap();
        assert_eq!((l.channels, l.labelled), (2, true));
        assert_eq!(
            (l.channel_name(h, 0), l.channel_name(h, 1)),
            ("temp", "vib")
        );
        let l = Layout::parse("value").unwrap();
        assert_eq!((l.channels, l.labelled), (1, false));
    }

    #[test]
    fn a_bad_header_is_refused() {
        for h in ["time,label", "time,a,time", "a,label,anomaly", "", "a,,b"] {
            assert!(
                matches!(Layout::parse(h), Err(LogError::Header(_))),
                "{h:?}"
            );
        }
        let many = ["c"; MAX_COLUMNS + 1].join(",");
        assert!(Layout::parse(&many).is_err());
    }

    #[test]
    fn rows_read_values_drops_and_labels() {
        let l = Layout::parse("time,a,b,label").unwrap();
        let r = l.row::<2>("t0, 1.5 ,-2,1\r").unwrap();
        assert_eq!(
            (r.time, r.values, r.dropped, r.label),
            ("t0", [1.5, -2.0], false, true)
        );
        let r = l.row::<2>("t1,,3,0").unwrap();
        assert!(r.dropped && !r.label);
        assert!(!l.row::<2>("t2,1,2,").unwrap().label);
        assert_eq!(l.row::<2>("t3,1,2"), Err(LogError::Cells));
        assert_eq!(l.row::<2>("t3,1,2,0,9"), Err(LogError::Cells));
        assert_eq!(l.row::<2>("t4,1,x,0"), Err(LogError::Number { column: 2 }));
    }

    #[test]
    fn semicolons_and_tabs_separate_cells_too() {
        let comma = Layout::parse("time,a,b,label").unwrap();
        let want = comma.row::<2>("t0,1.5,,1").unwrap();
        for (sep, header) in [(';', "datetime;a;b;anomaly"), ('\t', "time\ta\tb\tlabel")] {
            let l = Layout::parse(header).unwrap();
            assert_eq!((l.separator, l.channels, l.labelled), (sep, 2, true));
            assert_eq!(
                (l.channel_name(header, 0), l.channel_name(header, 1)),
                ("a", "b")
            );
            let line = ["t0", "1.5", "", "1"].join(&sep.to_string());
            assert_eq!(l.row::<2>(&line), Ok(want));
            // A line of the other format is one cell too few, not a misread value.
            assert_eq!(l.row::<2>("t0,1.5,2,1"), Err(LogError::Cells));
        }
        // A decimal comma is refused, not misread.
        let l = Layout::parse("a;b").unwrap();
        assert_eq!(
            l.row::<2>("1.5;2"),
            Ok(Row {
                time: "",
                values: [1.5, 2.0],
                dropped: false,
                label: false
            })
        );
        assert_eq!(l.row::<2>("1,5;2"), Err(LogError::Number { column: 0 }));
        assert_eq!(Layout::parse("value").unwrap().separator, ',');
    }

    #[test]
    fn a_row_is_fed_as_update_missing_or_rejected() {
        let l = Layout::parse("a,b").unwrap();
        let mut det = Det::with_seed(1, DetectorConfig::DEFAULT);
        let mut twin = det.clone();
        let mut tally = Tally::default();
        for line in data_lines("a,b\n1,2\n\n,2\nNaN,2\n1.5,2.5\n") {
            tally.count(&feed(&mut det, &l.row::<2>(line).unwrap()));
        }
        let want = Tally {
            rows: 4,
            dropped: 1,
            rejected: 1,
            flagged: 0,
        };
        assert_eq!(tally, want);
        assert_eq!(
            tally.to_string(),
            "rows 4, dropped 1, rejected 1, flagged 0"
        );
        // The same as the detector's own calls: the NaN reading changed nothing.
        twin.update(&[1.0, 2.0]).unwrap();
        twin.missing();
        twin.update(&[1.5, 2.5]).unwrap();
        assert_eq!((det.readings(), det.gaps()), (twin.readings(), twin.gaps()));
        assert_eq!(det.fingerprint(), twin.fingerprint());
    }
}
