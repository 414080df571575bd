// Runs StrykerJS over engine/ one source file at a time (same stryker.config.json), each with its own
// incremental file, and keeps each file's JSON report in reports-out/mutation/by-file/. A stopped run
// loses at most one file's work, and a rerun only retests mutants whose code or covering tests changed.
// Then `npm run mutation:summary` adds them up.
//
//   npx tsx tools/mutation-by-file.ts [engine/step.ts ...]      (default: engine/*.ts but index.ts, k8s/deployment.ts, catalog/catalog.ts)
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';

export const BY_FILE_DIR = 'reports-out/mutation/by-file';
const REPORT = 'reports-out/mutation/mutation.json';

/** The pure core under mutation: every engine file but the index, the Kubernetes deployment arithmetic and the catalog. */
function engineFiles(): string[] {
  return [
    ...readdirSync('engine')
      .filter((f) => f.endsWith('.ts') && f !== 'index.ts')
      .sort()
      .map((f) => `engine/${f}`),
    'k8s/deployment.ts',
    'catalog/catalog.ts',
  ];
}

function main(argv: readonly string[]): number {
  const files = argv.length > 0 ? [...argv] : engineFiles();
  mkdirSync(BY_FILE_DIR, { recursive: true });
  for (const [k, file] of files.entries()) {
    if (!existsSync(file)) {
      console.error(`mutation-by-file: no such file ${file}`);
      return 2;
    }
    const name = basename(file, '.ts');
    console.log(`[${k + 1}/${files.length}] ${file}`);
    const run = spawnSync(
      'npx',
      [
        'stryker',
        'run',
        '--mutate',
        file,
        '--incrementalFile',
        join(BY_FILE_DIR, `incremental-${name}.json`),
        '--reporters',
        'clear-text,json',
      ],
      { stdio: 'inherit' },
    );
    if (run.status !== 0) {
      console.error(`mutation-by-file: stryker failed on ${file} (exit ${run.status ?? 'signal'})`);
      return 1;
    }
    copyFileSync(REPORT, join(BY_FILE_DIR, `${name}.json`));
  }
  return 0;
}

if (import.meta.url === `file://${process.argv[1]}`) process.exitCode = main(process.argv.slice(2));
