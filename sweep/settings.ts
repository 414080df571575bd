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
  for (const [path, value] of Object.entries(settings)) doc.setIn(path.split('.'), value);
  return loadScenarioText(doc.toString(), {
    ...source,
    file: `${source.file} (with --set ${settingsLabel(settings)})`,
  });
}
