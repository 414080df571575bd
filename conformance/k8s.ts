// Kubernetes conformance: run a k8s-vectors.json file (test vectors transcribed from the Kubernetes Go
// test tables) against the pure functions the engine and the simulator use, and report per category.
// `rollsim conformance k8s FILE` prints formatConformanceReport(runVectors(json)) and exits 1 unless ok.
import { DEPLOYMENT_FUNCTIONS, DEPLOYMENT_HANDLERS, type DeploymentFunctions } from './deployment.js';
import { VectorShapeError, isObject, type Json, type JsonObject, type Outcome } from './fields.js';
import { HPA_CONTROLLER_HANDLERS } from './hpa-controller.js';
import { HPA_REPLICA_HANDLERS } from './hpa.js';
import { excerpt } from '../scenario/excerpt.js';

/** Categories the issue requires; a failure or an unsupported vector here makes the run not ok. */
export const REQUIRED_CATEGORIES = [
  'fenceposts',
  'maxUnavailable',
  'minAvailable',
  'newRSReplicas',
  'reconcileOldReplicaSets',
  'cleanupUnhealthyReplicas',
  'scaleDownOld',
  'proportionalScale',
  'replicaSetFraction',
  'deploymentComplete',
  'deploymentProgressing',
  'deploymentTimedOut',
  'hpaReplicas',
  'hpaBehavior',
  'hpaScaleEvents',
] as const;

/** Categories that do not map onto rollsim's model, and why. */
export const UNSUPPORTED_CATEGORIES: Readonly<Record<string, string>> = {
  cleanupDeployment:
    'rollsim has no revisionHistoryLimit and no ReplicaSet objects to garbage-collect: every revision stays ' +
    'recorded (rollback targets them), so there is no history clean-up to compare',
};

export interface VectorFailure {
  readonly category: string;
  /** The Go test and case the vector came from: `file TestName/case`. */
  readonly source: string;
  readonly detail: string;
}

export interface CategoryReport {
  readonly category: string;
  readonly required: boolean;
  readonly passed: number;
  readonly failed: number;
  readonly unsupported: number;
  readonly failures: readonly VectorFailure[];
  /** Distinct reasons for the unsupported vectors of this category. */
  readonly unsupportedReasons: readonly string[];
}

export interface ConformanceReport {
  readonly title: string;
  readonly categories: readonly CategoryReport[];
  readonly totals: { readonly passed: number; readonly failed: number; readonly unsupported: number };
  /** Problems with the file itself (not an object, a category that is not a list). */
  readonly fileErrors: readonly string[];
  /** Required categories the file does not contain: reported, not counted as failures. */
  readonly missingRequired: readonly string[];
  /**
   * Everything that makes the run not ok: failed vectors, file errors, and unsupported vectors of
   * required categories. 0 exactly when `ok`.
   */
  readonly failed: number;
  /** No failed vector, no file error, and no unsupported vector in a required category. */
  readonly ok: boolean;
}

/** Functions the runner calls that a test may replace (e.g. to show a planted bug is caught). */
export type ConformanceFunctions = DeploymentFunctions;

type Handler = (v: JsonObject, fns: ConformanceFunctions) => Outcome;

const HANDLERS: Readonly<Record<string, Handler>> = {
  ...DEPLOYMENT_HANDLERS,
  ...HPA_REPLICA_HANDLERS,
  ...HPA_CONTROLLER_HANDLERS,
};

/**
 * `file TestName/case`, on one line: a vectors file may come from anywhere, and a line break in its text
 * would start a line of its own in a CI log (where `::error::` is a workflow command).
 */
export function sourceOf(vector: JsonObject): string {
  const s = vector.source;
  if (!isObject(s)) return '(no source)';
  const file = typeof s.file === 'string' ? s.file : '?';
  const test = typeof s.test === 'string' ? s.test : '?';
  return excerpt(typeof s.case === 'string' ? `${file} ${test}/${s.case}` : `${file} ${test}`, 300);
}

function runOne(handler: Handler, vector: Json, fns: ConformanceFunctions): Outcome {
  if (!isObject(vector)) return { kind: 'fail', detail: 'malformed vector: not an object' };
  try {
    return handler(vector, fns);
  } catch (err) {
    if (err instanceof VectorShapeError) return { kind: 'fail', detail: `malformed vector: ${err.message}` };
    return { kind: 'fail', detail: `threw: ${(err as Error).message}` };
  }
}

