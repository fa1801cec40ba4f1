// Fast static checks of the Dockerfile: a Dockerfile validator (dockerfile-utils, the checker
// behind VS Code's Docker support), the image rules, and every path it copies existing after
// `npm run build`. test/image/ builds the image with buildah and runs it with podman.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { DockerfileParser, type Dockerfile, type ImageTemplate, type Instruction } from 'dockerfile-ast';
import { validate, ValidationSeverity } from 'dockerfile-utils';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../harness/assets.js';

const dockerfileText = readFileSync(path.join(repoRoot, 'Dockerfile'), 'utf8');
const dockerignoreText = readFileSync(path.join(repoRoot, '.dockerignore'), 'utf8');
const dockerfile: Dockerfile = DockerfileParser.parse(dockerfileText);
const packageJson = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as {
  bin: Record<string, string>;
};

interface Stage {
  name: string;
  image: string;
  template: ImageTemplate;
  instructions: Instruction[];
  workdir: string;
}

const stages: Stage[] = dockerfile.getFROMs().map((from) => {
  const template = dockerfile.getContainingImage(from.getRange().start);
  if (!template) throw new Error(`FROM on line ${from.getRange().start.line + 1} has no image`);
  const workdirs = template.getInstructions().filter((i) => i.getKeyword() === 'WORKDIR');
  return {
    name: from.getBuildStage() ?? '',
    image: from.getImage() ?? '',
    template,
    instructions: template.getInstructions(),
    workdir: workdirs.at(-1)?.getArgumentsContent() ?? '/',
  };
});
const runtime = stages.at(-1);

function stageNamed(name: string): Stage {
  const stage = stages.find((s) => s.name === name);
  if (!stage) throw new Error(`no stage "${name}" in the Dockerfile`);
  return stage;
}

function keywordArgs(stage: Stage, keyword: string): string[] {
  return stage.instructions
    .filter((i) => i.getKeyword() === keyword)
    .map((i) => i.getArgumentsContent() ?? '');
}

/** The exec-form (JSON array) arguments of the stage's last ENTRYPOINT or CMD. */
function execForm(stage: Stage, keyword: 'ENTRYPOINT' | 'CMD'): string[] {
  const last = keywordArgs(stage, keyword).at(-1);
  if (last === undefined) return [];
  return JSON.parse(last) as string[];
}

interface CopyInstruction {
  from?: string;
  sources: string[];
  line: number;
}

function copies(stage: Stage): CopyInstruction[] {
  return stage.template.getCOPYs().map((copy) => {
    const args = copy.getArguments().map((a) => a.getValue());
    const from = copy
      .getFlags()
      .find((f) => f.getName() === 'from')
      ?.getValue();
    return {
      ...(from ? { from } : {}),
      sources: args.slice(0, -1),
      line: copy.getRange().start.line + 1,
    };
  });
}

/** Whether .dockerignore (an allow-list: `*` then `!path`) lets a context path into the build. */
function isInBuildContext(relative: string): boolean {
  let included = true;
  for (const raw of dockerignoreText.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const negated = line.startsWith('!');
    const pattern = (negated ? line.slice(1) : line).replace(/\/$/, '');
    const matches = pattern === '*' || relative === pattern || relative.startsWith(`${pattern}/`);
    if (matches) included = negated;
  }
  return included;
}

