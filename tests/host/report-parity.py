#!/usr/bin/env python3
"""report-parity.py - the JSON and XML reports carry one tree.

Usage: report-parity.py DOC XSD REPORT.json REPORT.xml

Walks the JSON report and the XML report together, by the mapping that
DOC (docs/uvm-collect.md) documents: every JSON member and item has its
XML counterpart with the same value, and the XML has nothing more.  Then
every JSON path, nulls included (array indices and map keys normalized),
must be declared by XSD (docs/uvm-collect.xsd) where the mapping puts it.
Prints the number of paths checked; exit 1 with the differences.
"""
import json
import re
import sys
import xml.etree.ElementTree as ET

XS = '{http://www.w3.org/2001/XMLSchema}'


def read_mapping(doc):
    """The document element, and {member: (array|map, ITEM)}, from DOC."""
    root, items = None, {}
    with open(doc, encoding='utf-8') as f:
        for line in f:
            m = re.match(r'^\|\s*the report\s*\|\s*`<([\w-]+)>`', line)
            if m:
                root = m.group(1)
            m = re.match(r'^\|\s*`(\w+)`\s*\|\s*(array|map)\s*\|\s*`([\w-]+)`\s*\|\s*$', line)
            if m:
                items[m.group(1)] = (m.group(2), m.group(3))
    if not root or not items:
        sys.exit(f'{doc}: no XML mapping table found')
    return root, items


def text(v):
    if v is True:
        return 'true'
    if v is False:
        return 'false'
    if isinstance(v, float):
        return repr(v)
    return str(v)


def same(v, s):
    """Whether XML text s is JSON scalar v."""
    if s is None:
        return False
    if isinstance(v, float):
        try:
            return float(s) == v
        except ValueError:
            return False
    return s == text(v)


class Walk:
    def __init__(self, items):
        self.items = items
        self.errors = []
        self.paths = {}		# normalized JSON path -> XML path

    def err(self, path, what):
        if len(self.errors) < 50:
            self.errors.append(f'{path or "."}: {what}')

    def note(self, path, xpath):
        self.paths.setdefault(path, xpath)

    def element(self, j, x, path, xpath, name, key=None):
        """JSON value j, its XML element x; name: j's member name (None for
        items), key: j's map key (the item's name attribute)."""
        self.note(path, xpath)
        attrs = dict(x.attrib)
        if key is not None:
            self.note(path + '<key>', xpath + '/@name')
            if attrs.pop('name', None) != key:
                self.err(path, f'map key {key!r}: XML name="{x.get("name")}"')
        if isinstance(j, (dict, list)) and name in self.items:
            self.container(j, x, attrs, path, xpath, name)
        elif isinstance(j, list):
            self.err(path, 'an array that docs/uvm-collect.md does not name')
        elif isinstance(j, dict):
            self.object(j, x, attrs, path, xpath)
        else:
            self.note(path, xpath + '/text()')
            if attrs or len(x):
                self.err(path, 'XML item has attributes or elements')
            if j is None and (x.text or ''):
                self.err(path, f'null, XML {x.text!r}')
            elif j is not None and not same(j, x.text):
                self.err(path, f'{j!r}, XML {x.text!r}')

    def container(self, j, x, attrs, path, xpath, name):
        kind, item = self.items[name]
        if (kind == 'map') != isinstance(j, dict):
            self.err(path, f'docs/uvm-collect.md says {kind}, JSON has {type(j).__name__}')
            return
        kids = list(x)
        if attrs:
            self.err(path, f'XML attributes {sorted(attrs)} on an {kind}')
        if [k.tag for k in kids] != [item] * len(j):
            self.err(path, f'{len(j)} items, XML {[k.tag for k in kids]}')
            return
        if kind == 'map':
            for (k, v), xk in zip(j.items(), kids):
                self.element(v, xk, path + '{}', f'{xpath}/{item}', None, key=k)
        else:
            for v, xk in zip(j, kids):
                self.element(v, xk, path + '[]', f'{xpath}/{item}', None)

    def object(self, j, x, attrs, path, xpath):
        want = []
        for k, v in j.items():
            p = f'{path}.{k}'
            if isinstance(v, (dict, list)):
                want.append(k)
                continue
            self.note(p, f'{xpath}/@{k}')
            got = attrs.pop(k, None)
            if v is None and got is not None:
                self.err(p, f'null, XML {k}="{got}"')
            elif v is not None and not same(v, got):
                self.err(p, f'{v!r}, XML ' + ('none' if got is None else f'{k}="{got}"'))
        for k in sorted(attrs):
            self.err(f'{path}.{k}', 'XML attribute without a JSON member')
        kids = list(x)
        if [k.tag for k in kids] != want:
            self.err(path, f'members {want}, XML elements {[k.tag for k in kids]}')
            return
        for k, xk in zip(want, kids):
            self.element(j[k], xk, f'{path}.{k}', f'{xpath}/{k}', k)


