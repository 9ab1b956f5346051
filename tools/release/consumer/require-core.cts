// A CommonJS TypeScript consumer (module nodenext, TypeScript ≥ 5.8): `import … = require()` of the
// ESM-only @breakwater/core works through Node's require(esm) (Node ≥ 20.19 / 22.12).
import core = require('@breakwater/core');

const breaker = core.circuitBreaker({ name: 'cjs' });
console.log(`require('@breakwater/core') from CommonJS: ${Object.keys(core).length} exports, breaker ${breaker.state}`);
