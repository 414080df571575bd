// Proves `rollsim rehearse` and `rollsim plan`: the branches replay the scenario exactly up to the fault,
// the same inputs give byte-identical JSON (in this thread and on the worker pool), the library's
// rehearsal scenarios give the verdicts they describe, and bad input exits 2 with nothing run.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../cli/cli.js';
import { loadScenarioFile } from '../scenario/load.js';
import type { Scenario } from '../scenario/types.js';
import { runScenario } from '../sim/run.js';
import { makePool, makeScenario } from './support/fixtures.js';
import {
  branchScenario,
  faultEvents,
  faultTimeMs,
  restoredAt,
  runBranch,
  type BranchTask,
} from '../rehearse/branch.js';
import { branchTasks, baselineOf, rehearse } from '../rehearse/rehearse.js';
import { capacityEvents, noCandidateReason, plan, type Candidate } from '../rehearse/preflight.js';
import { rehearsalHtml } from '../rehearse/html.js';
import { planMarkdown } from '../rehearse/plan-md.js';
import type { FaultKind, Rehearsal } from '../rehearse/types.js';

const ROOT = path.join(import.meta.dirname, '..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rollsim-rehearse-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function load(name: string): Scenario {
  const loaded = loadScenarioFile(path.join(ROOT, 'library', `${name}.yaml`), { cwd: ROOT });
  if (!loaded.ok) throw new Error(`cannot load ${name}`);
  return loaded.scenario;
}

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    cwd: ROOT,
  });
  return { code, stdout, stderr };
}

describe('rehearse: branches', () => {
  it('runs each branch identically to the scenario up to the fault', () => {
    const scenario = load('rehearse-point-of-no-return');
    const baseline = baselineOf(scenario, scenario.seed, null);
    const plain = runScenario(scenario, { trace: true }).trace!;
    const tasks = branchTasks(
      scenario,
      baseline,
      ['health', 'nodeLoss', 'squeeze', 'abort'],
      scenario.seed,
      'x',
    );
    // Step 2: v1 draining; a squeeze finds nothing free there, so it places no event and changes nothing.
    for (const task of tasks.filter((t) => t.step.index === 2)) {
      const at = faultTimeMs(task.step);
      const placed = faultEvents(scenario, task.step, task.fault, task.toRevision, at);
      const branch = runScenario(branchScenario(task), { trace: true }).trace!;
      const before = (t: typeof plain) => JSON.stringify(t.filter((e) => e.tMs < at));
      expect(before(branch), task.key).toBe(before(plain));
      const after = (t: typeof plain) => JSON.stringify(t.filter((e) => e.tMs >= at));
      if (placed.length > 0) expect(after(branch), task.key).not.toBe(after(plain));
      else expect([task.fault, after(branch)]).toEqual(['squeeze', after(plain)]);
    }
  });

  it('gives byte-identical JSON for the same inputs, in this thread and on the worker pool', async () => {
    const scenario = load('rehearse-point-of-no-return');
    const a = JSON.stringify(await rehearse(scenario, { workers: 0 }));
    const b = JSON.stringify(await rehearse(scenario, { workers: 0 }));
    const pooled = JSON.stringify(await rehearse(scenario, { workers: 2 }));
    expect(b).toBe(a);
    expect(pooled).toBe(a);
    const other = JSON.stringify(await rehearse(scenario, { workers: 0, seed: scenario.seed + 1 }));
    expect(other).not.toBe(a);
  }, 60_000);

  it('records the distinct states of the rollout, each once, in time order', () => {
    const scenario = load('rehearse-point-of-no-return');
    const { steps, fromRevision, toRevision, priorReadyCount } = baselineOf(scenario, scenario.seed, null);
    expect([fromRevision, toRevision, priorReadyCount]).toEqual([1, 2, 2]);
    expect(steps[0]!.atMs).toBe(10 * 60_000); // the edit's request
    for (let i = 1; i < steps.length; i++) {
      expect(steps[i]!.atMs).toBeGreaterThan(steps[i - 1]!.atMs);
      if (steps[i]!.phase !== 'monitoring')
        expect(JSON.stringify(steps[i]!.instances)).not.toBe(JSON.stringify(steps[i - 1]!.instances));
    }
    expect(steps.at(-1)!.phase).toBe('monitoring');
  });
});