function runCategory(category: string, vectors: readonly Json[], fns: ConformanceFunctions): CategoryReport {
  const required = (REQUIRED_CATEGORIES as readonly string[]).includes(category);
  const handler = HANDLERS[category];
  const staticReason =
    UNSUPPORTED_CATEGORIES[category] ??
    (handler === undefined ? 'unknown category: no mapping in rollsim' : null);
  let passed = 0;
  const failures: VectorFailure[] = [];
  const reasons = new Set<string>();
  let unsupported = 0;
  for (const vector of vectors) {
    const outcome: Outcome =
      staticReason !== null || handler === undefined
        ? { kind: 'unsupported', reason: staticReason ?? 'unknown category' }
        : runOne(handler, vector, fns);
    if (outcome.kind === 'pass') passed += 1;
    else if (outcome.kind === 'unsupported') {
      unsupported += 1;
      reasons.add(outcome.reason);
    } else
      failures.push({
        category,
        source: isObject(vector) ? sourceOf(vector) : '(no source)',
        detail: outcome.detail,
      });
  }
  return {
    category,
    required,
    passed,
    failed: failures.length,
    unsupported,
    failures,
    unsupportedReasons: [...reasons],
  };
}

/** Run every category of a parsed vector file (the `meta` key is documentation, not vectors). */
export function runVectors(file: unknown, fns: Partial<ConformanceFunctions> = {}): ConformanceReport {
  const functions: ConformanceFunctions = { ...DEPLOYMENT_FUNCTIONS, ...fns };
  if (!isObject(file)) return report('(not a vector file)', [], ['the file is not a JSON object'], []);
  const meta = file.meta;
  const title = isObject(meta) && typeof meta.title === 'string' ? meta.title : 'Kubernetes test vectors';
  const categories: CategoryReport[] = [];
  const fileErrors: string[] = [];
  for (const [category, vectors] of Object.entries(file)) {
    if (category === 'meta') continue;
    if (!Array.isArray(vectors)) fileErrors.push(`${category}: expected a list of vectors`);
    else categories.push(runCategory(category, vectors as readonly Json[], functions));
  }
  const missing = REQUIRED_CATEGORIES.filter((category) => !(category in file));
  return report(title, categories, fileErrors, missing);
}

function report(
  title: string,
  categories: CategoryReport[],
  fileErrors: string[],
  missingRequired: string[],
): ConformanceReport {
  const sum = (pick: (c: CategoryReport) => number): number => categories.reduce((s, c) => s + pick(c), 0);
  const totals = {
    passed: sum((c) => c.passed),
    failed: sum((c) => c.failed),
    unsupported: sum((c) => c.unsupported),
  };
  const requiredGaps = sum((c) => (c.required ? c.unsupported : 0));
  const failed = totals.failed + fileErrors.length + requiredGaps;
  return { title, categories, totals, fileErrors, missingRequired, failed, ok: failed === 0 };
}

/** A plain-text table, then each failure with its Go source, then the unsupported categories and why. */
export function formatConformanceReport(r: ConformanceReport): string {
  const label = (c: CategoryReport): string => c.category + (c.required ? '' : ' *');
  const width = Math.max(8, ...r.categories.map((c) => label(c).length));
  const row = (name: string, p: number | string, f: number | string, u: number | string): string =>
    `${name.padEnd(width)}  ${String(p).padStart(6)}  ${String(f).padStart(6)}  ${String(u).padStart(11)}`;
  const lines = [
    `Kubernetes conformance: ${r.title}`,
    '',
    row('category', 'passed', 'failed', 'unsupported'),
  ];
  for (const c of r.categories) lines.push(row(label(c), c.passed, c.failed, c.unsupported));
  lines.push(row('total', r.totals.passed, r.totals.failed, r.totals.unsupported));
  lines.push('', '* optional category (maps onto rollsim where the model allows)');
  const failures = r.categories.flatMap((c) => c.failures);
  if (failures.length > 0) {
    lines.push('', `Failures (${failures.length}):`);
    for (const f of failures) lines.push(`  [${f.category}] ${f.source}`, `      ${f.detail}`);
  }
  const gaps = r.categories.filter((c) => c.unsupported > 0);
  if (gaps.length > 0) {
    lines.push('', 'Unsupported:');
    for (const c of gaps)
      lines.push(`  ${c.category} (${c.unsupported}): ${c.unsupportedReasons.join('; ')}`);
  }
  if (r.fileErrors.length > 0) lines.push('', 'File errors:', ...r.fileErrors.map((e) => `  ${e}`));
  if (r.missingRequired.length > 0) {
    lines.push('', `Required categories not in this file (not checked): ${r.missingRequired.join(', ')}`);
  }
  lines.push('', r.ok ? 'OK' : 'FAILED');
  return lines.join('\n');
}
