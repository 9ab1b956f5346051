// Layering rules, checked by `npm run layers` (in .ci/run). Workspace packages resolve to their
// TypeScript sources (the @breakwater/source condition), so an import of '@breakwater/core' lands on
// packages/core/src/index.ts and a deep import lands on the file it names.
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
        pathNot: ['^packages/$1/', '^packages/[^/]+/src/index\\.ts$', '^packages/core/src/internal\\.ts$', '^packages/[^/]+/schema\\.json$'],
      },
    },
    {
      name: 'core-not-through-own-entries',
      severity: 'error',
      comment:
        "The core's modules import each other by relative path, never through the core's own entry points " +
        '(src/index.ts, src/internal.ts): those only re-export, and an import back into them makes cycles. Tests may.',
      from: { path: '^packages/core/src/', pathNot: ['\\.(int\\.|property\\.)?test\\.ts$', '/test-support/', '\\.bench\\.m?ts$'] },
      to: { path: '^packages/core/src/(index|internal)\\.ts$' },
    },
    {
      name: 'public-root-not-internal',
      severity: 'error',
      comment: 'The public root (src/index.ts) never re-exports the internal entry or the HTTP adapter kit (src/http/).',
      from: { path: '^packages/core/src/index\\.ts$' },
      to: { path: '^packages/core/src/(internal\\.ts$|http/)' },
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
      comment: 'Apps import packages (and other apps) only through their entry points, by name (@breakwater/core/internal included).',
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
