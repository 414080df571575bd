// summary.md: the run summary for a CI step summary (GitHub renders it as Markdown with inline HTML,
// so scenario strings are escaped for both).
import type { ExpectationResult, RunResult } from '../result/result.js';
import type { ScalingNote } from '../sim/advice.js';
import { scalingNoteParts, summarize, type EditRow, type Tone } from './summary.js';
import { chartConfigs } from './charts.js';

// Characters that start emphasis, code, links or table cells anywhere in a line (`<` is handled as HTML).
const MARKDOWN_SPECIAL = /[\\`*_[\]|~]/g;

/** Text that renders literally in Markdown and in a table cell: no markup, no HTML, one line. */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/[\r\n]+/g, ' ')
    .replace(MARKDOWN_SPECIAL, (c) => `\\${c}`)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;');
}

const TONE_MARK: Readonly<Record<Tone, string>> = { good: '✅', bad: '❌', neutral: '⚠️' };

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

function editsSection(rows: readonly EditRow[]): string {
  if (rows.length === 0) return 'The scenario requested no edits.';
  return table(
    [
      'edit',
      'requested at',
      'outcome',
      'reason / errors',
      'rollout duration',
      'until outcome',
      'revisions',
      'peak instances',
      'min ready',
      'mean cold start',
    ],
    rows.map((r) => [
      escapeMarkdown(r.label),
      escapeMarkdown(r.requestedAt),
      `${TONE_MARK[r.tone]} ${escapeMarkdown(r.outcome)}`,
      escapeMarkdown(r.detail) || '–',
      escapeMarkdown(r.rollout),
      escapeMarkdown(r.duration),
      escapeMarkdown(r.revisions),
      String(r.peakInstances),
      String(r.minReadyInstances),
      escapeMarkdown(r.coldStart),
    ]),
  );
}

function expectationsSection(items: readonly ExpectationResult[]): string {
  if (items.length === 0) return '';
  const lines = items.map(
    (e) => `- ${e.pass ? '✅' : '❌'} **${escapeMarkdown(e.name)}**: ${escapeMarkdown(e.detail)}`,
  );
  return `\n#### Expectations\n\n${lines.join('\n')}\n`;
}

function notesSection(notes: readonly ScalingNote[]): string {
  if (notes.length === 0) return '';
  const lines = notes.map((n) => {
    const { where, what } = scalingNoteParts(n);
    return `- **${escapeMarkdown(where)}**: ${escapeMarkdown(what)}`;
  });
  return `\n#### Notes\n\n${lines.join('\n')}\n`;
}

/** `notes`: scaling settings out of one instance's reach (sim/advice.ts), listed after the expectations. */
export function summaryMarkdown(result: RunResult, notes: readonly ScalingNote[] = []): string {
  const s = summarize(result);
  const facts = table(
    ['metric', 'value'],
    s.facts.map((f) => [
      `**${escapeMarkdown(f.label)}**`,
      `${f.tone === 'bad' ? '❌ ' : ''}${escapeMarkdown(f.value)}`,
    ]),
  );
  return `### ${TONE_MARK[s.tone]} rollsim: ${escapeMarkdown(s.scenario)}

**${escapeMarkdown(s.headline)}** · seed ${s.seed} · ${escapeMarkdown(s.simulated)} simulated

${facts}

#### Edits

${editsSection(s.edits)}
${expectationsSection(result.expectations)}${notesSection(notes)}
Charts (${chartConfigs(result)
    .map((c) => `\`${c.name}.png\``)
    .join(', ')}) and the interactive \`report.html\` are in the output folder.
`;
}
