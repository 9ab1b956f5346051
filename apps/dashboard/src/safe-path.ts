import { resolve, sep } from 'node:path';

/** Why a static path was refused. */
export type PathRejection = 'traversal' | 'encoding' | 'not-allowed';

/**
 * Maps a request path under `/static/` to a file inside `root`, or says why not.
 *
 * Decodes repeatedly (up to 3 rounds) so double-encoded forms like `%252e%252e%252f` are seen
 * for what they are, and rejects any `..` segment, backslash, NUL or leftover `%` at any round
 * instead of trying to normalise them: a static server has no legitimate use for any of them.
 */
export function resolveStatic(
  root: string,
  rawPath: string,
  allowed: ReadonlySet<string>,
): { file: string } | { rejected: PathRejection } {
  let current = rawPath;
  for (let round = 0; round < 3; round++) {
    if (hasTraversal(current)) return { rejected: 'traversal' };
    if (!current.includes('%')) break;
    try {
      current = decodeURIComponent(current);
    } catch {
      return { rejected: 'encoding' };
    }
  }
  if (current.includes('%') || hasTraversal(current)) return { rejected: 'encoding' };
  if (!current.startsWith('/static/')) return { rejected: 'not-allowed' };
  const name = current.slice('/static/'.length);
  if (!allowed.has(name)) return { rejected: 'not-allowed' };
  const file = resolve(root, name);
  // Belt and braces: the allow-list already pins names, but never serve outside root.
  if (!file.startsWith(resolve(root) + sep)) return { rejected: 'traversal' };
  return { file };
}

function hasTraversal(p: string): boolean {
  if (p.includes('\\') || p.includes('\0')) return true;
  return p.split('/').some((seg) => seg === '..' || seg === '.');
}
