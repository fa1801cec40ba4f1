/** How one shoot of the landscape ended: bootstrapped after `seconds`, or not, with the reason. */
export type ShootOutcome =
  | { name: string; sourceKind: string; bootstrapped: true; seconds: number; revision: string }
  | { name: string; sourceKind: string; bootstrapped: false; reason: string };

/** The nearest-rank percentile (`p` in 0…100) of `values`; undefined when there are none. */
export function percentile(values: readonly number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1];
}

function seconds(value: number): string {
  return `${value.toFixed(1)}s`;
}

/** One line per shoot, columns aligned across the shoots: name, source kind, then the outcome. */
export function buildShootLines(outcomes: readonly ShootOutcome[]): string[] {
  const nameWidth = Math.max(...outcomes.map((o) => o.name.length));
  const kindWidth = Math.max(...outcomes.map((o) => o.sourceKind.length));
  return outcomes.map((o) => {
    const head = `Shoot ${o.name.padEnd(nameWidth)}  ${o.sourceKind.padEnd(kindWidth)}  `;
    return o.bootstrapped
      ? `${head}bootstrapped in ${seconds(o.seconds)}  (${o.revision || 'no revision reported'})`
      : `${head}NOT bootstrapped: ${o.reason}`;
  });
}

/**
 * The closing line: how many shoots were bootstrapped, how long until the last one was
 * (`elapsedSeconds`, from the first Extension created), and p50/max of the per-shoot times
 * (Extension created → `FluxBootstrapped=True`).
 */
export function buildSummaryLine(outcomes: readonly ShootOutcome[], elapsedSeconds: number): string {
  const times = outcomes.flatMap((o) => (o.bootstrapped ? [o.seconds] : []));
  const noun = outcomes.length === 1 ? 'shoot' : 'shoots';
  const head = `${times.length}/${outcomes.length} ${noun} bootstrapped`;
  const p50 = percentile(times, 50);
  const max = percentile(times, 100);
  if (p50 === undefined || max === undefined) return head;
  return (
    `${head} in ${seconds(elapsedSeconds)} ` +
    `(per shoot, Extension created → FluxBootstrapped=True: p50 ${seconds(p50)}, max ${seconds(max)})`
  );
}
