import { createRequire } from 'node:module';
import type { Ajv, Options } from 'ajv';

// ajv and its code generator are about 60 modules: a few MiB of heap and tens of milliseconds a
// process pays at start although it compiles no schema until the first FluxConfig (or
// AdmissionReview) is checked. The package loads on the first instance instead. A synchronous
// require, not `import()`: validation stays a pure synchronous function, and ajv ships CommonJS.
const requireCjs = createRequire(import.meta.url);
let ajvClass: typeof Ajv | undefined;

/** A new Ajv instance with `options`; the first call loads the ajv package. */
export function createAjv(options: Options): Ajv {
  ajvClass ??= (requireCjs('ajv') as { Ajv: typeof Ajv }).Ajv;
  return new ajvClass(options);
}
