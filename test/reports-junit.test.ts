// Proves `rollsim check --junit` output is well-formed XML in the usual JUnit shape: counts that add up,
// one testcase per expectation, failures and errors where they belong, any string escaped.
import { describe, expect, it } from 'vitest';
import { escapeXml, junitXml, type CheckedScenario } from '../reports/junit.js';

interface XmlElement {
  readonly name: string;
  readonly attrs: Readonly<Record<string, string>>;
  readonly children: XmlElement[];
  text: string;
}

const ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decode(raw: string, where: string): string {
  if (/&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/.test(raw)) throw new Error(`bare & in ${where}`);
  return raw.replace(/&(#x[0-9a-fA-F]+|#\d+|\w+);/g, (_, e: string) =>
    e.startsWith('#x')
      ? String.fromCodePoint(parseInt(e.slice(2), 16))
      : e.startsWith('#')
        ? String.fromCodePoint(Number(e.slice(1)))
        : ENTITIES[e]!,
  );
}

function parseAttrs(raw: string, tag: string): Record<string, string> {
  const attrs: Record<string, string> = {};
  const rest = raw.replace(
    /\s+([A-Za-z_][\w.-]*)\s*=\s*("([^"<]*)"|'([^'<]*)')/g,
    (_, name: string, _q, dq?: string, sq?: string) => {
      if (name in attrs) throw new Error(`duplicate attribute ${name} on <${tag}>`);
      attrs[name] = decode(dq ?? sq ?? '', `attribute ${name}`);
      return '';
    },
  );
  if (rest.trim() !== '') throw new Error(`malformed attributes on <${tag}>: ${rest}`);
  return attrs;
}

/** A small well-formedness checker and parser: elements, attributes, text, entities, one root. */
function parseXml(xml: string): XmlElement {
  const body = xml.replace(/^<\?xml version="1\.0" encoding="UTF-8"\?>\n/, '');
  if (body === xml) throw new Error('missing XML declaration');
  const stack: XmlElement[] = [];
  let root: XmlElement | null = null;
  const token = /<(\/?)([A-Za-z_][\w.-]*)((?:\s+[^<>]*?)?)(\/?)>|([^<]+)|(<)/g;
  for (const m of body.matchAll(token)) {
    const [, close, name, rawAttrs, selfClose, text, strayLt] = m;
    if (strayLt) throw new Error(`stray < at ${m.index}`);
    if (text !== undefined) {
      if (stack.length === 0 && text.trim() !== '') throw new Error('text outside the root');
      if (stack.length > 0) stack.at(-1)!.text += decode(text, 'text');
      continue;
    }
    if (close) {
      const open = stack.pop();
      if (open?.name !== name) throw new Error(`</${name}> closes <${open?.name ?? 'nothing'}>`);
      continue;
    }
    const el: XmlElement = { name: name!, attrs: parseAttrs(rawAttrs ?? '', name!), children: [], text: '' };
    if (stack.length > 0) stack.at(-1)!.children.push(el);
    else if (root) throw new Error('more than one root element');
    else root = el;
    if (!selfClose) stack.push(el);
  }
  if (stack.length > 0) throw new Error(`<${stack.at(-1)!.name}> is never closed`);
  if (!root) throw new Error('no root element');
  return root;
}

const hostile = `<img src=x onerror=alert(1)> & "q" 'a' \u0001 \uD800`;

const scenarios: CheckedScenario[] = [
  {
    scenario: 'swap-8b-to-70b',
    file: 'scenarios/swap.yaml',
    durationMs: 1234,
    expectations: [
      { name: 'edits[0].outcome', pass: true, detail: 'completed' },
      { name: 'maxDowntime', pass: false, detail: 'downtime 3m > 0s' },
      { name: 'maxDroppedPercent', pass: true, detail: '0.1% <= 0.5%' },
    ],
  },
  {
    scenario: 'broken',
    file: 'scenarios/broken.yaml',
    durationMs: 5,
    expectations: [],
    error: `cannot read trace: ${hostile}`,
  },
  {
    scenario: `odd-${hostile}`,
    file: `dir/${hostile}.yaml`,
    durationMs: 10,
    expectations: [{ name: hostile, pass: false, detail: hostile }],
  },
  { scenario: 'no-expectations', file: 'x.yaml', durationMs: 1, expectations: [] },
];

