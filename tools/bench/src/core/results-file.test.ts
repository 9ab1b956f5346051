import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeCoreSection } from './results-file.js';
import { median } from './measure.js';

describe('bench:core RESULTS.md section', () => {
  it('creates the file with a header, then replaces only its own section', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'bw-bench-')), 'RESULTS.md');
    writeCoreSection(path, 'first run');
    expect(readFileSync(path, 'utf8')).toMatch(
      /^# Breakwater benchmark results[\s\S]*<!-- bench:core:start -->\nfirst run\n<!-- bench:core:end -->\n$/,
    );
    const others = '<!-- bench:lb:start -->\nlb numbers\n<!-- bench:lb:end -->\n';
    writeFileSync(path, readFileSync(path, 'utf8') + '\n' + others);
    writeCoreSection(path, 'second run');
    const text = readFileSync(path, 'utf8');
    expect(text).toContain('<!-- bench:core:start -->\nsecond run\n<!-- bench:core:end -->');
    expect(text).not.toContain('first run');
    expect(text.endsWith(others)).toBe(true);
  });

  it('median of odd and even lists', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });
});
