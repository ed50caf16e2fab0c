// Browser checks for the nianbao default theme (issue 6).
//
//   node tests/browser/check.mjs NAME=OUTDIR [NAME=OUTDIR ...]
//
// Serves every built site under its own sub-path (/NAME/) of a tiny static server on 127.0.0.1,
// opens every HTML page in headless Chromium (playwright-core, /usr/bin/chromium) and checks:
//   - axe-core, tags wcag2a, wcag2aa, wcag21a, wcag21aa: 0 violations on every page;
//   - the keyboard path: Tab from the top reaches the skip link first and, tabbing on, the
//     downloads list of a report page;
//   - reflow at 320 px: no horizontal scroll of the page, wide tables scroll inside a focusable,
//     labelled region.
// Screenshots (375 px and 1280 px of each page type) go to $SCREENSHOTS when it is set.
// Exits 1 on any failure. Prints `browser checks: N pages, V axe violations, F failures` (F: the
// checks other than axe).

import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
const axePath = path.join(here, 'node_modules', 'axe-core', 'axe.min.js');

const sites = process.argv.slice(2).map((a) => {
  const i = a.indexOf('=');
  if (i < 1) throw new Error(`usage: check.mjs NAME=OUTDIR ...  (got ${a})`);
  return { name: a.slice(0, i), dir: path.resolve(a.slice(i + 1)) };
});
if (sites.length === 0) {
  console.error('usage: check.mjs NAME=OUTDIR ...');
  process.exit(2);
}

const types = {
  '.html': 'text/html; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8', '.json': 'application/json; charset=utf-8',
  '.xml': 'application/xml; charset=utf-8', '.svg': 'image/svg+xml', '.png': 'image/png',
  '.csv': 'text/csv; charset=utf-8', '.pdf': 'application/pdf', '.zip': 'application/zip',
};

// A tiny static server: /NAME/... maps into that site's output folder, nothing outside it.
const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://127.0.0.1');
  if (url.pathname === '/__axe.min.js') {
    // served same-origin so that the pages' strict CSP (script-src 'self') allows it
    res.writeHead(200, { 'content-type': types['.js'] });
    res.end(fs.readFileSync(axePath));
    return;
  }
  const parts = decodeURIComponent(url.pathname).split('/').filter(Boolean);
  if (parts.some((p) => p === '..')) {
    res.writeHead(404).end('not found');
    return;
  }
  let site = sites.find((s) => s.name === parts[0]);
  let file = site ? path.join(site.dir, ...parts.slice(1)) : null;
  if (!site) {
    // A root-absolute link (the 404 page links from the site's base path, as it is served at any
    // depth): serve it from the referring site, as if that site were deployed at its base path.
    const ref = req.headers.referer ? new URL(req.headers.referer).pathname.split('/')[1] : '';
    site = sites.find((s) => s.name === ref);
    if (!site) {
      res.writeHead(404).end('not found');
      return;
    }
    for (let i = 0; i < parts.length; i++) {
      file = path.join(site.dir, ...parts.slice(i));
      if (fs.existsSync(file)) break;
    }
  }
  if (fs.existsSync(file) && fs.statSync(file).isDirectory()) file = path.join(file, 'index.html');
  if (!fs.existsSync(file)) {
    res.writeHead(404, { 'content-type': types['.html'] });
    res.end(fs.readFileSync(path.join(site.dir, '404.html')));
    return;
  }
  res.writeHead(200, { 'content-type': types[path.extname(file)] || 'application/octet-stream' });
  res.end(fs.readFileSync(file));
});
await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
const origin = `http://127.0.0.1:${server.address().port}`;

function htmlFiles(dir, rel = '') {
  const out = [];
  for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...htmlFiles(dir, r));
    else if (e.name.endsWith('.html')) out.push(r);
  }
  return out.sort();
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});

let pages = 0;
let violations = 0;
const failures = [];
const fail = (msg) => { failures.push(msg); console.log(`FAIL ${msg}`); };
const shots = process.env.SCREENSHOTS ? path.resolve(process.env.SCREENSHOTS) : null;
if (shots) fs.mkdirSync(shots, { recursive: true });
const shotTaken = new Set();

