//! The real anomaly streams in `../shared/data` (NAB, SKAB, NASA shuttle) for the
//! evaluation example, and ROC AUC. Parsers written here: CSV (`,` or `;`), a small JSON
//! reader for NAB's `combined_windows.json`, and gzip through `flate2`.
//!
//! The data directory is `$GLN_DATA_DIR` if set, else `../shared/data` beside the
//! repository.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

/// One labelled stream: readings (one value per channel) and a label per reading.
pub struct Stream {
    pub name: String,
    pub values: Vec<Vec<f32>>,
    pub labels: Vec<bool>,
}

/// The folder holding the shared data sets.
pub fn data_dir() -> PathBuf {
    match std::env::var_os("GLN_DATA_DIR") {
        Some(d) => PathBuf::from(d),
        None => Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("..")
            .join("shared")
            .join("data"),
    }
}

fn read_text(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))
}

fn read_gz_text(path: &Path) -> Result<String, String> {
    let f = std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut s = String::new();
    flate2::read::GzDecoder::new(f)
        .read_to_string(&mut s)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(s)
}

// ---------------------------------------------------------------------------------------
// A small JSON reader: enough for NAB's windows file (objects, arrays, strings, numbers,
// true/false/null).

#[derive(Debug, Clone)]
pub enum Json {
    Null,
    Bool(bool),
    Num(f64),
    Str(String),
    Arr(Vec<Json>),
    Obj(Vec<(String, Json)>),
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
}

impl Parser<'_> {
    fn ws(&mut self) {
        while self.i < self.s.len() && self.s[self.i].is_ascii_whitespace() {
            self.i += 1;
        }
    }
    fn err(&self, what: &str) -> String {
        format!("JSON: {what} at byte {}", self.i)
    }
    fn expect(&mut self, c: u8) -> Result<(), String> {
        self.ws();
        if self.s.get(self.i) == Some(&c) {
            self.i += 1;
            Ok(())
        } else {
            Err(self.err(&format!("expected '{}'", c as char)))
        }
    }
    fn value(&mut self) -> Result<Json, String> {
        self.ws();
        match self.s.get(self.i) {
            Some(b'{') => {
                self.i += 1;
                let mut out = Vec::new();
                self.ws();
                if self.s.get(self.i) == Some(&b'}') {
                    self.i += 1;
                    return Ok(Json::Obj(out));
                }
                loop {
                    self.ws();
                    let Json::Str(k) = self.value()? else {
                        return Err(self.err("expected a key"));
                    };
                    self.expect(b':')?;
                    out.push((k, self.value()?));
                    self.ws();
                    match self.s.get(self.i) {
                        Some(b',') => self.i += 1,
                        Some(b'}') => {
                            self.i += 1;
                            return Ok(Json::Obj(out));
                        }
                        _ => return Err(self.err("expected ',' or '}'")),
                    }
                }
            }
            Some(b'[') => {
                self.i += 1;
                let mut out = Vec::new();
                self.ws();
                if self.s.get(self.i) == Some(&b']') {
                    self.i += 1;
                    return Ok(Json::Arr(out));
                }
                loop {
                    out.push(self.value()?);
                    self.ws();
                    match self.s.get(self.i) {
                        Some(b',') => self.i += 1,
                        Some(b']') => {
                            self.i += 1;
                            return Ok(Json::Arr(out));
                        }
                        _ => return Err(self.err("expected ',' or ']'")),
                    }
                }
            }
            Some(b'"') => {
                self.i += 1;
                let mut out = String::new();
                loop {
                    match self.s.get(self.i) {
                        None => return Err(self.err("unterminated string")),
                        Some(b'"') => {
                            self.i += 1;
                            return Ok(Json::Str(out));
                        }
                        Some(b'\\') => {
                            let c = *self.s.get(self.i + 1).ok_or(self.err("bad escape"))?;
                            out.push(match c {
                                b'n' => '\n',
                                b't' => '\t',
                                b'r' => '\r',
                                b'b' => '\u{8}',
                                b'f' => '\u{c}',
                                b'u' => {
                                    let hex = self
                                        .s
                                        .get(self.i + 2..self.i + 6)
                                        .ok_or(self.err("bad \\u"))?;
                                    let hex = std::str::from_utf8(hex)
                                        .map_err(|_| self.err("bad \\u"))?;
                                    let code = u32::from_str_radix(hex, 16)
                                        .map_err(|_| self.err("bad \\u"))?;
                                    self.i += 4;
                                    char::from_u32(code).unwrap_or('\u{fffd}')
                                }
                                other => other as char,
                            });
                            self.i += 2;
                        }
                        Some(_) => {
                            // Copy one UTF-8 character.
                            let rest = std::str::from_utf8(&self.s[self.i..])
                                .map_err(|_| self.err("bad UTF-8"))?;
                            let ch = rest.chars().next().ok_or(self.err("bad string"))?;
                            out.push(ch);
                            self.i += ch.len_utf8();
                        }
                    }
                }
            }
            Some(b't') if self.s[self.i..].starts_with(b"true") => {
                self.i += 4;
                Ok(Json::Bool(true))
            }
            Some(b'f') if self.s[self.i..].starts_with(b"false") => {
                self.i += 5;
                Ok(Json::Bool(false))
            }
            Some(b'n') if self.s[self.i..].starts_with(b"null") => {
                self.i += 4;
                Ok(Json::Null)
            }
            Some(_) => {
                let start = self.i;
                while self.i < self.s.len()
                    && matches!(
                        self.s[self.i],
                        b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9'
                    )
                {
                    self.i += 1;
                }
                let t = std::str::from_utf8(&self.s[start..self.i])
                    .map_err(|_| self.err("bad number"))?;
                t.parse().map(Json::Num).map_err(|_| self.err("bad value"))
            }
            None => Err(self.err("unexpected end")),
        }
    }
}

