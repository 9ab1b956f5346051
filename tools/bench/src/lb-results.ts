import { writeSection } from './core/results-file.js';

/** Replaces the bench:lb section of RESULTS.md (between its markers); other sections stay byte for byte. */
export function writeLbSection(path: string, body: string): void {
  writeSection(path, 'lb', body);
}
