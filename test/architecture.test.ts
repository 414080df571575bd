// Proves the folder rules: engine/ is pure (no I/O, clock, randomness, or imports from outside engine/),
// simulator/ reads no wall clock, reports/ only reads results and types.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

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

function imports(file: string): { spec: string; typeOnly: boolean }[] {
  const text = readFileSync(file, 'utf8');
  const re = /^(import|export)\s+(type\s+)?[^'"]*?from\s+['"]([^'"]+)['"]/gm;
  return [...text.matchAll(re)].map((m) => ({ spec: m[3] ?? '', typeOnly: m[2] !== undefined }));
}

function resolvedFolder(file: string, spec: string): string {
  if (!spec.startsWith('.')) return spec;
  return relative(root, resolve(dirname(file), spec)).split('/')[0] ?? '';
}

describe('architecture', () => {
  it('engine/ imports nothing outside engine/ and no Node built-ins or packages', () => {
    for (const file of sources('engine')) {
      for (const { spec } of imports(file)) {
        expect(spec.startsWith('.'), `${relative(root, file)} imports ${spec}`).toBe(true);
        expect(resolvedFolder(file, spec), `${relative(root, file)} imports ${spec}`).toBe('engine');
      }
    }
  });

  it('engine/ uses no clock, randomness or I/O', () => {
    const banned =
      /Date\.now|new Date\(|Math\.random|performance\.now|process\.|require\(|setTimeout|setInterval|console\./;
    for (const file of sources('engine')) {
      const hit = readFileSync(file, 'utf8')
        .split('\n')
        .find((line) => banned.test(line) && !line.trim().startsWith('//'));
      expect(hit, `${relative(root, file)}: ${hit}`).toBeUndefined();
    }
  });

  it('simulator/ reads no wall clock and no unseeded randomness', () => {
    for (const file of sources('simulator')) {
      expect(readFileSync(file, 'utf8'), relative(root, file)).not.toMatch(
        /Date\.now|Math\.random|performance\.now/,
      );
    }
  });

  it('reports/ imports from simulator/ and scenarios/ only types', () => {
    for (const file of sources('reports')) {
      for (const { spec, typeOnly } of imports(file)) {
        const folder = resolvedFolder(file, spec);
        if (folder === 'simulator' || folder === 'scenarios')
          expect(typeOnly, `${relative(root, file)} imports ${spec}`).toBe(true);
        expect(folder, `${relative(root, file)} imports ${spec}`).not.toBe('cli');
      }
    }
  });
});
