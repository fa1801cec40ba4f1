import type { Command } from 'commander';

/** The exit codes of the commands that check input. */
export const inputExitCodes: readonly [number, string][] = [
  [0, 'every providerConfig is valid'],
  [1, 'a providerConfig is invalid (each error is printed)'],
  [2, 'usage error, or input that cannot be read or parsed, or holds no providerConfig'],
];

/** Adds the `Examples:` (what it does, command line) and `Exit codes:` sections every `--help` ends with. */
export function addHelpSections(
  command: Command,
  examples: readonly [string, string][],
  exitCodes: readonly [number, string][],
): Command {
  // kubectl's layout: a comment line saying what, then the command.
  const lines = [
    '',
    'Examples:',
    ...examples.flatMap(([what, line], i) => [...(i > 0 ? [''] : []), `  # ${what}`, `  ${line}`]),
    '',
    'Exit codes:',
    ...exitCodes.map(([code, meaning]) => `  ${code}  ${meaning}`),
  ];
  return command.addHelpText('after', `${lines.join('\n')}\n`);
}
