//! Charts as inline SVG: horizontal bars, a histogram with markers, and
//! curves on the unit square. Every chart scales with its container
//! (`viewBox`, width 100%), names itself for screen readers (`role="img"`
//! and a `<title>`), and marks its data: each bar is one `rect.bar`, each
//! curve point one `circle.point`, so a test can count them.

use super::escape;

/// Drawing width in SVG units; the page scales it.
const WIDTH: f64 = 640.0;
const ROW: f64 = 24.0;
const LABEL: f64 = 170.0;
/// Room after the longest bar for its note, per character (12px text).
const CHAR: f64 = 6.8;

/// One piece of a bar: its size and the CSS class that colours it.
#[derive(Clone, Debug, PartialEq)]
pub struct Segment {
    pub value: f64,
    pub class: &'static str,
}

/// One row of a bar chart.
#[derive(Clone, Debug, PartialEq)]
pub struct Bar {
    pub label: String,
    pub segments: Vec<Segment>,
    /// What is written after the bar (`1,204 (37%)`).
    pub note: String,
    /// An interval drawn over the bar as a whisker (a 95% interval), on
    /// the bars' scale.
    pub interval: Option<(f64, f64)>,
}

impl Bar {
    pub fn one(label: impl Into<String>, value: f64, class: &'static str, note: String) -> Bar {
        Bar {
            label: label.into(),
            segments: vec![Segment { value, class }],
            note,
            interval: None,
        }
    }
}

fn num(x: f64) -> String {
    let r = (x * 10.0).round() / 10.0;
    if r.fract() == 0.0 {
        format!("{}", r as i64)
    } else {
        format!("{r:.1}")
    }
}

/// A label cut to fit the label column (the whole of it is in the bar's
/// tooltip and in the table).
fn short(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
    t.push('…');
    t
}

fn open(title: &str, height: f64) -> String {
    format!(
        "<svg class=\"chart\" role=\"img\" viewBox=\"0 0 {} {}\" width=\"100%\" preserveAspectRatio=\"xMinYMin meet\" xmlns=\"http://www.w3.org/2000/svg\"><title>{}</title>",
        num(WIDTH),
        num(height),
        escape(title)
    )
}

/// Horizontal bars on one scale: `max` is the full width (0 means the
/// largest total).
pub fn bars(title: &str, rows: &[Bar], max: f64) -> String {
    let largest = rows
        .iter()
        .map(|b| b.segments.iter().map(|s| s.value.max(0.0)).sum::<f64>())
        .fold(0.0, f64::max);
    let max = if max > 0.0 { max } else { largest };
    let longest = rows
        .iter()
        .map(|b| b.note.chars().count())
        .max()
        .unwrap_or(0);
    let value = (longest as f64 * CHAR + 12.0).clamp(40.0, 300.0);
    let span = WIDTH - LABEL - value;
    let height = ROW * rows.len().max(1) as f64 + 4.0;
    let mut s = open(title, height);
    for (i, b) in rows.iter().enumerate() {
        let y = 2.0 + ROW * i as f64;
        s.push_str(&format!(
            "<g><title>{}: {}</title><text class=\"label\" x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>",
            escape(&b.label),
            escape(&b.note),
            num(LABEL - 8.0),
            num(y + ROW * 0.65),
            escape(&short(&b.label, 24))
        ));
        let mut x = LABEL;
        for seg in &b.segments {
            let w = if max > 0.0 {
                seg.value.max(0.0) / max * span
            } else {
                0.0
            };
            s.push_str(&format!(
                "<rect class=\"bar {}\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"/>",
                seg.class,
                num(x),
                num(y + 3.0),
                num(w),
                num(ROW - 6.0)
            ));
            x += w;
        }
        if let (Some((lo, hi)), true) = (b.interval, max > 0.0) {
            let (x1, x2) = (
                LABEL + lo.max(0.0) / max * span,
                LABEL + hi.max(0.0) / max * span,
            );
            let mid = y + ROW / 2.0;
            s.push_str(&format!(
                "<path class=\"interval\" d=\"M{a} {t}V{b}M{a} {m}H{c}M{c} {t}V{b}\"/>",
                a = num(x1),
                c = num(x2),
                m = num(mid),
                t = num(mid - 5.0),
                b = num(mid + 5.0),
            ));
            x = x.max(x2);
        }
        s.push_str(&format!(
            "<text class=\"value\" x=\"{}\" y=\"{}\">{}</text></g>",
            num(x + 6.0),
            num(y + ROW * 0.65),
            escape(&b.note)
        ));
    }
    s.push_str("</svg>");
    s
}

