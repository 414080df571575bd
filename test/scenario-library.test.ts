// Proves the scenario library covers every behaviour the product promises, that every scenario passes
// `rollsim check`, and that the expectations are sharp: take away the cause and they fail.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../cli/cli.js';
import { BUILTIN_CATALOG } from '../catalog/catalog.js';
import type { SpecEdit } from '../catalog/spec.js';
import { FAILURE_REASONS, type ErrorCode, type RollbackReason } from '../engine/types.js';
import { evaluateExpectations } from '../result/expect.js';
import { formatIssue, loadScenarioFile } from '../scenario/load.js';
import type { EditExpectation, FaultSpec, Scenario, ScenarioEvent } from '../scenario/types.js';
import type { ExpectationResult, RunResult } from '../result/result.js';
import { runScenario } from '../sim/run.js';
import { withPlantedBug, type PlantedBug } from './support/planted-bug.js';

// The engine's safety rules, replaceable so the last test below can plant a known bug (planted-bug.ts).
vi.mock('../engine/safety-rules.js', async (importOriginal) =>
  (await import('./support/planted-bug.js')).plantable(await importOriginal()),
);

const root = path.resolve(import.meta.dirname, '..');
const libraryDir = path.join(root, 'library');
const tracesDir = path.join(libraryDir, 'traces');

/** Scenario files of the library, as `rollsim check library/` finds them (no sub-folder holds any). */
const FILES = readdirSync(libraryDir)
  .filter((f) => /\.ya?ml$/.test(f))
  .sort();

function load(file: string): Scenario {
  const loaded = loadScenarioFile(path.join(libraryDir, file));
  if (!loaded.ok) throw new Error(loaded.issues.map(formatIssue).join('\n'));
  return loaded.scenario;
}

/** An edit or rollback event with the `expect.edits` entry it is paired with (they are in the same order). */
interface Action {
  readonly event: Exclude<ScenarioEvent, { action: 'fault' }>;
  readonly want: EditExpectation;
  readonly index: number;
}

interface Entry {
  readonly file: string;
  readonly scenario: Scenario;
  readonly result: RunResult;
  readonly expectations: readonly ExpectationResult[];
  readonly actions: readonly Action[];
}

function actionsOf(s: Scenario): Action[] {
  const events = s.events.filter((e): e is Action['event'] => e.action !== 'fault');
  const wants = s.expect?.edits ?? [];
  return events.flatMap((event, index) => {
    const want = wants[index];
    return want === undefined ? [] : [{ event, want, index }];
  });
}

const editOf = (a: Action): SpecEdit | null => (a.event.action === 'edit' ? a.event.edit : null);
const faultsOf = (s: Scenario): { atMs: number; fault: FaultSpec }[] =>
  s.events.flatMap((e) => (e.action === 'fault' ? [{ atMs: e.atMs, fault: e.fault }] : []));
const rejectedWith = (a: Action, code: ErrorCode): boolean =>
  a.want.outcome === 'rejected' && (a.want.errors ?? []).includes(code);
const rolledBackWith = (a: Action, reason: RollbackReason): boolean =>
  a.want.outcome === 'rolledBack' && a.want.reason === reason;

function run(scenario: Scenario): RunResult {
  return runScenario(scenario, { checkInvariants: true }).result;
}

const library = new Map<string, Entry>();

beforeAll(() => {
  for (const file of FILES) {
    const scenario = load(file);
    const result = run(scenario);
    const expectations = evaluateExpectations(scenario, result);
    library.set(file, { file, scenario, result, expectations, actions: actionsOf(scenario) });
  }
});

const entries = (): Entry[] => [...library.values()];

// ---------------------------------------------------------------------------------------------
// What the library must show. Each predicate looks at the scenario (its events and its `expect`)
// and, where the point is about what happens rather than what is asked, at the run itself.

type Predicate = (e: Entry) => boolean;

const modelType = (s: Scenario, id: string): string | undefined =>
  (s.models.find((m) => m.id === id) ?? BUILTIN_CATALOG.models[id])?.type;

