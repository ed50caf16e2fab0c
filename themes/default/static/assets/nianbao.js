/* nianbao default theme: 关怀版 switch, 字号 大/中/小 and 打印. First-party, no dependencies.
   Loaded in <head> (not deferred) so the remembered choices apply before the first paint;
   every page is complete without it: the buttons stay hidden. */
(function () {
  'use strict';
  var root = document.documentElement;
  var KEY_CARE = 'nianbao-care';
  var KEY_FS = 'nianbao-fs';

  function load(key) {
    try { return window.localStorage.getItem(key); } catch (e) { return null; }
  }
  function save(key, value) {
    try {
      if (value === null) window.localStorage.removeItem(key);
      else window.localStorage.setItem(key, value);
    } catch (e) { /* storage unavailable (file://, private mode): the choice lasts this page */ }
  }
  function setCare(on) {
    root.classList.toggle('care', on);
  }
  function setFs(size) {
    root.classList.remove('fs-l', 'fs-s');
    if (size === 'l' || size === 's') root.classList.add('fs-' + size);
  }

  setCare(load(KEY_CARE) === '1');
  setFs(load(KEY_FS));

  function ready() {
    runSearch();
    var care = document.getElementById('care-toggle');
    if (care) {
      care.hidden = false;
      care.setAttribute('aria-pressed', String(root.classList.contains('care')));
      care.addEventListener('click', function () {
        var on = !root.classList.contains('care');
        setCare(on);
        save(KEY_CARE, on ? '1' : null);
        care.setAttribute('aria-pressed', String(on));
      });
    }
    var tools = document.querySelector('.report-tools');
    if (tools) {
      tools.hidden = false;
      var buttons = tools.querySelectorAll('[data-fs]');
      var current = root.classList.contains('fs-l') ? 'l' : root.classList.contains('fs-s') ? 's' : 'm';
      var mark = function (size) {
        for (var i = 0; i < buttons.length; i++) {
          buttons[i].setAttribute('aria-pressed', String(buttons[i].getAttribute('data-fs') === size));
        }
      };
      mark(current);
      for (var i = 0; i < buttons.length; i++) {
        buttons[i].addEventListener('click', function (ev) {
          var size = ev.currentTarget.getAttribute('data-fs');
          setFs(size);
          save(KEY_FS, size === 'm' ? null : size);
          mark(size);
        });
      }
      var print = tools.querySelector('[data-print]');
      if (print) print.addEventListener('click', function () { window.print(); });
    }
  }
  // ---- offline search (search.html + search-index.js; see src/render/search.rs) ----
  var B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  function isCjk(c) {
    var n = c.charCodeAt(0);
    return (n >= 0x3400 && n <= 0x4DBF) || (n >= 0x4E00 && n <= 0x9FFF) || (n >= 0xF900 && n <= 0xFAFF);
  }
  // the same tokens as tokens() in search.rs: CJK bigrams and lower-cased ASCII words
  function tokens(text) {
    var out = [], seen = {}, prev = '', word = '';
    function add(t) { if (!seen[t]) { seen[t] = true; out.push(t); } }
    for (var i = 0; i < text.length; i++) {
      var c = text.charAt(i), n = text.charCodeAt(i);
      if (n >= 0xFF01 && n <= 0xFF5E) c = String.fromCharCode(n - 0xFEE0);
      if (isCjk(c)) { if (prev) add(prev + c); prev = c; } else { prev = ''; }
      if (/[A-Za-z0-9]/.test(c)) { word += c.toLowerCase(); } else if (word) { add(word); word = ''; }
    }
    if (word) add(word);
    return out;
  }
  function decode(s, n) {
    var ids = [], i, bit;
    if (s.charAt(0) === '~') {
      for (i = 1; i < s.length; i++) {
        var w = B64.indexOf(s.charAt(i));
        for (bit = 0; bit < 6; bit++) {
          var id = (i - 1) * 6 + bit;
          if ((w & (1 << bit)) && id < n) ids.push(id);
        }
      }
    } else {
      var prevId = 0, gaps = s.split('.');
      for (i = 0; i < gaps.length; i++) { prevId += parseInt(gaps[i], 36); ids.push(prevId); }
    }
    return ids;
  }
  function search(index, query) {
    var toks = tokens(query);
    if (!toks.length) return null;
    var hits = null;
    for (var i = 0; i < toks.length; i++) {
      var p = index.grams[toks[i]];
      if (!p) return [];
      var ids = decode(p, index.docs.length), set = {};
      for (var j = 0; j < ids.length; j++) set[ids[j]] = true;
      hits = hits === null ? ids : hits.filter(function (id) { return set[id]; });
    }
    return hits;
  }
  function runSearch() {
    var list = document.getElementById('search-results');
    var status = document.getElementById('search-status');
    var input = document.getElementById('search-q');
    if (!list || !status || !input) return;
    var index = window.NIANBAO_SEARCH;
    var q = '';
    try { q = new URLSearchParams(window.location.search).get('q') || ''; } catch (e) { q = ''; }
    input.value = q;
    if (!q.trim()) { status.textContent = ''; return; }
    if (!index) { status.textContent = '搜索索引未能载入。'; return; }
    var hits = search(index, q);
    while (list.firstChild) list.removeChild(list.firstChild);
    if (hits === null) {
      status.textContent = '请输入至少两个汉字，或字母、数字。';
      return;
    }
    status.textContent = hits.length ? '找到 ' + hits.length + ' 份报告包含「' + q.trim() + '」。'
                                     : '没有找到包含「' + q.trim() + '」的报告。';
    for (var i = 0; i < hits.length; i++) {
      var d = index.docs[hits[i]];
      var li = document.createElement('li');
      var a = document.createElement('a');
      a.href = d[1];
      a.textContent = d[0];
      var meta = document.createElement('span');
      meta.className = 'meta';
      meta.textContent = d[2] + ' · ' + d[3] + '年';
      li.appendChild(a);
      li.appendChild(meta);
      list.appendChild(li);
    }
  }
  // for tests and embedding
  window.nianbaoSearch = { tokens: tokens, search: search };

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', ready);
  else ready();
})();
