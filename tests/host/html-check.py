#!/usr/bin/python3
"""html-check.py - check uvm-collect's HTML reports in a real browser.

Usage: html-check.py PAGE [--json REPORT.json] [--folded STACKS.folded]
                          [--facts-out FACTS.json] [--screenshot OUT.png]
                     [PAGE [...] ...]

Each PAGE is loaded from disk in one headless Chromium (selenium and
chromedriver, Debian's), and checked:

- self-contained: no http(s) or protocol-relative URL in the markup, and
  the browser requested nothing but the file itself;
- the browser logged no error (a script error, a CSP violation);
- the markup's numbers (the data-* attributes, docs/uvm-collect.md "HTML
  report") are those of --json, the JSON report of the same trace: the
  processes and their tree, exit statuses and signals, every system call
  table row, the histograms' counts, the faults by region, the summary;
- the flame graph's frames weigh what the --folded stacks of the same
  trace (same --weight) say: each drawn frame the sum of the lines under
  it, the whole their total;
- clicking a column header sorts its table (descending for numbers, then
  ascending), clicking a flame graph frame zooms it to the full width and
  "reset zoom" undoes it.

What the page shows is written to --facts-out as JSON, for the tests'
own assertions on known workloads.  Exit 0 when every check passed,
else 1 with each failure on stderr.  The interpreter is Debian's
(/usr/bin/python3), which has python3-selenium.
"""
import argparse
import json
import os
import re
import sys

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

FLAME_WIDTH = 1200.0

failures = []


def fail(page, msg):
    failures.append(f"{page}: {msg}")


# Everything the checks need from the DOM, read in one script.
EXTRACT = r"""
function cells(tr) {
  var o = {};
  tr.querySelectorAll('td[data-k]').forEach(function (td) {
    o[td.getAttribute('data-k')] = td.hasAttribute('data-v') ? td.getAttribute('data-v') : td.textContent;
  });
  return o;
}
function table(id) {
  var t = document.getElementById(id);
  if (!t) return null;
  return Array.prototype.map.call(t.tBodies[0].rows, function (tr) {
    var o = cells(tr);
    for (var i = 0; i < tr.attributes.length; i++) {
      var a = tr.attributes[i];
      if (a.name.indexOf('data-') === 0) o['@' + a.name.slice(5)] = a.value;
    }
    return o;
  });
}
var main = document.getElementById('uvm-report');
var r = {
  complete: main ? main.getAttribute('data-complete') : null,
  summary: {},
  procs: table('procs'),
  syscalls: {},
  hist: [],
  faults: table('faults-total'),
  timeline: null,
  flame: null,
  flame_none: !!document.getElementById('flame-none'),
  scripts: document.scripts.length,
  resources: performance.getEntriesByType('resource').map(function (e) { return e.name; }),
};
document.querySelectorAll('#summary dd[data-k]').forEach(function (dd) {
  r.summary[dd.getAttribute('data-k')] = dd.getAttribute('data-v');
});
document.querySelectorAll('table.syscalls').forEach(function (t) { r.syscalls[t.id] = table(t.id); });
document.querySelectorAll('figure.hist').forEach(function (f) {
  r.hist.push({ name: f.getAttribute('data-name'),
    bars: Array.prototype.map.call(f.querySelectorAll('rect.bar'), function (b) {
      return [b.getAttribute('data-lo'), b.getAttribute('data-hi'), b.getAttribute('data-count')]; }) });
});
var tl = document.getElementById('timeline');
if (tl) r.timeline = { omitted: tl.getAttribute('data-omitted'),
  ids: Array.prototype.map.call(tl.querySelectorAll('rect.life'), function (e) { return e.getAttribute('data-id'); }) };
var fl = document.getElementById('flame');
if (fl) {
  var frames = [];
  (function walk(parent, path) {
    Array.prototype.forEach.call(parent.children, function (g) {
      if (!(g.tagName === 'g' && g.classList.contains('frame'))) return;
      var p = path.concat([g.getAttribute('data-name')]), kids = 0;
      Array.prototype.forEach.call(g.children, function (k) {
        if (k.tagName === 'g' && k.classList.contains('frame')) kids += +k.getAttribute('data-w');
      });
      frames.push({ path: p, w: g.getAttribute('data-w'), kids: kids,
                    title: (g.querySelector('title') || {}).textContent });
      walk(g, p);
    });
  })(fl, []);
  r.flame = { weight: fl.getAttribute('data-weight'), total: fl.getAttribute('data-total'),
              hidden: fl.getAttribute('data-hidden-w'), frames: frames };
}
return r;
"""

