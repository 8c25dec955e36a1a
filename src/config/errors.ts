// Configuration errors: a light module (no schema library), so the CLI can recognise them without loading the loader.

import { CONFIG_LIMITS } from '../limits.js';

/** One thing wrong with a configuration: where (file and key path, like `extensions[0].devices[1].behaviour`) and what. */
export interface ConfigProblem {
  /** The file path as given, or a label such as `<demo>` or `<inline>`. */
  file: string;
  /** Key path in the file (`queues[0].agents[2]`); empty when the problem concerns the whole file. */
  path: string;
  message: string;
}

/** A configuration that cannot be used. `problems` lists every problem found; the message has one `FILE: PATH: MESSAGE` line per problem. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly problems: ConfigProblem[];

  constructor(problems: ConfigProblem[]) {
    super(formatProblems(problems));
    this.problems = problems;
  }
}

function formatProblems(problems: ConfigProblem[]): string {
  const shown = problems.slice(0, CONFIG_LIMITS.maxProblemsShown).map((p) => (p.path === '' ? `${p.file}: ${p.message}` : `${p.file}: ${p.path}: ${p.message}`));
  const hidden = problems.length - shown.length;
  return [...shown, ...(hidden > 0 ? [`... and ${hidden} more problems`] : [])].join('\n');
}
