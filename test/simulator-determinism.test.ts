// Proves a run is a pure function of scenario and seed, and that a fault does not reshuffle the traffic.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadScenarioFile } from '../scenario/load.js';
import { makePool, makeScenario } from './support/fixtures.js';
import { runScenario } from '../sim/run.js';
import type { Scenario, ScenarioEvent } from '../scenario/types.js';

/** A busy scenario touching most of the simulator: diurnal load, tenants, faults, an edit, a squeeze. */
function busyScenario(extra: readonly ScenarioEvent[] = []): Scenario {
  return makeScenario({
    durationMs: 90 * 60_000,
    cluster: {
      cloud: 'aws',
      name: 'us-east-1-gpu',
      pools: [makePool({ nodes: 4, maxNodes: 6, nodeProvisioningMs: 5 * 60_000 })],
      tenants: [
        {
          pool: 'h100',
          gpus: [
            { atMs: 0, count: 8 },
            { atMs: 30 * 60_000, count: 12 },
          ],
        },
      ],
    },
    traffic: {
      profile: 'diurnal',
      baseRps: 5,
      peakRps: 40,
      peakAtMs: 45 * 60_000,
      periodMs: 90 * 60_000,
      timeoutMs: 30_000,
    },
    events: [
      {
        atMs: 10 * 60_000,
        action: 'fault',
        fault: { kind: 'flakyHealth', probability: 0.2, forMs: 10 * 60_000 },
      },
      {
        atMs: 20 * 60_000,
        action: 'edit',
        edit: { model: 'llama-3.1-70b-fp8', accelerator: { type: 'H100', count: 2 } },
      },
      {
        atMs: 40 * 60_000,
        action: 'fault',
        fault: { kind: 'nodeFailure', pool: 'h100', count: 1, repairMs: 10 * 60_000, target: 'random' },
      },
      {
        atMs: 60 * 60_000,
        action: 'fault',
        fault: { kind: 'capacitySqueeze', pool: 'h100', count: 4, forMs: 5 * 60_000 },
      },
      ...extra,
    ],
  });
}

describe('determinism', () => {
  it('gives byte-identical results and traces for the same scenario and seed', () => {
    const a = runScenario(busyScenario(), { seed: 7, trace: true, checkInvariants: true });
    const b = runScenario(busyScenario(), { seed: 7, trace: true });
    expect(JSON.stringify(b.result)).toBe(JSON.stringify(a.result));
    expect(JSON.stringify(b.trace)).toBe(JSON.stringify(a.trace));
    expect(a.result.seed).toBe(7);
    expect(a.result.edits.length).toBe(1);
    expect(a.result.timeline.length).toBe(540);
  });

  it('changes with the seed, and uses the scenario seed by default', () => {
    const scenario = busyScenario();
    const byDefault = runScenario(scenario).result;
    expect(byDefault.seed).toBe(scenario.seed);
    expect(JSON.stringify(runScenario(scenario, { seed: scenario.seed }).result)).toBe(
      JSON.stringify(byDefault),
    );
    const other = runScenario(scenario, { seed: scenario.seed + 1 }).result;
    expect(JSON.stringify(other)).not.toBe(JSON.stringify(byDefault));
    expect(other.metrics.requests.offered).not.toBe(byDefault.metrics.requests.offered);
  });

  it('keeps the traffic when a fault is added (independent random streams)', () => {
    const gpuFailure: ScenarioEvent = {
      atMs: 5 * 60_000,
      action: 'fault',
      fault: { kind: 'gpuFailure', pool: 'h100', count: 3, repairMs: null },
    };
    const plain = runScenario(busyScenario(), { seed: 3 }).result;
    const faulted = runScenario(busyScenario([gpuFailure]), { seed: 3 }).result;
    expect(faulted.metrics.requests.offered).toBe(plain.metrics.requests.offered);
    expect(faulted.timeline.map((s) => s.offeredRps)).toEqual(plain.timeline.map((s) => s.offeredRps));
    expect(JSON.stringify(faulted.markers)).not.toBe(JSON.stringify(plain.markers));
  });
});

describe('determinism within one process', () => {
  it('gives each scenario the same result whatever ran before it in the process', () => {
    // `rollsim check` of a folder, a sweep worker and a program using the API run many scenarios in one
    // process: no state may carry from one run to the next (a capacity cached by model id did, for a
    // scenario giving a catalog id another shape). Here the library runs after this file's other tests,
    // in order; a fresh process runs it in reverse, the catalog-id override first.
    const root = path.join(import.meta.dirname, '..');
    const files = [
      ...fs
        .readdirSync(path.join(root, 'library'))
        .filter((f) => f.endsWith('.yaml'))
        .sort()
        .map((f) => path.join(root, 'library', f)),
      path.join(root, 'test', 'fixtures', 'determinism', 'override-catalog-id.yaml'),
    ];
    const here = files.map((f) => {
      const loaded = loadScenarioFile(f);
      if (!loaded.ok) throw new Error(`${f}: ${loaded.issues[0]?.message}`);
      return createHash('sha256')
        .update(JSON.stringify(runScenario(loaded.scenario).result))
        .digest('hex');
    });
    const tsx = pathToFileURL(path.join(root, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
    const child = spawnSync(
      process.execPath,
      ['--import', tsx, path.join(root, 'test', 'support', 'result-hashes.ts'), ...[...files].reverse()],
      { encoding: 'utf8', timeout: 120_000 },
    );
    expect(child.status, child.stderr).toBe(0);
    const fresh = (JSON.parse(child.stdout) as string[]).reverse();
    for (const [i, f] of files.entries()) expect(here[i], path.basename(f)).toBe(fresh[i]);
  }, 120_000);
});
