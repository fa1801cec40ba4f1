import type { ErrorObject, ValidateFunction } from 'ajv';
import { FieldPath, invalid, required, type FieldError, type FieldWarning } from './field-errors.js';
import { createAjv } from './lazy-ajv.js';

const string = { type: 'string' } as const;
const stringList = { type: 'array', items: string } as const;
const stringMap = { type: 'object', additionalProperties: string } as const;

// Inside templates, only the fields we read are typed; everything else is Flux's (or the API
// server's) to judge, so templates allow any further field without a warning.
const templateMetadata = {
  type: 'object',
  properties: { name: string, namespace: string, labels: stringMap, annotations: stringMap },
} as const;

const sourceTemplate = {
  type: 'object',
  properties: {
    apiVersion: string,
    kind: string,
    metadata: templateMetadata,
    spec: {
      type: 'object',
      properties: {
        url: string,
        interval: string,
        timeout: string,
        ref: {
          type: 'object',
          properties: {
            branch: string,
            tag: string,
            semver: string,
            semverFilter: string,
            name: string,
            commit: string,
            digest: string,
          },
        },
        secretRef: { type: 'object', properties: { name: string } },
      },
    },
  },
} as const;

const kustomizationTemplate = {
  type: 'object',
  properties: {
    apiVersion: string,
    kind: string,
    metadata: templateMetadata,
    spec: {
      type: 'object',
      properties: {
        path: string,
        interval: string,
        timeout: string,
        prune: { type: 'boolean' },
        sourceRef: { type: 'object', properties: { kind: string, name: string, namespace: string } },
      },
    },
  },
} as const;

/**
 * JSON Schema of the FluxConfig structure. `additionalProperties: false` marks the objects whose
 * unknown fields are reported (as warnings, never errors: forward compatibility).
 */
export const fluxConfigSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    apiVersion: string,
    kind: string,
    syncMode: string,
    flux: {
      type: 'object',
      additionalProperties: false,
      properties: {
        version: string,
        registry: string,
        namespace: string,
        components: stringList,
        componentsExtra: stringList,
        networkPolicy: { type: 'boolean' },
        clusterDomain: string,
        logLevel: string,
        watchAllNamespaces: { type: 'boolean' },
        tolerationKeys: stringList,
        imagePullSecret: string,
        patches: {
          type: 'array',
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['patch'],
            properties: {
              patch: string,
              target: {
                type: 'object',
                additionalProperties: false,
                properties: {
                  group: string,
                  version: string,
                  kind: string,
                  name: string,
                  namespace: string,
                  labelSelector: string,
                  annotationSelector: string,
                },
              },
            },
          },
        },
      },
    },
    source: {
      type: 'object',
      additionalProperties: false,
      properties: { template: sourceTemplate, secretResourceName: string },
    },
    kustomization: {
      type: 'object',
      additionalProperties: false,
      properties: { template: kustomizationTemplate },
    },
    additionalSecretResources: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name'],
        properties: { name: string, targetName: string },
      },
    },
  },
} as const;

// Compiled on first use, not at import: a process that never decodes a FluxConfig (the CLI's
// other commands, a controller before its first Extension) does not pay for it at start.
let compiledCheck: ValidateFunction | undefined;
function checkSchema(): ValidateFunction {
  compiledCheck ??= createAjv({ allErrors: true, strict: true }).compile(fluxConfigSchema);
  return compiledCheck;
}

/** A JSON pointer (`/additionalSecretResources/1/name`) as a field path (`additionalSecretResources[1].name`). */
export function pathOfPointer(pointer: string): FieldPath {
  let path = FieldPath.root();
  for (const raw of pointer.split('/').slice(1)) {
    const segment = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    path = /^(0|[1-9][0-9]*)$/.test(segment) ? path.index(Number(segment)) : path.child(segment);
  }
  return path;
}

/** Scalars are safe to show; objects could be large or hold data users did not mean to print. */
function scalarOrOmitted(value: unknown): unknown {
  return value === null || typeof value !== 'object' ? value : undefined;
}

function toFinding(error: ErrorObject): { error?: FieldError; warning?: FieldWarning } {
  const path = pathOfPointer(error.instancePath);
  switch (error.keyword) {
    case 'additionalProperties': {
      const name = (error.params as { additionalProperty: string }).additionalProperty;
      return { warning: { field: path.child(name).toString(), message: 'unknown field, ignored' } };
    }
    case 'required': {
      const name = (error.params as { missingProperty: string }).missingProperty;
      return { error: required(path.child(name), `${name} is required`) };
    }
    case 'type': {
      const type = (error.params as { type: string }).type;
      const found = scalarOrOmitted(error.data);
      const detail = `must be ${type === 'array' || type === 'object' ? 'an' : 'a'} ${type}`;
      const fieldError = invalid(path, found, detail);
      if (found === undefined) delete fieldError.badValue;
      return { error: fieldError };
    }
    default:
      return { error: invalid(path, scalarOrOmitted(error.data), error.message ?? 'is invalid') };
  }
}

/** Checks the FluxConfig structure (field types) and reports unknown fields as warnings. */
export function validateFluxConfigStructure(raw: unknown): {
  errors: FieldError[];
  warnings: FieldWarning[];
} {
  const errors: FieldError[] = [];
  const warnings: FieldWarning[] = [];
  const check = checkSchema();
  if (check(raw)) return { errors, warnings };
  for (const ajvError of check.errors ?? []) {
    const finding = toFinding(ajvError);
    if (finding.error) errors.push(finding.error);
    if (finding.warning) warnings.push(finding.warning);
  }
  return { errors, warnings };
}
