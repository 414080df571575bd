// sweep.json, sweep.md and sweep.html are written as one set (issue 18): staged, then swapped in with
// one burst of renames, each carrying the same report-set id, so a failure while writing leaves the old
// set whole and a reader can tell the three files belong together.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mergeSweeps } from '../sweep/merge.js';
import { reportSetId } from '../sweep/report.js';
import { runSweep } from '../sweep/run.js';

const root = resolve(import.meta.dirname, '..');
const tiny = join(root, 'test/fixtures/sweep/tiny.yaml');
const tmp = () => mkdtempSync(join(tmpdir(), 'rollsim-set-'));
const base = { scenarioFile: tiny, seedStart: 1, workers: 1, axes: [], progress: null };
const FILES = ['sweep.json', 'sweep.md', 'sweep.html'] as const;

/** The id each report carries, and the contents without it. */
function ids(dir: string): { ids: string[]; stripped: string[] } {
  const [json, md, html] = FILES.map((f) => readFileSync(join(dir, f), 'utf8')) as [string, string, string];
  const fromJson = (JSON.parse(json) as { reportSet: string }).reportSet;
  const fromMd = /<!-- rollsim report set ([0-9a-f]{16}):/.exec(md)?.[1];
  const fromHtml = /<meta name="rollsim-report-set" content="([0-9a-f]{16})">/.exec(html)?.[1];
  return {
    ids: [fromJson, fromMd ?? '', fromHtml ?? ''],
    stripped: [
      json.replace(/ {2}"reportSet": "[0-9a-f]{16}",\n/, ''),
      md.replace(/\n<!-- rollsim report set [^\n]*\n$/, ''),
      html.replace(/\n<meta name="rollsim-report-set" content="[0-9a-f]{16}">/, ''),
    ],
  };
}

/** Adds a minute of downtime to the first run, so the next report set has other figures. */
function changeFigures(log: string): void {
  const [first, ...rest] = readFileSync(log, 'utf8').split('\n').filter(Boolean);
  const record = JSON.parse(first!) as { result: { metrics: { downtimeMs: number } } };
  record.result.metrics.downtimeMs += 60_000;
  writeFileSync(log, [JSON.stringify(record), ...rest].map((l) => `${l}\n`).join(''));
}

describe('sweep report set', () => {
  it('every report carries the same id, the hash of the three contents; the same figures give the same id', async () => {
    const dir = tmp();
    expect((await runSweep({ ...base, seeds: 4, shard: null, outDir: join(dir, 'whole') })).kind).toBe(
      'done',
    );
    const whole = ids(join(dir, 'whole'));
    expect(new Set(whole.ids).size).toBe(1);
    const [json, md, html] = whole.stripped as [string, string, string];
    expect(whole.ids[0]).toBe(reportSetId(json, md, html));

    for (const index of [0, 1])
      await runSweep({ ...base, seeds: 4, shard: { index, count: 2 }, outDir: join(dir, `s${index}`) });
    const merged = await mergeSweeps([join(dir, 's0'), join(dir, 's1')], join(dir, 'merged'));
    expect(merged.kind).toBe('merged');
    expect(ids(join(dir, 'merged')).ids).toEqual(whole.ids);
    const shard = ids(join(dir, 's0')).ids;
    expect(new Set(shard).size).toBe(1);
    expect(shard[0]).not.toBe(whole.ids[0]);
  }, 60_000);

  it('a failure while writing the set leaves all three old reports as they were', async () => {
    const dir = join(tmp(), 'out');
    expect((await runSweep({ ...base, seeds: 3, shard: null, outDir: dir })).kind).toBe('done');
    const before = FILES.map((f) => readFileSync(join(dir, f), 'utf8'));
    // New figures for the resume to write, then make sweep.html unwritable: the place its temporary
    // file goes is a folder.
    changeFigures(join(dir, 'runs.ndjson'));
    mkdirSync(join(dir, `.sweep.html.${process.pid}.tmp`));
    await expect(runSweep({ ...base, seeds: 3, shard: null, outDir: dir })).rejects.toThrow(/EISDIR|folder/);
    expect(FILES.map((f) => readFileSync(join(dir, f), 'utf8'))).toEqual(before);
  }, 60_000);

  it('refuses, changing nothing, when one of the report names is a folder of yours', async () => {
    const dir = join(tmp(), 'out');
    expect((await runSweep({ ...base, seeds: 2, shard: null, outDir: dir })).kind).toBe('done');
    const json = readFileSync(join(dir, 'sweep.json'), 'utf8');
    rmSync(join(dir, 'sweep.md'));
    mkdirSync(join(dir, 'sweep.md'));
    changeFigures(join(dir, 'runs.ndjson'));
    await expect(runSweep({ ...base, seeds: 2, shard: null, outDir: dir })).rejects.toThrow(
      /sweep\.md is a folder/,
    );
    expect(readFileSync(join(dir, 'sweep.json'), 'utf8')).toBe(json);
  }, 60_000);
});