describe('rehearse: the library', () => {
  it('a healthy edit: every branch restores the deployment with every invariant held, exit 0', async () => {
    const out = path.join(tmp, 'clean');
    const junit = path.join(tmp, 'clean.xml');
    const r = await cli([
      'rehearse',
      'library/rehearse-clean-swap.yaml',
      '--out',
      out,
      '--workers',
      '1',
      '--junit',
      junit,
    ]);
    expect(r.stderr).not.toContain('FAIL');
    expect(r.code).toBe(0);
    const rehearsal = JSON.parse(fs.readFileSync(path.join(out, 'rehearsal.json'), 'utf8')) as Rehearsal;
    expect(rehearsal.branches).toHaveLength(rehearsal.steps.length * 4);
    for (const b of rehearsal.branches) {
      expect(b.invariantsHeld).toBe(true);
      expect(b.pass).toBe(true);
      expect(b.recovered).not.toBeNull();
    }
    expect(rehearsal.branches.filter((b) => b.fault === 'abort').every((b) => b.recovered === 'prior')).toBe(
      true,
    );
    expect(rehearsal.baselineBreaches).toEqual([]);
    expect(r.stdout).not.toContain('Note:');
    const html = fs.readFileSync(path.join(out, 'rehearsal.html'), 'utf8');
    expect(html).toContain('--branch 3:squeeze');
    expect((fs.readFileSync(junit, 'utf8').match(/<testcase /g) ?? []).length).toBe(
      rehearsal.branches.length,
    );
  }, 60_000);

  it('says when the run without a fault already breaks the limits every branch is held to', async () => {
    // An SDXL scenario dropping 10.5 % with no fault at all and a 2 % limit: all 54 branches read FAIL,
    // each "dropped … exceeds expect.maxDroppedPercent", and nothing said the faults had no part in it.
    const base = load('rehearse-clean-swap');
    const scenario = { ...base, expect: { ...base.expect, maxDroppedPercent: 0, maxDowntimeMs: 0 } };
    const overloaded = {
      ...scenario,
      traffic: { ...scenario.traffic, rps: 400 },
    } as Scenario;
    const r = await rehearse(overloaded, { faults: ['abort'], workers: 0 });
    expect(r.baselineBreaches).toHaveLength(1);
    expect(r.baselineBreaches[0]).toMatch(/^dropped [\d.]+% exceeds expect.maxDroppedPercent 0%/);
    expect(r.branches.every((b) => !b.pass)).toBe(true);
    const html = rehearsalHtml(r);
    expect(html).toContain(
      'Note: the scenario&#39;s own run, with no injected fault, already breaks its limits',
    );
    expect((await rehearse(scenario, { faults: ['abort'], workers: 0 })).baselineBreaches).toEqual([]);
  }, 60_000);

  it('a point of no return: rehearse exits 1 naming the step, plan reports it', async () => {
    const r = await cli([
      'rehearse',
      'library/rehearse-point-of-no-return.yaml',
      '--faults',
      'abort',
      '--edit',
      '1',
      '--json',
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('step 1 (at 11m, rolling) × abort');
    const rehearsal = JSON.parse(r.stdout) as Rehearsal;
    // --edit counts from 1 as `rollsim run` names edits; rehearsal.json keeps result.json's index.
    expect(rehearsal.edit).toBe(0);
    expect(r.stderr).toContain('replay: rollsim rehearse library/rehearse-point-of-no-return.yaml --edit 1 ');
    expect(rehearsal.branches.map((b) => b.pass)).toEqual([true, false, false, false, false, false]);
    const p = await plan(load('rehearse-point-of-no-return'), { seeds: 2 });
    expect(p.pointOfNoReturn).toEqual({ step: 1, atMs: rehearsal.steps[1]!.atMs });
    expect(p.verdict).toBe('atRisk');
  }, 60_000);

  it('a rollback that would cause downtime: exit 1, the health branches after v1 is gone', async () => {
    const r = await cli([
      'rehearse',
      'library/rehearse-rollback-downtime.yaml',
      '--faults',
      'health,abort',
      '--json',
    ]);
    expect(r.code).toBe(1);
    const rehearsal = JSON.parse(r.stdout) as Rehearsal;
    const failing = rehearsal.branches.filter((b) => !b.pass);
    expect(failing.length).toBeGreaterThan(0);
    expect(failing.every((b) => b.fault === 'health' && b.downtimeMs > 0)).toBe(true);
    expect(r.stderr).toMatch(/× health: downtime .* exceeds expect\.maxDowntime 0s/);
  }, 60_000);

  it('prints its table with at least two spaces between cells, however wide a cell is', async () => {
    // "FAIL 6m 24s" once filled its column to one space short of the next cell ("… 6m 24s ok 11m 50s"),
    // and "FAIL 12m 59s" ran into it.
    const r = await cli([
      'rehearse',
      'library/rehearse-rollback-downtime.yaml',
      '--faults',
      'health,abort',
      '--out',
      path.join(tmp, 'table'),
    ]);
    expect(r.code).toBe(1);
    const lines = r.stdout.split('\n');
    const header = lines.findIndex((l) => l.startsWith('step '));
    const rows = lines.slice(header, lines.indexOf('', header));
    expect(rows.length).toBe(7);
    expect(rows.some((row) => row.includes('FAIL'))).toBe(true);
    for (const row of rows) expect(row.split(/ {2,}/), row).toHaveLength(3);
  }, 60_000);

  it('a ratchet: plan reports when the autoscaler wants more instances than the pool holds', async () => {
    const out = path.join(tmp, 'ratchet');
    const r = await cli([
      'plan',
      'library/rehearse-ratchet.yaml',
      '--seeds',
      '2',
      '--workers',
      '1',
      '--out',
      out,
    ]);
    expect(r.code).toBe(1);
    const p = JSON.parse(fs.readFileSync(path.join(out, 'plan.json'), 'utf8')) as Awaited<
      ReturnType<typeof plan>
    >;
    expect(p.ratchet).toMatchObject({ wantedInstances: 6, schedulableInstances: 4 });
    expect(p.edit).toBe(0);
    expect(r.stdout).toMatch(/^plan rehearse-ratchet, edit 1: infeasible$/m);
    // A verdict is not read as "survives every fault": both outputs name what it does not weigh.
    expect(r.stdout).toContain('not weighed here: the new revision failing its checks');
    expect(fs.readFileSync(path.join(out, 'plan.md'), 'utf8')).toMatch(
      /not the new revision failing its checks.*`rollsim rehearse`/,
    );
    expect(p.ratchet!.perInstanceRps.after).toBeCloseTo(p.ratchet!.perInstanceRps.before / 2, 2);
    expect(fs.readFileSync(path.join(out, 'plan.md'), 'utf8')).toContain('**Autoscaler ratchet:** at ');
    expect(p.outcomes['completed']).toMatchObject({ count: 0 });
    // Candidate rows print dropped % and GPU-hours with fixed decimals, so the column reads evenly.
    const rows = fs
      .readFileSync(path.join(out, 'plan.md'), 'utf8')
      .split('\n')
      .filter((l) => /^\| \d \| \d \| /.test(l));
    expect(rows).toHaveLength(p.recommendation.candidates.length);
    for (const row of rows) expect(row).toMatch(/ \| \d+\.\d{2}% \| \d+\.\d{3} \| (yes|no) \|$/);
  }, 60_000);
});

describe('plan: a pool that can add nodes', () => {
  it('counts the nodes it can still add before calling the autoscaler a ratchet', async () => {
    // A Whisper edit onto an L4 pool of 1 node with maxNodes 3 read "the autoscaler wants 10 instances
    // but the pools can hold 8": only the nodes there at the moment were counted.
    // The ratchet shows at 13m; half an hour is enough to see it (and keeps the plans quick).
    const scenario = { ...load('rehearse-ratchet'), durationMs: 30 * 60_000 };
    const pool = scenario.cluster.pools[0]!;
    const fixed = await plan(scenario, { seeds: 1, workers: 0 });
    expect(fixed.ratchet).toMatchObject({ wantedInstances: 6, schedulableInstances: 4 });
    // Rates as the notes word them (was "Per instance: 8.804 → 4.402 req/s").
    expect(planMarkdown(fixed)).toMatch(/Per instance: \d+(\.\d)? → \d+(\.\d)? req\/s/);
    const growable = {
      ...scenario,
      // Provisioned slowly, so the node is still on its way when the autoscaler asks for more.
      cluster: {
        ...scenario.cluster,
        pools: [{ ...pool, maxNodes: pool.nodes + 1, nodeProvisioningMs: 25 * 60_000 }],
      },
    };
    expect((await plan(growable, { seeds: 1, workers: 0 })).ratchet).toBeNull();
  }, 60_000);
});

describe('plan: a feasible edit', () => {
  it('exits 0 with no point of no return, no ratchet and a recommendation meeting the budget, deterministically', async () => {
    const r = await cli([
      'plan',
      'library/rehearse-clean-swap.yaml',
      '--seeds',
      '2',
      '--workers',
      '1',
      '--json',
    ]);
    expect(r.code).toBe(0);
    const p = JSON.parse(r.stdout) as Awaited<ReturnType<typeof plan>>;
    expect(p).toMatchObject({
      verdict: 'feasible',
      pointOfNoReturn: null,
      ratchet: null,
      reasons: [],
      inPlace: false,
    });
    expect(p.outcomes['completed']).toMatchObject({ count: 2, high: 1 });
    const chosen = p.recommendation.candidates.find(
      (c) => c.maxSurge === p.recommended?.maxSurge && c.maxUnavailable === p.recommended.maxUnavailable,
    );
    expect(chosen?.meetsBudget).toBe(true);
    for (const c of p.recommendation.candidates.filter((x) => x.meetsBudget))
      expect(c.meanGpuHours).toBeGreaterThanOrEqual(chosen!.meanGpuHours);
    expect(p.steps.every((s) => s.rollback.withinDeadline)).toBe(true);
    // Deterministic: the same inputs in this thread give the pooled command's plan.json byte for byte.
    const again = await plan(load('rehearse-clean-swap'), { seeds: 2, workers: 0 });
    expect(`${JSON.stringify(again, null, 2)}\n`).toBe(r.stdout);
  }, 60_000);
});

describe("plan: the scenario's dropped-request limit", () => {
  it('recommends no setting whose runs drop more than expect.maxDroppedPercent, and the cheapest without it', async () => {
    const file = path.join(ROOT, 'test', 'fixtures', 'plan', 'dropped-limit.yaml');
    const loaded = loadScenarioFile(file, { cwd: ROOT });
    if (!loaded.ok) throw new Error('cannot load the fixture');
    const scenario = loaded.scenario;
    const limit = scenario.expect!.maxDroppedPercent!;
    const p = await plan(scenario, { seeds: 2 });
    expect(p.maxDroppedPercent).toBe(limit);
    for (const c of p.recommendation.candidates)
      expect(c.meetsBudget).toBe(
        c.completed === c.runs && c.maxDowntimeMs <= p.downtimeBudgetMs && c.maxDroppedPercent <= limit,
      );
    // The limit is what decides here: a candidate that completes everywhere without downtime is out
    // only because its runs drop too many requests.
    const outByDrops = p.recommendation.candidates.filter(
      (c) => c.completed === c.runs && c.maxDowntimeMs === 0 && c.maxDroppedPercent > limit,
    );
    expect(outByDrops.length).toBeGreaterThan(0);
    expect(outByDrops.every((c) => !c.meetsBudget)).toBe(true);
    const cheapest = [...p.recommendation.candidates].sort((a, b) => a.meanGpuHours - b.meanGpuHours)[0]!;
    expect(outByDrops).toContain(cheapest);
    expect(p.recommended).not.toEqual({
      maxSurge: cheapest.maxSurge,
      maxUnavailable: cheapest.maxUnavailable,
    });
    // Without the limit the cheapest setting is recommended again.
    // The fixture's expect holds only the limit.
    expect(Object.keys(scenario.expect!)).toEqual(['maxDroppedPercent']);
    const unlimited = await plan({ ...scenario, expect: {} }, { seeds: 2 });
    expect(unlimited.maxDroppedPercent).toBeNull();
    expect(unlimited.recommended).toEqual({
      maxSurge: cheapest.maxSurge,
      maxUnavailable: cheapest.maxUnavailable,
    });
  }, 60_000);
});

describe('rehearse: an in-place edit', () => {
  it('fails the instances the edit added, not the old ones it relabeled, and rolls back with no downtime', async () => {
    // library/in-place-scaling-change raises the minimum in place. The health fault used to fail every
    // instance labeled with the new revision, the old ones included, so a rollback "cured" them by
    // relabeling; with the old ones down it read as downtime caused by the scale-up.
    const r = await rehearse(load('in-place-scaling-change'), { faults: ['health'], workers: 0 });
    expect(r.branches).toHaveLength(1);
    expect(r.branches[0]).toMatchObject({
      fault: 'health',
      outcome: 'rolledBack',
      reason: 'HEALTH_CHECK_FAILED',
      downtimeMs: 0,
      pass: true,
    });
    expect(r.branches[0]!.restoredMs).toBeGreaterThan(60_000);
  }, 60_000);
});

describe('rehearse --branch: the replayed run report', () => {
  it('judges the branch as the rehearsal does, by downtime and drops, not by the edit it faulted', async () => {
    // An abort branch that passes wrote a report with failed expectations: the scenario expects the edit
    // completed and the new model in the final spec, which the abort undoes by design.
    const out = path.join(tmp, 'branch-report');
    const r = await cli([
      'rehearse',
      'library/rehearse-clean-swap.yaml',
      '--branch',
      '0:abort',
      '--out',
      out,
    ]);
    expect(r.code).toBe(0);
    const branch = JSON.parse(fs.readFileSync(path.join(out, 'branch.json'), 'utf8')) as { pass: boolean };
    expect(branch.pass).toBe(true);
    const result = JSON.parse(fs.readFileSync(path.join(out, 'result.json'), 'utf8')) as {
      edits: { outcome: string }[];
      expectations: { name: string; pass: boolean }[];
    };
    expect(result.edits[0]!.outcome).toBe('rolledBack');
    expect(result.expectations.map((e) => [e.name, e.pass])).toEqual([
      ['maxDowntime', true],
      ['maxDroppedPercent', true],
    ]);
    expect(fs.readFileSync(path.join(out, 'summary.md'), 'utf8')).toContain('expectations met');
  }, 60_000);
});

describe('rehearse: what "restored" asks of a rollback', () => {
  it('the prior revision back at the ready count it had before the edit, not after its first step', async () => {
    // With maxUnavailable 1 the edit's first step already drains one of the two v1 instances. The prior
    // ready count was taken after that step (1), so an abort right then read "restored in 0s" while the
    // deployment stood at half strength until a new v1 instance had loaded.
    const scenario = load('rehearse-clean-swap');
    const r = await rehearse(
      { ...scenario, rollout: { ...scenario.rollout, maxSurge: 0, maxUnavailable: 1 } },
      { faults: ['abort'], workers: 0 },
    );
    expect(r.priorReadyCount).toBe(2);
    expect(r.steps[0]!.instances['rev1']).toMatchObject({ ready: 1, draining: 1 });
    const first = r.branches.find((b) => b.step === 0)!;
    expect(first).toMatchObject({ outcome: 'rolledBack', recovered: 'prior', pass: true });
    // A v1 instance loads again (cold start well over a minute here), and only then is it restored.
    expect(first.restoredMs).toBeGreaterThan(60_000);
  }, 60_000);

  it('not in a momentary dip of the autoscaler: only at what it still wants from then on', () => {
    // (atMs, the prior revision's available count or -1 while the edit is under way, desired count)
    const at = (rows: [number, number, number][]) =>
      restoredAt(
        rows.map(([atMs, priorAvailable, desired]) => ({ atMs, priorAvailable, desired })),
        4,
      );
    // Traffic falls away for good: 1 is enough from the moment the autoscaler wants 1.
    expect(
      at([
        [0, -1, 4],
        [10, 2, 4],
        [20, 1, 1],
      ]),
    ).toBe(20);
    // The autoscaler dips to 2 and wants 5 again; the GPUs are gone, rev1 stays at 2: never restored.
    // (rehearse-ratchet's squeeze branches: counting the dip turned three failing branches into passes.)
    expect(
      at([
        [0, -1, 5],
        [10, 2, 2],
        [20, 2, 5],
      ]),
    ).toBeNull();
    // The same dip, and rev1 back at its 4 later: restored then, not in the dip.
    expect(
      at([
        [0, -1, 5],
        [10, 2, 2],
        [20, 2, 5],
        [30, 4, 5],
      ]),
    ).toBe(30);
    // Never settled on the prior revision (the edit completed): not restored.
    expect(at([[0, -1, 4]])).toBeNull();
  });

  it('or at what the autoscaler wants, when traffic fell away since the edit began', async () => {
    // Three v1 instances were ready at the peak; a minute into the edit the traffic falls to 0.5 req/s
    // and the autoscaler wants one. Every rollback branch read "FAIL never": rev1 never got back to 3.
    const file = path.join(ROOT, 'test', 'fixtures', 'rehearse', 'rollback-into-a-quiet-hour.yaml');
    const loaded = loadScenarioFile(file, { cwd: ROOT });
    if (!loaded.ok) throw new Error('cannot load the fixture');
    const r = await rehearse(loaded.scenario, { faults: ['abort', 'health'], workers: 0 });
    expect(r.priorReadyCount).toBe(3);
    const rolledBack = r.branches.filter((b) => b.outcome === 'rolledBack');
    expect(rolledBack.length).toBe(r.branches.length);
    for (const b of rolledBack) {
      expect(b, `${b.step}:${b.fault}`).toMatchObject({ recovered: 'prior', pass: true, problems: [] });
      expect(b.restoredMs).not.toBeNull();
    }
  }, 60_000);
});

describe('plan: an in-place edit', () => {
  it('weighs no rollout setting and recommends none, saying why', async () => {
    // It ran the five-setting grid and recommended "maxSurge 0, maxUnavailable 1" (the cheapest of five
    // identical results) for an edit that replaces no instance.
    const p = await plan(load('in-place-scaling-change'), { seeds: 2, workers: 0 });
    expect(p).toMatchObject({ inPlace: true, recommended: null, verdict: 'feasible', reasons: [] });
    expect(p.recommendation.candidates).toEqual([]);
    const md = planMarkdown(p);
    expect(md).toContain('None needed: the edit applies in place (it replaces no instance)');
    expect(md).not.toContain('None of the candidates meets the budget');
  }, 60_000);
});

describe('plan: a run too short for the edit', () => {
  it('says the edit was still under way at the end, not only that it did not complete', async () => {
    // The default edit (requested at 20m) is monitored until about 45m: a 40-minute run ends in it. The
    // plan said "completed on none of 2 seeds" and "0/2" for every setting, with nothing to say why.
    const scenario = { ...load('default'), durationMs: 40 * 60_000 };
    expect(runScenario(scenario).result.edits[0]?.outcome).toBe('inProgress');
    const p = await plan(scenario, { seeds: 2, workers: 0 });
    expect(p.verdict).toBe('infeasible');
    expect(p.reasons[0]).toBe(
      "the edit completed on none of 2 seeds (still under way when the run ends on 2: lengthen the scenario's duration to see it finish)",
    );
    const md = planMarkdown(p);
    for (const c of p.recommendation.candidates) {
      expect(c.completed + c.inProgress + Object.values(c.rolledBack).reduce((a, n) => a + n, 0)).toBe(
        c.runs,
      );
      if (c.inProgress > 0) expect(md).toContain(`still under way at the end ×${c.inProgress}`);
    }
    expect(p.recommendation.candidates.some((c) => c.inProgress > 0)).toBe(true);
  }, 60_000);
});

describe("plan: the scenario's own rollback action", () => {
  it('says why the edit rolled back, and that the scenario itself aborts it', async () => {
    // library/manual-abort-mid-rollout asks for a rollback 1 minute into the swap: every seed rolls the
    // edit back with MANUAL_ABORT. "Completed on none of 3 seeds" alone read as an edit that cannot work.
    const p = await plan(load('manual-abort-mid-rollout'), { seeds: 3, workers: 0 });
    expect(p.verdict).toBe('infeasible');
    expect(p.reasons[0]).toBe('the edit completed on none of 3 seeds (rolled back: MANUAL_ABORT on 3)');
    expect(p.reasons).toContain(
      "the scenario's own rollback action at 6m aborts the edit where it is still rolling out (MANUAL_ABORT); remove that event to plan the edit on its own",
    );
    // Each rollout setting's runs say why they did not complete too ("completed 0/3" alone said nothing).
    const md = planMarkdown(p);
    for (const c of p.recommendation.candidates) {
      const rolledBack = c.runs - c.completed;
      expect(c.rolledBack).toEqual(rolledBack > 0 ? { MANUAL_ABORT: rolledBack } : {});
      if (rolledBack > 0)
        expect(md).toContain(
          `| ${c.maxSurge} | ${c.maxUnavailable} | ${c.completed}/${c.runs} (rolled back: MANUAL_ABORT ×${rolledBack}) |`,
        );
    }
    expect(p.recommendation.candidates.some((c) => c.completed < c.runs)).toBe(true);
    // Without that event the same edit plans on its own, and nothing mentions a rollback action.
    const scenario = load('manual-abort-mid-rollout');
    const alone = await plan(
      { ...scenario, events: scenario.events.filter((e) => e.action !== 'rollback'), expect: {} },
      { seeds: 3, workers: 0 },
    );
    expect(alone.reasons.join('\n')).not.toMatch(/rollback action|MANUAL_ABORT/);
  }, 60_000);
});

describe('plan: why no rollout setting is recommended', () => {
  const c = (over: Partial<Candidate>): Candidate => ({
    maxSurge: 1,
    maxUnavailable: 0,
    runs: 20,
    completed: 20,
    rolledBack: {},
    inProgress: 0,
    maxDowntimeMs: 0,
    maxDroppedPercent: 0,
    meanGpuHours: 1,
    meetsBudget: false,
    ...over,
  });

  it('names only the tests some setting fails, with how many settings pass each or the best reached', () => {
    // Every run rolls back without downtime: the reason is completion, not the downtime budget.
    expect(noCandidateReason([c({ completed: 0 }), c({ completed: 3 })], 0, null)).toBe(
      'no rollout setting in the grid completes the edit on every seed (none does: the most is 3 of 20)',
    );
    expect(noCandidateReason([c({ maxDowntimeMs: 5000 })], 0, null)).toBe(
      'no rollout setting in the grid keeps downtime within the 0s budget (none does: the least is 5s)',
    );
    // Each test is passed by some setting, never both by one.
    expect(noCandidateReason([c({ maxDroppedPercent: 3 }), c({ maxDowntimeMs: 61_000 })], 60_000, 2)).toBe(
      'no rollout setting in the grid keeps downtime within the 1m budget (1 of 2 settings do) and drops at most expect.maxDroppedPercent 2% (1 of 2 settings do)',
    );
    // A setting that completes on every seed is not reported as "the most: 20 of 20".
    expect(
      noCandidateReason(
        [c({ completed: 12, maxDowntimeMs: 4900 }), c({ maxDowntimeMs: 2000, maxDroppedPercent: 85.2 })],
        0,
        1,
      ),
    ).toBe(
      'no rollout setting in the grid completes the edit on every seed (1 of 2 settings do) and keeps downtime within the 0s budget (none does: the least is 2s) and drops at most expect.maxDroppedPercent 1% (1 of 2 settings do)',
    );
    // Only failed runs left: that is what is said.
    expect(noCandidateReason([c({})], 0, null)).toBe(
      'no rollout setting in the grid runs without errors on every seed',
    );
  });
});

describe('rehearse and plan: bad input', () => {
  it.each([
    [['rehearse', 'library/rehearse-clean-swap.yaml', '--faults', 'meteor'], /"meteor" is not a fault kind/],
    [
      ['rehearse', 'library/rehearse-clean-swap.yaml', '--edit', '7'],
      /--edit 7: the run has no action 7, so there is nothing to rehearse \(actions: edit 1 completed/,
    ],
    [['rehearse', 'library/reject-unknown-model.yaml'], /no edit in the scenario rolls out/],
    [
      ['rehearse', 'library/rehearse-clean-swap.yaml', '--edit', '0'],
      /--edit must be a whole number from 1 to/,
    ],
    [['plan', 'library/rehearse-clean-swap.yaml', '--edit', '0'], /--edit must be a whole number from 1 to/],
    [['rehearse', 'library/rehearse-clean-swap.yaml', '--branch', '99:health'], /the rollout has steps 0 to/],
    [['rehearse', 'no-such-file.yaml'], /no-such-file\.yaml/],
    [['plan', 'library/rehearse-clean-swap.yaml', '--seeds', '0'], /--seeds must be a whole number from 1/],
    [['plan', 'library/rehearse-clean-swap.yaml', '--budget', 'soon'], /--budget must be a duration/],
  ])('%j exits 2', async (args, message) => {
    const r = await cli(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });
});

describe('rehearse: shards and resume', () => {
  it('shards share a folder, a killed run resumes, and the joined rehearsal equals a whole one', async () => {
    const scenario = load('rehearse-point-of-no-return');
    const faults = ['abort', 'squeeze'] as const;
    const dir = path.join(tmp, 'shards');
    const first = await rehearse(scenario, { faults, logDir: dir, shard: { index: 0, count: 2 } });
    expect(first.summary.missing).toBe(first.summary.branches / 2);
    expect(first.branches.map((b) => b.fault)).toEqual(first.branches.map(() => 'abort')); // every other branch
    // A kill mid-write leaves half a line: it is cut off and that branch runs again.
    const log0 = path.join(dir, 'branches.0-of-2.ndjson');
    fs.appendFileSync(log0, '{"key":"5:squeeze","bra');
    const joined = await rehearse(scenario, { faults, logDir: dir, shard: { index: 1, count: 2 } });
    expect(joined.summary.missing).toBe(0);
    expect(fs.readFileSync(log0, 'utf8').endsWith('\n')).toBe(true);
    const sizes = () => fs.readdirSync(dir).map((f) => fs.statSync(path.join(dir, f)).size);
    const before = sizes();
    let said = '';
    const progress = { isTTY: false, write: (t: string) => ((said += t), true) };
    const resumed = await rehearse(scenario, {
      faults,
      logDir: dir,
      progress: progress as unknown as NodeJS.WriteStream,
    });
    expect(sizes()).toEqual(before); // nothing left to run, nothing appended
    // And it says so: a fully resumed rehearsal printed nothing, as if every branch had just run.
    expect(said).toBe(
      `rehearse: resuming, all ${resumed.summary.branches} branches already done in this folder; nothing left to run (another --out runs them again)\n`,
    );
    const whole = await rehearse(scenario, { faults });
    expect(JSON.stringify(resumed)).toBe(JSON.stringify(whole));
    expect(JSON.stringify(joined)).toBe(JSON.stringify(whole));
    await expect(rehearse(scenario, { faults: ['abort'], logDir: dir })).rejects.toThrow(
      /this folder holds a different rehearsal/,
    );
  }, 60_000);
});

describe('rehearse: a damaged or foreign branch log', () => {
  it('refuses, exit 2 naming file:line, a garbage line, a NaN string and a line from another rehearsal', async () => {
    const file = path.join(ROOT, 'library', 'rehearse-point-of-no-return.yaml');
    const dirA = path.join(tmp, 'log-a');
    const dirB = path.join(tmp, 'log-b');
    const args = (dir: string, seed: string) => [
      'rehearse',
      file,
      '--faults',
      'abort',
      '--workers',
      '1',
      '--seed',
      seed,
      '--out',
      dir,
    ];
    expect((await cli(args(dirA, '1'))).code).toBeLessThan(2);
    expect((await cli(args(dirB, '2'))).code).toBeLessThan(2);
    const logA = path.join(dirA, 'branches.ndjson');
    const good = fs.readFileSync(logA, 'utf8');
    const lines = good.split('\n').filter(Boolean);
    expect((await cli(args(dirA, '1'))).code).toBeLessThan(2); // an intact log resumes

    const refused = async (text: string, says: RegExp) => {
      fs.writeFileSync(logA, text);
      const r = await cli(args(dirA, '1'));
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(says);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(r.stderr.length).toBeLessThan(2000);
    };
    await refused(`${lines[0]!}\ngarbage\n`, new RegExp(`${logA}:2: not JSON`));
    const nan = JSON.parse(lines[0]!) as { branch: Record<string, unknown> };
    nan.branch['downtimeMs'] = 'NaN';
    await refused(
      `${JSON.stringify(nan)}\n`,
      new RegExp(`${logA}:1: not a branch record \\(branch\\.downtimeMs: `),
    );
    const foreign = fs.readFileSync(path.join(dirB, 'branches.ndjson'), 'utf8').split('\n')[0]!;
    await refused(
      `${foreign}\n${lines.slice(1).join('\n')}\n`,
      new RegExp(`${logA}:1: branch "[^"]+" ran under another rehearsal plan`),
    );
    // A well-formed line whose problem text carries lines of its own (a GitHub workflow command, a forged
    // verdict) and terminal escapes: the failure is reported on one line, everything escaped.
    const forged = JSON.parse(lines[0]!) as { branch: Record<string, unknown> };
    forged.branch['pass'] = false;
    forged.branch['problems'] = ['x\n::error::forged\nall branches pass\u001b[2J'];
    forged.branch['replay'] = 'rollsim run\n::warning::forged';
    fs.writeFileSync(logA, `${[JSON.stringify(forged), ...lines.slice(1)].join('\n')}\n`);
    const r = await cli(args(dirA, '1'));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('x\\u000a::error::forged');
    expect(r.stderr).not.toMatch(/^::(error|warning)::/m);
    expect(r.stderr).not.toMatch(/^all branches pass/m);
    expect(r.stderr).not.toContain('\u001b');
    fs.writeFileSync(logA, good);
  }, 120_000);
});

describe('rehearsal.html', () => {
  it('escapes every value and gives each cell its replay command', async () => {
    const scenario = load('rehearse-point-of-no-return');
    const r = await rehearse(scenario, {
      faults: ['abort'],
      scenarioFile: 'x/<script>alert(1)</script>.yaml',
    });
    const html = rehearsalHtml(r);
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect((html.match(/<details><summary>replay<\/summary>/g) ?? []).length).toBe(2 * r.branches.length);
    expect(r.branches[0]!.replay).toBe(
      "rollsim rehearse 'x/<script>alert(1)</script>.yaml' --edit 1 --seed 11 --branch 0:abort --out out/rehearse-point-of-no-return-step0-abort",
    );
  });
});

/** The branch of the scenario's first edit (rev1 → rev2) with `fault` 1 ms after a state reached at `atMs`. */
function firstEditBranch(
  scenario: Scenario,
  o: { seed: number; atMs: number; phase: string; fault: FaultKind; priorReadyCount: number },
): BranchTask {
  const key = `0:${o.fault}`;
  return {
    key,
    scenario,
    seed: o.seed,
    edit: 0,
    fromRevision: 1,
    toRevision: 2,
    priorReadyCount: o.priorReadyCount,
    step: { index: 0, atMs: o.atMs, phase: o.phase, instances: {}, pools: {} },
    fault: o.fault,
    replay: `rollsim rehearse x.yaml --branch ${key}`,
  };
}

describe('rehearse: an edit that completes before the fault shows', () => {
  it('says when it completed, what the run lost and that a completed edit is not rolled back', () => {
    // The new revision starts failing its checks 5 s before the monitoring window ends: three failed
    // probes 10 s apart take longer, so the edit completes, and nothing rolls a completed edit back.
    // Without limits to break, such a branch passed as "done": its new revision had reached the count.
    const scenario: Scenario = { ...load('rehearse-clean-swap'), expect: null };
    const baseline = runScenario(scenario, {}).result.edits[0]!;
    expect(baseline.outcome).toBe('completed');
    const b = runBranch(
      firstEditBranch(scenario, {
        seed: scenario.seed,
        atMs: baseline.endedAtMs - 5_001,
        phase: 'monitoring',
        fault: 'health',
        priorReadyCount: 2,
      }),
    );
    expect(b.outcome).toBe('completed');
    expect(b.recovered).toBeNull();
    expect(b.pass).toBe(false);
    expect(b.problems).toHaveLength(1);
    expect(b.downtimeMs).toBeGreaterThan(0);
    expect(b.problems.at(-1)).toMatch(
      /^completed 5s after the fault, but rev2 then went down and had no ready instance at the end of the run \(the run: down \d.*, [\d.]+% of requests dropped\); a completed edit is not rolled back$/,
    );
  });
});

describe('plan: what changes the pools', () => {
  it('words counts and durations as a reader would', () => {
    // Was "1 node(s) fail", "2 GPU(s) fail" and "for 900000 ms".
    const scenario: Scenario = {
      ...load('rehearse-clean-swap'),
      events: [
        {
          atMs: 60_000,
          action: 'fault',
          fault: { kind: 'nodeFailure', pool: 'h100', count: 1, repairMs: null, target: 'random' },
        },
        {
          atMs: 60_000,
          action: 'fault',
          fault: { kind: 'gpuFailure', pool: 'h100', count: 2, repairMs: null },
        },
        {
          atMs: 90_000,
          action: 'fault',
          fault: { kind: 'capacitySqueeze', pool: 'h100', count: 4, forMs: 900_000 },
        },
      ],
    };
    expect(capacityEvents(scenario, 0).map((e) => e.what)).toEqual([
      '1 node fails',
      '2 GPUs fail',
      'a squeeze takes 4 GPUs for 15m',
    ]);
  });
});

/** One L4 node of 4 GPUs and `t4Nodes` T4 nodes of 4: an embedding service's move to cheaper GPUs. */
function l4AndT4(t4Nodes: number) {
  return {
    cloud: 'aws',
    name: 'us-east-1-gpu',
    pools: [
      makePool({ name: 'l4', gpu: 'L4', gpusPerNode: 4, nodes: 1 }),
      makePool({ name: 't4', gpu: 'T4', gpusPerNode: 4, nodes: t4Nodes }),
    ],
    tenants: [],
  };
}

describe('rehearse: a rollback that cannot finish', () => {
  it('counts the prior revision restored when it is back, not when the deadline forces the rollback out', () => {
    // An embedding service moves from a 4-GPU L4 pool to T4s while traffic climbs; aborted mid-edit, the
    // autoscaler wants more L4 instances than the pool holds, so the rollback never finishes and its
    // deadline (30m) forces the failed revision out. v1 was back at its 2 instances within a minute or
    // two: the branch read 'restored after 30m', and the plan called the state a point of no return.
    const scenario = makeScenario({
      durationMs: 50 * 60_000,
      cluster: l4AndT4(4),
      deployment: {
        model: 'bge-large-en-v1.5',
        accelerator: { type: 'L4', count: 1 },
        scaling: { minInstances: 2, maxInstances: 10, metrics: [{ metric: 'rps', threshold: 30 }] },
      },
      traffic: {
        profile: 'steps',
        steps: [
          { atMs: 0, rps: 60 },
          { atMs: 6 * 60_000, rps: 250 },
        ],
        timeoutMs: 5000,
      },
      events: [{ atMs: 3 * 60_000, action: 'edit', edit: { accelerator: { type: 'T4', count: 1 } } }],
    });
    const b = runBranch(
      firstEditBranch(scenario, {
        seed: 1,
        atMs: 12 * 60_000,
        phase: 'rolling',
        fault: 'abort',
        priorReadyCount: 2,
      }),
    );
    expect(b.outcome).toBe('rolledBack');
    expect(b.recovered).toBe('prior');
    expect(b.restoredMs).not.toBeNull();
    expect(b.restoredMs!).toBeLessThan(5 * 60_000);
  });
});

describe('rehearse: a deployment that may scale to zero', () => {
  it('is not "down at the end" for loading its first instance when the run ends', () => {
    // Async, minInstances 0: idle from 6m, so it scales to zero; a request at 29m 40s asks for one
    // instance, still loading when the run ends at 30m. Nothing is ready and the autoscaler wants 1, as it
    // should be: the branch passes.
    const scenario = makeScenario({
      durationMs: 30 * 60_000,
      cluster: l4AndT4(1),
      models: [
        {
          id: 'emb-big',
          type: 'embedding',
          weightsGB: 10,
          memoryGB: 12,
          loadSeconds: 30,
          serviceSeconds: 0.05,
          concurrencyPerInstance: 8,
          imageGB: 6,
          reference: { gpu: 'H100', count: 1 },
          source: 'test',
        },
      ],
      deployment: {
        processingType: 'async',
        model: 'emb-big',
        accelerator: { type: 'L4', count: 1 },
        scaling: { minInstances: 0, maxInstances: 2, metrics: [{ metric: 'queueDepth', threshold: 5 }] },
      },
      traffic: {
        profile: 'steps',
        steps: [
          { atMs: 0, rps: 1 },
          { atMs: 6 * 60_000, rps: 0 },
          { atMs: 29 * 60_000 + 40_000, rps: 1 },
        ],
        timeoutMs: 30_000,
      },
      events: [{ atMs: 60_000, action: 'edit', edit: { accelerator: { type: 'T4', count: 1 } } }],
    });
    // An abort after the edit completed is refused (no rollback after success): the run is the scenario's.
    const task = firstEditBranch(scenario, {
      seed: 1,
      atMs: 20 * 60_000,
      phase: 'monitoring',
      fault: 'abort',
      priorReadyCount: 0,
    });
    const b = runBranch(task);
    const run = runScenario(branchScenario(task), { seed: 1 }).result;
    expect(run.final.readyInstances).toBe(0);
    expect(run.timeline.at(-1)!.desired).toBe(1);
    expect(b.outcome).toBe('completed');
    expect(b.recovered).toBe('new');
    expect(b.pass).toBe(true);
  });
});

describe('counts in their number', () => {
  it('rehearse says "1 fault", check "1 expectation"', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rollsim-words-'));
    try {
      const r = await cli([
        'rehearse',
        'library/rehearse-clean-swap.yaml',
        '--faults',
        'abort',
        '--workers',
        '1',
        '--out',
        path.join(dir, 'r'),
      ]);
      expect(r.stdout.split('\n')[0]).toMatch(/: \d+ states × 1 fault$/);
      const text = fs
        .readFileSync(path.join(ROOT, 'library', 'default.yaml'), 'utf8')
        .replace(/^expect:[\s\S]*$/m, 'expect:\n  maxDowntime: 10m\n');
      const file = path.join(dir, 'one.yaml');
      fs.writeFileSync(file, text);
      const c = await cli(['check', file]);
      expect(c.code).toBe(0);
      expect(c.stdout).toMatch(/^PASS busy-cluster-8b-to-70b \(.*one\.yaml\): 1 expectation$/m);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
