// Proves the loader turns valid YAML or JSON into a Scenario with every default explicit and every
// duration in integer milliseconds, and that the committed schema.json matches the zod schema.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_ROLLOUT_OPTIONS } from '../engine/types.js';
import { SCHEMA_JSON_PATH, schemaJsonText } from '../tools/gen-schema.js';
import { formatIssue, loadScenarioFile, loadScenarioText, type LoadResult } from '../scenario/load.js';
import { formatScenarioDurationMs, parseDurationMs } from '../scenario/schema.js';
import type { Scenario } from '../scenario/types.js';

const ROOT = path.join(import.meta.dirname, '..');
const DEFAULT_SCENARIO = path.join(ROOT, 'library', 'default.yaml');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rollsim-loader-ok-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const MINIMAL = `apiVersion: rollsim/v1
kind: Scenario
metadata: { name: minimal }
duration: 1h
cluster:
  cloud: aws
  name: c1
  pools: [{ name: h100, gpu: H100, gpusPerNode: 8, nodes: 2 }]
deployment:
  name: d
  cloud: aws
  cluster: c1
  model: llama-3.1-8b
  accelerator: { type: H100, count: 1 }
  scaling: { minInstances: 1, maxInstances: 4 }
traffic: { profile: constant, rps: 5 }
`;

function load(text: string, name = 'inline.yaml'): LoadResult {
  return loadScenarioText(text, { file: name, sourcePath: path.join(tmp, name) });
}

function scenarioOf(result: LoadResult): Scenario {
  if (!result.ok) throw new Error(result.issues.map(formatIssue).join('\n'));
  return result.scenario;
}

/** Paths of every undefined value in a plain object tree. */
function undefinedPaths(value: unknown, at = ''): string[] {
  if (value === undefined) return [at];
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([k, v]) => undefinedPaths(v, `${at}.${k}`));
}

describe('durations', () => {
  it.each([
    ['250ms', 250],
    ['90s', 90_000],
    ['15m', 900_000],
    ['2h', 7_200_000],
    ['1h30m', 5_400_000],
    ['7d', 604_800_000],
    ['3d10h', 295_200_000],
    ['1.5s', 1_500],
    [90, 90_000],
    [0.25, 250],
    [0, 0],
  ] as const)('%s is %d ms', (input, ms) => {
    expect(parseDurationMs(input)).toBe(ms);
  });

  it.each(['10 minutes', '15', 'm', 'd', '1w', '-5s', '', '1h 30m', '1 d'])('rejects %j', (input) => {
    expect(parseDurationMs(input)).toBeNull();
  });

  it('rejects negative and non-finite seconds', () => {
    expect(parseDurationMs(-1)).toBeNull();
    expect(parseDurationMs(Number.NaN)).toBeNull();
    expect(parseDurationMs(Infinity)).toBeNull();
  });

  it('rejects durations that do not resolve to whole milliseconds', () => {
    const result = load(MINIMAL.replace('duration: 1h', 'duration: 0.0005'));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.issues[0]?.message).toMatch(/whole milliseconds/);
  });

  it('formats for people', () => {
    expect([0, 250, 90_000, 7_200_000, 4_805_000].map(formatScenarioDurationMs)).toEqual([
      '0s',
      '250ms',
      '1m30s',
      '2h',
      '1h20m5s',
    ]);
  });
});

describe('a minimal scenario', () => {
  const s = scenarioOf(load(MINIMAL));

  it('has every default explicit', () => {
    expect(undefinedPaths(s)).toEqual([]);
    expect(s.seed).toBe(1);
    expect(s.metadata.description).toBe('');
    expect(s.rollout).toEqual(DEFAULT_ROLLOUT_OPTIONS);
    expect(s.autoscaler).toEqual({ intervalMs: 15_000, tolerance: 0.1, scaleDownStabilizationMs: 300_000 });
    expect(s.traffic).toEqual({ profile: 'constant', rps: 5, timeoutMs: 30_000 });
    expect(s.sampleIntervalMs).toBe(10_000);
    expect(s.cluster.pools[0]).toEqual({
      name: 'h100',
      gpu: 'H100',
      gpusPerNode: 8,
      nodes: 2,
      maxNodes: 2,
      nodeProvisioningMs: 240_000,
      coldStart: {
        storage: 'network-volume',
        weightsGBps: null,
        imageSource: 'registry',
        imageGBps: null,
        imageCached: false,
        compileCacheWarm: false,
      },
    });
    expect(s.cluster.tenants).toEqual([]);
    expect(s.deployment).toMatchObject({
      processingType: 'sync',
      status: 'deployed',
      warmpool: false,
      tags: {},
    });
    expect(s.deployment.scaling.metrics).toEqual([]);
    expect(s.events).toEqual([]);
    expect(s.models).toEqual([]);
    expect(s.expect).toBeNull();
    expect(s.sourcePath).toBe(path.join(tmp, 'inline.yaml'));
  });
});

