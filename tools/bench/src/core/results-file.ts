import { existsSync, readFileSync, writeFileSync } from 'node:fs';

const HEADER = '# Breakwater benchmark results\n\nEach section is written by its benchmark script; edit only between your own markers.\n';

/**
 * Replaces the section `name` of RESULTS.md (between `<!-- bench:<name>:start -->` and its end
 * marker), creating the file or the section when missing. Other sections are left byte for byte.
 */
export function writeSection(path: string, name: string, body: string): void {
  const start = `<!-- bench:${name}:start -->`;
  const end = `<!-- bench:${name}:end -->`;
  const section = `${start}\n${body.trim()}\n${end}`;
  let text = existsSync(path) ? readFileSync(path, 'utf8') : HEADER;
  const a = text.indexOf(start);
  const b = text.indexOf(end);
  if (a >= 0 && b > a) text = text.slice(0, a) + section + text.slice(b + end.length);
  else text = `${text.trimEnd()}\n\n${section}\n`;
  writeFileSync(path, text);
}

/** The bench:core section (see {@link writeSection}). */
export function writeCoreSection(path: string, body: string): void {
  writeSection(path, 'core', body);
}
