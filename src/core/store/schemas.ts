// zod schemas for what hosts pass to the alert engine. They live in core, not in shared/alerts.ts, so
// the renderer can import the alert types and constants without bundling zod. When shared/api.ts
// carries the alert requests it should define the same schemas (or these should move there).
import { z } from 'zod';
import { ALERT_KINDS, parseHostRange, SEVERITIES, type AlertFilter, type TrustRule } from '../../shared/alerts.js';

const exeText = z.string().min(1).max(4096);
const port = z.number().int().min(0).max(65535);

/** A trust rule from the user. */
export const trustRuleSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('executable'), exe: exeText }).strict(),
  z.object({ kind: z.literal('listener'), exe: exeText, port, protocol: z.enum(['tcp', 'udp']) }).strict(),
  z
    .object({
      kind: z.literal('destination'),
      exe: exeText,
      host: z.string().max(64).refine((h) => parseHostRange(h) !== null, 'not an IP address or CIDR range'),
      port: port.nullable(),
    })
    .strict(),
]);

export const alertFilterSchema = z
  .object({
    limit: z.number().int().min(1).max(100_000).optional(),
    kinds: z.array(z.enum(ALERT_KINDS)).max(ALERT_KINDS.length).optional(),
    severities: z.array(z.enum(SEVERITIES)).max(SEVERITIES.length).optional(),
    unacknowledged: z.boolean().optional(),
  })
  .strict();

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
