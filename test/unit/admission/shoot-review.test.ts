import { describe, expect, it } from 'vitest';
import { decodeAdmissionReview, type AdmissionRequest } from '../../../src/admission/admission-review.js';
import { SecretCheckError, type SecretReader } from '../../../src/admission/secret-references.js';
import { reviewShoot } from '../../../src/admission/shoot-review.js';
import {
  buildGitProviderConfigWith,
  buildInvalidProviderConfigCases,
  buildShoot,
  buildShootAdmissionReview,
  providerConfigPath,
} from '../../harness/admission-shoots.js';

const config = buildGitProviderConfigWith;

function request(review: Record<string, unknown>): AdmissionRequest {
  const decoded = decodeAdmissionReview(review);
  if ('error' in decoded) throw new Error(decoded.error);
  return decoded.request;
}

function create(shoot: Record<string, unknown>): AdmissionRequest {
  return request(buildShootAdmissionReview({ operation: 'CREATE', object: shoot }));
}

function update(oldObject: Record<string, unknown>, object: Record<string, unknown>): AdmissionRequest {
  return request(buildShootAdmissionReview({ operation: 'UPDATE', object, oldObject }));
}

const prefix = providerConfigPath;
const created = { lastOperation: { type: 'Reconcile', state: 'Succeeded' }, technicalID: 'shoot--dev--dev' };

/** A reader over a fixed set of `namespace/name` secrets, recording what it was asked. */
function secretsIn(existing: string[]): SecretReader & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    secretExists(namespace, name) {
      asked.push(`${namespace}/${name}`);
      return Promise.resolve(existing.includes(`${namespace}/${name}`));
    },
  };
}

