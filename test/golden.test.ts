// Proves determinism against a committed golden file: the default scenario's result.json is byte-identical
// to docs/example/result.json (regenerate with `npm run example` when a change is meant to move it).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../cli/cli.js';

const root = resolve(import.meta.dirname, '..');

describe('golden result', () => {
  it('rollsim run --json on the default scenario prints exactly docs/example/result.json', async () => {
    const out: string[] = [];
    const io = { stdout: (t: string) => void out.push(t), stderr: () => undefined, cwd: root };
    expect(await main(['run', '--json'], io)).toBe(0);
    const golden = readFileSync(join(root, 'docs/example/result.json'), 'utf8');
    const printed = out.join('');
    expect(printed.length).toBeGreaterThan(1000);
    expect(
      printed === golden,
      'result.json drifted from docs/example/result.json; run `npm run example` if intended',
    ).toBe(true);
  });

  it('the example report.html and summary.md are what rollsim run writes today (no stale example)', async () => {
    // The example folder is what a reader opens first; a report change that forgot `npm run example` left
    // it showing the old page. PNGs are left out: their pixels depend on the machine's fonts.
    const dir = mkdtempSync(join(tmpdir(), 'rollsim-golden-'));
    try {
      const io = { stdout: () => undefined, stderr: () => undefined, cwd: root };
      expect(await main(['run', '--out', join(dir, 'out')], io)).toBe(0);
      for (const file of ['report.html', 'summary.md', 'result.json']) {
        const fresh = readFileSync(join(dir, 'out', file), 'utf8');
        const committed = readFileSync(join(root, 'docs/example', file), 'utf8');
        expect(fresh === committed, `docs/example/${file} is stale; run \`npm run example\``).toBe(true);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