function pageType(rel) {
  if (rel === 'index.html') return 'home';
  if (rel === '404.html') return '404';
  if (rel === 'sitemap.html') return 'sitemap';
  if (rel === 'search.html') return 'search';
  if (/^org\/[^/]+\/index\.html$/.test(rel)) return 'org';
  if (/^\d{4}\/index\.html$/.test(rel)) return 'year';
  if (/^\d{4}\/[^/]+\/index\.html$/.test(rel)) return 'report';
  return 'other';
}

const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
// No request may leave the test server.
await context.route('**/*', (route) => {
  if (route.request().url().startsWith(origin)) return route.continue();
  fail(`external request ${route.request().url()}`);
  return route.abort();
});
const page = await context.newPage();
const consoleErrors = [];
page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
page.on('pageerror', (e) => consoleErrors.push(String(e)));
page.on('response', (r) => {
  if (r.status() >= 400 && !r.url().endsWith('/no/such/page.html')) consoleErrors.push(`HTTP ${r.status()} ${r.url()}`);
});

for (const site of sites) {
  let keyboardChecked = false;
  for (const rel of htmlFiles(site.dir)) {
    const url = `${origin}/${site.name}/${rel}`;
    const type = pageType(rel);
    const where = `${site.name}/${rel}`;
    pages += 1;
    consoleErrors.length = 0;
    await page.setViewportSize({ width: 1280, height: 900 });
    // the 404 page is checked as a server shows it: at a missing address, deep in the site
    await page.goto(type === '404' ? `${origin}/${site.name}/no/such/page.html` : url, { waitUntil: 'load' });

    // axe-core
    await page.addScriptTag({ url: `${origin}/__axe.min.js` });
    const result = await page.evaluate(() => window.axe.run({
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    }));
    for (const v of result.violations) {
      violations += v.nodes.length;
      for (const n of v.nodes.slice(0, 3)) {
        fail(`${where}: axe ${v.id} (${v.impact}): ${n.target.join(' ')} — ${n.failureSummary.split('\n').slice(1, 2).join('').trim()}`);
      }
      if (v.nodes.length > 3) fail(`${where}: axe ${v.id}: ${v.nodes.length - 3} more`);
    }
    const errs = consoleErrors.filter((e) => !(type === '404' && e.includes('status of 404')));
    if (errs.length) fail(`${where}: console errors: ${errs.join(' | ')}`);

    // keyboard path to the downloads: once per site, on the first report page with downloads
    if (type === 'report' && !keyboardChecked && (await page.$('.downloads a'))) {
      keyboardChecked = true;
      await page.goto(url, { waitUntil: 'load' });
      await page.keyboard.press('Tab');
      const first = await page.evaluate(() => document.activeElement?.className || '');
      if (!String(first).includes('skip-link')) fail(`${where}: the first Tab stop is not the skip link (${first})`);
      let reached = false;
      for (let i = 0; i < 400 && !reached; i++) {
        await page.keyboard.press('Tab');
        reached = await page.evaluate(() => !!document.activeElement?.closest('.downloads'));
      }
      if (!reached) fail(`${where}: Tab never reaches the downloads list`);
      // the skip link moves focus into <main>
      await page.goto(url, { waitUntil: 'load' });
      await page.keyboard.press('Tab');
      await page.keyboard.press('Enter');
      await page.keyboard.press('Tab');
      const inMain = await page.evaluate(() => !!document.activeElement?.closest('main'));
      if (!inMain) fail(`${where}: after the skip link, Tab does not land in <main>`);
    }

    // reflow at 320 px
    await page.setViewportSize({ width: 320, height: 640 });
    const reflow = await page.evaluate(() => {
      const sw = document.documentElement.scrollWidth;
      const regions = [...document.querySelectorAll('table')].map((t) => {
        const r = t.closest('.table-region');
        return {
          wrapped: !!r,
          focusable: r ? r.tabIndex >= 0 : false,
          labelled: r ? !!(r.getAttribute('aria-label') || r.getAttribute('aria-labelledby')) : false,
          role: r ? r.getAttribute('role') : null,
          scrolls: r ? r.scrollWidth > r.clientWidth : false,
          wide: t.scrollWidth > 320,
        };
      });
      return { sw, regions };
    });
    if (reflow.sw > 320) fail(`${where}: at 320 px the page scrolls horizontally (scrollWidth ${reflow.sw})`);
    reflow.regions.forEach((r, i) => {
      if (!r.wrapped) fail(`${where}: table ${i + 1} is not inside a .table-region`);
      else if (r.wide && !(r.focusable && r.labelled && r.role === 'region')) {
        fail(`${where}: wide table ${i + 1}: its scroll region must be focusable, role=region and labelled`);
      }
    });

    if (shots && !shotTaken.has(`${site.name}-${type}`)) {
      shotTaken.add(`${site.name}-${type}`);
      await page.evaluate(() => document.activeElement?.blur());
      for (const w of [375, 1280]) {
        await page.setViewportSize({ width: w, height: 900 });
        await page.screenshot({ path: path.join(shots, `${site.name}-${type}-${w}.png`), fullPage: true });
      }
    }
  }
  if (!keyboardChecked) fail(`${site.name}: no report page with downloads to check the keyboard path`);
}

