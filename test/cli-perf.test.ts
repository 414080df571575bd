// Proves `rollsim perf`: the JSON shape, that it runs the simulator's own serving objects (same
// figures as a direct closed loop on sim/performance.ts's batch), determinism, latency rising with load,
// null token figures for models without tokens, and exit 2 with the validator's message on bad input.
import { describe, expect, it } from 'vitest';
import { main } from '../cli/cli.js';
import { BUILTIN_CATALOG } from '../catalog/catalog.js';
import { closedLoopLlm } from '../physics/closed-loop.js';
import { servingOf } from '../sim/performance.js';

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    cwd: process.cwd(),
  });
  return { code, stdout, stderr };
}

interface Row {
  concurrency: number;
  ttftMs: number | null;
  itlMs: number | null;
  e2eMs: number;
  outputTokPerSec: number | null;
  requestsPerSec: number;
}

describe('rollsim perf', () => {
  it('prints the issue JSON shape for an LLM, from the same serving objects the simulator uses', async () => {
    const args = ['perf', 'llama-3.1-70b-fp8', 'H100x2', '--input', '5000', '--output', '500'];
    const out = await cli([...args, '--concurrency', '1,5,25', '--json']);
    expect(out.code).toBe(0);
    const r = JSON.parse(out.stdout) as Record<string, unknown> & { rows: Row[] };
    expect(Object.keys(r)).toEqual(
      expect.arrayContaining([
        'model',
        'accelerator',
        'inputTokens',
        'outputTokens',
        'maxConcurrency',
        'coldStart',
        'rows',
      ]),
    );
    expect(r.model).toBe('llama-3.1-70b-fp8');
    expect(r.accelerator).toEqual({ type: 'H100', count: 2 });
    expect([r.inputTokens, r.outputTokens]).toEqual([5000, 500]);
    const cold = r.coldStart as Record<string, number>;
    expect(cold.totalMs).toBe(cold.imagePullMs! + cold.weightsMs! + cold.engineStartMs!);
    expect(cold.imagePullMs).toBeGreaterThan(0); // defaults: image not cached
    expect(r.rows.map((x) => x.concurrency)).toEqual([1, 5, 25]);
    for (const row of r.rows) {
      expect(Object.keys(row).sort()).toEqual(
        ['concurrency', 'e2eMs', 'itlMs', 'outputTokPerSec', 'requestsPerSec', 'ttftMs'].sort(),
      );
    }
    // The same figures as the simulator's own serving model run directly.
    const c = BUILTIN_CATALOG;
    const s = servingOf(c.models['llama-3.1-70b-fp8']!, c.gpus.H100!, 2, c.gpus.H100!);
    if (!s.ok || s.serving.kind !== 'llm') throw new Error('expected a token model');
    const direct = closedLoopLlm(s.serving.perf, { concurrency: 5, inputTokens: 5000, outputTokens: 500 });
    expect(r.rows[1]!.ttftMs).toBeCloseTo(direct.ttftMs!, 2);
    expect(r.rows[1]!.itlMs).toBeCloseTo(direct.itlMs!, 2);
    // Deterministic: the same command prints the same bytes.
    const again = await cli([...args, '--concurrency', '1,5,25', '--json']);
    expect(again.stdout).toBe(out.stdout);
  });

  it('shows inter-token latency rising smoothly with load for 8B on one H100 (c=32 > 1.5× c=1)', async () => {
    const out = await cli(['perf', 'llama-3.1-8b', 'H100x1', '--concurrency', '1,2,4,8,16,32', '--json']);
    const rows = (JSON.parse(out.stdout) as { rows: Row[] }).rows;
    const itl = rows.map((r) => r.itlMs!);
    expect(itl[5]! / itl[0]!).toBeGreaterThan(1.5);
    for (let k = 1; k < itl.length; k++) {
      expect(itl[k]!).toBeGreaterThanOrEqual(itl[k - 1]! * 0.99);
      expect(itl[k]! / itl[k - 1]!).toBeLessThan(1.5); // no cliff below the KV bound
    }
  });

  it('gives null token figures for a model without tokens and says --input/--output do not apply', async () => {
    const out = await cli(['perf', 'whisper-large-v3', 'L4x1', '--input', '100', '--json']);
    expect(out.code).toBe(0);
    const r = JSON.parse(out.stdout) as { inputTokens: null; rows: Row[] };
    expect(r.inputTokens).toBeNull();
    for (const row of r.rows) {
      expect(row.ttftMs).toBeNull();
      expect(row.itlMs).toBeNull();
      expect(row.e2eMs).toBeGreaterThan(0);
      expect(row.requestsPerSec).toBeGreaterThan(0);
    }
    expect(out.stderr).toMatch(/--input\/--output do not apply/);
    const table = await cli(['perf', 'whisper-large-v3', 'L4x1']);
    expect(table.stdout).toMatch(/concurrency +TTFT ms/);
    expect(table.stdout).not.toMatch(/do not apply/);
  });

  it('exits 2 naming what is missing when the accelerator is not given', async () => {
    // It said: ACCELERATOR must be TYPExCOUNT such as H100x2, got "undefined".
    for (const args of [
      ['perf', 'llama-3.1-8b'],
      ['perf', '--model', 'llama-3.1-8b'],
    ]) {
      const r = await cli(args);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('perf needs an ACCELERATOR: TYPExCOUNT such as H100x2');
      expect(r.stderr).not.toContain('undefined');
    }
  });

  it('exits 2 with the validator message for an unknown model or an accelerator the model does not fit', async () => {
    const unknown = await cli(['perf', 'no-such-model', 'H100x1']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown model "no-such-model"; known models:/);
    const mistyped = await cli(['perf', 'llama-3.1-8b', 'A100x1']);
    expect(mistyped.code).toBe(2);
    expect(mistyped.stderr).toMatch(
      /unknown GPU type "A100"; known GPUs: .*; did you mean "A100-40GB" or "A100-80GB"\?/,
    );
    const tooSmall = await cli(['perf', 'llama-3.1-70b', 'L4x1']);
    expect(tooSmall.code).toBe(2);
    expect(tooSmall.stderr).toMatch(/needs .* GB .* but 1×L4 offers .* accelerators that fit/);
    expect(tooSmall.stdout).toBe('');
    // A request longer than the KV cache holds is refused by vLLM; perf does not describe it.
    const tooLong = await cli(['perf', 'llama-3.1-8b', 'L4x1', '--input', '100000']);
    expect(tooLong.code).toBe(2);
    expect(tooLong.stderr).toMatch(
      /100,000 input \+ 211 output tokens do not fit in the KV cache of llama-3\.1-8b on 1×L4 \([\d,]+ tokens\)/,
    );
    expect(tooLong.stdout).toBe('');
    // Past the model's context (Llama 3.1: 131,072 positions) vLLM answers 400 whatever the cache holds:
    // an H100's cache takes 200,000 tokens of 8B, the model does not.
    const pastContext = await cli(['perf', 'llama-3.1-8b', 'H100x1', '--input', '131000', '--output', '73']);
    expect(pastContext.code).toBe(2);
    expect(pastContext.stderr).toMatch(
      /131,000 input \+ 73 output tokens exceed the context of llama-3\.1-8b \(131,072 tokens, prompt and output together\)/,
    );
    expect(pastContext.stdout).toBe('');
    const atContext = await cli([
      'perf',
      'llama-3.1-8b',
      'H100x1',
      '--input',
      '131000',
      '--output',
      '72',
      '--concurrency',
      '1',
      '--json',
    ]);
    expect(atContext.code).toBe(0);
    expect((JSON.parse(atContext.stdout) as { rows: unknown[] }).rows).toHaveLength(1);
    const badCount = await cli(['perf', 'llama-3.1-8b', 'H100x3']);
    expect(badCount.code).toBe(2);
    const badFlag = await cli(['perf', 'llama-3.1-8b', 'H100x1', '--concurrency', '0']);
    expect(badFlag.code).toBe(2);
    expect(badFlag.stderr).toMatch(/--concurrency must be a whole number/);
  });
});
