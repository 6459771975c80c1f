//! The detector's plot, shared by `examples/replay` and `examples/evaluate.rs` (`plotters`,
//! SVG backend only): one panel per channel (the reading, the detector's expected value and
//! its ±2σ band, the flags, the labelled windows), then the score panel (the smoothed score,
//! the instant score and its adaptive threshold, the flags).

use std::error::Error;
use std::ops::Range;

use gln::detector::Verdict;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

/// One replayed row, as the plot needs it.
pub struct Point<const CH: usize> {
    /// The readings of the row.
    pub values: [f32; CH],
    /// What the detector said (`None`: a dropped or rejected reading).
    pub verdict: Option<Verdict<CH>>,
    /// Inside a labelled window.
    pub label: bool,
}

const LABEL: RGBColor = RGBColor(255, 200, 120);
const BAND: RGBColor = RGBColor(120, 160, 230);
const VALUE: RGBColor = RGBColor(40, 40, 40);
const EXPECTED: RGBColor = RGBColor(30, 90, 200);
const FLAG: RGBColor = RGBColor(220, 30, 30);
const INSTANT: RGBColor = RGBColor(170, 170, 170);
const THRESHOLD: RGBColor = RGBColor(230, 120, 0);

/// A score line: its name, colour and value.
type Series<const CH: usize> = (&'static str, RGBColor, fn(&Verdict<CH>) -> f32);

type Chart<'a, 'b> = ChartContext<'a, SVGBackend<'b>, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// Writes the plot of `points` (channel names `names`) to `path`.
pub fn draw<const CH: usize>(
    path: &str,
    title: &str,
    names: &[String; CH],
    points: &[Point<CH>],
) -> Result<(), Box<dyn Error>> {
    let root = SVGBackend::new(path, (1400, 260 * (CH as u32 + 1))).into_drawing_area();
    root.fill(&WHITE)?;
    let root = root.titled(title, ("sans-serif", 20))?;
    let panels = root.split_evenly((CH + 1, 1));
    let x = 0.0..points.len().max(1) as f64;
    for (c, panel) in panels.iter().take(CH).enumerate() {
        channel(panel, &names[c], c, x.clone(), points)?;
    }
    if let Some(panel) = panels.get(CH) {
        score(panel, x, points)?;
    }
    root.present()?;
    Ok(())
}

fn verdict<const CH: usize>(p: &Point<CH>) -> Option<&Verdict<CH>> {
    p.verdict.as_ref()
}

/// Labelled windows as `(first row, end row)`.
pub fn windows<const CH: usize>(points: &[Point<CH>]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, p) in points.iter().enumerate() {
        match (p.label, start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                out.push((s, i));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push((s, points.len()));
    }
    out
}

/// The y range of channel `c`: its readings, padded by a tenth.
fn value_range<const CH: usize>(c: usize, points: &[Point<CH>]) -> Range<f64> {
    let (lo, hi) = points
        .iter()
        .filter(|p| verdict(p).is_some())
        .map(|p| f64::from(p.values[c]))
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), v| {
            (l.min(v), h.max(v))
        });
    if lo > hi {
        return 0.0..1.0;
    }
    let pad = ((hi - lo) * 0.1).max(1e-3);
    lo - pad..hi + pad
}

/// Shades the labelled windows over the whole height `y`.
fn shade_windows<const CH: usize>(
    chart: &mut Chart<'_, '_>,
    y: &Range<f64>,
    points: &[Point<CH>],
) -> Result<(), Box<dyn Error>> {
    let spans = windows(points);
    let style = LABEL.mix(0.35).filled();
    chart
        .draw_series(
            spans
                .iter()
                .map(|&(a, b)| Rectangle::new([(a as f64, y.start), (b as f64, y.end)], style)),
        )?
        .label("labelled window")
        .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 16, y + 5)], style));
    Ok(())
}

/// Runs of consecutive rows with a verdict that `keep` accepts, as `(index, verdict)` lists
/// (a line is not drawn across a gap).
fn runs<const CH: usize>(
    points: &[Point<CH>],
    keep: fn(&Verdict<CH>) -> bool,
) -> Vec<Vec<(usize, &Verdict<CH>)>> {
    let mut out: Vec<Vec<_>> = vec![Vec::new()];
    for (i, p) in points.iter().enumerate() {
        match verdict(p).filter(|v| keep(v)) {
            Some(v) => out.last_mut().into_iter().for_each(|r| r.push((i, v))),
            None => out.push(Vec::new()),
        }
    }
    out.retain(|r| !r.is_empty());
    out
}

fn clamp(v: f64, y: &Range<f64>) -> f64 {
    v.clamp(y.start, y.end)
}