const swap8bTo70b: Predicate = ({ scenario: s, actions, result }) =>
  s.deployment.model === 'llama-3.1-8b' &&
  actions.some((a) => {
    const edit = editOf(a);
    const acc = edit?.accelerator;
    const accChanged =
      acc !== undefined &&
      ((acc.type !== undefined && acc.type !== s.deployment.accelerator.type) ||
        (acc.count !== undefined && acc.count !== s.deployment.accelerator.count));
    return edit?.model?.startsWith('llama-3.1-70b') === true && accChanged && a.want.outcome === 'completed';
  }) &&
  result.final.spec.model.startsWith('llama-3.1-70b');

const crossTypeRejected: Predicate = ({ scenario: s, actions }) =>
  actions.some((a) => {
    const model = editOf(a)?.model;
    const differentType = model !== undefined && modelType(s, model) !== modelType(s, s.deployment.model);
    return differentType && rejectedWith(a, 'MODEL_TYPE_MISMATCH');
  });

const lockedFieldRejected =
  (field: 'name' | 'cloud' | 'cluster' | 'processingType'): Predicate =>
  ({ scenario: s, actions }) =>
    actions.some((a) => {
      const value = editOf(a)?.[field];
      return value !== undefined && value !== s.deployment[field] && rejectedWith(a, 'LOCKED_FIELD');
    });

const notEditable =
  (state: 'pending' | 'failed' | 'warmpool'): Predicate =>
  ({ scenario: s, actions }) =>
    (state === 'warmpool' ? s.deployment.warmpool : s.deployment.status === state) &&
    actions.some((a) => rejectedWith(a, 'NOT_EDITABLE'));

const editDuringRollout: Predicate = ({ actions }) =>
  actions.some((a, i) => {
    const before = actions[i - 1];
    return before !== undefined && before.want.outcome !== 'rejected' && rejectedWith(a, 'EDIT_IN_PROGRESS');
  });

const rollbackFromFault =
  (reason: RollbackReason, cause: (s: Scenario) => boolean): Predicate =>
  ({ scenario: s, actions }) =>
    cause(s) && actions.some((a) => rolledBackWith(a, reason));

const badVersion = (mode: string) => (s: Scenario) =>
  faultsOf(s).some(({ fault }) => fault.kind === 'badVersion' && fault.mode === mode);
const gpuShortage = (s: Scenario) =>
  s.cluster.tenants.length > 0 || faultsOf(s).some(({ fault }) => fault.kind === 'capacitySqueeze');

const inPlaceScaling: Predicate = ({ scenario: s, actions, result }) =>
  actions.some((a) => {
    const edit = editOf(a);
    const keys = Object.keys(edit ?? {});
    const scaling = edit?.scaling;
    const rangeAndMetric =
      scaling !== undefined &&
      (scaling.minInstances !== undefined || scaling.maxInstances !== undefined) &&
      scaling.metrics !== undefined;
    const done = result.edits[a.index];
    return keys.length === 1 && rangeAndMetric && a.want.outcome === 'completed' && done?.inPlace === true;
  }) &&
  s.expect?.maxDowntimeMs === 0 &&
  s.expect.final?.scaling !== undefined;

const tagEdits: Predicate = ({ scenario: s, actions, result }) => {
  const tagOnly = actions.filter((a) => Object.keys(editOf(a) ?? {}).join() === 'tags');
  const initial = s.deployment.tags;
  const changes = tagOnly.flatMap((a) => Object.entries(editOf(a)?.tags ?? {}));
  const added = changes.some(([k, v]) => v !== null && !(k in initial));
  const updated = changes.some(([k, v]) => v !== null && k in initial && initial[k] !== v);
  const removed = changes.some(([k, v]) => v === null && k in initial);
  const allInPlace = tagOnly.every((a) => a.want.outcome === 'completed' && result.edits[a.index]?.inPlace);
  return added && updated && removed && allInPlace && s.expect?.final?.tags !== undefined;
};

/** A fault strikes while an edit that ends up completed is rolling out. */
const nodeFailureMidRollout: Predicate = ({ scenario: s, result }) =>
  faultsOf(s).some(
    ({ atMs, fault }) =>
      fault.kind === 'nodeFailure' &&
      result.edits.some(
        (e) => e.outcome === 'completed' && !e.inPlace && e.startedAtMs < atMs && atMs < e.endedAtMs,
      ),
  );

