// `rollsim plan SCENARIO`: the pre-flight check of an edit — GPUs per state, the point of no return,
// the autoscaler ratchet, outcome probabilities over seeds and recommended rollout settings.
// Exit 0 feasible, 1 at risk or infeasible, 2 bad input.
import path from 'node:path';
import type { Argv } from 'yargs';
import { writeFileAtomic } from '../../reports/atomic.js';
import { formatHumanDurationMs } from '../../reports/format.js';
import { loadScenarioFile } from '../../scenario/load.js';
import { parseDurationMs } from '../../scenario/schema.js';
import { defaultWorkers } from '../../sweep/run.js';
import { planMarkdown } from '../../rehearse/plan-md.js';
import { DEFAULT_PLAN_SEEDS, plan, type Plan } from '../../rehearse/preflight.js';
import { RehearsalBaselineError, RehearsalInputError } from '../../rehearse/rehearse.js';
import { editIndexOf, parsePath, parseSeed, single, wholeNumber } from '../flags.js';
import { checkOutputDir, displayPath, EXIT, printIssues, UsageError, type CliIo } from '../io.js';

export const command = 'plan <scenario>';
export const describe =
  'Pre-flight check of an edit: GPUs per step, point of no return, autoscaler ratchet, odds over seeds';

export interface PlanCliOptions {
  readonly scenario: string;
  readonly edit: number | null;
  readonly seeds: number;
  readonly seed: number | undefined;
  readonly budgetMs: number;
  readonly out: string | undefined;
  readonly json: boolean;
  readonly workers: number;
}

export function builder(y: Argv): Argv {
  return y
    .positional('scenario', { type: 'string', describe: 'Scenario file (YAML or JSON)' })
    .option('edit', {
      type: 'string',
      requiresArg: true,
      describe:
        'Which edit, numbered as `rollsim run` names it (edit 1, edit 2, …); default: the first that rolls out',
    })
    .option('seeds', {
      type: 'string',
      requiresArg: true,
      describe: `Seeds for the sweep (default ${DEFAULT_PLAN_SEEDS})`,
    })
    .option('seed', {
      type: 'string',
      requiresArg: true,
      describe: "Seed of the step-by-step run (default: the scenario's)",
    })
    .option('budget', {
      type: 'string',
      requiresArg: true,
      describe: 'Downtime budget, e.g. 30s (default 0s)',
    })
    .option('out', {
      type: 'string',
      requiresArg: true,
      describe: 'Folder for plan.json and plan.md (default: out/<name>-plan)',
    })
    .option('json', { type: 'boolean', default: false, describe: 'Print plan.json to stdout' })
    .option('workers', {
      type: 'string',
      requiresArg: true,
      describe: `Worker threads (default: available cores, here ${defaultWorkers()})`,
    })
    .example('$0 plan library/rehearse-point-of-no-return.yaml', 'Is this edit safe to apply? Exit 1 if not')
    .example('$0 plan x.yaml --seeds 200 --budget 30s', 'More seeds, a 30 s downtime budget')
    .check(check);
}

export function check(argv: Record<string, unknown>): true {
  toPlanOptions(argv);
  return true;
}

export function toPlanOptions(argv: Record<string, unknown>): PlanCliOptions {
  const scenario = parsePath(argv.scenario, 'SCENARIO');
  if (scenario === undefined) throw new UsageError('plan needs a SCENARIO file');
  const budgetRaw = single(argv.budget, '--budget');
  let budgetMs = 0;
  if (budgetRaw !== undefined) {
    const text =
      typeof budgetRaw === 'string'
        ? budgetRaw.trim()
        : typeof budgetRaw === 'number'
          ? String(budgetRaw)
          : '';
    const ms = /^\d+(\.\d+)?$/.test(text) ? parseDurationMs(Number(text)) : parseDurationMs(text);
    if (ms === null || !Number.isInteger(ms))
      throw new UsageError(`--budget must be a duration such as 0s, 30s or 2m, got "${text}"`);
    budgetMs = ms;
  }
  return {
    scenario,
    edit: editIndexOf(argv.edit),
    seeds: wholeNumber(argv.seeds, '--seeds', 1, 100_000) ?? DEFAULT_PLAN_SEEDS,
    seed: parseSeed(argv.seed),
    budgetMs,
    out: parsePath(argv.out, '--out'),
    json: single(argv.json, '--json') === true,
    workers: wholeNumber(argv.workers, '--workers', 1, 256) ?? defaultWorkers(),
  };
}

export async function handler(options: PlanCliOptions, io: CliIo): Promise<number> {
  const loaded = loadScenarioFile(options.scenario, { cwd: io.cwd });
  if (!loaded.ok) {
    printIssues(io, loaded.issues);
    return EXIT.badInput;
  }
  const scenario = loaded.scenario;
  const outArg = options.out ?? (options.json ? null : path.join('out', `${scenario.metadata.name}-plan`));
  const outDir = outArg === null ? null : path.resolve(io.cwd, outArg);
  if (outDir !== null) checkOutputDir(outDir, '--out');
  let result: Plan;
  try {
    result = await plan(scenario, {
      edit: options.edit,
      seeds: options.seeds,
      ...(options.seed === undefined ? {} : { seed: options.seed }),
      downtimeBudgetMs: options.budgetMs,
      workers: options.workers,
      progress: options.json ? null : process.stderr,
    });
  } catch (error) {
    if (error instanceof RehearsalInputError) {
      io.stderr(`rollsim plan: ${error.message}\nnothing was written\n`);
      return EXIT.badInput;
    }
    if (error instanceof RehearsalBaselineError) {
      io.stderr(`rollsim plan: ${error.message}\n`);
      return EXIT.failed;
    }
    throw error;
  }
  const json = `${JSON.stringify(result, null, 2)}\n`;
  if (outDir !== null) {
    writeFileAtomic(path.join(outDir, 'plan.json'), json);
    writeFileAtomic(path.join(outDir, 'plan.md'), planMarkdown(result));
  }
  if (options.json) io.stdout(json);
  else io.stdout(verdictText(result, outDir === null ? null : displayPath(io, outDir)));
  return result.verdict === 'feasible' ? EXIT.ok : EXIT.failed;
}

/** What the verdict does not weigh, so that a feasible plan is not read as "survives every fault". */
const NOT_REHEARSED =
  'not weighed here: the new revision failing its checks, a node lost, free GPUs taken (rollsim rehearse places each at every state)';

function verdictText(p: Plan, outDir: string | null): string {
  const lines = [`plan ${p.scenario}, edit ${p.edit + 1}: ${p.verdict}`];
  for (const r of p.reasons) lines.push(`  - ${r}`);
  lines.push(
    `  point of no return: ${p.pointOfNoReturn === null ? 'none' : `step ${p.pointOfNoReturn.step} at ${formatHumanDurationMs(p.pointOfNoReturn.atMs)}`}`,
    `  ratchet: ${p.ratchet === null ? 'none' : `wants ${p.ratchet.wantedInstances}, pools hold ${p.ratchet.schedulableInstances} (at ${formatHumanDurationMs(p.ratchet.atMs)})`}`,
    `  recommended: ${p.inPlace ? 'none needed: the edit applies in place, so rollout settings do not change it' : p.recommended === null ? 'none meets the budget' : `maxSurge ${p.recommended.maxSurge}, maxUnavailable ${p.recommended.maxUnavailable}`}`,
    `  ${NOT_REHEARSED}`,
  );
  if (outDir !== null) lines.push(`Wrote ${outDir}/plan.json and plan.md`);
  return `${lines.join('\n')}\n`;
}
