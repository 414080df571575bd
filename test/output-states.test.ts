// Issue 15, point 3: an instance waiting for a GPU is `pending`, its own state in the timeline, the
// charts and the counts, apart from `starting` (loading); the marker once called `degraded` is named for
// what it measures (available instances below the desired count), apart from the Degraded metric.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { chartConfigs } from '../reports/charts.js';
import { runReportHtml } from '../reports/html.js';
import { formatIssue, loadScenarioFile } from '../scenario/load.js';
import { runScenario } from '../sim/run.js';

const ROOT = path.join(import.meta.dirname, '..');

function run(file: string) {
  const loaded = loadScenarioFile(path.join(ROOT, 'library', file));
  if (!loaded.ok) throw new Error(loaded.issues.map(formatIssue).join('\n'));
  return runScenario(loaded.scenario).result;
}

describe('pending instances', () => {
  // The H100 pool has no room for the surge instance: it waits for a GPU until the rollback.
  const result = run('gpu-shortage-rollback.yaml');

  it('are counted as pending in the timeline, not as starting', () => {
    const waiting = result.timeline.filter((s) => (s.instances['rev2']?.pending ?? 0) > 0);
    expect(waiting.length).toBeGreaterThan(0);
    for (const s of waiting) expect(s.instances['rev2']!.starting).toBe(0);
    for (const s of result.timeline)
      for (const c of Object.values(s.instances))
        expect(Object.keys(c).sort()).toEqual(['draining', 'pending', 'ready', 'starting']);
  });

  it('have their own band on the instances chart', () => {
    const instances = chartConfigs(result).find((c) => c.name === 'instances')!;
    const labels = instances.config.data.datasets.map((d) => d.label);
    expect(labels).toContain('rev 2 pending');
    expect(labels).not.toContain('rev 2 starting');
    expect(instances.caption).toContain('pending (waiting for a GPU or a node)');
  });
});

describe('the below-desired marker', () => {
  it('is not called degraded, so it cannot contradict the Degraded metric', () => {
    // An ordinary autoscaler scale-up: desired rises before the new instance is ready (degradedMs 0).
    const result = run('manual-rollback-after-success.yaml');
    expect(result.metrics.degradedMs).toBe(0);
    expect(result.markers.some((m) => m.kind === 'belowDesired')).toBe(true);
    const kinds = new Set(result.markers.map((m) => m.kind as string));
    expect(kinds.has('degraded')).toBe(false);
    expect(kinds.has('healthy')).toBe(false);
    for (const m of result.markers.filter((x) => x.kind === 'belowDesired'))
      expect(m.label).toMatch(/^below desired count: \d+ of \d+ instances available$/);
    expect(runReportHtml(result)).not.toMatch(/badge bad">degraded</);
  });
});

describe('instances an in-place edit moves to a new revision', () => {
  // Three tag edits, each applied in place: the same two instances belong to revisions 2, 3 and 4 in turn.
  const loaded = loadScenarioFile(path.join(ROOT, 'library', 'tags-add-update-remove.yaml'));
  if (!loaded.ok) throw new Error(loaded.issues.map(formatIssue).join('\n'));
  const scenario = loaded.scenario;
  const result = runScenario(scenario).result;

  it('are counted under the revision they belong to now, as edits[] and final.revision say', () => {
    const inPlace = result.edits.filter((e) => e.inPlace && e.outcome === 'completed');
    expect(inPlace.map((e) => e.toRevision)).toEqual([2, 3, 4]);
    expect(Object.keys(result.final.instances)).toEqual([`rev${result.final.revision}`]);
    for (const s of result.timeline) {
      // The revision in force at that sample: the last in-place edit requested before it (a sample at the
      // very millisecond of an edit is taken before the edit).
      const current = inPlace.filter((e) => e.requestedAtMs < s.tMs).at(-1)?.toRevision ?? 1;
      expect(Object.keys(s.instances)).toEqual([`rev${current}`]);
    }
  });

  it('keep passing their health checks when a rehearsal fails their new revision: they run what they ran', () => {
    // A rehearsal's health fault fails the instances created for the revision (an in-place edit's added
    // ones); the engine does not hold relabeled instances against the edit either (engine/state.ts,
    // phase scaling). They used to fail with the label, which read as downtime caused by a tag edit.
    const failing = {
      ...scenario,
      events: [
        ...scenario.events,
        {
          atMs: 17 * 60_000,
          action: 'fault' as const,
          fault: { kind: 'revisionFailsHealth' as const, revision: 4 },
        },
      ],
    };
    const r = runScenario(failing).result;
    expect(r.metrics.downtimeMs).toBe(0);
    const after = r.timeline.filter((s) => s.tMs >= 18 * 60_000);
    expect(after.length).toBeGreaterThan(0);
    expect(after.every((s) => (s.instances['rev4']?.ready ?? 0) === 2)).toBe(true);
  });
});