/** While an edit rolls out, traffic steps up and the desired count rises above what it was at the start. */
const spikeScalesUpMidRollout: Predicate = ({ scenario: s, result }) =>
  s.traffic.profile === 'steps' &&
  result.edits.some((e) => {
    if (e.outcome !== 'completed' || e.inPlace) return false;
    const during = result.timeline.filter((t) => t.tMs >= e.startedAtMs && t.tMs < e.endedAtMs);
    const atStart = during[0]?.desired ?? Infinity;
    return during.some((t) => t.desired > atStart);
  });

const asyncBacklog: Predicate = ({ scenario: s, result }) =>
  s.deployment.processingType === 'async' &&
  result.edits.some(
    (e) =>
      e.outcome === 'completed' &&
      !e.inPlace &&
      result.timeline.some((t) => t.tMs > e.startedAtMs && t.tMs < e.endedAtMs && t.queue > 0),
  );

const squeezeThenRetry: Predicate = ({ scenario: s, actions }) => {
  const [first, second] = actions;
  return (
    gpuShortage(s) &&
    actions.length === 2 &&
    first !== undefined &&
    second !== undefined &&
    rolledBackWith(first, 'RESOURCE_UNAVAILABLE') &&
    second.want.outcome === 'completed' &&
    JSON.stringify(editOf(first)) === JSON.stringify(editOf(second))
  );
};

const rollbackAfterSuccess: Predicate = ({ actions }) =>
  actions.some(
    (a, i) =>
      a.event.action === 'rollback' &&
      rejectedWith(a, 'MANUAL_ROLLBACK_UNSUPPORTED') &&
      actions[i - 1]?.want.outcome === 'completed',
  );

const manualAbort: Predicate = ({ actions }) =>
  actions.some(
    (a, i) =>
      a.event.action === 'rollback' &&
      a.want.outcome === 'completed' &&
      actions[i - 1] !== undefined &&
      rolledBackWith(actions[i - 1]!, 'MANUAL_ABORT'),
  );

const azureTrace: Predicate = ({ scenario: s, result }) =>
  s.traffic.profile === 'trace' &&
  path.dirname(s.traffic.trace.file) === tracesDir &&
  path.basename(s.traffic.trace.file).startsWith('AzureLLMInferenceTrace_') &&
  result.metrics.requests.offered > 0;

const rejectedCode =
  (code: ErrorCode): Predicate =>
  ({ actions }) =>
    actions.some((a) => rejectedWith(a, code));

const BEHAVIOURS: Readonly<Record<string, Predicate>> = {
  '8B→70B swap with accelerator change completes': swap8bTo70b,
  'cross-type swap rejected (MODEL_TYPE_MISMATCH)': crossTypeRejected,
  'locked field name rejected': lockedFieldRejected('name'),
  'locked field cloud rejected': lockedFieldRejected('cloud'),
  'locked field cluster rejected': lockedFieldRejected('cluster'),
  'locked field processingType rejected': lockedFieldRejected('processingType'),
  'edit of a pending deployment rejected (NOT_EDITABLE)': notEditable('pending'),
  'edit of a failed deployment rejected (NOT_EDITABLE)': notEditable('failed'),
  'edit of a warm-pool deployment rejected (NOT_EDITABLE)': notEditable('warmpool'),
  'edit during a rollout rejected (EDIT_IN_PROGRESS)': editDuringRollout,
  'GPU shortage → RESOURCE_UNAVAILABLE': rollbackFromFault('RESOURCE_UNAVAILABLE', gpuShortage),
  'failing health → HEALTH_CHECK_FAILED': rollbackFromFault('HEALTH_CHECK_FAILED', badVersion('failHealth')),
  'crash under load → UNSTABLE_AFTER_EDIT': rollbackFromFault(
    'UNSTABLE_AFTER_EDIT',
    badVersion('crashUnderLoad'),
  ),
  'very slow load → PROGRESS_DEADLINE_EXCEEDED': rollbackFromFault(
    'PROGRESS_DEADLINE_EXCEEDED',
    badVersion('slowLoad'),
  ),
  'in-place scaling range and metric change': inPlaceScaling,
  'tag add / update / remove': tagEdits,
  'node failure mid-rollout': nodeFailureMidRollout,
  'traffic spike scales up mid-rollout': spikeScalesUpMidRollout,
  'async rollout with backlog': asyncBacklog,
  'tenant squeeze, then off-peak retry succeeds': squeezeThenRetry,
  'manual rollback after success rejected': rollbackAfterSuccess,
  'manual abort mid-rollout (MANUAL_ABORT)': manualAbort,
  'Azure trace replay': azureTrace,
  'model-accelerator incompatible edit rejected': rejectedCode('MODEL_ACCELERATOR_INCOMPATIBLE'),
  'unknown model rejected': rejectedCode('UNKNOWN_MODEL'),
};