class Schema:
    """The declarations of an XSD, enough for the paths of an instance."""

    def __init__(self, path):
        t = ET.parse(path).getroot()
        self.types = {e.get('name'): e for e in t.findall(XS + 'complexType')}
        self.simple = {e.get('name') for e in t.findall(XS + 'simpleType')}
        self.groups = {e.get('name'): e for e in t.findall(XS + 'attributeGroup')}
        self.elements = {e.get('name'): e for e in t.findall(XS + 'element')}

    @staticmethod
    def local(name):
        return name.split(':')[-1] if name else None

    def ctype(self, decl):
        """The complex type of an element declaration, None if simple."""
        if decl.get('ref'):
            decl = self.elements[self.local(decl.get('ref'))]
        if decl.get('type'):
            return self.types.get(self.local(decl.get('type')))
        return decl.find(XS + 'complexType')

    def has_text(self, decl):
        ct = self.ctype(decl)
        return ct is None or ct.find(XS + 'simpleContent') is not None

    def walk(self, ct, tags):
        """ct's direct parts with a tag in tags, through content models,
        extensions (and their base types) and attribute groups."""
        out = []
        for c in ct:
            if c.tag in tags:
                out.append(c)
            if c.tag == XS + 'attributeGroup' and c.get('ref'):
                out += self.walk(self.groups[self.local(c.get('ref'))], tags)
            elif c.tag == XS + 'extension':
                base = self.types.get(self.local(c.get('base')))
                if base is not None:
                    out += self.walk(base, tags)
                out += self.walk(c, tags)
            elif c.tag in (XS + 'sequence', XS + 'choice', XS + 'all',
                           XS + 'complexContent', XS + 'simpleContent'):
                out += self.walk(c, tags)
        return out

    def child(self, decl, name):
        ct = self.ctype(decl)
        if ct is None:
            return None
        for e in self.walk(ct, {XS + 'element'}):
            if (e.get('name') or self.local(e.get('ref'))) == name:
                return e
        return None

    def attribute(self, decl, name):
        ct = self.ctype(decl)
        if ct is None:
            return False
        return any(a.get('name') == name for a in self.walk(ct, {XS + 'attribute'}))

    def declares(self, xpath):
        """Whether an instance path /a/b/@c or /a/b/text() is declared."""
        steps = xpath.strip('/').split('/')
        decl = self.elements.get(steps[0])
        for s in steps[1:]:
            if decl is None:
                return False
            if s.startswith('@'):
                return self.attribute(decl, s[1:])
            if s == 'text()':
                return self.has_text(decl)
            decl = self.child(decl, s)
        return decl is not None


def main():
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    doc, xsd, jpath, xpath = sys.argv[1:]
    root, items = read_mapping(doc)
    with open(jpath, encoding='utf-8') as f:
        j = json.load(f)
    x = ET.parse(xpath).getroot()
    w = Walk(items)
    if x.tag != root:
        w.err('', f'XML document element <{x.tag}>, docs/uvm-collect.md says <{root}>')
    else:
        w.element(j, x, '', '/' + root, None)
    s = Schema(xsd)
    for p, xp in sorted(w.paths.items()):
        if not s.declares(xp):
            w.err(p, f'{xp} not declared in {xsd}')
    for e in w.errors:
        print(e)
    if w.errors:
        print(f'{jpath}: {len(w.errors)} differences from the XML or the XSD')
        return 1
    print(f'{jpath}: {len(w.paths)} JSON paths, all in the XML with the same values '
          'and declared in the XSD')
    return 0


if __name__ == '__main__':
    sys.exit(main())
