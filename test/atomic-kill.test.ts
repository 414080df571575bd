// Kills `rollsim run --out` and `rollsim merge --out` at random points (SIGKILL and SIGINT) and checks
// that the output folder is always either the old one, byte for byte, or the complete new one, and
// that the next write leaves no temporary folder behind.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import seedrandom from 'seedrandom';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TSX = pathToFileURL(path.join(ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
const TINY = path.join(ROOT, 'test', 'fixtures', 'sweep', 'tiny.yaml');
const SHARD = path.join(ROOT, 'test', 'fixtures', 'hostile', 'shards', 'complete');

interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly ms: number;
  readonly pid: number;
}

function cli(
  cwd: string,
  args: readonly string[],
  killAfterMs?: number,
  signal?: NodeJS.Signals,
): Promise<Exit> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', TSX, path.join(ROOT, 'cli', 'main.ts'), ...args], {
      cwd,
      stdio: 'ignore',
      timeout: 60_000,
    });
    const timer = killAfterMs === undefined ? null : setTimeout(() => child.kill(signal), killAfterMs);
    child.on('close', (code, sig) => {
      if (timer !== null) clearTimeout(timer);
      resolve({ code, signal: sig, ms: Date.now() - started, pid: child.pid ?? -1 });
    });
  });
}

/** Every file under `dir` with its content, by relative path. */
function contents(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, e.name);
      if (e.isDirectory()) walk(full);
      else out[path.relative(dir, full)] = fs.readFileSync(full).toString('base64');
    }
  };
  if (fs.existsSync(dir)) walk(dir);
  return out;
}

const leftovers = (dir: string): string[] =>
  fs.readdirSync(dir).filter((n) => /^\.out\.(tmp|old|del)-/.test(n));

async function killLoop(
  name: string,
  rounds: number,
  prepareOld: (out: string) => Promise<void> | void,
  args: readonly string[],
): Promise<void> {
  const seed = Date.now() % 1_000_000;
  const random = seedrandom(String(seed));
  const base = fs.mkdtempSync(path.join(os.tmpdir(), `rollsim-kill-${name}-`));
  try {
    // The two acceptable states: the old folder, and the complete new one (a run not killed).
    const out = path.join(base, 'out');
    await prepareOld(out);
    const old = contents(out);
    const full = await cli(base, args);
    const fresh = contents(out);
    expect(full.code, `${name}: the uninterrupted write`).not.toBeNull();
    expect(fresh).not.toEqual(old);
    let sawOld = 0;
    let sawNew = 0;
    for (let i = 0; i < rounds; i++) {
      fs.rmSync(out, { recursive: true, force: true });
      await prepareOld(out);
      const signal: NodeJS.Signals = i % 2 === 0 ? 'SIGKILL' : 'SIGINT';
      const at = Math.floor(random() * full.ms * 1.1);
      const r = await cli(base, args, at, signal);
      const now = contents(out);
      const where = `${name} round ${i}: ${signal} after ${at} ms (seed ${seed}), exit ${String(r.code)}/${String(r.signal)}`;
      const isOld = JSON.stringify(now) === JSON.stringify(old);
      const isNew = JSON.stringify(now) === JSON.stringify(fresh);
      expect(isOld || isNew, where).toBe(true);
      if (isOld) sawOld++;
      else sawNew++;
      if (signal === 'SIGINT' && r.code !== null) expect([130, 0, 1], where).toContain(r.code);
      // Ctrl-C removes this process's temporary folders (a SIGKILLed round's stay until the next write).
      if (signal === 'SIGINT')
        expect(
          leftovers(base).filter((n) => n.includes(`-${r.pid}-`)),
          where,
        ).toEqual([]);
    }
    // A later write removes what a SIGKILL left behind.
    await cli(base, args);
    expect(leftovers(base)).toEqual([]);
    expect(contents(out)).toEqual(fresh);
    expect(sawOld + sawNew).toBe(rounds);
  } finally {
    fs.rmSync(base, { recursive: true, force: true });
  }
}

describe.concurrent('killed writes leave the old folder or the complete new one', () => {
  it('rollsim run --out', async () => {
    await killLoop(
      'run',
      6,
      async (out) => {
        fs.mkdirSync(path.dirname(out), { recursive: true });
        if (!fs.existsSync(path.join(path.dirname(out), 'old'))) {
          await cli(path.dirname(out), ['run', TINY, '--seed', '5', '--out', 'old']);
          fs.writeFileSync(path.join(path.dirname(out), 'old', 'trace.ndjson'), 'the user’s own file\n');
        }
        fs.cpSync(path.join(path.dirname(out), 'old'), out, { recursive: true });
      },
      ['run', TINY, '--seed', '7', '--out', 'out'],
    );
  });

  it('rollsim merge --out', async () => {
    await killLoop(
      'merge',
      6,
      (out) => {
        fs.mkdirSync(out, { recursive: true });
        fs.writeFileSync(
          path.join(out, '.rollsim-files.json'),
          JSON.stringify({ tool: 'rollsim', kind: 'merge', files: ['runs.ndjson', 'sweep.json'] }),
        );
        fs.writeFileSync(path.join(out, 'runs.ndjson'), '');
        fs.writeFileSync(path.join(out, 'sweep.json'), '{"old": true}\n');
        fs.writeFileSync(path.join(out, 'notes.txt'), 'mine\n');
      },
      ['merge', SHARD, '--out', 'out'],
    );
  });
});