describe('scenario library coverage', () => {
  it.each(Object.keys(BEHAVIOURS))('shows: %s', (behaviour) => {
    const shownBy = entries().filter((e) => BEHAVIOURS[behaviour]!(e));
    expect(
      shownBy.map((e) => e.file),
      behaviour,
    ).not.toEqual([]);
    // A scenario that shows a behaviour must also pass its own expectations.
    for (const e of shownBy) expect(e.expectations.filter((x) => !x.pass)).toEqual([]);
  });

  it('expects every rollback reason and every promised rejection code somewhere', () => {
    const wants = entries().flatMap((e) => e.actions.map((a) => a.want));
    const reasons = new Set(wants.flatMap((w) => (w.reason === undefined ? [] : [w.reason])));
    const codes = new Set(wants.flatMap((w) => w.errors ?? []));
    const outcomes = new Set(wants.map((w) => w.outcome));
    expect([...reasons].sort()).toEqual([...FAILURE_REASONS].sort());
    const promised: ErrorCode[] = [
      'LOCKED_FIELD',
      'MODEL_TYPE_MISMATCH',
      'UNKNOWN_MODEL',
      'MODEL_ACCELERATOR_INCOMPATIBLE',
      'NOT_EDITABLE',
      'EDIT_IN_PROGRESS',
      'MANUAL_ROLLBACK_UNSUPPORTED',
    ];
    expect([...codes].sort()).toEqual(expect.arrayContaining(promised));
    expect([...outcomes].sort()).toEqual(['completed', 'inProgress', 'rejected', 'rolledBack']);
  });
});

