// Typed access to the loosely shaped JSON of a vector file. A malformed vector throws VectorShapeError,
// which the runner reports as a failure of that vector (never a crash of the whole run).

export type Json = unknown;
export type JsonObject = Readonly<Record<string, Json>>;

export class VectorShapeError extends Error {}

/** One vector's verdict. */
export type Outcome =
  | { readonly kind: 'pass' }
  | { readonly kind: 'fail'; readonly detail: string }
  | { readonly kind: 'unsupported'; readonly reason: string };

export const PASS: Outcome = { kind: 'pass' };

export function isObject(value: Json): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function obj(v: JsonObject, key: string): JsonObject {
  const value = v[key];
  if (!isObject(value)) throw new VectorShapeError(`${key}: expected an object`);
  return value;
}

export function objOrNull(v: JsonObject, key: string): JsonObject | null {
  const value = v[key];
  if (value === null || value === undefined) return null;
  if (!isObject(value)) throw new VectorShapeError(`${key}: expected an object or null`);
  return value;
}

export function arr(v: JsonObject, key: string): readonly Json[] {
  const value = v[key];
  if (!Array.isArray(value)) throw new VectorShapeError(`${key}: expected an array`);
  return value as readonly Json[];
}

export function arrOrNull(v: JsonObject, key: string): readonly Json[] | null {
  const value = v[key];
  if (value === null || value === undefined) return null;
  return arr(v, key);
}

export function objects(v: JsonObject, key: string): readonly JsonObject[] {
  return arr(v, key).map((item, i) => {
    if (!isObject(item)) throw new VectorShapeError(`${key}[${i}]: expected an object`);
    return item;
  });
}

export function num(v: JsonObject, key: string): number {
  const value = v[key];
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw new VectorShapeError(`${key}: expected a number`);
  return value;
}

export function numOrNull(v: JsonObject, key: string): number | null {
  const value = v[key];
  return value === null || value === undefined ? null : num(v, key);
}

export function str(v: JsonObject, key: string): string {
  const value = v[key];
  if (typeof value !== 'string') throw new VectorShapeError(`${key}: expected a string`);
  return value;
}

export function strOrNull(v: JsonObject, key: string): string | null {
  const value = v[key];
  return value === null || value === undefined ? null : str(v, key);
}

export function bool(v: JsonObject, key: string): boolean {
  const value = v[key];
  if (typeof value !== 'boolean') throw new VectorShapeError(`${key}: expected a boolean`);
  return value;
}

export function boolOrNull(v: JsonObject, key: string): boolean | null {
  const value = v[key];
  return value === null || value === undefined ? null : bool(v, key);
}

/** An int64 given as a JSON number or, when beyond 2^53, as a decimal string. */
export function toBigInt(value: Json, label: string): bigint {
  if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value);
  if (typeof value === 'string' && /^-?\d+$/.test(value)) return BigInt(value);
  throw new VectorShapeError(`${label}: expected an integer (number or decimal string)`);
}

export function big(v: JsonObject, key: string): bigint {
  return toBigInt(v[key], key);
}

export function numbers(v: JsonObject, key: string): number[] {
  return arr(v, key).map((x, i) => {
    if (typeof x !== 'number') throw new VectorShapeError(`${key}[${i}]: expected a number`);
    return x;
  });
}

/** Collects mismatches between computed and expected values into one failure detail. */
export class Checks {
  private readonly mismatches: string[] = [];

  equal(label: string, actual: unknown, expected: unknown): this {
    if (!sameValue(actual, expected))
      this.mismatches.push(`${label}: expected ${show(expected)}, got ${show(actual)}`);
    return this;
  }

  outcome(): Outcome {
    return this.mismatches.length === 0 ? PASS : { kind: 'fail', detail: this.mismatches.join('; ') };
  }
}

function sameValue(a: unknown, b: unknown): boolean {
  return show(a) === show(b);
}

export function show(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) ?? 'undefined';
}

/** Go's strconv.Atoi for annotation values (numbers pass through). */
export function atoiOrNull(value: Json): number | null {
  if (typeof value === 'number') return Number.isInteger(value) ? value : null;
  if (typeof value === 'string' && /^[+-]?\d+$/.test(value)) return Number(value);
  return null;
}
