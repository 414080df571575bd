// Plain words for an edit in the event timeline and chart labels, instead of its raw JSON:
// `model llama-3.1-70b, accelerator 4× H100, scaling.metrics concurrency 48`.

function plain(value: unknown): string {
  if (value === null) return 'removed';
  if (Array.isArray(value)) return value.map(plain).join(', ') || 'none';
  if (typeof value === 'object')
    return Object.values(value as Record<string, unknown>)
      .map(plain)
      .join(' ');
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function parts(prefix: string, value: unknown): string[] {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const record = value as Record<string, unknown>;
    if (prefix === 'accelerator' && typeof record['count'] === 'number' && typeof record['type'] === 'string')
      return [`accelerator ${record['count']}× ${record['type']}`];
    return Object.entries(record).flatMap(([k, v]) => parts(prefix === '' ? k : `${prefix}.${k}`, v));
  }
  return [`${prefix} ${plain(value)}`];
}

/** `model llama-3.1-70b, accelerator 4× H100` for a spec edit; `no changes` for an empty one. */
export function describeSpecEdit(edit: unknown): string {
  return parts('', edit).join(', ') || 'no changes';
}
