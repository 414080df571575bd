// An LLM of the user's own whose shape physics/ does not know can have its shape written out
// (`models[].architecture` as the figures of its config.json): it is then served by the token model
// (continuous batching, KV cache, time to first token) exactly as a named shape with the same figures.
// Without a shape it stays in fixed batches. Bad figures get the loader's file:line:column messages.
import path from 'node:path';
import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { LLM_ARCH, archFromFields, llmArchOf } from '../physics/hardware.js';
import { formatIssue, loadScenarioText } from '../scenario/load.js';
import type { Scenario } from '../scenario/types.js';
import { runScenario } from '../sim/run.js';

function scenarioText(architecture: string | null, type = 'llm'): string {
  const arch = architecture === null ? '' : `, architecture: ${architecture}`;
  return `apiVersion: rollsim/v1
kind: Scenario
metadata: { name: own-llm }
duration: 6m
cluster:
  cloud: aws
  name: c1
  pools: [{ name: l40s, gpu: L40S, gpusPerNode: 4, nodes: 2 }]
deployment:
  name: d
  cloud: aws
  cluster: c1
  model: my-llm
  accelerator: { type: L40S, count: 1 }
  scaling: { minInstances: 2, maxInstances: 2 }
models:
  - { id: my-llm, type: ${type}, weightsGB: 16, memoryGB: 24, loadSeconds: 45, serviceSeconds: 1.2,
      concurrencyPerInstance: 32${arch} }
traffic: { profile: constant, rps: 4 }
`;
}

function load(text: string): Scenario {
  const r = loadScenarioText(text, { file: 'own.yaml', sourcePath: path.join(os.tmpdir(), 'own.yaml') });
  if (!r.ok) throw new Error(r.issues.map(formatIssue).join('\n'));
  return r.scenario;
}

function problems(text: string): string[] {
  const r = loadScenarioText(text, { file: 'own.yaml', sourcePath: path.join(os.tmpdir(), 'own.yaml') });
  return r.ok ? [] : r.issues.map(formatIssue);
}

const EIGHT_B = LLM_ARCH['llama-3.1-8b']!;
const EIGHT_B_FIELDS = `{ paramsB: ${EIGHT_B.paramsB}, layers: ${EIGHT_B.layers}, queryHeads: ${EIGHT_B.queryHeads}, kvHeads: ${EIGHT_B.kvHeads}, precision: bf16, contextTokens: ${EIGHT_B.contextTokens} }`;

describe('a written-out LLM shape', () => {
  it('serves exactly as the named shape with the same figures', () => {
    const named = runScenario(load(scenarioText('llama-3.1-8b'))).result;
    const written = runScenario(load(scenarioText(EIGHT_B_FIELDS))).result;
    expect(JSON.stringify(written)).toBe(JSON.stringify(named));
    expect(written.metrics.ttftMs).not.toBeNull();
  });

  it('takes the token model, where no shape leaves the model in fixed batches', () => {
    const none = runScenario(load(scenarioText(null))).result;
    const small = runScenario(
      load(
        scenarioText(
          '{ paramsB: 3.2, layers: 28, queryHeads: 24, kvHeads: 8, precision: bf16, contextTokens: 8192 }',
        ),
      ),
    ).result;
    expect(none.metrics.ttftMs).toBeNull();
    expect(small.metrics.ttftMs).not.toBeNull();
    // A 3B model reads a fifth of the 8B's weights per step: its requests finish sooner.
    const eight = runScenario(load(scenarioText(EIGHT_B_FIELDS))).result;
    expect(small.metrics.latencyMs.p50).toBeLessThan(eight.metrics.latencyMs.p50);
  });

  it('defaults headDim to 128 and the KV layers to every layer, and names the shape after the model', () => {
    const a = archFromFields('mine', {
      paramsB: 7,
      layers: 30,
      queryHeads: 32,
      kvHeads: 8,
      precision: 'fp8',
      contextTokens: 4096,
    });
    expect(a).toMatchObject({
      id: 'mine',
      headDim: 128,
      kvLayers: 30,
      precision: 'fp8',
      contextTokens: 4096,
    });
    expect(archFromFields('m', { ...a, headDim: 64, kvLayers: 20 })).toMatchObject({
      headDim: 64,
      kvLayers: 20,
    });
    expect(llmArchOf({ type: 'llm', id: 'mine', architecture: 'llama-3.1-8b' })).toBe(EIGHT_B);
    expect(llmArchOf({ type: 'stt', id: 'whisper', architecture: 'llama-3.1-8b' })).toBeUndefined();
    expect(llmArchOf({ type: 'llm', id: 'x', architecture: a })?.id).toBe('x');
  });

  it('reports bad figures at their own field, with what is allowed', () => {
    expect(
      problems(
        scenarioText(
          '{ paramsB: 7, layers: 0, queryHeads: 32, kvHeads: 8, precision: bf8, contextTokens: 4096, hidden: 4096 }',
        ),
      ),
    ).toEqual([
      expect.stringMatching(
        /^own\.yaml:\d+:\d+: models\[0\]\.architecture\.layers: must be at least 1, got 0$/,
      ),
      expect.stringMatching(
        /models\[0\]\.architecture\.precision: expected one of "fp32" \| "bf16" .*got "bf8"$/,
      ),
      expect.stringMatching(
        /models\[0\]\.architecture\.hidden: unknown field "hidden" \(allowed here: paramsB, /,
      ),
    ]);
    expect(problems(scenarioText('llama-3.2-3b'))).toEqual([
      expect.stringMatching(
        /architecture: expected one of "llama-3\.1-8b" .*got "llama-3\.2-3b".* \(it also takes a mapping\)$/,
      ),
    ]);
    expect(problems(scenarioText('42'))).toEqual([
      expect.stringMatching(/architecture: expected one of "llama-3\.1-8b" .* or a mapping, got 42$/),
    ]);
    expect(
      problems(
        scenarioText(
          '{ paramsB: 7, layers: 32, queryHeads: 8, kvHeads: 32, kvLayers: 40, precision: bf16, contextTokens: 4096 }',
        ),
      ),
    ).toEqual([
      expect.stringMatching(/architecture\.kvHeads: must be at most queryHeads \(8\), got 32$/),
      expect.stringMatching(/architecture\.kvLayers: must be at most layers \(32\), got 40$/),
    ]);
    const withContext = (n: number) =>
      problems(
        scenarioText(
          `{ paramsB: 7, layers: 32, queryHeads: 32, kvHeads: 8, precision: bf16, contextTokens: ${n} }`,
        ),
      );
    expect(withContext(1365)).toEqual([
      expect.stringMatching(
        /architecture\.contextTokens: must hold a typical request \(1155 prompt \+ 211 output = 1366 tokens.*got 1365$/,
      ),
    ]);
    expect(withContext(1366)).toEqual([]);
    expect(problems(scenarioText('llama-3.1-8b', 'stt'))).toEqual([
      expect.stringMatching(
        /models\[0\]\.architecture: applies to LLMs only \(type llm\); a speech-to-text \(stt\) model serves/,
      ),
    ]);
    // "a image model" before the types had their phrases.
    expect(problems(scenarioText('llama-3.1-8b', 'image'))).toEqual([
      expect.stringMatching(/applies to LLMs only \(type llm\); an image model serves in fixed batches/),
    ]);
  });
});
