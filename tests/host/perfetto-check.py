#!/usr/bin/env python3
"""perfetto-check.py - a Chrome Trace Event Format file is valid.

Usage: perfetto-check.py [--require PH[,PH...]] [--summary-json] FILE [FILE...]

Reads each FILE (- for stdin) as Chrome Trace Event Format JSON, an
object with a traceEvents array or a bare array of events, and checks it
by the format's rules (the "Trace Event Format" document): every event is
an object with a known ph and, but on E, a string name; X has a dur of 0
or more; ts is a number of 0 or more on every event but metadata (M),
which has none; pid and tid, where present, are integers in 0..2^31-1,
every event but M has a pid, X/B/E/i/I a tid; B/E come in ts order per
thread and match; per thread, the X slices and B/E pairs nest (bounds
inclusive, ends compared to 1e-6 us and a few ulps); C has numeric args;
process_name/thread_name and *_sort_index carry their args; an instant's
scope s is g, p or t; async and flow events have an id.  --require fails
unless each phase listed has an event.

Prints "FILE: ok: ..." per file that passes, or with --summary-json one
JSON object (file, events, by_ph, processes, threads, max_depth).  Exit 1
with the violations on stderr, at most 20 per rule and file; exit 2 when
a file cannot be read or is not JSON.
"""
import argparse
import json
import math
import re
import sys

# Every phase the format defines (the deprecated ones included).
PHASES = set('BEXiICbneSTpFstfPNODMVvRc()')
ASYNC_OR_FLOW = set('bneSTpFstf')
NEEDS_TID = set('XBEiI')
MAX_PER_RULE = 20
INT32_MAX = 2**31 - 1
EXCERPT = 100


def is_number(v):
    """A JSON number that a double holds (bool is an int to Python; 1e400
    parses as inf)."""
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return False
    try:
        return math.isfinite(v)
    except OverflowError:		# an integer beyond any double
        return False


# Metadata name -> the args member it needs, its test and its kind.
METADATA = {
    'process_name': ('name', lambda v: isinstance(v, str), 'string'),
    'thread_name': ('name', lambda v: isinstance(v, str), 'string'),
    'process_sort_index': ('sort_index', is_number, 'numeric'),
    'thread_sort_index': ('sort_index', is_number, 'numeric'),
}


def le(a, b):
    """a <= b up to float rounding: slice ends are sums ts + dur, so allow
    1e-6 us and a few ulps of the magnitude (ts may be ~1e10 us and more)."""
    return a <= b + 1e-6 + 4 * math.ulp(max(abs(a), abs(b)))


def has_id(e):
    """Async and flow events match by id (a string or an integer) or id2."""
    v = e.get('id')
    return (isinstance(v, (str, int)) and not isinstance(v, bool)) or isinstance(e.get('id2'), dict)


class NotJSON(Exception):
    """Raised for NaN and Infinity, which Python's json takes and JSON has not."""


def reject_constant(name):
    raise NotJSON(f'{name} is not a JSON value')


def constant_position(text):
    """The offset of the first NaN/Infinity outside a string in text."""
    for m in re.finditer(r'"(?:[^"\\]|\\.)*"|-?Infinity|NaN', text):
        if not m.group().startswith('"'):
            return m.start()
    return 0


def load(path):
    """The parsed document, or exit-2 message."""
    name = '<stdin>' if path == '-' else path
    try:
        if path == '-':
            data = sys.stdin.buffer.read()
        else:
            with open(path, 'rb') as f:
                data = f.read()
        text = data.decode('utf-8')
    except OSError as e:
        return None, f'{name}: cannot read: {e.strerror}'
    except UnicodeDecodeError as e:
        return None, f'{name}: not UTF-8 at byte offset {e.start}'
    try:
        return json.loads(text, parse_constant=reject_constant), None
    except json.JSONDecodeError as e:
        return None, f'{name}: invalid JSON at line {e.lineno} column {e.colno}: {e.msg}'
    except NotJSON as e:
        pos = constant_position(text)
        line = text.count('\n', 0, pos) + 1
        col = pos - text.rfind('\n', 0, pos)
        return None, f'{name}: invalid JSON at line {line} column {col}: {e}'


