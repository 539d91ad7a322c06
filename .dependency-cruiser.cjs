// Import cycles are a lint error (`npm run lint` runs this after eslint). Type-only imports count
// too: a type-level cycle still means two files are one, or a type sits in the wrong layer.
// The folder layering itself is checked by eslint.config.js.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'An import cycle: move the shared piece into the lower layer (see docs/architecture.md).',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|out|dist)/' },
    // Type-only imports are dependencies too (TypeScript compiles them away; a cycle through them is still one).
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
