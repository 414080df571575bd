// Unit checks behind the hostile-input rules: excerpts, containment with --data-root, run limits,
// the sweep lock, and trace hashes in the sweep plan.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { RunMetricsAccumulator } from '../result/metrics.js';
import { escapeControl, excerpt } from '../scenario/excerpt.js';
import { DEFAULT_RUN_LIMITS, estimatedRequests, limitProblems, NO_RUN_LIMITS } from '../scenario/limits.js';
import { loadScenarioFile } from '../scenario/load.js';
import { parseDateTimeMs } from '../scenario/trace.js';
import { inputHashes, LOCK_FILE, runSweep } from '../sweep/run.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TINY = path.join(ROOT, 'test', 'fixtures', 'sweep', 'tiny.yaml');
const TRACE_SCENARIO = path.join(ROOT, 'library', 'azure-trace-replay.yaml');

describe('excerpts of input', () => {
  it('cut long text, escape every control character, and keep plain text as it is', () => {
    expect(excerpt('plain')).toBe('plain');
    expect(excerpt('a\u001b[2Jb\nc')).toBe('a\\u001b[2Jb\\u000ac');
    const long = excerpt('x'.repeat(500_000));
    expect(long.length).toBeLessThan(120);
    expect(long).toContain('(500000 characters)');
    expect(escapeControl('ok\n\tend\u0007\u202e')).toBe('ok\n\tend\\u0007\\u202e');
    // The escape is a JSON escape: JSON output stays valid and keeps its values.
    expect(JSON.parse(escapeControl(JSON.stringify({ v: 'a\u007fb' })))).toEqual({ v: 'a\u007fb' });
  });
});