pub fn parse_json(text: &str) -> Result<Json, String> {
    let mut p = Parser {
        s: text.as_bytes(),
        i: 0,
    };
    let v = p.value()?;
    p.ws();
    if p.i != p.s.len() {
        return Err(p.err("trailing characters"));
    }
    Ok(v)
}

// ---------------------------------------------------------------------------------------
// NAB

/// NAB's anomaly windows: for each file (`group/name.csv`), `[start, end]` timestamps.
pub fn nab_windows(dir: &Path) -> Result<BTreeMap<String, Vec<(String, String)>>, String> {
    let json = parse_json(&read_text(&dir.join("combined_windows.json"))?)?;
    let Json::Obj(files) = json else {
        return Err("combined_windows.json: not an object".into());
    };
    let mut out = BTreeMap::new();
    for (file, wins) in files {
        let Json::Arr(wins) = wins else {
            return Err(format!("{file}: windows are not a list"));
        };
        let mut list = Vec::new();
        for w in wins {
            match w {
                Json::Arr(pair) if pair.len() == 2 => match (&pair[0], &pair[1]) {
                    (Json::Str(a), Json::Str(b)) => list.push((stamp(a), stamp(b))),
                    _ => return Err(format!("{file}: a window is not two strings")),
                },
                _ => return Err(format!("{file}: a window is not a pair")),
            }
        }
        out.insert(file, list);
    }
    Ok(out)
}

/// `YYYY-MM-DD HH:MM:SS` (the first 19 characters): fixed width, so strings compare as times.
fn stamp(s: &str) -> String {
    s.chars().take(19).collect()
}

