// Summarises StrykerJS JSON reports (`npm run mutation`, or one report per file from
// `--mutate engine/x.ts` runs) into per-file mutation scores, and matches the survivors against the
// reviewed list of equivalent mutants in docs/dev/mutation-equivalents.json. Exit code 1 when a survivor
// is neither killed nor on that list, or when an entry on the list no longer matches any survivor (an
// entry that matches a mutant which timed out is kept, and listed: on a busy machine an equivalent
// mutant can run past StrykerJS's time limit, and it counts as detected then).
//
//   npx tsx tools/mutation-summary.ts [report.json ...] [--markdown docs/dev/mutation.md]
// (default reports: reports-out/mutation/by-file/*.json if any, else reports-out/mutation/mutation.json)
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { writeFileAtomic } from '../reports/atomic.js';
import { BY_FILE_DIR } from './mutation-by-file.js';

interface Mutant {
  readonly mutatorName: string;
  readonly replacement?: string;
  readonly status: string;
  readonly location: {
    readonly start: { readonly line: number; readonly column: number };
    readonly end: { readonly line: number; readonly column: number };
  };
}
interface Report {
  readonly files: Readonly<Record<string, { readonly source: string; readonly mutants: readonly Mutant[] }>>;
}
export interface Equivalent {
  readonly file: string;
  readonly mutator: string;
  readonly replacement: string;
  /** The trimmed source line the mutant sits on; matching by text survives edits elsewhere in the file. */
  readonly code: string;
  /** Where several mutants of one kind sit on the same line, the columns tell them apart. */
  readonly column?: number;
  readonly endColumn?: number;
  readonly reason: string;
}
interface Survivor {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly endColumn: number;
  readonly mutator: string;
  readonly replacement: string;
  readonly code: string;
  readonly status: string;
}
interface FileScore {
  file: string;
  killed: number;
  timeout: number;
  survived: number;
  noCoverage: number;
  equivalent: number;
  ignored: number;
}

const UNDETECTED = new Set(['Survived', 'NoCoverage']);

function emptyScore(file: string): FileScore {
  return { file, killed: 0, timeout: 0, survived: 0, noCoverage: 0, equivalent: 0, ignored: 0 };
}

/** Same file, mutation and source line; columns too when the entry gives them. */
function explains(e: Equivalent, s: Survivor): boolean {
  return (
    e.file === s.file &&
    e.mutator === s.mutator &&
    oneLine(e.replacement) === s.replacement &&
    e.code === s.code &&
    (e.column === undefined || e.column === s.column) &&
    (e.endColumn === undefined || e.endColumn === s.endColumn)
  );
}

export function summarise(reports: readonly Report[], equivalents: readonly Equivalent[]) {
  const byFile = new Map<string, FileScore>();
  const unmatched = new Set(equivalents.map((_, i) => i));
  const matchedSurvivors: { survivor: Survivor; equivalent: Equivalent }[] = [];
  const timedOutEquivalents: { survivor: Survivor; equivalent: Equivalent }[] = [];
  const unexplained: Survivor[] = [];
  for (const report of reports) {
    for (const [file, entry] of Object.entries(report.files)) {
      const lines = entry.source.split('\n');
      const score = byFile.get(file) ?? emptyScore(file);
      byFile.set(file, score);
      for (const m of entry.mutants) {
        if (m.status === 'Killed') score.killed++;
        else if (m.status === 'Timeout') score.timeout++;
        else if (m.status === 'Survived') score.survived++;
        else if (m.status === 'NoCoverage') score.noCoverage++;
        else score.ignored++;
        if (!UNDETECTED.has(m.status) && m.status !== 'Timeout') continue;
        const s: Survivor = {
          file,
          line: m.location.start.line,
          column: m.location.start.column,
          endColumn: m.location.end.column,
          mutator: m.mutatorName,
          replacement: oneLine(m.replacement ?? ''),
          code: (lines[m.location.start.line - 1] ?? '').trim(),
          status: m.status,
        };
        const i = equivalents.findIndex((e) => explains(e, s));
        const eq = equivalents[i];
        if (m.status === 'Timeout') {
          if (eq !== undefined) {
            unmatched.delete(i);
            timedOutEquivalents.push({ survivor: s, equivalent: eq });
          }
          continue;
        }
        if (eq === undefined) unexplained.push(s);
        else {
          unmatched.delete(i);
          score.equivalent++;
          matchedSurvivors.push({ survivor: s, equivalent: eq });
        }
      }
    }
  }
  const files = [...byFile.values()].sort((a, b) => a.file.localeCompare(b.file));
  const total = files.reduce(
    (t, f) => ({
      file: 'all files',
      killed: t.killed + f.killed,
      timeout: t.timeout + f.timeout,
      survived: t.survived + f.survived,
      noCoverage: t.noCoverage + f.noCoverage,
      equivalent: t.equivalent + f.equivalent,
      ignored: t.ignored + f.ignored,
    }),
    emptyScore('all files'),
  );
  return {
    files,
    total,
    unexplained,
    matched: matchedSurvivors,
    timedOutEquivalents,
    staleEquivalents: [...unmatched].map((i) => equivalents[i]).filter((e) => e !== undefined),
  };
}

/** Stryker's mutation score: detected / (detected + undetected); equivalent survivors count as undetected. */
export function score(f: FileScore): number {
  const detected = f.killed + f.timeout;
  const valid = detected + f.survived + f.noCoverage;
  return valid === 0 ? 1 : detected / valid;
}
/** The same with the survivors judged equivalent left out of the denominator. */
export function scoreExcludingEquivalent(f: FileScore): number {
  const detected = f.killed + f.timeout;
  const valid = detected + f.survived + f.noCoverage - f.equivalent;
  return valid === 0 ? 1 : detected / valid;
}

