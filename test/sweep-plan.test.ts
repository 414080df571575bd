// Proves the sweep's pure parts: grid parsing, the run plan and its shards, durable run logs, and the aggregates.
import { mkdtempSync, readFileSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { aggregate, distribution, percentile, wilsonInterval, worstGroups } from '../sweep/aggregate.js';
import { sweepMarkdown } from '../sweep/report.js';
import { sweepHtml } from '../sweep/html.js';
import { combinations, parseSetFlag, parseShard, planRuns, shardRuns } from '../sweep/plan.js';
import { RunLog, readRunLog, type RunRecord, type SweepPlanFile } from '../sweep/store.js';

describe('sweep plan', () => {
  it('parses --set flags into typed values and rejects malformed ones with a message', () => {
    expect(parseSetFlag('rollout.maxSurge=0,1,25%')).toEqual({
      ok: true,
      value: { path: 'rollout.maxSurge', values: [0, 1, '25%'] },
    });
    expect(parseSetFlag('warmpool=true')).toEqual({ ok: true, value: { path: 'warmpool', values: [true] } });
    for (const bad of ['noequals', '=1', 'a..b=1', 'a=1,,2', 'a=1,1', '__proto__.x=1']) {
      const r = parseSetFlag(bad);
      expect(r.ok, bad).toBe(false);
    }
  });

  it('parses shards and rejects impossible ones', () => {
    expect(parseShard('2/4')).toEqual({ ok: true, value: { index: 1, count: 4 } });
    for (const bad of ['5/4', '0/4', '0/0', 'a/b', '1']) expect(parseShard(bad).ok, bad).toBe(false);
  });

  it('plans every combination × seed once, and shards partition the plan exactly', () => {
    const axes = [
      { path: 'rollout.maxSurge', values: [0, 1, 2] },
      { path: 'rollout.maxUnavailable', values: [0, 1] },
    ];
    expect(combinations(axes)).toHaveLength(6);
    const runs = planRuns(axes, 7, 100);
    expect(runs).toHaveLength(42);
    expect(new Set(runs.map((r) => r.key)).size).toBe(42);
    const shards = [0, 1, 2].map((index) => shardRuns(runs, { index, count: 3 }));
    const union = shards
      .flat()
      .map((r) => r.key)
      .sort();
    expect(union).toEqual(runs.map((r) => r.key).sort());
    expect(
      Math.max(...shards.map((s) => s.length)) - Math.min(...shards.map((s) => s.length)),
    ).toBeLessThanOrEqual(1);
  });
});

function record(
  seed: number,
  downtimeMs: number,
  outcome: 'completed' | 'rolledBack',
  settings = {},
): RunRecord {
  return {
    key: `{}#${seed}`,
    seed,
    settings,
    status: 'ok',
    result: {
      scenario: 's',
      seed,
      simulatedMs: 1,
      edits: [
        {
          index: 0,
          kind: 'edit',
          requestedAtMs: 0,
          outcome,
          reason: outcome === 'rolledBack' ? 'RESOURCE_UNAVAILABLE' : null,
          errors: [],
          inPlace: false,
          startedAtMs: 0,
          endedAtMs: 1000,
          durationMs: 1000,
          rolloutDurationMs: null,
          fromRevision: 1,
          toRevision: 2,
          peakInstances: 3,
          minReadyInstances: 2,
          loadMs: null,
        },
      ],
      final: { revision: 1, spec: {} as never, readyInstances: 2, instances: {} },
      metrics: {
        downtimeMs,
        degradedMs: 0,
        requests: { offered: 10, served: 10, dropped: 0, timedOut: 0, unfinished: 0, overdue: 0 },
        droppedPercent: 0,
        latencyMs: { p50: 1, p95: 2, p99: 3 },
        ttftMs: null,
        itlMs: null,
        gpuHours: 1,
        peakGpus: 2,
        byGpuType: {},
        peakBacklog: 0,
      },
      expectations: [],
    },
  };
}

describe('run log', () => {
  it('survives a line cut short by a kill: the partial line is dropped and appends continue cleanly', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rollsim-log-'));
    const path = join(dir, 'runs.ndjson');
    const log = new RunLog(path);
    log.append(record(1, 0, 'completed'));
    log.append(record(2, 0, 'completed'));
    log.close();
    appendFileSync(path, '{"key":"{}#3","se');
    const first = readRunLog(path, { repair: true });
    expect(first.droppedPartial).toBe(true);
    expect(first.records.map((r) => r.seed)).toEqual([1, 2]);
    const again = new RunLog(path);
    again.append(record(3, 0, 'completed'));
    again.close();
    expect(readRunLog(path).records.map((r) => r.seed)).toEqual([1, 2, 3]);
    expect(readFileSync(path, 'utf8').split('\n').filter(Boolean)).toHaveLength(3);
  });

  it('reports corrupt lines with their line numbers and never modifies the file without repair', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rollsim-log-'));
    const path = join(dir, 'runs.ndjson');
    const log = new RunLog(path);
    log.append(record(1, 0, 'completed'));
    log.close();
    appendFileSync(
      path,
      'garbage\n{"key":"{}#9","seed":9,"settings":{},"status":"ok","result":{"edits":null}}\n',
    );
    appendFileSync(path, '{"key":"{}#7","seed":8,"settings":{},"status":"ok"}\n{"key":"{}#4"');
    const before = readFileSync(path, 'utf8');
    const read = readRunLog(path);
    expect(read.records.map((r) => r.seed)).toEqual([1]);
    expect(read.corrupt.map((c) => c.line)).toEqual([2, 3, 4]);
    expect(read.corrupt[0]?.reason).toBe('not JSON');
    expect(read.corrupt[2]?.reason).toMatch(/does not match its seed/);
    expect(readFileSync(path, 'utf8')).toBe(before);
  });

  it('refuses a record whose judged expectations are not name and pass', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rollsim-log-'));
    const path = join(dir, 'runs.ndjson');
    const good = record(1, 0, 'completed');
    const judged = {
      ...good,
      result: { ...good.result!, expectations: [{ name: 'maxDowntime', pass: true, detail: '' }] },
    };
    const bad = { ...record(2, 0, 'completed'), key: '{}#2' };
    const badLine = JSON.stringify({
      ...bad,
      result: { ...bad.result, expectations: [{ name: 'x', pass: 'yes' }] },
    });
    writeFileSync(path, `${JSON.stringify(judged)}\n${badLine}\n`);
    const read = readRunLog(path);
    expect(read.records.map((r) => r.seed)).toEqual([1]);
    expect(read.corrupt.map((c) => c.line)).toEqual([2]);
    expect(read.corrupt[0]?.reason).toMatch(/expectations/);
  });

  it('keeps the first record of a key', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rollsim-log-'));
    const path = join(dir, 'runs.ndjson');
    writeFileSync(
      path,
      `${JSON.stringify(record(1, 5, 'completed'))}\n${JSON.stringify(record(1, 9, 'completed'))}\n`,
    );
    expect(readRunLog(path).records.map((r) => r.result?.metrics.downtimeMs)).toEqual([5]);
  });
});

