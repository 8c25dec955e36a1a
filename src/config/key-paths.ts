// Key paths of configuration problems (`extensions[0].devices[1].behaviour`, `ivrs[0].menu["*"]`): building them, and ordering problems by them.

/** A problem before it is attributed to a file. */
export interface Found {
  path: string;
  message: string;
}

/** Records a problem found at a key path. */
export type Report = (path: string, message: string) => void;

/** A YAML mapping, parsed. */
export type Fields = Record<string, unknown>;

export function isMapping(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The path of a key or index inside path. */
export function child(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  if (!/^[A-Za-z_$][\w$]*$/.test(key)) return `${path}[${JSON.stringify(key)}]`;
  return path === '' ? key : `${path}.${key}`;
}

function pathTokens(path: string): (string | number)[] {
  return [...path.matchAll(/\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]|([^.[\]]+)/g)].map(([, index, quoted, key]) =>
    index !== undefined ? Number(index) : quoted !== undefined ? (JSON.parse(quoted) as string) : (key ?? ''),
  );
}

/** Problems in the order their keys appear in the file (YAML keeps key order), so a report reads top to bottom. */
export function inDocumentOrder(raw: unknown, problems: Found[]): Found[] {
  const position = (path: string): number[] => {
    const result: number[] = [];
    let value = raw;
    for (const token of pathTokens(path)) {
      if (typeof token === 'number') {
        result.push(token);
        value = Array.isArray(value) ? value[token] : undefined;
      } else {
        const keys = isMapping(value) ? Object.keys(value) : [];
        const at = keys.indexOf(token);
        result.push(at === -1 ? keys.length : at); // a missing (required) key sorts after the keys present
        value = at === -1 ? undefined : (value as Fields)[token];
      }
    }
    return result;
  };
  const compare = (a: number[], b: number[]): number => {
    for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
    return a.length - b.length;
  };
  return problems
    .map((problem) => ({ problem, position: position(problem.path) }))
    .sort((a, b) => compare(a.position, b.position))
    .map(({ problem }) => problem);
}

/** The path itself and every path it is inside: `a[0].b` -> `a[0].b`, `a[0]`, `a`, ``. */
export function pathPrefixes(path: string): string[] {
  const prefixes = [path, ''];
  for (let i = path.length - 1; i > 0; i--) if (path[i] === '.' || path[i] === '[') prefixes.push(path.slice(0, i));
  return prefixes;
}

