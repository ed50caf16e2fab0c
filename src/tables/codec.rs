//! A report's tables as compact bytes, and back: how `build` and `check` keep the tables they
//! parsed between runs (see [`crate::content::kept`]), so that an unchanged tables.toml is not
//! parsed again. Integers are LEB128 (signed ones zigzagged), text is its length then its
//! UTF-8, an optional byte range is `0` or `1` and its two ends; a national table is named by
//! its key, and its rows and cells follow its definition's. [`decode`] reads only what
//! [`encode`] writes: anything else (cut short, garbled, a table or shape the format does not
//! have) gives None, never a panic, and the caller parses the file instead.

use super::def::FormatDef;
use super::model::{Cell, CustomCell, CustomTable, ReportTables, Row, TableData, Value};
use super::national;
use super::parse::MAX_SPAN;
use std::ops::Range;

const NATIONAL: u8 = 0;
const CUSTOM: u8 = 1;

/// Append `tables` to `out`.
pub fn encode(tables: &ReportTables, out: &mut Vec<u8>) {
    let mut w = Writer(out);
    match tables {
        ReportTables::National { format, tables } => {
            w.byte(NATIONAL);
            w.text(format.id);
            w.uint(tables.len() as u64);
            for t in tables {
                w.text(t.def.key);
                w.range(&t.span);
                w.uint(t.rows.len() as u64);
                for row in &t.rows {
                    w.range(&row.span);
                    w.uint(row.cells.len() as u64);
                    for c in &row.cells {
                        w.value(&c.value);
                        w.range(&c.span);
                        w.byte(u8::from(c.computed));
                    }
                }
            }
        }
        ReportTables::Custom(tables) => {
            w.byte(CUSTOM);
            w.uint(tables.len() as u64);
            for t in tables {
                w.text(&t.title);
                w.grid(&t.header);
                w.grid(&t.rows);
            }
        }
    }
}

/// The tables [`encode`] wrote as `bytes` (all of them, nothing after); None for anything else.
pub fn decode(bytes: &[u8]) -> Option<ReportTables> {
    let mut r = Reader(bytes);
    let tables = match r.byte()? {
        NATIONAL => {
            let format: &'static FormatDef = national::by_id(&r.text()?)?;
            let tables = r.list(|r, _| {
                let def = format.table(&r.text()?)?;
                let span = r.range()?;
                // a row per row of the definition, a cell per column of the row
                let rows = r
                    .list(|r, i| {
                        let span = r.range()?;
                        let cells = r
                            .list(|r, _| {
                                Some(Cell {
                                    value: r.value()?,
                                    span: r.range()?,
                                    computed: r.flag()?,
                                })
                            })
                            .filter(|c| c.len() == def.columns_of(i).len())?;
                        Some(Row { cells, span })
                    })
                    .filter(|rows| rows.len() == def.rows().len())?;
                Some(TableData { def, rows, span })
            })?;
            ReportTables::National { format, tables }
        }
        CUSTOM => ReportTables::Custom(r.list(|r, _| {
            Some(CustomTable {
                title: r.text()?,
                header: r.grid()?,
                rows: r.grid()?,
            })
        })?),
        _ => return None,
    };
    r.0.is_empty().then_some(tables)
}

struct Writer<'a>(&'a mut Vec<u8>);

impl Writer<'_> {
    fn byte(&mut self, b: u8) {
        self.0.push(b);
    }

    fn uint(&mut self, mut n: u64) {
        loop {
            let low = (n & 0x7f) as u8;
            n >>= 7;
            if n == 0 {
                self.0.push(low);
                return;
            }
            self.0.push(low | 0x80);
        }
    }

    fn text(&mut self, s: &str) {
        self.uint(s.len() as u64);
        self.0.extend_from_slice(s.as_bytes());
    }

    fn range(&mut self, r: &Option<Range<usize>>) {
        match r {
            None => self.byte(0),
            Some(r) => {
                self.byte(1);
                self.uint(r.start as u64);
                self.uint(r.end as u64);
            }
        }
    }

    fn value(&mut self, v: &Value) {
        match v {
            Value::Int(i) => {
                self.byte(0);
                // zigzag: small negative numbers stay short
                self.uint(((i << 1) ^ (i >> 63)) as u64);
            }
            Value::Decimal(s) => {
                self.byte(1);
                self.text(s);
            }
            Value::Blank => self.byte(2),
            Value::Text(s) => {
                self.byte(3);
                self.text(s);
            }
        }
    }

    fn grid(&mut self, rows: &[Vec<CustomCell>]) {
        self.uint(rows.len() as u64);
        for row in rows {
            self.uint(row.len() as u64);
            for c in row {
                self.value(&c.value);
                self.uint(u64::from(c.colspan));
                self.uint(u64::from(c.rowspan));
                self.range(&c.span);
            }
        }
    }
}

struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn byte(&mut self) -> Option<u8> {
        let (&b, rest) = self.0.split_first()?;
        self.0 = rest;
        Some(b)
    }

    fn flag(&mut self) -> Option<bool> {
        match self.byte()? {
            0 => Some(false),
            1 => Some(true),
            _ => None,
        }
    }

    fn uint(&mut self) -> Option<u64> {
        let mut n = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            let bits = u64::from(b & 0x7f);
            // the tenth byte holds the last bit of 64 and nothing more
            if shift == 63 && bits > 1 {
                return None;
            }
            n |= bits << shift;
            if b & 0x80 == 0 {
                // written shortest: no last byte of 0 after the first
                return (b != 0 || shift == 0).then_some(n);
            }
        }
        None
    }

    /// A count of things still to read: never more than the bytes left (each takes one at
    /// least), so that a garbled count cannot ask for a huge allocation.
    fn len(&mut self) -> Option<usize> {
        let n = usize::try_from(self.uint()?).ok()?;
        (n <= self.0.len()).then_some(n)
    }

    fn u32(&mut self) -> Option<u32> {
        u32::try_from(self.uint()?).ok()
    }

    fn text(&mut self) -> Option<String> {
        let n = self.len()?;
        let (s, rest) = self.0.split_at(n);
        self.0 = rest;
        String::from_utf8(s.to_vec()).ok()
    }

    fn range(&mut self) -> Option<Option<Range<usize>>> {
        match self.byte()? {
            0 => Some(None),
            1 => {
                let start = usize::try_from(self.uint()?).ok()?;
                let end = usize::try_from(self.uint()?).ok()?;
                (start <= end).then_some(Some(start..end))
            }
            _ => None,
        }
    }

    fn value(&mut self) -> Option<Value> {
        Some(match self.byte()? {
            0 => {
                let z = self.uint()?;
                Value::Int(((z >> 1) as i64) ^ -((z & 1) as i64))
            }
            1 => Value::Decimal(self.text()?),
            2 => Value::Blank,
            3 => Value::Text(self.text()?),
            _ => return None,
        })
    }

    fn grid(&mut self) -> Option<Vec<Vec<CustomCell>>> {
        self.list(|r, _| {
            r.list(|r, _| {
                let value = r.value()?;
                let colspan = r.u32()?;
                let rowspan = r.u32()?;
                // as the parser allows them
                if !(1..=MAX_SPAN).contains(&colspan) || !(1..=MAX_SPAN).contains(&rowspan) {
                    return None;
                }
                Some(CustomCell {
                    value,
                    colspan,
                    rowspan,
                    span: r.range()?,
                })
            })
        })
    }

    /// A count, then that many items read by `item` (given each one's index).
    fn list<T>(&mut self, mut item: impl FnMut(&mut Self, usize) -> Option<T>) -> Option<Vec<T>> {
        let n = self.len()?;
        let mut out = Vec::with_capacity(n);
        for i in 0..n {
            out.push(item(self, i)?);
        }
        Some(out)
    }
}

