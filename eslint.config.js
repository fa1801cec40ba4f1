// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * Folder import rules: the layout is the architecture (docs/adr/0001-layout.md).
 * `forbidden` are src/ folders this folder may not import; `pure` also keeps runtime I/O
 * libraries out (type imports stay allowed).
 */
const imports = (
  /** @type {string[]} */ forbidden,
  /** @type {boolean} */ pure,
  /** @type {Record<string, string[]>} */ exceptions = {},
) => ({
  'no-restricted-imports': [
    'error',
    {
      paths: pure
        ? [
            {
              name: '@kubernetes/client-node',
              message: 'Kubernetes I/O lives in src/kube',
              allowTypeImports: true,
            },
            { name: 'winston', message: 'winston lives in src/log' },
          ]
        : [],
      patterns: forbidden.map((folder) => ({
        group: [`**/${folder}/*`, ...(exceptions[folder] ?? []).map((file) => `!**/${folder}/${file}`)],
        message: `this folder may not import from src/${folder} (docs/adr/0001-layout.md)`,
      })),
    },
  ],
});

export default tseslint.config(
  { ignores: ['dist/', 'coverage/', 'node_modules/', '.testenv/'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  ...tseslint.configs.stylisticTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['eslint.config.js'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        { allowNumber: true, allowBoolean: true },
      ],
      // client-node's models are classes, yet its API takes plain objects by design.
      '@typescript-eslint/no-unsafe-class-instance-assignment': 'off',
      complexity: ['error', 25],
      'max-depth': ['error', 4],
    },
  },
  { files: ['eslint.config.js'], ...tseslint.configs.disableTypeChecked },
  {
    files: ['src/api/**/*.ts'],
    // The redaction and size rules are pure and must be the same in every layer, bad values included.
    rules: imports(['gardener', 'flux', 'controller', 'kube', 'log', 'cli'], true, {
      log: ['redact.js', 'redact-url.js', 'truncate.js'],
    }),
  },
  { files: ['src/gardener/**/*.ts'], rules: imports(['flux', 'controller', 'kube', 'cli'], true) },
  // The workload readiness rule (CRD Established, Deployment available) is pure Kubernetes
  // semantics; the Flux install and health rules judge their objects with it.
  {
    files: ['src/flux/**/*.ts'],
    rules: imports(['gardener', 'controller', 'kube', 'cli', 'admission'], true, {
      kube: ['workload-readiness.js'],
    }),
  },
  { files: ['src/controller/**/*.ts'], rules: imports(['cli', 'admission'], true) },
  // The Kubernetes client layer knows Kubernetes only: no domain, so any layer can build on it.
  {
    files: ['src/kube/**/*.ts'],
    rules: imports(['api', 'flux', 'gardener', 'controller', 'cli', 'admission'], false),
  },
  {
    files: ['src/log/**/*.ts'],
    rules: imports(['api', 'flux', 'gardener', 'controller', 'kube', 'cli', 'admission'], false),
  },
  // The webhook judges with the controller's own evaluation (api, gardener) and reads the garden
  // through kube; it runs in the garden, so the seed's controller is no part of it.
  { files: ['src/admission/**/*.ts'], rules: imports(['flux', 'controller', 'cli'], true) },
  {
    files: ['test/**/*.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.object.name='vi'][callee.property.name=/^(mock|doMock)$/]",
          message: 'no module mocks: tests use the real API server (docs/adr/0002-test-runner.md)',
        },
      ],
    },
  },
);
