import { writeMarkedSection } from '@breakwater/testkit';

/**
 * Replaces the section `name` of RESULTS.md (between `<!-- bench:<name>:start -->` and its end
 * marker), creating the file or the section when missing. Other sections are left byte for byte.
 */
export function writeSection(path: string, name: string, body: string): void {
  writeMarkedSection(path, `<!-- bench:${name}:start -->`, `<!-- bench:${name}:end -->`, body);
}

/** The bench:core section (see {@link writeSection}). */
export function writeCoreSection(path: string, body: string): void {
  writeSection(path, 'core', body);
}