class Check:
    """The violations found in one document and what it holds."""

    def __init__(self, name, doc):
        self.name = name
        self.counts = {}		# rule -> violations
        self.messages = []
        self.by_ph = {}			# ph -> events, in order of first appearance
        self.pids = set()
        self.threads = set()		# (pid, tid)
        self.slices = {}		# (pid, tid) -> [(ts, dur, label, name)]
        self.be = {}			# (pid, tid) -> [(ts, index, ph, name)], file order
        self.max_depth = 0
        self.events, self.prefix = self.top_level(doc)

    def report(self, rule, what, event=None):
        n = self.counts.get(rule, 0) + 1
        self.counts[rule] = n
        if n <= MAX_PER_RULE:
            self.messages.append(f'{self.name}: {rule}: {what}'
                                 + ('' if event is None else f' in {excerpt(event)}'))

    def label(self, i):
        return f'{self.prefix}[{i}]'

    def top_level(self, doc):
        if isinstance(doc, list):
            return doc, ''
        if isinstance(doc, dict) and isinstance(doc.get('traceEvents'), list):
            unit = doc.get('displayTimeUnit', 'ms')
            if unit not in ('ms', 'ns'):
                self.report('top-level', f'displayTimeUnit {unit!r} is not "ms" or "ns"')
            return doc['traceEvents'], 'traceEvents'
        self.report('top-level', 'neither an array of events nor an object '
                    'with a traceEvents array')
        return [], ''

    def run(self):
        for i, e in enumerate(self.events):
            self.event(i, e)
        for key, events in self.be.items():
            self.match(key, events)
        for key, slices in self.slices.items():
            self.nest(key, slices)

    def event(self, i, e):
        at = self.label(i)
        if not isinstance(e, dict):
            self.report('event', f'{at} is not an object', e)
            return
        ph = e.get('ph')
        if not isinstance(ph, str) or ph not in PHASES:
            self.report('ph', f'{at}: ph {ph!r} is not a phase of the format', e)
            return
        self.by_ph[ph] = self.by_ph.get(ph, 0) + 1
        # The format lets E leave its name out: it closes the open B.
        if ph != 'E' and not isinstance(e.get('name'), str):
            self.report('name', f'{at}: {ph} without a string name', e)

        ts = e.get('ts')
        if ph == 'M':
            if 'ts' in e:
                self.report('ts', f'{at}: metadata event with a ts', e)
            ts = None
        elif 'ts' not in e:
            self.report('ts', f'{at}: {ph} without a ts', e)
        elif not is_number(ts) or ts < 0:
            self.report('ts', f'{at}: ts {ts!r} is not a number of 0 or more', e)
            ts = None

        pid = self.ident(at, e, 'pid', ph != 'M')
        tid = self.ident(at, e, 'tid', ph in NEEDS_TID)
        if pid is not None:
            self.pids.add(pid)
            if tid is not None:
                self.threads.add((pid, tid))
        thread = None if pid is None or tid is None else (pid, tid)

        if ph == 'X':
            dur = e.get('dur')
            if not is_number(dur) or dur < 0:
                self.report('dur', f'{at}: X dur {dur!r} is not a number of 0 or more', e)
            elif ts is not None and thread is not None:
                self.slices.setdefault(thread, []).append((ts, dur, at, e.get('name')))
        elif ph in 'BE' and ts is not None and thread is not None:
            events = self.be.setdefault(thread, [])
            if events and ts < events[-1][0]:
                self.report('be-order', f'{at}: {ph} at ts {ts} comes after '
                            f'{self.label(events[-1][1])} at ts {events[-1][0]} '
                            f'on pid {pid} tid {tid}', e)
            events.append((ts, i, ph, e.get('name')))
        elif ph == 'C':
            self.counter(at, e)
        elif ph == 'M':
            self.metadata(at, e, pid, tid)
        elif ph in 'iI' and 's' in e and e['s'] not in ('g', 'p', 't'):
            self.report('instant-scope', f'{at}: instant scope s {e["s"]!r} '
                        'is not "g", "p" or "t"', e)
        elif ph in ASYNC_OR_FLOW and not has_id(e):
            self.report('id', f'{at}: {ph} without a string or integer id (or an id2 object)', e)

    def ident(self, at, e, key, required):
        """e[key] (pid or tid) if valid, else None, reported if bad or
        required and missing."""
        if key not in e:
            if required:
                self.report(key, f'{at}: {e["ph"]} without a {key}', e)
            return None
        v = e[key]
        if isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= INT32_MAX:
            return v
        self.report(key, f'{at}: {key} {v!r} is not an integer in 0..{INT32_MAX}', e)
        return None

    def counter(self, at, e):
        args = e.get('args')
        if not isinstance(args, dict) or not args:
            self.report('counter', f'{at}: C without a non-empty args object', e)
            return
        for k, v in args.items():
            if not is_number(v):
                self.report('counter', f'{at}: C args.{k} {v!r} is not a number', e)

    def metadata(self, at, e, pid, tid):
        """The metadata the format names: process_* of pid, thread_* of tid."""
        name = e.get('name')
        if name not in METADATA:
            return
        key, valid, kind = METADATA[name]
        args = e.get('args')
        if not (isinstance(args, dict) and valid(args.get(key))):
            self.report('metadata', f'{at}: {name} without a {kind} args.{key}', e)
        if pid is None or (name.startswith('thread_') and tid is None):
            self.report('metadata', f'{at}: {name} without the '
                        f'{"pid and tid" if name.startswith("thread_") else "pid"} it names', e)

    def match(self, key, events):
        """B/E of one thread, in file order (which is ts order), matched as
        a stack; each pair becomes a slice for nest()."""
        stack = []
        for ts, i, ph, name in events:
            if ph == 'B':
                stack.append((ts, i, name))
                continue
            if not stack:
                self.report('unmatched', f'{self.label(i)}: E without an open B '
                            f'on pid {key[0]} tid {key[1]}', self.events[i])
                continue
            bts, bi, bname = stack.pop()
            if name is not None and name != bname:
                self.report('unmatched', f'{self.label(i)}: E {name!r} closes '
                            f'{self.label(bi)} B {bname!r}', self.events[i])
            if ts >= bts:
                self.slices.setdefault(key, []).append(
                    (bts, ts - bts, f'{self.label(bi)}..{self.label(i)}', bname))
        for _, i, _ in stack:
            self.report('unmatched', f'{self.label(i)}: B never ended by an E '
                        f'on pid {key[0]} tid {key[1]}', self.events[i])

    def nest(self, key, slices):
        """The slices of one thread nest: sorted by start, longest first,
        each one that starts inside the innermost open slice ends inside it
        too (bounds inclusive).  The starts are the writer's own numbers,
        compared exactly; only the ends, sums, need le()."""
        slices.sort(key=lambda s: (s[0], -s[1]))
        stack = []			# (end, slice) of the open slices
        for s in slices:
            ts, dur = s[:2]
            end = float(ts) + dur	# ints may be too large to add exactly as floats
            while stack and le(stack[-1][0], ts):
                stack.pop()
            if stack and not le(end, stack[-1][0]):
                outer = stack[-1][1]
                self.report('nesting', f'{span(s)} partially overlaps {span(outer)} '
                            f'on pid {key[0]} tid {key[1]}')
                continue
            stack.append((end, s))
            self.max_depth = max(self.max_depth, len(stack))

    def failures(self):
        """The messages, each rule's overflow counted, and the total."""
        out = list(self.messages)
        for rule, n in self.counts.items():
            if n > MAX_PER_RULE:
                out.append(f'{self.name}: {rule}: ... and {n - MAX_PER_RULE} more')
        total = sum(self.counts.values())
        if total:
            out.append(f'{self.name}: {total} violation{"s" if total > 1 else ""}')
        return out

    def summary(self):
        return {'file': self.name, 'events': len(self.events), 'by_ph': self.by_ph,
                'processes': len(self.pids), 'threads': len(self.threads),
                'max_depth': self.max_depth}


