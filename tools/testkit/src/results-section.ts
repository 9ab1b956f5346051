import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

const HEADER =
  '# Breakwater benchmark results\n\nEach section is written by its benchmark script; edit only between your own markers.\n';

/**
 * Replaces the section of `path` between the `start` and `end` marker lines with `body`, creating
 * the file (with a header) or appending the section when missing. The rest of the file is left byte
 * for byte. The one RESULTS.md section writer of the benches (tools/bench) and the reliability
 * suite (tools/reliability).
 */
export function writeMarkedSection(path: string, start: string, end: string, body: string): void {
  const section = `${start}\n${body.trim()}\n${end}`;
  let text = existsSync(path) ? readFileSync(path, 'utf8') : HEADER;
  const a = text.indexOf(start);
  const b = text.indexOf(end);
  if (a >= 0 && b > a) text = text.slice(0, a) + section + text.slice(b + end.length);
  else text = `${text.trimEnd()}\n\n${section}\n`;
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}
