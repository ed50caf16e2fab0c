//! What `nianbao import` does with a document once read, without the files: recognise the
//! tables against the national formats and write the narrative (as `import::import` does).

use nianbao::import::model::{Block, Document, Table};
use nianbao::import::narrative::{TableMark, markdown};
use nianbao::import::recognise::{recognise, table_name};

pub fn convert(doc: &Document) {
    let tables: Vec<&Table> = doc
        .blocks
        .iter()
        .filter_map(|b| match b {
            Block::Table(t) => Some(t),
            _ => None,
        })
        .collect();
    let rec = recognise(&tables);
    for t in &rec.tables {
        let _ = t.counts();
        let _ = t.missing();
    }
    let marks: Vec<TableMark> = match rec.format {
        Some(f) => rec
            .kinds
            .iter()
            .map(|k| match k {
                Some(key) => TableMark::National(table_name(f, key)),
                None => TableMark::Inline,
            })
            .collect(),
        None => (1..=tables.len()).map(TableMark::Custom).collect(),
    };
    let _ = markdown(doc, &marks, Some("某机关2024年政府信息公开工作年度报告"));
}
