//! The national formats of 国办公开办函〔2021〕30号 and 国办公开办函〔2019〕60号, as data.
//! Labels are the official ones, verbatim (full-width punctuation included).

use super::def::*;

const fn col(label: &'static str) -> ColumnDef {
    ColumnDef {
        label,
        kind: CellKind::Count,
    }
}
const fn signed(label: &'static str) -> ColumnDef {
    ColumnDef {
        label,
        kind: CellKind::SignedCount,
    }
}
const fn amount(label: &'static str) -> ColumnDef {
    ColumnDef {
        label,
        kind: CellKind::Amount,
    }
}
const fn row(key: &'static str, label: &'static str) -> RowDef {
    RowDef {
        key,
        label,
        groups: &[],
        computed: None,
    }
}
const fn item(key: &'static str, label: &'static str, groups: &'static [&'static str]) -> RowDef {
    RowDef {
        key,
        label,
        groups,
        computed: None,
    }
}

// ---------------------------------------------------------------- table 二

/// The header over the row labels of every block of table 二.
pub const CONTENT_HEADER: &str = "信息内容";

const ART_1: &str = "第二十条第（一）项";
const ART_5: &str = "第二十条第（五）项";
const ART_6: &str = "第二十条第（六）项";
const ART_8: &str = "第二十条第（八）项";
const ART_9: &str = "第二十条第（九）项";
const SECTION_2: &str = "二、主动公开政府信息情况";
const SECTION_3: &str = "三、收到和处理政府信息公开申请情况";
const SECTION_4: &str = "四、政府信息公开行政复议、行政诉讼情况";

const ACTIVE_2021: &[BlockDef] = &[
    BlockDef {
        article: ART_1,
        columns: &[
            col("本年制发件数"),
            col("本年废止件数"),
            col("现行有效件数"),
        ],
        rows: &[
            row("regulations", "规章"),
            row("normative_documents", "行政规范性文件"),
        ],
    },
    BlockDef {
        article: ART_5,
        columns: &[col("本年处理决定数量")],
        rows: &[row("licensing", "行政许可")],
    },
    BlockDef {
        article: ART_6,
        columns: &[col("本年处理决定数量")],
        rows: &[row("punishment", "行政处罚"), row("coercion", "行政强制")],
    },
    BlockDef {
        article: ART_8,
        columns: &[amount("本年收费金额（单位：万元）")],
        rows: &[row("fees", "行政事业性收费")],
    },
];

const ACTIVE_2019: &[BlockDef] = &[
    BlockDef {
        article: ART_1,
        columns: &[
            col("本年新制作数量"),
            col("本年新公开数量"),
            col("对外公开总数量"),
        ],
        rows: &[
            row("regulations", "规章"),
            row("normative_documents", "规范性文件"),
        ],
    },
    BlockDef {
        article: ART_5,
        columns: &[
            col("上一年项目数量"),
            signed("本年增/减"),
            col("处理决定数量"),
        ],
        rows: &[
            row("licensing", "行政许可"),
            row("other_services", "其他对外管理服务事项"),
        ],
    },
    BlockDef {
        article: ART_6,
        columns: &[
            col("上一年项目数量"),
            signed("本年增/减"),
            col("处理决定数量"),
        ],
        rows: &[row("punishment", "行政处罚"), row("coercion", "行政强制")],
    },
    BlockDef {
        article: ART_8,
        columns: &[col("上一年项目数量"), signed("本年增/减")],
        rows: &[row("fees", "行政事业性收费")],
    },
    BlockDef {
        article: ART_9,
        columns: &[col("采购项目数量"), amount("采购总金额")],
        rows: &[row("procurement", "政府集中采购")],
    },
];

// ---------------------------------------------------------------- table 三

/// The 勾稽关系 note in the corner of table 三's header.
pub const APPLICATIONS_CORNER: &str =
    "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）";

const APPLICANTS: &[ColumnDef] = &[
    col("自然人"),
    col("商业企业"),
    col("科研机构"),
    col("社会公益组织"),
    col("法律服务机构"),
    col("其他"),
    col("总计"),
];

const APPLICANT_GROUPS: &[HeaderGroup] = &[
    HeaderGroup {
        label: "申请人情况",
        start: 0,
        end: 7,
    },
    HeaderGroup {
        label: "法人或其他组织",
        start: 1,
        end: 6,
    },
];

/// The group label of the outcome rows of table 三.
pub const RESULTS_GROUP: &str = "三、本年度办理结果";
const RESULTS: &str = RESULTS_GROUP;
const G_WITHHELD: &[&str] = &[RESULTS, "（三）不予公开"];
const G_UNAVAILABLE: &[&str] = &[RESULTS, "（四）无法提供"];
const G_NOT_PROCESSED: &[&str] = &[RESULTS, "（五）不予处理"];
const G_OTHER: &[&str] = &[RESULTS, "（六）其他处理"];

