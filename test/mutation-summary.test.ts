// Proves the mutation summary adds up StrykerJS reports correctly: scores with and without the reviewed
// equivalent mutants, matching by source line and columns, and stale or missing explanations.
import { describe, expect, it } from 'vitest';
import { score, scoreExcludingEquivalent, summarise, type Equivalent } from '../tools/mutation-summary.js';

const source = ['const a = 1;', 'if (x < y) return a;', ''].join('\n');
const mutant = (
  status: string,
  line: number,
  column: number,
  endColumn: number,
  mutatorName: string,
  replacement: string,
) => ({
  status,
  mutatorName,
  replacement,
  location: { start: { line, column }, end: { line, column: endColumn } },
});
const report = {
  files: {
    'engine/x.ts': {
      source,
      mutants: [
        mutant('Killed', 2, 5, 10, 'EqualityOperator', 'x <= y'),
        mutant('Timeout', 2, 5, 10, 'ConditionalExpression', 'true'),
        mutant('Survived', 2, 5, 10, 'ConditionalExpression', 'false'),
        mutant('Survived', 2, 5, 10, 'EqualityOperator', 'x >= y'),
        mutant('NoCoverage', 1, 11, 12, 'NumberLiteral', '2'),
        mutant('Ignored', 1, 1, 12, 'BlockStatement', '{}'),
      ],
    },
  },
};
const eq = (over: Partial<Equivalent>): Equivalent => ({
  file: 'engine/x.ts',
  mutator: 'ConditionalExpression',
  replacement: 'false',
  code: 'if (x < y) return a;',
  reason: 'r',
  ...over,
});

describe('mutation summary', () => {
  it('counts each status and scores with and without the equivalent survivors', () => {
    const r = summarise([report], [eq({})]);
    expect(r.total).toMatchObject({
      killed: 1,
      timeout: 1,
      survived: 2,
      noCoverage: 1,
      equivalent: 1,
      ignored: 1,
    });
    expect(score(r.total)).toBeCloseTo(2 / 5, 9);
    expect(scoreExcludingEquivalent(r.total)).toBeCloseTo(2 / 4, 9);
    expect(r.unexplained.map((s) => `${s.line}:${s.mutator}`)).toEqual([
      '2:EqualityOperator',
      '1:NumberLiteral',
    ]);
    expect(r.staleEquivalents).toEqual([]);
  });

  it('matches by line text and, when given, columns; an entry matching nothing is stale', () => {
    expect(summarise([report], [eq({ column: 5, endColumn: 10 })]).total.equivalent).toBe(1);
    const wrongColumn = summarise([report], [eq({ column: 6 })]);
    expect(wrongColumn.total.equivalent).toBe(0);
    expect(wrongColumn.staleEquivalents).toHaveLength(1);
    expect(summarise([report], [eq({ code: 'if (x <= y) return a;' })]).staleEquivalents).toHaveLength(1);
  });

  it('keeps an entry that matches a timed-out mutant (not stale), listed apart and still counted as detected', () => {
    const r = summarise([report], [eq({}), eq({ replacement: 'true' })]);
    expect(r.staleEquivalents).toEqual([]);
    expect(r.timedOutEquivalents.map((t) => t.survivor.replacement)).toEqual(['true']);
    expect(r.total).toMatchObject({ timeout: 1, equivalent: 1 });
  });
});
