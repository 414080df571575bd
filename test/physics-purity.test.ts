// physics/ is a pure leaf: it imports only its own files (or engine/ and catalog/ types) and reads no clock or
// randomness.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const dir = join(dirname(fileURLToPath(import.meta.url)), '..', 'physics');
const files = readdirSync(dir).filter((f) => f.endsWith('.ts'));

describe('physics/ purity', () => {
  it('has sources to check', () => {
    expect(files.length).toBeGreaterThan(3);
  });

  it.each(files)('%s imports only physics/ (or engine/ and catalog/ types)', (f) => {
    const text = readFileSync(join(dir, f), 'utf8');
    for (const m of text.matchAll(/^(import|export)\s+(type\s+)?[^'"]*?from\s+['"]([^'"]+)['"]/gm)) {
      const spec = m[3]!;
      const typeOnly = m[2] !== undefined;
      const ok = spec.startsWith('./') || (typeOnly && /^\.\.\/(engine|catalog)\//.test(spec));
      expect(ok, `${f} imports ${spec}`).toBe(true);
    }
  });

  it.each(files)('%s uses no clock, randomness or I/O', (f) => {
    const banned = /Date\.now|new Date\(|Math\.random|performance\.now|process\.|require\(|['"]node:/;
    const hit = readFileSync(join(dir, f), 'utf8')
      .split('\n')
      .find((line) => banned.test(line) && !line.trim().startsWith('//'));
    expect(hit, `${f}: ${hit}`).toBeUndefined();
  });
});
