//! Line charts across waves: one line per series, a point and its value at each wave,
//! the wave labels below. Layout in pixels like the other charts (see `draw.rs`).

use plotters::coord::Shift;
use plotters::prelude::*;

use super::draw::{e, fmt_value, text, width, Metrics};
use super::style;

/// Draws the lines from the top `y`; returns the y below them.
pub(super) fn draw_lines<DB: DrawingBackend<ErrorType: 'static>>(
    area: &DrawingArea<DB, Shift>,
    x: &[String],
    series: &[(String, Vec<Option<f64>>)],
    percent: bool,
    m: &Metrics,
    y: i32,
    paint: bool,
) -> Result<i32, super::draw::DrawError> {
    let h = (m.w as f64 * 0.42) as i32;
    let value_w = width(area, &fmt_value(100.0, percent), m.value);
    let x0 = m.margin + value_w;
    let x1 = m.w - m.margin - value_w;
    let top = y + m.line(m.value);
    let bottom = top + h;
    let all: Vec<f64> = series.iter().flat_map(|s| s.1.iter().flatten().copied()).collect();
    let hi = all.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let lo = all.iter().copied().fold(f64::INFINITY, f64::min);
    // Shares from 0; means from a little below their lowest.
    let (lo, hi) = if percent { (0.0, hi.max(1.0)) } else { (lo - (hi - lo).max(0.5) * 0.2, hi + (hi - lo).max(0.5) * 0.1) };
    let n = x.len().max(2) as i32;
    let px = |i: usize| x0 + (x1 - x0) * i as i32 / (n - 1);
    let py = |v: f64| bottom - ((v - lo) / (hi - lo).max(1e-9) * h as f64).round() as i32;
    if paint {
        // The value axis: light grid lines at round steps, their values at the left.
        for v in ticks(lo, hi) {
            let yv = py(v);
            area.draw(&PathElement::new(vec![(x0, yv), (x1, yv)], style::GRID.stroke_width(1))).map_err(e)?;
            let label = tick_label(v, percent);
            let lw = width(area, &label, m.value);
            text(area, &label, m.value, &style::TEXT, (x0 - lw - 8, yv - m.line(m.value) / 2))?;
        }
        area.draw(&PathElement::new(vec![(x0, bottom), (x1, bottom)], style::GRID.stroke_width(2))).map_err(e)?;
        for (i, label) in x.iter().enumerate() {
            let lw = width(area, label, m.label);
            text(area, label, m.label, &style::TEXT, (px(i) - lw / 2, bottom + 6))?;
        }
        for (k, (_, vals)) in series.iter().enumerate() {
            let c = style::SERIES[k % style::SERIES.len()];
            let pts: Vec<(i32, i32)> = vals.iter().enumerate().filter_map(|(i, v)| v.map(|v| (px(i), py(v)))).collect();
            area.draw(&PathElement::new(pts.clone(), c.stroke_width(3))).map_err(e)?;
            for (i, v) in vals.iter().enumerate() {
                let Some(v) = v else { continue };
                area.draw(&Circle::new((px(i), py(*v)), 5, c.filled())).map_err(e)?;
                // Values at the last wave only, so that labels do not collide.
                if i + 1 == vals.len() {
                    text(area, &fmt_value(*v, percent), m.value, &c, (px(i) + 8, py(*v) - m.line(m.value) / 2))?;
                }
            }
        }
    }
    Ok(bottom + m.line(m.label) + 10)
}

/// Round values from `lo` to `hi` for the value axis: about four steps of 1, 2 or 5 × 10ᵏ.
pub(super) fn ticks(lo: f64, hi: f64) -> Vec<f64> {
    let span = (hi - lo).max(1e-9);
    let raw = span / 4.0;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0].iter().map(|k| k * mag).find(|s| *s >= raw).unwrap_or(10.0 * mag);
    let first = (lo / step).ceil() * step;
    (0..=8).map(|i| first + step * i as f64).take_while(|v| *v <= hi + step * 1e-9).collect()
}

/// A tick's label: a share as a whole percent, a mean with the decimals its step needs.
fn tick_label(v: f64, percent: bool) -> String {
    if percent {
        format!("{v:.0}%")
    } else if (v - v.round()).abs() < 1e-9 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round_steps_within_the_range() {
        assert_eq!(ticks(0.0, 62.0), vec![0.0, 20.0, 40.0, 60.0]);
        assert_eq!(ticks(0.0, 100.0), vec![0.0, 50.0, 100.0]);
        assert_eq!(ticks(3.1, 4.4), vec![3.5, 4.0]);
        assert_eq!(tick_label(40.0, true), "40%");
        assert_eq!(tick_label(3.5, false), "3.5");
    }
}