/// Item rows of 三、本年度办理结果 (2021), which （七）总计 sums (R3).
const RESULT_ITEMS_2021: &[&str] = &[
    "disclosed",
    "partially_disclosed",
    "withheld.state_secret",
    "withheld.prohibited_by_law",
    "withheld.security_stability",
    "withheld.third_party_rights",
    "withheld.internal_affairs",
    "withheld.process_information",
    "withheld.enforcement_files",
    "withheld.administrative_query",
    "unavailable.not_held",
    "unavailable.needs_creation",
    "unavailable.still_unclear",
    "not_processed.complaint",
    "not_processed.repeated",
    "not_processed.publication",
    "not_processed.excessive",
    "not_processed.confirmation",
    "other_handling.no_correction",
    "other_handling.fee_unpaid",
    "other_handling.other",
];

const RESULT_ITEMS_2019: &[&str] = &[
    "disclosed",
    "partially_disclosed",
    "withheld.state_secret",
    "withheld.prohibited_by_law",
    "withheld.security_stability",
    "withheld.third_party_rights",
    "withheld.internal_affairs",
    "withheld.process_information",
    "withheld.enforcement_files",
    "withheld.administrative_query",
    "unavailable.not_held",
    "unavailable.needs_creation",
    "unavailable.still_unclear",
    "not_processed.complaint",
    "not_processed.repeated",
    "not_processed.publication",
    "not_processed.excessive",
    "not_processed.confirmation",
    "other_handling",
];

macro_rules! applications_rows {
    ($items:expr; $($other:expr),+ $(,)?) => {
        &[
            row("received", "一、本年新收政府信息公开申请数量"),
            row("carried_over", "二、上年结转政府信息公开申请数量"),
            item("disclosed", "（一）予以公开", &[RESULTS]),
            item(
                "partially_disclosed",
                "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
                &[RESULTS],
            ),
            item("withheld.state_secret", "1.属于国家秘密", G_WITHHELD),
            item("withheld.prohibited_by_law", "2.其他法律行政法规禁止公开", G_WITHHELD),
            item("withheld.security_stability", "3.危及“三安全一稳定”", G_WITHHELD),
            item("withheld.third_party_rights", "4.保护第三方合法权益", G_WITHHELD),
            item("withheld.internal_affairs", "5.属于三类内部事务信息", G_WITHHELD),
            item("withheld.process_information", "6.属于四类过程性信息", G_WITHHELD),
            item("withheld.enforcement_files", "7.属于行政执法案卷", G_WITHHELD),
            item("withheld.administrative_query", "8.属于行政查询事项", G_WITHHELD),
            item("unavailable.not_held", "1.本机关不掌握相关政府信息", G_UNAVAILABLE),
            item("unavailable.needs_creation", "2.没有现成信息需要另行制作", G_UNAVAILABLE),
            item("unavailable.still_unclear", "3.补正后申请内容仍不明确", G_UNAVAILABLE),
            item("not_processed.complaint", "1.信访举报投诉类申请", G_NOT_PROCESSED),
            item("not_processed.repeated", "2.重复申请", G_NOT_PROCESSED),
            item("not_processed.publication", "3.要求提供公开出版物", G_NOT_PROCESSED),
            item("not_processed.excessive", "4.无正当理由大量反复申请", G_NOT_PROCESSED),
            item(
                "not_processed.confirmation",
                "5.要求行政机关确认或重新出具已获取信息",
                G_NOT_PROCESSED,
            ),
            $($other,)+
            RowDef {
                key: "total",
                label: "（七）总计",
                groups: &[RESULTS],
                computed: Some(Computed::SumOfRows($items)),
            },
            row("carried_forward", "四、结转下年度继续办理"),
        ]
    };
}

const APPLICATIONS_ROWS_2021: &[RowDef] = applications_rows![RESULT_ITEMS_2021;
    item(
        "other_handling.no_correction",
        "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
        G_OTHER,
    ),
    item(
        "other_handling.fee_unpaid",
        "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
        G_OTHER,
    ),
    item("other_handling.other", "3.其他", G_OTHER),
];

const APPLICATIONS_ROWS_2019: &[RowDef] =
    applications_rows![RESULT_ITEMS_2019; item("other_handling", "（六）其他处理", &[RESULTS])];

const R2: RuleDef = RuleDef {
    id: "R2",
    explain: "六类申请人之和",
    kind: RuleKind::RowSum {
        rows: &[],
        total: 6,
        parts: &[0, 1, 2, 3, 4, 5],
    },
};
const R1: RuleDef = RuleDef {
    id: "R1",
    explain: "第一项加第二项之和，等于第三项加第四项之和",
    kind: RuleKind::ColumnSum {
        lhs: &["received", "carried_over"],
        rhs: &["total", "carried_forward"],
    },
};

// ---------------------------------------------------------------- table 四

const APPEAL_COLUMNS: &[ColumnDef] = &[
    col("结果维持"),
    col("结果纠正"),
    col("其他结果"),
    col("尚未审结"),
    col("总计"),
];
const APPEAL_ROWS: &[RowDef] = &[
    row("review", "行政复议"),
    item("litigation_direct", "未经复议直接起诉", &["行政诉讼"]),
    item("litigation_after_review", "复议后起诉", &["行政诉讼"]),
];
const APPEAL_RULES: &[RuleDef] = &[RuleDef {
    id: "R4",
    explain: "结果维持、结果纠正、其他结果、尚未审结之和",
    kind: RuleKind::RowSum {
        rows: &[],
        total: 4,
        parts: &[0, 1, 2, 3],
    },
}];