# Sorting: click a header, then say whether the rows follow it.
SORT_CHECK = r"""
var t = document.getElementById(arguments[0]), k = arguments[1];
var ths = Array.prototype.slice.call(t.tHead.rows[0].cells), i = -1;
ths.forEach(function (th, j) { if (th.getAttribute('data-k') === k) i = j; });
var th = ths[i], num = th.getAttribute('data-type') === 'num';
var vals = Array.prototype.map.call(t.tBodies[0].rows, function (tr) {
  var td = tr.cells[i], v = td.hasAttribute('data-v') ? td.getAttribute('data-v') : td.textContent;
  return num ? (v === '' ? -Infinity : parseFloat(v)) : v;
});
var dir = th.getAttribute('aria-sort'), ok = true;
for (var j = 1; j < vals.length; j++) {
  var c = num ? (vals[j - 1] < vals[j] ? -1 : vals[j - 1] > vals[j] ? 1 : 0)
              : String(vals[j - 1]).localeCompare(String(vals[j]));
  if ((dir === 'ascending' && c > 0) || (dir === 'descending' && c < 0)) ok = false;
}
return [dir, ok, vals.length];
"""


def num(v):
    if v is None or v == '':
        return None
    f = float(v)
    return int(f) if f.is_integer() else f


def static_checks(page, text):
    for m in re.finditer(r'(?:src|href|action|xlink:href)\s*=\s*["\']?\s*((?:https?:)?//[^"\'\s>]*)', text, re.I):
        fail(page, f"network URL in the markup: {m.group(1)}")
    if re.search(r'@import|url\(\s*["\']?\s*(?:https?:)?//', text, re.I):
        fail(page, "a style fetches from the network (@import or url(//...))")


