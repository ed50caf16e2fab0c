//! Table values as loaded from tables.toml.

use super::def::{FormatDef, TableDef};
use std::ops::Range;

/// The value of one cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Int(i64),
    /// A decimal amount, kept as written (`0.35`, `12.5`) so it prints exactly.
    Decimal(String),
    /// `""`: a blank cell, as printed.
    Blank,
    /// Any other text, shown verbatim (`"/"`, `"22（其中修订 16 件）"`).
    Text(String),
}

impl Value {
    /// The cell as printed.
    pub fn display(&self) -> String {
        match self {
            Value::Int(i) => i.to_string(),
            Value::Decimal(s) | Value::Text(s) => s.clone(),
            Value::Blank => String::new(),
        }
    }

    /// The value the arithmetic rules use: blanks count as 0; text has none.
    pub fn rule_value(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            Value::Blank => Some(0),
            Value::Decimal(_) | Value::Text(_) => None,
        }
    }

    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Value::Int(i) => serde_json::Value::from(*i),
            Value::Decimal(s) => s
                .parse::<f64>()
                .ok()
                .and_then(serde_json::Number::from_f64)
                .map(serde_json::Value::Number)
                .unwrap_or_else(|| serde_json::Value::String(s.clone())),
            Value::Blank => serde_json::Value::String(String::new()),
            Value::Text(s) => serde_json::Value::String(s.clone()),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    pub value: Value,
    /// Byte range in tables.toml; None for computed cells.
    pub span: Option<Range<usize>>,
    /// Filled in by nianbao (an omitted 总计), not written by the author.
    pub computed: bool,
}

impl Cell {
    pub fn new(value: Value, span: Option<Range<usize>>) -> Self {
        Cell {
            value,
            span,
            computed: false,
        }
    }
    pub fn computed(value: Value) -> Self {
        Cell {
            value,
            span: None,
            computed: true,
        }
    }
}

/// One data row of a national table: a cell per column of its definition.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub cells: Vec<Cell>,
    /// Where the row's key is written (None if the whole row was computed).
    pub span: Option<Range<usize>>,
}

/// A national table's values, aligned with its definition's rows.
#[derive(Debug, Clone)]
pub struct TableData {
    pub def: &'static TableDef,
    pub rows: Vec<Row>,
    /// Where `[active]` etc. is written.
    pub span: Option<Range<usize>>,
}

impl TableData {
    pub fn row(&self, key: &str) -> Option<&Row> {
        self.def.row_index(key).map(|i| &self.rows[i])
    }
}

/// A custom table cell: a value and how many columns/rows it spans.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomCell {
    pub value: Value,
    pub colspan: u32,
    pub rowspan: u32,
    pub span: Option<Range<usize>>,
}

#[derive(Debug, Clone)]
pub struct CustomTable {
    pub title: String,
    pub header: Vec<Vec<CustomCell>>,
    pub rows: Vec<Vec<CustomCell>>,
}

/// Every table of one report.
#[derive(Debug, Clone)]
pub enum ReportTables {
    National {
        format: &'static FormatDef,
        tables: Vec<TableData>,
    },
    Custom(Vec<CustomTable>),
}

