// Proves trace replay: one request per Azure trace row, speedup, and CSV/JSONL parsing with bad rows reported as values.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { makeScenario } from './support/fixtures.js';
import { runScenario } from '../sim/run.js';
import { parseDateTimeMs, parseTrace } from '../scenario/trace.js';
import type { TraceConfig } from '../scenario/types.js';

const CONV = '/work/shared/data/AzureLLMInferenceTrace_conv.csv';

const azure = (file: string, speedup = 1): TraceConfig => ({
  file,
  format: 'csv',
  timeColumn: 'TIMESTAMP',
  timeUnit: 'datetime',
  inputTokensColumn: 'ContextTokens',
  outputTokensColumn: 'GeneratedTokens',
  speedup,
});

/** Data rows counted independently of the parser: non-empty lines after the header. */
function dataRows(file: string): number {
  return readFileSync(file, 'utf8')
    .split('\n')
    .slice(1)
    .filter((line) => line.trim() !== '').length;
}

describe('Azure conversation trace replay', () => {
  it('offers exactly as many requests as the file has data rows', () => {
    const rows = dataRows(CONV);
    expect(rows).toBe(19_366); // the count the data README states; the file ends without a newline
    const scenario = makeScenario({ traffic: { profile: 'trace', trace: azure(CONV), timeoutMs: 30_000 } });
    const { result } = runScenario(scenario, { checkInvariants: true });
    const r = result.metrics.requests;
    expect(r.offered).toBe(rows);
    expect(r.served + r.dropped + r.timedOut).toBe(rows); // the trace ends before the hour does
  });

  it('compresses time with the speedup and still offers every row', () => {
    const scenario = makeScenario({
      durationMs: 20 * 60_000,
      traffic: { profile: 'trace', trace: azure(CONV, 4), timeoutMs: 30_000 },
    });
    expect(runScenario(scenario).result.metrics.requests.offered).toBe(19_366);
  });
});

describe('parseTrace', () => {
  const cfg = (over: Partial<TraceConfig> = {}): TraceConfig => ({ ...azure('x'), ...over });

  it('reads CRLF lines without a final newline, with quoted cells, as offsets from the first row', () => {
    const text =
      'TIMESTAMP,ContextTokens,GeneratedTokens\r\n' +
      '2023-11-16 18:15:46.6805900,374,44\r\n' +
      '"2023-11-16 18:15:47.1805900","1,0",2\r\n' +
      '2023-11-16 18:15:50.0000000,10,3';
    const parsed = parseTrace(text, cfg({ inputTokensColumn: null }));
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
    expect([...parsed.trace.arrivalsMs].map((x) => Math.round(x * 10) / 10)).toEqual([0, 500, 3319.4]);
    expect(parsed.trace.inputTokens).toBeNull();
    expect([...parsed.trace.outputTokens!]).toEqual([44, 2, 3]);
  });

  it('reads JSONL with numeric seconds and sorts unsorted rows', () => {
    const text = '{"t": 12.5, "out": 7}\n\n{"t": 10, "out": 3}\n{"t": 11, "out": 5}\n';
    const parsed = parseTrace(
      text,
      cfg({
        format: 'jsonl',
        timeColumn: 't',
        timeUnit: 's',
        inputTokensColumn: null,
        outputTokensColumn: 'out',
      }),
    );
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
    expect([...parsed.trace.arrivalsMs]).toEqual([0, 1000, 2500]);
    expect([...parsed.trace.outputTokens!]).toEqual([3, 5, 7]);
  });

  it('reports a missing column and bad values with their row, as values', () => {
    const missing = parseTrace('time,x\n1,2\n', cfg({ timeColumn: 'TIMESTAMP' }));
    expect(missing.ok).toBe(false);
    if (!missing.ok) expect(missing.issues.map((i) => i.code)).toContain('TRACE_COLUMN_MISSING');
    const bad = parseTrace(
      't\n5\nsoon\n',
      cfg({ timeColumn: 't', timeUnit: 'ms', inputTokensColumn: null, outputTokensColumn: null }),
    );
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.issues[0]!.message).toMatch(/data row 2/);
  });

  it('parses date-times with and without zones, keeping sub-millisecond fractions', () => {
    expect(parseDateTimeMs('2023-11-16 18:15:46.6805900')).toBeCloseTo(
      Date.UTC(2023, 10, 16, 18, 15, 46) + 680.59,
      6,
    );
    expect(parseDateTimeMs('2023-11-16T18:15:46Z')).toBe(Date.UTC(2023, 10, 16, 18, 15, 46));
    expect(parseDateTimeMs('2023-11-16T18:15:46+01:00')).toBe(Date.UTC(2023, 10, 16, 17, 15, 46));
    expect(parseDateTimeMs('16/11/2023')).toBeNaN();
  });
});
