// The CLI's docs say what the code does: the input limits and error codes of
// docs/providerconfig.md, and the commands the README's CLI section names.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultYamlInputLimits, YamlInputErrorCode } from '../../../src/api/yaml-input.js';
import { InputErrorCode } from '../../../src/cli/config-input.js';
import { buildProgram } from '../../../src/cli/program.js';
import { maxTextLineLength } from '../../../src/cli/text-output.js';
import { repoRoot } from '../../harness/assets.js';

const read = (relative: string) => readFileSync(path.join(repoRoot, relative), 'utf8');

describe('docs/providerconfig.md', () => {
  const doc = read('docs/providerconfig.md');

  it('documents every input error code that JSON output may carry', () => {
    const documented = new Set([...doc.matchAll(/`([A-Z][A-Za-z]+)`/g)].map((m) => m[1]));
    const inJson = [
      ...Object.values(YamlInputErrorCode),
      InputErrorCode.Unreadable,
      InputErrorCode.NothingToCheck,
    ];
    expect(inJson.filter((code) => !documented.has(code))).toEqual([]);
  });

  it('states the limits the reader enforces', () => {
    const row = (code: string) => doc.split('\n').find((line) => line.includes(`\`${code}\``)) ?? '';
    expect(row(YamlInputErrorCode.TooLarge)).toContain(
      `${defaultYamlInputLimits.maxBytes / 1024 / 1024} MiB`,
    );
    expect(row(YamlInputErrorCode.TooDeep)).toContain(`| ${defaultYamlInputLimits.maxDepth} `);
    expect(row(YamlInputErrorCode.TooManyAliases)).toContain(`| ${defaultYamlInputLimits.maxAliases} `);
    expect(row(YamlInputErrorCode.AliasExpansionTooLarge)).toContain(
      `${defaultYamlInputLimits.maxAliasExpansionBytes / 1024 / 1024} MiB`,
    );
    expect(doc).toContain(`cuts every line at ${maxTextLineLength} characters`);
  });
});

describe('README', () => {
  it('names every command of the CLI', () => {
    const readme = read('README.md');
    const commands = buildProgram()
      .commands.map((c) => c.name())
      .filter((name) => name !== 'help');
    expect(
      commands.filter(
        (name) =>
          !readme.includes(`gardener-extension-shoot-flux ${name}`) && !readme.includes(`\`${name}\``),
      ),
    ).toEqual([]);
  });
});
