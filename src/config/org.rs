//! `content/<org>/org.toml`: the issuing body (发布机关).

use super::toml_doc::{self, TableReader};
use crate::diagnostics::{Diagnostics, SourceFile};

#[derive(Debug, Clone, serde::Serialize)]
pub struct OrgConfig {
    /// 机关全称, e.g. 寺下镇人民政府.
    pub name: String,
    pub short_name: Option<String>,
    /// 乡镇 | 县级部门 | 本级政府 | 办公厅（室） | free text.
    pub kind: Option<String>,
    pub address: Option<String>,
    pub phone: Option<String>,
    pub postcode: Option<String>,
}

const ORG_KEYS: &[&str] = &["name", "short_name", "kind", "address", "phone", "postcode"];

impl OrgConfig {
    pub fn parse(src: &SourceFile) -> (Option<OrgConfig>, Diagnostics) {
        let doc = match toml_doc::parse(src, &src.text, 0) {
            Ok(doc) => doc,
            Err(d) => return (None, Diagnostics::from_iter([d])),
        };
        let mut r = TableReader::new(src, 0, &doc, "", ORG_KEYS);
        let name = r.required_string("name", "机关全称");
        let mut opt = |k: &str| r.string(k).filter(|s| !s.trim().is_empty());
        let short_name = opt("short_name");
        let kind = opt("kind");
        let address = opt("address");
        let phone = opt("phone");
        let postcode = opt("postcode");
        let diags = r.finish();
        let org = name.map(|name| OrgConfig {
            name,
            short_name,
            kind,
            address,
            phone,
            postcode,
        });
        (org, diags)
    }

    /// The short name when there is one (for default titles), else the full name.
    pub fn display_short(&self) -> &str {
        self.short_name.as_deref().unwrap_or(&self.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_is_required() {
        let (o, d) = OrgConfig::parse(&SourceFile::new("org.toml", "kind = \"乡镇\"\n".into()));
        assert!(o.is_none());
        assert!(d.iter().any(|d| d.message.contains("`name`")));
        let (o, d) = OrgConfig::parse(&SourceFile::new(
            "org.toml",
            "name = \"寺下镇人民政府\"\nshort_name = \"寺下镇\"\n".into(),
        ));
        assert!(d.is_empty());
        assert_eq!(o.unwrap().display_short(), "寺下镇");
    }
}
