//! Generate a deterministic, realistic nianbao site for benchmarks:
//! `cargo run --release --example gen-site -- --orgs 50 --years 20 DIR`
//!
//! Every organisation gets one report per year up to `--last-year` (default 2025): the custom
//! format up to 2018, the 2019 format for 2019–2020, the 2021 format after. Tables are
//! consistent (R1–R6 hold); narratives are 2–5 KB of generated Chinese text. The text is
//! synthetic: assembled from phrase lists written for this generator.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next() % n }
    }
    fn pick<'a>(&mut self, list: &[&'a str]) -> &'a str {
        list[self.below(list.len() as u64) as usize]
    }
}

const KINDS: &[(&str, &str)] = &[
    ("部门", "局"),
    ("乡镇", "镇人民政府"),
    ("部门", "委员会"),
    ("乡镇（街道）", "街道办事处"),
];
const NAMES: &[&str] = &[
    "东山", "西河", "南岭", "北塘", "青石", "白沙", "红岩", "金桥", "银湖", "长乐", "永安", "新华",
    "和平", "光明", "兴隆", "丰收", "太平", "常青", "清溪", "云台",
];
const DEPTS: &[&str] = &[
    "财政",
    "教育",
    "民政",
    "交通运输",
    "自然资源",
    "生态环境",
    "住房和城乡建设",
    "农业农村",
    "卫生健康",
    "市场监督管理",
    "应急管理",
    "水利",
    "文化广电旅游",
    "人力资源和社会保障",
    "商务",
];

const OPENERS: &[&str] = &[
    "本年度，我单位坚持以公开为常态、不公开为例外，",
    "围绕年度重点工作，",
    "按照上级部署要求，",
    "在上级主管部门的指导下，",
    "结合本单位工作实际，",
];
const ACTIONS: &[&str] = &[
    "进一步规范政府信息发布流程，落实信息发布前的保密审查和内容审核",
    "及时更新政务公开专栏，做好政策文件的集中发布和解读",
    "加强政务新媒体管理，丰富图文、问答等公开形式",
    "完善依申请公开受理、交办、答复的工作机制，确保按时答复",
    "梳理主动公开事项目录，动态调整公开内容",
    "组织业务培训，提升工作人员的公开意识和业务能力",
    "推进重点领域信息公开，及时公开财政预决算、重大项目和民生事项",
    "畅通意见建议渠道，认真回应群众关切",
];
const RESULTS: &[&str] = &[
    "公开工作的规范化水平明显提高。",
    "群众查阅政府信息更加便捷。",
    "公开质量和实效稳步提升。",
    "各项公开任务按期完成。",
    "社会公众的知情权、参与权和监督权得到有效保障。",
];
const PROBLEMS: &[&str] = &[
    "一是公开内容的深度和广度还需拓展；",
    "二是政策解读的形式还不够丰富；",
    "三是工作人员业务水平有待提高；",
    "部分栏目更新不够及时；",
];

fn paragraph(rng: &mut Rng, sentences: usize) -> String {
    let mut p = String::new();
    for _ in 0..sentences {
        p.push_str(rng.pick(OPENERS));
        p.push_str(rng.pick(ACTIONS));
        p.push('，');
        p.push_str(rng.pick(ACTIONS));
        p.push('，');
        p.push_str(rng.pick(RESULTS));
    }
    p
}

struct Carry {
    forward: [i64; 7],
    valid: [i64; 2],
}

