import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { DeployedShoot } from './bootstrap-shoots.js';
import { builtCli, withoutClusterSelection } from './landscape.js';

// After the bootstrap the landscape shows day-2 health as an operator sees it: the health
// conditions on each Extension, once the controller's first health check wrote them, and the
// fleet view of the `status` command.

/** The part of an Extension the health report reads. */
export interface HealthView {
  status?: { conditions?: { type: string; status?: string; reason?: string; message?: string }[] };
}

/** The day-2 health conditions the controller writes on every bootstrapped shoot's Extension. */
export const healthConditionTypes = ['SystemComponentsHealthy', 'FluxSynced'] as const;

/** Whether the first health check has written every health condition onto this Extension. */
export function hasHealthReport(extension: HealthView | undefined): boolean {
  const types = new Set((extension?.status?.conditions ?? []).map((c) => c.type));
  return healthConditionTypes.every((type) => types.has(type));
}

/** The health conditions of one shoot as one line: `SystemComponentsHealthy=True (…): message; …`. */
export function buildHealthLine(name: string, extension: HealthView | undefined): string {
  const conditions = extension?.status?.conditions ?? [];
  const parts = healthConditionTypes.map((type) => {
    const condition = conditions.find((c) => c.type === type);
    if (!condition) return `${type} not reported yet`;
    return `${type}=${condition.status} (${condition.reason ?? ''}): ${condition.message ?? ''}`;
  });
  return `Health of ${name}: ${parts.join('; ')}`;
}

/**
 * Waits until every shoot's Extension carries the health conditions (the controller checks a
 * shoot right after its bootstrap), or the deadline passes; resolves with each shoot's line.
 */
export async function waitForHealthReports(
  deployed: readonly DeployedShoot[],
  deadlineAt: number,
): Promise<string[]> {
  return Promise.all(
    deployed.map(async (d) => {
      for (;;) {
        const extension = await d.gardenlet.extension().catch(() => undefined);
        if (hasHealthReport(extension) || Date.now() > deadlineAt) {
          return buildHealthLine(d.shoot.spec.name, extension);
        }
        // A script, not a test: a short poll keeps the progress output simple.
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }),
  );
}

/** The command line that prints the fleet view, as the landscape runs it. */
export function buildStatusCommandLine(seedKubeconfig: string): string[] {
  return [builtCli, 'status', `--kubeconfig=${seedKubeconfig}`, '-o', 'wide'];
}

/** Runs the built CLI's `status` against the landscape's seed; resolves with what it printed. */
export async function readFleetStatus(seedKubeconfig: string): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, buildStatusCommandLine(seedKubeconfig), {
    env: withoutClusterSelection(process.env),
  });
  return stdout;
}