/// Every labelled NAB stream of `group` (e.g. `realKnownCause`), sorted by name.
pub fn nab_group(group: &str) -> Result<Vec<Stream>, String> {
    let dir = data_dir().join("nab");
    let windows = nab_windows(&dir)?;
    let mut names: Vec<_> = std::fs::read_dir(dir.join(group))
        .map_err(|e| format!("{}: {e}", dir.join(group).display()))?
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".csv"))
        .collect();
    names.sort();
    let mut out = Vec::new();
    for name in names {
        let key = format!("{group}/{name}");
        // No labels, or no anomaly window: its AUC is undefined (a group mean would be NaN).
        let Some(wins) = windows.get(&key).filter(|w| !w.is_empty()) else {
            continue;
        };
        let text = read_text(&dir.join(group).join(&name))?;
        let mut values = Vec::new();
        let mut labels = Vec::new();
        for (i, line) in text.lines().enumerate().skip(1) {
            if line.trim().is_empty() {
                continue;
            }
            let (ts, v) = line
                .split_once(',')
                .ok_or(format!("{key}:{}: not `timestamp,value`", i + 1))?;
            let v: f32 = v
                .trim()
                .parse()
                .map_err(|_| format!("{key}:{}: bad value", i + 1))?;
            let ts = stamp(ts.trim());
            labels.push(
                wins.iter()
                    .any(|(a, b)| a.as_str() <= ts.as_str() && ts.as_str() <= b.as_str()),
            );
            values.push(vec![v]);
        }
        if !labels.contains(&true) {
            continue; // its windows lie outside the recording
        }
        out.push(Stream {
            name: name.trim_end_matches(".csv").to_string(),
            values,
            labels,
        });
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------
// SKAB

/// The 8 sensor columns of a SKAB file, and its `anomaly` column if present.
fn skab_file(path: &Path) -> Result<Stream, String> {
    let text = read_text(path)?;
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().ok_or("empty SKAB file")?.split(';').collect();
    let col = |name: &str| header.iter().position(|h| h.trim() == name);
    let sensors: Vec<usize> = (1..header.len())
        .filter(|&i| !matches!(header[i].trim(), "anomaly" | "changepoint"))
        .collect();
    let label = col("anomaly");
    let mut values = Vec::new();
    let mut labels = Vec::new();
    for (i, line) in lines.enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let f: Vec<&str> = line.split(';').collect();
        let row: Result<Vec<f32>, _> = sensors
            .iter()
            .map(|&j| f.get(j).unwrap_or(&"").trim().parse::<f32>())
            .collect();
        values.push(row.map_err(|_| format!("{}:{}: bad value", path.display(), i + 2))?);
        labels.push(match label {
            Some(j) => {
                f.get(j)
                    .and_then(|v| v.trim().parse::<f32>().ok())
                    .unwrap_or(0.0)
                    > 0.5
            }
            None => false,
        });
    }
    let name = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    Ok(Stream {
        name,
        values,
        labels,
    })
}

/// SKAB `anomaly-free` (for warm-up) and the `valve1` runs in numeric order.
pub fn skab_valve1() -> Result<(Stream, Vec<Stream>), String> {
    let dir = data_dir().join("skab");
    let free = skab_file(&dir.join("anomaly-free").join("anomaly-free.csv"))?;
    let mut runs: Vec<(u32, PathBuf)> = std::fs::read_dir(dir.join("valve1"))
        .map_err(|e| format!("{}: {e}", dir.join("valve1").display()))?
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter_map(|p| Some((p.file_stem()?.to_str()?.parse().ok()?, p)))
        .collect();
    runs.sort();
    let runs = runs
        .iter()
        .map(|(_, p)| skab_file(p))
        .collect::<Result<_, _>>()?;
    Ok((free, runs))
}

// ---------------------------------------------------------------------------------------
// NASA shuttle

pub fn shuttle() -> Result<Stream, String> {
    let path = data_dir().join("shuttle").join("shuttle.csv.gz");
    let text = read_gz_text(&path)?;
    let mut values = Vec::new();
    let mut labels = Vec::new();
    for (i, line) in text.lines().enumerate().skip(1) {
        if line.trim().is_empty() {
            continue;
        }
        let f: Vec<&str> = line.split(',').collect();
        if f.len() != 10 {
            return Err(format!("shuttle:{}: expected 10 fields", i + 1));
        }
        let row: Result<Vec<f32>, _> = f[..9].iter().map(|v| v.trim().parse::<f32>()).collect();
        values.push(row.map_err(|_| format!("shuttle:{}: bad value", i + 1))?);
        labels.push(f[9].trim() == "1");
    }
    Ok(Stream {
        name: "shuttle".into(),
        values,
        labels,
    })
}

// ---------------------------------------------------------------------------------------
// Peers

