import { z } from 'zod';
import { configSchema } from './schema/config.js';

/**
 * The JSON Schema (draft 2020-12) of a config file, generated from the zod schema, for editor
 * completion (`# yaml-language-server: $schema=.../schema.json` or `"$schema"` in JSON).
 * Describes the input form: durations may be strings like "30s".
 */
export function configJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' }) as Record<
    string,
    unknown
  >;
}