impl ReportTables {
    pub fn format_id(&self) -> &'static str {
        match self {
            ReportTables::National { format, .. } => format.id,
            ReportTables::Custom(_) => "custom",
        }
    }

    pub fn national(&self, key: &str) -> Option<&TableData> {
        match self {
            ReportTables::National { tables, .. } => tables.iter().find(|t| t.def.key == key),
            ReportTables::Custom(_) => None,
        }
    }

    /// The tables as JSON, mirroring tables.toml with computed cells filled in.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::{Map, Value as J};
        match self {
            ReportTables::National { tables, .. } => {
                let mut out = Map::new();
                for t in tables {
                    let mut obj = Map::new();
                    for (i, (rd, row)) in t.def.rows().iter().zip(&t.rows).enumerate() {
                        let mut cells = row.cells.iter().map(|c| c.value.to_json());
                        // a single-column block of table 二 is a scalar in tables.toml
                        let v = if t.def.columns_of(i).len() == 1 {
                            cells.next().unwrap_or(J::Null)
                        } else {
                            J::Array(cells.collect())
                        };
                        insert_dotted(&mut obj, rd.key, v);
                    }
                    out.insert(t.def.key.to_string(), J::Object(obj));
                }
                J::Object(out)
            }
            ReportTables::Custom(tables) => {
                let cell = |c: &CustomCell| {
                    if c.colspan == 1 && c.rowspan == 1 {
                        c.value.to_json()
                    } else {
                        let mut m = Map::new();
                        m.insert("text".into(), J::String(c.value.display()));
                        if c.colspan != 1 {
                            m.insert("colspan".into(), J::from(c.colspan));
                        }
                        if c.rowspan != 1 {
                            m.insert("rowspan".into(), J::from(c.rowspan));
                        }
                        J::Object(m)
                    }
                };
                let grid = |rows: &Vec<Vec<CustomCell>>| {
                    J::Array(
                        rows.iter()
                            .map(|r| J::Array(r.iter().map(cell).collect()))
                            .collect(),
                    )
                };
                J::Array(
                    tables
                        .iter()
                        .map(|t| {
                            serde_json::json!({
                                "title": t.title,
                                "header": grid(&t.header),
                                "rows": grid(&t.rows),
                            })
                        })
                        .collect(),
                )
            }
        }
    }
}

impl ReportTables {
    /// The SHA-256 of the tables' values alone: the format, every cell (its value and whether
    /// nianbao computed it) and the custom tables' titles and spans. Every page and data file
    /// shows tables.toml through these, so the pages are kept under this hash, and a comment
    /// or a change of layout in the file (which moves only the byte ranges kept for the
    /// diagnostics) renders nothing again.
    pub fn values_sha256(&self) -> [u8; 32] {
        use sha2::{Digest, Sha256};
        /// Each field with its length first, so that no two sets of values write the same
        /// bytes.
        struct W(Sha256);
        impl W {
            fn bytes(&mut self, b: &[u8]) {
                self.0.update((b.len() as u64).to_le_bytes());
                self.0.update(b);
            }
            fn len(&mut self, n: usize) {
                self.0.update((n as u64).to_le_bytes());
            }
            fn value(&mut self, v: &Value) {
                match v {
                    Value::Int(i) => {
                        self.0.update([0]);
                        self.0.update(i.to_le_bytes());
                    }
                    Value::Decimal(s) => {
                        self.0.update([1]);
                        self.bytes(s.as_bytes());
                    }
                    Value::Blank => self.0.update([2]),
                    Value::Text(s) => {
                        self.0.update([3]);
                        self.bytes(s.as_bytes());
                    }
                }
            }
            fn grid(&mut self, rows: &[Vec<CustomCell>]) {
                self.len(rows.len());
                for row in rows {
                    self.len(row.len());
                    for c in row {
                        self.value(&c.value);
                        self.0.update(c.colspan.to_le_bytes());
                        self.0.update(c.rowspan.to_le_bytes());
                    }
                }
            }
        }
        let mut w = W(Sha256::new());
        w.bytes(self.format_id().as_bytes());
        match self {
            ReportTables::National { tables, .. } => {
                w.len(tables.len());
                for t in tables {
                    w.bytes(t.def.key.as_bytes());
                    w.len(t.rows.len());
                    for row in &t.rows {
                        w.len(row.cells.len());
                        for c in &row.cells {
                            w.value(&c.value);
                            w.0.update([u8::from(c.computed)]);
                        }
                    }
                }
            }
            ReportTables::Custom(tables) => {
                w.len(tables.len());
                for t in tables {
                    w.bytes(t.title.as_bytes());
                    w.grid(&t.header);
                    w.grid(&t.rows);
                }
            }
        }
        w.0.finalize().into()
    }
}

fn insert_dotted(
    obj: &mut serde_json::Map<String, serde_json::Value>,
    key: &str,
    v: serde_json::Value,
) {
    match key.split_once('.') {
        None => {
            obj.insert(key.to_string(), v);
        }
        Some((head, rest)) => {
            let entry = obj
                .entry(head.to_string())
                .or_insert_with(|| serde_json::Value::Object(Default::default()));
            if let serde_json::Value::Object(inner) = entry {
                insert_dotted(inner, rest, v);
            }
        }
    }
}
