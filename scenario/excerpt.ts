// Text from untrusted input, made safe to show: control and direction characters escaped, and long text
// cut to a short excerpt, so a hostile file can neither flood a terminal or CI log nor steer it.

/** C0/C1 controls (except newline and tab) and the Unicode direction overrides and isolates. */
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
/** The same with newline and tab: everything that does not belong on one line of text. */
const NOT_ONE_LINE = String.raw`\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069`;
const CONTROL_OR_NEWLINE = new RegExp(`[${NOT_ONE_LINE}]`, 'g');

/** A count as a message shows it: whole, with thousands separators (1,234,567). */
export const formatCount = (n: number): string => Math.round(n).toLocaleString('en-US');

/** `1 instance`, `2 instances`: a count with its noun, singular or plural. */
export function countOf(n: number, singular: string, plural = `${singular}s`): string {
  return `${formatCount(n)} ${n === 1 ? singular : plural}`;
}

/**
 * One line of printable text: none of NOT_ONE_LINE's characters. What scenario strings, sweep plans and
 * run records must match where their text reaches terminals, CI logs and reports.
 */
export const ONE_LINE_PATTERN = new RegExp(`^[^${NOT_ONE_LINE}]*$`);

const escapeChar = (c: string): string => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;

/**
 * Escapes control characters as `\uXXXX` (newline and tab kept). The same form is a valid JSON
 * escape, so JSON output stays valid JSON with the same values.
 */
export function escapeControl(text: string): string {
  return text.replace(CONTROL, escapeChar);
}

/** The longest excerpt of input a message quotes. */
export const EXCERPT_CHARS_MAX = 80;

/** A one-line excerpt: every control character (newlines too) escaped, cut to `max` characters. */
export function excerpt(text: string, max: number = EXCERPT_CHARS_MAX): string {
  const head = text.length > max ? text.slice(0, max) : text;
  const safe = head.replace(CONTROL_OR_NEWLINE, escapeChar);
  return text.length > max ? `${safe}… (${text.length} characters)` : safe;
}

/** `excerpt` in double quotes, the form messages use for a value from the input. */
export function quoted(text: string, max: number = EXCERPT_CHARS_MAX): string {
  return `"${excerpt(text, max)}"`;
}