describe('containment', () => {
  it('allows a trace outside the scenario folder only inside a --data-root', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rollsim-contain-'));
    try {
      const scenarioDir = path.join(dir, 'scenarios');
      const dataDir = path.join(dir, 'data');
      fs.mkdirSync(scenarioDir);
      fs.mkdirSync(dataDir);
      fs.copyFileSync(
        path.join(ROOT, 'library', 'traces', 'AzureLLMInferenceTrace_conv.csv'),
        path.join(dataDir, 'conv.csv'),
      );
      const text = fs
        .readFileSync(TRACE_SCENARIO, 'utf8')
        .replace(/file: traces\/\S+/, 'file: ../data/conv.csv');
      const file = path.join(scenarioDir, 's.yaml');
      fs.writeFileSync(file, text);
      const refused = loadScenarioFile(file);
      expect(refused.ok).toBe(false);
      if (!refused.ok) expect(refused.issues[0]?.message).toMatch(/outside the allowed folders.*--data-root/);
      expect(loadScenarioFile(file, { dataRoots: [dataDir] }).ok).toBe(true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects impossible date-times instead of rolling them over', () => {
    expect(parseDateTimeMs('2023-13-45 99:99:99')).toBeNaN();
    expect(parseDateTimeMs('2023-02-29 00:00:00')).toBeNaN();
    expect(parseDateTimeMs('2024-02-29 23:59:59')).toBe(Date.UTC(2024, 1, 29, 23, 59, 59));
    expect(parseDateTimeMs('2023-11-16T18:15:46+25:00')).toBeNaN();
  });
});

describe('run limits', () => {
  it('estimate requests from traffic × duration and refuse what is over, unless lifted', () => {
    const loaded = loadScenarioFile(TINY);
    if (!loaded.ok) throw new Error('tiny.yaml should load');
    const tiny = loaded.scenario;
    expect(estimatedRequests(tiny)).toBeCloseTo(2 * 12 * 60, 6);
    expect(limitProblems(tiny)).toEqual([]);
    const huge = {
      ...tiny,
      durationMs: 720 * 3_600_000,
      traffic: { ...tiny.traffic, rps: 1e6 },
    } as typeof tiny;
    const problems = limitProblems(huge);
    expect(problems.join('\n')).toMatch(/2,592,000,000,000 simulated requests.*limit is 20,000,000/);
    expect(limitProblems(huge, NO_RUN_LIMITS)).toEqual([]);
    // Diurnal: the rate's integral, not its peak × the duration (which refused a week offering 18.7 M
    // requests as "about 36,288,000"). Whole periods give the mean rate (base + peak) / 2; a quarter
    // period from the peak adds (peak − base) / 2 × period / 2π to the mean's share.
    const day = 24 * 3_600_000;
    const diurnal = (durationMs: number, peakAtMs: number) =>
      estimatedRequests({
        ...tiny,
        durationMs,
        traffic: { profile: 'diurnal', baseRps: 2, peakRps: 60, peakAtMs, periodMs: day },
      } as typeof tiny);
    expect(diurnal(7 * day, 14 * 3_600_000)).toBeCloseTo(31 * 7 * 86_400, 3);
    expect(diurnal(day / 4, 0)).toBeCloseTo(2 * 21_600 + 29 * (21_600 + 86_400 / (2 * Math.PI)), 3);
    const fine = { ...tiny, sampleIntervalMs: 1 } as typeof tiny;
    expect(limitProblems(fine, DEFAULT_RUN_LIMITS).join('\n')).toMatch(/timeline samples/);
  });
});

describe('sweep folder integrity', () => {
  it('refuses a folder another live sweep holds, and takes over a stale lock', async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'rollsim-lock-'));
    try {
      fs.writeFileSync(path.join(out, LOCK_FILE), `${process.ppid}\n`);
      const options = {
        scenarioFile: TINY,
        seeds: 1,
        seedStart: 1,
        workers: 1,
        shard: null,
        axes: [],
        outDir: out,
        progress: null,
      };
      const busy = await runSweep(options);
      expect(busy.kind).toBe('badInput');
      if (busy.kind === 'badInput') expect(busy.messages[0]).toMatch(/another sweep \(process \d+\)/);
      // A plan of another sweep: refused after the stale lock was taken, and the lock is released.
      fs.writeFileSync(path.join(out, LOCK_FILE), '999999999\n');
      fs.writeFileSync(path.join(out, 'sweep-plan.json'), 'garbage');
      const stale = await runSweep(options);
      expect(stale.kind).toBe('badInput');
      if (stale.kind === 'badInput') expect(stale.messages[0]).toMatch(/not JSON/);
      expect(fs.existsSync(path.join(out, LOCK_FILE))).toBe(false);
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });

  it('records the sha256 of every trace, so a changed trace is a different sweep', () => {
    const loaded = loadScenarioFile(TRACE_SCENARIO);
    if (!loaded.ok) throw new Error('the trace scenario should load');
    const hashes = inputHashes(TRACE_SCENARIO, new Map([['{}', loaded.scenario]]));
    expect(Object.keys(hashes)).toEqual([path.join('traces', 'AzureLLMInferenceTrace_conv.csv')]);
    expect(Object.values(hashes)[0]).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('every request accounted for', () => {
  it('reports unfinished requests and counts the overdue ones as dropped', () => {
    const m = new RunMetricsAccumulator();
    m.offered = 2_499_801;
    m.served = 900;
    const metrics = m.finish(3_600_000, 2_400_000);
    expect(metrics.requests.unfinished).toBe(2_499_801 - 900);
    expect(metrics.requests.overdue).toBe(2_400_000);
    expect(metrics.droppedPercent).toBeCloseTo((2_400_000 / 2_499_801) * 100, 2);
    // Young unfinished requests (in flight at the end) are reported but do not count.
    const young = new RunMetricsAccumulator();
    young.offered = 1000;
    young.served = 990;
    const quiet = young.finish(60_000, 0);
    expect(quiet.requests.unfinished).toBe(10);
    expect(quiet.droppedPercent).toBe(0);
  });
});