/// A vertical line drawn over a histogram at `at` (in the bins' units).
#[derive(Clone, Debug, PartialEq)]
pub struct Marker {
    pub at: f64,
    pub label: String,
}

/// A histogram: one bar per bin, bins of equal width starting at `start`,
/// with `markers` (tier thresholds) as dashed lines.
pub fn histogram(
    title: &str,
    start: f64,
    width: f64,
    counts: &[u64],
    markers: &[Marker],
) -> String {
    let (left, right, top, bottom) = (48.0, 12.0, 28.0, 30.0);
    let height = 240.0;
    let plot_w = WIDTH - left - right;
    let plot_h = height - top - bottom;
    let n = counts.len().max(1) as f64;
    let bar_w = plot_w / n;
    let max = counts.iter().copied().max().unwrap_or(0).max(1) as f64;
    let end = start + width * n;
    let x_of = |v: f64| left + (v - start) / (end - start) * plot_w;
    let mut s = open(title, height);
    // Axes and the largest count.
    s.push_str(&format!(
        "<line class=\"axis\" x1=\"{l}\" y1=\"{b}\" x2=\"{r}\" y2=\"{b}\"/><line class=\"axis\" x1=\"{l}\" y1=\"{t}\" x2=\"{l}\" y2=\"{b}\"/><text class=\"tick\" x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text><text class=\"tick\" x=\"{}\" y=\"{}\" text-anchor=\"end\">0</text>",
        num(left - 4.0),
        num(top + 4.0),
        num(max),
        num(left - 4.0),
        num(top + plot_h),
        l = num(left),
        r = num(left + plot_w),
        t = num(top),
        b = num(top + plot_h),
    ));
    for (i, c) in counts.iter().enumerate() {
        let h = *c as f64 / max * plot_h;
        let lo = start + width * i as f64;
        s.push_str(&format!(
            "<rect class=\"bar score\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"><title>{} to {}: {}</title></rect>",
            num(left + bar_w * i as f64 + 1.0),
            num(top + plot_h - h),
            num((bar_w - 2.0).max(0.5)),
            num(h),
            num(lo),
            num(lo + width),
            c
        ));
    }
    // About six labels along the axis, on bin edges.
    let every = (counts.len() / 6).max(1);
    for i in (0..=counts.len()).step_by(every) {
        let v = start + width * i as f64;
        s.push_str(&format!(
            "<text class=\"tick\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
            num(x_of(v)),
            num(top + plot_h + 16.0),
            num(v)
        ));
    }
    for (k, m) in markers.iter().enumerate() {
        if m.at < start || m.at > end {
            continue;
        }
        let x = x_of(m.at);
        s.push_str(&format!(
            "<line class=\"marker\" x1=\"{x}\" y1=\"{}\" x2=\"{x}\" y2=\"{}\"/><text class=\"marker-label\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
            num(top - 4.0 + 10.0 * (k % 2) as f64),
            num(top + plot_h),
            num(x),
            num(top - 8.0 + 10.0 * (k % 2) as f64),
            escape(&m.label),
            x = num(x),
        ));
    }
    s.push_str("</svg>");
    s
}

