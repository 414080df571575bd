// Whole-system properties and their counterexamples: run a generated scenario through the simulator
// with every invariant checked, replay its trace through the engine for the checks the simulator does
// not make, and write a failing scenario as a YAML file (seed and broken invariant in its description)
// that `rollsim run` replays.
import fs from 'node:fs';
import path from 'node:path';
import { extendCatalog, BUILTIN_CATALOG } from '../../catalog/catalog.js';
import { initialState, step } from '../../engine/step.js';
import {
  DEFAULT_PLATFORM_LIMITS,
  type EngineEffect,
  type EngineEvent,
  type EngineOptions,
} from '../../engine/index.js';
import type { Scenario } from '../../scenario/types.js';
import { scenarioToYaml } from '../../scenario/write-yaml.js';
import { runScenario, type TraceEntry } from '../../sim/run.js';
import type { RunResult } from '../../result/result.js';
import { formatStep, type StepCheck, type WorldView } from './chaos-world.js';
import { allStepChecks, everyInvariantExceptF1, NUDGE_TO_REST } from './engine-properties.js';

/** Writes the scenario, named for the broken invariant, with the seed and the breach in its description. */
export function writeCounterexample(scenario: Scenario, broken: string, dir: string): string {
  const invariant = /^([A-Za-z]+)/.exec(broken)?.[1] ?? 'invariant';
  const name =
    `counterexample-${invariant.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}-seed-${scenario.seed}`.slice(
      0,
      100,
    );
  const description = `Counterexample found by the property tests, seed ${scenario.seed}. Broken: ${broken.split('\n')[0] ?? broken}`;
  const withStory: Scenario = { ...scenario, metadata: { name, description } };
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.yaml`);
  const header = [
    `# A counterexample found by the property tests (seed ${scenario.seed}): ${broken.split('\n')[0] ?? ''}`,
    `# Replay with every invariant checked: rollsim check ${path.basename(file)}`,
    `# See the run itself: rollsim run ${path.basename(file)} --seed ${scenario.seed}`,
  ].join('\n');
  fs.writeFileSync(file, `${header}\n${scenarioToYaml(withStory, { checkable: true })}`);
  return file;
}

// ---------------------------------------------------------------------------------------------
// Whole-system checks.

export class SystemViolation extends Error {
  constructor(
    readonly reason: string,
    readonly scenario: Scenario,
  ) {
    super(`${reason} (scenario seed ${scenario.seed})`);
    this.name = 'SystemViolation';
  }
}

export function engineOptionsOf(s: Scenario): EngineOptions {
  return {
    rollout: s.rollout,
    catalog: extendCatalog(BUILTIN_CATALOG, s.models),
    limits: DEFAULT_PLATFORM_LIMITS,
  };
}

/**
 * Steps the engine again through the events of a trace, checking that each step gives the effects the
 * simulator logged (same inputs, same outputs across the two) and running the engine-level checks.
 * Returns the first broken check, or null.
 */
export function replayTrace(
  s: Scenario,
  trace: readonly TraceEntry[],
  checks: readonly StepCheck[],
): string | null {
  const options = engineOptionsOf(s);
  let state = initialState(s.deployment, options, { nowMs: 0 });
  const live = new Map<string, number>([...state.instances.values()].map((i) => [i.id, i.revision]));
  const view: WorldView = { initialSpec: s.deployment, worldRevisions: () => [...live.values()] };
  const log: string[] = [];
  for (let i = 0; i < trace.length; i++) {
    const entry = trace[i];
    if (entry?.kind !== 'event') continue;
    const event = entry.data as EngineEvent;
    const logged: EngineEffect[] = [];
    for (let j = i + 1; j < trace.length && trace[j]?.kind !== 'event'; j++)
      if (trace[j]?.kind === 'effect') logged.push(trace[j]?.data as EngineEffect);
    const prev = state;
    const { state: next, effects } = step(options, prev, event);
    log.push(formatStep(event, effects));
    if (JSON.stringify(effects) !== JSON.stringify(logged))
      return `stepIsDeterministic: replaying ${event.type} at ${event.atMs} ms gave other effects than the simulator logged`;
    if (event.type === 'instance/terminated') live.delete(event.instanceId);
    for (const e of effects) if (e.type === 'instance/create') live.set(e.instanceId, e.revision);
    state = next;
    for (const check of checks) {
      const reason = check({ options, prev, event, next, effects }, view);
      if (reason !== null) return `${reason}\n--- events (t in ms) ---\n${log.slice(-30).join('\n')}`;
    }
  }
  return null;
}

/** The longest an edit may take in a generated scenario: one progress deadline per instance replaced, then monitoring, then a rollback deadline and cleanup. */
export function editDurationBoundMs(s: Scenario): number {
  const r = s.rollout;
  const replacements = s.deployment.scaling.maxInstances + 4;
  return (replacements + 1) * r.progressDeadlineMs + r.monitorWindowMs + r.progressDeadlineMs + 5 * 60_000;
}

/** Every action ended within its bound, or the run ended before the bound passed (read from the trace). */
export function terminationIssue(s: Scenario, trace: readonly TraceEntry[]): string | null {
  const bound = editDurationBoundMs(s);
  const started = new Map<number, number>();
  const ended = new Map<number, number>();
  for (const entry of trace) {
    if (entry.kind !== 'effect') continue;
    const e = entry.data as EngineEffect;
    if (e.type === 'action/started') started.set(e.actionIndex, entry.tMs);
    if (e.type === 'action/ended') ended.set(e.actionIndex, entry.tMs);
  }
  for (const [index, startMs] of started) {
    const endMs = ended.get(index);
    const took = (endMs ?? s.durationMs) - startMs;
    if (took > bound)
      return `rolloutTerminates: action #${index} ${endMs === undefined ? 'was still running' : 'ended'} ${took} ms after it started (bound ${bound} ms)`;
  }
  return null;
}

export interface SystemCheckReport {
  readonly result: RunResult;
  /** Rejected requests that only finished work left by the step before (known engine bug F1). */
  readonly toleratedF1: number;
}

function breachOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return /invariant breach .*?: (.*)$/s.exec(message)?.[1] ?? `the simulator threw: ${message}`;
}

/**
 * The whole-system property for one scenario: the simulator checks every invariant at every step; the
 * replay adds locked fields as created, rollbacks restoring the spec before the edit with no instance of
 * the failed revision left, and the simulator's effects matching the engine's; edits end within bounds.
 * Throws a SystemViolation naming the first broken property. Until F1 is fixed (and unless
 * ENGINE_STRICT=1), a breach of invariant 8 that is only F1 is re-checked on the replay, which
 * tolerates exactly that.
 */
export function checkScenario(s: Scenario): SystemCheckReport {
  let run: ReturnType<typeof runScenario>;
  try {
    run = runScenario(s, { seed: s.seed, checkInvariants: true, trace: true });
  } catch (error) {
    const breach = breachOf(error);
    if (!NUDGE_TO_REST || !/^rejectedEditChangesNothing: [^;]*$/.test(breach))
      throw new SystemViolation(breach, s);
    run = runScenario(s, { seed: s.seed, checkInvariants: false, trace: true });
  }
  const tolerated = { count: 0 };
  const checks = allStepChecks(NUDGE_TO_REST ? everyInvariantExceptF1(tolerated) : undefined);
  const replayed = replayTrace(s, run.trace ?? [], checks);
  if (replayed !== null) throw new SystemViolation(replayed, s);
  const termination = terminationIssue(s, run.trace ?? []);
  if (termination !== null) throw new SystemViolation(termination, s);
  return { result: run.result, toleratedF1: tolerated.count };
}
