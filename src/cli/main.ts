#!/usr/bin/env node
/**
 * The `nldb` executable (package.json "bin"). Everything happens in runCli (cli.ts); this file
 * only connects it to the process: streams, environment, signals, exit code.
 */
import { runCli } from './cli.js';
import { EXIT } from './exit.js';

// `nldb monitor | head`: a closed pipe is the reader's way of saying "enough", not an error.
for (const s of [process.stdout, process.stderr]) {
  s.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(EXIT.OK);
    throw err;
  });
}

let controller: AbortController | undefined;
function interrupts(): AbortSignal {
  if (!controller) {
    const c = new AbortController();
    controller = c;
    const stop = (sig: NodeJS.Signals): void => {
      // A second Ctrl-C while the first is being handled ends the process at once.
      if (c.signal.aborted) process.exit(sig === 'SIGINT' ? EXIT.INTERRUPTED : EXIT.TERMINATED);
      c.abort(sig);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  }
  return controller.signal;
}

const code = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
  interrupts,
});
process.exitCode = code;