describe('scenario files', () => {
  it.each(FILES)('%s: schema comment, description, a full expect block, kebab-case name', (file) => {
    const text = readFileSync(path.join(libraryDir, file), 'utf8');
    expect(text.split('\n')[0]).toBe('# yaml-language-server: $schema=./schema.json');
    expect(file).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*\.yaml$/);
    const { scenario, actions } = library.get(file)!;
    if (file !== 'default.yaml') expect(`${scenario.metadata.name}.yaml`).toBe(file);
    expect(scenario.metadata.description.length).toBeGreaterThan(80);
    expect(scenario.expect).not.toBeNull();
    const actionCount = scenario.events.filter((e) => e.action !== 'fault').length;
    expect(actions.length).toBe(actionCount);
    expect(actionCount).toBeGreaterThan(0);
    expect(scenario.expect?.final).toBeDefined();
  });

  it.each(FILES)('%s: every expectation holds', (file) => {
    const failed = library.get(file)!.expectations.filter((e) => !e.pass);
    expect(failed).toEqual([]);
  });

  it('passes `rollsim check library/` with exit code 0', async () => {
    const out: string[] = [];
    const io = {
      stdout: (t: string) => void out.push(t),
      stderr: (t: string) => void out.push(t),
      cwd: root,
    };
    const code = await main(['check', 'library/'], io);
    const text = out.join('');
    expect(code, text).toBe(0);
    for (const file of FILES) expect(text).toContain(`PASS ${library.get(file)!.scenario.metadata.name} `);
    expect(text).toContain(`${FILES.length} scenarios: ${FILES.length} passed, 0 failed, 0 invalid`);
  });

  it('ships the Azure traces unmodified, with the checksums its README gives', () => {
    const readme = readFileSync(path.join(tracesDir, 'README.md'), 'utf8');
    expect(readme).toContain('CC-BY-4.0');
    expect(readme).toContain('https://github.com/Azure/AzurePublicDataset');
    expect(readme).toContain('Splitwise');
    const csvs = readdirSync(tracesDir).filter((f) => f.endsWith('.csv'));
    expect(csvs.sort()).toEqual(['AzureLLMInferenceTrace_code.csv', 'AzureLLMInferenceTrace_conv.csv']);
    for (const csv of csvs) {
      const sha = createHash('sha256')
        .update(readFileSync(path.join(tracesDir, csv)))
        .digest('hex');
      expect(readme).toContain(`| \`${csv}\` |`);
      expect(readme).toContain(`\`${sha}\``);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Mutations: change the cause of a scenario's behaviour in memory; its own expectations must fail.

const withoutFaults = (s: Scenario, kind: FaultSpec['kind']): Scenario => ({
  ...s,
  events: s.events.filter((e) => !(e.action === 'fault' && e.fault.kind === kind)),
});

function mutationFails(
  file: string,
  mutate: (s: Scenario) => Scenario,
  bug: PlantedBug | null = null,
): string[] {
  const mutated = mutate(load(file));
  // Invariant checks off: a planted engine bug would stop the run at the breach, and the point here is
  // what the scenario's own `expect` block says about the run.
  const { result } = withPlantedBug(bug, () => runScenario(mutated, { checkInvariants: false }));
  return evaluateExpectations(mutated, result)
    .filter((e) => !e.pass)
    .map((e) => e.name);
}

describe('expectations fail when the behaviour is taken away', () => {
  it('gpu-shortage-rollback: with the other tenant gone, the edit completes and edits[0] fails', () => {
    const failed = mutationFails('gpu-shortage-rollback.yaml', (s) => ({
      ...s,
      cluster: { ...s.cluster, tenants: [] },
    }));
    expect(failed).toEqual(expect.arrayContaining(['edits[0].outcome', 'final.model']));
  });

  it.each([
    ['bad-version-fails-health.yaml'],
    ['crash-after-rollout-unstable.yaml'],
    ['slow-load-progress-deadline.yaml'],
  ])('%s: without the bad version, the edit completes and the expectations fail', (file) => {
    const failed = mutationFails(file, (s) => withoutFaults(s, 'badVersion'));
    expect(failed).toEqual(expect.arrayContaining(['edits[0].outcome', 'final.model']));
  });

  it('node-failure-mid-rollout: a node that is never repaired leaves the rollout without GPUs', () => {
    const failed = mutationFails('node-failure-mid-rollout.yaml', (s) => ({
      ...s,
      events: s.events.map((e) =>
        e.action === 'fault' && e.fault.kind === 'nodeFailure'
          ? { ...e, fault: { ...e.fault, repairMs: null } }
          : e,
      ),
    }));
    expect(failed).toContain('edits[0].outcome');
  });

  it('traffic-spike-mid-rollout: without room to scale up, the spike drops requests', () => {
    const failed = mutationFails('traffic-spike-mid-rollout.yaml', (s) => ({
      ...s,
      deployment: {
        ...s.deployment,
        scaling: { ...s.deployment.scaling, maxInstances: s.deployment.scaling.minInstances },
      },
    }));
    expect(failed).toEqual(['maxDroppedPercent']);
  });

  it('async-rollout-backlog: the same backlog on a sync deployment times requests out', () => {
    const failed = mutationFails('async-rollout-backlog.yaml', (s) => ({
      ...s,
      deployment: { ...s.deployment, processingType: 'sync' },
    }));
    expect(failed).toContain('maxDroppedPercent');
  });

  it('tenant-squeeze-then-off-peak-retry: without the squeeze, the first edit completes', () => {
    const failed = mutationFails('tenant-squeeze-then-off-peak-retry.yaml', (s) =>
      withoutFaults(s, 'capacitySqueeze'),
    );
    expect(failed).toContain('edits[0].outcome');
  });

  it('manual-abort-mid-rollout: without the abort, the swap completes', () => {
    const failed = mutationFails('manual-abort-mid-rollout.yaml', (s) => ({
      ...s,
      events: s.events.filter((e) => e.action !== 'rollback'),
    }));
    expect(failed).toEqual(expect.arrayContaining(['edits.length', 'edits[0].outcome', 'final.model']));
  });

  it('planted engine bugs break the rejection and rollback scenarios', () => {
    const noMutation = (s: Scenario): Scenario => s;
    const locked = mutationFails('reject-locked-fields.yaml', noMutation, 'lockedFieldCheck');
    expect(locked).toEqual(expect.arrayContaining(['edits[0].outcome', 'edits[3].outcome']));
    const crossType = mutationFails('reject-cross-type-swap.yaml', noMutation, 'crossTypeCheck');
    expect(crossType).toContain('edits[0].outcome');
    const restore = mutationFails('gpu-shortage-rollback.yaml', noMutation, 'specRestoreOnRollback');
    expect(restore).toContain('final.model');
  });
});