describe('the XML checker', () => {
  it.each([
    ['<?xml version="1.0" encoding="UTF-8"?>\n<a><b></a></b>'],
    ['<?xml version="1.0" encoding="UTF-8"?>\n<a x=1/>'],
    ['<?xml version="1.0" encoding="UTF-8"?>\n<a>&</a>'],
    ['<?xml version="1.0" encoding="UTF-8"?>\n<a x="1" x="2"/>'],
    ['<?xml version="1.0" encoding="UTF-8"?>\n<a/><b/>'],
    ['<?xml version="1.0" encoding="UTF-8"?>\n<a>1 < 2</a>'],
    ['<a/>'],
  ])('rejects malformed XML: %s', (xml) => {
    expect(() => parseXml(xml)).toThrow();
  });
});

describe('junitXml', () => {
  const root = parseXml(junitXml(scenarios));
  const suites = root.children;

  it('has testsuites > testsuite > testcase with totals that add up', () => {
    expect(root.name).toBe('testsuites');
    expect(root.attrs).toMatchObject({
      name: 'rollsim check',
      tests: '5',
      failures: '2',
      errors: '1',
      time: '1.250',
    });
    expect(suites.map((s) => s.name)).toEqual(['testsuite', 'testsuite', 'testsuite', 'testsuite']);
    for (const suite of suites) {
      const cases = suite.children;
      expect(cases.every((c) => c.name === 'testcase')).toBe(true);
      expect(Number(suite.attrs['tests'])).toBe(cases.length);
      expect(Number(suite.attrs['failures'])).toBe(
        cases.filter((c) => c.children.some((x) => x.name === 'failure')).length,
      );
      expect(Number(suite.attrs['errors'])).toBe(
        cases.filter((c) => c.children.some((x) => x.name === 'error')).length,
      );
      expect(suite.attrs['skipped']).toBe('0');
    }
  });

  it('has one testcase per expectation, failing ones with a failure message', () => {
    const [swap] = suites;
    expect(swap!.attrs).toMatchObject({ name: 'swap-8b-to-70b', file: 'scenarios/swap.yaml', time: '1.234' });
    expect(
      swap!.children.map((c) => [c.attrs['name'], c.attrs['classname'], c.children.map((x) => x.name)]),
    ).toEqual([
      ['edits[0].outcome', 'swap-8b-to-70b', []],
      ['maxDowntime', 'swap-8b-to-70b', ['failure']],
      ['maxDroppedPercent', 'swap-8b-to-70b', []],
    ]);
    const failure = swap!.children[1]!.children[0]!;
    expect(failure.attrs).toMatchObject({ message: 'downtime 3m > 0s', type: 'ExpectationFailed' });
    expect(failure.text).toBe('downtime 3m > 0s');
  });

  it('reports a scenario that could not run as one errored testcase', () => {
    const broken = suites[1]!;
    expect(broken.children).toHaveLength(1);
    expect(broken.children[0]!.attrs['name']).toBe('run');
    expect(broken.children[0]!.children[0]!.name).toBe('error');
  });

  it('keeps every string intact through escaping, replacing only characters XML cannot hold', () => {
    const safe = hostile.replace('\u0001', '\uFFFD').replace('\uD800', '\uFFFD');
    const odd = suites[2]!;
    expect(odd.attrs['name']).toBe(`odd-${safe}`);
    expect(odd.attrs['file']).toBe(`dir/${safe}.yaml`);
    expect(odd.children[0]!.attrs['name']).toBe(safe);
    expect(odd.children[0]!.children[0]!.text).toBe(safe);
    expect(suites[1]!.children[0]!.children[0]!.attrs['message']).toBe(`cannot read trace: ${safe}`);
    expect(escapeXml('a<b')).toBe('a&lt;b');
  });

  it('writes an empty suite for a scenario without expectations, and a valid file for none at all', () => {
    expect(suites[3]!.attrs).toMatchObject({ tests: '0', failures: '0', errors: '0' });
    expect(suites[3]!.children).toEqual([]);
    expect(parseXml(junitXml([])).attrs).toMatchObject({ tests: '0', failures: '0', errors: '0' });
  });
});