fn channel<const CH: usize>(
    area: &DrawingArea<SVGBackend<'_>, plotters::coord::Shift>,
    name: &str,
    c: usize,
    x: Range<f64>,
    points: &[Point<CH>],
) -> Result<(), Box<dyn Error>> {
    let y = value_range(c, points);
    let mut chart = ChartBuilder::on(area)
        .caption(name, ("sans-serif", 16))
        .margin(6)
        .x_label_area_size(24)
        .y_label_area_size(56)
        .build_cartesian_2d(x, y.clone())?;
    chart
        .configure_mesh()
        .disable_mesh()
        .x_label_formatter(&|x| format!("{x:.0}"))
        .draw()?;
    shade_windows(&mut chart, &y, points)?;
    let band = BAND.mix(0.35).filled();
    for (k, run) in runs(points, |_| true).iter().enumerate() {
        let mean = |v: &Verdict<CH>| f64::from(v.expected[c].mean);
        let sd = |v: &Verdict<CH>| 2.0 * f64::from(v.expected[c].variance).sqrt();
        let upper = run
            .iter()
            .map(|(i, v)| (*i as f64, clamp(mean(v) + sd(v), &y)));
        let lower = run
            .iter()
            .rev()
            .map(|(i, v)| (*i as f64, clamp(mean(v) - sd(v), &y)));
        let s = chart.draw_series(std::iter::once(Polygon::new(
            upper.chain(lower).collect::<Vec<_>>(),
            band,
        )))?;
        if k == 0 {
            s.label("expected ±2σ")
                .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 16, y + 5)], band));
        }
        let s = chart.draw_series(LineSeries::new(
            run.iter().map(|(i, v)| (*i as f64, clamp(mean(v), &y))),
            EXPECTED.stroke_width(1),
        ))?;
        if k == 0 {
            s.label("expected").legend(|(x, y)| {
                PathElement::new(vec![(x, y), (x + 16, y)], EXPECTED.stroke_width(2))
            });
        }
        let s = chart.draw_series(LineSeries::new(
            run.iter()
                .map(|(i, _)| (*i as f64, f64::from(points[*i].values[c]))),
            VALUE.stroke_width(1),
        ))?;
        if k == 0 {
            s.label("reading").legend(|(x, y)| {
                PathElement::new(vec![(x, y), (x + 16, y)], VALUE.stroke_width(2))
            });
        }
    }
    let flags = points.iter().enumerate().filter_map(|(i, p)| {
        verdict(p)
            .filter(|v| v.anomaly && v.channel == c)
            .map(|_| Circle::new((i as f64, f64::from(p.values[c])), 3, FLAG.filled()))
    });
    chart
        .draw_series(flags)?
        .label("flagged")
        .legend(|(x, y)| Circle::new((x + 8, y), 3, FLAG.filled()));
    legend(&mut chart)
}

fn legend<'a, 'b: 'a>(chart: &mut Chart<'a, 'b>) -> Result<(), Box<dyn Error>> {
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.3))
        .label_font(("sans-serif", 12))
        .draw()?;
    Ok(())
}

fn score<const CH: usize>(
    area: &DrawingArea<SVGBackend<'_>, plotters::coord::Shift>,
    x: Range<f64>,
    points: &[Point<CH>],
) -> Result<(), Box<dyn Error>> {
    // Up to twice the highest threshold: a spike's instant score would flatten the rest.
    let top = points
        .iter()
        .filter_map(verdict)
        .filter(|v| !v.warming_up)
        .map(|v| f64::from(v.instant_threshold))
        .fold(1.0, f64::max)
        * 2.0;
    let y = 0.0..top;
    let mut chart = ChartBuilder::on(area)
        .caption(
            "score (clipped at twice the highest threshold)",
            ("sans-serif", 16),
        )
        .margin(6)
        .x_label_area_size(24)
        .y_label_area_size(56)
        .build_cartesian_2d(x, y.clone())?;
    chart
        .configure_mesh()
        .disable_mesh()
        .x_desc("row")
        .x_label_formatter(&|x| format!("{x:.0}"))
        .draw()?;
    shade_windows(&mut chart, &y, points)?;
    let series: [Series<CH>; 3] = [
        ("instant score", INSTANT, |v| v.instant),
        ("instant threshold", THRESHOLD, |v| v.instant_threshold),
        ("score", EXPECTED, |v| v.score),
    ];
    for (name, color, get) in series {
        for (k, run) in runs(points, |v| !v.warming_up).iter().enumerate() {
            let s = chart.draw_series(LineSeries::new(
                run.iter()
                    .map(|(i, v)| (*i as f64, clamp(f64::from(get(v)), &y))),
                color.stroke_width(1),
            ))?;
            if k == 0 {
                s.label(name).legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 16, y)], color.stroke_width(2))
                });
            }
        }
    }
    let flags = points.iter().enumerate().filter_map(|(i, p)| {
        verdict(p)
            .filter(|v| v.anomaly)
            .map(|_| Circle::new((i as f64, top * 0.97), 2, FLAG.filled()))
    });
    chart
        .draw_series(flags)?
        .label("flagged")
        .legend(|(x, y)| Circle::new((x + 8, y), 3, FLAG.filled()));
    legend(&mut chart)
}
