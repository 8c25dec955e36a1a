// Loads the PBX configuration: YAML text -> schema check -> defaults -> cross-checks, reporting every problem at once.
import { readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { type Document, LineCounter, parseDocument, Scalar, visit } from 'yaml';
import { CONFIG_LIMITS } from '../limits.js';
import { crossCheck } from './cross-check.js';
import { ConfigError, type ConfigProblem } from './errors.js';
import { type Found, inDocumentOrder, pathPrefixes, type Report } from './key-paths.js';
import { buildConfig } from './normalize.js';
import { schemaProblems } from './schema-problems.js';
import type { PbxConfig } from './types.js';

export { ConfigError, type ConfigProblem };

/**
 * Reads, validates and normalizes a YAML configuration file. Relative paths in it (prompt, holdMusic,
 * server.dataDir) are resolved against the file's folder.
 * @throws ConfigError listing every problem, including an unreadable file and YAML syntax errors.
 */
export function loadConfigFile(path: string): PbxConfig {
  let text: string;
  try {
    const size = statSync(path).size;
    if (size > CONFIG_LIMITS.maxFileBytes) throw new ConfigError([{ file: path, path: '', message: tooBig(size) }]);
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new ConfigError([{ file: path, path: '', message: `cannot read the file: ${(error as Error).message}` }]);
  }
  return parseConfig(text, path, dirname(resolve(path)));
}

/**
 * Parses, validates and normalizes YAML configuration text. An empty document is an empty PBX.
 * @param fileLabel names the text in problems (a path, or a label such as `<inline>`).
 * @param baseDir folder that relative paths in the text are resolved against.
 * @throws ConfigError listing every problem, YAML syntax errors (with line and column) included.
 */
export function parseConfig(text: string, fileLabel: string, baseDir: string): PbxConfig {
  const bytes = Buffer.byteLength(text);
  if (bytes > CONFIG_LIMITS.maxFileBytes) throw new ConfigError([{ file: fileLabel, path: '', message: tooBig(bytes) }]);

  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const syntaxProblems: Found[] = doc.errors.map((error) => {
    const { line, col } = lineCounter.linePos(error.pos[0]);
    const message = error.code === 'MULTIPLE_DOCS' ? "more than one YAML document (a second '---'); the configuration is one document" : error.message;
    return { path: '', message: `YAML syntax error at line ${line}, column ${col}: ${message}` };
  });
  // The parser recovers from most syntax errors, so the rest of the file is still checked and every problem reported at once.
  keepDigitStringsAsWritten(doc);
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: CONFIG_LIMITS.maxYamlAliasCount }) ?? {};
  } catch (error) {
    // Alias expansion beyond maxAliasCount ("billion laughs") ends here.
    throw new ConfigError([...syntaxProblems, { path: '', message: `cannot read the YAML: ${(error as Error).message}` }].map((p) => ({ file: fileLabel, ...p })));
  }
  return check(raw, fileLabel, baseDir, syntaxProblems);
}

/**
 * Validates and normalizes an already-parsed configuration object (the content of a YAML file).
 * @param fileLabel names the source in problems (a path, or a label such as `<demo>`).
 * @param baseDir folder that relative paths are resolved against.
 * @throws ConfigError listing every problem.
 */
export function normalizeConfig(raw: unknown, fileLabel: string, baseDir: string): PbxConfig {
  return check(raw, fileLabel, baseDir, []);
}

// Schema problems, then normalization and cross-checks, every problem reported together in document order.
function check(raw: unknown, file: string, baseDir: string, earlier: Found[]): PbxConfig {
  const structural = schemaProblems(raw);
  const semantic: Found[] = [];
  const report: Report = (path, message) => semantic.push({ path, message });
  const config = buildConfig(raw, baseDir, report);
  crossCheck(config, report);

  // A key the schema already rejected yields garbage for the checks after it; its consequences are not news.
  const rejected = new Set(structural.map((p) => p.path));
  const consequent = (p: Found) => pathPrefixes(p.path).some((prefix) => rejected.has(prefix));
  const problems = [...earlier, ...inDocumentOrder(raw, [...structural, ...semantic.filter((p) => !consequent(p))])];
  if (problems.length > 0) throw new ConfigError(problems.map((p) => ({ file, ...p })));
  return config;
}

/**
 * Checks a secret given in an environment variable by the rules the configuration file applies to the same
 * secret (its length), so that no way in is weaker than another.
 * @throws ConfigError naming the variable (never its value) when the value breaks them.
 */
export function checkSecretVariable(variable: string, value: string, minChars: number): void {
  const maxChars = CONFIG_LIMITS.maxTextChars;
  const length = [...value].length;
  if (length >= minChars && length <= maxChars) return;
  throw new ConfigError([{ file: variable, path: '', message: `must be ${minChars} to ${maxChars} characters long, got ${length}` }]);
}

function tooBig(bytes: number): string {
  return `the configuration is ${bytes} bytes; the limit is ${CONFIG_LIMITS.maxFileBytes} bytes`;
}

// YAML reads an unquoted +15550100 as 15550100 and 0100 as 100. Where the text differs from the number, keep the
// text: phone numbers and DNs then mean what was written (and a port written 05001 is reported, not guessed at).
function keepDigitStringsAsWritten(doc: Document): void {
  visit(doc, {
    Scalar(_key, node) {
      const source = node.source;
      if (node.type === Scalar.PLAIN && typeof node.value === 'number' && source !== undefined && /^\+?[0-9]+$/.test(source) && String(node.value) !== source) {
        node.value = source;
      }
    },
  });
}
