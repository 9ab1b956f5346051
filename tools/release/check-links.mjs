#!/usr/bin/env node
// `npm run docs:links` (in .ci/run): every relative link in the repository's Markdown files
// resolves — the file exists and, for `file.md#anchor` or `#anchor`, so does the heading (GitHub's
// slugs). External http(s) links are not fetched (CI has no general network access).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '*.md'], {
  cwd: root,
  encoding: 'utf8',
})
  .split('\n')
  .filter((f) => f !== '' && !f.startsWith('api/') && !f.startsWith('.changeset/') && existsSync(join(root, f)));

/** GitHub's heading anchors: lower case, punctuation dropped, spaces → '-', repeats get -1, -2, … */
function anchorsOf(text) {
  const seen = new Map();
  const anchors = new Set();
  let fenced = false;
  for (const line of text.split('\n')) {
    if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
    const m = fenced ? null : /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!m) continue;
    const base = m[1]
      .replace(/<[^>]+>/g, '')
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  return anchors;
}

const anchorCache = new Map();
const anchorsFor = (path) => {
  if (!anchorCache.has(path)) anchorCache.set(path, anchorsOf(readFileSync(path, 'utf8')));
  return anchorCache.get(path);
};

const broken = [];
let checked = 0;
for (const file of files) {
  const path = join(root, file);
  const text = readFileSync(path, 'utf8').replace(/^(```|~~~)[\s\S]*?^\1/gm, (block) => block.replace(/[^\n]/g, ' '));
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    const inline = line.replace(/`[^`]*`/g, (code) => ' '.repeat(code.length));
    for (const m of inline.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)|^\s*\[[^\]]+\]:\s*(\S+)/g)) {
      const target = m[1] ?? m[2];
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // http:, https:, mailto:
      checked += 1;
      const [rawPath, anchor] = target.split('#');
      const resolved = rawPath === '' ? path : resolve(dirname(path), decodeURIComponent(rawPath));
      const where = `${file}:${i + 1}`;
      if (!existsSync(resolved)) {
        broken.push(`${where}: ${target} → ${relative(root, resolved)} does not exist`);
        continue;
      }
      if (
        anchor !== undefined &&
        anchor !== '' &&
        statSync(resolved).isFile() &&
        resolved.endsWith('.md') &&
        !anchorsFor(resolved).has(anchor.toLowerCase())
      ) {
        broken.push(`${where}: ${target} → no heading with the anchor #${anchor} in ${relative(root, resolved)}`);
      }
    }
  });
}

if (broken.length > 0) {
  process.stderr.write(
    `docs:links: ${broken.length} broken link(s) in ${files.length} Markdown files:\n${broken.map((b) => `  ${b}`).join('\n')}\n`,
  );
  process.exit(1);
}
process.stdout.write(`docs:links: ${checked} relative links in ${files.length} Markdown files resolve\n`);
