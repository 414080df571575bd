// rehearsal.html: the steps × fault kinds matrix twice — coloured by downtime, and by time to restore
// the prior revision — every cell giving its outcome and the command that replays it. Every value from
// the scenario is escaped; the page needs no network.
import { escapeHtml, formatHumanDurationMs } from '../reports/format.js';
import { baselineNote } from './branch.js';
import type { BranchResult, Rehearsal, RehearsalStep } from './types.js';

const e = escapeHtml;

/** Green → amber → red over [0, worst]; grey for "never". */
function heat(value: number | null, worst: number): string {
  if (value === null) return '#b0b0b0';
  if (value <= 0) return '#c8ecc8';
  const x = Math.min(1, value / Math.max(1, worst));
  const hue = Math.round(60 - 60 * x);
  return `hsl(${hue}, 85%, ${80 - 15 * x}%)`;
}

function stepLabel(s: RehearsalStep): string {
  const revs = Object.entries(s.instances)
    .map(
      ([rev, c]) =>
        `${rev}: ${c.ready} ready` +
        (c.starting > 0 ? `, ${c.starting} starting` : '') +
        (c.pending > 0 ? `, ${c.pending} pending` : '') +
        (c.draining > 0 ? `, ${c.draining} draining` : ''),
    )
    .join('; ');
  return `${s.index} · ${formatHumanDurationMs(s.atMs)} · ${s.phase}<br><small>${e(revs)}</small>`;
}

function cell(b: BranchResult | undefined, metric: 'downtime' | 'restore', worst: number): string {
  if (b === undefined) return '<td class="missing">not run</td>';
  const value = metric === 'downtime' ? b.downtimeMs : b.restoredMs;
  const shown =
    metric === 'downtime'
      ? formatHumanDurationMs(b.downtimeMs)
      : b.restoredMs === null
        ? b.recovered === 'new'
          ? 'completed'
          : 'never'
        : formatHumanDurationMs(b.restoredMs);
  const colour = metric === 'restore' && b.recovered === 'new' ? '#cfe0f7' : heat(value, worst);
  const mark = b.pass ? '' : ' class="fail"';
  const problems =
    b.problems.length === 0 ? '' : `<ul>${b.problems.map((p) => `<li>${e(p)}</li>`).join('')}</ul>`;
  return (
    `<td${mark} style="background:${colour}"><strong>${e(shown)}</strong><br>` +
    `<small>${e(b.outcome)}${b.reason === null ? '' : ` · ${e(b.reason)}`}${b.invariantsHeld ? '' : ' · INVARIANT BROKEN'}</small>` +
    `<details><summary>replay</summary><code>${e(b.replay)}</code>${problems}</details></td>`
  );
}

function matrix(r: Rehearsal, metric: 'downtime' | 'restore'): string {
  const byKey = new Map(r.branches.map((b) => [`${b.step}:${b.fault}`, b]));
  const values = r.branches.map((b) => (metric === 'downtime' ? b.downtimeMs : (b.restoredMs ?? 0)));
  const worst = Math.max(1, ...values);
  const head = `<tr><th>step</th>${r.faults.map((f) => `<th title="${e(r.faultMeaning[f] ?? '')}">${e(f)}</th>`).join('')}</tr>`;
  const rows = r.steps
    .map(
      (s) =>
        `<tr><th class="step">${stepLabel(s)}</th>${r.faults.map((f) => cell(byKey.get(`${s.index}:${f}`), metric, worst)).join('')}</tr>`,
    )
    .join('\n');
  return `<table>${head}\n${rows}</table>`;
}

export function rehearsalHtml(r: Rehearsal): string {
  const failing = r.branches.filter((b) => !b.pass);
  const verdict =
    failing.length === 0
      ? `<p class="ok">Every branch that ran restored the deployment with every invariant held.</p>`
      : `<p class="bad">${failing.length} of ${r.branches.length} branches fail:</p><ul>${failing
          .map((b) => `<li>step ${b.step} × ${e(b.fault)}: ${e(b.problems.join('; '))}</li>`)
          .join('')}</ul>`;
  const faults = r.faults
    .map((f) => `<li><strong>${e(f)}</strong>: ${e(r.faultMeaning[f] ?? '')}</li>`)
    .join('');
  const missing = r.summary.missing > 0 ? `<p>${r.summary.missing} branches not run yet (a shard).</p>` : '';
  const note = baselineNote(r)
    .map((l) => `<p class="bad">Note: ${e(l)}</p>`)
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>Rehearsal: ${e(r.scenario)}</title>
<style>
body{font:14px system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;margin:1em 0}
th,td{border:1px solid #999;padding:4px 8px;vertical-align:top;text-align:left}
td.fail{outline:3px solid #b00020;outline-offset:-3px}
td.missing{color:#777}
th.step{font-weight:normal}
code{font-size:12px;word-break:break-all}
.ok{color:#1b5e20}.bad{color:#b00020}
</style></head><body>
<h1>Rehearsal: ${e(r.scenario)}, edit ${r.edit + 1}, seed ${r.seed}</h1>
<p>rev${r.fromRevision} → rev${r.toRevision}. Each row is a state the rollout passes through; each column places a
fault 1 ms after that state was reached, in a run otherwise identical to the scenario's. "Restored" is the
time from the fault until rev${r.fromRevision} was back at ${r.priorReadyCount} ready instances, while the edit rolled back or after (or at the most the autoscaler wants from then on, if fewer).</p>
<ul>${faults}</ul>
${note}${verdict}${missing}
<h2>Downtime</h2>
${matrix(r, 'downtime')}
<h2>Time to restore the prior revision</h2>
${matrix(r, 'restore')}
</body></html>
`;
}