describe('reviewShoot', () => {
  it('admits a valid Shoot without warnings, answering with the request uid', async () => {
    const review = await reviewShoot({ ...create(buildShoot()), uid: 'uid-1' });
    expect(review).toEqual({ response: { uid: 'uid-1', allowed: true }, result: 'allowed' });
  });

  it('admits a shoot-flux extension without providerConfig (Flux with nothing to reconcile)', async () => {
    const review = await reviewShoot(create(buildShoot({ providerConfig: undefined })));
    expect(review.response.allowed).toBe(true);
    expect(review.result).toBe('allowed');
  });

  it.each(buildInvalidProviderConfigCases())(
    'denies %s with 422 Invalid and one cause naming the field',
    async (_name, providerConfig, type, field) => {
      const review = await reviewShoot(create(buildShoot({ name: 'dev', providerConfig })));
      expect(review.result).toBe('denied');
      expect(review.response.allowed).toBe(false);
      expect(review.response.status).toMatchObject({
        status: 'Failure',
        reason: 'Invalid',
        code: 422,
        details: { name: 'dev', group: 'core.gardener.cloud', kind: 'Shoot' },
      });
      expect(review.response.status?.details?.causes).toEqual([
        { reason: type, field, message: expect.not.stringContaining(field) as unknown },
      ]);
      expect(review.response.status?.message).toMatch(/^Shoot\.core\.gardener\.cloud "dev" is invalid: /);
    },
  );

  it('words each cause as apimachinery does: type, value, detail, without the field', async () => {
    const providerConfig = config((c) => (c.source.template.spec.interval = '5 min'));
    const review = await reviewShoot(create(buildShoot({ providerConfig })));
    expect(review.response.status?.details?.causes?.[0]?.message).toMatch(/^Invalid value: "5 min": /);
  });

  it('reports every error at once, one cause each', async () => {
    const providerConfig = config((c) => {
      delete c.source.template.spec.url;
      c.source.template.spec.interval = 'soon';
    });
    const review = await reviewShoot(create(buildShoot({ providerConfig })));
    expect(review.response.status?.details?.causes?.map((c) => c.field)).toEqual([
      `${prefix}.source.template.spec.url`,
      `${prefix}.source.template.spec.interval`,
    ]);
  });

  it.each([
    [
      'the legacy kind-less template',
      config((c) => {
        delete c.source.template.apiVersion;
        delete c.source.template.kind;
      }),
      `${prefix}.source.template`,
    ],
    [
      'an OCIRepository apiVersion that is converted',
      config((c) => {
        c.source.template = {
          apiVersion: 'source.toolkit.fluxcd.io/v1beta2',
          kind: 'OCIRepository',
          spec: { url: 'oci://ghcr.io/org/fleet', ref: { tag: 'latest' } },
        };
      }),
      `${prefix}.source.template.apiVersion`,
    ],
    ['an unknown field', config((c) => (c.flux = { verison: 'v2.9.2' })), `${prefix}.flux.verison`],
  ])('admits %s with a warning naming the field', async (_name, providerConfig, field) => {
    const review = await reviewShoot(create(buildShoot({ providerConfig })));
    expect(review.response.allowed).toBe(true);
    expect(review.response.warnings).toEqual([
      expect.stringMatching(new RegExp(`^${field.replace(/[.[\]]/g, '\\$&')}: `)),
    ]);
  });

  it('does not evaluate a disabled shoot-flux extension, nor other extension types', async () => {
    const shoot = buildShoot({
      providerConfig: { kind: 'Nonsense' },
      otherExtensions: [{ type: 'shoot-dns-service', providerConfig: { kind: 'Nonsense' } }],
    });
    (shoot.spec.extensions[0] as { disabled?: boolean }).disabled = true;
    expect(await reviewShoot(create(shoot))).toMatchObject({ result: 'skipped', skipReason: 'no-extension' });
  });

  it('allows a Shoot that is being deleted without evaluating it', async () => {
    const shoot = buildShoot({ providerConfig: { kind: 'Nonsense' } });
    const deleting = { ...shoot, metadata: { ...shoot.metadata, deletionTimestamp: '2026-12-01T10:00:00Z' } };
    expect(await reviewShoot(update(shoot, deleting))).toMatchObject({
      response: { allowed: true },
      result: 'skipped',
      skipReason: 'deleting',
    });
  });

  it('allows an update that does not touch the shoot-flux extension or spec.resources, unevaluated', async () => {
    // Even an old, invalid config: the user did not write it now, the controller reports it.
    const old = buildShoot({ providerConfig: { kind: 'Nonsense' } });
    const next = buildShoot({ providerConfig: { kind: 'Nonsense' } });
    next.spec.kubernetes = { version: '1.34.0' };
    expect(await reviewShoot(update(old, next))).toMatchObject({
      result: 'skipped',
      skipReason: 'unchanged',
    });
  });

  it('evaluates an update that changes spec.resources: a reference may break', async () => {
    const old = buildShoot();
    const next = buildShoot({ resources: [] });
    const review = await reviewShoot(update(old, next));
    expect(review.response.status?.details?.causes?.map((c) => c.field)).toEqual([
      `${prefix}.source.secretResourceName`,
      `${prefix}.additionalSecretResources[0].name`,
    ]);
  });

  it('warns on an update after creation that the change is not applied, and what to do', async () => {
    const old = buildShoot({ status: created });
    const next = buildShoot({
      status: created,
      providerConfig: config((c) => {
        c.flux = { version: 'v2.8.0' };
        c.source.template.spec.url = 'https://git.example.com/org/other';
      }),
    });
    const review = await reviewShoot(update(old, next));
    expect(review.response.allowed).toBe(true);
    const [warning, ...more] = review.response.warnings ?? [];
    expect(more).toEqual([]);
    expect(warning).toContain(`${prefix}: flux.version, source.template.spec.url changed`);
    expect(warning).toContain('Flux is most likely bootstrapped and the change will not be applied');
    expect(warning).toContain(
      'annotate the Extension shoot-flux in seed namespace shoot--dev--dev with flux.extensions.gardener.cloud/rebootstrap=true',
    );
  });

  it('words the warning as a possibility while the Shoot is still being created', async () => {
    const creating = { lastOperation: { type: 'Create', state: 'Processing' } };
    const old = buildShoot({ status: creating });
    const next = buildShoot({
      status: creating,
      providerConfig: config((c) => (c.flux = { version: 'v2.8.0' })),
    });
    const [warning] = (await reviewShoot(update(old, next))).response.warnings ?? [];
    expect(warning).toContain(
      'If Flux is already bootstrapped into this shoot, the change will not be applied',
    );
    expect(warning).toContain("in the shoot's seed namespace");
  });

  it('does not warn for changes that still follow after the bootstrap: secret references', async () => {
    const old = buildShoot({ status: created });
    const next = buildShoot({
      status: created,
      providerConfig: config((c) => (c.additionalSecretResources = [])),
    });
    expect((await reviewShoot(update(old, next))).response).not.toHaveProperty('warnings');
  });

  it('does not warn when the extension is newly enabled or its old config was invalid', async () => {
    const next = buildShoot({
      status: created,
      providerConfig: config((c) => (c.flux = { version: 'v2.8.0' })),
    });
    const withoutFlux = { ...buildShoot({ status: created }), spec: { ...next.spec, extensions: [] } };
    expect((await reviewShoot(update(withoutFlux, next))).response).not.toHaveProperty('warnings');
    const invalidBefore = buildShoot({ status: created, providerConfig: { kind: 'Nonsense' } });
    expect((await reviewShoot(update(invalidBefore, next))).response).not.toHaveProperty('warnings');
  });

  it('in ManifestsOnly warns only about flux.*: the source and Kustomization follow, and says why', async () => {
    const old = buildShoot({
      status: created,
      providerConfig: config((c) => (c.syncMode = 'ManifestsOnly')),
    });
    const next = buildShoot({
      status: created,
      providerConfig: config((c) => {
        c.syncMode = 'ManifestsOnly';
        c.flux = { version: 'v2.8.0' };
        c.source.template.spec.ref = { branch: 'release' };
        c.kustomization = { template: { spec: { path: 'clusters/prod' } } };
      }),
    });
    const [warning, ...more] = (await reviewShoot(update(old, next))).response.warnings ?? [];
    expect(more).toEqual([]);
    expect(warning).toContain(`${prefix}: flux.version changed, but syncMode ManifestsOnly`);
    expect(warning).toContain('set syncMode: Full');
  });

  it('does not warn when only the source or Kustomization changed in ManifestsOnly', async () => {
    const old = buildShoot({
      status: created,
      providerConfig: config((c) => (c.syncMode = 'ManifestsOnly')),
    });
    const next = buildShoot({
      status: created,
      providerConfig: config((c) => {
        c.syncMode = 'ManifestsOnly';
        c.source.template.spec.ref = { branch: 'release' };
      }),
    });
    expect((await reviewShoot(update(old, next))).response).not.toHaveProperty('warnings');
  });

  it('does not warn in Full, and switching the mode itself is in effect at once', async () => {
    const old = buildShoot({ status: created });
    const next = buildShoot({
      status: created,
      providerConfig: config((c) => {
        c.syncMode = 'Full';
        c.flux = { version: 'v2.8.0' };
        c.source.template.spec.url = 'https://git.example.com/org/other';
      }),
    });
    expect((await reviewShoot(update(old, next))).response).not.toHaveProperty('warnings');
    const onlyMode = buildShoot({
      status: created,
      providerConfig: config((c) => (c.syncMode = 'ManifestsOnly')),
    });
    expect((await reviewShoot(update(old, onlyMode))).response).not.toHaveProperty('warnings');
  });

  it('denies an unknown syncMode at its field', async () => {
    const review = await reviewShoot(
      create(buildShoot({ providerConfig: config((c) => (c.syncMode = 'Always')) })),
    );
    expect(review.result).toBe('denied');
    expect(review.response.status?.details?.causes).toEqual([
      expect.objectContaining({ field: `${prefix}.syncMode`, reason: 'FieldValueNotSupported' }),
    ]);
  });

  it('migrating a legacy template to an explicit apiVersion and kind is no change', async () => {
    const legacy = config((c) => {
      delete c.source.template.apiVersion;
      delete c.source.template.kind;
    });
    const old = buildShoot({ status: created, providerConfig: legacy });
    const next = buildShoot({ status: created });
    expect((await reviewShoot(update(old, next))).response).not.toHaveProperty('warnings');
  });

  it('writing out a default is no change', async () => {
    const old = buildShoot({ status: created });
    const next = buildShoot({
      status: created,
      providerConfig: config((c) => (c.flux = { version: 'v2.9.2', namespace: 'flux-system' })),
    });
    expect((await reviewShoot(update(old, next))).response).not.toHaveProperty('warnings');
  });

  describe('with a garden secret reader', () => {
    it('asks once per referenced Secret, in the Shoot namespace, and admits when all exist', async () => {
      const secrets = secretsIn(['garden-dev/fleet-git', 'garden-dev/sops-age']);
      const review = await reviewShoot(create(buildShoot()), { secrets });
      expect(review.response.allowed).toBe(true);
      expect(secrets.asked.sort()).toEqual(['garden-dev/fleet-git', 'garden-dev/sops-age']);
    });

    it('denies a referenced Secret missing from the namespace as Not found, at the field naming it', async () => {
      const review = await reviewShoot(create(buildShoot()), {
        secrets: secretsIn(['garden-dev/fleet-git']),
      });
      expect(review.response.status?.details?.causes).toEqual([
        {
          reason: 'FieldValueNotFound',
          field: `${prefix}.additionalSecretResources[0].name`,
          message:
            'Not found: "sops-age-key": Shoot.spec.resources[].resourceRef names secret "sops-age", which does not exist in namespace "garden-dev"',
        },
      ]);
    });

    it('checks the Secret flux.imagePullSecret names too', async () => {
      const shoot = buildShoot({
        providerConfig: config((c) => (c.flux = { imagePullSecret: 'registry-pull' })),
        resources: [
          ...(buildShoot().spec.resources as unknown[]),
          { name: 'registry-pull', resourceRef: { apiVersion: 'v1', kind: 'Secret', name: 'regcred' } },
        ],
      });
      const review = await reviewShoot(create(shoot), {
        secrets: secretsIn(['garden-dev/fleet-git', 'garden-dev/sops-age']),
      });
      expect(review.response.status?.details?.causes?.map((c) => [c.reason, c.field])).toEqual([
        ['FieldValueNotFound', `${prefix}.flux.imagePullSecret`],
      ]);
    });

    it('does not ask for secrets of an invalid config, nor without references', async () => {
      const secrets = secretsIn([]);
      await reviewShoot(
        create(buildShoot({ providerConfig: config((c) => delete c.source.template.spec.url) })),
        {
          secrets,
        },
      );
      await reviewShoot(create(buildShoot({ providerConfig: undefined })), { secrets });
      expect(secrets.asked).toEqual([]);
    });

    it('throws SecretCheckError when the garden cannot answer', async () => {
      const failing: SecretReader = { secretExists: () => Promise.reject(new Error('HTTP 403 Forbidden')) };
      await expect(reviewShoot(create(buildShoot()), { secrets: failing })).rejects.toThrow(SecretCheckError);
      await expect(reviewShoot(create(buildShoot()), { secrets: failing })).rejects.toThrow(
        /cannot check that secret garden-dev\/(fleet-git|sops-age) exists: HTTP 403 Forbidden/,
      );
    });
  });

  it('denies a request for another kind with 400, as the webhook is misregistered', async () => {
    const review = buildShootAdmissionReview({ operation: 'CREATE', object: buildShoot() });
    const req = request(review);
    const result = await reviewShoot({
      ...req,
      kind: { group: 'core.gardener.cloud', version: 'v1beta1', kind: 'Seed' },
    });
    expect(result.response).toMatchObject({ allowed: false, status: { code: 400, reason: 'BadRequest' } });
  });

  it('allows DELETE without evaluating', async () => {
    const review = request(buildShootAdmissionReview({ operation: 'DELETE', oldObject: buildShoot() }));
    expect(await reviewShoot(review)).toMatchObject({ result: 'skipped', skipReason: 'operation' });
  });
});

