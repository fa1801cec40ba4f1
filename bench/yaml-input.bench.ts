// Figures for reading user YAML: how time grows with the number of keys (linear since the CLI
// reads with js-yaml and edits with the `yaml` package without its quadratic duplicate-key
// check), and how fast alias bombs are refused. Prints figures; asserts nothing.
//   npx tsx bench/yaml-input.bench.ts
import { parseAllDocuments } from 'yaml';
import { decodeYamlInput } from '../src/api/yaml-input.js';
import type { CliIo } from '../src/cli/cli-io.js';
import { runCli } from '../src/cli/program.js';

const print = (line: string) => process.stdout.write(`${line}\n`);

function ms(body: () => unknown): number {
  const start = process.hrtime.bigint();
  body();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

async function cliMs(args: string[], input: string): Promise<{ ms: number; code: number }> {
  const io: CliIo = { stdin: [input], stdout: { write: () => true }, stderr: { write: () => true } };
  const start = process.hrtime.bigint();
  const code = await runCli(args, io);
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, code };
}

function manyKeys(count: number): string {
  const keys = Array.from({ length: count }, (_, i) => `      k${i}: v${i}\n`).join('');
  return `apiVersion: flux.extensions.gardener.cloud/v1alpha1
kind: FluxConfig
source:
  template:
    spec:
${keys}kustomization: {template: {spec: {path: .}}}
`;
}

function aliasBomb(payload: number, uses: number): string {
  return `apiVersion: flux.extensions.gardener.cloud/v1alpha1
kind: FluxConfig
x: &s ["${'z'.repeat(payload)}"]
y: [${Array<string>(uses).fill('*s').join(', ')}]
`;
}

// Warm up the JIT so the first row is comparable.
await cliMs(['validate', '-f', '-'], manyKeys(2000));

print('keys    bytes     decodeYamlInput  validate  migrate   yaml-package-with-duplicate-check');
for (const count of [5_000, 10_000, 20_000, 40_000]) {
  const text = manyKeys(count);
  const decode = ms(() => decodeYamlInput(text));
  const validate = await cliMs(['validate', '-f', '-'], text);
  const migrate = await cliMs(['migrate', '-f', '-'], text);
  const quadratic = ms(() => parseAllDocuments(text));
  print(
    `${String(count).padEnd(7)} ${String(text.length).padEnd(9)} ${decode.toFixed(0).padStart(6)} ms ${validate.ms
      .toFixed(0)
      .padStart(9)} ms ${migrate.ms.toFixed(0).padStart(6)} ms ${quadratic.toFixed(0).padStart(10)} ms`,
  );
}

print('');
print('alias bomb (payload × uses)   bytes    render   exit');
for (const [payload, uses] of [
  [1000, 990],
  [10_000, 990],
  [100, 100_000],
] as const) {
  const text = aliasBomb(payload, uses);
  const render = await cliMs(['render', '-f', '-', '-o', 'json'], text);
  print(
    `${`${payload} × ${uses}`.padEnd(29)} ${String(text.length).padEnd(8)} ${render.ms.toFixed(0).padStart(5)} ms  ${render.code}`,
  );
}
