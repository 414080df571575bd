// The worker pool that sweeps and rehearsals share: tasks go to `workers` threads of Tinypool, results come
// back in completion order to `onResult`, and Ctrl-C / SIGTERM stop it after the tasks in flight (their
// results are dropped, so a resume runs them again).
import { Tinypool } from 'tinypool';

/** The worker module beside `callerUrl`: its compiled .js, or the tsx loader when running from source. */
export function workerFilename(callerUrl: string): string {
  return new URL(callerUrl.endsWith('.ts') ? './worker-tsx.mjs' : './worker.js', callerUrl).href;
}

export async function runOnPool<T, R>(options: {
  readonly filename: string;
  readonly workers: number;
  readonly tasks: readonly T[];
  readonly onResult: (result: R) => void;
}): Promise<{ count: number; interrupted: boolean }> {
  const { tasks, onResult } = options;
  const threads = Math.min(options.workers, tasks.length);
  if (threads === 0) return { count: 0, interrupted: false };
  const pool = new Tinypool({ filename: options.filename, minThreads: threads, maxThreads: threads });
  let interrupted = false;
  const onSignal = () => {
    interrupted = true;
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let count = 0;
  let next = 0;
  const worker = async () => {
    while (!interrupted && next < tasks.length) {
      const task = tasks[next++]!;
      const result = (await pool.run(task)) as R;
      if (interrupted) break;
      onResult(result);
      count++;
    }
  };
  try {
    await Promise.all(Array.from({ length: threads }, worker));
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await pool.destroy();
  }
  return { count, interrupted };
}
