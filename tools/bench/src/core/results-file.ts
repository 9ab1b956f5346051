import { existsSync, readFileSync, writeFileSync } from 'node:fs';

const START = '<!-- bench:core:start -->';
const END = '<!-- bench:core:end -->';
const HEADER = '# Breakwater benchmark results\n\nEach section is written by its benchmark script; edit only between your own markers.\n';

/**
 * Replaces the core section of RESULTS.md (between its markers), creating the file or the section
 * when missing. Other sections are left byte for byte.
 */
export function writeCoreSection(path: string, body: string): void {
  const section = `${START}\n${body.trim()}\n${END}`;
  let text = existsSync(path) ? readFileSync(path, 'utf8') : HEADER;
  const a = text.indexOf(START);
  const b = text.indexOf(END);
  if (a >= 0 && b > a) text = text.slice(0, a) + section + text.slice(b + END.length);
  else text = `${text.trimEnd()}\n\n${section}\n`;
  writeFileSync(path, text);
}