def check_json(page, d, rep):
    procs = rep['processes']
    byid = {p['id']: p for p in procs}
    loss = rep['loss']
    complete = d['complete'] == 'true'
    if complete and (not loss['complete'] or loss['dropped'] or loss['malformed_lines']):
        fail(page, f"data-complete true, but the report's loss is {loss}")
    if not loss['complete'] and complete:
        fail(page, "the trace has no trailer, the page says complete")
    s = d['summary']
    tot = rep['totals']
    want = {
        'processes': len(procs),
        'syscalls': sum(x['calls'] for x in tot['syscalls']),
        'errors': sum(x['errors'] for x in tot['syscalls']),
        'faults_minor': tot['faults']['minor'],
        'faults_major': tot['faults']['major'],
    }
    for k, v in want.items():
        if num(s.get(k)) != v:
            fail(page, f"summary {k}: page {s.get(k)}, report {v}")
    # the tree
    rows = d['procs'] or []
    if len(rows) != len(procs):
        fail(page, f"{len(rows)} process rows, {len(procs)} processes in the report")
    seen = set()
    for i, r in enumerate(rows):
        pid = int(r['@id'])
        p = byid.get(pid)
        if p is None:
            fail(page, f"process row id {pid} is not in the report")
            continue
        parent = num(r['@parent'])
        if parent is not None and parent not in seen:
            fail(page, f"process {pid} comes before its parent {parent}")
        seen.add(pid)
        checks = {
            'pid': (num(r['@pid']), p['pid']), 'ppid': (num(r['@ppid']), p['ppid']),
            'parent': (parent, p['parent_id']), 'comm': (r['comm'], p['comm']),
            'exit_status': (num(r['exit_status']), p['exit_status']),
            'signal': (num(r['signal']), p['signal']),
            'syscalls': (num(r['syscalls']), sum(x['calls'] for x in p['syscalls'])),
            'faults': (num(r['faults']), p['faults']['minor'] + p['faults']['major']),
        }
        for k, (got, exp) in checks.items():
            if got != exp:
                fail(page, f"process {pid} {k}: page {got!r}, report {exp!r}")
    # the system call tables: all processes, and each one's
    check_syscalls(page, d['syscalls'].get('syscalls-total'), tot['syscalls'], 'all processes')
    for p in procs:
        t = d['syscalls'].get(f"syscalls-p{p['id']}")
        if p['syscalls'] or t is not None:
            check_syscalls(page, t, p['syscalls'], f"process {p['id']}")
    # histograms: the top system calls by time, each bar's calls adding up
    timed = sorted((x for x in tot['syscalls'] if x['timed']), key=lambda x: (-x['total_ns'], x['name']))
    names = [h['name'] for h in d['hist']]
    if names != [x['name'] for x in timed[:8]]:
        fail(page, f"histograms {names}, the top by time are {[x['name'] for x in timed[:8]]}")
    for h in d['hist']:
        sc = next((x for x in tot['syscalls'] if x['name'] == h['name']), None)
        n = sum(int(b[2]) for b in h['bars'])
        if sc is None or n != sc['timed']:
            fail(page, f"histogram {h['name']}: {n} calls, report {sc and sc['timed']} timed")
        for lo, hi, _ in h['bars']:
            if int(lo) >= int(hi):
                fail(page, f"histogram {h['name']}: bar {lo}..{hi}")
    # faults by region, all processes
    regions = {}
    for p in procs:
        for g in p['faults']['regions']:
            key = (g['kind'], g['path'] or '')
            acc = regions.setdefault(key, {k: 0 for k in ('minor', 'major', 'error', 'retry', 'total_ns')})
            for k in acc:
                acc[k] += g[k]
    got = {}
    for r in d['faults'] or []:
        got[(r['@kind'], r['@path'])] = {k: num(r[k]) for k in ('minor', 'major', 'error', 'retry', 'total_ns')}
    if got != regions:
        fail(page, f"faults by region: page {got}, report {regions}")
    # the timeline: a row per process, or the omitted count
    if d['timeline'] is not None:
        ids = d['timeline']['ids']
        if len(set(ids)) != len(ids) or len(ids) + int(d['timeline']['omitted']) != len(procs):
            fail(page, f"timeline: {len(ids)} rows + {d['timeline']['omitted']} omitted, {len(procs)} processes")


def check_syscalls(page, rows, want, what):
    if rows is None:
        fail(page, f"no system call table for {what}")
        return
    byname = {r['@name']: r for r in rows}
    if sorted(byname) != sorted(x['name'] for x in want) or len(rows) != len(want):
        fail(page, f"system calls of {what}: page {sorted(byname)}, report {sorted(x['name'] for x in want)}")
        return
    for x in want:
        r = byname[x['name']]
        keys = ['calls', 'errors']
        if x['timed']:
            keys += ['total_ns', 'min_ns', 'max_ns', 'p50_ns', 'p95_ns', 'p99_ns']
            avg = x['total_ns'] // x['timed']
            if num(r['avg_ns']) != avg:
                fail(page, f"{what} {x['name']} avg_ns: page {r['avg_ns']}, report {avg}")
        elif r['total_ns'] != '':
            fail(page, f"{what} {x['name']}: no timed call, but a time {r['total_ns']}")
        for k in keys:
            if num(r[k]) != x[k]:
                fail(page, f"{what} {x['name']} {k}: page {r[k]}, report {x[k]}")


def read_folded(path):
    lines = {}
    with open(path, encoding='utf-8', errors='surrogateescape') as f:
        for n, line in enumerate(f, 1):
            stack, _, w = line.rstrip('\n').rpartition(' ')
            lines[stack] = lines.get(stack, 0) + int(w)
    return lines


