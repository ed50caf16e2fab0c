//! Symlinks in a site: followed only to something inside the site folder, and never to the
//! folder they are in or one above (which would make a walk go round without end). Loading,
//! the build's input fingerprint and the theme all follow this one rule.

use std::path::{Path, PathBuf};

/// Where a symlink leads, as far as the site is concerned.
#[derive(Debug, PartialEq, Eq)]
pub enum Link {
    /// To this (resolved) path inside the site.
    Inside(PathBuf),
    /// Out of the site folder.
    Outside,
    /// Back to the folder it is in, or one above.
    Loop,
    /// Nowhere: its target does not exist.
    Broken,
    /// Nowhere the system can resolve: links leading to each other, say.
    Unresolvable,
}

/// Where the symlink at `link` leads; `canonical_root` is the site's folder, resolved.
pub fn follow(link: &Path, canonical_root: &Path) -> Link {
    let target = match link.canonicalize() {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Link::Broken,
        // too many levels of links, and the like: it leads nowhere usable
        Err(_) => return Link::Unresolvable,
    };
    if !target.starts_with(canonical_root) {
        return Link::Outside;
    }
    let folder = link.parent().and_then(|p| p.canonicalize().ok());
    if folder.is_some_and(|f| f.starts_with(&target)) {
        return Link::Loop;
    }
    Link::Inside(target)
}

/// Whether `path` (a folder of the site, perhaps itself a symlink or below one) resolves
/// inside the site folder. A path that does not exist is inside (there is nothing to read).
pub fn resolves_inside(path: &Path, canonical_root: &Path) -> bool {
    match path.canonicalize() {
        Ok(p) => p.starts_with(canonical_root),
        Err(e) => e.kind() == std::io::ErrorKind::NotFound,
    }
}

/// The message for a symlink to a folder where only the folder itself may be one: below a
/// report's `files/` and inside a theme. Walks of those folders follow no folder links, so
/// that links between folders can never make them go round (one back up, or two folders
/// linked to each other, made them grow without end).
pub const FOLDER_LINK_REFUSED: &str =
    "符号链接指向文件夹：附件和主题中的文件夹不能是链接，请把文件夹复制进来";

/// The message for a symlink refused by [`follow`].
pub fn refusal(link: &Link) -> &'static str {
    match link {
        Link::Loop => "符号链接指向它所在的文件夹或其上级（循环），已拒绝读取",
        Link::Broken => "符号链接指向的文件或文件夹不存在（链接已失效），已拒绝读取",
        Link::Unresolvable => "符号链接无法解析（可能是几个链接互相指向），已拒绝读取",
        _ => "符号链接指向站点文件夹之外，已拒绝读取",
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn links_are_followed_inside_the_site_only_and_never_back_up() {
        let outside = tempfile::tempdir().unwrap();
        let site = tempfile::tempdir().unwrap();
        let root = site.path().canonicalize().unwrap();
        std::fs::create_dir_all(root.join("a/b")).unwrap();
        std::fs::write(root.join("f.txt"), "x").unwrap();
        let link = |name: &str, to: &Path| {
            std::os::unix::fs::symlink(to, root.join("a/b").join(name)).unwrap();
            follow(&root.join("a/b").join(name), &root)
        };
        assert_eq!(
            link("file", &root.join("f.txt")),
            Link::Inside(root.join("f.txt"))
        );
        assert_eq!(link("up", Path::new("..")), Link::Loop);
        assert_eq!(link("here", Path::new(".")), Link::Loop);
        assert_eq!(link("top", &root), Link::Loop);
        assert_eq!(link("out", outside.path()), Link::Outside);
        assert_eq!(link("gone", &root.join("nowhere")), Link::Broken);
        // two links leading to each other (regression: called "outside the site")
        std::os::unix::fs::symlink(root.join("a/b/ping"), root.join("a/b/pong")).unwrap();
        assert_eq!(link("ping", &root.join("a/b/pong")), Link::Unresolvable);
        let messages: std::collections::BTreeSet<&str> =
            [Link::Outside, Link::Loop, Link::Broken, Link::Unresolvable]
                .iter()
                .map(refusal)
                .collect();
        assert_eq!(messages.len(), 4);
        std::fs::create_dir(root.join("c")).unwrap();
        assert_eq!(link("side", &root.join("c")), Link::Inside(root.join("c")));
        assert!(resolves_inside(&root.join("a/b/side"), &root));
        assert!(!resolves_inside(&root.join("a/b/out"), &root));
        assert!(resolves_inside(&root.join("missing"), &root));
    }
}
