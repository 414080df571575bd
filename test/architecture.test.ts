// Proves the layout: every import runs one way along LAYERS (no import against the order, so no folder
// cycle), no file imports itself back through others (no file cycle), the pure core (k8s/, catalog/,
// engine/) uses no I/O, clock, randomness or package, and sim/ reads no wall clock.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { fileCycles, importViolations, LAYERS, type SourceFile } from './support/architecture.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function sources(dir: string): string[] {
  const abs = join(root, dir);
  const out: string[] = [];
  for (const name of readdirSync(abs)) {
    const p = join(abs, name);
    if (statSync(p).isDirectory()) out.push(...sources(relative(root, p)));
    else if (name.endsWith('.ts') && !name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

/** Every production source file, relative to the root, with its text. */
function productionFiles(): SourceFile[] {
  const files: SourceFile[] = [];
  for (const layer of LAYERS.flat()) {
    for (const abs of sources(layer))
      files.push({ path: relative(root, abs), text: readFileSync(abs, 'utf8') });
  }
  for (const name of readdirSync(root)) {
    if (name.endsWith('.ts') && !name.endsWith('.config.ts'))
      files.push({ path: name, text: readFileSync(join(root, name), 'utf8') });
  }
  return files;
}

describe('architecture', () => {
  it('every production folder is in the layer order', () => {
    const known = new Set(LAYERS.flat());
    // Besides the non-production sources: the git-ignored output folders (.gitignore), such as the
    // mutation reports `npm run mutation` writes to reports-out/.
    const notProduction = new Set([
      ...['test', 'bench', 'tools', 'docs', 'library', 'node_modules', 'dist'],
      ...['out', 'coverage', 'reports-out'],
    ]);
    for (const name of readdirSync(root)) {
      if (name.startsWith('.') || notProduction.has(name) || !statSync(join(root, name)).isDirectory())
        continue;
      expect(known.has(name), `folder ${name}/ is not in LAYERS (test/support/architecture.ts)`).toBe(true);
    }
  });

  it('imports run one way: no folder imports a folder of its own layer or a later one', () => {
    expect(importViolations(productionFiles())).toEqual([]);
  });

  it('no file cycle', () => {
    expect(fileCycles(productionFiles())).toEqual([]);
  });

  it('the checks fail on an import against the order and on a file cycle', () => {
    const upward: SourceFile[] = [
      { path: 'engine/step.ts', text: "import { run } from '../sim/run.js';\n" },
      { path: 'sim/run.ts', text: "import type { State } from '../engine/state.js';\n" },
    ];
    expect(importViolations(upward)).toEqual([
      'engine/step.ts imports sim/run.ts (engine/ may not import sim/)',
    ]);
    const peers: SourceFile[] = [
      { path: 'sweep/x.ts', text: "export { v } from '../conformance/k8s.js';\n" },
    ];
    expect(importViolations(peers)).toHaveLength(1);
    const cycle: SourceFile[] = [
      { path: 'sim/a.ts', text: "import { b } from './b.js';\n" },
      { path: 'sim/b.ts', text: "import type { A } from './a.js';\n" },
    ];
    expect(fileCycles(cycle)).toEqual([['sim/a.ts', 'sim/b.ts', 'sim/a.ts']]);
  });

  it('k8s/, catalog/, physics/ and engine/ import no Node built-ins or packages', () => {
    for (const file of productionFiles().filter((f) => /^(k8s|catalog|physics|engine)\//.test(f.path))) {
      for (const spec of importSpecs(file.text))
        expect(spec.startsWith('.'), `${file.path} imports ${spec}`).toBe(true);
    }
  });

  it('k8s/, catalog/, physics/ and engine/ use no clock, randomness or I/O', () => {
    const banned =
      /Date\.now|new Date\(|Math\.random|performance\.now|process\.|require\(|setTimeout|setInterval|console\./;
    for (const file of productionFiles().filter((f) => /^(k8s|catalog|physics|engine)\//.test(f.path))) {
      const hit = file.text.split('\n').find((line) => banned.test(line) && !line.trim().startsWith('//'));
      expect(hit, `${file.path}: ${hit}`).toBeUndefined();
    }
  });

  it('sim/ reads no wall clock and no unseeded randomness', () => {
    for (const file of productionFiles().filter((f) => f.path.startsWith('sim/'))) {
      expect(file.text, file.path).not.toMatch(/Date\.now|Math\.random|performance\.now/);
    }
  });
});

function importSpecs(text: string): string[] {
  return [...text.matchAll(/^(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]/gm)].map((m) => m[1] ?? '');
}
