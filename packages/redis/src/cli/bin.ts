import { runCli } from './main.js';

// Entry point of the `breakwater-redis` bin (see bin/breakwater-redis.js).
runCli(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`breakwater-redis: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  },
);
