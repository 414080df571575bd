// Proves the scaling notes: a threshold one instance cannot reach before it saturates is named, with what
// one instance can do (from the same serving model the run uses), once per spec; thresholds within reach,
// other metrics and edits the engine rejects give none; the CLI prints the notes without touching
// result.json.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { BUILTIN_CATALOG } from '../catalog/catalog.js';
import { main } from '../cli/cli.js';
import { runReportHtml } from '../reports/html.js';
import { summaryMarkdown } from '../reports/markdown.js';
import { scalingNoteText } from '../reports/summary.js';
import type { RunResult } from '../result/result.js';
import { scalingNotes } from '../sim/advice.js';
import { performanceOf } from '../sim/performance.js';
import type { ScalingMetric } from '../catalog/spec.js';
import type { Scenario } from '../scenario/types.js';
import { makeScenario } from './support/fixtures.js';

const ROOT = path.join(import.meta.dirname, '..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rollsim-advice-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const FIXTURE = path.join(ROOT, 'test', 'fixtures', 'notes', 'rps-above-capacity.yaml');
const h100 = BUILTIN_CATALOG.gpus['H100']!;
const llama8b = performanceOf(BUILTIN_CATALOG.models['llama-3.1-8b']!, h100, 1, h100);

const scaledOn = (...metrics: ScalingMetric[]) =>
  makeScenario({ deployment: { scaling: { minInstances: 2, maxInstances: 8, metrics } } });

/** SDXL on one GPU of `gpu`, 1 to `maxInstances` instances, scaled on GPU utilisation. */
function sdxlDeployment(gpu: string, maxInstances: number) {
  return {
    model: 'sdxl-base-1.0',
    accelerator: { type: gpu, count: 1 },
    scaling: {
      minInstances: 1,
      maxInstances,
      metrics: [{ metric: 'gpuUtilization' as const, threshold: 70 }],
    },
  };
}

/** What every note about the 8B deployment as it starts says first. */
const startOf8b = {
  atMs: null,
  edit: null,
  model: 'llama-3.1-8b',
  accelerator: { type: 'H100', count: 1 },
  processingType: 'sync',
} as const;

describe('scaling notes', () => {
  it('names an rps threshold above what one instance serves, with that figure', () => {
    const over = Math.ceil(llama8b.capacityRps) + 1;
    const notes = scalingNotes(scaledOn({ metric: 'rps', threshold: over }));
    expect(notes).toEqual([
      {
        kind: 'threshold',
        ...startOf8b,
        metric: 'rps',
        threshold: over,
        limit: llama8b.capacityRps,
      },
    ]);
    expect(scalingNoteText(notes[0]!)).toMatch(
      /^note \(the deployment as it starts\): the autoscaler adds instances past \d+ req\/s per instance \(rps\), but one instance of llama-3\.1-8b on 1× H100 serves about [\d.]+ req\/s at full load/,
    );
    expect(scalingNotes(scaledOn({ metric: 'rps', threshold: Math.floor(llama8b.capacityRps) }))).toEqual([]);
  });

  it('names a concurrency threshold above the requests one instance runs at once', () => {
    const notes = scalingNotes(scaledOn({ metric: 'concurrency', threshold: llama8b.slots + 1 }));
    expect(notes.map((n) => n.kind === 'threshold' && [n.metric, n.limit])).toEqual([
      ['concurrency', llama8b.slots],
    ]);
    expect(scalingNoteText(notes[0]!)).toContain(`runs at most ${llama8b.slots} at once`);
    expect(scalingNotes(scaledOn({ metric: 'concurrency', threshold: llama8b.slots }))).toEqual([]);
    // Utilisation, latency and queue targets have no per-instance ceiling to compare with.
    expect(
      scalingNotes(
        scaledOn(
          { metric: 'gpuUtilization', threshold: 100 },
          { metric: 'latencyP95', threshold: 1e6 },
          { metric: 'queueDepth', threshold: 1e4 },
        ),
      ),
    ).toEqual([]);
  });

  it('checks the spec each edit asks for, once per spec, and not edits the engine rejects', () => {
    const base = scaledOn({ metric: 'concurrency', threshold: llama8b.slots });
    const scenario = {
      ...base,
      events: [
        // Rejected (cross-type swap): runs nothing, so no note about Whisper.
        { atMs: 60_000, action: 'edit' as const, edit: { model: 'whisper-large-v3' } },
        // Accepted: the threshold goes past the instance's slots.
        {
          atMs: 120_000,
          action: 'edit' as const,
          edit: { scaling: { metrics: [{ metric: 'concurrency' as const, threshold: llama8b.slots * 2 }] } },
        },
        // Tags only: the same spec as far as serving goes, no second note.
        { atMs: 180_000, action: 'edit' as const, edit: { tags: { tier: 'gold' } } },
      ],
    };
    const notes = scalingNotes(scenario);
    expect(notes.map((n) => n.kind === 'threshold' && [n.edit, n.atMs, n.threshold])).toEqual([
      [2, 120_000, llama8b.slots * 2],
    ]);
    expect(scalingNoteText(notes[0]!)).toMatch(/^note \(edit 2 at 0:02:00\)/);
  });

  it('names a traffic peak above what maxInstances instances serve, within the run only', () => {
    const most = 8 * llama8b.capacityRps;
    const withTraffic = (traffic: Scenario['traffic'], durationMs = 60 * 60_000) => ({
      ...scaledOn({ metric: 'gpuUtilization', threshold: 70 }),
      durationMs,
      traffic,
    });
    const over = Math.ceil(most) + 5;
    const notes = scalingNotes(withTraffic({ profile: 'constant', rps: over, timeoutMs: 30_000 }));
    expect(notes).toEqual([
      {
        kind: 'peak',
        ...startOf8b,
        peakRps: over,
        maxInstances: 8,
        perInstanceRps: llama8b.capacityRps,
      },
    ]);
    expect(scalingNoteText(notes[0]!)).toMatch(
      /^note \(the deployment as it starts\): the traffic peaks at [\d.,]+ req\/s, but 8 instances \(maxInstances\) of llama-3\.1-8b on 1× H100 serve about [\d.,]+ req\/s at full load/,
    );
    expect(
      scalingNotes(withTraffic({ profile: 'constant', rps: Math.floor(most), timeoutMs: 30_000 })),
    ).toEqual([]);
    // A step after the end of the run, or a diurnal peak outside it, is not offered.
    const steps = [
      { atMs: 0, rps: 1 },
      { atMs: 2 * 60 * 60_000, rps: over },
    ];
    expect(scalingNotes(withTraffic({ profile: 'steps', steps, timeoutMs: 30_000 }))).toEqual([]);
    expect(
      scalingNotes(withTraffic({ profile: 'steps', steps, timeoutMs: 30_000 }, 3 * 60 * 60_000)),
    ).toHaveLength(1);
    const diurnal = (peakAtMs: number) =>
      withTraffic({
        profile: 'diurnal',
        baseRps: 1,
        peakRps: over,
        peakAtMs,
        periodMs: 24 * 3_600_000,
        timeoutMs: 30_000,
      });
    expect(scalingNotes(diurnal(30 * 60_000))).toHaveLength(1);
    expect(scalingNotes(diurnal(12 * 3_600_000))).toEqual([]);
    // Hostile sizes (50,000 steps, ten years): the peak comes from the steps, not by sampling the run.
    const many = Array.from({ length: 50_000 }, (_, i) => ({
      atMs: i * 60_000,
      rps: i === 49_999 ? over : 1,
    }));
    const long = scalingNotes(
      withTraffic({ profile: 'steps', steps: many, timeoutMs: 30_000 }, 10 * 8760 * 3_600_000),
    );
    expect(long.map((n) => n.kind === 'peak' && n.peakRps)).toEqual([over]);
    // Async requests never time out: the note says they queue.
    const asyncNote = scalingNotes({
      ...withTraffic({ profile: 'constant', rps: over, timeoutMs: 30_000 }),
      deployment: { ...scaledOn().deployment, processingType: 'async' },
    });
    expect(scalingNoteText(asyncNote[0]!)).toMatch(
      /at the peak requests queue whatever the autoscaler does$/,
    );
    expect(scalingNoteText(notes[0]!)).toMatch(
      /at the peak requests queue or time out whatever the autoscaler does$/,
    );
  });

  it('takes a replayed trace’s busiest minute within the run as its peak', () => {
    // 10 req/s for the first minute, 1 req/s after; 3 SDXL instances on A100s serve about 2 req/s.
    const rows = ['t'];
    for (let i = 0; i < 600; i++) rows.push((i / 10).toFixed(2));
    for (let i = 0; i < 600; i++) rows.push((60 + i).toFixed(2));
    const file = path.join(tmp, 'burst.csv');
    fs.writeFileSync(file, `${rows.join('\n')}\n`);
    const sdxl = (durationMs: number, speedup: number) =>
      makeScenario({
        durationMs,
        deployment: sdxlDeployment('A100-80GB', 3),
        traffic: {
          profile: 'trace',
          trace: {
            file,
            format: 'csv',
            timeColumn: 't',
            timeUnit: 's',
            inputTokensColumn: null,
            outputTokensColumn: null,
            speedup,
          },
          timeoutMs: 30_000,
        },
      });
    const [peak] = scalingNotes(sdxl(20 * 60_000, 1));
    expect(peak?.kind === 'peak' && peak.peakRps).toBe(10);
    // Twice as fast: the 600 rows of the burst arrive in half a minute, then 2 a second: 660 in a minute.
    const [fast] = scalingNotes(sdxl(20 * 60_000, 2));
    expect(fast?.kind === 'peak' && fast.peakRps).toBe(11);
    // A run that ends before the burst's second half sees only what arrived before its end.
    const [short] = scalingNotes(sdxl(30_000, 1));
    expect(short?.kind === 'peak' && short.peakRps).toBe(5);
  });

  it('writes an instance slower than 1 req/s with two significant digits, so the fleet figure adds up', () => {
    // SDXL on one A10G serves about 0.15 req/s at full load; "0.1 each" beside "1.8" for 12 would not add up.
    const notes = scalingNotes(
      makeScenario({
        deployment: sdxlDeployment('A10G', 12),
        traffic: { profile: 'constant', rps: 5, timeoutMs: 60_000 },
      }),
    );
    const peak = notes.find((n) => n.kind === 'peak');
    expect(peak?.kind === 'peak' && peak.perInstanceRps).toBeLessThan(1);
    const text = scalingNoteText(peak!);
    const each = /\((\d+(?:\.\d+)?) each\)/.exec(text)?.[1];
    const total = /serve about (\d+(?:\.\d+)?) req\/s/.exec(text)?.[1];
    expect(each).toMatch(/^0\.\d\d$/);
    expect(Math.abs(12 * Number(each) - Number(total))).toBeLessThan(0.1);
  });

  it('validate and run print the note; run --json keeps it off stdout and result.json', async () => {
    const io = () => {
      const out = { stdout: '', stderr: '' };
      return {
        out,
        io: {
          stdout: (t: string) => void (out.stdout += t),
          stderr: (t: string) => void (out.stderr += t),
          cwd: ROOT,
        },
      };
    };
    const v = io();
    expect(await main(['validate', FIXTURE], v.io)).toBe(0);
    expect(v.out.stdout).toMatch(
      /^ok .*\n {2}note \(the deployment as it starts\): .*bge-large-en-v1\.5 on 1× L4/,
    );
    // The tags-only edit repeats nothing.
    expect(v.out.stdout.match(/ note \(/g)).toHaveLength(1);

    const j = io();
    expect(await main(['run', FIXTURE, '--json'], j.io)).toBe(0);
    expect(j.out.stderr).toMatch(/^note \(the deployment as it starts\): /);
    const result = JSON.parse(j.out.stdout) as Record<string, unknown>;
    expect(JSON.stringify(result)).not.toContain('note (');

    // The text summary prints it after the run's figures; result.json on disk is the --json one.
    const r = io();
    const out = path.join(tmp, 'run');
    expect(await main(['run', FIXTURE, '--out', out], r.io)).toBe(0);
    expect(r.out.stdout).toMatch(/\ndowntime .*\nnote \(the deployment as it starts\): /);
    expect(fs.readFileSync(path.join(out, 'result.json'), 'utf8')).toBe(j.out.stdout);
    expect(fs.readFileSync(path.join(out, 'summary.md'), 'utf8')).toMatch(
      /\n#### Notes\n\n- \*\*the deployment as it starts\*\*: the autoscaler adds instances past 120 req\/s/,
    );
    expect(fs.readFileSync(path.join(out, 'report.html'), 'utf8')).toMatch(
      /<h2>Notes<\/h2>\n<ul id="scaling-notes"><li><strong>the deployment as it starts<\/strong>: the autoscaler/,
    );
  });

  it('reports escape what a note takes from the scenario', () => {
    const result = JSON.parse(
      fs.readFileSync(path.join(ROOT, 'docs', 'example', 'result.json'), 'utf8'),
    ) as RunResult;
    const hostile = {
      kind: 'threshold' as const,
      atMs: null,
      edit: null,
      model: '<img src=x onerror=alert(1)>*a*',
      accelerator: { type: 'H100', count: 1 },
      processingType: 'sync' as const,
      metric: 'rps' as const,
      threshold: 99,
      limit: 3,
    };
    const html = runReportHtml(result, [hostile]);
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).not.toContain('<img src=x');
    const md = summaryMarkdown(result, [hostile]);
    expect(md).toContain('&lt;img src=x onerror=alert(1)>\\*a\\*');
    expect(md).not.toContain('<img');
    // No notes, no section: the default report is as before.
    expect(runReportHtml(result)).not.toContain('scaling-notes');
    expect(summaryMarkdown(result)).not.toContain('#### Notes');
  });

  it('check prints the notes under the scenario’s result line', async () => {
    let out = '';
    const io = { stdout: (t: string) => void (out += t), stderr: () => undefined, cwd: ROOT };
    expect(await main(['check', path.join('library', 'async-rollout-backlog.yaml')], io)).toBe(0);
    expect(out).toMatch(
      /^PASS async-rollout-backlog .*\n {2}note \(the deployment as it starts\): the traffic peaks at /m,
    );
    out = '';
    expect(await main(['check', path.join('library', 'default.yaml')], io)).toBe(0);
    expect(out).not.toContain('note (');
  });

  it('run, validate and check read a replayed trace once, for the limits, the notes and the run', async () => {
    const scenario = path.join(ROOT, 'library', 'azure-trace-replay.yaml');
    const read = vi.spyOn(fs, 'readFileSync');
    try {
      const io = { stdout: () => undefined, stderr: () => undefined, cwd: ROOT };
      for (const args of [
        ['run', scenario, '--json'],
        ['validate', scenario],
        ['check', scenario],
      ]) {
        read.mockClear();
        expect(await main(args, io), args[0]).toBeLessThan(2);
        const traceReads = read.mock.calls.filter(([file]) => String(file).endsWith('.csv'));
        expect(traceReads, args[0]).toHaveLength(1);
      }
    } finally {
      read.mockRestore();
    }
  }, 60_000);
});