/** Replacements can span lines (a rewritten arrow function); compare and print them on one line. */
const oneLine = (s: string) => s.replace(/\s+/g, ' ').trim();

const pct = (x: number) => `${(100 * x).toFixed(1)} %`;

function table(files: readonly FileScore[], total: FileScore): string {
  const rows = [...files, total].map(
    (f) =>
      `| ${f.file} | ${f.killed} | ${f.timeout} | ${f.survived + f.noCoverage} | ${f.equivalent} | ${pct(score(f))} | ${pct(scoreExcludingEquivalent(f))} |`,
  );
  return [
    '| file | killed | timed out | survived | of which equivalent | score | score without equivalent |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows,
  ].join('\n');
}

function main(argv: readonly string[]): number {
  let mdPath: string | undefined;
  const paths: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if (a === '--markdown') mdPath = argv[++i];
    else paths.push(a);
  }
  const reportPaths = paths.length > 0 ? paths : defaultReports();
  const reports = reportPaths.map((p) => JSON.parse(readFileSync(p, 'utf8')) as Report);
  const equivalents = JSON.parse(readFileSync('docs/dev/mutation-equivalents.json', 'utf8')) as Equivalent[];
  const r = summarise(reports, equivalents);
  console.log(table(r.files, r.total));
  console.log('');
  for (const s of r.unexplained)
    console.log(
      `unexplained ${s.status}: ${s.file}:${s.line}:${s.column}-${s.endColumn} [${s.mutator}] ${s.replacement}  |  ${s.code}`,
    );
  for (const { survivor: s } of r.timedOutEquivalents)
    console.log(
      `judged equivalent but timed out: ${s.file}:${s.line}:${s.column}-${s.endColumn} [${s.mutator}] ${s.replacement}  |  ${s.code}`,
    );
  for (const e of r.staleEquivalents)
    console.log(
      `stale equivalent entry (no such survivor): ${e.file} [${e.mutator}] ${e.replacement}  |  ${e.code}`,
    );
  console.log(
    `\n${r.total.survived + r.total.noCoverage} survivors: ${r.total.equivalent} judged equivalent, ${r.unexplained.length} not explained.`,
  );
  if (mdPath !== undefined) {
    const md = [
      '# Mutation testing of engine/ — results',
      '',
      'Generated by `npx tsx tools/mutation-summary.ts <reports> --markdown docs/dev/mutation.md` from StrykerJS',
      'JSON reports; the equivalent mutants are reviewed by hand in `docs/dev/mutation-equivalents.json`.',
      '',
      table(r.files, r.total),
      '',
      '## Surviving mutants judged equivalent',
      '',
      'Each makes no difference any caller or test can observe, for the reason given.',
      '',
      '| where | mutation | code | why it is equivalent |',
      '| --- | --- | --- | --- |',
      ...[...r.matched]
        .sort((a, b) => a.survivor.file.localeCompare(b.survivor.file) || a.survivor.line - b.survivor.line)
        .map(
          ({ survivor: s, equivalent: e }) =>
            `| ${s.file}:${s.line} | ${s.mutator} → \`${cell(s.replacement, 140)}\` | \`${cell(s.code, 140)}\` | ${cell(e.reason)} |`,
        ),
      '',
      '## Mutants judged equivalent that timed out',
      '',
      'On a busy machine an equivalent mutant can run past the time limit; StrykerJS then counts it as',
      'detected (in "timed out" above). Their entries stay on the reviewed list.',
      '',
      r.timedOutEquivalents.length === 0
        ? 'None.'
        : [
            '| where | mutation | code |',
            '| --- | --- | --- |',
            ...r.timedOutEquivalents.map(
              ({ survivor: s }) =>
                `| ${s.file}:${s.line} | ${s.mutator} → \`${cell(s.replacement, 140)}\` | \`${cell(s.code, 140)}\` |`,
            ),
          ].join('\n'),
      '',
      '## Survivors not (yet) explained',
      '',
      r.unexplained.length === 0
        ? 'None.'
        : [
            '| where | mutation | code |',
            '| --- | --- | --- |',
            ...r.unexplained.map(
              (s) =>
                `| ${s.file}:${s.line} | ${s.mutator} → \`${cell(s.replacement)}\` | \`${cell(s.code)}\` |`,
            ),
          ].join('\n'),
      '',
    ].join('\n');
    writeFileAtomic(mdPath, md);
  }
  return r.unexplained.length === 0 && r.staleEquivalents.length === 0 ? 0 : 1;
}

/** The per-file reports of `npm run mutation:by-file` when there are any, else the whole-run report. */
function defaultReports(): string[] {
  const dir = BY_FILE_DIR;
  const perFile = existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => f.endsWith('.json') && !f.startsWith('incremental-'))
        .sort()
        .map((f) => `${dir}/${f}`)
    : [];
  return perFile.length > 0 ? perFile : ['reports-out/mutation/mutation.json'];
}

/** A table cell: pipes escaped, backticks and newlines flattened; long code is cut, reasons never are. */
function cell(s: string, maxChars = Infinity): string {
  return s.replaceAll('|', '\\|').replaceAll('`', "'").replaceAll('\n', ' ').slice(0, maxChars);
}

if (import.meta.url === `file://${process.argv[1]}`) process.exitCode = main(process.argv.slice(2));
