// Refuses number patterns that can backtrack catastrophically, by their structure, before they are ever matched.

/** Repetitions of variable length (`*`, `+`, `{n,}`, `{n,m}` with m > n) one pattern may hold; each multiplies the work. */
export const MAX_VARIABLE_REPETITIONS = 3;

interface Group {
  /** The group holds a variable repetition, at any depth. */
  repeats: boolean;
  /** The group holds an alternation `|` at its own level or deeper. */
  alternates: boolean;
}

/** A quantifier starting at `text[at]`: how many characters it takes and whether it repeats (max > 1), variably. */
function quantifier(text: string, at: number): { length: number; repeating: boolean; variable: boolean } | undefined {
  const char = text[at];
  let length = 0;
  let repeating = false;
  let variable = false;
  if (char === '*' || char === '+') [length, repeating, variable] = [1, true, true];
  else if (char === '?') [length, repeating, variable] = [1, false, true];
  else if (char === '{') {
    const match = /^\{(\d+)(,(\d*))?\}/.exec(text.slice(at));
    if (!match) return undefined;
    const min = Number(match[1]);
    const max = match[2] === undefined ? min : match[3] === '' ? Infinity : Number(match[3]);
    [length, repeating, variable] = [match[0].length, max > 1, max > min];
  } else return undefined;
  if (text[at + length] === '?') length++; // lazy: the same backtracking
  return { length, repeating, variable };
}

/**
 * Why `pattern` could take exponential (or high polynomial) time against a short number, or undefined when it is
 * in the safe subset: no repeated group that itself repeats or alternates (`(a+)+`, `(a|ab)*`, `(\d?)+`), no
 * backreference, at most MAX_VARIABLE_REPETITIONS variable repetitions. JavaScript's engine backtracks, so such a
 * pattern against a 64-character destination could stall the server; the subset keeps every match linear-ish.
 * Assumes `pattern` compiles (check that first).
 */
export function unsafePatternReason(pattern: string): string | undefined {
  const stack: Group[] = [{ repeats: false, alternates: false }];
  let variables = 0;
  let last: Group | undefined; // the group just closed, which a quantifier may follow
  for (let at = 0; at < pattern.length; at++) {
    const char = pattern[at];
    const closed = last;
    last = undefined;
    const top = stack[stack.length - 1]!;
    if (char === '\\') {
      const next = pattern[at + 1] ?? '';
      if (/[1-9]/.test(next) || next === 'k') return 'it uses a backreference';
      at++;
      continue;
    }
    if (char === '[') {
      // Skip the class: nothing inside it is a group or a quantifier.
      for (at++; at < pattern.length && pattern[at] !== ']'; at++) if (pattern[at] === '\\') at++;
      continue;
    }
    if (char === '(') {
      stack.push({ repeats: false, alternates: false });
      // (?: (?= (?! (?<= (?<! (?<name>: the prefix is no quantifier.
      if (pattern[at + 1] === '?') {
        const kind = pattern[at + 2];
        if (kind === '<' && pattern[at + 3] !== '=' && pattern[at + 3] !== '!') at = Math.max(at + 2, pattern.indexOf('>', at));
        else at += kind === '<' ? 3 : 2;
      }
      continue;
    }
    if (char === ')') {
      const group = stack.pop()!;
      const parent = stack[stack.length - 1]!;
      parent.repeats ||= group.repeats;
      parent.alternates ||= group.alternates;
      last = group;
      continue;
    }
    if (char === '|') {
      top.alternates = true;
      continue;
    }
    const q = quantifier(pattern, at);
    if (!q) continue;
    at += q.length - 1;
    if (q.variable) variables++;
    if (variables > MAX_VARIABLE_REPETITIONS) return `it has more than ${MAX_VARIABLE_REPETITIONS} variable repetitions (*, +, ?, {n,m})`;
    if (closed && q.repeating && (closed.repeats || closed.alternates)) return 'it repeats a group that itself repeats or alternates, as in (a+)+ or (a|b)*';
    if (q.variable) top.repeats = true;
  }
  return undefined;
}
