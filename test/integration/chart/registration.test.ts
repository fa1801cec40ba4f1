import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extensionType } from '../../../src/api/constants.js';
import { repoRoot } from '../../harness/assets.js';
import { installCrds } from '../../harness/crd-install.js';
import { clusterKubeConfig } from '../support/clusters.js';
import {
  applyDryRun,
  gardenerModuleFile,
  helmBinary,
  onlyObject,
  runHelm,
  type RenderedObject,
} from './helm.js';

const execFileAsync = promisify(execFile);
const generator = path.join(repoRoot, 'hack', 'generate-controller-deployment.sh');

async function readExample(file: string): Promise<RenderedObject[]> {
  const text = await readFile(path.join(repoRoot, 'example', file), 'utf8');
  return yaml.loadAll(text).filter((doc): doc is RenderedObject => typeof doc === 'object' && doc !== null);
}

async function generate(args: string[] = []): Promise<string> {
  const { stdout } = await execFileAsync(generator, args, {
    env: { ...process.env, HELM: await helmBinary() },
    maxBuffer: 16 * 1024 * 1024,
  });
  return stdout;
}

interface ControllerResource {
  kind: string;
  type: string;
  lifecycle?: Record<string, string>;
  [field: string]: unknown;
}

describe('registration examples', () => {
  let work: string;
  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'shoot-flux-registration-'));
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('registers the shoot-flux Extension type to reconcile after the workers', async () => {
    const [registration] = await readExample('10-controllerregistration.yaml');
    const spec = registration?.spec as {
      resources: ControllerResource[];
      deployment: { deploymentRefs: { name: string }[] };
    };
    expect(registration).toMatchObject({
      apiVersion: 'core.gardener.cloud/v1beta1',
      kind: 'ControllerRegistration',
    });
    expect(spec.resources).toHaveLength(1);
    expect(spec.resources[0]).toMatchObject({
      kind: 'Extension',
      type: extensionType,
      lifecycle: { reconcile: 'AfterWorker' },
    });
    const [deployment] = await readExample('00-controllerdeployment.yaml');
    expect(deployment).toMatchObject({ apiVersion: 'core.gardener.cloud/v1', kind: 'ControllerDeployment' });
    expect(spec.deployment.deploymentRefs).toEqual([{ name: deployment?.metadata.name }]);
    // The placeholder names its generator.
    expect((deployment?.helm as { rawChart: string }).rawChart).toContain(
      'hack/generate-controller-deployment.sh',
    );
  });

  it('generates the ControllerDeployment of the example with the chart embedded, reproducibly', async () => {
    const first = await generate([
      '--image-repository',
      'registry.example/shoot-flux',
      '--image-tag',
      'v1.2.3',
    ]);
    expect(
      await generate(['--image-repository', 'registry.example/shoot-flux', '--image-tag', 'v1.2.3']),
    ).toBe(first);
    const [generated] = yaml.loadAll(first) as RenderedObject[];
    const [example] = await readExample('00-controllerdeployment.yaml');
    expect({ ...generated, helm: undefined }).toEqual({ ...example, helm: undefined });
    const helm = generated?.helm as { rawChart: string; values: object };
    expect(helm.values).toEqual({ image: { repository: 'registry.example/shoot-flux', tag: 'v1.2.3' } });

    // What gardenlet does with it: decode the chart, render it with the values and its own.
    const archive = path.join(work, 'chart.tgz');
    await writeFile(archive, Buffer.from(helm.rawChart, 'base64'));
    const valuesFile = path.join(work, 'values.yaml');
    await writeFile(
      valuesFile,
      yaml.dump({
        ...helm.values,
        gardener: { version: 'v1.147.1', garden: { clusterIdentity: 'landscape' }, seed: { name: 'seed-1' } },
      }),
    );
    const rendered = yaml.loadAll(
      await runHelm([
        'template',
        'shoot-flux',
        archive,
        '--namespace',
        'extension-shoot-flux-x',
        '--values',
        valuesFile,
      ]),
    ) as RenderedObject[];
    const pod = (
      onlyObject(rendered, 'Deployment').spec as {
        template: { spec: { containers: { image: string; args: string[] }[] } };
      }
    ).template.spec;
    expect(pod.containers[0]?.image).toBe('registry.example/shoot-flux:v1.2.3');
    expect(pod.containers[0]?.args).toContain('--garden-cluster-identity=landscape');
  });

  it('writes to --output and refuses unknown arguments', async () => {
    const out = path.join(work, 'out', 'controllerdeployment.yaml');
    await generate(['--output', out]);
    const [written] = yaml.loadAll(await readFile(out, 'utf8')) as RenderedObject[];
    expect(written?.kind).toBe('ControllerDeployment');
    await expect(generate(['--bogus'])).rejects.toMatchObject({ code: 2 });
  });

  describe('the gardener-operator Extension', () => {
    const kubeConfig = clusterKubeConfig('seed');
    beforeAll(async () => {
      const crd = await gardenerModuleFile('example/operator/10-crd-operator.gardener.cloud_extensions.yaml');
      await installCrds(kubeConfig, [crd], 60_000);
    });

    it('registers the same resources and passes the operator CRD (dry run, strict)', async () => {
      const [operatorExtension] = await readExample('20-operator-extension.yaml');
      const [registration] = await readExample('10-controllerregistration.yaml');
      if (!operatorExtension || !registration) throw new Error('example missing');
      expect((operatorExtension.spec as { resources: unknown }).resources).toEqual(
        (registration.spec as { resources: unknown }).resources,
      );
      expect(operatorExtension.metadata).toEqual(registration.metadata);
      const response = await applyDryRun(kubeConfig, operatorExtension);
      expect(response.status, JSON.stringify(response.body)).toBeLessThan(300);
      expect(response.body).toMatchObject({ spec: operatorExtension.spec });
    });
  });
});
