//! Configuration files: `site.toml`, `org.toml` and a report's front matter, read into typed
//! values with every problem reported at its position.

mod front_matter;
mod org;
mod site;
pub mod suggest;
pub mod toml_doc;

pub use front_matter::{FrontMatter, split_front_matter};
pub use org::{OTHER_KIND, OrgConfig, kind_class};
#[cfg(test)]
pub(crate) use site::{FONT_KEYS, GOV_KEYS, SITE_KEYS};
pub use site::{FontsConfig, GovInfo, SiteConfig, normalize_base_url};
pub use toml_doc::Date;
