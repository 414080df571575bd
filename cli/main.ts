#!/usr/bin/env node
// The `rollsim` executable: runs the CLI and sets the exit code. A bug (an exception that is not bad
// input) prints its stack and exits 1, the code for "an invariant failed".
import { main } from './cli.js';

// `rollsim run --json | head`: the reader leaving early is not an error worth a stack trace.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
    process.stderr.write(`rollsim: internal error (please report it): ${detail}\n`);
    process.exitCode = 1;
  },
);