def check_flame(page, d, folded):
    fl = d['flame']
    if fl is None:
        if folded:
            fail(page, "no flame graph, but the trace has stacks")
        elif not d['flame_none']:
            fail(page, "neither a flame graph nor #flame-none")
        return
    total = int(fl['total'])
    if folded is not None:
        if total != sum(folded.values()):
            fail(page, f"flame total {total}, folded total {sum(folded.values())}")
        under = {}
        for stack, w in folded.items():
            parts = stack.split(';')
            for i in range(1, len(parts) + 1):
                key = ';'.join(parts[:i])
                under[key] = under.get(key, 0) + w
        for f in fl['frames']:
            key = ';'.join(f['path'])
            if int(f['w']) != under.get(key):
                fail(page, f"frame {key}: weight {f['w']}, folded {under.get(key)}")
    top = sum(int(f['w']) for f in fl['frames'] if len(f['path']) == 1)
    if top + int(fl['hidden']) < total or top > total:
        fail(page, f"flame: processes weigh {top} + {fl['hidden']} hidden, total {total}")
    for f in fl['frames']:
        if f['kids'] > int(f['w']):
            fail(page, f"frame {';'.join(f['path'])}: its callers weigh more than it")


def check_clicks(page, drv, d):
    if d['syscalls'].get('syscalls-total'):
        for k, want in (('calls', 'descending'), ('calls', 'ascending'), ('name', 'ascending')):
            drv.find_element('css selector', f'#syscalls-total th[data-k="{k}"]').click()
            dirn, ok, _ = drv.execute_script(SORT_CHECK, 'syscalls-total', k)
            if dirn != want or not ok:
                fail(page, f"sorting by {k}: aria-sort {dirn} (want {want}), in order: {ok}")
    if d['flame'] and d['flame']['frames']:
        # the widest frame that has callers above it and is not the whole
        best = drv.execute_script(r"""
          var best = null, bw = -1, total = +document.getElementById('flame').getAttribute('data-total');
          document.querySelectorAll('#flame g.frame').forEach(function (g) {
            var w = +g.getAttribute('data-w');
            if (g.querySelector('g.frame') && w < total && w > bw) { best = g; bw = w; }
          });
          return best;""")
        if best is None:
            return
        rect = best.find_element('css selector', ':scope > rect')
        before = float(rect.get_attribute('width'))
        drv.execute_script("arguments[0].scrollIntoView({block: 'center'})", rect)
        rect.click()
        after = float(rect.get_attribute('width'))
        if abs(after - FLAME_WIDTH) > 0.5:
            fail(page, f"zoom: the clicked frame is {after} wide, not the graph's {FLAME_WIDTH}")
        drv.find_element('css selector', '#flame-reset').click()
        back = float(rect.get_attribute('width'))
        if abs(back - before) > 0.01:
            fail(page, f"reset zoom: width {back}, was {before}")


def facts(d):
    out = {
        'complete': d['complete'] == 'true',
        'processes': len(d['procs'] or []),
        'summary': {k: num(v) for k, v in d['summary'].items()},
        'procs': [{'id': num(r['@id']), 'pid': num(r['@pid']), 'ppid': num(r['@ppid']),
                   'parent': num(r['@parent']), 'depth': num(r['@depth']), 'comm': r['comm'],
                   'exit_status': num(r['exit_status']), 'signal': num(r['signal']),
                   'syscalls': num(r['syscalls']), 'faults': num(r['faults'])}
                  for r in d['procs'] or []],
        'syscalls_total': {r['@name']: {k: num(v) for k, v in r.items()
                                        if not k.startswith('@') and k not in ('name', 'errnos')}
                           for r in d['syscalls'].get('syscalls-total') or []},
        'hist': {h['name']: sum(int(b[2]) for b in h['bars']) for h in d['hist']},
        'faults_total': [{'kind': r['@kind'], 'path': r['@path'],
                          **{k: num(r[k]) for k in ('minor', 'major', 'error', 'retry', 'total_ns')}}
                         for r in d['faults'] or []],
        'timeline_rows': len(d['timeline']['ids']) if d['timeline'] else 0,
        'flame': None,
    }
    if d['flame']:
        leaves = {}
        for f in d['flame']['frames']:
            self_w = int(f['w']) - f['kids']
            if self_w:
                leaves[';'.join(f['path'])] = self_w
        out['flame'] = {'weight': d['flame']['weight'], 'total': int(d['flame']['total']),
                        'hidden': int(d['flame']['hidden']), 'frames': len(d['flame']['frames']),
                        'leaves': dict(sorted(leaves.items()))}
    return out