describe('every section', () => {
  const FULL = `${MINIMAL.replace('traffic: { profile: constant, rps: 5 }\n', '')}seed: 7
sampleInterval: 5s
rollout:
  maxSurge: 25%
  maxUnavailable: 1
  loadTimeout: 20m
  minReady: 30s
  healthCheck: { period: 5s, failureThreshold: 5 }
  podReplacementPolicy: TerminationStarted
autoscaler: { interval: 30s }
traffic:
  profile: steps
  steps: [{ at: 0s, rps: 5 }, { at: 10m, rps: 50 }]
  timeout: 1m
models:
  - { id: my-llm, type: llm, weightsGB: 16, memoryGB: 24, loadSeconds: 45, serviceSeconds: 1.2, concurrencyPerInstance: 32 }
events:
  - at: 30m
    fault: { kind: nodeFailure, pool: h100 }
  - at: 20m
    edit: { model: my-llm, tags: { team: null, env: prod } }
  - at: 40m
    fault: { kind: badVersion, model: my-llm, mode: slowLoad }
  - at: 50m
    rollback: true
expect:
  edits: [{ outcome: completed }, { outcome: rejected, errors: [MANUAL_ROLLBACK_UNSUPPORTED] }]
  maxDowntime: 30s
  final: { model: my-llm, tags: { team: null } }
`;
  const s = scenarioOf(load(FULL));

  it('parses durations once, to integer milliseconds', () => {
    expect(s.rollout).toMatchObject({
      maxSurge: '25%',
      maxUnavailable: 1,
      loadTimeoutMs: 1_200_000,
      minReadyMs: 30_000,
    });
    expect(s.rollout.healthCheck).toEqual({
      ...DEFAULT_ROLLOUT_OPTIONS.healthCheck,
      periodMs: 5_000,
      failureThreshold: 5,
    });
    expect(s.rollout.podReplacementPolicy).toBe('TerminationStarted');
    expect(s.traffic).toEqual({
      profile: 'steps',
      steps: [
        { atMs: 0, rps: 5 },
        { atMs: 600_000, rps: 50 },
      ],
      timeoutMs: 60_000,
    });
    expect(s.sampleIntervalMs).toBe(5_000);
    expect(s.expect).toEqual({
      edits: [{ outcome: 'completed' }, { outcome: 'rejected', errors: ['MANUAL_ROLLBACK_UNSUPPORTED'] }],
      maxDowntimeMs: 30_000,
      final: { model: 'my-llm', tags: { team: null } },
    });
  });

  it('orders events by time and fills fault defaults', () => {
    expect(s.events.map((e) => [e.atMs, e.action])).toEqual([
      [1_200_000, 'edit'],
      [1_800_000, 'fault'],
      [2_400_000, 'fault'],
      [3_000_000, 'rollback'],
    ]);
    expect(s.events[0]).toEqual({
      atMs: 1_200_000,
      action: 'edit',
      edit: { model: 'my-llm', tags: { team: null, env: 'prod' } },
    });
    expect(s.events[1]).toMatchObject({
      fault: { kind: 'nodeFailure', pool: 'h100', count: 1, repairMs: null },
    });
    expect(s.events[2]).toMatchObject({
      fault: { kind: 'badVersion', mode: 'slowLoad', slowdown: 10, crashAfterMs: 300_000 },
    });
  });

  it('completes scenario models into catalog records', () => {
    expect(s.models[0]).toEqual({
      id: 'my-llm',
      type: 'llm',
      weightsGB: 16,
      memoryGB: 24,
      imageGB: 20,
      loadSeconds: 45,
      serviceSeconds: 1.2,
      concurrencyPerInstance: 32,
      reference: { gpu: 'H100', count: 1 },
      source: 'scenario file inline.yaml',
    });
  });
});

