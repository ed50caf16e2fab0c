//! Rendering a loaded site into files: tera templates of the theme, the narrative through
//! pulldown-cmark with the tables placed, and the downloads. Rendering is a pure function from
//! the model (plus theme) to named byte blobs; writing them is the output sink's job.

mod charts;
pub mod escape;
pub mod markdown;
mod pages;
pub mod search;
pub mod tables_html;
pub mod theme;
pub mod urls;

pub use pages::{
    CompiledTemplates, RenderMemo, StoredMemo, render_site, render_site_memo,
    render_site_memo_with_progress,
};
pub use theme::Theme;

/// Options that change what is rendered (not how the model is read).
#[derive(Debug, Clone, Default)]
pub struct RenderOptions {
    /// Overrides site.toml's `base_url` (`build --base-url`).
    pub base_url: Option<String>,
    /// Skip the typeset downloads (PDF, Word, Excel) and the per-year zips
    /// (`build --no-downloads`; the preview server).
    pub no_downloads: bool,
    /// Keep the typeset downloads and zips in this folder between builds, keyed by content
    /// hash (`build`: `<root>/.nianbao-cache/downloads`). None: produce them every time.
    pub download_cache: Option<std::path::PathBuf>,
    /// With `no_downloads`: still list the typeset documents on report pages, marked as made
    /// on request (the preview server produces them when they are asked for).
    pub preview_documents: bool,
}