/// Curves on the unit square (ROC, cumulative gains): each point one
/// circle, with the diagonal of a random order for reference.
pub fn curves(
    title: &str,
    x_label: &str,
    y_label: &str,
    series: &[(&str, &[(f64, f64)])],
) -> String {
    let (left, right, top, bottom) = (48.0, 150.0, 12.0, 40.0);
    let height = 320.0;
    let plot_w = WIDTH - left - right;
    let plot_h = height - top - bottom;
    let x_of = |v: f64| left + v.clamp(0.0, 1.0) * plot_w;
    let y_of = |v: f64| top + (1.0 - v.clamp(0.0, 1.0)) * plot_h;
    let mut s = open(title, height);
    s.push_str(&format!(
        "<rect class=\"frame\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"/><line class=\"diagonal\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"/>",
        num(left),
        num(top),
        num(plot_w),
        num(plot_h),
        num(x_of(0.0)),
        num(y_of(0.0)),
        num(x_of(1.0)),
        num(y_of(1.0))
    ));
    for v in [0.0, 0.5, 1.0] {
        s.push_str(&format!(
            "<text class=\"tick\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}%</text><text class=\"tick\" x=\"{}\" y=\"{}\" text-anchor=\"end\">{}%</text>",
            num(x_of(v)),
            num(top + plot_h + 14.0),
            num(v * 100.0),
            num(left - 4.0),
            num(y_of(v) + 4.0),
            num(v * 100.0)
        ));
    }
    s.push_str(&format!(
        "<text class=\"axis-label\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text><text class=\"axis-label\" x=\"12\" y=\"{}\" text-anchor=\"middle\" transform=\"rotate(-90 12 {})\">{}</text>",
        num(left + plot_w / 2.0),
        num(height - 6.0),
        escape(x_label),
        num(top + plot_h / 2.0),
        num(top + plot_h / 2.0),
        escape(y_label)
    ));
    for (k, (name, points)) in series.iter().enumerate() {
        let path: Vec<String> = points
            .iter()
            .map(|(x, y)| format!("{},{}", num(x_of(*x)), num(y_of(*y))))
            .collect();
        s.push_str(&format!(
            "<polyline class=\"curve c{k}\" points=\"{}\"/>",
            path.join(" ")
        ));
        for (x, y) in points.iter() {
            s.push_str(&format!(
                "<circle class=\"point c{k}\" cx=\"{}\" cy=\"{}\" r=\"2.5\"><title>{}: {}%, {}%</title></circle>",
                num(x_of(*x)),
                num(y_of(*y)),
                escape(name),
                num(x * 100.0),
                num(y * 100.0)
            ));
        }
        let ly = top + 14.0 + 18.0 * k as f64;
        s.push_str(&format!(
            "<line class=\"curve c{k}\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"/><text class=\"legend\" x=\"{}\" y=\"{}\">{}</text>",
            num(left + plot_w + 10.0),
            num(ly - 4.0),
            num(left + plot_w + 28.0),
            num(ly - 4.0),
            num(left + plot_w + 32.0),
            num(ly),
            escape(&short(name, 18))
        ));
    }
    s.push_str("</svg>");
    s
}

