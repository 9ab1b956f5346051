// Prints the functions with the most self time in a .cpuprofile: node
// tools/bench/src/adapters/summarise-profile.ts file [n]
import { readFileSync } from 'node:fs';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
const file = process.argv[2];
const top = Number(process.argv[3] ?? 40) || 40;
const prof = JSON.parse(readFileSync(file!, 'utf8')) as { nodes: Node[]; samples: number[] };
const self = new Map<number, number>();
for (const s of prof.samples) self.set(s, (self.get(s) ?? 0) + 1);
const byFn = new Map<string, number>();
const byFile = new Map<string, number>();
for (const n of prof.nodes) {
  const k = self.get(n.id) ?? 0;
  const short = n.callFrame.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/(packages|tools)\//, '$1/');
  const key = `${n.callFrame.functionName || '(anon)'} ${short}:${n.callFrame.lineNumber + 1}`;
  byFn.set(key, (byFn.get(key) ?? 0) + k);
  const fileKey = short.startsWith('packages/')
    ? short
    : short.startsWith('node:')
      ? 'node:*'
      : short.split('/')[0] || n.callFrame.functionName;
  byFile.set(fileKey, (byFile.get(fileKey) ?? 0) + k);
}
const total = prof.samples.length;
const print = (m: Map<string, number>, n: number): void => {
  for (const [k, v] of [...m].sort((a, b) => b[1] - a[1]).slice(0, n))
    console.log(`${((v / total) * 100).toFixed(1).padStart(5)} %  ${k}`);
};
console.log('--- by file/package');
print(byFile, 25);
console.log('--- by function');
print(byFn, Number(top));
