//! The intermediate document both readers fill and the recogniser consumes: paragraphs with
//! their heading level and numbering, and tables as grids of cells with spans.

/// Metadata the page or file states about the report (all optional).
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Meta {
    pub title: Option<String>,
    /// 发布日期 as `YYYY-MM-DD`.
    pub published: Option<String>,
    pub index_number: Option<String>,
    /// 发布机构.
    pub publisher: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Paragraph {
    /// Text as printed (numbering included when the source numbers it automatically).
    pub text: String,
    /// 1–6 when the source marks the paragraph as a heading.
    pub heading: Option<u8>,
}

/// A source cell: its text and how many grid columns and rows it covers.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceCell {
    pub text: String,
    pub colspan: usize,
    pub rowspan: usize,
}

impl SourceCell {
    pub fn new(text: impl Into<String>) -> Self {
        SourceCell {
            text: text.into(),
            colspan: 1,
            rowspan: 1,
        }
    }
}

/// A table as the source wrote it: rows of cells with spans.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Table {
    pub rows: Vec<Vec<SourceCell>>,
}

/// Limits that keep a hostile table from costing unbounded memory.
pub const MAX_SPAN: usize = 200;
pub const MAX_GRID_CELLS: usize = 200_000;

/// A table laid out on its grid: every position names the source cell covering it.
#[derive(Debug, Clone)]
pub struct Grid {
    /// `slots[r][c]` = (row, index) of the source cell covering it.
    pub slots: Vec<Vec<Option<(usize, usize)>>>,
    pub width: usize,
}

impl Table {
    /// Lay the cells out on a grid, honouring colspan and rowspan (both clamped).
    pub fn grid(&self) -> Grid {
        let mut slots: Vec<Vec<Option<(usize, usize)>>> = Vec::new();
        let mut width = 0;
        let mut cells = 0usize;
        for (r, row) in self.rows.iter().enumerate() {
            while slots.len() <= r {
                slots.push(Vec::new());
            }
            let mut c = 0;
            for (i, cell) in row.iter().enumerate() {
                while slots[r].get(c).is_some_and(|s| s.is_some()) {
                    c += 1;
                }
                let cs = cell.colspan.clamp(1, MAX_SPAN);
                let rs = cell.rowspan.clamp(1, MAX_SPAN).min(self.rows.len() - r);
                cells += cs * rs;
                if cells > MAX_GRID_CELLS {
                    break;
                }
                for rr in r..r + rs {
                    while slots.len() <= rr {
                        slots.push(Vec::new());
                    }
                    let line = &mut slots[rr];
                    if line.len() < c + cs {
                        line.resize(c + cs, None);
                    }
                    for slot in &mut line[c..c + cs] {
                        if slot.is_none() {
                            *slot = Some((r, i));
                        }
                    }
                }
                c += cs;
            }
        }
        for line in &slots {
            width = width.max(line.len());
        }
        for line in &mut slots {
            line.resize(width, None);
        }
        Grid { slots, width }
    }

    pub fn cell(&self, at: (usize, usize)) -> &SourceCell {
        &self.rows[at.0][at.1]
    }

    /// Every cell's text, for heuristics.
    pub fn text(&self) -> String {
        let mut s = String::new();
        for row in &self.rows {
            for c in row {
                s.push_str(&c.text);
                s.push(' ');
            }
        }
        s
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    Para(Paragraph),
    Table(Table),
}

/// A document as read from .docx or .html.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Document {
    pub meta: Meta,
    pub blocks: Vec<Block>,
}

impl Document {
    pub fn para(&mut self, text: impl Into<String>, heading: Option<u8>) {
        let text = super::text::clean_line(&text.into());
        if !text.is_empty() {
            self.blocks.push(Block::Para(Paragraph { text, heading }));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(t: &str, cs: usize, rs: usize) -> SourceCell {
        SourceCell {
            text: t.into(),
            colspan: cs,
            rowspan: rs,
        }
    }

    #[test]
    fn grid_places_spans() {
        let t = Table {
            rows: vec![
                vec![cell("a", 1, 2), cell("b", 2, 1)],
                vec![cell("c", 1, 1), cell("d", 1, 1)],
            ],
        };
        let g = t.grid();
        assert_eq!(g.width, 3);
        assert_eq!(g.slots[1][0], Some((0, 0)));
        assert_eq!(g.slots[1][1], Some((1, 0)));
        assert_eq!(g.slots[1][2], Some((1, 1)));
    }

    #[test]
    fn hostile_spans_are_bounded() {
        let t = Table {
            rows: vec![vec![cell("x", 1_000_000, 1_000_000)]; 3],
        };
        let g = t.grid();
        assert!(g.width <= MAX_SPAN * 3);
        assert!(g.slots.len() <= 3);
    }
}