/// A matrix as a heat map: one `rect.cell` per cell, darker for larger
/// counts, each with its count written in it; rows and columns labelled.
pub fn heatmap(title: &str, rows: &[String], columns: &[String], counts: &[Vec<u64>]) -> String {
    let (left, top) = (130.0, 46.0);
    let cell_h = 30.0;
    let n_cols = columns.len().max(1) as f64;
    let cell_w = ((WIDTH - left - 8.0) / n_cols).min(110.0);
    let height = top + cell_h * rows.len().max(1) as f64 + 8.0;
    let max = counts.iter().flatten().copied().max().unwrap_or(0).max(1) as f64;
    let mut s = open(title, height);
    s.push_str(&format!(
        "<text class=\"axis-label\" x=\"{}\" y=\"14\">after →</text><text class=\"axis-label\" x=\"4\" y=\"{}\">before ↓</text>",
        num(left),
        num(top - 8.0)
    ));
    for (j, c) in columns.iter().enumerate() {
        s.push_str(&format!(
            "<text class=\"tick\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
            num(left + cell_w * (j as f64 + 0.5)),
            num(top - 8.0),
            escape(&short(c, 14))
        ));
    }
    for (i, r) in rows.iter().enumerate() {
        let y = top + cell_h * i as f64;
        s.push_str(&format!(
            "<text class=\"label\" x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>",
            num(left - 8.0),
            num(y + cell_h * 0.62),
            escape(&short(r, 18))
        ));
        for (j, c) in columns.iter().enumerate() {
            let n = counts
                .get(i)
                .and_then(|row| row.get(j))
                .copied()
                .unwrap_or(0);
            // Counts on the diagonal (same label) stay; the rest moved.
            let class = if r == c { "cell stay" } else { "cell move" };
            let shade = if n == 0 {
                0.0
            } else {
                0.15 + 0.85 * n as f64 / max
            };
            let x = left + cell_w * j as f64;
            s.push_str(&format!(
                "<rect class=\"{class}\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill-opacity=\"{:.2}\"><title>{} → {}: {n}</title></rect>",
                num(x + 1.0),
                num(y + 1.0),
                num(cell_w - 2.0),
                num(cell_h - 2.0),
                shade,
                escape(r),
                escape(c)
            ));
            if n > 0 {
                s.push_str(&format!(
                    "<text class=\"{}\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{n}</text>",
                    if shade > 0.55 { "count light" } else { "count" },
                    num(x + cell_w / 2.0),
                    num(y + cell_h * 0.62)
                ));
            }
        }
    }
    s.push_str("</svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_rect_per_segment_and_scaled_to_the_largest() {
        let rows = vec![
            Bar::one("a", 10.0, "tier", "10".into()),
            Bar {
                label: "b".into(),
                segments: vec![
                    Segment {
                        value: 3.0,
                        class: "fired",
                    },
                    Segment {
                        value: 2.0,
                        class: "unknown",
                    },
                ],
                note: "5".into(),
                interval: None,
            },
        ];
        let svg = bars("t", &rows, 0.0);
        assert_eq!(svg.matches("<rect class=\"bar").count(), 3);
        // The largest bar spans the plot: 640 - 170 - 40 (room for a short
        // note) = 430 units.
        assert!(svg.contains("width=\"430\""));
        assert!(svg.contains("width=\"129\"") && svg.contains("width=\"86\""));
    }

    #[test]
    fn labels_and_titles_are_escaped() {
        let svg = bars(
            "<script>",
            &[Bar::one("<b>&", 1.0, "tier", "\"x\"".into())],
            0.0,
        );
        assert!(!svg.contains("<script>") && !svg.contains("<b>"));
        assert!(svg.contains("&lt;b&gt;&amp;") && svg.contains("&quot;x&quot;"));
    }

    #[test]
    fn histogram_bars_and_markers() {
        let svg = histogram(
            "h",
            0.0,
            10.0,
            &[1, 0, 4],
            &[
                Marker {
                    at: 20.0,
                    label: "A".into(),
                },
                Marker {
                    at: 99.0,
                    label: "off the scale".into(),
                },
            ],
        );
        assert_eq!(svg.matches("<rect class=\"bar").count(), 3);
        assert_eq!(svg.matches("class=\"marker\"").count(), 1);
        // The tallest bin fills the plot (240 - 28 - 30 = 182 units).
        assert!(svg.contains("height=\"182\""));
    }

    #[test]
    fn heatmap_has_a_cell_per_pair() {
        let rows = vec!["A".to_string(), "B".to_string()];
        let cols = vec!["A".to_string(), "B".to_string(), "excluded".to_string()];
        let svg = heatmap("m", &rows, &cols, &[vec![5, 1, 0], vec![0, 2, 3]]);
        assert_eq!(svg.matches("<rect class=\"cell").count(), 6);
        assert_eq!(svg.matches("<rect class=\"cell stay").count(), 2);
        // The largest count is the darkest; an empty cell is blank.
        assert!(svg.contains("fill-opacity=\"1.00\"><title>A → A: 5"));
        assert!(svg.contains("fill-opacity=\"0.00\"><title>A → excluded: 0"));
    }

    #[test]
    fn curves_have_a_point_per_pair() {
        let pts = [(0.0, 0.0), (0.5, 0.8), (1.0, 1.0)];
        let svg = curves("roc", "x", "y", &[("score", &pts)]);
        assert_eq!(svg.matches("<circle class=\"point").count(), 3);
    }
}
