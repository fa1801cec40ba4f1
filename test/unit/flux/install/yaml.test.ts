import { describe, expect, it } from 'vitest';
import { FluxInstallError, buildFluxInstallOptions } from '../../../../src/flux/install/options.js';
import { renderInstallManifests } from '../../../../src/flux/install/render.js';
import { decodeManifestsYaml } from '../../../../src/flux/install/yaml.js';
import { readReleaseBundle, withFiles } from './release-bundle.js';

// A bundle can come from a mirror or a directory an operator filled: it is read like user input.
const aliasBomb = `a: &a ["${'x'.repeat(10_000)}"]\nb: [${Array<string>(200).fill('*a').join(', ')}]\n`;

describe('decodeManifestsYaml', () => {
  it('reads the documents of a bundle file', () => {
    expect(decodeManifestsYaml('---\nkind: A\n---\nkind: B\n')).toEqual({
      documents: [{ kind: 'A' }, { kind: 'B' }],
    });
  });

  it.each([
    ['an alias bomb', aliasBomb, 'line 2, column 423: aliases expand to more than 1 MiB of data'],
    [
      'deep nesting',
      `${'['.repeat(200)}${']'.repeat(200)}`,
      'line 1, column 101: nested deeper than 100 levels',
    ],
    ['a duplicate key', 'a: 1\na: 2\n', 'line 2, column 1: duplicated mapping key'],
  ])('refuses %s, saying why', (_, text, error) => {
    expect(decodeManifestsYaml(text)).toEqual({ error });
  });
});

describe('renderInstallManifests with a hostile bundle file', () => {
  it('fails with a FluxInstallError naming the file and the limit', () => {
    const bundle = withFiles(readReleaseBundle(), { 'policies.yaml': aliasBomb });
    const render = () => renderInstallManifests(bundle, buildFluxInstallOptions({}));
    expect(render).toThrow(FluxInstallError);
    expect(render).toThrow(
      /policies\.yaml is not valid YAML: line 2, column 423: aliases expand to more than 1 MiB/,
    );
  });
});
