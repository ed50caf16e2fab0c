//! What the preview watches besides `content/` and `themes/`: the folders and files that the
//! site's symlinks lead to elsewhere in the site folder. The watcher itself follows no link
//! (following them, it watched, and with `--poll` read, whatever a link led to, outside the
//! site too; with `--poll` a dangling link made it rebuild on every look; and links that fan
//! out made its start take time doubling with each level). Loading follows a link only to
//! somewhere inside the site (`content::links`); so does this walk, which visits each folder
//! once, however many links lead to it.

use crate::content::links::{Link, follow};
use std::collections::{BTreeSet, HashSet};
use std::path::{Path, PathBuf};

/// Folders and files outside `content/` and `themes/` that the site reads through symlinks
/// (resolved paths).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Linked {
    /// Folders: everything in them is read (a linked organisation, year or `files/` folder,
    /// and the folders below it).
    pub folders: BTreeSet<PathBuf>,
    /// Files linked to one by one (a `report.md` kept elsewhere, say); their folders are
    /// watched for them.
    pub files: BTreeSet<PathBuf>,
    /// The links followed (where they are, not where they lead).
    pub links: BTreeSet<PathBuf>,
}

impl Linked {
    /// Walk `tops` (resolved folders of the site `root`, also resolved) for the links inside
    /// the site that lead out of them; and site.toml, when it is a link.
    pub fn find(root: &Path, tops: &[PathBuf]) -> Linked {
        let mut linked = Linked::default();
        let settings = root.join("site.toml");
        if settings.is_symlink()
            && let Link::Inside(target) = follow(&settings, root)
        {
            linked.files.insert(target);
        }
        let mut seen: HashSet<PathBuf> = HashSet::new();
        let mut todo: Vec<PathBuf> = tops.iter().filter(|t| t.is_dir()).cloned().collect();
        let outside = |p: &Path| !tops.iter().any(|t| p.starts_with(t));
        while let Some(dir) = todo.pop() {
            if !seen.insert(dir.clone()) {
                continue;
            }
            if outside(&dir) {
                linked.folders.insert(dir.clone());
            }
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for e in entries.flatten() {
                if crate::content::is_ignored_name(&e.file_name().to_string_lossy()) {
                    continue;
                }
                let Ok(kind) = e.file_type() else {
                    continue;
                };
                // (`dir` is resolved, so is a real folder in it)
                if kind.is_dir() {
                    todo.push(e.path());
                } else if kind.is_symlink()
                    && let Link::Inside(target) = follow(&e.path(), root)
                {
                    linked.links.insert(e.path());
                    if target.is_dir() {
                        todo.push(target);
                    } else if target.parent().is_some_and(outside) {
                        linked.files.insert(target);
                    }
                }
            }
        }
        linked
    }

    /// The folders to watch (not recursively): the linked folders, and those of the linked
    /// files.
    pub fn watched(&self) -> BTreeSet<PathBuf> {
        let mut dirs = self.folders.clone();
        dirs.extend(
            self.files
                .iter()
                .filter_map(|f| f.parent().map(Path::to_path_buf)),
        );
        dirs
    }

    /// Whether removing or renaming `path` takes away a link followed: it is one, or a folder
    /// that holds one.
    pub fn unlinked_by(&self, path: &Path) -> bool {
        self.links.iter().any(|l| l.starts_with(path))
    }

    /// Whether an event about `path` may change the site: it is one of the linked files, or
    /// in (or is) one of the linked folders.
    pub fn holds(&self, path: &Path) -> bool {
        self.files.contains(path)
            || self.folders.contains(path)
            || path.parent().is_some_and(|p| self.folders.contains(p))
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    #[test]
    fn links_are_followed_inside_the_site_once_each() {
        let outside = tempfile::tempdir().unwrap();
        let site = tempfile::tempdir().unwrap();
        let root = site.path().canonicalize().unwrap();
        let content = root.join("content");
        for d in [
            "content/a/2024",
            "orgs/b/2024/files/sub",
            "shared",
            "content/c",
        ] {
            std::fs::create_dir_all(root.join(d)).unwrap();
        }
        std::fs::write(root.join("shared/report.md"), "x").unwrap();
        std::fs::write(root.join("shared/other.md"), "x").unwrap();
        // an organisation kept elsewhere in the site, a file linked alone, a link out of the
        // site, a link back up, a dangling one, and links fanning out to the same folders
        symlink(root.join("orgs/b"), content.join("b")).unwrap();
        symlink(
            "../../../shared/report.md",
            content.join("a/2024/report.md"),
        )
        .unwrap();
        symlink(outside.path(), content.join("x")).unwrap();
        symlink("..", content.join("a/2024/up")).unwrap();
        symlink("nowhere", content.join("a/.#report.md")).unwrap();
        symlink("nowhere", content.join("a/dangling")).unwrap();
        for i in 0..20 {
            std::fs::create_dir_all(root.join(format!("fan/d{i}"))).unwrap();
            for name in ["p", "q"] {
                symlink(
                    format!("../d{}", i + 1),
                    root.join(format!("fan/d{i}/{name}")),
                )
                .unwrap();
            }
        }
        std::fs::create_dir_all(root.join("fan/d20")).unwrap();
        symlink(root.join("fan/d0"), content.join("c/fan")).unwrap();
        let linked = Linked::find(&root, &[content.clone(), root.join("themes")]);
        let mut folders: BTreeSet<PathBuf> = [
            "orgs/b",
            "orgs/b/2024",
            "orgs/b/2024/files",
            "orgs/b/2024/files/sub",
        ]
        .iter()
        .map(|d| root.join(d))
        .collect();
        folders.extend((0..=20).map(|i| root.join(format!("fan/d{i}"))));
        assert_eq!(linked.folders, folders);
        assert_eq!(
            linked.files,
            BTreeSet::from([root.join("shared/report.md")])
        );
        // the linked file's folder is watched, but only that file counts
        assert!(linked.watched().contains(&root.join("shared")));
        assert!(linked.holds(&root.join("shared/report.md")));
        assert!(!linked.holds(&root.join("shared/other.md")));
        assert!(linked.holds(&root.join("orgs/b/2024/report.md")));
        assert!(linked.holds(&root.join("orgs/b")));
        assert!(!linked.holds(&root.join("orgs/c/2024/report.md")));
        assert!(!linked.holds(&outside.path().join("f")));
        // the links followed: removing one, or a folder holding one, changes where they lead
        assert!(linked.links.contains(&content.join("b")));
        assert!(linked.links.contains(&content.join("a/2024/report.md")));
        assert!(!linked.links.contains(&content.join("x")));
        assert!(linked.unlinked_by(&content.join("a/2024/report.md")));
        assert!(linked.unlinked_by(&content.join("a")));
        assert!(linked.unlinked_by(&root.join("fan/d3")));
        assert!(!linked.unlinked_by(&content.join("a/2024/tables.toml")));
        assert!(!linked.unlinked_by(&content.join("x")));
    }
}
