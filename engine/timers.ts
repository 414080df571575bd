// The engine's timers: what happens when a timer the engine scheduled fires (keys in types.ts, TimerKey).
import type { Draft } from './draft.js';
import { onLoadTimeout, onMinReady, onSchedulingTimeout } from './instances.js';
import { onMonitorTimer, onProgressTimer } from './progress.js';
import { onRollbackDeadline } from './rollback.js';
import type { TimerKey } from './types.js';

export function onTimer(d: Draft, key: TimerKey): void {
  switch (key.kind) {
    case 'scheduling':
      return onSchedulingTimeout(d, key.instanceId);
    case 'load':
      return onLoadTimeout(d, key.instanceId);
    case 'minReady':
      return onMinReady(d, key.instanceId);
    case 'progress':
      return onProgressTimer(d);
    case 'monitor':
      return onMonitorTimer(d);
    case 'rollbackDeadline':
      return onRollbackDeadline(d);
  }
}
