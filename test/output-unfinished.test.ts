// Issue 15, point 1: an edit still under way when the run ends is reported as in progress (phase,
// instances replaced, times so far) everywhere, and `final` says what is serving beside the target spec.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatRunSummary } from '../cli/summary.js';
import { chartMarkers } from '../reports/charts.js';
import { runReportHtml } from '../reports/html.js';
import { summaryMarkdown } from '../reports/markdown.js';
import { evaluateExpectations } from '../result/expect.js';
import { formatIssue, loadScenarioText } from '../scenario/load.js';
import type { Scenario } from '../scenario/types.js';
import { runScenario } from '../sim/run.js';

const ROOT = path.join(import.meta.dirname, '..');
const DEFAULT_TEXT = fs.readFileSync(path.join(ROOT, 'library', 'default.yaml'), 'utf8');

/** The default scenario (edit at 20m), cut off at `duration` so the edit cannot finish. */
function cutOff(duration: string): Scenario {
  const text = DEFAULT_TEXT.replace('duration: 90m', `duration: ${duration}`).replace(
    '{ at: 1h, count: 16 }',
    '{ at: 21m, count: 16 }',
  );
  const loaded = loadScenarioText(text, {
    file: 'cut-off.yaml',
    sourcePath: path.join(ROOT, 'cut-off.yaml'),
  });
  if (!loaded.ok) throw new Error(loaded.issues.map(formatIssue).join('\n'));
  return loaded.scenario;
}

describe('an edit unfinished at the end of the run', () => {
  const scenario = cutOff('24m');
  const { result } = runScenario(scenario);
  const withExpect = { ...result, expectations: evaluateExpectations(scenario, result) };

  it('has an inProgress entry with its phase, instances replaced and times so far', () => {
    expect(result.edits).toHaveLength(1);
    const e = result.edits[0]!;
    expect(e.outcome).toBe('inProgress');
    expect(e.phase).toBe('rolling');
    // Replaced out of the desired count at the end (the autoscaler's, as the last sample shows it).
    expect(e.replaced!.of).toBe(result.timeline.at(-1)!.desired);
    expect(e.replaced!.done).toBeLessThan(e.replaced!.of);
    expect(e.requestedAtMs).toBe(20 * 60_000);
    expect(e.endedAtMs).toBe(24 * 60_000);
    expect(e.durationMs).toBe(4 * 60_000);
    expect(e.rolloutDurationMs).toBeNull();
    expect(e.fromRevision).toBe(1);
    expect(e.toRevision).toBe(2);
  });

  it('says in `final` what is serving, per revision and state, beside the target spec', () => {
    expect(result.final.spec.model).toBe('llama-3.1-70b');
    const rev1 = result.final.instances['rev1']!;
    const rev2 = result.final.instances['rev2']!;
    expect(rev1.ready).toBeGreaterThan(0);
    expect(rev2.ready + rev2.starting + rev2.pending).toBeGreaterThan(0);
    const total = Object.values(result.final.instances).reduce((a, c) => a + c.ready, 0);
    expect(total).toBe(result.final.readyInstances);
  });

  it('fails an expectation of completion with "still in progress at the end of the run"', () => {
    const failed = withExpect.expectations.filter((x) => !x.pass);
    expect(failed.map((x) => x.name)).toEqual(['edits[0].outcome']);
    expect(failed[0]!.detail).toMatch(
      /^expected completed, got inProgress: still in progress at the end of the run \(rolling, \d of \d replaced\)$/,
    );
    const finalModel = withExpect.expectations.find((x) => x.name === 'final.model')!;
    expect(finalModel.detail).toContain('target spec; edit 1 still in progress');
  });

  it('is shown by the CLI, summary.md, report.html and the chart markers', () => {
    const cli = formatRunSummary(withExpect, { scenarioArg: 'x.yaml', outDir: null, written: [] });
    expect(cli).not.toContain('no edits');
    expect(cli).toMatch(/edit 1 at 0:20:00: still in progress at the end of the run \(rolling/);
    expect(cli).toMatch(/serving at the end: revision 1: \d ready/);
    const md = summaryMarkdown(withExpect);
    expect(md).not.toContain('requested no edits');
    expect(md).toContain('in progress');
    expect(md).toMatch(/Serving at the end\*\* \| revision 1: \d ready/);
    const html = runReportHtml(withExpect);
    expect(html).not.toContain('requested no edits');
    expect(html).toContain('still in progress at the end of the run (rolling');
    const marks = chartMarkers(withExpect).map((m) => m.label);
    expect(marks).toContain('edit 1');
    expect(marks.some((l) => l.startsWith('edit 1 still rolling'))).toBe(true);
  });

  it('reports the monitoring phase with the rollout duration once every instance is replaced', () => {
    const full = runScenario(cutOff('90m')).result.edits[0]!;
    expect(full.outcome).toBe('completed');
    // End the run inside the monitoring window (10 minutes after the last replacement).
    const doneAt = full.requestedAtMs + full.rolloutDurationMs!;
    const minutes = Math.ceil((doneAt + 60_000) / 60_000);
    const e = runScenario(cutOff(`${minutes}m`)).result.edits[0]!;
    expect(e.outcome).toBe('inProgress');
    expect(e.phase).toBe('monitoring');
    expect(e.replaced!.done).toBe(e.replaced!.of);
    expect(e.rolloutDurationMs).toBe(full.rolloutDurationMs);
  });
});

describe('library/edit-unfinished-at-end.yaml', () => {
  const text = fs.readFileSync(path.join(ROOT, 'library', 'edit-unfinished-at-end.yaml'), 'utf8');
  const load = (t: string): Scenario => {
    const loaded = loadScenarioText(t, { file: 'x.yaml', sourcePath: path.join(ROOT, 'library', 'x.yaml') });
    if (!loaded.ok) throw new Error(loaded.issues.map(formatIssue).join('\n'));
    return loaded.scenario;
  };

  it('expects inProgress, and that expectation fails once the run is long enough for the edit to finish', () => {
    const short = load(text);
    expect(evaluateExpectations(short, runScenario(short).result).every((e) => e.pass)).toBe(true);
    const long = load(text.replace('duration: 30m', 'duration: 60m'));
    const failed = evaluateExpectations(long, runScenario(long).result).filter((e) => !e.pass);
    expect(failed.map((e) => [e.name, e.detail])).toEqual([
      ['edits[0].outcome', 'expected inProgress, got completed'],
    ]);
  });
});
