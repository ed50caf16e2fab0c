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
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', ready);
  else ready();
})();
