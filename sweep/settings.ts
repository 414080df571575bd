// Applies a sweep's --set values to the scenario file text, then loads it through the normal loader,
// so a bad value gets the same clear error as a bad scenario file.
import { parseDocument } from 'yaml';
import { loadScenarioText, type LoadResult } from '../scenario/load.js';
import { settingsLabel } from './plan.js';

export function loadWithSettings(
  text: string,
  source: { file: string; sourcePath: string; dataRoots?: readonly string[] },
  settings: Readonly<Record<string, string | number | boolean>>,
): LoadResult {
  if (Object.keys(settings).length === 0) return loadScenarioText(text, source);
  const doc = parseDocument(text);
  for (const [path, value] of Object.entries(settings)) {
    try {
      doc.setIn(path.split('.'), value);
    } catch {
      // e.g. traffic.rps.x: rps is a number, not a mapping.
      const message = `--set ${path}: cannot set this path (a part of it is a single value, not a mapping or list)`;
      return {
        ok: false,
        issues: [{ file: source.file, line: 0, column: 0, path, message, code: 'schema' }],
      };
    }
  }
  return loadScenarioText(doc.toString(), {
    ...source,
    file: `${source.file} (with --set ${settingsLabel(settings)})`,
  });
}