describe('Dockerfile', () => {
  it('passes the Dockerfile validator with every check at warning or above', () => {
    const diagnostics = validate(dockerfileText, {
      deprecatedMaintainer: ValidationSeverity.ERROR,
      directiveCasing: ValidationSeverity.ERROR,
      emptyContinuationLine: ValidationSeverity.ERROR,
      instructionCasing: ValidationSeverity.ERROR,
      instructionCmdMultiple: ValidationSeverity.ERROR,
      instructionEntrypointMultiple: ValidationSeverity.ERROR,
      instructionHealthcheckMultiple: ValidationSeverity.ERROR,
      instructionJSONInSingleQuotes: ValidationSeverity.ERROR,
      instructionWorkdirRelative: ValidationSeverity.ERROR,
    });
    const messages = diagnostics.map(
      (d) => `line ${d.range.start.line + 1}: ${typeof d.message === 'string' ? d.message : d.message.value}`,
    );
    expect(messages).toEqual([]);
  });

  it('builds in stages: dev dependencies to compile, production dependencies to run', () => {
    expect(stages.map((s) => s.name)).toEqual([
      'build',
      'production-dependencies',
      'flux-manifests-local',
      'flux-manifests',
      'runtime',
    ]);
    expect(keywordArgs(stageNamed('build'), 'RUN')).toContain('npm run build');
    expect(keywordArgs(stageNamed('build'), 'RUN').some((r) => r.startsWith('npm ci '))).toBe(true);
    const production = keywordArgs(stageNamed('production-dependencies'), 'RUN');
    expect(production).toHaveLength(1);
    expect(production[0]).toMatch(/^npm ci .*--omit=dev/);
  });

  it('pins every base image to a tag, never latest', () => {
    for (const stage of stages.filter((s) => s.image !== 'scratch')) {
      expect(stage.image, stage.name).toMatch(/:[^:/]+$/);
      expect(stage.image, stage.name).not.toMatch(/:latest$/);
    }
  });

  it('runs a distroless Node as a numeric non-root user, with no shell steps in the final image', () => {
    expect(runtime?.name).toBe('runtime');
    if (!runtime) return;
    expect(runtime.image).toMatch(/^gcr\.io\/distroless\/nodejs\$\{NODE_MAJOR\}-.*:nonroot$/);
    expect(keywordArgs(runtime, 'RUN')).toEqual([]);
    const user = keywordArgs(runtime, 'USER').at(-1) ?? '';
    expect(user).toMatch(/^\d+(:\d+)?$/);
    expect(Number(user.split(':')[0])).toBeGreaterThan(0);
  });

  it('bakes Flux bundles from a local directory when FLUX_MANIFESTS_SOURCE=local, else downloads them', () => {
    // An empty stage that `--build-context flux-manifests-local=DIR` replaces.
    const local = stageNamed('flux-manifests-local');
    expect(local.image).toBe('scratch');
    expect(local.instructions.map((i) => i.getKeyword())).toEqual(['FROM']);
    const manifests = stageNamed('flux-manifests');
    expect(keywordArgs(manifests, 'ARG')).toEqual(
      expect.arrayContaining(['FLUX_VERSIONS=v2.9.2', 'FLUX_MANIFESTS_SOURCE=download']),
    );
    expect(copies(manifests).map((c) => c.from)).toEqual(['flux-manifests-local']);
    const script = keywordArgs(manifests, 'RUN').join('\n');
    expect(script).toContain('"/flux-manifests-local/${version}/."');
    expect(script).toContain('${FLUX_RELEASES_URL}/${version}/manifests.tar.gz');
    // Whichever source, a version without its source-controller manifest fails the build.
    expect(script).toContain('test -f "${version}/source-controller.yaml" || exit 1');
  });

  it('has the CLI as entrypoint and `run` as the default command', () => {
    if (!runtime) throw new Error('no runtime stage');
    const bin = packageJson.bin['gardener-extension-shoot-flux'];
    expect(bin).toBe('dist/cli/main.js');
    expect(execForm(runtime, 'ENTRYPOINT')).toEqual(['/nodejs/bin/node', `${runtime.workdir}/${bin ?? ''}`]);
    const command = execForm(runtime, 'CMD');
    expect(command[0]).toBe('run');
    // The baked-in bundles come first; the release download stays as the fallback.
    expect(command).toContain(
      '--flux-manifests-base=/flux-manifests,https://github.com/fluxcd/flux2/releases/download',
    );
  });

  it('copies from the build context only what exists and .dockerignore lets in', () => {
    const contextSources = stages.flatMap((s) => copies(s).filter((c) => !c.from)).flatMap((c) => c.sources);
    expect(contextSources.length).toBeGreaterThan(0);
    for (const source of contextSources) {
      const relative = source.replace(/^\.\//, '').replace(/\/$/, '');
      expect(existsSync(path.join(repoRoot, relative)), `${source} exists`).toBe(true);
      expect(isInBuildContext(relative), `${source} is in the build context`).toBe(true);
    }
  });

  it('copies between stages only paths the stages produce (after npm run build)', () => {
    const fromStages = stages.flatMap((s) => copies(s).filter((c) => c.from !== undefined));
    expect(fromStages.length).toBeGreaterThan(0);
    for (const copy of fromStages) {
      const source = stageNamed(copy.from ?? '');
      for (const file of copy.sources) {
        const where = `line ${copy.line}: ${file} from stage ${source.name}`;
        if (file === source.workdir) continue; // a WORKDIR exists by definition
        // Stages mirror the repository under their WORKDIR: dist/ comes from `npm run build`,
        // node_modules/ from `npm ci`, package.json from the checkout.
        expect(file.startsWith(`${source.workdir}/`), where).toBe(true);
        const relative = file.slice(source.workdir.length + 1);
        expect(existsSync(path.join(repoRoot, relative)), `${where} (run npm run build first)`).toBe(true);
      }
    }
    expect(existsSync(path.join(repoRoot, 'dist', 'cli', 'main.js'))).toBe(true);
  });
});