// 关怀版 and 字号: hidden without JS; with JS the switch works, is remembered across pages, and
// the page in 关怀版 has a body text of at least 18 px and still 0 axe violations.
for (const site of sites) {
  const all = htmlFiles(site.dir);
  const rel = all.find((r) => pageType(r) === 'report');
  const other = all.find((r) => pageType(r) === 'org');
  if (!rel || !other) continue;
  const url = `${origin}/${site.name}/${rel}`;
  const noJs = await browser.newContext({ javaScriptEnabled: false });
  const p2 = await noJs.newPage();
  await p2.goto(url, { waitUntil: 'load' });
  const visible = await p2.evaluate(() => ['#care-toggle', '.report-tools']
    .filter((s) => document.querySelector(s) && getComputedStyle(document.querySelector(s)).display !== 'none'));
  if (visible.length) fail(`${site.name}/${rel}: without JavaScript ${visible.join(', ')} must stay hidden`);
  if (!(await p2.$('.report-body'))) fail(`${site.name}/${rel}: without JavaScript the report body is missing`);
  await noJs.close();

  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto(url, { waitUntil: 'load' });
  await page.evaluate(() => window.localStorage.clear());
  await page.reload({ waitUntil: 'load' });
  const toggle = await page.$('#care-toggle');
  if (!toggle || !(await toggle.isVisible())) {
    fail(`${site.name}/${rel}: the 关怀版 switch is not visible`);
    continue;
  }
  await toggle.click();
  await page.goto(`${origin}/${site.name}/${other}`, { waitUntil: 'load' });
  const care = await page.evaluate(() => ({
    on: document.documentElement.classList.contains('care'),
    pressed: document.getElementById('care-toggle')?.getAttribute('aria-pressed'),
    size: parseFloat(getComputedStyle(document.body).fontSize),
  }));
  if (!care.on || care.pressed !== 'true') fail(`${site.name}/${other}: 关怀版 is not remembered across pages`);
  if (care.size < 18) fail(`${site.name}/${other}: 关怀版 body text is ${care.size}px (< 18)`);
  for (const u of [url, `${origin}/${site.name}/${other}`]) {
    await page.goto(u, { waitUntil: 'load' });
    await page.addScriptTag({ url: `${origin}/__axe.min.js` });
    const r = await page.evaluate(() => window.axe.run({
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    }));
    for (const v of r.violations) {
      violations += v.nodes.length;
      fail(`${u.slice(origin.length + 1)} (关怀版): axe ${v.id}: ${v.nodes[0].target.join(' ')}`);
    }
  }
  await page.goto(url, { waitUntil: 'load' });
  if (shots) {
    await page.screenshot({ path: path.join(shots, `${site.name}-report-care-1280.png`), fullPage: false });
  }
  // 字号 大 enlarges the report text; 中 restores it
  const before = await page.evaluate(() => parseFloat(getComputedStyle(document.querySelector('.report-body p') || document.body).fontSize));
  await page.click('.report-tools [data-fs="l"]');
  const after = await page.evaluate(() => parseFloat(getComputedStyle(document.querySelector('.report-body p') || document.body).fontSize));
  if (!(after > before)) fail(`${site.name}/${rel}: 字号 大 does not enlarge the text (${before} → ${after})`);
  await page.click('.report-tools [data-fs="m"]');
  await page.click('#care-toggle');
  const off = await page.evaluate(() => !document.documentElement.classList.contains('care'));
  if (!off) fail(`${site.name}/${rel}: the 关怀版 switch does not turn off`);
  await page.evaluate(() => window.localStorage.clear());
}

