import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { beforeAll, describe, expect, it } from 'vitest';

// The folder rules of eslint.config.js, run on snippets placed as if they were files of src/.
// Type-aware rules are off here: they need the file on disk, and the import rules do not.
describe('folder import rules', () => {
  let eslint: ESLint;

  beforeAll(() => {
    eslint = new ESLint({
      cwd: process.cwd(),
      overrideConfig: [
        tseslint.configs.disableTypeChecked,
        { languageOptions: { parserOptions: { projectService: false } } },
      ],
    });
  });

  const restrictedImports = async (filePath: string, specifier: string, typeOnly = false) => {
    const code = typeOnly
      ? `import type { T } from '${specifier}';\nexport type U = T;\n`
      : `import { t } from '${specifier}';\nexport const u = t;\n`;
    const [result] = await eslint.lintText(code, { filePath });
    return (result?.messages ?? []).map((m) => m.ruleId ?? m.message);
  };

  it.each([
    '../api/constants.js',
    '../flux/install/options.js',
    '../gardener/types.js',
    '../controller/errors.js',
    '../controller/shoot-flux/flux-install.js',
    '../cli/main.js',
    '../admission/metrics.js',
  ])('fails src/kube importing the domain or a caller: %s', async (specifier) => {
    expect(await restrictedImports('src/kube/x.ts', specifier)).toEqual(['no-restricted-imports']);
    expect(await restrictedImports('src/kube/x.ts', specifier, true)).toEqual(['no-restricted-imports']);
  });

  it.each(['./apply.js', '../log/logger.js', '@kubernetes/client-node'])(
    'lets src/kube import Kubernetes pieces, the logger and libraries: %s',
    async (specifier) => {
      expect(await restrictedImports('src/kube/x.ts', specifier)).toEqual([]);
    },
  );

  it('lets src/flux use the pure workload readiness rule of src/kube, nothing else of it', async () => {
    expect(await restrictedImports('src/flux/x.ts', '../kube/workload-readiness.js')).toEqual([]);
    expect(await restrictedImports('src/flux/x.ts', '../kube/apply.js')).toEqual(['no-restricted-imports']);
  });

  it('keeps src/log free of every other folder', async () => {
    expect(await restrictedImports('src/log/x.ts', '../kube/errors.js')).toEqual(['no-restricted-imports']);
    expect(await restrictedImports('src/log/x.ts', '../api/types.js')).toEqual(['no-restricted-imports']);
  });
});
