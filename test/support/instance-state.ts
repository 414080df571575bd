// An engine instance record for table and scale-down tests: ready, available and created at 0 unless the
// patch says otherwise.
import type { InstanceState } from '../../engine/state.js';

export function readyInstance(
  id: string,
  revision: number,
  patch: Partial<InstanceState> = {},
): InstanceState {
  return {
    id,
    revision,
    phase: 'ready',
    createdAtMs: 0,
    scheduledAtMs: 0,
    readyAtMs: 0,
    passedAtMs: 0,
    consecutivePasses: 1,
    consecutiveFailures: 0,
    available: true,
    terminating: false,
    ...patch,
  };
}
