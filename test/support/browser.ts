// Finds and starts a headless Chromium for the browser tests without ever downloading one. Order:
//   1. the executable named by ROLLSIM_CHROMIUM,
//   2. a system Chromium or Chrome (on PATH, then at well-known install paths),
//   3. the Chromium binary shipped inside the devDependency @sparticuz/chromium (Linux x64/arm64), which
//      needs no system libraries and is unpacked once into the temporary folder.
// A candidate that is missing or does not start is passed over with a note, so a machine with only
// Node.js and npm still runs the browser tests; the notes say what was skipped and why.
import { spawnSync } from 'node:child_process';
import {
  accessSync,
  constants,
  existsSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';

export type BrowserSource = 'ROLLSIM_CHROMIUM' | 'system' | '@sparticuz/chromium';

/** Program names of a system Chromium or Chrome, looked up in each PATH folder. */
export const PATH_NAMES: readonly string[] = [
  'chromium',
  'chromium-browser',
  'google-chrome',
  'google-chrome-stable',
];

/** Where Chromium or Chrome are installed when they are not on PATH. */
export const WELL_KNOWN_PATHS: readonly string[] = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
  '/snap/bin/chromium',
  '/opt/google/chrome/chrome',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
];

/** Flags for every launch: no sandbox (CI runs as root), no GPU, nothing that phones home. */
export const CHROMIUM_ARGS: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export interface FindOptions {
  /** Environment to read ROLLSIM_CHROMIUM and PATH from; process.env by default. */
  readonly env?: NodeJS.ProcessEnv;
  /** Install paths tried after PATH; WELL_KNOWN_PATHS by default (tests pass [] to hide them). */
  readonly wellKnownPaths?: readonly string[];
  /** Folder the bundled binary is unpacked under; the system temporary folder by default. */
  readonly unpackRoot?: string;
}

export interface Candidate {
  readonly source: BrowserSource;
  /** Where the executable is, or why there is none. */
  readonly resolve: () => Promise<string>;
  readonly label: string;
}

export interface LaunchedBrowser {
  readonly browser: Browser;
  readonly source: BrowserSource;
  readonly executablePath: string;
  /** Candidates passed over before this one, and why. */
  readonly notes: readonly string[];
}

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The first system Chromium or Chrome on PATH, then at the well-known paths; undefined when none. */
export function findSystemChromium(
  env: NodeJS.ProcessEnv,
  wellKnownPaths: readonly string[],
): string | undefined {
  const folders = (env['PATH'] ?? '').split(delimiter).filter((f) => f !== '');
  const onPath = folders.flatMap((folder) => PATH_NAMES.map((name) => join(folder, name)));
  return [...onPath, ...wellKnownPaths].find(isExecutableFile);
}

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Version of the installed @sparticuz/chromium, read from its package.json. */
function bundledVersion(): string {
  let dir = dirname(createRequire(import.meta.url).resolve('@sparticuz/chromium'));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === '@sparticuz/chromium' && pkg.version !== undefined) return pkg.version;
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the package.json of @sparticuz/chromium');
    dir = parent;
  }
}

/**
 * Unpacks the Chromium of @sparticuz/chromium into `<root>/rollsim-chromium-<version>/` and returns the
 * binary's path; reuses an earlier unpack. The package always unpacks into the temporary folder, so it
 * runs in a child process whose TMPDIR is a fresh staging folder, which is then renamed into place:
 * parallel test processes never see a half-written binary, and a stopped unpack leaves nothing behind
 * that would be mistaken for a finished one.
 */
export function unpackBundledChromium(root: string = tmpdir()): string {
  const target = join(root, `rollsim-chromium-${bundledVersion()}`);
  const binary = join(target, 'chromium');
  if (isExecutableFile(binary)) return binary;
  const staging = mkdtempSync(join(root, 'rollsim-chromium-unpacking-'));
  try {
    const child = spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        "const { default: c } = await import('@sparticuz/chromium'); process.stdout.write(await c.executablePath());",
      ],
      {
        cwd: repoRoot,
        env: { ...process.env, TMPDIR: staging, TMP: staging, TEMP: staging },
        encoding: 'utf8',
        timeout: 120_000,
      },
    );
    if (child.status !== 0 || child.stdout !== join(staging, 'chromium')) {
      throw new Error(
        `unpacking @sparticuz/chromium failed (exit ${child.status}): ${child.stderr.trim() || child.stdout}`,
      );
    }
    try {
      renameSync(staging, target);
    } catch (error) {
      // Another process finished first; its copy is as good as ours.
      if (!isExecutableFile(binary)) throw error;
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return binary;
}

/** The places a browser may come from, in the order they are tried. */
export function chromiumCandidates(options: FindOptions = {}): Candidate[] {
  const env = options.env ?? process.env;
  const candidates: Candidate[] = [];
  const fromEnv = env['ROLLSIM_CHROMIUM'];
  if (fromEnv !== undefined && fromEnv !== '') {
    candidates.push({
      source: 'ROLLSIM_CHROMIUM',
      label: `ROLLSIM_CHROMIUM=${fromEnv}`,
      resolve: () =>
        isExecutableFile(fromEnv)
          ? Promise.resolve(fromEnv)
          : Promise.reject(new Error('not an executable file')),
    });
  }
  candidates.push({
    source: 'system',
    label: 'system Chromium/Chrome',
    resolve: () => {
      const found = findSystemChromium(env, options.wellKnownPaths ?? WELL_KNOWN_PATHS);
      return found !== undefined
        ? Promise.resolve(found)
        : Promise.reject(new Error(`none of ${PATH_NAMES.join(', ')} on PATH or at the well-known paths`));
    },
  });
  candidates.push({
    source: '@sparticuz/chromium',
    label: 'bundled @sparticuz/chromium',
    resolve: () => Promise.resolve().then(() => unpackBundledChromium(options.unpackRoot)),
  });
  return candidates;
}

const message = (error: unknown): string =>
  (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';

/**
 * Starts the first candidate browser that exists and launches. Throws, listing every candidate and why
 * it failed, when none does.
 */
export async function launchChromium(options: FindOptions = {}): Promise<LaunchedBrowser> {
  const notes: string[] = [];
  for (const candidate of chromiumCandidates(options)) {
    let executablePath: string;
    try {
      executablePath = await candidate.resolve();
    } catch (error) {
      notes.push(`${candidate.label}: ${message(error)}`);
      continue;
    }
    try {
      const browser = await chromium.launch({ executablePath, args: [...CHROMIUM_ARGS], timeout: 60_000 });
      return { browser, source: candidate.source, executablePath, notes };
    } catch (error) {
      notes.push(`${candidate.label} (${executablePath}) did not start: ${message(error)}`);
    }
  }
  throw new Error(
    `no browser for the browser tests; set ROLLSIM_CHROMIUM to a Chromium or Chrome executable.\n${notes.join('\n')}`,
  );
}

/** One line for the test log: which browser ran and what was passed over. */
export function describeLaunch(launched: LaunchedBrowser): string {
  const skipped = launched.notes.length > 0 ? ` (passed over: ${launched.notes.join('; ')})` : '';
  return `browser tests use ${launched.source}: ${launched.executablePath}, version ${launched.browser.version()}${skipped}`;
}
