// Schema problems of a configuration: typebox's errors, reduced to one friendly message per offending key.

import type { TSchema } from 'typebox';
import type { TLocalizedValidationError } from 'typebox/error';
import { Settings } from 'typebox/system';
import { Value } from 'typebox/value';
import { CONFIG_LIMITS } from '../limits.js';
import { child, type Found, isMapping } from './key-paths.js';
import { PbxConfigFileSchema } from './schema.js';

type SchemaNode = TSchema & {
  type?: string;
  enum?: unknown[];
  anyOf?: SchemaNode[];
  properties?: Record<string, SchemaNode>;
  expected?: string;
  expectedKey?: string;
  sensitive?: boolean;
};

type SchemaError = TLocalizedValidationError;

const TYPE_NAMES: Record<string, string> = {
  object: 'a mapping',
  array: 'a list',
  string: 'a string',
  integer: 'an integer',
  number: 'a number',
  boolean: 'true or false',
  null: 'null',
};

/** Every key the schema rejects in raw, once each, with what it must be and (unless secret) what it is. */
export function schemaProblems(raw: unknown): Found[] {
  const previous = Settings.Get().maxErrors;
  let errors: SchemaError[];
  // typebox stops collecting at Settings.maxErrors (8 by default, process-wide); a bad file deserves a full report.
  try {
    Settings.Set({ maxErrors: CONFIG_LIMITS.maxSchemaErrorsCollected });
    errors = Value.Errors(PbxConfigFileSchema, raw);
  } finally {
    Settings.Set({ maxErrors: previous });
  }
  const problems: Found[] = [];
  const seen = new Set<string>();
  for (const error of withoutUnionNoise(errors, raw)) {
    for (const problem of describe(error, raw)) {
      if (seen.has(problem.path)) continue; // one problem per key: the first is the most basic
      seen.add(problem.path);
      problems.push(problem);
    }
  }
  return problems;
}

// A value failing a union (`busy` or `{ kind, afterMs }`; digits or an integer) fails every branch. When the value's
// type picks exactly one branch, that branch's errors are the precise ones; otherwise the union's own message is.
function withoutUnionNoise(errors: SchemaError[], raw: unknown): SchemaError[] {
  const dropped = new Set<SchemaError>();
  for (const union of errors.filter((e) => e.keyword === 'anyOf')) {
    const branches = schemaAt(union.schemaPath).anyOf ?? [];
    const value = locate(raw, union.instancePath).value;
    const matching = branches.flatMap((branch, i) => (acceptsTypeOf(branch, value) ? [i] : []));
    const prefix = `${union.schemaPath}/anyOf/`;
    const chosen = matching.length === 1 ? `${prefix}${matching[0]}` : undefined;
    const inUnion = errors.filter((e) => e.schemaPath.startsWith(prefix) && isWithinPointer(e.instancePath, union.instancePath));
    const kept = inUnion.filter((e) => chosen !== undefined && (e.schemaPath === chosen || e.schemaPath.startsWith(`${chosen}/`)));
    for (const e of inUnion) if (!kept.includes(e)) dropped.add(e);
    if (kept.length > 0) dropped.add(union);
  }
  return errors.filter((e) => !dropped.has(e));
}

function describe(error: SchemaError, raw: unknown): Found[] {
  const { path, value } = locate(raw, error.instancePath);
  switch (error.keyword) {
    case 'required':
      return error.params.requiredProperties.map((key) => ({ path: child(path, key), message: 'required' }));
    case 'additionalProperties': {
      const schema = schemaAt(error.schemaPath);
      return error.params.additionalProperties.map((key) => ({
        path: child(path, key),
        message: schema.properties
          ? `unknown key '${key}' (allowed: ${Object.keys(schema.properties).join(', ')})`
          : `invalid key '${key}': must be ${schema.expectedKey ?? 'a known key'}`,
      }));
    }
    case 'boolean':
      return []; // the per-key twin of an additionalProperties error
    case 'enum':
      return [{ path, message: `must be one of ${error.params.allowedValues.join(', ')}, got ${show(value, false)}` }];
  }
  const chain = unionChain(error.schemaPath);
  const expected = chain.find((node) => node.expected !== undefined)?.expected;
  const got = show(value, chain.some((node) => node.sensitive === true));
  if (expected !== undefined) return [{ path, message: `must be ${expected}, got ${got}` }];
  const count = Array.isArray(value) ? value.length : 0;
  switch (error.keyword) {
    case 'type': {
      const type = String(error.params.type);
      return [{ path, message: `must be ${TYPE_NAMES[type] ?? type}, got ${got}` }];
    }
    case 'minItems':
      return [{ path, message: `must have at least ${error.params.limit} ${error.params.limit === 1 ? 'entry' : 'entries'}, got ${count}` }];
    case 'maxItems':
      return [{ path, message: `must have at most ${error.params.limit} entries, got ${count}` }];
    default:
      return [{ path, message: `${error.message}, got ${got}` }];
  }
}

// The friendly path of a JSON pointer into raw, and the value there.
function locate(raw: unknown, pointer: string): { path: string; value: unknown } {
  let path = '';
  let value = raw;
  for (const token of pointerTokens(pointer)) {
    if (Array.isArray(value)) {
      path = child(path, Number(token));
      value = value[Number(token)];
    } else {
      path = child(path, token);
      value = isMapping(value) && Object.hasOwn(value, token) ? value[token] : undefined;
    }
  }
  return { path, value };
}

function schemaAt(schemaPath: string): SchemaNode {
  let node: unknown = PbxConfigFileSchema;
  for (const token of pointerTokens(schemaPath.replace(/^#/, ''))) node = (node as Record<string, unknown>)[token];
  return node as SchemaNode;
}

// The schema at schemaPath and the unions it is a branch of: where `expected` and `sensitive` are looked up.
function unionChain(schemaPath: string): SchemaNode[] {
  const chain = [schemaAt(schemaPath)];
  for (let path = schemaPath; /\/anyOf\/\d+$/.test(path); ) {
    path = path.replace(/\/anyOf\/\d+$/, '');
    chain.push(schemaAt(path));
  }
  return chain;
}

function pointerTokens(pointer: string): string[] {
  return pointer === '' ? [] : pointer.slice(1).split('/').map((token) => token.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function isWithinPointer(pointer: string, base: string): boolean {
  return pointer === base || pointer.startsWith(`${base}/`);
}

function acceptsTypeOf(schema: SchemaNode, value: unknown): boolean {
  const type = jsonType(value);
  if (schema.enum !== undefined) return schema.enum.some((allowed) => jsonType(allowed) === type);
  if (schema.type === undefined) return true;
  return schema.type === type || (schema.type === 'integer' && type === 'number');
}

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value === 'object' ? 'object' : typeof value;
}

function show(value: unknown, sensitive: boolean): string {
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (isMapping(value)) return 'a mapping';
  if (typeof value === 'string') {
    if (sensitive) return `${value.length} characters`;
    return value.length > 60 ? `'${value.slice(0, 57)}...'` : `'${value}'`;
  }
  return sensitive ? `a ${typeof value}` : String(value);
}

