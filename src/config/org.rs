//! `content/<org>/org.toml`: the issuing body (发布机关).

use super::toml_doc::{self, TableReader};
use crate::diagnostics::{Diagnostics, SourceFile};
use std::ops::Range;

#[derive(Debug, Clone, serde::Serialize)]
pub struct OrgConfig {
    /// 机关全称, e.g. 寺下镇人民政府.
    pub name: String,
    pub short_name: Option<String>,
    /// 乡镇 | 县级部门 | 本级政府 | 办公厅（室） | free text.
    pub kind: Option<String>,
    /// Position within its kind on list pages (smaller first); organisations without one
    /// come after those with one.
    pub order: Option<i64>,
    /// The folder name of the organisation this one belongs to (a sub-site).
    pub parent: Option<String>,
    pub address: Option<String>,
    pub phone: Option<String>,
    pub postcode: Option<String>,
    /// Where `parent = …` is written in org.toml, for messages about it.
    #[serde(skip)]
    pub parent_span: Option<Range<usize>>,
}

const ORG_KEYS: &[&str] = &[
    "name",
    "short_name",
    "kind",
    "order",
    "parent",
    "address",
    "phone",
    "postcode",
];

/// The conventional classes of organisation, in the order list pages show them: the
/// government itself, its general office, its departments, its towns and sub-districts.
/// Each class: its heading and the `kind` values (as written in org.toml) that belong to it.
const KIND_CLASSES: &[(&str, &[&str])] = &[
    (
        "本级政府",
        &["本级政府", "本级人民政府", "县政府", "区政府", "市政府"],
    ),
    (
        "办公厅（室）",
        &[
            "办公厅（室）",
            "办公厅(室)",
            "办公厅",
            "办公室",
            "政府办公室",
        ],
    ),
    (
        "部门",
        &[
            "部门",
            "县级部门",
            "区级部门",
            "市级部门",
            "政府部门",
            "工作部门",
        ],
    ),
    (
        "乡镇（街道）",
        &[
            "乡镇（街道）",
            "乡镇(街道)",
            "乡镇",
            "街道",
            "乡",
            "镇",
            "乡镇街道",
        ],
    ),
];

/// The heading of organisations without a `kind`.
pub const OTHER_KIND: &str = "其他";

/// The class of a `kind` value: its rank in the conventional order (known classes first,
/// then every other kind) and the class heading when it is a known one.
pub fn kind_class(kind: &str) -> (usize, Option<&'static str>) {
    let k = kind.trim();
    KIND_CLASSES
        .iter()
        .position(|(_, names)| names.contains(&k))
        .map_or((KIND_CLASSES.len(), None), |i| (i, Some(KIND_CLASSES[i].0)))
}

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
        let kind = opt("kind").map(|k| k.trim().to_string());
        let address = opt("address");
        let phone = opt("phone");
        let postcode = opt("postcode");
        let parent = opt("parent").map(|p| p.trim().to_string());
        let parent_span = r.get("parent").map(|v| v.span());
        let order = r
            .get("order")
            .and_then(|v| match toml_doc::integer(v.get_ref()) {
                Some(n) if (-1_000_000..=1_000_000).contains(&n) => Some(n),
                _ => {
                    let msg = format!(
                        "`order`（同类机关中的排列顺序）应为整数，如 order = 10，实为{}",
                        match v.get_ref() {
                            toml::de::DeValue::Integer(_) => "超出范围的整数".to_string(),
                            other => toml_doc::type_name(other).to_string(),
                        }
                    );
                    r.error_at(v.span(), msg);
                    None
                }
            });
        let diags = r.finish();
        let org = name.map(|name| OrgConfig {
            name,
            short_name,
            kind,
            order,
            parent,
            address,
            phone,
            postcode,
            parent_span,
        });
        (org, diags)
    }

    /// The short name when there is one (for default titles), else the full name.
    pub fn display_short(&self) -> &str {
        self.short_name.as_deref().unwrap_or(&self.name)
    }

    /// Rank of this organisation's kind in the conventional order.
    pub fn kind_rank(&self) -> usize {
        self.kind
            .as_deref()
            .map_or(KIND_CLASSES.len() + 1, |k| kind_class(k).0)
    }

    /// The heading this organisation is listed under: its class for a known kind, the kind
    /// as written otherwise, 其他 without one.
    pub fn kind_heading(&self) -> String {
        match self.kind.as_deref() {
            None => OTHER_KIND.to_string(),
            Some(k) => kind_class(k).1.unwrap_or(k).to_string(),
        }
    }

    /// Is this the 本级政府 (the government whose report aggregates the others)?
    pub fn is_government(&self) -> bool {
        self.kind.as_deref().is_some_and(|k| kind_class(k).0 == 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> (Option<OrgConfig>, Diagnostics) {
        OrgConfig::parse(&SourceFile::new("org.toml", text.into()))
    }

    #[test]
    fn name_is_required() {
        let (o, d) = parse("kind = \"乡镇\"\n");
        assert!(o.is_none());
        assert!(d.iter().any(|d| d.message.contains("`name`")));
        let (o, d) = parse("name = \"寺下镇人民政府\"\nshort_name = \"寺下镇\"\n");
        assert!(d.is_empty());
        assert_eq!(o.unwrap().display_short(), "寺下镇");
    }

    #[test]
    fn kinds_sort_in_the_conventional_order() {
        let rank = |k: &str| kind_class(k).0;
        assert!(rank("本级政府") < rank("办公厅（室）"));
        assert!(rank("办公厅（室）") < rank("县级部门"));
        assert_eq!(rank("县级部门"), rank("部门"));
        assert!(rank("部门") < rank("乡镇（街道）"));
        assert_eq!(rank("乡镇"), rank("乡镇（街道）"));
        assert!(rank("乡镇") < rank("事业单位"));
        let (o, _) = parse("name = \"x\"\nkind = \"乡镇\"\n");
        assert_eq!(o.unwrap().kind_heading(), "乡镇（街道）");
        let (o, _) = parse("name = \"x\"\nkind = \"事业单位\"\n");
        assert_eq!(o.unwrap().kind_heading(), "事业单位");
        let (o, _) = parse("name = \"x\"\n");
        let o = o.unwrap();
        assert_eq!(o.kind_heading(), OTHER_KIND);
        assert!(o.kind_rank() > rank("事业单位"));
    }

    #[test]
    fn order_and_parent() {
        let text = "name = \"x\"\norder = 3\nparent = \"county\"\n";
        let (o, d) = parse(text);
        assert!(d.is_empty(), "{d:?}");
        let o = o.unwrap();
        assert_eq!(o.order, Some(3));
        assert_eq!(o.parent.as_deref(), Some("county"));
        assert_eq!(&text[o.parent_span.unwrap()], "\"county\"");
        let (_, d) = parse("name = \"x\"\norder = \"第一\"\n");
        let d: Vec<_> = d.into_vec();
        assert_eq!(d.len(), 1);
        assert_eq!((d[0].line, d[0].column), (2, 9));
        assert!(d[0].message.contains("`order`") && d[0].message.contains("字符串"));
        let (_, d) = parse("name = \"x\"\nparent = 1\n");
        assert!(
            d.iter()
                .any(|d| d.message.contains("`parent`") && d.line == 2)
        );
    }
}
