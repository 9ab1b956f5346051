import { existsSync, readFileSync, writeFileSync } from 'node:fs';

const START = '<!-- bench:lb:start -->';
const END = '<!-- bench:lb:end -->';

/** Replaces the bench:lb section of RESULTS.md (between its markers); other sections stay byte for byte. */
export function writeLbSection(path: string, body: string): void {
  const section = `${START}\n${body.trim()}\n${END}`;
  let text = existsSync(path) ? readFileSync(path, 'utf8') : '# Breakwater benchmark results\n';
  const a = text.indexOf(START);
  const b = text.indexOf(END);
  if (a >= 0 && b > a) text = text.slice(0, a) + section + text.slice(b + END.length);
  else text = `${text.trimEnd()}\n\n${section}\n`;
  writeFileSync(path, text);
}
