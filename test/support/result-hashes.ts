// `node --import tsx test/support/result-hashes.ts FILE...`: runs each scenario in the order given, in
// this one fresh process, and prints a JSON array of sha256 hashes of their result objects. The
// determinism test compares them with runs in another order in its own process.
import { createHash } from 'node:crypto';
import { loadScenarioFile } from '../../scenario/load.js';
import { runScenario } from '../../sim/run.js';

const hashes = process.argv.slice(2).map((file) => {
  const loaded = loadScenarioFile(file);
  if (!loaded.ok) throw new Error(`${file}: ${loaded.issues[0]?.message ?? 'invalid'}`);
  const json = JSON.stringify(runScenario(loaded.scenario).result);
  return createHash('sha256').update(json).digest('hex');
});
process.stdout.write(`${JSON.stringify(hashes)}\n`);
