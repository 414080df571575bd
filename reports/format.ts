// Number, duration and escaping helpers shared by every report format, so they read the same.

/** `250ms`, `45s`, `12m 30s`, `2h 05m`: short, exact enough for a person. */
export { formatHumanDurationMs } from '../result/duration.js';
import { formatHumanDurationMs } from '../result/duration.js';

/**
 * Simulated time of day as `h:mm:ss` (runs start at 0:00:00; from the second day on `3d 10:00:00`), to
 * the nearest second like the durations beside it: an edit asked for at 1:00:00 that ends 22m 18.955s
 * later ends at 1:22:19, and the report says "22m 19s" (a clock that cut to 1:22:18 read one second off
 * its own duration).
 */
export function formatClockMs(ms: number): string {
  const totalS = Math.round(ms / 1000);
  const h = Math.floor(totalS / 3600);
  const m = Math.floor((totalS % 3600) / 60);
  const s = totalS % 60;
  const clock = `${h % 24}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`;
  // From the second day on, the day first: "3d 10:00:00" rather than "82:00:00".
  return h >= 24 ? `${Math.floor(h / 24)}d ${clock}` : clock;
}

// Counts as every message words them (defined with the scenario's messages, which sit below reports/).
export { countOf, formatCount } from '../scenario/excerpt.js';

export function formatPercent(p: number): string {
  if (p === 0) return '0%';
  if (p < 0.01) return '<0.01%';
  return `${p < 10 ? p.toFixed(2) : p.toFixed(1)}%`;
}

/** "850 ms", "12.68 s"; from a minute up as a duration ("16m 41s"): an async backlog's "1000.52 s" read poorly. */
export function formatLatencyMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(2)} s`;
  return formatHumanDurationMs(ms);
}

export function formatNumber(n: number, digits = 1): string {
  return n.toFixed(digits);
}

/**
 * A rate (requests per second): one decimal from 1 up, two significant digits below, so a slow instance
 * reads "0.15" rather than "0.1" (and twelve of them "1.8", not twelve times the printed figure).
 */
export function formatRate(n: number): string {
  if (n === 0 || Math.abs(n) >= 1) return n.toFixed(1);
  return n.toPrecision(2);
}

const HTML_ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Safe in element content and in quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}

/**
 * JSON for a `<script type="application/json">` block: `<` becomes `\u003c` so no `</script>` or
 * `<!--` inside a string can end or confuse the element. U+2028/2029 are escaped for old parsers.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}