describe('YAML anchors', () => {
  it('merge keys (<<: *anchor) reuse a mapping', () => {
    const text = MINIMAL.replace(
      'scaling: { minInstances: 1, maxInstances: 4 }',
      'scaling: &scaling { minInstances: 1, maxInstances: 4 }',
    ).concat('events:\n  - at: 10m\n    edit: { scaling: { <<: *scaling, maxInstances: 6 } }\n');
    const s = scenarioOf(load(text));
    expect(s.events[0]).toEqual({
      atMs: 600_000,
      action: 'edit',
      edit: { scaling: { minInstances: 1, maxInstances: 6 } },
    });
  });
});

describe('JSON scenarios', () => {
  it('load to the same scenario as the YAML they mirror', () => {
    const fromYaml = scenarioOf(load(MINIMAL));
    const asJson = JSON.stringify(parseYaml(MINIMAL));
    const fromJson = scenarioOf(load(asJson, 'inline.json'));
    expect({ ...fromJson, sourcePath: '' }).toEqual({ ...fromYaml, sourcePath: '' });
  });
});

describe('trace traffic', () => {
  const traceScenario = (file: string, extra = ''): string =>
    MINIMAL.replace(
      'traffic: { profile: constant, rps: 5 }',
      `traffic:\n  profile: trace\n  trace:\n    file: ${file}\n    timeColumn: TIMESTAMP\n    timeUnit: datetime\n${extra}`,
    );

  it('resolves the file relative to the scenario and checks its header', () => {
    fs.mkdirSync(path.join(tmp, 'traces'), { recursive: true });
    fs.writeFileSync(
      path.join(tmp, 'traces', 't.csv'),
      'TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:46.6805900,374,44\n',
    );
    const s = scenarioOf(load(traceScenario('traces/t.csv', '    inputTokensColumn: ContextTokens\n')));
    expect(s.traffic).toEqual({
      profile: 'trace',
      trace: {
        file: path.join(tmp, 'traces', 't.csv'),
        format: 'csv',
        timeColumn: 'TIMESTAMP',
        timeUnit: 'datetime',
        inputTokensColumn: 'ContextTokens',
        outputTokensColumn: null,
        speedup: 1,
      },
      timeoutMs: 30_000,
    });
  });

  it('rejects a bad value in any row, as the simulator would read it', () => {
    const rows = Array.from(
      { length: 50 },
      (_, i) => `2023-11-16 18:15:${String(i).padStart(2, '0')}.0,${i === 40 ? 'x' : 1}`,
    );
    fs.writeFileSync(path.join(tmp, 'late-bad.csv'), `TIMESTAMP,ContextTokens\n${rows.join('\n')}\n`);
    const result = load(traceScenario('late-bad.csv', '    inputTokensColumn: ContextTokens\n'));
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.issues).toHaveLength(1);
      expect(result.issues[0]).toMatchObject({
        path: 'traffic.trace.file',
        message: expect.stringMatching(/data row 41: "x" in column ContextTokens/) as unknown,
      });
    }
  });

  it("rejects rows past the served model's context, as vLLM would answer them 400", () => {
    const header = 'TIMESTAMP,ContextTokens,GeneratedTokens\n';
    const row = (s: number, input: number, output: number): string =>
      `2023-11-16 18:15:${String(s).padStart(2, '0')}.0,${input},${output}`;
    const columns = '    inputTokensColumn: ContextTokens\n    outputTokensColumn: GeneratedTokens\n';
    // Llama 3.1's context is 131,072 positions: exactly that is served, one more is refused.
    fs.writeFileSync(
      path.join(tmp, 'at-context.csv'),
      `${header}${row(1, 374, 44)}\n${row(2, 131_000, 72)}\n`,
    );
    expect(load(traceScenario('at-context.csv', columns)).ok).toBe(true);
    fs.writeFileSync(
      path.join(tmp, 'past-context.csv'),
      `${header}${row(1, 374, 44)}\n${row(2, 131_000, 73)}\n${row(3, 200_000, 10)}\n`,
    );
    const result = load(traceScenario('past-context.csv', columns));
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.issues).toHaveLength(1);
      expect(result.issues[0]).toMatchObject({
        path: 'traffic.trace.file',
        message: expect.stringMatching(
          /2 rows ask for more tokens \(prompt and output together, the longest 200,010\) than the 131,072-token context of llama-3\.1-8b, which vLLM refuses/,
        ) as unknown,
      });
    }
    // Without an output column the prompt alone is held against the context.
    const promptOnly = load(traceScenario('past-context.csv', '    inputTokensColumn: ContextTokens\n'));
    expect(promptOnly.ok).toBe(false);
    if (!promptOnly.ok) expect(promptOnly.issues[0]?.message).toMatch(/1 row asks .* the longest 200,000\)/);
  });

  it('rejects a first row whose time does not parse', () => {
    fs.writeFileSync(path.join(tmp, 'bad-time.csv'), 'TIMESTAMP,x\nyesterday,1\n');
    const result = load(traceScenario('bad-time.csv'));
    expect(result.ok).toBe(false);
    if (!result.ok)
      expect(result.issues[0]?.message).toMatch(/row 1: TIMESTAMP "yesterday" is not a date-time/);
  });
});

