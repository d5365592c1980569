#!/usr/bin/python3
"""html-check.py - check uvm-collect's HTML reports in a real browser.

Usage: html-check.py PAGE [--json REPORT.json] [--folded STACKS.folded]
                          [--facts-out FACTS.json] [--facts] [--screenshot OUT.png]
                     [PAGE [...] ...]

Each PAGE is loaded from disk in one headless Chromium (selenium and
chromedriver, Debian's), and checked:

- self-contained: no http(s) or protocol-relative URL in the markup, and
  the browser requested nothing but the file itself (it runs offline, its
  background networking off; every request it starts is logged);
- the browser logged no error (a script error, a CSP violation);
- the markup's numbers (the data-* attributes, docs/uvm-collect.md "HTML
  report") are those of --json, the JSON report of the same trace: the
  processes and their tree (depth-first, data-depth), exit statuses and
  signals, executables, start and run times, every system call table row,
  the histograms' counts, the faults by region, the summary, the version;
  the timeline draws or counts as omitted every process;
- the flame graph's frames weigh what the --folded stacks of the same
  trace (same --weight) say: each drawn frame the sum of the lines under
  it, the whole their total, data-hidden-w exactly the weight of the
  frames not drawn;
- clicking a column header sorts its table (descending for numbers, then
  ascending), clicking a flame graph frame zooms it to the full width and
  "reset zoom" undoes it.

What the page shows is written to --facts-out as JSON (--facts: one line
of it on stdout), for the tests' own assertions on known workloads.  A
section's checks are skipped only when it is legitimately absent: the
flame graph when the page says #flame-none and there are no --folded
stacks, the timeline when it says #timeline-none (no process has a known
span), a process's system call table when it made none.  Exit 0 when
every check passed, else 1 with each failure on stderr.  The interpreter is Debian's
(/usr/bin/python3), which has python3-selenium.
"""
import html.parser
import json
import os
import re
import sys

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

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
  version: main ? main.getAttribute('data-version') : null,
  heads: {},
  summary: {},
  procs: table('procs'),
  syscalls: {},
  hist: [],
  faults: table('faults-total'),
  timeline: null,
  flame: null,
  flame_none: !!document.getElementById('flame-none'),
  timeline_none: !!document.getElementById('timeline-none'),
  scripts: document.scripts.length,
  csp: Array.prototype.map.call(document.querySelectorAll('meta[http-equiv="Content-Security-Policy"]'),
    function (m) { return m.getAttribute('content'); }),
  resources: performance.getEntriesByType('resource').map(function (e) { return e.name; }),
};
document.querySelectorAll('#summary dd[data-k]').forEach(function (dd) {
  r.summary[dd.getAttribute('data-k')] = dd.getAttribute('data-v');
});
document.querySelectorAll('table.syscalls').forEach(function (t) {
  r.syscalls[t.id] = table(t.id);
  r.heads[t.id] = t.tHead ? Array.prototype.map.call(t.tHead.querySelectorAll('th'), function (th) {
    return [th.getAttribute('data-k'), th.getAttribute('data-type')]; }) : [];
});
document.querySelectorAll('figure.hist').forEach(function (f) {
  r.hist.push({ name: f.getAttribute('data-name'), nr: f.getAttribute('data-nr'),
    bars: Array.prototype.map.call(f.querySelectorAll('rect.bar'), function (b) {
      return [b.getAttribute('data-lo'), b.getAttribute('data-hi'), b.getAttribute('data-count')]; }) });
});
var tl = document.getElementById('timeline');
if (tl) r.timeline = { omitted: tl.getAttribute('data-omitted'), width: tl.viewBox.baseVal.width,
  ids: Array.prototype.map.call(tl.querySelectorAll('rect.life'), function (e) { return e.getAttribute('data-id'); }),
  boxes: Array.prototype.map.call(tl.querySelectorAll('rect.life'), function (e) {
    return [+e.getAttribute('x'), +e.getAttribute('width')]; }) };
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
  var vb = fl.viewBox && fl.viewBox.baseVal;
  r.flame = { weight: fl.getAttribute('data-weight'), total: fl.getAttribute('data-total'),
              hidden: fl.getAttribute('data-hidden-w'), frames: frames,
              width: vb && vb.width ? vb.width : fl.getBoundingClientRect().width };
}
return r;
"""

# Sorting: a column's direction, and its raw values in the rows' order
# (the order is judged here, not by the page's own comparator).
SORT_STATE = r"""
var t = document.getElementById(arguments[0]), k = arguments[1];
var ths = Array.prototype.slice.call(t.tHead.rows[0].cells), i = -1;
ths.forEach(function (th, j) { if (th.getAttribute('data-k') === k) i = j; });
return [ths[i].getAttribute('aria-sort'), Array.prototype.map.call(t.tBodies[0].rows, function (tr) {
  var td = tr.cells[i];
  return [tr.getAttribute('data-nr'), td.hasAttribute('data-v') ? td.getAttribute('data-v') : td.textContent];
})];
"""

# Where the flame graph's frames are drawn: each one's data-x and data-w,
# its rect's x and width, and whether it is shown.
FLAME_STATE = r"""
var out = [];
(function walk(parent, path) {
  Array.prototype.forEach.call(parent.children, function (g) {
    if (!(g.tagName === 'g' && g.classList.contains('frame'))) return;
    var p = path.concat([g.getAttribute('data-name')]), r = g.querySelector(':scope > rect');
    out.push([p, +g.getAttribute('data-x'), +g.getAttribute('data-w'), +r.getAttribute('x'),
              +r.getAttribute('width'), getComputedStyle(g).display !== 'none']);
    walk(g, p);
  });
})(document.getElementById('flame'), []);
return out;
"""


def name_key(name):
    """The order of a collation (ICU's root, which localeCompare uses) on
    the names system calls have: case ignored, '_' before digits, digits
    before letters.  None for other names: not judged."""
    if not re.fullmatch(r'[A-Za-z0-9_]+', name):
        return None
    return name.lower().replace('_', '\x01')


def in_order(vals, numeric, direction):
    """The first pair of neighbours out of order, or None."""
    for a, b in zip(vals, vals[1:]):
        if numeric:
            x, y = (float('-inf') if v == '' else float(v) for v in (a, b))
        else:
            x, y = name_key(a), name_key(b)
            if x is None or y is None:
                continue
        if (direction == 'ascending' and x > y) or (direction == 'descending' and x < y):
            return (a, b)
    return None


def num(v):
    if v is None or v == '':
        return None
    if re.fullmatch(r'-?[0-9]+', v):  # exact, past 2^53 too
        return int(v)
    f = float(v)
    return int(f) if f.is_integer() else f


# Attributes that load what they name, and what in a style loads.
URL_ATTRS = {'src', 'srcset', 'href', 'xlink:href', 'action', 'formaction', 'poster', 'data',
             'background', 'ping', 'manifest', 'cite', 'longdesc'}
NETWORK = re.compile(r'^\s*(?:https?:)?//', re.I)
CSS_FETCH = re.compile(r'@import|url\(\s*["\']?\s*(?:https?:)?//', re.I)


class Markup(html.parser.HTMLParser):
    """The network URLs in a page's tags and styles.  The text (a trace's
    names and command lines, escaped) is not markup and not looked at."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found, self.in_style = [], False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for k, v in attrs:
            v = v or ''
            urls = [u.strip().split(' ')[0] for u in v.split(',')] if k == 'srcset' else [v]
            if k in URL_ATTRS and any(NETWORK.match(u) for u in urls):
                self.found.append(f"network URL in the markup: <{tag} {k}={v!r}>")
            elif k == 'style' and CSS_FETCH.search(v):
                self.found.append(f"a style attribute fetches from the network: <{tag} style={v!r}>")
        if tag == 'meta' and (a.get('http-equiv') or '').lower() == 'refresh' \
                and re.search(r'url\s*=\s*["\']?\s*(?:https?:)?//', a.get('content') or '', re.I):
            self.found.append(f"a meta refresh to the network: {a.get('content')!r}")
        self.in_style = tag == 'style'

    def handle_endtag(self, tag):
        self.in_style = False

    def handle_data(self, data):
        if self.in_style and CSS_FETCH.search(data):
            self.found.append("a style fetches from the network (@import or url(//...))")


