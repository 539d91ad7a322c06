// The checks the alert engine applies to what hosts pass it. The schemas are the contract's
// (shared/api.ts), so a rule the page may send and a rule the engine accepts are the same thing;
// these functions turn a failed check into a RangeError naming the bad field.
import type { z } from 'zod';
import { alertFilterSchema, storedTrustRuleSchema, trustRuleSchema } from '../../shared/api.js';
import type { AlertFilter, TrustRule } from '../../shared/alerts.js';

export { alertFilterSchema, storedTrustRuleSchema, trustRuleSchema };

function check<T>(schema: z.ZodType, value: unknown, what: string): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data as T;
  const issue = parsed.error.issues[0];
  throw new RangeError(`not ${what}: ${issue ? `${issue.path.join('.') || 'value'}: ${issue.message}` : 'invalid'}`);
}

/** The rule, checked: a RangeError naming the bad field otherwise. */
export function checkTrustRule(rule: unknown): TrustRule {
  return check<TrustRule>(trustRuleSchema, rule, 'a trust rule');
}

export function checkAlertFilter(filter: unknown): AlertFilter {
  return check<AlertFilter>(alertFilterSchema, filter, 'an alert filter');
}
