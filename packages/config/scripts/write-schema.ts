/**
 * Writes packages/config/schema.json from the zod schema. Run after changing the schema:
 *   node --conditions=@breakwater/source --import tsx packages/config/scripts/write-schema.ts
 * (schema.test.ts fails while the file is out of date).
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { configJsonSchema } from '../src/json-schema.js';

export const schemaPath = fileURLToPath(new URL('../schema.json', import.meta.url));

/** The exact file content: 2-space JSON with a trailing newline. */
export function schemaText(): string {
  return `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(schemaPath, schemaText());
  process.stdout.write(`wrote ${schemaPath}\n`);
}
