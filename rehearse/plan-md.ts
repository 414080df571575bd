// plan.md: the pre-flight check as Markdown, ready to paste into a pull request.
import { countOf, formatHumanDurationMs, formatRate } from '../reports/format.js';
import type { Candidate, Plan } from './preflight.js';

const cellText = (text: string): string =>
  text.replace(/[|\\`*_<>[\]]/g, (c) => `\\${c}`).replace(/\r?\n/g, ' ');

export function planMarkdown(p: Plan): string {
  const lines: string[] = [];
  const verdict = { feasible: '✅ feasible', atRisk: '⚠️ at risk', infeasible: '❌ infeasible' }[p.verdict];
  lines.push(
    `## Pre-flight plan: ${cellText(p.scenario)}, edit ${p.edit + 1} (rev${p.fromRevision} → rev${p.toRevision})`,
    '',
  );
  lines.push(`**Verdict: ${verdict}**`, '');
  for (const r of p.reasons) lines.push(`- ${cellText(r)}`);
  if (p.reasons.length > 0) lines.push('');
  lines.push(
    'The verdict weighs the abort rollback from every state, the autoscaler against the pools and the seed sweep; not the new revision failing its checks, a node lost or free GPUs taken (`rollsim rehearse` places each at every state).',
    '',
  );
  lines.push(
    `**Point of no return:** ${p.pointOfNoReturn === null ? 'none — a rollback from every state restores the prior revision in time' : `step ${p.pointOfNoReturn.step} (at ${formatHumanDurationMs(p.pointOfNoReturn.atMs)})`}`,
    '',
  );
  lines.push(
    `**Autoscaler ratchet:** ${
      p.ratchet === null
        ? 'none'
        : `at ${formatHumanDurationMs(p.ratchet.atMs)} the autoscaler wants ${p.ratchet.wantedInstances} instances (up to ${p.ratchet.peakWantedInstances}); the pools can hold ${p.ratchet.schedulableInstances}. Per instance: ${formatRate(p.ratchet.perInstanceRps.before)} → ${formatRate(p.ratchet.perInstanceRps.after)} req/s`
    }`,
    '',
  );
  lines.push('### GPUs at each state of the rollout (scenario seed ' + String(p.seed) + ')', '');
  lines.push(
    '| step | at | phase | instances | GPUs needed | GPUs held / free per pool | rollback needs | free + freed | rollback restores in |',
  );
  lines.push('|---|---|---|---|---|---|---|---|---|');
  for (const s of p.steps) {
    const inst = Object.entries(s.instances)
      .map(([rev, c]) => `${rev} ${c.ready}r ${c.starting}s ${c.pending}p ${c.draining}d`)
      .join(', ');
    const pools = Object.entries(s.pools)
      .map(([name, u]) => `${cellText(name)} ${u.deployment}/${u.free}`)
      .join(', ');
    const rb = s.rollback;
    const restores =
      rb.restoredMs === null
        ? '**never**'
        : `${formatHumanDurationMs(rb.restoredMs)}${rb.withinDeadline ? '' : ' (**past deadline**)'}`;
    lines.push(
      `| ${s.index} | ${formatHumanDurationMs(s.atMs)} | ${s.phase} | ${inst} | ${Object.entries(s.needsGpus)
        .map(([t, n]) => `${n} ${cellText(t)}`)
        .join(', ')} | ${pools} | ${rb.needsGpus} | ${rb.freeGpus} + ${rb.freedGpus} | ${restores} |`,
    );
  }
  lines.push(
    '',
    `Rollback deadline: ${formatHumanDurationMs(p.rollbackDeadlineMs)} (rollout.progressDeadline).`,
    '',
  );
  if (p.capacityEvents.length > 0) {
    lines.push('### What changes the free GPUs from the edit on', '');
    for (const e of p.capacityEvents)
      lines.push(`- ${formatHumanDurationMs(e.atMs)}, ${cellText(e.pool)}: ${cellText(e.what)}`);
    lines.push('');
  }
  lines.push(
    `### Over ${countOf(p.seeds, 'seed')}`,
    '',
    '| outcome | runs | 95 % interval |',
    '|---|---|---|',
  );
  for (const [k, v] of Object.entries(p.outcomes))
    lines.push(`| ${k} | ${v.count} | ${(v.low * 100).toFixed(1)}–${(v.high * 100).toFixed(1)} % |`);
  lines.push(
    '',
    `Rollout duration: ${p.rolloutDurationMs === null ? 'no completed rollout' : `p50 ${formatHumanDurationMs(p.rolloutDurationMs.p50)}, p95 ${formatHumanDurationMs(p.rolloutDurationMs.p95)}`}`,
    '',
  );
  lines.push(
    `### Recommended rollout settings (downtime budget ${formatHumanDurationMs(p.downtimeBudgetMs)}${p.maxDroppedPercent === null ? '' : `, dropped at most ${p.maxDroppedPercent}%`})`,
    '',
  );
  if (p.inPlace) {
    lines.push(`None needed: ${p.recommendation.rule}.`);
    return `${lines.join('\n')}\n`;
  }
  lines.push(
    p.recommended === null
      ? 'None of the candidates meets the budget.'
      : `**maxSurge ${p.recommended.maxSurge}, maxUnavailable ${p.recommended.maxUnavailable}**`,
    '',
    `Rule: ${p.recommendation.rule}.`,
    '',
    '| maxSurge | maxUnavailable | completed | worst downtime | worst dropped | mean GPU-hours | meets budget |',
    '|---|---|---|---|---|---|---|',
  );
  for (const c of p.recommendation.candidates)
    lines.push(
      `| ${c.maxSurge} | ${c.maxUnavailable} | ${c.completed}/${c.runs}${rolledBackText(c)} | ${formatHumanDurationMs(c.maxDowntimeMs)} | ${c.maxDroppedPercent.toFixed(2)}% | ${c.meanGpuHours.toFixed(3)} | ${c.meetsBudget ? 'yes' : 'no'} |`,
    );
  return `${lines.join('\n')}\n`;
}

/**
 * Why a candidate's runs did not complete: " (rolled back: HEALTH_CHECK_FAILED ×19)", " (still under way
 * at the end ×10)", both, or "".
 */
function rolledBackText(c: Candidate): string {
  const reasons = Object.entries(c.rolledBack);
  const parts = [
    ...(reasons.length === 0 ? [] : [`rolled back: ${reasons.map(([r, n]) => `${r} ×${n}`).join(', ')}`]),
    ...(c.inProgress > 0 ? [`still under way at the end ×${c.inProgress}`] : []),
  ];
  return parts.length === 0 ? '' : ` (${parts.join('; ')})`;
}
