// JUnit XML for `rollsim check --junit FILE`: one testsuite per scenario, one testcase per expectation,
// in the shape CI systems (GitHub test reporters, GitLab, Jenkins) read.
import type { ExpectationResult } from '../result/result.js';

export interface CheckedScenario {
  /** `metadata.name` of the scenario. */
  readonly scenario: string;
  /** The scenario file as given on the command line. */
  readonly file: string;
  readonly expectations: readonly ExpectationResult[];
  /** Set when the scenario could not be loaded or run; its expectations were then not checked. */
  readonly error?: string;
  readonly durationMs: number;
}

// XML 1.0 allows tab, newline, carriage return and these ranges; anything else makes the file unreadable.
const INVALID_XML_CHARS = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/** Escaped for element content and double- or single-quoted attributes. */
export function escapeXml(text: string): string {
  return text
    .replace(INVALID_XML_CHARS, '\uFFFD')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

const seconds = (ms: number): string => (Math.max(0, ms) / 1000).toFixed(3);

function attrs(values: Readonly<Record<string, string | number>>): string {
  return Object.entries(values)
    .map(([k, v]) => ` ${k}="${escapeXml(String(v))}"`)
    .join('');
}

function testcase(s: CheckedScenario, e: ExpectationResult): string {
  const head = `    <testcase${attrs({ classname: s.scenario, name: e.name, file: s.file, time: seconds(0) })}`;
  if (e.pass) return `${head}/>`;
  const failure = `      <failure${attrs({ message: e.detail, type: 'ExpectationFailed' })}>${escapeXml(e.detail)}</failure>`;
  return `${head}>\n${failure}\n    </testcase>`;
}

function errorCase(s: CheckedScenario, message: string): string {
  const head = `    <testcase${attrs({ classname: s.scenario, name: 'run', file: s.file, time: seconds(s.durationMs) })}>`;
  const error = `      <error${attrs({ message, type: 'ScenarioError' })}>${escapeXml(message)}</error>`;
  return `${head}\n${error}\n    </testcase>`;
}

interface Counts {
  readonly tests: number;
  readonly failures: number;
  readonly errors: number;
}

function countsOf(s: CheckedScenario): Counts {
  if (s.error !== undefined) return { tests: 1, failures: 0, errors: 1 };
  return { tests: s.expectations.length, failures: s.expectations.filter((e) => !e.pass).length, errors: 0 };
}

function testsuite(s: CheckedScenario, id: number): string {
  const c = countsOf(s);
  const head = `  <testsuite${attrs({
    name: s.scenario,
    id,
    file: s.file,
    tests: c.tests,
    failures: c.failures,
    errors: c.errors,
    skipped: 0,
    time: seconds(s.durationMs),
  })}`;
  const cases = s.error !== undefined ? [errorCase(s, s.error)] : s.expectations.map((e) => testcase(s, e));
  return cases.length === 0 ? `${head}/>` : `${head}>\n${cases.join('\n')}\n  </testsuite>`;
}

export function junitXml(scenarios: readonly CheckedScenario[]): string {
  const totals = scenarios.map(countsOf).reduce(
    (a, c) => ({
      tests: a.tests + c.tests,
      failures: a.failures + c.failures,
      errors: a.errors + c.errors,
    }),
    { tests: 0, failures: 0, errors: 0 },
  );
  const timeMs = scenarios.reduce((a, s) => a + s.durationMs, 0);
  const head = `<testsuites${attrs({ name: 'rollsim check', ...totals, time: seconds(timeMs) })}`;
  const suites = scenarios.map(testsuite);
  const body = suites.length === 0 ? `${head}/>` : `${head}>\n${suites.join('\n')}\n</testsuites>`;
  return `<?xml version="1.0" encoding="UTF-8"?>\n${body}\n`;
}
