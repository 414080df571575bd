// The rollsim package: its folder and version, found from this module whether it runs from the sources
// or from dist/. Sweeps and rehearsals stamp the version into their folders, so a resume or merge never
// mixes the runs of two versions.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

let cachedRoot: string | null = null;

/** The rollsim package folder (holding package.json), found from this module whether run from source or dist/. */
export function packageRoot(): string {
  if (cachedRoot !== null) return cachedRoot;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (
      fs.existsSync(manifest) &&
      (JSON.parse(fs.readFileSync(manifest, 'utf8')) as { name?: string }).name === 'rollsim'
    ) {
      cachedRoot = dir;
      return dir;
    }
    const parent = path.dirname(dir);
    if (parent === dir)
      throw new Error('rollsim: cannot find the package folder (package.json named rollsim)');
    dir = parent;
  }
}

let cachedVersion: string | null = null;

export function packageVersion(): string {
  if (cachedVersion !== null) return cachedVersion;
  const manifest = JSON.parse(fs.readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as {
    version?: string;
  };
  cachedVersion = manifest.version ?? '0.0.0';
  return cachedVersion;
}
