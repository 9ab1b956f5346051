// One strategy's pick() cost in its own process (spawned by lb.bench.ts), so no strategy runs on
// JIT state another strategy left behind. Args: <strategy name> <iterations> <rounds> <sizes,...>.
// Prints one JSON line: PickCost[].
import { measurePick, type PickCost } from './lb-pick.js';
import { PICK_SUBJECTS } from './lb-strategies.js';

const [name, iterations, rounds, sizes] = process.argv.slice(2);
const subject = PICK_SUBJECTS.find((s) => s.name === name);
if (subject === undefined) throw new Error(`lb-pick-child: unknown strategy ${String(name)}`);
const costs: PickCost[] = (sizes ?? '10')
  .split(',')
  .map((n) => measurePick(subject, Number(n), Number(iterations), Number(rounds)));
process.stdout.write(`${JSON.stringify(costs)}\n`);
