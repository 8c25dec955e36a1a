// The outbound section of the configuration: rules choosing the trunk an external number leaves through, their checks, and the core's rules built from them.

import type { OutboundRule } from '../core/dialplan.js';
import { unsafePatternReason } from './safe-pattern.js';
import type { OutboundRuleConfig, PbxConfig } from './types.js';

type Fields = Record<string, unknown>;
type Report = (path: string, message: string) => void;

const isMapping = (value: unknown): value is Fields => typeof value === 'object' && value !== null && !Array.isArray(value);
const asText = (value: unknown): string => (typeof value === 'string' ? value : typeof value === 'number' ? String(value) : '');

/** `outbound` with numbers as strings; lenient like the rest of normalization (the schema reports wrong types). */
export function buildOutbound(value: unknown, report: Report): OutboundRuleConfig[] {
  const rules = Array.isArray(value) ? value : [];
  return rules.map((item, i) => buildRule(isMapping(item) ? item : {}, `outbound[${i}]`, report));
}

function buildRule(rule: Fields, path: string, report: Report): OutboundRuleConfig {
  const trunk = asText(rule['trunk']);
  const { prefix, pattern } = rule;
  if (prefix !== undefined && pattern !== undefined) report(path, 'has both prefix and pattern; a rule has one or the other');
  if (prefix === undefined && pattern === undefined) report(path, "needs prefix (the number's first digits, '' for every number) or pattern (a regular expression)");
  if (typeof pattern === 'string' && prefix === undefined) {
    try {
      new RegExp(pattern);
      const unsafe = unsafePatternReason(pattern);
      if (unsafe !== undefined) report(`${path}.pattern`, `could take exponential time to match: ${unsafe}; write it without nested repetition (docs/configuration.md)`);
    } catch (error) {
      report(`${path}.pattern`, `must be a valid regular expression: ${(error as Error).message.replace(/^Invalid regular expression: /, '')}`);
    }
    return { pattern, trunk };
  }
  return { prefix: asText(prefix), trunk };
}

/** Cross-checks: each rule names a configured trunk, and no rule repeats an earlier one (it could never match). */
export function checkOutbound(config: PbxConfig, report: Report): void {
  const trunks = new Set(config.trunks.map((trunk) => trunk.number));
  const otherDns = new Set([...config.extensions, ...config.routePoints, ...config.ivrs, ...config.queues].map((dn) => dn.number));
  const seen = new Map<string, string>();
  (config.outbound ?? []).forEach((rule, i) => {
    const path = `outbound[${i}]`;
    if (rule.trunk !== '' && !trunks.has(rule.trunk)) {
      const what = otherDns.has(rule.trunk) ? `DN ${rule.trunk}, which is not a trunk` : `trunk ${rule.trunk}, which is not configured`;
      report(`${path}.trunk`, `names ${what}; outbound rules send numbers out through a trunk`);
    }
    const key = 'prefix' in rule ? `prefix ${JSON.stringify(rule.prefix)}` : `pattern ${JSON.stringify(rule.pattern)}`;
    const first = seen.get(key);
    if (first === undefined) seen.set(key, path);
    else report(path, `duplicate rule for ${key} (also at ${first}); only the first can match`);
  });
}

/**
 * The core's outbound rules for `config`: its `outbound` section in order, or, when that is absent or empty, one
 * rule sending every number through the first trunk (none when no trunk is configured).
 */
export function outboundRules(config: PbxConfig): OutboundRule[] {
  const configured = config.outbound ?? [];
  if (configured.length === 0) {
    const first = config.trunks[0];
    return first ? [{ prefix: '', trunk: first.number }] : [];
  }
  // Patterns match the whole number, like the external number rules.
  return configured.map((rule) => ('prefix' in rule ? { prefix: rule.prefix, trunk: rule.trunk } : { pattern: new RegExp(`^(?:${rule.pattern})$`), trunk: rule.trunk }));
}
