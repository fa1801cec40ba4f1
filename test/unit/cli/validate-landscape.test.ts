// `validate` takes run's landscape flags, so an operator checks a providerConfig against the
// landscape policy offline, with the verdict the seed's controller would reach.
import { beforeAll, describe, expect, it } from 'vitest';
import { buildProgram } from '../../../src/cli/program.js';
import { requireBuiltCli, runBuiltCli, runCliInProcess } from './support/cli.js';

const config = (flux: Record<string, unknown>) =>
  JSON.stringify({ apiVersion: 'flux.extensions.gardener.cloud/v1alpha1', kind: 'FluxConfig', flux });

interface Check {
  valid: boolean;
  errors: { type: string; field: string; badValue?: unknown; detail?: string }[];
  warnings: { field: string; message: string }[];
}

async function validateJson(
  args: string[],
  input: string,
): Promise<{ code: number | null; checks: Check[] }> {
  const result = await runCliInProcess(['validate', '-f', '-', '-o', 'json', ...args], input);
  return { code: result.code, checks: JSON.parse(result.stdout) as Check[] };
}

describe('validate with the landscape flags of run', () => {
  it('has exactly the landscape flags of run, with the same definitions', () => {
    const program = buildProgram();
    const optionsOf = (name: string) => program.commands.find((c) => c.name() === name)?.options ?? [];
    const landscape = (name: string) =>
      optionsOf(name)
        .filter((o) => /^--(default-flux-|enforce-flux-|allowed-flux-)/.test(o.long ?? ''))
        .map((o) => ({ flags: o.flags, description: o.description }));
    expect(landscape('run')).toHaveLength(7);
    expect(landscape('validate')).toEqual(landscape('run'));
  });

  it('refuses a flux.version outside --allowed-flux-versions at flux.version (exit 1)', async () => {
    const { code, checks } = await validateJson(
      ['--allowed-flux-versions', '>=2.6.0 <2.9.0'],
      config({ version: 'v2.9.2' }),
    );
    expect(code).toBe(1);
    expect(checks[0]?.valid).toBe(false);
    expect(checks[0]?.errors).toEqual([
      {
        type: 'FieldValueInvalid',
        field: 'flux.version',
        badValue: 'v2.9.2',
        detail: 'this landscape allows Flux versions >=2.6.0 <2.9.0 only',
      },
    ]);
    // Without the flag the same config is valid.
    expect((await validateJson([], config({ version: 'v2.9.2' }))).code).toBe(0);
  });

  it('judges the default version the landscape gives a shoot that leaves it out', async () => {
    const text = await runCliInProcess(
      ['validate', '-f', '-', '--default-flux-version', 'v2.8.0', '--allowed-flux-versions', '>=2.9.0'],
      config({}),
    );
    expect(text.code).toBe(1);
    expect(text.stdout).toContain(
      'flux.version: Invalid value: "v2.8.0": this landscape allows Flux versions >=2.9.0 only',
    );
  });

  it('replaces another registry by --enforce-flux-registry with a warning, still valid (exit 0)', async () => {
    const { code, checks } = await validateJson(
      ['--enforce-flux-registry', 'mirror.example/fluxcd'],
      config({ registry: 'ghcr.io/fluxcd' }),
    );
    expect(code).toBe(0);
    expect(checks[0]?.warnings).toEqual([
      {
        field: 'flux.registry',
        message:
          'registry "ghcr.io/fluxcd" replaced by mirror.example/fluxcd: the landscape enforces this registry',
      },
    ]);
  });

  it('refuses a bad landscape flag value as run does (exit 2, naming the flag)', async () => {
    const result = await runCliInProcess(
      ['validate', '-f', '-', '--allowed-flux-versions', 'soon'],
      config({}),
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("option '--allowed-flux-versions <range>' argument 'soon' is invalid");
    expect(result.stderr).toContain('"soon" is not a semver range');
  });

  describe('the built binary', () => {
    beforeAll(requireBuiltCli);

    it('exits 1 for a version the landscape does not allow, 0 for one it does', async () => {
      const input = config({ version: 'v2.9.2' });
      const refused = await runBuiltCli(['validate', '-f', '-', '--allowed-flux-versions=<2.9.0'], { input });
      expect(refused.code).toBe(1);
      expect(refused.stdout).toContain('flux.version: Invalid value: "v2.9.2"');
      const allowed = await runBuiltCli(['validate', '-f', '-', '--allowed-flux-versions=>=2.9.0'], {
        input,
      });
      expect(allowed).toMatchObject({ code: 0, stdout: expect.stringContaining('valid') as unknown });
    });
  });
});