def excerpt(v):
    s = json.dumps(v, separators=(',', ':'))
    return s if len(s) <= EXCERPT else s[:EXCERPT] + '...'


def span(s):
    ts, dur, label, name = s
    return f'{label} {json.dumps(name)} [{ts}, {ts + dur}]'


def phases(arg):
    out = arg.split(',')
    bad = [p for p in out if p not in PHASES]
    if bad:
        raise argparse.ArgumentTypeError(f'{", ".join(map(repr, bad))}: not a phase of the format')
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--require', type=phases, default=[], metavar='PH[,PH...]',
                   help='fail unless there is an event of each phase')
    p.add_argument('--summary-json', action='store_true',
                   help='print the summary as one JSON object per file')
    p.add_argument('files', nargs='+', metavar='FILE', help='a trace, - for stdin')
    a = p.parse_args()
    rc = 0
    for path in a.files:
        doc, err = load(path)
        if err:
            print(err, file=sys.stderr)
            rc = 2
            continue
        c = Check('<stdin>' if path == '-' else path, doc)
        c.run()
        for ph in a.require:
            if ph not in c.by_ph:
                c.report('require', f'no {ph} event')
        failures = c.failures()
        if failures:
            print('\n'.join(failures), file=sys.stderr)
            rc = max(rc, 1)
            continue
        s = c.summary()
        if a.summary_json:
            print(json.dumps(s))
        else:
            counts = ', '.join(f'{ph}: {n}' for ph, n in s['by_ph'].items())
            print(f'{c.name}: ok: {s["events"]} events' + (f' ({counts})' if counts else '')
                  + f', {s["processes"]} processes, {s["threads"]} threads,'
                  f' max depth {s["max_depth"]}')
    return rc


if __name__ == '__main__':
    sys.exit(main())
