//! The preview and symbolic links in the site: what loading follows (links inside the site)
//! is watched wherever it leads, nothing else is, and no link makes the preview rebuild on
//! its own.

use crate::common::*;
use std::os::unix::fs::symlink;
use std::time::Duration;

fn generation(server: &Server) -> String {
    server.get("/__nianbao/generation").text()
}

/// A dangling link (Emacs leaves one as a lock file: `.#report.md`) and a link back up:
/// the polling watcher could follow neither, failed on every look, and each failure made a
/// rebuild, so the browser reloaded every 0.4 s.
#[test]
fn a_polling_preview_stays_quiet_beside_dangling_and_looping_links() {
    let site = standard_site();
    symlink(
        "user@host.1234:1700000000",
        site.path("content/ceshizhen/2024/.#report.md"),
    )
    .unwrap();
    symlink("..", site.path("content/ceshizhen/2024/up")).unwrap();
    let server = Server::start_with(site.root(), &["--poll", "--debounce", "100"]);
    let first = generation(&server);
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(
        generation(&server),
        first,
        "rebuilt with nothing changed\n{}",
        server.stderr_text()
    );
    // and it still sees an edit
    let md = "content/ceshizhen/2024/report.md";
    site.write(md, format!("{}\n轮询仍然看到修改。\n", site.read(md)));
    server.poll("/2024/ceshizhen/", 10, |r| {
        r.text().contains("轮询仍然看到修改")
    });
}

/// What links inside the site lead to is watched: a report.md kept elsewhere in the site, a
/// `files/` folder linked while the preview runs (to a folder elsewhere, then to another
/// report's) and removed again; a link out of the site is not followed.
fn links_are_watched_where_they_lead(args: &[&str]) {
    let site = standard_site();
    let outside = tempfile::tempdir().unwrap();
    symlink(outside.path(), site.path("content/x")).unwrap();
    std::fs::create_dir(site.path("shared")).unwrap();
    std::fs::rename(
        site.path("content/ceshizhen/2024/report.md"),
        site.path("shared/report.md"),
    )
    .unwrap();
    symlink(
        "../../../shared/report.md",
        site.path("content/ceshizhen/2024/report.md"),
    )
    .unwrap();
    let server = Server::start_with(site.root(), args);
    // (the link out is refused: the preview shows the error until it is gone)
    let g = generation(&server);
    std::fs::write(outside.path().join("f.md"), "x").unwrap();
    std::thread::sleep(Duration::from_secs(1));
    assert_eq!(generation(&server), g, "an edit outside the site rebuilt");
    std::fs::remove_file(site.path("content/x")).unwrap();
    server.poll("/2024/ceshizhen/", 10, |r| {
        !r.text().contains("站点文件夹之外")
    });

    // an edit of the linked file
    let mut md = site.read("shared/report.md");
    md.push_str("\n通过链接目标修改。\n");
    site.write("shared/report.md", md);
    server.poll("/2024/ceshizhen/", 10, |r| {
        r.text().contains("通过链接目标修改")
    });

    // a files/ folder linked to a folder elsewhere in the site while the preview runs: a
    // file added there later is served
    std::fs::create_dir_all(site.path("archive/files")).unwrap();
    site.write("archive/files/旧.txt", "1");
    symlink(
        "../../../archive/files",
        site.path("content/ceshizhen/2023/files"),
    )
    .unwrap();
    server.poll("/2023/ceshizhen/files/%E6%97%A7.txt", 10, |r| {
        r.status == 200
    });
    site.write("archive/files/新.txt", "2");
    server.poll("/2023/ceshizhen/files/%E6%96%B0.txt", 10, |r| {
        r.status == 200
    });

    // linked to another report's files/ instead, then removed: that folder is still watched
    std::fs::create_dir_all(site.path("content/ceshizhen/2024/files")).unwrap();
    std::fs::remove_file(site.path("content/ceshizhen/2023/files")).unwrap();
    symlink("../2024/files", site.path("content/ceshizhen/2023/files")).unwrap();
    site.write("content/ceshizhen/2024/files/甲.txt", "3");
    server.poll("/2023/ceshizhen/files/%E7%94%B2.txt", 10, |r| {
        r.status == 200
    });
    std::fs::remove_file(site.path("content/ceshizhen/2023/files")).unwrap();
    server.poll("/2023/ceshizhen/files/%E7%94%B2.txt", 10, |r| {
        r.status == 404
    });
    site.write("content/ceshizhen/2024/files/乙.txt", "4");
    server.poll("/2024/ceshizhen/files/%E4%B9%99.txt", 10, |r| {
        r.status == 200
    });

    // linked to the folder elsewhere again, then removed: that folder is no longer watched
    // (regression: it was, until the next link was made, and an edit there rebuilt)
    symlink(
        "../../../archive/files",
        site.path("content/ceshizhen/2023/files"),
    )
    .unwrap();
    server.poll("/2023/ceshizhen/files/%E6%97%A7.txt", 10, |r| {
        r.status == 200
    });
    std::fs::remove_file(site.path("content/ceshizhen/2023/files")).unwrap();
    server.poll("/2023/ceshizhen/files/%E6%97%A7.txt", 10, |r| {
        r.status == 404
    });
    // (the removal's rebuild done: no generation after it)
    std::thread::sleep(Duration::from_millis(800));
    let g = generation(&server);
    site.write("archive/files/丙.txt", "5");
    std::thread::sleep(Duration::from_secs(1));
    assert_eq!(
        generation(&server),
        g,
        "an edit in a folder no link leads to any more rebuilt"
    );
    assert_serves_a_clean_build(&site, &server);
}

#[test]
fn links_are_watched_where_they_lead_with_notifications() {
    links_are_watched_where_they_lead(&["--debounce", "100"]);
}

#[test]
fn links_are_watched_where_they_lead_when_polling() {
    links_are_watched_where_they_lead(&["--poll", "--debounce", "100"]);
}
