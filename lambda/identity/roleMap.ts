import type { Role } from '../../shared/protocol/index.js';
import { principalMatches } from './arnPattern.js';

/** One rule of a target's role map: principals matching `principal` get `role`. */
export interface RoleRule {
  principal: string;
  role: Role;
}

export interface RoleGrant {
  role: Role;
  /** The pattern of the rule that matched, for the audit trail. */
  rule: string;
}

/**
 * The role a verified principal has on a target: the first rule whose pattern matches, or null when none
 * does (the caller is then denied). Patterns were validated when the configuration was loaded.
 */
export function resolveRole(rules: readonly RoleRule[], principal: string): RoleGrant | null {
  for (const rule of rules) {
    if (principalMatches(rule.principal, principal)) return { role: rule.role, rule: rule.principal };
  }
  return null;
}
