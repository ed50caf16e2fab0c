//! What the preview server adds to pages (never to built output): the live-reload script and
//! the error overlay.

use crate::diagnostics::{Diagnostics, Style, render_text};
use crate::render::escape::html;

pub const LIVE_JS: &str = r#"// nianbao preview: reload when a new generation of the site is ready.
(function () {
  "use strict";
  var key = "nianbao-scroll:" + location.pathname;
  var saved = sessionStorage.getItem(key);
  if (saved !== null) {
    sessionStorage.removeItem(key);
    window.addEventListener("load", function () { window.scrollTo(0, parseInt(saved, 10) || 0); });
  }
  var seen = null;
  function poll() {
    fetch("/__nianbao/generation", { cache: "no-store" })
      .then(function (r) { return r.text(); })
      .then(function (g) {
        if (seen === null) { seen = g; }
        else if (g !== seen) {
          sessionStorage.setItem(key, String(window.scrollY));
          location.reload();
          return;
        }
        setTimeout(poll, 400);
      })
      .catch(function () { setTimeout(poll, 1500); });
  }
  poll();
})();
"#;

pub const OVERLAY_CSS: &str = r#".nianbao-overlay{position:fixed;inset:auto 0 0 0;max-height:60vh;overflow:auto;z-index:9999;background:#fff8f7;color:#1a1a1a;border-top:4px solid #b0191e;box-shadow:0 -4px 16px rgba(0,0,0,.2);padding:1rem 1.5rem;font-size:15px;line-height:1.6}
.nianbao-overlay h2{margin:0 0 .5rem;font-size:1.1rem;color:#8a1014}
.nianbao-overlay pre{white-space:pre-wrap;font-family:ui-monospace,Menlo,Consolas,"Noto Sans Mono CJK SC",monospace;font-size:14px;margin:0}
"#;

/// The overlay shown on every page while the latest sources have errors.
pub fn overlay(diags: &Diagnostics, extra: Option<&str>) -> String {
    let mut text = render_text(diags, Style::Plain);
    if let Some(e) = extra {
        text.push_str(e);
    }
    format!(
        "<div class=\"nianbao-overlay\" role=\"alert\"><h2>站点有 {} 个错误，页面显示的是上一次成功生成的内容</h2><pre>{}</pre></div>",
        diags.error_count().max(1),
        html(&text)
    )
}

/// Add the live-reload script (and the overlay, if any) to an HTML page.
pub fn inject(page: &[u8], overlay: Option<&str>) -> Vec<u8> {
    let text = String::from_utf8_lossy(page);
    let mut add = String::from("<script src=\"/__nianbao/live.js\"></script>\n");
    if let Some(o) = overlay {
        add.push_str("<link rel=\"stylesheet\" href=\"/__nianbao/overlay.css\">\n");
        add.push_str(o);
    }
    match text.rfind("</body>") {
        Some(i) => format!("{}{add}{}", &text[..i], &text[i..]).into_bytes(),
        None => format!("{text}{add}").into_bytes(),
    }
}
