import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The footprint goal: the `run` command's module graph must not load client-node's generated API
// index (~800 model files, hundreds of ms and tens of MiB at start), nor what only a reconcile, a
// bundle or another command needs. A child node process with a module resolve hook writes every
// module URL it loads to a file, and at the end every CommonJS module it holds (require.cache: also
// what a createRequire loaded lazily, which no resolve hook sees); the BUILT modules are imported,
// as the shipped binary would (`npm run build` first; `npm test` does).
const dist = join(import.meta.dirname, '../../../dist');
const generatedIndex = '@kubernetes/client-node/dist/gen/';

const dir = mkdtempSync(join(tmpdir(), 'start-path-'));
const trace = join(dir, 'trace.txt');
const hooks = join(dir, 'hooks.mjs');
const register = join(dir, 'register.mjs');

/**
 * The URLs of every module a node process loads when it imports `specifier` and then runs `use`
 * (JavaScript with the module's namespace as `m`).
 */
function modulesLoadedBy(specifier: string, use = ''): string[] {
  writeFileSync(trace, '');
  const script = [
    "import { appendFileSync } from 'node:fs';",
    "import { createRequire } from 'node:module';",
    "import { pathToFileURL } from 'node:url';",
    `const m = await import(${JSON.stringify(specifier)});`,
    use,
    'const cjs = Object.keys(createRequire(import.meta.url).cache).map((file) => pathToFileURL(file).href);',
    `appendFileSync(${JSON.stringify(trace)}, cjs.map((url) => url + '\\n').join(''));`,
  ].join('\n');
  const result = spawnSync(
    process.execPath,
    ['--import', pathToFileURL(register).href, '--input-type=module', '-e', script],
    { encoding: 'utf8', cwd: join(import.meta.dirname, '../../..'), env: { PATH: process.env.PATH ?? '' } },
  );
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  return readFileSync(trace, 'utf8')
    .split('\n')
    .filter((line) => line !== '');
}

beforeAll(() => {
  if (!existsSync(join(dist, 'cli/main.js')))
    throw new Error(`${dist} is missing: run "npm run build" first`);
  writeFileSync(
    hooks,
    [
      "import { appendFileSync } from 'node:fs';",
      'let out;',
      'export function initialize(data) { out = data.out; }',
      'export async function resolve(specifier, context, next) {',
      '  const resolved = await next(specifier, context);',
      "  appendFileSync(out, resolved.url + '\\n');",
      '  return resolved;',
      '}',
    ].join('\n'),
  );
  writeFileSync(
    register,
    [
      "import { register } from 'node:module';",
      `register(${JSON.stringify(pathToFileURL(hooks).href)}, { data: { out: ${JSON.stringify(trace)} } });`,
    ].join('\n'),
  );
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** The packages and our modules a controller loads only once a reconcile, a bundle or another command needs them. */
const notAtStart = [
  '/node_modules/ajv/',
  '/node_modules/yaml/',
  '/node_modules/tar/',
  '/dist/flux/bundle-loader.js',
  '/dist/flux/install/render.js',
  '/dist/controller/shoot-flux/bootstrap.js',
  '/dist/controller/shoot-flux/bootstrapped-reconcile.js',
  '/dist/controller/shoot-flux/config-evaluation.js',
  '/dist/cli/migrate-text.js',
];

describe('the run command start path', () => {
  it('sees the generated index when client-node itself is imported (the trace works)', () => {
    expect(modulesLoadedBy('@kubernetes/client-node').some((url) => url.includes(generatedIndex))).toBe(true);
  });

  it.each([['cli/commands/run.js'], ['cli/run-controller.js'], ['controller/composition.js']])(
    'importing %s loads no module of client-node but its kubeconfig parsers',
    (module) => {
      const loaded = modulesLoadedBy(pathToFileURL(join(dist, module)).href);
      // The graph really was traced: our own modules and the kubeconfig loader are in it.
      expect(loaded.some((url) => url.endsWith('/dist/kube/kubeconfig.js'))).toBe(true);
      expect(loaded.filter((url) => url.includes(generatedIndex))).toEqual([]);
      expect(loaded.filter((url) => url.includes('@kubernetes/client-node/'))).toEqual([
        expect.stringMatching(/@kubernetes\/client-node\/dist\/config_types\.js$/),
      ]);
    },
  );

  it('sees CommonJS packages, also those a createRequire loads on first use (the trace works)', () => {
    const loaded = modulesLoadedBy(pathToFileURL(join(dist, 'api/lazy-ajv.js')).href, 'm.createAjv({});');
    expect(loaded.some((url) => url.includes('/node_modules/ajv/'))).toBe(true);
    expect(
      modulesLoadedBy(pathToFileURL(join(dist, 'log/winston-logger.js')).href).some((url) =>
        url.includes('/node_modules/winston/'),
      ),
    ).toBe(true);
  });

  it.each([['cli/program.js'], ['cli/commands/run.js'], ['controller/composition.js']])(
    'importing %s loads neither ajv, yaml, tar, the bundle loader nor the reconcile work',
    (module) => {
      const loaded = modulesLoadedBy(pathToFileURL(join(dist, module)).href);
      expect(loaded.some((url) => url.endsWith('/dist/controller/shoot-flux/actuator.js'))).toBe(true);
      expect(loaded.filter((url) => notAtStart.some((part) => url.includes(part)))).toEqual([]);
    },
  );
});
