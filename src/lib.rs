//! nianbao (年报): a static-site generator for China's government information-disclosure annual
//! reports (政府信息公开工作年度报告).
//!
//! The pipeline has explicit phases shared by `build`, `check` and `serve`:
//! load ([`content::load_site`]) → check ([`check::check_site`]) → render
//! ([`render::render_site`]) → write ([`output::write_site`] for `build`, [`output::MemorySite`]
//! for `serve`), driven by [`build`]. Long phases report to a [`progress::Progress`]; a built
//! site is published and checked by [`deploy`].

pub mod build;
pub mod check;
pub mod cli;
pub mod config;
pub mod content;
pub mod deploy;
pub mod diagnostics;
pub mod export;
pub mod import;
pub mod output;
pub mod progress;
pub mod render;
pub mod scaffold;
pub mod serve;
pub mod summary;
pub mod tables;