def static_checks(page, text):
    m = Markup()
    m.feed(text)
    m.close()
    for f in m.found:
        fail(page, f)


def known(ns):
    """A time of the report, None when unknown (null, or -1)."""
    return ns if isinstance(ns, int) and ns >= 0 else None


def check_json(page, d, rep):
    procs = rep['processes']
    byid = {p['id']: p for p in procs}
    loss = rep['loss']
    complete = d['complete'] == 'true'
    if complete and (not loss['complete'] or loss['dropped'] or loss['malformed_lines']):
        fail(page, f"data-complete true, but the report's loss is {loss}")
    if not loss['complete'] and complete:
        fail(page, "the trace has no trailer, the page says complete")
    if num(d['version']) != rep.get('trace_version'):
        fail(page, f"data-version {d['version']!r}, the trace's version {rep.get('trace_version')}")
    s = d['summary']
    tot = rep['totals']
    want = {
        'processes': len(procs),
        'syscalls': sum(x['calls'] for x in tot['syscalls']),
        'errors': sum(x['errors'] for x in tot['syscalls']),
        'faults_minor': tot['faults']['minor'],
        'faults_major': tot['faults']['major'],
    }
    t0, t1 = known(rep.get('start_ns')), known(rep.get('end_ns'))
    if t0 is not None and t1 is not None and t1 > t0:
        want['duration_ns'] = t1 - t0
    elif 'duration_ns' not in s:
        fail(page, "summary: no duration_ns")
    for k, v in want.items():
        if num(s.get(k)) != v:
            fail(page, f"summary {k}: page {s.get(k)}, report {v}")
    # the tree
    rows = d['procs'] or []
    if len(rows) != len(procs):
        fail(page, f"{len(rows)} process rows, {len(procs)} processes in the report")
    seen, depth = set(), {}
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
        depth[pid] = 0 if parent is None else depth.get(parent, -1) + 1
        p0, p1 = known(p.get('start_ns')), known(p.get('end_ns'))
        start = p0 - t0 if p0 is not None and t0 is not None else None
        if start is not None and start < 0 and num(r.get('start_ns')) is None:
            start = None  # before the trace's start: shown or not
        wall = p1 - p0 if p0 is not None and p1 is not None and p1 >= p0 else None
        cpu = num(r.get('cpu_utilization'))
        if (cpu is None) != (p.get('cpu_utilization') in (None, -1)) or (
                cpu is not None and abs(cpu - p['cpu_utilization']) > 1e-4):
            fail(page, f"process {pid} cpu_utilization: page {cpu!r}, report {p.get('cpu_utilization')!r}")
        checks = {
            'depth': (num(r['@depth']), depth[pid]), 'exe': (r.get('exe') or None, p.get('exe') or None),
            'start_ns': (num(r.get('start_ns')), start), 'wall_ns': (num(r.get('wall_ns')), wall),
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
    timed = sorted((x for x in tot['syscalls'] if x['timed']),
                   key=lambda x: (-x['total_ns'], x['name'], x['nr']))
    nrs = [num(h['nr']) for h in d['hist']]
    if nrs != [x['nr'] for x in timed[:8]]:
        fail(page, f"histograms of {nrs}, the top by time are {[x['nr'] for x in timed[:8]]}")
    for h in d['hist']:
        sc = next((x for x in tot['syscalls'] if x['nr'] == num(h['nr'])), None)
        n = sum(int(b[2]) for b in h['bars'])
        if sc is None or n != sc['timed']:
            fail(page, f"histogram {h['name']}: {n} calls, report {sc and sc['timed']} timed")
            continue
        check_bars(page, h, sc)
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
    check_timeline(page, d, [str(p['id']) for p in procs])


def group_edges(lo):
    """The power-of-two group a bar starting at lo spans: [0, 8), then
    [2^k, 2^(k+1)) up to 2^63, whose top is 2^64 - 1."""
    if lo == 0:
        return 0, 8
    k = lo.bit_length() - 1
    return (lo, 2 ** 64 - 1) if k == 63 else (lo, 2 ** (k + 1))


def check_bars(page, h, sc):
    """Bars are whole power-of-two groups side by side, from the one that
    holds the fastest call to the one that holds the slowest."""
    bars = [(int(lo), int(hi), int(c)) for lo, hi, c in h['bars']]
    for i, (lo, hi, c) in enumerate(bars):
        if not ((lo == 0 or (lo >= 8 and lo & (lo - 1) == 0)) and group_edges(lo) == (lo, hi)):
            fail(page, f"histogram {h['name']}: bar {lo}..{hi} is not a power-of-two group")
        if i and bars[i - 1][1] != lo:
            fail(page, f"histogram {h['name']}: bar {lo}..{hi} does not follow ..{bars[i - 1][1]}")
    used = [b for b in bars if b[2]]
    if not used or not used[0][0] <= sc['min_ns'] < used[0][1] or \
            not (used[-1][0] <= sc['max_ns'] < used[-1][1] or sc['max_ns'] == used[-1][1] == 2 ** 64 - 1) \
            or used[0] != bars[0] or used[-1] != bars[-1]:
        fail(page, f"histogram {h['name']}: bars {bars[:1]}..{bars[-1:]}, min {sc['min_ns']} max {sc['max_ns']}")


def check_timeline(page, d, ids):
    """A life per process, but those counted in data-omitted (absent: none),
    each drawn once and known."""
    tl = d['timeline']
    if tl is None:
        if ids and not d['timeline_none']:
            fail(page, f"neither a #timeline nor #timeline-none, {len(ids)} processes")
        return
    if d['timeline_none']:
        fail(page, "both a #timeline and #timeline-none")
    drawn, omitted = tl['ids'], num(tl['omitted']) or 0
    if len(set(drawn)) != len(drawn) or len(drawn) + omitted != len(ids):
        fail(page, f"timeline: {len(drawn)} rows + {omitted} omitted (data-omitted {tl['omitted']!r}), "
             f"{len(ids)} processes")
    unknown = sorted(set(drawn) - set(ids))
    if unknown:
        fail(page, f"timeline: lives of processes not in the tree: {unknown}")
    W = tl['width']
    for i, (x, w) in zip(drawn, tl['boxes']):
        if not (0 <= x <= W and 0 < w and x + w <= W + 0.51):
            fail(page, f"timeline: process {i} drawn at x {x} width {w}, outside 0..{W}")


SYSCALL_KEYS = ('name', 'calls', 'errors', 'total_ns', 'avg_ns', 'min_ns', 'max_ns',
                'p50_ns', 'p95_ns', 'p99_ns')


def check_heads(page, d):
    """Each system call table's header has a sortable th of each column,
    the name a string, the others numbers."""
    for tid, heads in d['heads'].items():
        types = dict((k, t) for k, t in heads if k)
        for k in SYSCALL_KEYS:
            want = 'str' if k == 'name' else 'num'
            if types.get(k) != want:
                fail(page, f"#{tid}: th data-k={k} has data-type {types.get(k)!r}, not {want}")


def check_syscalls(page, rows, want, what):
    if rows is None:
        fail(page, f"no system call table for {what}")
        return
    bynr = {int(r['@nr']): r for r in rows}
    if sorted(bynr) != sorted(x['nr'] for x in want) or len(rows) != len(want):
        fail(page, f"system calls of {what}: page {sorted(bynr)}, report {sorted(x['nr'] for x in want)}")
        return
    for x in want:
        r = bynr[x['nr']]
        if r['@name'] != x['name'] or r['name'] != x['name']:
            fail(page, f"{what} system call {x['nr']}: named {r['@name']!r}/{r['name']!r}, report {x['name']!r}")
        errnos = ', '.join(f"{e} {c}" for e, c in x['errnos'].items())
        if (r.get('errnos') or '') != errnos:
            fail(page, f"{what} {x['name']} errnos: page {r.get('errnos')!r}, report {errnos!r}")
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
    if fl is not None and d['flame_none']:
        fail(page, "both a flame graph and #flame-none")
    if fl is None:
        if folded:
            fail(page, "no flame graph, but the trace has stacks")
        elif not d['flame_none']:
            fail(page, "neither a flame graph nor #flame-none")
        return
    total, hidden = int(fl['total']), num(fl['hidden']) or 0
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
        # not drawn: the processes left out, and in each drawn frame what
        # it holds beyond its drawn callers and its own lines
        top = sum(int(f['w']) for f in fl['frames'] if len(f['path']) == 1)
        want = total - top + sum(int(f['w']) - f['kids'] - folded.get(';'.join(f['path']), 0)
                                 for f in fl['frames'])
        if hidden != want:
            fail(page, f"flame: data-hidden-w {fl['hidden']!r}, the frames not drawn weigh {want}")
    top = sum(int(f['w']) for f in fl['frames'] if len(f['path']) == 1)
    if top + hidden < total or top > total:
        fail(page, f"flame: processes weigh {top} + {hidden} hidden, total {total}")
    for f in fl['frames']:
        if f['kids'] > int(f['w']):
            fail(page, f"frame {';'.join(f['path'])}: its callers weigh more than it")


def check_clicks(page, drv, d):
    rows = d['syscalls'].get('syscalls-total')
    if rows:
        before = sorted(r['@nr'] for r in rows)
        for k, want, numeric in (('calls', 'descending', True), ('calls', 'ascending', True),
                                 ('total_ns', 'descending', True), ('name', 'ascending', False),
                                 ('name', 'descending', False)):
            drv.find_element('css selector', f'#syscalls-total th[data-k="{k}"]').click()
            dirn, vals = drv.execute_script(SORT_STATE, 'syscalls-total', k)
            bad = in_order([v for _, v in vals], numeric, want)
            if dirn != want or bad:
                fail(page, f"sorting by {k}: aria-sort {dirn} (want {want}), out of order: {bad}")
            if sorted(nr for nr, _ in vals) != before:
                fail(page, f"sorting by {k} lost or added rows")
    if d['flame'] and d['flame']['frames']:
        check_zoom(page, drv, d)


def check_zoom(page, drv, d):
    """Click the widest frame that has callers above it and is not the
    whole: it spans the graph, its callers scale with it, the frames under
    it span the graph too, and all others hide; reset restores all."""
    W, total = float(d['flame']['width']), int(d['flame']['total'])
    start = drv.execute_script(FLAME_STATE)
    cands = [f for f in start if f[2] < total and any(len(g[0]) > len(f[0]) and g[0][:len(f[0])] == f[0]
                                                     for g in start)]
    if not cands:
        return
    z = max(cands, key=lambda f: f[2])
    idx = start.index(z)
    rect = drv.find_elements('css selector', '#flame g.frame > rect')[idx]
    drv.execute_script("arguments[0].scrollIntoView({block: 'center'})", rect)
    rect.click()
    tol = max(0.02, W / 1e5)
    zp, zx, zw = z[0], z[1], z[2]
    for path, x, w, rx, rw, shown in drv.execute_script(FLAME_STATE):
        name = ';'.join(path)
        if path[:len(zp)] == zp:  # the clicked frame and its callers
            want = (W * (x - zx) / zw, W * w / zw)
        elif zp[:len(path)] == path:  # under it
            want = (0.0, W)
        else:
            if shown:
                fail(page, f"zoom on {';'.join(zp)}: {name} is still shown")
            continue
        if not shown or abs(rx - want[0]) > tol or abs(rw - want[1]) > tol:
            fail(page, f"zoom on {';'.join(zp)}: {name} at x {rx} width {rw} shown {shown}, "
                 f"want x {want[0]:.2f} width {want[1]:.2f}")
    reset = drv.find_elements('css selector', '#flame-reset')
    if not reset:
        fail(page, "a flame graph without #flame-reset")
        return
    reset[0].click()
    after = drv.execute_script(FLAME_STATE)
    for (path, x, w, rx, rw, shown), b in zip(after, start):
        if not shown or abs(rx - b[3]) > 0.01 or abs(rw - b[4]) > 0.01 or \
                abs(rx - W * x / total) > tol or abs(rw - W * w / total) > tol:
            fail(page, f"reset zoom: {';'.join(path)} at x {rx} width {rw} shown {shown}, was {b[3]} {b[4]}")


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


def local(url):
    return url.startswith(('file:', 'data:', 'about:'))


def requests(drv):
    """The URLs the browser asked for since the last call (the DevTools
    log: failed and blocked requests too, which Resource Timing may miss)."""
    out = []
    for e in drv.get_log('performance'):
        m = json.loads(e['message'])['message']
        if m.get('method') == 'Network.requestWillBeSent':
            out.append(m['params']['request']['url'])
    return out


def check_page(drv, a):
    page = a['page']
    with open(page, encoding='utf-8') as f:
        text = f.read()
    static_checks(page, text)
    url = 'file://' + os.path.abspath(page)
    drv.get_log('browser')  # what earlier pages logged
    requests(drv)
    drv.get(url)
    d = drv.execute_script(EXTRACT)
    for e in drv.get_log('browser'):
        if e.get('level') == 'SEVERE':
            fail(page, f"browser error: {e.get('message')}")
    asked = set(r for r in d['resources'] + requests(drv) if not local(r))
    for r in sorted(asked):
        fail(page, f"the page requested {r}")
    if d['complete'] not in ('true', 'false'):
        fail(page, "no #uvm-report with data-complete")
    if not any(re.search(r"(^|;)\s*default-src\s+'none'\s*(;|$)", c or '') for c in d['csp']):
        fail(page, f"no Content-Security-Policy with default-src 'none': {d['csp']}")
    if d['scripts'] != 1:
        fail(page, f"{d['scripts']} scripts in the page, not its one")
    check_heads(page, d)
    if a.get('json'):
        with open(a['json'], encoding='utf-8') as f:
            check_json(page, d, json.load(f))
    else:
        check_timeline(page, d, [r['@id'] for r in d['procs'] or []])
        if num(d['summary'].get('processes')) != len(d['procs'] or []):
            fail(page, f"summary processes {d['summary'].get('processes')!r}, "
                 f"{len(d['procs'] or [])} process rows")
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
    for r in sorted(set(r for r in requests(drv) if not local(r))):
        fail(page, f"the page requested {r} after clicks")
    if a.get('facts_out'):
        with open(a['facts_out'], 'w', encoding='utf-8') as f:
            json.dump(facts(d), f, indent=1, ensure_ascii=False)
    if a.get('facts'):
        print(json.dumps(facts(d), ensure_ascii=False))


def parse_args(argv):
    pages, cur = [], None
    opts = {'--json': 'json', '--folded': 'folded', '--facts-out': 'facts_out', '--screenshot': 'screenshot'}
    it = iter(argv)
    for arg in it:
        if arg in ('-h', '--help'):
            print(__doc__)
            sys.exit(0)
        if arg == '--facts':
            if cur is None:
                sys.exit(f"html-check: {arg} before any page")
            cur['facts'] = True
        elif arg in opts:
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
                '--window-size=1280,900', '--allow-file-access-from-files',
                # nothing of Chromium's own on the network either
                '--disable-background-networking', '--disable-component-update',
                '--no-first-run', '--no-default-browser-check', '--disable-sync'):
        o.add_argument(arg)
    o.set_capability('goog:loggingPrefs', {'browser': 'ALL', 'performance': 'ALL'})
    drv = webdriver.Chrome(service=Service('/usr/bin/chromedriver'), options=o)
    try:
        # offline: a request the checks miss still fetches nothing
        drv.execute_cdp_cmd('Network.enable', {})
        drv.execute_cdp_cmd('Network.emulateNetworkConditions', {
            'offline': True, 'latency': 0, 'downloadThroughput': -1, 'uploadThroughput': -1})
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