def check_page(drv, a):
    page = a['page']
    with open(page, encoding='utf-8') as f:
        text = f.read()
    static_checks(page, text)
    url = 'file://' + os.path.abspath(page)
    drv.get_log('browser')  # what earlier pages logged
    drv.get(url)
    d = drv.execute_script(EXTRACT)
    for e in drv.get_log('browser'):
        if e.get('level') == 'SEVERE':
            fail(page, f"browser error: {e.get('message')}")
    for r in d['resources']:
        if not (r.startswith('file:') or r.startswith('data:')):
            fail(page, f"the page requested {r}")
    if d['complete'] not in ('true', 'false'):
        fail(page, "no #uvm-report with data-complete")
    if d['scripts'] != 1:
        fail(page, f"{d['scripts']} scripts in the page, not its one")
    if a.get('json'):
        with open(a['json'], encoding='utf-8') as f:
            check_json(page, d, json.load(f))
    check_flame(page, d, read_folded(a['folded']) if a.get('folded') else None)
    if a.get('screenshot'):  # as loaded, before the clicks; the whole page
        h = drv.execute_script('return document.documentElement.scrollHeight')
        inner = drv.execute_script('return window.innerHeight')
        drv.set_window_size(1280, min(h + 900 - inner, 6000))
        drv.save_screenshot(a['screenshot'])
        drv.set_window_size(1280, 900)
    check_clicks(page, drv, d)
    for e in drv.get_log('browser'):
        if e.get('level') == 'SEVERE':
            fail(page, f"browser error after clicks: {e.get('message')}")
    if a.get('facts_out'):
        with open(a['facts_out'], 'w', encoding='utf-8') as f:
            json.dump(facts(d), f, indent=1, ensure_ascii=False)


def parse_args(argv):
    pages, cur = [], None
    opts = {'--json': 'json', '--folded': 'folded', '--facts-out': 'facts_out', '--screenshot': 'screenshot'}
    it = iter(argv)
    for arg in it:
        if arg in ('-h', '--help'):
            print(__doc__)
            sys.exit(0)
        if arg in opts:
            if cur is None:
                sys.exit(f"html-check: {arg} before any page")
            try:
                cur[opts[arg]] = next(it)
            except StopIteration:
                sys.exit(f"html-check: {arg} needs a file")
        elif arg.startswith('-'):
            sys.exit(f"html-check: unknown option {arg}")
        else:
            cur = {'page': arg}
            pages.append(cur)
    if not pages:
        sys.exit("html-check: no page given (see --help)")
    return pages


def main():
    pages = parse_args(sys.argv[1:])
    o = webdriver.ChromeOptions()
    for arg in ('--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage',
                '--window-size=1280,900', '--allow-file-access-from-files'):
        o.add_argument(arg)
    o.set_capability('goog:loggingPrefs', {'browser': 'ALL'})
    drv = webdriver.Chrome(service=Service('/usr/bin/chromedriver'), options=o)
    try:
        for a in pages:
            try:
                check_page(drv, a)
            except Exception as e:  # a page that breaks the checks is a failure, named
                fail(a['page'], f"{type(e).__name__}: {e}")
    finally:
        drv.quit()
    for f in failures:
        print(f"html-check: {f}", file=sys.stderr)
    print(f"html-check: {len(pages)} page(s), {len(failures)} failure(s)", file=sys.stderr)
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