describe('reviewShoot: the Kubernetes-version preflight and the landscape policy', () => {
  const olderShoot = (providerConfig?: unknown) => {
    const shoot = buildShoot(providerConfig === undefined ? {} : { providerConfig });
    shoot.spec.kubernetes = { version: '1.32.4' };
    return shoot;
  };

  it('denies a Flux version the Shoot Kubernetes version cannot run, at flux.version naming both', async () => {
    // The default Flux (v2.9) needs Kubernetes 1.33, as `flux check --pre` says.
    const review = await reviewShoot(create(olderShoot()));
    expect(review.result).toBe('denied');
    expect(review.response.status?.details?.causes).toEqual([
      {
        reason: 'FieldValueInvalid',
        field: `${prefix}.flux.version`,
        message:
          'Invalid value: "v2.9.2": Flux v2.9.2 needs Kubernetes >= 1.33, the shoot runs Kubernetes 1.32.4',
      },
    ]);
    // A Flux that supports 1.32 passes; so does a Shoot that does not say its version.
    const older = await reviewShoot(create(olderShoot(config((c) => (c.flux = { version: 'v2.7.0' })))));
    expect(older.result).toBe('allowed');
    const unversioned = buildShoot();
    delete unversioned.spec.kubernetes;
    expect((await reviewShoot(create(unversioned))).result).toBe('allowed');
  });

  it('judges the version the landscape gives (a default version), and its allowed versions', async () => {
    const landscape = { defaultVersion: 'v2.7.0' };
    expect((await reviewShoot(create(olderShoot()), { landscape })).result).toBe('allowed');
    const restricted = await reviewShoot(create(buildShoot()), { landscape: { allowedVersions: '<2.9.0' } });
    expect(restricted.response.status?.details?.causes).toEqual([
      {
        reason: 'FieldValueInvalid',
        field: `${prefix}.flux.version`,
        message: 'Invalid value: "v2.9.2": this landscape allows Flux versions <2.9.0 only',
      },
    ]);
  });

  it('passes the enforced registry replacement on as a warning', async () => {
    const providerConfig = config((c) => (c.flux = { registry: 'ghcr.io/fluxcd' }));
    const review = await reviewShoot(create(buildShoot({ providerConfig })), {
      landscape: { enforceRegistry: 'mirror.example/fluxcd' },
    });
    expect(review.result).toBe('allowed');
    expect(review.response.warnings).toEqual([
      `${prefix}.flux.registry: registry "ghcr.io/fluxcd" replaced by mirror.example/fluxcd: the landscape enforces this registry`,
    ]);
  });
});
