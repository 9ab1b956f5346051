import { writeSection } from '../core/results-file.js';

/** Replaces the bench:adapters section of RESULTS.md (between its markers); other sections stay byte for byte. */
export function writeAdaptersSection(path: string, body: string): void {
  writeSection(path, 'adapters', body);
}