/// One row of the peers' table in `../shared/docs/anomaly-peers.md`.
#[derive(Clone, Debug)]
pub struct Peer {
    /// The best streaming peer and its ROC AUC.
    pub best: String,
    pub auc: f64,
    /// The target for the detector (best peer + 0.05, or the best peer above 0.95).
    pub target: f64,
}

/// The row of the peers' table whose group column starts with `group` (e.g. `"SKAB valve1"`),
/// from `../shared/docs/anomaly-peers.md` (the folder beside `data`). `None` if the file or the
/// row is absent or malformed.
pub fn peer(group: &str) -> Option<Peer> {
    let path = data_dir().join("..").join("docs").join("anomaly-peers.md");
    let text = std::fs::read_to_string(path).ok()?;
    text.lines().find_map(|line| {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        // `| group | best peer (AUC) | runner-up | HST | target |`
        if cells.len() < 7 || !cells[1].starts_with(group) {
            return None;
        }
        let (name, auc) = cells[2].rsplit_once(' ')?;
        Some(Peer {
            best: name.to_string(),
            auc: auc.parse().ok()?,
            target: cells[5].parse().ok()?,
        })
    })
}

// ---------------------------------------------------------------------------------------
// ROC AUC

/// Area under the ROC curve of `scores` against `labels` (true = anomaly): the probability
/// that a random anomaly scores above a random normal point, ties counting one half
/// (computed from average ranks). `None` without both classes or with a NaN score.
pub fn roc_auc(scores: &[f32], labels: &[bool]) -> Option<f64> {
    if scores.len() != labels.len() || scores.iter().any(|s| s.is_nan()) {
        return None;
    }
    let mut idx: Vec<usize> = (0..scores.len()).collect();
    idx.sort_by(|&a, &b| scores[a].total_cmp(&scores[b]));
    let (mut pos, mut rank_sum) = (0u64, 0f64);
    let mut i = 0;
    while i < idx.len() {
        let mut j = i;
        while j + 1 < idx.len() && scores[idx[j + 1]] == scores[idx[i]] {
            j += 1;
        }
        // Ranks i+1 ..= j+1 share their average.
        let avg = (i + j + 2) as f64 / 2.0;
        for &k in &idx[i..=j] {
            if labels[k] {
                pos += 1;
                rank_sum += avg;
            }
        }
        i = j + 1;
    }
    let neg = scores.len() as u64 - pos;
    if pos == 0 || neg == 0 {
        return None;
    }
    let (p, n) = (pos as f64, neg as f64);
    Some((rank_sum - p * (p + 1.0) / 2.0) / (p * n))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auc_by_hand() {
        // Perfect, reversed, random ties.
        assert_eq!(roc_auc(&[0.1, 0.2, 0.9], &[false, false, true]), Some(1.0));
        assert_eq!(roc_auc(&[0.9, 0.2, 0.1], &[false, false, true]), Some(0.0));
        assert_eq!(
            roc_auc(&[0.5, 0.5, 0.5, 0.5], &[true, false, true, false]),
            Some(0.5)
        );
        // Pairs (pos, neg): (0.8 > 0.3) (0.8 > 0.5) (0.4 > 0.3) (0.4 < 0.5): 3/4.
        assert_eq!(
            roc_auc(&[0.8, 0.3, 0.4, 0.5], &[true, false, true, false]),
            Some(0.75)
        );
        // A tie between a positive and a negative counts one half: (1 + 0.5) / 2.
        assert_eq!(roc_auc(&[0.7, 0.7, 0.1], &[true, false, false]), Some(0.75));
        assert_eq!(roc_auc(&[0.1, 0.2], &[true, true]), None);
    }

    #[test]
    fn json_reader() {
        let j = parse_json(r#"{"a/b.csv": [["2014-01-01 00:00:00.000000", "x"]], "e": [], "n": -1.5e2, "t": [true, null]}"#).unwrap();
        let Json::Obj(o) = j else { panic!() };
        assert_eq!(o.len(), 4);
        assert!(matches!(&o[2].1, Json::Num(v) if *v == -150.0));
        assert!(parse_json("[1, 2").is_err());
        assert!(parse_json("{} x").is_err());
    }
}
