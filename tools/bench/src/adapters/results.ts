import { existsSync, readFileSync, writeFileSync } from 'node:fs';

const START = '<!-- bench:adapters:start -->';
const END = '<!-- bench:adapters:end -->';

/** Replaces the bench:adapters section of RESULTS.md (between its markers); other sections stay byte for byte. */
export function writeAdaptersSection(path: string, body: string): void {
  const section = `${START}\n${body.trim()}\n${END}`;
  let text = existsSync(path) ? readFileSync(path, 'utf8') : '# Breakwater benchmark results\n';
  const a = text.indexOf(START);
  const b = text.indexOf(END);
  if (a >= 0 && b > a) text = text.slice(0, a) + section + text.slice(b + END.length);
  else text = `${text.trimEnd()}\n\n${section}\n`;
  writeFileSync(path, text);
}
