// result.json is written in pieces (reports/write.ts resultJsonChunks) so a long run's 160 MB of text
// never sits in memory whole; the pieces must join to exactly JSON.stringify(result, null, 2) + '\n'.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadScenarioFile } from '../scenario/load.js';
import { runScenario } from '../sim/run.js';
import { resultJsonChunks } from '../reports/write.js';

const root = resolve(import.meta.dirname, '..');
const joined = (value: object): string => [...resultJsonChunks(value)].join('');
const expected = (value: object): string => `${JSON.stringify(value, null, 2)}\n`;

describe('result.json in pieces', () => {
  it('equals JSON.stringify for a real run, and gives a long timeline in more than one piece', () => {
    const loaded = loadScenarioFile(join(root, 'test/fixtures/sweep/tiny.yaml'));
    if (!loaded.ok) throw new Error('tiny.yaml does not load');
    const { result } = runScenario({ ...loaded.scenario, sampleIntervalMs: 100 }, { seed: 3 });
    expect(result.timeline.length).toBeGreaterThan(5000);
    const pieces = [...resultJsonChunks(result)];
    expect(pieces.join('')).toBe(expected(result));
    expect(pieces.length).toBeGreaterThan(10);
    expect(Math.max(...pieces.map((p) => p.length))).toBeLessThan(2 * 1024 * 1024);
  });

  it('equals JSON.stringify for the stored fixture results', () => {
    for (const name of ['swap-completed.json']) {
      const value = JSON.parse(readFileSync(join(root, 'test/fixtures/results', name), 'utf8')) as object;
      expect(joined(value), name).toBe(expected(value));
    }
  });

  it('equals JSON.stringify for any JSON object, with undefined fields and empty lists', () => {
    const field = fc.oneof(
      fc.jsonValue(),
      fc.constant(undefined),
      fc.array(fc.oneof(fc.jsonValue(), fc.constant(undefined))),
    );
    fc.assert(
      fc.property(fc.dictionary(fc.string(), field), (value) => {
        expect(joined(value)).toBe(expected(value));
      }),
      { numRuns: 500 },
    );
  });
});
