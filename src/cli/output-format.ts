import yaml from 'js-yaml';
import { Option } from 'commander';

/** The `-o` formats of data output. */
export type DataFormat = 'json' | 'yaml';

/** `-o, --output <format>` with its choices and default; `-o=json` is handled by normalizeArgv. */
export function buildOutputOption<T extends string>(choices: readonly T[], defaultFormat: T): Option {
  return new Option('-o, --output <format>', 'output format').choices(choices).default(defaultFormat);
}

/** One value as JSON (indented, newline-terminated) or as a YAML document. */
export function renderData(value: unknown, format: DataFormat): string {
  return format === 'json'
    ? `${JSON.stringify(value, null, 2)}\n`
    : yaml.dump(value, { lineWidth: -1, noRefs: true });
}

/**
 * Arguments as commander understands them: `-o=json` (kubectl's spelling, which pflag accepts)
 * becomes `-o json`; commander would read `=json` as the value. Nothing after `--` changes.
 */
export function normalizeArgv(argv: readonly string[]): string[] {
  const normalized: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--') return [...normalized, ...argv.slice(i)];
    const match = /^(-[A-Za-z])=(.*)$/s.exec(arg);
    if (match) normalized.push(match[1] ?? '', match[2] ?? '');
    else normalized.push(arg);
  }
  return normalized;
}
