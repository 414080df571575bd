// Proves the published package works for a user: `npm pack` (which builds dist/ through `prepare`)
// ships dist/, the schema, the scenario library and its traces, README and licence, and no tests,
// benchmarks or tools; the tarball installs into an empty project with no network; README's "Use it
// from code" example type-checks under strict against the installed declarations and passes under
// vitest; `import 'rollsim'` offers exactly the API's exports; deep imports are refused; and the
// installed command line finds its built-in scenario from any folder.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as api from '../api/index.js';

const ROOT = path.join(import.meta.dirname, '..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rollsim-package-'));
const project = path.join(tmp, 'project');
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

interface PackEntry {
  readonly filename: string;
  readonly size: number;
  readonly files: readonly { readonly path: string }[];
}

function run(command: string, args: readonly string[], cwd: string): string {
  try {
    return execFileSync(command, args, { cwd, encoding: 'utf8', maxBuffer: 64 << 20, stdio: 'pipe' });
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${command} ${args.join(' ')} failed in ${cwd}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`);
  }
}

/** README's "Use it from code" example: the first ts block of that section, and its file name. */
function readmeExample(): { name: string; code: string } {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const section = /^### Use it from code\n([\s\S]*?)(?=^#{2,3} )/m.exec(readme)?.[1] ?? '';
  const code = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  const name = code === undefined ? undefined : /^\/\/ (\S+\.test\.ts)\n/.exec(code)?.[1];
  if (code === undefined || name === undefined)
    throw new Error('README.md: no "Use it from code" section with a ```ts block starting // NAME.test.ts');
  return { name, code };
}

/**
 * An empty project whose lockfile names the tarball and, for its dependencies, the entries of
 * rollsim's own lockfile, so `npm ci --offline` installs from the npm cache `npm ci` filled.
 */
function writeProject(tarball: string): void {
  fs.mkdirSync(project);
  const spec = `file:${path.relative(project, tarball)}`;
  const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as Record<
    string,
    unknown
  >;
  const lock = JSON.parse(fs.readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { dev?: boolean }>;
  };
  const integrity = `sha512-${createHash('sha512').update(fs.readFileSync(tarball)).digest('base64')}`;
  const packages: Record<string, unknown> = {
    '': { name: 'consumer', dependencies: { rollsim: spec } },
    'node_modules/rollsim': {
      version: manifest.version,
      resolved: spec,
      integrity,
      license: manifest.license,
      dependencies: manifest.dependencies,
      bin: manifest.bin,
      engines: manifest.engines,
    },
  };
  for (const [key, entry] of Object.entries(lock.packages))
    if (key !== '' && entry.dev !== true) packages[key] = entry;
  const write = (file: string, value: unknown) =>
    fs.writeFileSync(path.join(project, file), `${JSON.stringify(value, null, 2)}\n`);
  write('package.json', { name: 'consumer', private: true, type: 'module', dependencies: { rollsim: spec } });
  write('package-lock.json', { name: 'consumer', lockfileVersion: 3, requires: true, packages });
  write('tsconfig.json', {
    compilerOptions: {
      strict: true,
      target: 'ES2022',
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      types: ['node'],
      noEmit: true,
      // As `tsc --init` sets it: the dependencies' own declarations are not re-checked (10 s of CPU);
      // refused.ts proves rollsim's types resolve all the way down instead of degrading to any.
      skipLibCheck: true,
    },
  });
}

/** The test tools come from rollsim's own node_modules instead of the network. */
function linkTools(): void {
  for (const name of ['typescript', 'vitest', '@types/node']) {
    const target = fs.realpathSync(path.join(ROOT, 'node_modules', name));
    const link = path.join(project, 'node_modules', name);
    fs.mkdirSync(path.dirname(link), { recursive: true });
    fs.symlinkSync(target, link, 'junction');
  }
}

let pack: PackEntry;

beforeAll(() => {
  const out = run('npm', ['pack', '--json', '--pack-destination', tmp], ROOT);
  const entries = JSON.parse(out) as PackEntry[];
  expect(entries).toHaveLength(1);
  pack = entries[0] as PackEntry;
  writeProject(path.join(tmp, pack.filename));
  run('npm', ['ci', '--offline', '--no-audit', '--no-fund'], project);
  linkTools();
}, 600_000);

describe('the packed tarball', () => {
  it('builds the command line executable, so npx rollsim in this checkout still runs after a rebuild', () => {
    // npx links the checkout's bin once and does not link it again; a rebuild (npm ci, npm pack, this
    // test) that left dist/cli/main.js without its executable bit made the next npx rollsim fail with
    // "Permission denied".
    const mode = fs.statSync(path.join(ROOT, 'dist', 'cli', 'main.js')).mode;
    expect(mode & 0o111).toBe(0o111);
  });

  it('ships dist/, the schema, the library with its traces, README and licence, and nothing for development', () => {
    const files = pack.files.map((f) => f.path);
    for (const needed of [
      'package.json',
      'README.md',
      'LICENSE',
      'dist/api/index.js',
      'dist/api/index.d.ts',
      'dist/cli/main.js',
      'dist/sweep/worker.js',
      'library/schema.json',
      'library/default.yaml',
      'library/traces/AzureLLMInferenceTrace_conv.csv',
      'library/traces/README.md',
    ])
      expect(files, needed).toContain(needed);
    const development = files.filter(
      (f) =>
        /^(test|bench|tools|docs\/dev|\.ci|node_modules|coverage|out|reports-out)\//.test(f) ||
        /\.test\.|(^|\/)tsconfig|eslint|stryker|vitest/.test(f) ||
        (f.endsWith('.ts') && !f.endsWith('.d.ts')),
    );
    expect(development).toEqual([]);
    expect(files.filter((f) => f.startsWith('dist/')).every((f) => /\.(js|d\.ts|js\.map)$/.test(f))).toBe(
      true,
    );
  });
});

describe('installed into an empty project', () => {
  const example = readmeExample();

  it("type-checks README's example under strict against the installed declarations", () => {
    fs.writeFileSync(path.join(project, example.name), example.code);
    // Also what the declarations refuse: a wrong argument, and a deep import past `exports`.
    fs.writeFileSync(
      path.join(project, 'refused.ts'),
      [
        "import { resolveRollingUpdate, runScenario, type RollingUpdateBudget, type RunResult, type Scenario } from 'rollsim';",
        'const budget: RollingUpdateBudget = resolveRollingUpdate({ maxSurge: "25%", maxUnavailable: 0 }, 4);',
        'export const surge: number = budget.maxSurge;',
        '// @ts-expect-error a file name is not a Scenario',
        "runScenario('library/default.yaml');",
        'export function probe(scenario: Scenario, result: RunResult): void {',
        '  // @ts-expect-error an edit outcome is a string union, not a number',
        '  const outcome: number = result.edits[0]!.outcome;',
        '  // @ts-expect-error the scenario pools are typed records',
        '  const pool: number = scenario.cluster.pools[0]!.gpu;',
        '  void outcome, pool;',
        '}',
        '// @ts-expect-error deep imports are not part of the package',
        "export const deep = import('rollsim/dist/sim/run.js');",
        '',
      ].join('\n'),
    );
    run(process.execPath, [path.join(project, 'node_modules/typescript/bin/tsc'), '-p', project], project);
  });

  it("runs README's example under vitest and it passes", () => {
    const scenarioFile = /loadScenarioFile\('([^']+)'\)/.exec(example.code)?.[1];
    if (scenarioFile === undefined) throw new Error("README example: no loadScenarioFile('...') call");
    fs.mkdirSync(path.dirname(path.join(project, scenarioFile)), { recursive: true });
    fs.copyFileSync(
      path.join(project, 'node_modules/rollsim/library/default.yaml'),
      path.join(project, scenarioFile),
    );
    const vitest = path.join(project, 'node_modules/vitest/vitest.mjs');
    const out = run(process.execPath, [vitest, 'run', example.name, '--reporter=json'], project);
    const report = JSON.parse(out) as { success: boolean; numPassedTests: number; numTotalTests: number };
    expect(report).toMatchObject({ success: true, numPassedTests: 1, numTotalTests: 1 });
  });

  it("import 'rollsim' offers the API's exports, and rollsim/schema.json resolves to the schema", () => {
    const probe = [
      "import * as rollsim from 'rollsim';",
      "import { readFileSync } from 'node:fs';",
      "const schema = JSON.parse(readFileSync(new URL(import.meta.resolve('rollsim/schema.json')), 'utf8'));",
      'console.log(JSON.stringify({ exports: Object.keys(rollsim).sort(), schemaTitle: schema.title ?? schema.$id ?? null }));',
    ].join('\n');
    const out = JSON.parse(run(process.execPath, ['--input-type=module', '-e', probe], project)) as {
      exports: string[];
      schemaTitle: unknown;
    };
    expect(out.exports).toEqual(Object.keys(api).sort());
    const schema = JSON.parse(fs.readFileSync(path.join(ROOT, 'library/schema.json'), 'utf8')) as {
      title?: unknown;
      $id?: unknown;
    };
    expect(out.schemaTitle).toEqual(schema.title ?? schema.$id ?? null);
  });

  it('the installed command line runs its built-in scenario from any folder, as the API does', () => {
    const elsewhere = fs.mkdtempSync(path.join(tmp, 'elsewhere-'));
    const cli = path.join(project, 'node_modules/.bin/rollsim');
    const printed = run(cli, ['run', '--json'], elsewhere);
    const loaded = api.loadScenarioFile(path.join(ROOT, 'library/default.yaml'));
    if (!loaded.ok) throw new Error('library/default.yaml does not load');
    expect(printed).toBe(`${JSON.stringify(api.runScenario(loaded.scenario), null, 2)}\n`);
  });
});
