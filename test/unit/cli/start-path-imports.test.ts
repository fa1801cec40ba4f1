import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The footprint goal: the `run` command's module graph must not load client-node's generated API
// index (~800 model files, hundreds of ms and tens of MiB at start). A child node process with a
// module resolve hook writes every module URL it loads to a file; the BUILT modules are imported,
// as the shipped binary would (`npm run build` first; `npm test` does).
const dist = join(import.meta.dirname, '../../../dist');
const generatedIndex = '@kubernetes/client-node/dist/gen/';

const dir = mkdtempSync(join(tmpdir(), 'start-path-'));
const trace = join(dir, 'trace.txt');
const hooks = join(dir, 'hooks.mjs');
const register = join(dir, 'register.mjs');

/** The URLs of every module a node process loads when it imports `specifier`. */
function modulesLoadedBy(specifier: string): string[] {
  writeFileSync(trace, '');
  const result = spawnSync(
    process.execPath,
    [
      '--import',
      pathToFileURL(register).href,
      '--input-type=module',
      '-e',
      `await import(${JSON.stringify(specifier)});`,
    ],
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
});
