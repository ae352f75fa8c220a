//! Where figures go on an office page. A figure is an image that cannot break across
//! pages, so Word moves one that does not fit to the next page and leaves the rest of the
//! page empty. With the report's fixed line heights (GB/T 9704: 28 pt lines) the height
//! of every block can be estimated, and a figure that would leave more than a fifth of a
//! page empty waits instead, while the text and tables after it flow on (as LaTeX floats
//! do); it is placed as soon as it fits, at the latest before the next first-level
//! heading (它可以越过一个二级标题，说明文字以“图N”和题目标明所属). Figures keep their
//! order, so 图N stays in sequence.

use super::Block;

/// Points of the text area: 297 − 37 − 35 mm high, 210 − 28 − 26 mm wide.
pub const PAGE_PT: f64 = 225.0 / 25.4 * 72.0;
pub const TEXT_PT: f64 = 156.0 / 25.4 * 72.0;
/// Space a figure may leave empty at the foot of a page rather than wait.
const TOLERATED: f64 = PAGE_PT / 5.0;

/// Width of `s` in points at `size`: wide (CJK, full-width) characters one em, others
/// half (their display width, as the terminal tables measure it).
fn text_width(s: &str, size: f64) -> f64 {
    unicode_width::UnicodeWidthStr::width(s) as f64 * size / 2.0
}

/// Lines `s` takes at `size` in `width` points, after a first-line indent.
pub fn lines(s: &str, size: f64, width: f64, indent: f64) -> f64 {
    ((text_width(s, size) + indent) / width).ceil().max(1.0)
}

/// Estimated height of a block in points; `figure` is the printed height of a figure.
pub fn height(b: &Block, figure: f64) -> f64 {
    match b {
        Block::H1(s) | Block::H2(s) | Block::P(s) => 28.0 * lines(s, 16.0, TEXT_PT, 32.0),
        Block::Quote(s) => 28.0 * lines(s, 16.0, TEXT_PT - 32.0, 32.0),
        Block::Note(s) => 22.0 * lines(s, 12.0, TEXT_PT, 24.0),
        Block::Figure { .. } => figure + 24.0,
        Block::Table { head, rows, .. } => {
            let n = head.len().max(1);
            let first = if n > 1 { TEXT_PT * if n <= 4 { 0.45 } else { 0.30 } } else { TEXT_PT };
            let other = if n > 1 { (TEXT_PT - first) / (n - 1) as f64 } else { TEXT_PT };
            let row = |r: &Vec<String>| {
                r.iter().enumerate().map(|(c, v)| lines(v, 12.0, if c == 0 { first } else { other } - 10.0, 0.0)).fold(1.0, f64::max)
            };
            24.0 + 12.0 + 20.0 * (row(head) + rows.iter().map(row).sum::<f64>())
        }
    }
}

/// The order to print `blocks` in, given each figure's printed height (`figures[i]` for
/// block `i`; 0 for other blocks) and the points already used on the first page.
pub fn order(blocks: &[Block], figures: &[f64], used: f64) -> Vec<usize> {
    let mut page = Page { used };
    let mut out = Vec::with_capacity(blocks.len());
    let mut waiting: Vec<usize> = Vec::new();
    for (i, b) in blocks.iter().enumerate() {
        let h = height(b, figures[i]);
        match b {
            Block::Figure { .. } => {
                if waiting.is_empty() && page.left() - h > -0.5 || page.left() < TOLERATED || h > PAGE_PT {
                    page.whole(h);
                    out.push(i);
                } else {
                    waiting.push(i);
                }
            }
            Block::H1(_) | Block::H2(_) => {
                // Past a second-level heading only when the first waiting figure would
                // still leave this page more than a fifth empty; never past a first-level one.
                let keep = matches!(b, Block::H2(_))
                    && waiting.first().is_some_and(|&w| page.left() >= TOLERATED && page.left() < height(&blocks[w], figures[w]));
                if !keep {
                    for w in waiting.drain(..) {
                        page.whole(height(&blocks[w], figures[w]));
                        out.push(w);
                    }
                }
                // A heading is kept with its next line.
                if page.left() < h + 28.0 {
                    page.used = 0.0;
                }
                page.flow(h);
                out.push(i);
            }
            _ => {
                page.flow(h);
                out.push(i);
                while let Some(&w) = waiting.first() {
                    let hw = height(&blocks[w], figures[w]);
                    if page.left() < hw && page.left() >= TOLERATED {
                        break;
                    }
                    page.whole(hw);
                    out.push(w);
                    waiting.remove(0);
                }
            }
        }
    }
    out.extend(waiting);
    out
}

/// The running height of the current page.
struct Page {
    used: f64,
}

impl Page {
    fn left(&self) -> f64 {
        PAGE_PT - self.used
    }
    /// Text or a table: breaks across pages.
    fn flow(&mut self, h: f64) {
        self.used = (self.used + h) % PAGE_PT;
    }
    /// A figure: on this page if it fits, else at the top of the next.
    fn whole(&mut self, h: f64) {
        if h > self.left() {
            self.used = 0.0;
        }
        self.used = (self.used + h).min(PAGE_PT);
        if self.used >= PAGE_PT - 0.5 {
            self.used = 0.0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::charts::Spec;

    fn fig() -> Block {
        Block::Figure { caption: "图".into(), spec: Spec::Histogram { title: String::new(), caption: String::new(), bins: vec![] } }
    }

    #[test]
    fn a_figure_that_does_not_fit_waits_for_the_text_of_its_section() {
        // Page two-thirds full, a figure of half a page, then a paragraph and a heading.
        let blocks = vec![fig(), Block::P("字".repeat(100)), Block::H2("（二）".into())];
        let got = order(&blocks, &[PAGE_PT / 2.0, 0.0, 0.0], PAGE_PT * 2.0 / 3.0);
        assert_eq!(got, [1, 0, 2]);
        // On an empty page it stays where it is.
        assert_eq!(order(&blocks, &[PAGE_PT / 2.0, 0.0, 0.0], 0.0), [0, 1, 2]);
    }

    #[test]
    fn figures_keep_their_order_and_none_passes_a_first_level_heading() {
        let blocks = vec![fig(), fig(), Block::H1("二、".into()), Block::P("字".into())];
        let got = order(&blocks, &[PAGE_PT / 2.0, PAGE_PT / 10.0, 0.0, 0.0], PAGE_PT * 0.6);
        assert_eq!(got, [0, 1, 2, 3]);
        // A second-level heading and its text may come first.
        let blocks = vec![fig(), fig(), Block::H2("（二）".into()), Block::P("字".into())];
        let got = order(&blocks, &[PAGE_PT / 2.0, PAGE_PT / 10.0, 0.0, 0.0], PAGE_PT * 0.6);
        assert_eq!(got, [2, 3, 0, 1]);
    }

    #[test]
    fn paragraph_heights_follow_the_28_point_line() {
        // 27 characters of 16 pt fill a 442 pt line after the 2-character indent: 2 lines.
        assert_eq!(height(&Block::P("字".repeat(27)), 0.0), 56.0);
        assert_eq!(height(&Block::P("字".repeat(25)), 0.0), 28.0);
    }
}
