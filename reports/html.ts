// report.html for one run: summary, edits, expectations, interactive charts and the event timeline.
// Every string that comes from the scenario or the result goes through escapeHtml.
import type { ExpectationResult, Marker, RunResult } from '../result/result.js';
import { chartConfigs } from './charts.js';
import { escapeHtml, formatClockMs } from './format.js';
import { chartFigureHtml, selfContainedPage } from './html-page.js';
import type { ScalingNote } from '../sim/advice.js';
import { scalingNoteParts, summarize, type EditRow, type RunSummary, type SummaryFact } from './summary.js';

const MARKER_TEXT: Readonly<Record<Marker['kind'], { text: string; tone: string }>> = {
  editRequested: { text: 'edit requested', tone: 'neutral' },
  editCompleted: { text: 'edit completed', tone: 'good' },
  editRolledBack: { text: 'rolled back', tone: 'bad' },
  editRejected: { text: 'edit rejected', tone: 'bad' },
  rollbackRequested: { text: 'rollback requested', tone: 'neutral' },
  rollbackStarted: { text: 'rolling back', tone: 'bad' },
  fault: { text: 'fault', tone: 'bad' },
  scale: { text: 'scaled', tone: 'neutral' },
  belowDesired: { text: 'below desired count', tone: 'bad' },
  atDesired: { text: 'at desired count', tone: 'good' },
};

const PAGE_CSS = `
.facts { display: grid; grid-template-columns: repeat(auto-fill, minmax(260px, 1fr)); gap: 10px; margin: 0; }
.fact { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; }
.fact dt { color: var(--muted); font-size: 13px; }
.fact dd { margin: 2px 0 0; font-weight: 600; overflow-wrap: anywhere; }
.fact.bad { border-left: 4px solid var(--bad); } .fact.good { border-left: 4px solid var(--good); }
.fact.neutral { border-left: 4px solid var(--line); }
td.nowrap { white-space: nowrap; }
.headline { font-size: 16px; margin: 0 0 20px; }
`;

function factHtml(f: SummaryFact): string {
  return `<div class="fact ${f.tone}"><dt>${escapeHtml(f.label)}</dt><dd>${escapeHtml(f.value)}</dd></div>`;
}

function editsTable(rows: readonly EditRow[]): string {
  if (rows.length === 0) return '<p>The scenario requested no edits.</p>';
  const body = rows
    .map(
      (
        r,
      ) => `<tr><td class="nowrap">${escapeHtml(r.label)}</td><td class="num">${escapeHtml(r.requestedAt)}</td>
<td><span class="badge ${r.tone}">${escapeHtml(r.outcome)}</span></td><td>${escapeHtml(r.detail) || '–'}</td>
<td class="num nowrap">${escapeHtml(r.rollout)}</td><td class="num nowrap">${escapeHtml(r.duration)}</td><td class="nowrap">${escapeHtml(r.revisions)}</td>
<td class="num">${r.peakInstances}</td><td class="num">${r.minReadyInstances}</td><td>${escapeHtml(r.coldStart)}</td></tr>`,
    )
    .join('\n');
  return `<table><thead><tr><th>edit</th><th>requested at</th><th>outcome</th><th>reason / errors</th>
<th>rollout duration</th><th>until outcome</th><th>revisions</th><th>peak instances</th><th>min ready</th><th>mean cold start</th></tr></thead>
<tbody>${body}</tbody></table>`;
}

function expectationsTable(items: readonly ExpectationResult[]): string {
  if (items.length === 0) return '';
  const body = items
    .map(
      (e) => `<tr><td>${escapeHtml(e.name)}</td>
<td><span class="badge ${e.pass ? 'good' : 'bad'}">${e.pass ? 'pass' : 'FAIL'}</span></td><td>${escapeHtml(e.detail)}</td></tr>`,
    )
    .join('\n');
  return `<h2>Expectations</h2>
<table><thead><tr><th>expectation</th><th>result</th><th>detail</th></tr></thead><tbody>${body}</tbody></table>`;
}

function timelineTable(markers: readonly Marker[]): string {
  if (markers.length === 0) return '<p>Nothing happened worth marking.</p>';
  const rows = [...markers]
    .sort((a, b) => a.tMs - b.tMs)
    .map((m) => {
      const kind = MARKER_TEXT[m.kind];
      return `<tr><td class="num">${escapeHtml(formatClockMs(m.tMs))}</td>
<td><span class="badge ${kind.tone}">${escapeHtml(kind.text)}</span></td><td>${escapeHtml(m.label)}</td></tr>`;
    })
    .join('\n');
  return `<table id="event-timeline"><thead><tr><th>time</th><th>event</th><th>detail</th></tr></thead>
<tbody>${rows}</tbody></table>`;
}

function headerHtml(summary: RunSummary): string {
  return `<h1>rollsim · ${escapeHtml(summary.scenario)}</h1>
<p class="sub">seed ${summary.seed} · ${escapeHtml(summary.simulated)} simulated</p>
<p class="headline"><span class="badge ${summary.tone}">${escapeHtml(summary.headline)}</span></p>`;
}

function notesList(notes: readonly ScalingNote[]): string {
  if (notes.length === 0) return '';
  const items = notes.map((n) => {
    const { where, what } = scalingNoteParts(n);
    return `<li><strong>${escapeHtml(where)}</strong>: ${escapeHtml(what)}</li>`;
  });
  return `<h2>Notes</h2>\n<ul id="scaling-notes">${items.join('\n')}</ul>`;
}

/** `notes`: scaling settings out of one instance's reach (sim/advice.ts), listed after the expectations. */
export function runReportHtml(result: RunResult, notes: readonly ScalingNote[] = []): string {
  const summary = summarize(result);
  const charts = chartConfigs(result);
  const body = `${headerHtml(summary)}
<h2>Summary</h2>
<dl class="facts">${summary.facts.map(factHtml).join('\n')}</dl>
<h2>Edits</h2>
${editsTable(summary.edits)}
${expectationsTable(result.expectations)}
${notesList(notes)}
<h2>Charts</h2>
${charts.map(chartFigureHtml).join('\n')}
<h2>Event timeline</h2>
${timelineTable(result.markers)}
<h2>Final deployment</h2>
<details><summary>Spec at revision ${result.final.revision} (${result.final.readyInstances} ready)</summary>
<pre>${escapeHtml(JSON.stringify(result.final.spec, null, 2))}</pre></details>`;
  return selfContainedPage({ title: `rollsim · ${result.scenario}`, css: PAGE_CSS, bodyHtml: body, charts });
}