// the print stylesheet hides the navigation (emulated print media), checked on one report page
for (const site of sites) {
  const rel = htmlFiles(site.dir).find((r) => pageType(r) === 'report');
  if (!rel) continue;
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto(`${origin}/${site.name}/${rel}`, { waitUntil: 'load' });
  await page.emulateMedia({ media: 'print' });
  const hidden = await page.evaluate(() => ['.site-header', '.breadcrumb', '.site-footer']
    .filter((s) => document.querySelector(s) && getComputedStyle(document.querySelector(s)).display !== 'none'));
  if (hidden.length) fail(`${site.name}/${rel}: printed page still shows ${hidden.join(', ')}`);
  await page.emulateMedia({ media: 'screen' });
}

// search: a Chinese phrase taken from a report's own text, typed into the header's search box
// and submitted with the keyboard, lists that report on search.html (with 0 axe violations);
// a phrase in no report lists none.
for (const site of sites) {
  const reports = htmlFiles(site.dir).filter((r) => pageType(r) === 'report');
  if (!reports.length) continue;
  const rel = reports[reports.length - 1];
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto(`${origin}/${site.name}/${rel}`, { waitUntil: 'load' });
  const phrase = await page.evaluate(() => {
    const all = [...document.querySelectorAll('.report-body p')];
    // from the middle of the report: a phrase less common than the opening formula
    const ps = all.slice(Math.floor(all.length / 2)).concat(all);
    for (const p of ps) {
      const m = (p.textContent || '').match(/[\u4e00-\u9fff]{8,}/);
      if (m) return m[0].slice(2, 8);
    }
    return null;
  });
  if (!phrase) { fail(`${site.name}/${rel}: no Chinese phrase to search for`); continue; }
  await page.focus('#site-q');
  await page.keyboard.type(phrase);
  await page.keyboard.press('Enter');
  await page.waitForURL(/search\.html\?q=/);
  await page.waitForFunction(() => document.getElementById('search-status')?.textContent);
  const found = await page.evaluate(() => [...document.querySelectorAll('#search-results a')].map((a) => a.href));
  const want = `${origin}/${site.name}/${rel}`;
  if (!found.includes(want)) fail(`${site.name}: searching 「${phrase}」 does not list ${rel} (got ${found.length} results)`);
  else console.log(`search ${site.name}: 「${phrase}」 → ${found.length} report(s), ${rel} among them`);
  const value = await page.inputValue('#search-q');
  if (value !== phrase) fail(`${site.name}: the search page does not show the query (${value})`);
  await page.addScriptTag({ url: `${origin}/__axe.min.js` });
  const r = await page.evaluate(() => window.axe.run({
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
  }));
  for (const v of r.violations) {
    violations += v.nodes.length;
    fail(`${site.name}/search.html (results): axe ${v.id}: ${v.nodes[0].target.join(' ')}`);
  }
  if (shots) await page.screenshot({ path: path.join(shots, `${site.name}-search-results-1280.png`), fullPage: true });
  await page.goto(`${origin}/${site.name}/search.html?q=${encodeURIComponent('量子纠缠态观测')}`, { waitUntil: 'load' });
  const none = await page.evaluate(() => document.querySelectorAll('#search-results li').length);
  if (none !== 0) fail(`${site.name}: a phrase in no report lists ${none} results`);
}

await browser.close();
server.close();
const other = failures.filter((f) => !f.includes(': axe ')).length;
console.log(`browser checks: ${pages} pages, ${violations} axe violations, ${other} failures`);
process.exit(failures.length ? 1 : 0);
