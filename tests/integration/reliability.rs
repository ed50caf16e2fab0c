//! Crash safety and integrity: a build killed with SIGKILL at any moment leaves `output/` as the
//! complete previous site or the complete new one, the next build cleans up, and nothing under
//! `content/` is ever modified by build, check or serve.

use crate::common::*;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn sha256(bytes: &[u8]) -> String {
    format!("{:x}", Sha256::digest(bytes))
}

/// Every file below `dir` by relative path, with its hash.
fn hashes(dir: &Path) -> BTreeMap<String, String> {
    snapshot(dir)
        .into_iter()
        .map(|(p, b)| (p, sha256(&b)))
        .collect()
}

/// `output/` is a complete site: SHA256SUMS lists every other file exactly, each with its hash.
/// Returns the SHA256SUMS text.
fn assert_complete(out: &Path, context: &str) -> String {
    let sums = std::fs::read_to_string(out.join("SHA256SUMS"))
        .unwrap_or_else(|e| panic!("{context}: output/SHA256SUMS unreadable: {e}"));
    let mut listed = BTreeMap::new();
    for line in sums.lines() {
        let (hash, path) = line
            .split_once("  ")
            .unwrap_or_else(|| panic!("{context}: bad SHA256SUMS line {line}"));
        listed.insert(path.to_string(), hash.to_string());
    }
    let mut actual = hashes(out);
    actual.remove("SHA256SUMS");
    assert_eq!(
        actual, listed,
        "{context}: output/ differs from its SHA256SUMS"
    );
    sums
}

/// A tiny deterministic generator (xorshift), seeded from the clock and printed, so that a
/// failing sequence can be replayed with NIANBAO_CRASH_SEED.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[test]
fn sigkill_at_random_moments_never_leaves_a_partial_site() {
    let site = standard_site();
    let md = "content/ceshizhen/2024/report.md";
    let original = site.read(md);
    let changed = original.replace(
        "示例问题：测试栏目更新不够及时。",
        "示例问题：测试栏目更新仍不及时。",
    );
    assert_ne!(original, changed);
    let out = site.path("output");

    // the two complete sites a trial may leave behind, and how long a build takes
    site.write(md, &changed);
    site.run(&["build", "--no-downloads"]).expect_code(0);
    let sums_b = assert_complete(&out, "version B");
    site.write(md, &original);
    let t0 = Instant::now();
    site.run(&["build", "--no-downloads"]).expect_code(0);
    let build_time = t0.elapsed();
    let sums_a = assert_complete(&out, "version A");
    assert_ne!(sums_a, sums_b);

    let seed = std::env::var("NIANBAO_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
                | 1
        });
    eprintln!("crash test seed {seed} (NIANBAO_CRASH_SEED), build takes {build_time:?}");
    let mut rng = Rng(seed);
    let window = build_time.as_micros().max(1000) as u64 * 12 / 10;
    let mut outcomes = BTreeMap::<&str, usize>::new();
    for trial in 0..120 {
        // every trial builds the other version, so that the swap always changes the site
        site.write(md, if trial % 2 == 0 { &changed } else { &original });
        let mut child = Command::new(BIN)
            .arg("--root")
            .arg(site.root())
            .args(["build", "--no-downloads"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn nianbao build");
        std::thread::sleep(Duration::from_micros(rng.next() % window));
        let _ = child.kill(); // SIGKILL
        let status = child.wait().expect("wait");
        let sums = assert_complete(&out, &format!("trial {trial} (seed {seed})"));
        let which = if sums == sums_a {
            "previous or A"
        } else if sums == sums_b {
            "B"
        } else {
            panic!("trial {trial} (seed {seed}): output/ is neither version");
        };
        *outcomes
            .entry(if status.success() { "finished" } else { which })
            .or_default() += 1;
    }
    eprintln!("crash test outcomes: {outcomes:?}");
    // the trials did interrupt builds (not every build finished before the kill)
    assert!(
        outcomes.get("finished").copied().unwrap_or(0) < 120,
        "{outcomes:?}"
    );
    // the next build completes and leaves no staging folder or old copy behind
    site.run(&["build", "--no-downloads"]).expect_code(0);
    assert_complete(&out, "after the final build");
    let leftovers: Vec<String> = entries(site.root())
        .into_iter()
        .filter(|e| e.contains("nianbao-staging") || e.contains("nianbao-old"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    // the spare the next build starts from, when there is one, is a complete earlier output
    let spare = site.path(".output.nianbao-spare");
    if spare.exists() {
        assert_complete(&spare, "the spare");
    }
}

#[test]
fn build_check_and_serve_never_modify_content() {
    let site = standard_site();
    // Windows-style files too: BOM and CRLF must be read, never rewritten
    let md = "content/shiliju/2022/report.md";
    let crlf = format!("\u{feff}{}", site.read(md).replace('\n', "\r\n"));
    site.write(md, &crlf);
    let before = hashes(&site.path("content"));
    let site_toml = sha256(site.read("site.toml").as_bytes());

    site.run(&["check"]).expect_code(0);
    site.run(&["build"]).expect_code(0);
    site.run(&["build", "--no-downloads"]).expect_code(0);
    site.run(&["check", "--format", "json"]).expect_code(0);
    {
        let server = Server::start(site.root());
        assert_eq!(server.get("/2024/ceshizhen/index.html").status, 200);
        assert_eq!(server.get("/2024/ceshizhen/ceshizhen-2024.pdf").status, 200);
    }
    assert_eq!(hashes(&site.path("content")), before);
    assert_eq!(sha256(site.read("site.toml").as_bytes()), site_toml);
}
