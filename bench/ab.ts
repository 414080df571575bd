// `npm run bench:ab`: one fleet case of `npm run bench`, measured on this checkout and on a baseline
// commit in the same sitting, interleaved (baseline, this, baseline, this, ...), with the CPU-time ratio.
// Issue 14's speed target is stated this way: the 100-instance hour at most 1.3x its cost on 73ad36c, the
// commit before the serving physics, both measured in one sitting on the same machine.
//
// Each side runs its own `bench/run.ts` (so each is measured by the harness it shipped with) and is
// stopped once it has printed the chosen case. The baseline is checked out into a temporary git worktree
// that shares this checkout's node_modules; the worktree is removed on exit. Wall-clock reads are fine
// here: this is a benchmark, never a test.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DEFAULT_BASE = '73ad36c';
const TARGET_RATIO = 1.3;

function usage(message: string): never {
  process.stderr.write(
    `bench:ab: ${message}\nusage: npm run bench:ab -- [--base COMMIT] [--pairs N] [--instances 10|100|1000]\n`,
  );
  process.exit(2);
}

function options(): { base: string; pairs: number; instances: number } {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        base: { type: 'string', default: DEFAULT_BASE },
        pairs: { type: 'string', default: '6' },
        instances: { type: 'string', default: '100' },
      },
      strict: true,
    }));
  } catch (error) {
    usage(error instanceof Error ? error.message : String(error));
  }
  const pairs = Number(values.pairs);
  if (!/^\d+$/.test(values.pairs) || pairs < 1 || pairs > 100)
    usage(`--pairs must be a whole number from 1 to 100, got "${values.pairs}"`);
  if (!['10', '100', '1000'].includes(values.instances))
    usage(
      `--instances must be 10, 100 or 1000 (the fleet cases of npm run bench), got "${values.instances}"`,
    );
  if (!/^[0-9a-zA-Z._/-]+$/.test(values.base)) usage(`--base must be a commit, got "${values.base}"`);
  return { base: values.base, pairs, instances: Number(values.instances) };
}

function git(args: string[]): string {
  const r = spawnSync('git', args, { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr.trim()}`);
  return r.stdout.trim();
}

/** Runs `tree`'s bench until it prints the fleet case; returns that case's CPU seconds. */
function measure(tree: string, instances: number): Promise<{ cpuS: number; wallS: number; line: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/run.ts'], {
      cwd: tree,
      stdio: ['ignore', 'pipe', 'inherit'],
      // One round, in that process: it is stopped once the case is printed (older run.ts ignore this).
      env: { ...process.env, BENCH_ROUNDS: '1' },
    });
    const head = `fleet ${instances} instances`;
    let buffered = '';
    let done = false;
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      buffered += chunk;
      let nl: number;
      while (!done && (nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        if (!line.startsWith(head)) continue;
        const cpu = /([\d.]+) s CPU/.exec(line);
        const wall = /([\d.]+) s wall/.exec(line);
        done = true;
        child.kill('SIGKILL');
        if (cpu === null || wall === null) reject(new Error(`no CPU and wall time in: ${line}`));
        else resolve({ cpuS: Number(cpu[1]), wallS: Number(wall[1]), line });
      }
    });
    child.on('exit', (code) => {
      if (!done) reject(new Error(`${tree}: bench/run.ts exited (${code}) before printing "${head}"`));
    });
  });
}

function mean(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

async function main(): Promise<void> {
  const { base, pairs, instances } = options();
  const baseCommit = git(['rev-parse', '--verify', `${base}^{commit}`]);
  const head = git(['rev-parse', '--short', 'HEAD']);
  const dirty =
    git(['status', '--porcelain', '--untracked-files=no']) !== '' ? ' (with uncommitted changes)' : '';
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rollsim-ab-'));
  const tree = path.join(dir, 'base');
  const cleanup = (): void => {
    spawnSync('git', ['worktree', 'remove', '--force', tree], { cwd: ROOT });
    fs.rmSync(dir, { recursive: true, force: true });
  };
  process.on('SIGINT', () => {
    cleanup();
    process.exit(130);
  });
  try {
    git(['worktree', 'add', '--detach', '--quiet', tree, baseCommit]);
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(tree, 'node_modules'), 'dir');
    console.log(
      `bench:ab: fleet ${instances} instances, ${pairs} interleaved pairs; baseline ${baseCommit.slice(0, 7)}, this checkout ${head}${dirty}; load average ${os
        .loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}`,
    );
    const a: number[] = [];
    const b: number[] = [];
    for (let i = 1; i <= pairs; i++) {
      const x = await measure(tree, instances);
      const y = await measure(ROOT, instances);
      a.push(x.cpuS);
      b.push(y.cpuS);
      console.log(
        `  pair ${i}: baseline ${x.cpuS.toFixed(2)} s CPU (${x.wallS.toFixed(2)} s wall), this ${y.cpuS.toFixed(2)} s CPU (${y.wallS.toFixed(2)} s wall), ratio ${(y.cpuS / x.cpuS).toFixed(2)}`,
      );
    }
    const ratio = mean(b) / mean(a);
    const ratios = b.map((y, i) => y / a[i]!).sort((p, q) => p - q);
    console.log(
      [
        `mean CPU: baseline ${mean(a).toFixed(2)} s, this ${mean(b).toFixed(2)} s; ratio of means ${ratio.toFixed(2)}x`,
        `pair ratios from ${ratios[0]!.toFixed(2)} to ${ratios.at(-1)!.toFixed(2)}; load average now ${os
          .loadavg()
          .map((l) => l.toFixed(1))
          .join(' ')}`,
        base === DEFAULT_BASE && instances === 100
          ? `issue 14's target (at most ${TARGET_RATIO}x): ${ratio <= TARGET_RATIO ? 'met' : 'not met'} in this sitting`
          : '',
      ]
        .filter(Boolean)
        .join('\n'),
    );
  } finally {
    cleanup();
  }
}

await main();
