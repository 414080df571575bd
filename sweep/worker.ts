// One sweep run inside a worker thread: scenario + seed in, a run record out. A run that throws is
// recorded as an error with its seed, never a crash of the sweep.
import { evaluateExpectations } from '../result/expect.js';
import { runScenario } from '../sim/run.js';
import { TraceCache } from '../scenario/trace.js';
import type { Scenario } from '../scenario/types.js';
import { summarise, type RunRecord } from './store.js';

export interface SweepTask {
  readonly key: string;
  readonly seed: number;
  readonly settings: Readonly<Record<string, string | number | boolean>>;
  readonly scenario: Scenario;
  /** Copied into the record (see RunRecord): set by sweeps, whose records go to runs.ndjson. */
  readonly scenarioSha256?: string;
  readonly inputs?: Readonly<Record<string, string>>;
}

/** This worker's parsed traces: a sweep replays the same trace for every seed. */
const traces = new TraceCache();

export function runTask(task: SweepTask): RunRecord {
  const base = {
    key: task.key,
    seed: task.seed,
    settings: task.settings,
    ...(task.scenarioSha256 === undefined ? {} : { scenarioSha256: task.scenarioSha256 }),
    ...(task.inputs === undefined ? {} : { inputs: task.inputs }),
  };
  try {
    const { result } = runScenario(task.scenario, { seed: task.seed, traces });
    // The scenario's own expect, judged on this run (with this combination's settings), as check would.
    const expectations = evaluateExpectations(task.scenario, result);
    return { ...base, status: 'ok', result: { ...summarise(result), expectations } };
  } catch (error) {
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return { ...base, status: 'error', error: message };
  }
}

export default runTask;