describe('the built-in default scenario', () => {
  it('loads, declares its schema, and has a description and expectations', () => {
    const text = fs.readFileSync(DEFAULT_SCENARIO, 'utf8');
    expect(text.startsWith('# yaml-language-server: $schema=./schema.json\n')).toBe(true);
    const s = scenarioOf(loadScenarioFile(DEFAULT_SCENARIO));
    expect(s.metadata.description.length).toBeGreaterThan(50);
    expect(s.deployment).toMatchObject({ model: 'llama-3.1-8b', accelerator: { type: 'H100', count: 1 } });
    expect(s.events).toMatchObject([
      { action: 'edit', edit: { model: 'llama-3.1-70b', accelerator: { type: 'H100', count: 4 } } },
    ]);
    expect(s.expect?.edits).toEqual([{ outcome: 'completed' }]);
  });
});

describe('library/schema.json', () => {
  it('is what the zod schema generates (run `npm run schema` after changing scenario/schema.ts)', () => {
    expect(fs.readFileSync(SCHEMA_JSON_PATH, 'utf8')).toBe(schemaJsonText());
  });

  it('describes the file format for editors', () => {
    const schema = JSON.parse(schemaJsonText()) as {
      $schema: string;
      required: string[];
      additionalProperties: boolean;
      properties: Record<string, unknown>;
    };
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
    expect(schema.required).toEqual([
      'apiVersion',
      'kind',
      'metadata',
      'duration',
      'cluster',
      'deployment',
      'traffic',
    ]);
    expect(schema.additionalProperties).toBe(false);
    expect(JSON.stringify(schema.properties.duration)).toContain('(?:ms|s|m|h|d)');
  });
});

describe('cold-start settings', () => {
  it('layers defaults, the cluster fields and each pool override, field by field', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'rollsim-cs-')), 's.yaml');
    fs.writeFileSync(
      file,
      [
        'apiVersion: rollsim/v1',
        'kind: Scenario',
        'metadata: { name: cs }',
        'duration: 1h',
        'cluster:',
        '  cloud: aws',
        '  name: c',
        '  coldStart: { storage: object-store-streamer, compileCacheWarm: true }',
        '  pools:',
        '    - { name: a, gpu: H100, gpusPerNode: 8, nodes: 2 }',
        '    - { name: b, gpu: H100, gpusPerNode: 8, nodes: 2, coldStart: { storage: node-local, weightsGBps: 4, imageCached: true } }',
        'deployment:',
        '  { name: d, cloud: aws, cluster: c, model: llama-3.1-8b, accelerator: { type: H100, count: 1 },',
        '    scaling: { minInstances: 1, maxInstances: 1 } }',
        'traffic: { profile: constant, rps: 1 }',
        '',
      ].join('\n'),
    );
    const loaded = loadScenarioFile(file);
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.issues));
    const [a, b] = loaded.scenario.cluster.pools;
    expect(a!.coldStart).toMatchObject({
      storage: 'object-store-streamer',
      compileCacheWarm: true,
      imageCached: false,
    });
    expect(b!.coldStart).toMatchObject({
      storage: 'node-local',
      weightsGBps: 4,
      imageCached: true,
      compileCacheWarm: true,
    });
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('object-store-streamer', 'floppy'));
    const bad = loadScenarioFile(file);
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.issues.map((i) => i.message).join('\n')).toMatch(/node-local/);
  });
});
