// Proves evaluateExpectations passes what matches and fails, by name and with what was found, each
// kind of expectation a scenario can state (edits, downtime, dropped requests, final spec).
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DeploymentSpec } from '../catalog/spec.js';
import { evaluateExpectations } from '../result/expect.js';
import { formatIssue, loadScenarioFile } from '../scenario/load.js';
import type { Expectations, Scenario } from '../scenario/types.js';
import type { EditResult, RunResult } from '../result/result.js';

const loaded = loadScenarioFile(path.join(import.meta.dirname, '..', 'library', 'default.yaml'));
if (!loaded.ok) throw new Error(loaded.issues.map(formatIssue).join('\n'));
const BASE: Scenario = loaded.scenario;

const SPEC: DeploymentSpec = {
  ...BASE.deployment,
  model: 'llama-3.1-70b',
  accelerator: { type: 'H100', count: 4 },
  scaling: { minInstances: 2, maxInstances: 8, metrics: [{ metric: 'concurrency', threshold: 48 }] },
  tags: { env: 'production', team: 'ml-platform' },
};

function edit(overrides: Partial<EditResult>): EditResult {
  return {
    index: 0,
    kind: 'edit',
    requestedAtMs: 1_200_000,
    outcome: 'completed',
    reason: null,
    errors: [],
    inPlace: false,
    startedAtMs: 1_200_000,
    endedAtMs: 2_100_000,
    durationMs: 900_000,
    rolloutDurationMs: 300_000,
    fromRevision: 1,
    toRevision: 2,
    peakInstances: 3,
    minReadyInstances: 2,
    loadMs: null,
    ...overrides,
  };
}

function result(edits: EditResult[], downtimeMs = 0, droppedPercent = 0): RunResult {
  return {
    scenario: BASE.metadata.name,
    seed: 42,
    simulatedMs: BASE.durationMs,
    edits,
    final: { revision: 2, spec: SPEC, readyInstances: 2, instances: {} },
    metrics: {
      downtimeMs,
      degradedMs: 0,
      requests: { offered: 1000, served: 1000, dropped: 0, timedOut: 0, unfinished: 0, overdue: 0 },
      droppedPercent,
      latencyMs: { p50: 1, p95: 2, p99: 3 },
      ttftMs: null,
      itlMs: null,
      gpuHours: 1,
      peakGpus: 10,
      byGpuType: { H100: { peakGpus: 10, gpuHours: 1 } },
      peakBacklog: 0,
    },
    timeline: [],
    markers: [],
    expectations: [],
  };
}

const withExpect = (expectations: Expectations | null): Scenario => ({ ...BASE, expect: expectations });
const failures = (s: Scenario, r: RunResult) => evaluateExpectations(s, r).filter((e) => !e.pass);