const APPEALS: TableDef = TableDef {
    key: "appeals",
    number: "四",
    section: SECTION_4,
    section_index: 4,
    layout: Layout::Strip {
        columns: APPEAL_COLUMNS,
        rows: APPEAL_ROWS,
        total_column: Some(4),
    },
    rules: APPEAL_RULES,
};

// ---------------------------------------------------------------- the formats

pub static FORMAT_2021: FormatDef = FormatDef {
    id: "2021",
    document: "国办公开办函〔2021〕30号",
    tables: &[
        TableDef {
            key: "active",
            number: "二",
            section: SECTION_2,
            section_index: 2,
            layout: Layout::Blocks(ACTIVE_2021),
            rules: &[],
        },
        TableDef {
            key: "applications",
            number: "三",
            section: SECTION_3,
            section_index: 3,
            layout: Layout::Grid {
                corner: APPLICATIONS_CORNER,
                column_groups: APPLICANT_GROUPS,
                columns: APPLICANTS,
                rows: APPLICATIONS_ROWS_2021,
                total_column: Some(6),
            },
            rules: &[
                R2,
                RuleDef {
                    id: "R3",
                    explain: "本年度办理结果各项之和",
                    kind: RuleKind::ColumnSum {
                        lhs: &["total"],
                        rhs: RESULT_ITEMS_2021,
                    },
                },
                R1,
            ],
        },
        APPEALS,
    ],
};

pub static FORMAT_2019: FormatDef = FormatDef {
    id: "2019",
    document: "国办公开办函〔2019〕60号",
    tables: &[
        TableDef {
            key: "active",
            number: "二",
            section: SECTION_2,
            section_index: 2,
            layout: Layout::Blocks(ACTIVE_2019),
            rules: &[],
        },
        TableDef {
            key: "applications",
            number: "三",
            section: SECTION_3,
            section_index: 3,
            layout: Layout::Grid {
                corner: APPLICATIONS_CORNER,
                column_groups: APPLICANT_GROUPS,
                columns: APPLICANTS,
                rows: APPLICATIONS_ROWS_2019,
                total_column: Some(6),
            },
            rules: &[
                R2,
                RuleDef {
                    id: "R3",
                    explain: "本年度办理结果各项之和",
                    kind: RuleKind::ColumnSum {
                        lhs: &["total"],
                        rhs: RESULT_ITEMS_2019,
                    },
                },
                R1,
            ],
        },
        APPEALS,
    ],
};

/// Every national format, newest first.
pub static NATIONAL_FORMATS: &[&FormatDef] = &[&FORMAT_2021, &FORMAT_2019];

/// The format `nianbao new` writes.
pub fn newest() -> &'static FormatDef {
    NATIONAL_FORMATS[0]
}

pub fn by_id(id: &str) -> Option<&'static FormatDef> {
    NATIONAL_FORMATS.iter().copied().find(|f| f.id == id)
}

/// The six section headings of the report (both national formats).
pub const SECTIONS: [&str; 6] = [
    "一、总体情况",
    SECTION_2,
    SECTION_3,
    SECTION_4,
    "五、存在的主要问题及改进情况",
    "六、其他需要报告的事项",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn row_counts_match_the_format() {
        let t = FORMAT_2021.table("applications").unwrap();
        assert_eq!(t.rows().len(), 25);
        assert_eq!(FORMAT_2019.table("applications").unwrap().rows().len(), 23);
        assert_eq!(FORMAT_2021.table("active").unwrap().rows().len(), 6);
        assert_eq!(FORMAT_2019.table("active").unwrap().rows().len(), 8);
        assert_eq!(FORMAT_2021.table("appeals").unwrap().rows().len(), 3);
    }

    #[test]
    fn rule_rows_exist() {
        for f in NATIONAL_FORMATS {
            for t in f.tables {
                for r in t.rules {
                    let keys: Vec<&str> = match &r.kind {
                        RuleKind::RowSum { rows, .. } => rows.to_vec(),
                        RuleKind::ColumnSum { lhs, rhs } => {
                            lhs.iter().chain(rhs.iter()).copied().collect()
                        }
                    };
                    for k in keys {
                        assert!(t.row_index(k).is_some(), "{} {} {}", f.id, t.key, k);
                    }
                }
                for rd in t.rows() {
                    if let Some(Computed::SumOfRows(keys)) = rd.computed {
                        for k in keys {
                            assert!(t.row_index(k).is_some());
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn item_labels_get_their_group() {
        let t = FORMAT_2021.table("applications").unwrap();
        let i = t.row_index("withheld.state_secret").unwrap();
        assert_eq!(t.row_label(i), "（三）不予公开1.属于国家秘密");
        assert_eq!(t.row_label(0), "一、本年新收政府信息公开申请数量");
    }
}
