import { FluxInstallError } from '../../flux/install/options.js';
import { ConfigurationError } from '../errors.js';

/**
 * A render error that names a providerConfig field (a patch that targets nothing, a component the
 * release lacks) is the user's to fix: a ConfigurationError with that field. Problems of the
 * release bundle itself (no field) stay what they are.
 */
export function asInstallConfigurationError(err: unknown): unknown {
  if (!(err instanceof FluxInstallError) || err.field === undefined) return err;
  const detail = err.message.startsWith(`${err.field}: `)
    ? err.message.slice(err.field.length + 2)
    : err.message;
  return new ConfigurationError(
    `invalid providerConfig: ${err.message}`,
    [{ type: 'FieldValueInvalid', field: err.field, detail }],
    { cause: err },
  );
}
