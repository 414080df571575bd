// Vitest global setup: every temporary folder a test run makes (the tests' own, the CLI's and a sweep's
// in the processes they start, the unpacked Chromium) goes inside one folder made for the run and
// removed after it, so `npm test` leaves nothing behind in the system's temporary folder. The test
// processes are forked after this runs, so they inherit TMPDIR, and os.tmpdir() reads it on every call.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'rollsim-test-'));
  process.env.TMPDIR = dir;
  return () => rmSync(dir, { recursive: true, force: true });
}
