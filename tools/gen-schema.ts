// Writes library/schema.json from the zod schema (`--check`: exit 1 if the committed file is stale).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { scenarioJsonSchema } from '../scenario/schema.js';

export const SCHEMA_JSON_PATH = path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  'library',
  'schema.json',
);

/** The exact text of library/schema.json. */
export function schemaJsonText(): string {
  return `${JSON.stringify(scenarioJsonSchema(), null, 2)}\n`;
}

function main(args: readonly string[]): number {
  const expected = schemaJsonText();
  if (args.includes('--check')) {
    const current = fs.existsSync(SCHEMA_JSON_PATH) ? fs.readFileSync(SCHEMA_JSON_PATH, 'utf8') : '';
    if (current === expected) return 0;
    process.stderr.write(`${SCHEMA_JSON_PATH} is stale: run \`npm run schema\`\n`);
    return 1;
  }
  const tmp = `${SCHEMA_JSON_PATH}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, expected);
  fs.renameSync(tmp, SCHEMA_JSON_PATH);
  process.stdout.write(`wrote ${path.relative(process.cwd(), SCHEMA_JSON_PATH)}\n`);
  return 0;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  process.exitCode = main(process.argv.slice(2));
}