describe('aggregates', () => {
  it('Wilson interval matches the textbook values', () => {
    const w = wilsonInterval(10, 100);
    expect(w.low).toBeCloseTo(0.0552, 3);
    expect(w.high).toBeCloseTo(0.1744, 3);
    expect(wilsonInterval(0, 0)).toEqual({ low: 0, high: 1 });
  });

  it('nearest-rank percentiles', () => {
    const sorted = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    expect([percentile(sorted, 50), percentile(sorted, 95), percentile(sorted, 100)]).toEqual([5, 10, 10]);
    expect(distribution([3, 1, 2])).toMatchObject({ p50: 2, max: 3, mean: 2 });
  });

  it('counts outcomes, rollback rate and worst seeds per combination', () => {
    const records = [record(1, 0, 'completed'), record(2, 5000, 'rolledBack'), record(3, 100, 'completed')];
    const agg = aggregate('s', records);
    expect(agg.combos).toHaveLength(1);
    const c = agg.combos[0];
    expect(c?.outcomes).toEqual({ completed: 2, rolledBack: 1, rejected: 0, inProgress: 0 });
    expect(c?.rollbackRate).toBeCloseTo(1 / 3, 3);
    expect(c?.worst[0]?.seed).toBe(2);
    expect(c?.reasons).toEqual({ RESOURCE_UNAVAILABLE: 1 });
    expect(agg.best?.label).toBe('{}');
  });

  it('lists worst runs that went alike once, with their seeds', () => {
    // Eight runs that all roll back the same way listed five identical lines, one per seed.
    const alike = [1, 2, 3, 4, 5, 6, 7, 8].map((seed) => record(seed, 0, 'rolledBack'));
    const other = record(9, 4000, 'rolledBack');
    const agg = aggregate('s', [...alike, other]);
    const groups = worstGroups(agg.combos[0]!.worst, (w) => `${w.downtimeMs}`);
    expect(groups.map((g) => g.seeds)).toEqual([[9], [1, 2, 3, 4]]);
    // Alike as worded: shares of dropped requests that differ but print the same are one line.
    const close = [record(1, 0, 'completed'), record(2, 0, 'completed'), record(3, 0, 'completed')].map(
      (r, i) => ({
        ...r,
        result: {
          ...r.result!,
          metrics: { ...r.result!.metrics, droppedPercent: [0.004, 0.002, 0.003][i]! },
        },
      }),
    );
    const closeLines = sweepMarkdown(aggregate('s', close), {
      seeds: 3,
      seedStart: 1,
      shard: null,
    } as unknown as SweepPlanFile)
      .split('\n')
      .filter((l) => l.startsWith('- '));
    expect(closeLines).toEqual([
      '- scenario as written: seeds 1, 2, 3 — downtime 0.0 s, dropped <0.01%, completed',
    ]);
    const plan = { seeds: 9, seedStart: 1, shard: null } as unknown as SweepPlanFile;
    const lines = sweepMarkdown(agg, plan)
      .split('\n')
      .filter((l) => l.startsWith('- '));
    expect(lines).toEqual([
      '- scenario as written: seed 9 — downtime 4.0 s, dropped 0%, rolledBack (RESOURCE\\_UNAVAILABLE)',
      '- scenario as written: seeds 1, 2, 3, 4 — downtime 0.0 s, dropped 0%, rolledBack (RESOURCE\\_UNAVAILABLE)',
    ]);
  });

  it('heads sweep.md and sweep.html with counts in their number ("1 run: seed 7")', async () => {
    const one = aggregate('s', [{ ...record(7, 0, 'completed'), key: '{}#7' }]);
    const plan = { seeds: 1, seedStart: 7, shard: null } as unknown as SweepPlanFile;
    expect(sweepMarkdown(one, plan).split('\n')[2]).toBe('1 run: seed 7');
    expect(await sweepHtml(one, plan)).toContain('<p>1 run over seed 7.</p>');
    const many = aggregate(
      's',
      [1, 2, 3].map((seed) => record(seed, 0, 'completed')),
    );
    const plan3 = { seeds: 3, seedStart: 1, shard: null } as unknown as SweepPlanFile;
    expect(sweepMarkdown(many, plan3).split('\n')[2]).toBe('3 runs: seeds 1–3');
  });

  it("ranks first the combination with the fewest runs failing the scenario's expect", () => {
    const judged = (r: RunRecord, pass: boolean): RunRecord => ({
      ...r,
      result: { ...r.result!, expectations: [{ name: 'maxDroppedPercent', pass, detail: '' }] },
    });
    // "a" never rolls back but fails its expect once; "b" rolls back once and always meets it.
    const a = { maxSurge: 'a' };
    const b = { maxSurge: 'b' };
    const records = [
      judged({ ...record(1, 0, 'completed', a), key: 'a#1' }, false),
      judged({ ...record(2, 0, 'completed', a), key: 'a#2' }, true),
      judged({ ...record(1, 0, 'rolledBack', b), key: 'b#1' }, true),
      judged({ ...record(2, 0, 'completed', b), key: 'b#2' }, true),
    ];
    const agg = aggregate('s', records);
    expect(agg.combos.map((c) => c.expect)).toEqual([
      { judged: 2, failed: 1 },
      { judged: 2, failed: 0 },
    ]);
    expect(agg.best?.label).toBe('maxSurge=b');
    // Unjudged (an older record, or no expect): ranked by rollbacks as before.
    const plain = aggregate(
      's',
      records.map((r) => ({ ...r, result: { ...r.result!, expectations: [] } })),
    );
    expect(plain.combos.map((c) => c.expect)).toEqual([
      { judged: 0, failed: 0 },
      { judged: 0, failed: 0 },
    ]);
    expect(plain.best?.label).toBe('maxSurge=a');
  });
});
