//! A request target → the preview server's path resolver. Whatever it resolves to is a
//! relative path inside the site: no `..`, `.`, empty, absolute, drive or backslash parts.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nianbao::serve::paths::{Resolved, resolve};

fn assert_inside(path: &str, url: &str) {
    assert!(!path.is_empty(), "{url:?} → empty path");
    assert!(!path.starts_with('/'), "{url:?} → absolute {path:?}");
    assert!(!path.contains(['\\', '\0', ':']), "{url:?} → {path:?}");
    for seg in path.split('/') {
        assert!(
            !seg.is_empty() && !seg.chars().all(|c| c == '.'),
            "{url:?} → {path:?} has segment {seg:?}"
        );
    }
    let p = std::path::Path::new(path);
    assert!(p.is_relative());
    for c in p.components() {
        assert!(
            matches!(c, std::path::Component::Normal(_)),
            "{url:?} → {path:?} has {c:?}"
        );
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(url) = std::str::from_utf8(data) else {
        return;
    };
    // every path exists: the resolver alone must keep requests inside the site
    let asked = std::cell::RefCell::new(Vec::new());
    let r = resolve(url, |p| {
        asked.borrow_mut().push(p.to_string());
        true
    });
    for p in asked.borrow().iter() {
        assert_inside(p, url);
    }
    match r {
        Resolved::File(p) => assert_inside(&p, url),
        Resolved::Redirect(to) => {
            assert!(to.starts_with('/') && !to.starts_with("//"), "{url:?} → redirect {to:?}");
            assert!(to.ends_with('/'));
        }
        Resolved::NotFound | Resolved::Forbidden => {}
    }
    // and nothing exists
    let _ = resolve(url, |_| false);
});