describe('evaluateExpectations', () => {
  it('returns nothing without an expect block', () => {
    expect(evaluateExpectations(withExpect(null), result([edit({})]))).toEqual([]);
  });

  it("passes the default scenario's expectations on a matching result, naming each", () => {
    const all = evaluateExpectations(BASE, result([edit({})]));
    expect(all.map((e) => [e.name, e.pass])).toEqual([
      ['edits[0].outcome', true],
      ['maxDowntime', true],
      ['maxDroppedPercent', true],
      ['final.model', true],
      ['final.accelerator.type', true],
      ['final.accelerator.count', true],
      ['final.tags.team', true],
    ]);
  });

  it('fails an outcome and says what happened instead', () => {
    const rolledBack = edit({ outcome: 'rolledBack', reason: 'RESOURCE_UNAVAILABLE' });
    expect(failures(BASE, result([rolledBack]))).toContainEqual({
      name: 'edits[0].outcome',
      pass: false,
      detail: 'expected completed, got rolledBack (reason RESOURCE_UNAVAILABLE)',
    });
  });

  it('checks whether an edit was applied in place', () => {
    const s = withExpect({ edits: [{ outcome: 'completed', inPlace: true }] });
    expect(failures(s, result([edit({ inPlace: true })]))).toEqual([]);
    expect(failures(s, result([edit({ inPlace: false })])).map((f) => f.name)).toEqual(['edits[0].inPlace']);
  });

  it('checks the rollback reason', () => {
    const s = withExpect({ edits: [{ outcome: 'rolledBack', reason: 'HEALTH_CHECK_FAILED' }] });
    const r = result([edit({ outcome: 'rolledBack', reason: 'PROGRESS_DEADLINE_EXCEEDED' })]);
    expect(failures(s, r)).toEqual([
      {
        name: 'edits[0].reason',
        pass: false,
        detail: 'expected HEALTH_CHECK_FAILED, got PROGRESS_DEADLINE_EXCEEDED',
      },
    ]);
  });

  it('checks rejection codes as a set (order and repeats do not matter, extras do)', () => {
    const s = withExpect({
      edits: [{ outcome: 'rejected', errors: ['LOCKED_FIELD', 'MODEL_TYPE_MISMATCH'] }],
    });
    const issue = (code: 'LOCKED_FIELD' | 'MODEL_TYPE_MISMATCH' | 'UNKNOWN_MODEL') => ({
      code,
      field: 'x',
      message: 'm',
    });
    const same = edit({
      outcome: 'rejected',
      errors: [issue('MODEL_TYPE_MISMATCH'), issue('LOCKED_FIELD'), issue('LOCKED_FIELD')],
    });
    expect(failures(s, result([same]))).toEqual([]);
    const extra = edit({
      outcome: 'rejected',
      errors: [issue('LOCKED_FIELD'), issue('MODEL_TYPE_MISMATCH'), issue('UNKNOWN_MODEL')],
    });
    expect(failures(s, result([extra]))).toEqual([
      {
        name: 'edits[0].errors',
        pass: false,
        detail:
          'expected [LOCKED_FIELD, MODEL_TYPE_MISMATCH], got [LOCKED_FIELD, MODEL_TYPE_MISMATCH, UNKNOWN_MODEL]',
      },
    ]);
  });

  it('fails when the run has a different number of edits', () => {
    const s = withExpect({ edits: [{ outcome: 'completed' }, { outcome: 'rejected' }] });
    expect(failures(s, result([edit({})])).map((e) => e.name)).toEqual(['edits.length', 'edits[1].outcome']);
  });

  it('compares downtime and dropped requests against their limits', () => {
    const s = withExpect({ maxDowntimeMs: 30_000, maxDroppedPercent: 0.5 });
    expect(failures(s, result([], 30_000, 0.5))).toEqual([]);
    expect(failures(s, result([], 30_001, 0.51))).toEqual([
      { name: 'maxDowntime', pass: false, detail: 'downtime 30s > 30s' },
      { name: 'maxDroppedPercent', pass: false, detail: 'dropped 0.51% > 0.5%' },
    ]);
  });

  it('says when dropped % counts overdue requests (an async backlog drops nothing)', () => {
    const s = withExpect({ maxDroppedPercent: 0 });
    const r = result([], 0, 23.8);
    const backlog = {
      ...r,
      metrics: {
        ...r.metrics,
        requests: { offered: 1000, served: 750, dropped: 0, timedOut: 0, unfinished: 250, overdue: 238 },
      },
    };
    expect(failures(s, backlog)).toEqual([
      {
        name: 'maxDroppedPercent',
        pass: false,
        detail:
          'dropped 23.8% > 0% (238 overdue: still queued or in flight at the end, older than traffic.timeout; 0 dropped, 0 timed out)',
      },
    ]);
  });

  it('matches the final spec deeply and partially; lists whole; null tags absent', () => {
    const s = withExpect({
      final: {
        scaling: { metrics: [{ threshold: 48, metric: 'concurrency' }] },
        tags: { team: 'ml-platform', owner: null },
      },
    });
    expect(failures(s, result([]))).toEqual([]);
    const wrong = withExpect({ final: { scaling: { maxInstances: 4 }, tags: { env: null } } });
    expect(failures(wrong, result([]))).toEqual([
      { name: 'final.scaling.maxInstances', pass: false, detail: 'expected 4, got 8' },
      { name: 'final.tags.env', pass: false, detail: 'expected absent, got production' },
    ]);
  });
});
