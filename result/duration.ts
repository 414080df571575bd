// How reports and expectation details write a simulated duration for people, defined once: `850ms`,
// `4.2s`, `1m 14s`, `2h 05m`, `7d 02h`. (Validation messages use the scenario file's own compact
// syntax, `1m14s`: formatScenarioDurationMs in scenario/schema.ts.)
export function formatHumanDurationMs(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  const sign = ms < 0 ? '-' : '';
  const abs = Math.abs(ms);
  if (abs === 0) return '0s';
  if (abs < 1000) return `${sign}${Math.round(abs)}ms`;
  const totalS = Math.round(abs / 1000);
  if (totalS < 60) return `${sign}${(abs / 1000).toFixed(abs < 10_000 ? 1 : 0).replace(/\.0$/, '')}s`;
  const h = Math.floor(totalS / 3600);
  const m = Math.floor((totalS % 3600) / 60);
  const s = totalS % 60;
  if (h >= 24) return `${sign}${Math.floor(h / 24)}d ${String(h % 24).padStart(2, '0')}h`;
  if (h > 0) return `${sign}${h}h ${String(m).padStart(2, '0')}m`;
  return s === 0 ? `${sign}${m}m` : `${sign}${m}m ${String(s).padStart(2, '0')}s`;
}
