// JUnit for `rollsim rehearse --junit FILE`: one testsuite for the rehearsal, one testcase per branch.
import { junitXml } from '../reports/junit.js';
import type { Rehearsal } from './types.js';

export function rehearsalJunit(r: Rehearsal, file: string): string {
  return junitXml([
    {
      scenario: `rehearse ${r.scenario} edit ${r.edit + 1}`,
      file,
      durationMs: 0,
      expectations: r.branches.map((b) => ({
        name: `step ${b.step} × ${b.fault}`,
        pass: b.pass,
        detail: b.pass
          ? `${b.outcome}${b.restoredMs === null ? '' : `, restored after ${b.restoredMs} ms`}`
          : `${b.problems.join('; ')} — replay: ${b.replay}`,
      })),
    },
  ]);
}
