// `npm run bench:reliability` (after the suite): regenerate the Reliability section of
// tools/bench/RESULTS.md from the figures the tests left in .out/*.json. Tests never write it.
import { RESULTS_MD, writeResultsSection } from './harness/results.js';

writeResultsSection();
process.stdout.write(`wrote the Reliability section of ${RESULTS_MD}\n`);