/// Everything a report's tables hold, to compare two of them in tests (the model has no `==`:
/// a national table's definition is a reference).
#[cfg(test)]
pub(crate) fn show(t: &ReportTables) -> String {
    match t {
        ReportTables::National { format, tables } => {
            let mut s = format!("{} ", format.id);
            for t in tables {
                s += &format!("[{} {:?} {:?}]", t.def.key, t.span, t.rows);
            }
            s
        }
        ReportTables::Custom(tables) => tables
            .iter()
            .map(|t| format!("[{} {:?} {:?}]", t.title, t.header, t.rows))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::SourceFile;
    use crate::tables::parse_tables;
    use std::path::Path;

    fn round_trip(t: &ReportTables) -> Vec<u8> {
        let mut bytes = Vec::new();
        encode(t, &mut bytes);
        let back = decode(&bytes).expect("decoded");
        assert_eq!(show(&back), show(t));
        bytes
    }

    fn sample() -> String {
        std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("content/sixia/2024/tables.toml"),
        )
        .unwrap()
    }

    const CUSTOM_TOML: &str = r#"format = "custom"
[[tables]]
title = "政府信息公开情况统计表"
header = [["指标", "单位", "本年", "累计"]]
rows = [["主动公开", "件", 12, 340],
        [{ text = "其中：", rowspan = 2 }, "网站", "件", 0.5],
        ["政务微博", "", "/"],
        [{ text = "合计", colspan = 2 }, -3, 4]]
"#;

    /// The sample report's tables (format 2021) and a custom table with spans come back the
    /// same; every byte string short of the whole, or longer, is refused. (Both national
    /// formats, generated, are in `tables::proptests`.)
    #[test]
    fn parsed_tables_come_back_the_same() {
        let mut formats = Vec::new();
        for text in [sample(), CUSTOM_TOML.to_string()] {
            let src = SourceFile::new("tables.toml", text);
            let (Some(t), d) = parse_tables(&src, false) else {
                panic!("parses");
            };
            assert!(d.is_empty(), "{d:?}");
            formats.push(t.format_id());
            let bytes = round_trip(&t);
            for cut in 0..bytes.len() {
                assert!(decode(&bytes[..cut]).is_none(), "cut at {cut}");
            }
            let mut longer = bytes.clone();
            longer.push(0);
            assert!(decode(&longer).is_none());
        }
        assert_eq!(formats, ["2021", "custom"]);
    }

    #[test]
    fn numbers_and_ranges_at_their_limits() {
        let cells = [i64::MIN, -1, 0, 1, 63, 64, -64, -65, i64::MAX]
            .into_iter()
            .map(|i| CustomCell {
                value: Value::Int(i),
                colspan: MAX_SPAN,
                rowspan: 1,
                span: Some(0..usize::MAX),
            })
            .chain([
                CustomCell {
                    value: Value::Decimal("0.35".into()),
                    colspan: 1,
                    rowspan: 2,
                    span: None,
                },
                CustomCell {
                    value: Value::Text("22（其中修订 16 件）".into()),
                    colspan: 1,
                    rowspan: 1,
                    span: Some(5..5),
                },
                CustomCell {
                    value: Value::Blank,
                    colspan: 1,
                    rowspan: 1,
                    span: None,
                },
            ])
            .collect();
        let t = ReportTables::Custom(vec![CustomTable {
            title: "表".into(),
            header: vec![],
            rows: vec![cells, vec![]],
        }]);
        round_trip(&t);
    }

    /// What [`encode`] never writes is refused: a table the format does not have, a row
    /// count or cell count other than the definition's, a span of no column or of more than
    /// the parser allows, an unknown tag,
    /// an integer of more than 64 bits, text that is not UTF-8.
    #[test]
    fn what_was_never_written_is_refused() {
        let src = SourceFile::new("t.toml", sample());
        let (Some(mut t), _) = parse_tables(&src, false) else {
            panic!("the sample parses");
        };
        round_trip(&t);
        let ReportTables::National { tables, .. } = &mut t else {
            panic!("national");
        };
        tables[0].rows.pop();
        let mut bytes = Vec::new();
        encode(&t, &mut bytes);
        assert!(decode(&bytes).is_none(), "a row short");
        let ReportTables::National { tables, .. } = &mut t else {
            unreachable!()
        };
        let last = tables[0].rows[0].clone();
        tables[0].rows.push(last);
        tables[0].rows[0].cells.push(Cell::computed(Value::Blank));
        bytes.clear();
        encode(&t, &mut bytes);
        assert!(decode(&bytes).is_none(), "a cell too many");

        let zero_span = ReportTables::Custom(vec![CustomTable {
            title: String::new(),
            header: vec![vec![CustomCell {
                value: Value::Blank,
                colspan: 0,
                rowspan: 1,
                span: None,
            }]],
            rows: vec![],
        }]);
        bytes.clear();
        encode(&zero_span, &mut bytes);
        assert!(decode(&bytes).is_none(), "a cell of no column");
        let ReportTables::Custom(mut too_wide) = zero_span else {
            unreachable!()
        };
        too_wide[0].header[0][0].colspan = MAX_SPAN + 1;
        bytes.clear();
        encode(&ReportTables::Custom(too_wide), &mut bytes);
        assert!(decode(&bytes).is_none(), "wider than the parser allows");

        // a national table unknown to its format; an unknown format
        let mut w = Vec::new();
        let mut wr = Writer(&mut w);
        wr.byte(NATIONAL);
        wr.text("2021");
        wr.uint(1);
        wr.text("nonesuch");
        assert!(decode(&w).is_none());
        w.clear();
        let mut wr = Writer(&mut w);
        wr.byte(NATIONAL);
        wr.text("1999");
        wr.uint(0);
        assert!(decode(&w).is_none());
        // unknown tags, an 11-byte integer, bad UTF-8, a count past the end
        assert!(decode(&[7]).is_none());
        assert!(
            decode(&[
                CUSTOM, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f
            ])
            .is_none()
        );
        assert!(decode(&[CUSTOM, 1, 2, 0xc3, 0x28, 0, 0]).is_none());
        assert!(decode(&[CUSTOM, 200]).is_none());
        assert_eq!(
            decode(&[CUSTOM, 0]).map(|t| show(&t)),
            Some(String::new()),
            "no tables"
        );
    }

    proptest::proptest! {
        /// Any bytes at all: refused or decoded, never a panic; what is decoded encodes
        /// back to the same bytes.
        #[test]
        fn any_bytes_never_panic(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..200)) {
            if let Some(t) = decode(&bytes) {
                let mut again = Vec::new();
                encode(&t, &mut again);
                proptest::prop_assert_eq!(again, bytes);
            }
        }
    }
}
