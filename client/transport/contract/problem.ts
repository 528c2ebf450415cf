// RFC 9457 problem details as the server sends them (application/problem+json, docs/API.md "Errors"): the one
// schema the server answers with and the SDK's ApiError reads.
import { z } from 'zod';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.string().meta({ description: 'Stable machine-readable error code (docs/API.md "Errors")' }),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
    suspendedUntil: z.string().optional().meta({ description: 'ISO time a suspension ends (account_suspended)' }),
    lockedUntil: z.string().optional().meta({ description: 'ISO time a login lockout ends (login_locked)' }),
    retryAfterSeconds: z.number().int().optional().meta({ description: 'seconds until a throttled request may be retried (also the Retry-After header)' }),
    limitBytes: z.number().int().optional().meta({ description: 'the quota in bytes (undelivered_quota_exceeded)' }),
    pendingBytes: z.number().int().optional().meta({ description: 'bytes of your messages still waiting for delivery (undelivered_quota_exceeded)' }),
    current: z.string().optional().meta({ description: 'the current SignedDeviceList, base64url (device_list_conflict, docs/PROTOCOL-devices.md D6.4)' }),
    reason: z.string().optional().meta({ description: 'the failed check of docs/PROTOCOL-devices.md D5.1 (invalid_device_list)' }),
    accounts: z
      .array(z.strictObject({
        accountId: z.string(), listVersion: z.number().int(), listHash: z.string(),
        missing: z.array(z.number().int()), extra: z.array(z.number().int()), stale: z.boolean(),
      }))
      .optional()
      .meta({ description: 'per account whose copies differ from its current device list (device_mismatch, docs/PROTOCOL-devices.md D13.4)' }),
    attemptsLeft: z.number().int().optional().meta({ description: 'failed staff logins left before this address must wait (invalid_credentials, only when few are left)' }),
  })
  .meta({ id: 'Problem', description: 'RFC 9457 problem details' });
/** A problem document. `code` is a string here because a client may meet codes newer than itself. */
export type Problem = z.infer<typeof ProblemSchema>;
