// Layering rules, checked by `npm run layers` (in .ci/run). Workspace packages resolve to their
// TypeScript sources (the @breakwater/source condition), so an import of '@breakwater/core' lands on
// packages/core/src/index.ts and a deep import lands on the file it names.
const CORE_TESTS = ['\\.(int\\.|property\\.)?test\\.ts$', '/test-support/', '\\.bench\\.m?ts$'];
// The core's layers, bottom to top (docs/ARCHITECTURE.md, "Layers of the core").
const CORE = '^packages/core/src/';
const KERNEL = `${CORE}(kernel/|internal/|(clock|errors|policy|execution|events|local-resource-error)\\.ts$)`;
const POLICIES = `${CORE}(retry|timeout|bulkhead|rate-limit|fallback|hedge|adaptive-concurrency|policies)/|${CORE}pipeline\\.ts$`;
const above = (...folders) => `${CORE}(${folders.join('|')})/`;
const ABOVE_POLICIES = ['store', 'breaker', 'balancing', 'http', 'logging'];

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      severity: 'error',
      comment: 'No import cycles, type-only imports included.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'packages-through-public-entry',
      severity: 'error',
      comment:
        'A package imports another package only through its name and an entry point of its exports map (src/index.ts; ' +
        "the core's internal kit src/internal.ts, @breakwater/core/internal), never a file inside it.",
      from: { path: '^packages/([^/]+)/' },
      to: {
        path: '^packages/([^/]+)/',
        pathNot: [
          '^packages/$1/',
          '^packages/[^/]+/src/index\\.ts$',
          '^packages/core/src/internal\\.ts$',
          '^packages/[^/]+/schema\\.json$',
        ],
      },
    },
    {
      name: 'core-not-through-own-entries',
      severity: 'error',
      comment:
        "The core's modules import each other by relative path, never through the core's own entry points " +
        '(src/index.ts, src/internal.ts): those only re-export, and an import back into them makes cycles. Tests may.',
      from: { path: '^packages/core/src/', pathNot: CORE_TESTS },
      to: { path: '^packages/core/src/(index|internal)\\.ts$' },
    },
    {
      name: 'public-root-not-internal',
      severity: 'error',
      comment:
        'The public root (src/index.ts) never re-exports the internal entry or the HTTP adapter kit (src/http/).',
      from: { path: '^packages/core/src/index\\.ts$' },
      to: { path: '^packages/core/src/(internal\\.ts$|http/)' },
    },
    // The core's layer map, bottom to top: kernel (kernel/, internal/, clock, errors, policy, execution,
    // events, local-resource-error) ← policies (retry, timeout, bulkhead, rate-limit, fallback, hedge,
    // adaptive-concurrency, pipeline) ← store ← breaker ← balancing ← http (the adapter kit) ← logging and
    // the entry points. A layer never imports one above it, type-only imports included; no exceptions.
    // Tests, test-support and benches may.
    {
      name: 'core-kernel-below-policies',
      severity: 'error',
      comment: 'The kernel is the bottom layer: it imports no policy, store, breaker, balancing, http or logging code.',
      from: { path: KERNEL, pathNot: CORE_TESTS },
      to: { path: [POLICIES, above(...ABOVE_POLICIES)] },
    },
    {
      name: 'core-policies-below-store',
      severity: 'error',
      comment: 'The policies never import the breaker store, the breaker, the balancer, the adapter kit or logging.',
      from: { path: POLICIES, pathNot: CORE_TESTS },
      to: { path: above(...ABOVE_POLICIES) },
    },
    {
      name: 'core-store-below-breaker',
      severity: 'error',
      comment:
        'The breaker store (its protocol, generation arithmetic, the memory store) never imports the breaker, the ' +
        'balancer, the adapter kit, logging or adaptive concurrency: a breaker attaches to a store, not the reverse.',
      from: { path: above('store'), pathNot: CORE_TESTS },
      to: { path: above('breaker', 'balancing', 'http', 'logging', 'adaptive-concurrency') },
    },
    {
      name: 'core-breaker-below-balancing',
      severity: 'error',
      comment: 'The breaker never imports the balancer, the adapter kit, logging or adaptive concurrency.',
      from: { path: above('breaker'), pathNot: CORE_TESTS },
      to: { path: above('balancing', 'http', 'logging', 'adaptive-concurrency') },
    },
    {
      name: 'core-balancing-below-http',
      severity: 'error',
      comment: 'The balancer never imports the adapter kit, logging or adaptive concurrency (they sit above it).',
      from: { path: above('balancing'), pathNot: CORE_TESTS },
      to: { path: above('http', 'logging', 'adaptive-concurrency') },
    },
    {
      name: 'core-http-below-logging',
      severity: 'error',
      comment: 'The adapter kit never imports logging.',
      from: { path: above('http'), pathNot: CORE_TESTS },
      to: { path: above('logging') },
    },
    {
      name: 'packages-by-name',
      severity: 'error',
      comment: 'Across packages, import by package name (@breakwater/x), not by a relative path.',
      from: { path: '^packages/([^/]+)/' },
      to: { path: '^packages/([^/]+)/', pathNot: '^packages/$1/', dependencyTypes: ['local'] },
    },
    {
      name: 'packages-not-apps',
      severity: 'error',
      comment: 'Published packages never import the demo apps or the repository tools (tests may use tools/testkit).',
      from: { path: '^packages/', pathNot: ['\\.(int\\.|rel\\.)?test\\.ts$', '/test-support/', '\\.bench\\.m?ts$'] },
      to: { path: '^(apps|tools)/' },
    },
    {
      name: 'apps-only-public-entries',
      severity: 'error',
      comment:
        'Apps import packages (and other apps) only through their entry points, by name (@breakwater/core/internal included).',
      from: { path: '^apps/([^/]+)/' },
      to: {
        path: '^(packages|apps)/([^/]+)/',
        pathNot: ['^apps/$1/', '^(packages|apps)/[^/]+/src/index\\.ts$', '^packages/core/src/internal\\.ts$'],
      },
    },
    {
      name: 'apps-by-name',
      severity: 'error',
      comment: 'Apps import packages and other apps by name, not by a relative path.',
      from: { path: '^apps/([^/]+)/' },
      to: { path: '^(packages|apps)/([^/]+)/', pathNot: '^apps/$1/', dependencyTypes: ['local'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(dist|node_modules|\\.out)/' },
    tsPreCompilationDeps: true,
    combinedDependencies: false,
    tsConfig: { fileName: 'tsconfig.base.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['@breakwater/source', 'import', 'types', 'node', 'default'],
      mainFields: ['module', 'main', 'types'],
      extensions: ['.ts', '.mts', '.cts', '.js', '.mjs', '.d.ts', '.json'],
    },
    moduleSystems: ['es6', 'cjs'],
  },
};
