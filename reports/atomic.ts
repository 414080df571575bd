// Output is written whole or not at all.
//
// - One file: written to a temporary file beside the target (same file system), then renamed over it.
// - A folder of reports (`run --out`, `merge --out`): the whole new set is built in a temporary sibling
//   folder `.<name>.tmp-<pid>-<uuid>`, then swapped in: the old folder is renamed aside, the new one
//   renamed into place, the old one deleted. The two renames run back to back in one synchronous step,
//   so a signal handler cannot run between them; only a SIGKILL or power loss in that instant leaves
//   the old folder under `.<name>.old-<pid>-<uuid>` (and no `<name>`), and the next rollsim command
//   that reads or writes the folder restores it first (recoverFolder). After the swap the old folder
//   is renamed `.<name>.del-…` and then deleted, so a kill while deleting leaves a folder the next
//   command knows it may remove. Closing the window needs
//   renameat2(RENAME_EXCHANGE), which Node 20 does not offer without a native addon (see the README).
// - A manifest (.rollsim-files.json) lists the files the tool wrote. Everything else in the folder (a
//   user's own trace.ndjson, notes) is carried into the new folder untouched (hard links, or copies).
// - Temporary folders are removed on every exit path that allows it: errors, SIGINT and SIGTERM (the
//   handler removes them, then exits 130 or 143). After a SIGKILL or an out-of-memory crash they stay;
//   the next write beside them removes those whose process is gone.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export function writeFileAtomic(file: string, content: string | Uint8Array): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  registerTemp(tmp);
  try {
    fs.writeFileSync(tmp, content);
    fs.renameSync(tmp, file);
  } catch (error) {
    fs.rmSync(tmp, { force: true });
    throw error;
  } finally {
    unregisterTemp(tmp);
  }
}

/**
 * Writes several files of one folder as a set: every file to its temporary first, then all renamed
 * over their targets in one synchronous burst, in the order given (so put the file readers open first
 * last). A failure before the burst (a full disk, a target that is a folder) leaves every old file as
 * it was; only a SIGKILL or power loss inside the burst itself (a few renames, microseconds) can leave
 * a mix, which is why sweep reports also carry a report-set id (sweep/report.ts).
 */
export function writeFilesAtomic(
  dir: string,
  files: readonly (readonly [string, string | Uint8Array])[],
): void {
  fs.mkdirSync(dir, { recursive: true });
  const staged: [string, string][] = [];
  try {
    for (const [name, content] of files) {
      const target = path.join(dir, name);
      if (fs.existsSync(target) && fs.lstatSync(target).isDirectory()) {
        const error = new Error(`${target} is a folder`) as NodeJS.ErrnoException;
        Object.assign(error, { code: 'EISDIR', syscall: 'write', path: target });
        throw error;
      }
      const tmp = path.join(dir, `.${name}.${process.pid}.tmp`);
      registerTemp(tmp);
      staged.push([tmp, target]);
      fs.writeFileSync(tmp, content);
    }
    // Back to back, synchronous: no signal handler runs between these renames.
    for (const [tmp, target] of staged) fs.renameSync(tmp, target);
  } finally {
    for (const [tmp] of staged) {
      try {
        fs.rmSync(tmp, { force: true }); // a file only: never a folder that is not ours
      } catch {
        // Not ours, or already gone; the error that brought us here is the one to report.
      }
      unregisterTemp(tmp);
    }
  }
}

/** The files the tool wrote into an output folder; the rest belong to the user. */
export const MANIFEST_FILE = '.rollsim-files.json';

export interface Manifest {
  readonly tool: 'rollsim';
  /** What wrote the folder: `run` or `merge`. */
  readonly kind: string;
  readonly files: readonly string[];
}

