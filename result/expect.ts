// A scenario's `expect` block checked against a run result: one named pass/fail per expectation, with
// a detail that says what was found, so a CI log alone explains a failure.
import type { EditResult, ExpectationResult, RunResult } from './result.js';
import { formatHumanDurationMs } from './duration.js';
import { formatCount } from '../scenario/excerpt.js';
import type { EditExpectation, Scenario } from '../scenario/types.js';

export function evaluateExpectations(scenario: Scenario, result: RunResult): ExpectationResult[] {
  const expect = scenario.expect;
  if (expect === null) return [];
  const out: ExpectationResult[] = [];
  if (expect.edits !== undefined) out.push(...editExpectations(expect.edits, result.edits));
  if (expect.maxDowntimeMs !== undefined) {
    const limit = expect.maxDowntimeMs;
    const actual = result.metrics.downtimeMs;
    const detail = `downtime ${formatHumanDurationMs(actual)} ${actual <= limit ? '≤' : '>'} ${formatHumanDurationMs(limit)}`;
    out.push({ name: 'maxDowntime', pass: actual <= limit, detail });
  }
  if (expect.maxDroppedPercent !== undefined) {
    const limit = expect.maxDroppedPercent;
    const actual = result.metrics.droppedPercent;
    const detail = `dropped ${formatPercent(actual)} ${actual <= limit ? '≤' : '>'} ${formatPercent(limit)}${overdueNote(result.metrics.requests)}`;
    out.push({ name: 'maxDroppedPercent', pass: actual <= limit, detail });
  }
  if (expect.final !== undefined) {
    // The final spec is the target; while an edit is still under way, say so beside the comparison.
    const open = result.edits.find((e) => e.outcome === 'inProgress');
    const note = open === undefined ? '' : ` (target spec; edit ${open.index + 1} ${inProgressText(open)})`;
    for (const r of matchPartial('final', expect.final, result.final.spec))
      out.push({ ...r, detail: `${r.detail}${note}` });
  }
  return out;
}

/**
 * What droppedPercent counts beyond dropped and timed-out requests, when it counts any: requests still
 * waiting at the end that arrived at least traffic.timeout earlier. An async deployment drops nothing, so
 * "dropped 23%" alone read as a contradiction. "" when there are none.
 */
export function overdueNote(requests: {
  readonly dropped: number;
  readonly timedOut: number;
  readonly overdue: number;
}): string {
  if (requests.overdue === 0) return '';
  const n = formatCount;
  return ` (${n(requests.overdue)} overdue: still queued or in flight at the end, older than traffic.timeout; ${n(requests.dropped)} dropped, ${n(requests.timedOut)} timed out)`;
}

function formatPercent(x: number): string {
  return `${Number(x.toFixed(3))}%`;
}

const codesOf = (edit: EditResult): string[] => [...new Set(edit.errors.map((e) => e.code))].sort();

function editExpectations(
  expected: readonly EditExpectation[],
  actual: readonly EditResult[],
): ExpectationResult[] {
  const out: ExpectationResult[] = [];
  if (expected.length !== actual.length) {
    const results = (n: number): string =>
      n === 1 ? '1 edit or rollback result' : `${n} edit or rollback results`;
    const detail = `expected ${results(expected.length)}, got ${actual.length}`;
    out.push({ name: 'edits.length', pass: false, detail });
  }
  expected.forEach((want, i) => {
    const got = actual[i];
    const name = (field: string): string => `edits[${i}].${field}`;
    if (got === undefined) {
      out.push({
        name: name('outcome'),
        pass: false,
        detail: `expected ${want.outcome}, but there is no edits[${i}]`,
      });
      return;
    }
    out.push(compare(name('outcome'), want.outcome, got.outcome, describeEdit(got)));
    if (want.reason !== undefined) out.push(compare(name('reason'), want.reason, got.reason ?? 'none', ''));
    if (want.inPlace !== undefined)
      out.push(compare(name('inPlace'), String(want.inPlace), String(got.inPlace), ''));
    if (want.errors !== undefined) {
      const wantCodes = [...new Set(want.errors)].sort();
      const gotCodes = codesOf(got);
      const pass = wantCodes.join(',') === gotCodes.join(',');
      const detail = pass
        ? `[${gotCodes.join(', ')}]`
        : `expected [${wantCodes.join(', ')}], got [${gotCodes.join(', ')}]`;
      out.push({ name: name('errors'), pass, detail });
    }
  });
  return out;
}

/** `still in progress at the end of the run (rolling, 1 of 3 replaced)`. */
export function inProgressText(edit: EditResult): string {
  const replaced =
    edit.replaced === undefined ? '' : `, ${edit.replaced.done} of ${edit.replaced.of} replaced`;
  return `still in progress at the end of the run (${edit.phase ?? 'unknown phase'}${replaced})`;
}

function describeEdit(edit: EditResult): string {
  if (edit.outcome === 'inProgress') return `: ${inProgressText(edit)}`;
  if (edit.outcome === 'rolledBack') return ` (reason ${edit.reason ?? 'none'})`;
  if (edit.outcome === 'rejected') return ` (errors ${codesOf(edit).join(', ') || 'none'})`;
  return '';
}

function compare(name: string, want: string, got: string, extra: string): ExpectationResult {
  return want === got
    ? { name, pass: true, detail: got }
    : { name, pass: false, detail: `expected ${want}, got ${got}${extra}` };
}

const isRecord = (x: unknown): x is Record<string, unknown> =>
  typeof x === 'object' && x !== null && !Array.isArray(x);

/**
 * Deep partial match: every field named in `want` must equal the one in `got`; mappings recurse, lists
 * must match whole. In `tags`, a null value expects the tag to be absent.
 */
function matchPartial(name: string, want: unknown, got: unknown): ExpectationResult[] {
  if (isRecord(want)) {
    if (!isRecord(got)) return [{ name, pass: false, detail: `expected a mapping, got ${show(got)}` }];
    return Object.entries(want).flatMap(([key, w]) => {
      const child = `${name}.${key}`;
      if (w === null) {
        const pass = !(key in got);
        return [{ name: child, pass, detail: pass ? 'absent' : `expected absent, got ${show(got[key])}` }];
      }
      return matchPartial(child, w, got[key]);
    });
  }
  const pass = canonical(want) === canonical(got);
  return [{ name, pass, detail: pass ? show(got) : `expected ${show(want)}, got ${show(got)}` }];
}

/** JSON with keys sorted, so `{ metric, threshold }` equals `{ threshold, metric }`. */
function canonical(x: unknown): string {
  return JSON.stringify(x, (_key, value: unknown) =>
    isRecord(value) ? Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : 1))) : value,
  );
}

function show(x: unknown): string {
  return x === undefined ? 'nothing' : typeof x === 'string' ? x : JSON.stringify(x);
}
