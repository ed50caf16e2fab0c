//! The national formats as data, the table values of a report, and their rules.
//!
//! `def` declares what a format is; `national` holds the 2021 and 2019 definitions; `parse`
//! reads tables.toml against a definition; `rules` checks R1–R4 from the definition's rules.
//! `codec` keeps parsed tables as bytes between runs.

pub mod codec;
pub mod def;
pub mod grid;
pub mod model;
pub mod national;
pub mod parse;
#[cfg(test)]
mod proptests;
pub mod rules;

pub use model::{Cell, CustomCell, CustomTable, ReportTables, Row, TableData, Value};
pub use parse::parse_tables;
