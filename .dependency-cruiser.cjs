// Layering rules, checked by `npm run layers` (in .ci/run). Workspace packages resolve to their
// TypeScript sources (the @breakwater/source condition), so an import of '@breakwater/core' lands on
// packages/core/src/index.ts and a deep import lands on the file it names.
const CORE_TESTS = ['\\.(int\\.|property\\.)?test\\.ts$', '/test-support/', '\\.bench\\.m?ts$'];
const CORE_ABOVE_KERNEL =
  '^packages/core/src/(retry|timeout|bulkhead|rate-limit|fallback|hedge|adaptive-concurrency|policies|breaker|store|balancing|http|logging)/';

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
    // The core's layer map, bottom to top: kernel (kernel/, clock, errors, policy, execution) ← policies
    // (retry, timeout, bulkhead, rate-limit, fallback, hedge, pipeline, adaptive-concurrency) ← breaker ←
    // store ← balancing ← http (the adapter kit) ← logging and the entry points. A layer never calls up;
    // the edges that still point up are listed in docs/ARCHITECTURE.md. Tests and test-support may.
    {
      name: 'core-kernel-calls-no-layer-above',
      severity: 'error',
      comment:
        'kernel/ is the bottom layer: it imports no policy, breaker, store, balancing, http or logging code (type-only references allowed).',
      from: { path: '^packages/core/src/kernel/', pathNot: CORE_TESTS },
      to: { path: CORE_ABOVE_KERNEL, dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'core-policies-below-breaker',
      severity: 'error',
      comment: 'The policies never import the breaker store, the balancer or logging.',
      from: {
        path: '^packages/core/src/(retry|timeout|bulkhead|rate-limit|fallback|hedge|adaptive-concurrency)/|^packages/core/src/pipeline\\.ts$',
        pathNot: CORE_TESTS,
      },
      to: { path: '^packages/core/src/(store|balancing|logging)/' },
    },
    {
      name: 'core-breaker-below-balancing',
      severity: 'error',
      comment: 'The breaker never imports the balancer, the adapter kit, logging or adaptive concurrency.',
      from: { path: '^packages/core/src/breaker/', pathNot: CORE_TESTS },
      to: { path: '^packages/core/src/(balancing|http|logging|adaptive-concurrency)/' },
    },
    {
      name: 'core-store-below-balancing',
      severity: 'error',
      comment: 'The breaker store never imports the balancer, the adapter kit or logging.',
      from: { path: '^packages/core/src/store/', pathNot: CORE_TESTS },
      to: { path: '^packages/core/src/(balancing|http|logging)/' },
    },
    {
      name: 'core-balancing-below-logging',
      severity: 'error',
      comment: 'The balancer never imports logging or adaptive concurrency (they observe it from above).',
      from: { path: '^packages/core/src/balancing/', pathNot: CORE_TESTS },
      to: { path: '^packages/core/src/(logging|adaptive-concurrency)/' },
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
