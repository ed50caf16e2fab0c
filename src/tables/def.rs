//! The shape of a national table format, as data.
//!
//! A [`FormatDef`] lists its tables; each [`TableDef`] lists its columns, its rows (with their
//! TOML keys and official labels, grouped as the printed form groups them) and the arithmetic
//! rules that hold between its cells. Parsing, checking, HTML and every export read these
//! definitions; nothing else spells out a label.

/// What a cell of a column may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CellKind {
    /// A non-negative integer count.
    Count,
    /// An integer that may be negative (本年增/减).
    SignedCount,
    /// A non-negative decimal amount (收费金额, 采购总金额).
    Amount,
}

#[derive(Debug)]
pub struct ColumnDef {
    /// Official column label.
    pub label: &'static str,
    pub kind: CellKind,
}

/// A row of data: the TOML key, the official label and, for nested rows, the labels of the
/// groups it sits in (outermost first), e.g. `["三、本年度办理结果", "（三）不予公开"]`.
#[derive(Debug)]
pub struct RowDef {
    pub key: &'static str,
    pub label: &'static str,
    pub groups: &'static [&'static str],
    /// May be omitted in tables.toml: it is then computed (see [`Computed`]).
    pub computed: Option<Computed>,
}

/// How an omitted row or cell is computed from the others.
#[derive(Debug, Clone, Copy)]
pub enum Computed {
    /// Per column: the sum of these rows.
    SumOfRows(&'static [&'static str]),
}

/// A block of table 二: the article it implements, its column labels and its rows. Every row
/// of a block has one value per column; a single-column block is written as a scalar in TOML.
#[derive(Debug)]
pub struct BlockDef {
    pub article: &'static str,
    pub columns: &'static [ColumnDef],
    pub rows: &'static [RowDef],
}

/// A column group of a grid table's header: a label spanning columns `start..end`, and the
/// groups nested inside it.
#[derive(Debug)]
pub struct HeaderGroup {
    pub label: &'static str,
    pub start: usize,
    pub end: usize,
}

/// The layout of a table.
#[derive(Debug)]
pub enum Layout {
    /// Table 二: stacked blocks, each with its own header row.
    Blocks(&'static [BlockDef]),
    /// Table 三: rows × applicant columns, with a caption cell and a two-level column header.
    Grid {
        /// The 勾稽关系 note printed in the header's corner cell.
        corner: &'static str,
        /// Header groups over the columns, outermost first (申请人情况, then 法人或其他组织).
        column_groups: &'static [HeaderGroup],
        columns: &'static [ColumnDef],
        rows: &'static [RowDef],
        /// Rows may be written without their last (total) column, which is then computed.
        total_column: Option<usize>,
    },
    /// Table 四: each TOML row is one column group of the single printed data row.
    Strip {
        /// The label groups the rows sit under (行政诉讼 over its two rows); top-level rows have
        /// no group.
        columns: &'static [ColumnDef],
        rows: &'static [RowDef],
        total_column: Option<usize>,
    },
}

/// An arithmetic rule between cells of one table.
#[derive(Debug)]
pub enum RuleKind {
    /// In every row (of `rows`, or all rows if empty): cell `total` = sum of cells `parts`.
    RowSum {
        rows: &'static [&'static str],
        total: usize,
        parts: &'static [usize],
    },
    /// In every column: the sum of rows `lhs` = the sum of rows `rhs`.
    ColumnSum {
        lhs: &'static [&'static str],
        rhs: &'static [&'static str],
    },
}

#[derive(Debug)]
pub struct RuleDef {
    pub id: &'static str,
    /// What `expected` means, for messages: 「六类申请人之和」.
    pub explain: &'static str,
    pub kind: RuleKind,
}

#[derive(Debug)]
pub struct TableDef {
    /// The TOML table name: `active`, `applications`, `appeals`.
    pub key: &'static str,
    /// 「二」, 「三」, 「四」: the table's number, which is also its section's.
    pub number: &'static str,
    /// The section heading the table belongs under.
    pub section: &'static str,
    /// The section's number (2, 3 or 4).
    pub section_index: usize,
    pub layout: Layout,
    pub rules: &'static [RuleDef],
}

impl TableDef {
    /// `表三`
    pub fn name(&self) -> String {
        format!("表{}", self.number)
    }

    /// Every data row, in printed order (for blocks: block by block).
    pub fn rows(&self) -> Vec<&'static RowDef> {
        match &self.layout {
            Layout::Blocks(blocks) => blocks.iter().flat_map(|b| b.rows.iter()).collect(),
            Layout::Grid { rows, .. } | Layout::Strip { rows, .. } => rows.iter().collect(),
        }
    }

    /// The columns of a row, by row index.
    pub fn columns_of(&self, row: usize) -> &'static [ColumnDef] {
        match &self.layout {
            Layout::Blocks(blocks) => {
                let mut i = row;
                for b in *blocks {
                    if i < b.rows.len() {
                        return b.columns;
                    }
                    i -= b.rows.len();
                }
                &[]
            }
            Layout::Grid { columns, .. } | Layout::Strip { columns, .. } => columns,
        }
    }

    pub fn row_index(&self, key: &str) -> Option<usize> {
        self.rows().iter().position(|r| r.key == key)
    }

    /// The column that may be left out of a row and computed.
    pub fn total_column(&self) -> Option<usize> {
        match &self.layout {
            Layout::Blocks(_) => None,
            Layout::Grid { total_column, .. } | Layout::Strip { total_column, .. } => *total_column,
        }
    }

    /// The full label of a row, groups included: 「（三）不予公开 1.属于国家秘密」 is reported as
    /// 「1.属于国家秘密」 with its group in front when the item label alone is ambiguous.
    pub fn row_label(&self, row: usize) -> String {
        let r = self.rows()[row];
        match r.groups.last() {
            Some(g) if r.label.starts_with(|c: char| c.is_ascii_digit()) => {
                format!("{g}{}", r.label)
            }
            _ => r.label.to_string(),
        }
    }
}

#[derive(Debug)]
pub struct FormatDef {
    /// The `format` value in tables.toml.
    pub id: &'static str,
    /// The document that published the format.
    pub document: &'static str,
    pub tables: &'static [TableDef],
}

impl FormatDef {
    pub fn table(&self, key: &str) -> Option<&'static TableDef> {
        self.tables.iter().find(|t| t.key == key)
    }
}
