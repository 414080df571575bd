// Issue 15, point 9: one pass reports every problem of a file (schema, meaning and catalog together),
// and the starting deployment is held to the same accelerator-count rule as an edit.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatIssue, loadScenarioText } from '../scenario/load.js';

const ROOT = path.join(import.meta.dirname, '..');

const BASE = `apiVersion: rollsim/v1
kind: Scenario
metadata: { name: multi }
duration: 30m
cluster:
  cloud: aws
  name: c
  pools:
    - { name: h100, gpu: H100, gpusPerNode: 8, nodes: 2 }
deployment:
  name: d
  cloud: aws
  cluster: c
  model: llama-3.1-8b
  accelerator: { type: H100, count: 1 }
  scaling: { minInstances: 1, maxInstances: 2 }
traffic: { profile: constant, rps: 5 }
events:
  - at: 10m
    edit: { scaling: { maxInstances: 3 } }
expect:
  edits:
    - { outcome: completed }
`;

function problems(text: string): string[] {
  const loaded = loadScenarioText(text, { file: 'multi.yaml', sourcePath: path.join(ROOT, 'multi.yaml') });
  return loaded.ok ? [] : loaded.issues.map(formatIssue);
}

describe('validation in one pass', () => {
  it('the base file is valid', () => {
    expect(problems(BASE)).toEqual([]);
  });

  it('reports a schema typo, an unknown model and a late event together', () => {
    const text = BASE.replace('model: llama-3.1-8b', 'model: llama-3.1-8bb')
      .replace('- at: 10m', '- at: 45m')
      .replace('{ outcome: completed }', '{ outcom: completed }');
    const found = problems(text);
    expect(found.some((p) => /expect\.edits\[0\]\.outcom: unknown field "outcom"/.test(p))).toBe(true);
    expect(found.some((p) => /deployment\.model: unknown model "llama-3\.1-8bb"/.test(p))).toBe(true);
    expect(found.some((p) => /events\[0\]\.at: 45m is not before the end of the run/.test(p))).toBe(true);
  });

  it('reports a catalog problem next to a schema problem in another section', () => {
    const text = BASE.replace('model: llama-3.1-8b', 'model: llama-3.1-70b').replace('rps: 5', 'rps: -5');
    const found = problems(text);
    expect(found.some((p) => p.includes('traffic.rps'))).toBe(true);
    expect(found.some((p) => /deployment\.accelerator: llama-3\.1-70b needs/.test(p))).toBe(true);
  });
});

describe('accelerator count', () => {
  it('refuses 3 GPUs per instance for the starting deployment, as it does for an edit', () => {
    const found = problems(
      BASE.replace('accelerator: { type: H100, count: 1 }', 'accelerator: { type: H100, count: 3 }'),
    );
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(
      /deployment\.accelerator\.count: GPUs per instance must be one of 1, 2, 4, 8 \(tensor-parallel sizes within one node\); got 3/,
    );
  });
});
