#!/usr/bin/env python3
"""Compare two nianbao binaries on edit builds and `check`, run by run, alternating, on a
noisy machine (full builds: scripts/bench-ab.sh).

usage: scripts/bench-ab-edits.py BIN_A BIN_B SITE_A,SITE_B RUNS KIND

KIND is one of
  md     a line appended to the first report.md (in path order) before each build
  value  `licensing = N` raised by one, in the first tables.toml that has such a line
  noop   nothing changed
  check  `nianbao check`

Give each binary its own copy of the site (SITE_A,SITE_B, e.g. two copies of a gen-site
site): a build takes pages from the last output only when that was made by the same binary.

Each round runs A, then B, with the same edit made before each; the first two rounds are not
counted (they bring each copy up to its binary's records). Prints, per binary, the medians of
wall time, CPU time (user + system, from wait4) and peak resident memory.

Hyperfine's rounds of 10 runs of one binary, then 10 of the other, showed differences of
15-20 ms that vanished when the runs were interleaved (BENCHMARKS.md, twelfth pass): the
machine's speed drifts over minutes.
"""

import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path


def first(site: Path, name: str, pred=lambda p: True) -> Path:
    for p in sorted((site / "content").rglob(name)):
        if pred(p):
            return p
    sys.exit(f"no {name} for this edit in {site}/content")


LICENSING = re.compile(r"(?m)^(\s*licensing\s*=\s*)(\d+)")


def edited(kind: str, site: Path):
    """The file of `site` that each run of `kind` edits (found once), or None."""
    if kind == "md":
        return first(site, "report.md")
    if kind == "value":
        return first(site, "tables.toml", lambda p: LICENSING.search(p.read_text("utf-8")))
    return None


def prepare(kind: str, path) -> None:
    if kind == "md":
        with open(path, "a", encoding="utf-8") as f:
            f.write("新增一句。\n")
    elif kind == "value":
        text = path.read_text("utf-8")
        m = LICENSING.search(text)
        path.write_text(text[: m.start(2)] + str(int(m.group(2)) + 1) + text[m.end(2):], "utf-8")


def main() -> None:
    if len(sys.argv) != 6:
        sys.exit(__doc__)
    bins = sys.argv[1:3]
    sites = [Path(s) for s in sys.argv[3].split(",")]
    runs, kind = int(sys.argv[4]), sys.argv[5]
    if kind not in ("md", "value", "noop", "check"):
        sys.exit(f"unknown KIND {kind}")
    if len(sites) != 2 or sites[0] == sites[1]:
        sys.exit("give each binary its own copy of the site: SITE_A,SITE_B")
    paths = [edited(kind, site) for site in sites]
    command = ["check"] if kind == "check" else ["build", "--no-downloads"]
    results = [[], []]
    for round_ in range(runs + 2):
        for k in (0, 1):
            prepare(kind, paths[k])
            started = time.perf_counter()
            child = subprocess.Popen(
                [bins[k], "--root", str(sites[k])] + command,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            _, status, usage = os.wait4(child.pid, 0)
            wall = time.perf_counter() - started
            if os.waitstatus_to_exitcode(status) != 0:
                sys.exit(f"{bins[k]} failed on {sites[k]}")
            if round_ >= 2:
                cpu = usage.ru_utime + usage.ru_stime
                results[k].append((wall * 1e3, cpu * 1e3, usage.ru_maxrss / 1024))
    for k in (0, 1):
        r = results[k]
        med = lambda i: statistics.median(x[i] for x in r)
        print(
            f"{'AB'[k]} {kind}: wall median {med(0):6.1f} ms (min {min(x[0] for x in r):6.1f}), "
            f"CPU median {med(1):6.1f} ms, peak memory median {med(2):5.0f} MB, "
            f"n={len(r)}  [{bins[k]}]"
        )


if __name__ == "__main__":
    main()
