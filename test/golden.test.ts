// Proves determinism against a committed golden file: the default scenario's result.json is byte-identical
// to docs/example/result.json (regenerate with `npm run example` when a change is meant to move it).
import { readFileSync } from 'node:fs';
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
});
