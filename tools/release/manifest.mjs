// The package.json a consumer installs: the repository's own, minus what only the repository uses.

const SOURCE_CONDITION = '@breakwater/source';

/** Removes the `@breakwater/source` condition from every level of an exports value. */
function stripSourceCondition(value) {
  if (Array.isArray(value)) return value.map(stripSourceCondition);
  if (value === null || typeof value !== 'object') return value;
  const out = {};
  for (const [key, inner] of Object.entries(value)) {
    if (key !== SOURCE_CONDITION) out[key] = stripSourceCondition(inner);
  }
  return out;
}

/** @param {Record<string, unknown>} manifest the package.json in the repository */
export function publishedManifest(manifest) {
  const out = { ...manifest };
  if (out.exports !== undefined) out.exports = stripSourceCondition(out.exports);
  return out;
}
