// Layer rules from DESIGN.md: dependencies point downwards only. Checked in CI (npm run lint:deps).
const lower = ['sip', 'media', 'domain'];
const upper = ['store', 'edge', 'app', 'billing', 'jobs', 'api', 'web', 'cli'];
module.exports = {
  forbidden: [
    ...lower.map((l) => ({
      name: `no-${l}-to-upper`,
      severity: 'error',
      comment: `src/${l} is a lower layer: it must not import ${upper.join(', ')}`,
      from: { path: `^src/${l}/` },
      to: { path: `^src/(${upper.join('|')})/` },
    })),
    {
      name: 'no-sip-to-domain-or-media',
      severity: 'error',
      comment: 'src/sip knows nothing about tenants or media',
      from: { path: '^src/sip/' },
      to: { path: '^src/(domain|media)/' },
    },
    {
      name: 'no-domain-io',
      severity: 'error',
      comment: 'src/domain is pure: no network, file or database modules',
      from: { path: '^src/domain/' },
      to: { path: '^(node:)?(fs|net|dgram|tls|http|https|child_process)$|node_modules/(pg|kysely|@electric-sql|fastify|ws)/', pathNot: '\\.test\\.ts$' },
    },
    {
      name: 'no-store-to-services',
      severity: 'error',
      comment: 'src/store is used by edge/app/billing/jobs/api, never the reverse',
      from: { path: '^src/store/' },
      to: { path: '^src/(edge|app|billing|jobs|api|web|cli)/' },
    },
    {
      name: 'not-to-test',
      severity: 'error',
      from: { path: '^src/', pathNot: '\\.test\\.ts$' },
      to: { path: '^test/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