fn applications(rng: &mut Rng, over: [i64; 7], items: &[&str]) -> (String, [i64; 7], i64) {
    let mut recv = [0i64; 7];
    for (c, r) in recv.iter_mut().enumerate().take(6) {
        *r = if c == 0 {
            rng.below(12) as i64
        } else {
            rng.below(3) as i64 * i64::from(rng.below(3) == 0)
        };
    }
    let mut fwd = [0i64; 7];
    let mut rows: Vec<[i64; 7]> = vec![[0; 7]; items.len()];
    for c in 0..6 {
        let avail = recv[c] + over[c];
        fwd[c] = if avail > 0 { rng.below(2) as i64 } else { 0 };
        for _ in 0..(avail - fwd[c]) {
            let i = if rng.below(3) == 0 {
                rng.below(items.len() as u64) as usize
            } else {
                0
            };
            rows[i][c] += 1;
        }
    }
    let sum6 = |r: &mut [i64; 7]| r[6] = r[..6].iter().sum();
    sum6(&mut recv);
    sum6(&mut fwd);
    let mut over = over;
    sum6(&mut over);
    let mut total = [0i64; 7];
    for r in rows.iter_mut() {
        sum6(r);
        for c in 0..7 {
            total[c] += r[c];
        }
    }
    let fmt = |r: &[i64; 7]| {
        format!(
            "[{}]",
            r.iter()
                .map(|v| v.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    let mut s = String::from("\n[applications]\n");
    let _ = writeln!(s, "received = {}", fmt(&recv));
    let _ = writeln!(s, "carried_over = {}", fmt(&over));
    for (k, r) in items.iter().zip(&rows) {
        let _ = writeln!(s, "{k} = {}", fmt(r));
    }
    let _ = writeln!(s, "total = {}", fmt(&total));
    let _ = writeln!(s, "carried_forward = {}", fmt(&fwd));
    (s, fwd, recv[6])
}

fn appeals(rng: &mut Rng) -> String {
    let mut s = String::from("\n[appeals]\n");
    for k in ["review", "litigation_direct", "litigation_after_review"] {
        let v: Vec<i64> = (0..4).map(|_| i64::from(rng.below(6) == 0)).collect();
        let _ = writeln!(
            s,
            "{k} = [{}, {}, {}, {}, {}]",
            v[0],
            v[1],
            v[2],
            v[3],
            v.iter().sum::<i64>()
        );
    }
    s
}

/// The item rows of 三、本年度办理结果 of a format, from its definition.
fn result_items(format: &nianbao::tables::def::FormatDef) -> Vec<&'static str> {
    let t = format.table("applications").expect("table 三");
    t.rows()
        .into_iter()
        .filter(|r| !r.groups.is_empty() && r.computed.is_none())
        .map(|r| r.key)
        .collect()
}

fn write_report(dir: &Path, org_short: &str, year: u16, rng: &mut Rng, carry: &mut Carry) {
    std::fs::create_dir_all(dir).unwrap();
    let mut tables;
    let mut received = 0;
    if year >= 2019 {
        let format = if year >= 2021 { "2021" } else { "2019" };
        tables = format!("format = \"{format}\"\n\n[active]\n");
        if year >= 2021 {
            for (i, k) in ["regulations", "normative_documents"].iter().enumerate() {
                let made = rng.below(4) as i64;
                let repealed = (rng.below(3) as i64).min(carry.valid[i] + made);
                carry.valid[i] += made - repealed;
                let _ = writeln!(tables, "{k} = [{made}, {repealed}, {}]", carry.valid[i]);
            }
            let _ = writeln!(
                tables,
                "licensing = {}\npunishment = {}\ncoercion = {}\nfees = {}.{:02}",
                rng.below(300),
                rng.below(80),
                rng.below(10),
                rng.below(20),
                rng.below(100)
            );
        } else {
            for k in ["regulations", "normative_documents"] {
                let _ = writeln!(
                    tables,
                    "{k} = [{}, {}, {}]",
                    rng.below(20),
                    rng.below(20),
                    rng.below(200)
                );
            }
            for k in ["licensing", "other_services", "punishment", "coercion"] {
                let _ = writeln!(
                    tables,
                    "{k} = [{}, {}, {}]",
                    rng.below(20),
                    rng.below(5) as i64 - 2,
                    rng.below(200)
                );
            }
            let _ = writeln!(
                tables,
                "fees = [{}, {}]\nprocurement = [{}, {}.5]",
                rng.below(10),
                rng.below(3) as i64 - 1,
                rng.below(30),
                rng.below(900)
            );
        }
        let items = result_items(if year >= 2021 {
            &nianbao::tables::national::FORMAT_2021
        } else {
            &nianbao::tables::national::FORMAT_2019
        });
        let mut over = carry.forward;
        over[6] = 0;
        let (apps, fwd, recv) = applications(rng, over, &items);
        carry.forward = fwd;
        received = recv;
        tables.push_str(&apps);
        tables.push_str(&appeals(rng));
    } else {
        carry.forward = [0; 7];
        tables = String::from(
            "format = \"custom\"\n\n[[tables]]\ntitle = \"政府信息公开情况统计表\"\nheader = [[\"指标名称\", \"计量单位\", \"本年度\", \"历年累计\"]]\nrows = [\n",
        );
        let _ = writeln!(
            tables,
            "  [\"主动公开政府信息数\", \"条\", {}, {}],",
            rng.below(500),
            1000 + rng.below(5000)
        );
        let _ = writeln!(
            tables,
            "  [{{ text = \"其中：\", rowspan = 2 }}, \"网站公开\", \"条\", {}],",
            rng.below(400)
        );
        let _ = writeln!(tables, "  [\"公开栏公开\", \"条\", {}],", rng.below(100));
        let _ = writeln!(
            tables,
            "  [\"收到政府信息公开申请\", \"件\", {}, {}],",
            rng.below(20),
            rng.below(200)
        );
        let _ = writeln!(tables, "  [\"行政复议\", \"件\", {}, \"/\"],", rng.below(2));
        tables.push_str("]\n");
    }
    let title = format!("{org_short}{year}年政府信息公开工作年度报告");
    let month_day = format!("01-{:02}", 5 + rng.below(20));
    let mut md = format!(
        "+++\ntitle = \"{title}\"\npublished = {}-{month_day}\n+++\n\n",
        year + 1
    );
    let target = 2000 + rng.below(3000) as usize;
    md.push_str("依据《中华人民共和国政府信息公开条例》要求，编制本报告。\n\n");
    let heads = [
        "一、总体情况",
        "二、主动公开政府信息情况",
        "三、收到和处理政府信息公开申请情况",
        "四、政府信息公开行政复议、行政诉讼情况",
        "五、存在的主要问题及改进情况",
        "六、其他需要报告的事项",
    ];
    for (i, h) in heads.iter().enumerate() {
        let _ = writeln!(md, "## {h}\n");
        match i {
            0 => {
                for sub in [
                    "（一）主动公开",
                    "（二）依申请公开",
                    "（三）政府信息管理",
                    "（四）平台建设",
                    "（五）监督保障",
                ] {
                    let _ = writeln!(md, "### {sub}\n");
                    if sub == "（二）依申请公开" && year >= 2019 {
                        let _ = writeln!(
                            md,
                            "本年度共收到政府信息公开申请{received}件，均按规定时限答复。\n"
                        );
                    }
                    let _ = writeln!(md, "{}\n", paragraph(rng, 2));
                    if md.len() > target {
                        break;
                    }
                }
            }
            4 => {
                let mut p = String::new();
                for _ in 0..3 {
                    p.push_str(rng.pick(PROBLEMS));
                }
                let _ = writeln!(md, "{p}下一步将持续改进。\n\n{}\n", paragraph(rng, 1));
            }
            5 => {
                let _ = writeln!(md, "本年度未收取信息处理费。\n");
            }
            _ => {}
        }
    }
    while md.len() < target {
        let _ = writeln!(md, "{}\n", paragraph(rng, 1));
    }
    std::fs::write(dir.join("report.md"), md).unwrap();
    std::fs::write(dir.join("tables.toml"), tables).unwrap();
}

fn main() {
    let mut orgs = 10usize;
    let mut years = 5u16;
    let mut last_year = 2025u16;
    let mut out: Option<PathBuf> = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--orgs" => orgs = args.next().and_then(|v| v.parse().ok()).expect("--orgs N"),
            "--years" => years = args.next().and_then(|v| v.parse().ok()).expect("--years N"),
            "--last-year" => {
                last_year = args
                    .next()
                    .and_then(|v| v.parse().ok())
                    .expect("--last-year YYYY")
            }
            "-h" | "--help" => {
                println!("usage: gen-site [--orgs N] [--years N] [--last-year YYYY] DIR");
                return;
            }
            other => out = Some(PathBuf::from(other)),
        }
    }
    let out = out.expect("usage: gen-site [--orgs N] [--years N] [--last-year YYYY] DIR");
    if out.join("content").exists() {
        std::fs::remove_dir_all(out.join("content")).unwrap();
    }
    std::fs::create_dir_all(out.join("content")).unwrap();
    std::fs::write(
        out.join("site.toml"),
        "title = \"示例县政府信息公开工作年度报告\"\nbase_url = \"https://www.example.gov.cn/xxgk/ndbg/\"\n\n[gov]\nsite_name = \"示例县人民政府\"\nsite_domain = \"www.example.gov.cn\"\nsite_id_code = \"0000000000\"\nsponsor = \"示例县人民政府办公室\"\n",
    )
    .unwrap();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for o in 0..orgs {
        let (kind, suffix) = KINDS[o % KINDS.len()];
        let place = NAMES[o % NAMES.len()];
        let name = if kind.starts_with('乡') {
            format!("{place}{suffix}")
        } else {
            format!("示例县{}{suffix}", DEPTS[o % DEPTS.len()])
        };
        let short = name.trim_end_matches("人民政府").to_string();
        let id = format!("org{o:03}");
        let dir = out.join("content").join(&id);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("org.toml"), format!("name = \"{name}\"\nshort_name = \"{short}\"\nkind = \"{kind}\"\nphone = \"0000-{:07}\"\n", o)).unwrap();
        let mut carry = Carry {
            forward: [0; 7],
            valid: [rng.below(5) as i64, rng.below(20) as i64],
        };
        for y in (last_year + 1 - years)..=last_year {
            write_report(&dir.join(y.to_string()), &short, y, &mut rng, &mut carry);
        }
    }
    println!(
        "{} reports written to {}",
        orgs * years as usize,
        out.display()
    );
}
