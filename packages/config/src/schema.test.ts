import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { schemaPath, schemaText } from '../scripts/write-schema.js';
import { configJsonSchema } from './index.js';

describe('JSON Schema', () => {
  it('schema.json is up to date (regenerate with scripts/write-schema.ts)', () => {
    expect(readFileSync(schemaPath, 'utf8')).toBe(schemaText());
  });

  it('describes the file form: sections, algorithms, strict keys, string durations', () => {
    const s = configJsonSchema() as {
      properties: Record<string, any>;
      required: string[];
      additionalProperties: boolean;
    };
    expect(s.required).toEqual(['load_balancer']);
    expect(s.additionalProperties).toBe(false);
    const lb = s.properties.load_balancer;
    expect(lb.properties.algorithm.enum).toContain('weighted_least_connections');
    expect(lb.properties.servers.items.properties).toHaveProperty('max_connections');
    const interval = lb.properties.health_check.properties.interval;
    expect(interval.anyOf).toEqual([
      { type: 'number', minimum: 0, maximum: 2_147_483_647 },
      { type: 'string', pattern: expect.any(String) },
    ]);
    expect(new RegExp(interval.anyOf[1].pattern).test('30s')).toBe(true);
    expect(s.properties.circuit_breaker.properties.services.additionalProperties.properties).toHaveProperty(
      'failure_threshold',
    );
  });
});