/** The manifest of `dir`, or null when there is none (or it is not one). */
export function readManifest(dir: string): Manifest | null {
  try {
    const value = JSON.parse(fs.readFileSync(path.join(dir, MANIFEST_FILE), 'utf8')) as unknown;
    if (typeof value !== 'object' || value === null) return null;
    const m = value as Partial<Manifest>;
    if (m.tool !== 'rollsim' || typeof m.kind !== 'string' || !Array.isArray(m.files)) return null;
    if (!m.files.every((f) => typeof f === 'string' && f === path.basename(f))) return null;
    return { tool: 'rollsim', kind: m.kind, files: m.files };
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------------------
// Temporary paths of this process, removed by the signal handlers.

const temps = new Set<string>();
let handlersInstalled = false;

const onSignal = (signal: NodeJS.Signals): void => {
  removeTemps();
  process.exit(signal === 'SIGINT' ? 130 : 143);
};

function registerTemp(p: string): void {
  temps.add(p);
  if (!handlersInstalled) {
    handlersInstalled = true;
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }
}

function unregisterTemp(p: string): void {
  temps.delete(p);
  if (temps.size === 0 && handlersInstalled) {
    handlersInstalled = false;
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** Removes every temporary path of this process (on a signal, or from tests). */
export function removeTemps(): void {
  for (const p of temps) {
    try {
      fs.rmSync(p, { recursive: true, force: true });
    } catch {
      // Nothing more can be done while exiting; the next run removes it.
    }
  }
  temps.clear();
}

function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Leftovers of killed writers of `target`: temporary folders of dead processes are removed, and so are
 * old folders a writer had marked for deletion after a complete swap (`.del-`); an old folder set
 * aside by a writer killed between its two renames (`.old-`) is put back when `target` is missing.
 * When something else has made a new `target` meanwhile, the old folder is left where it is (it may
 * hold files of yours) rather than deleted. Every command that reads or writes a folder calls this
 * first (recoverFolder), so none of them sees the folder missing after such a kill.
 */
export function recoverLeftovers(target: string): void {
  const parent = path.dirname(target);
  const base = path.basename(target);
  let names: string[];
  try {
    names = fs.readdirSync(parent);
  } catch {
    return;
  }
  const pattern = new RegExp(`^\\.${escapeRe(base)}\\.(tmp|old|del)-(\\d+)-[0-9a-f-]+$`);
  for (const name of names) {
    const m = pattern.exec(name);
    if (m === null || processAlive(Number(m[2]))) continue;
    const full = path.join(parent, name);
    if (m[1] === 'old') {
      if (!fs.existsSync(target)) fs.renameSync(full, target);
    } else fs.rmSync(full, { recursive: true, force: true }); // tmp: never swapped in; del: swapped out
  }
}

/** recoverLeftovers for a folder given by the user (relative to the working directory). */
export function recoverFolder(dir: string): void {
  recoverLeftovers(path.resolve(dir));
}

/** An output folder that cannot be replaced as a whole (bad input: exit 2). */
export class OutputFolderError extends Error {
  override readonly name = 'OutputFolderError';
}

/** Whether `inner` is `outer` or lies inside it. */
function within(inner: string, outer: string): boolean {
  const rel = path.relative(outer, inner);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel));
}

function realOrSelf(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return p;
  }
}

/**
 * The folder is swapped whole: its other contents are carried into a new sibling folder (folders
 * copied) and the old one is renamed away. That must not be the file system root, nor a folder
 * holding the working folder (the command's own folder would be renamed from under it) or the home
 * folder (a copy of everything in it).
 */
export function refuseSharedFolder(absolute: string, cwd = process.cwd()): void {
  const real = realOrSelf(absolute);
  const what =
    real === path.parse(real).root
      ? 'the file system root'
      : within(realOrSelf(cwd), real)
        ? 'the working folder or a folder holding it'
        : within(realOrSelf(os.homedir()), real)
          ? 'the home folder or a folder holding it'
          : null;
  if (what === null) return;
  throw new OutputFolderError(
    `cannot write to ${absolute}: it is ${what}; rollsim replaces its output folder as a whole (carrying over what else is in it), so give it a folder of its own, such as out/NAME`,
  );
}

/** Creates `dir` and missing parents; returns the top-most folder it created (to undo), or null. */
function ensureDir(dir: string): string | null {
  let top: string | null = null;
  for (let d = dir; !fs.existsSync(d); d = path.dirname(d)) top = d;
  fs.mkdirSync(dir, { recursive: true });
  return top;
}

/** Puts `name` from the old folder into the new one without touching the old (a hard link, or a copy). */
function carryOver(from: string, to: string): void {
  const stat = fs.lstatSync(from);
  if (stat.isFile()) {
    try {
      fs.linkSync(from, to);
      return;
    } catch {
      // Another file system or no hard links: copy instead.
    }
  }
  fs.cpSync(from, to, { recursive: true, preserveTimestamps: true, verbatimSymlinks: true });
}

/**
 * Replaces the folder `target` with the files `build` writes into the (empty) folder it is given,
 * whole or not at all (see the top of this file). `build` returns the names it wrote.
 */
export async function replaceFolderAtomic(
  target: string,
  kind: string,
  build: (dir: string) => Promise<readonly string[]>,
): Promise<string[]> {
  const absolute = path.resolve(target);
  refuseSharedFolder(absolute);
  const parent = path.dirname(absolute);
  const base = path.basename(absolute);
  if (fs.existsSync(absolute) && !fs.statSync(absolute).isDirectory()) {
    const error = new Error(`${absolute} exists and is not a folder`) as NodeJS.ErrnoException;
    Object.assign(error, { code: 'ENOTDIR', syscall: 'write reports to', path: absolute });
    throw error;
  }
  recoverLeftovers(absolute);
  const createdParent = ensureDir(parent);
  // Not mkdtemp: its 0700 mode would become the output folder's mode after the rename.
  const tmp = path.join(parent, `.${base}.tmp-${process.pid}-${randomUUID()}`);
  const old = path.join(parent, `.${base}.old-${process.pid}-${randomUUID()}`);
  registerTemp(tmp);
  let done = false;
  try {
    fs.mkdirSync(tmp);
    const names = [...(await build(tmp))];
    const exists = fs.existsSync(absolute);
    if (exists) {
      const owned = new Set(readManifest(absolute)?.files ?? []);
      for (const entry of fs.readdirSync(absolute)) {
        const full = path.join(absolute, entry);
        if (names.includes(entry) && !owned.has(entry) && fs.lstatSync(full).isDirectory()) {
          // A folder the user made where the tool writes a file: refuse rather than delete it.
          const error = new Error(`${full} is a folder`) as NodeJS.ErrnoException;
          Object.assign(error, { code: 'EISDIR', syscall: 'replace', path: full });
          throw error;
        }
        if (entry === MANIFEST_FILE || owned.has(entry) || names.includes(entry)) continue;
        carryOver(path.join(absolute, entry), path.join(tmp, entry));
      }
    }
    const manifest: Manifest = { tool: 'rollsim', kind, files: names };
    fs.writeFileSync(path.join(tmp, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
    if (exists) {
      // Back to back, synchronous: no signal handler runs between these two renames.
      fs.renameSync(absolute, old);
      try {
        fs.renameSync(tmp, absolute);
      } catch (error) {
        fs.renameSync(old, absolute);
        throw error;
      }
      done = true;
      // Marked for deletion before it is deleted: a writer killed while deleting it (a report folder takes
      // a few milliseconds) leaves `.NAME.del-…`, which the next command removes, rather than an old
      // folder beside a new NAME, which it must leave alone (see recoverLeftovers).
      const doomed = path.join(parent, `.${base}.del-${process.pid}-${randomUUID()}`);
      fs.renameSync(old, doomed);
      fs.rmSync(doomed, { recursive: true, force: true });
    } else {
      fs.renameSync(tmp, absolute);
      done = true;
    }
    return names;
  } finally {
    if (!done) {
      fs.rmSync(tmp, { recursive: true, force: true });
      if (createdParent !== null) fs.rmSync(createdParent, { recursive: true, force: true });
    }
    unregisterTemp(tmp);
  }
}
