import type { z } from 'zod';
import { TandemError } from '../../core/index';

/** Validates a request body; a failure is a 422 naming each bad field. */
export function parseBody<T extends z.ZodType>(schema: T, body: unknown): z.infer<T> {
  const r = schema.safeParse(body ?? {});
  if (r.success) return r.data;
  const fields: Record<string, string> = {};
  for (const issue of r.error.issues) fields[issue.path.join('.') || '_'] = issue.message;
  throw new TandemError('request.invalid', 'Some fields are missing or not valid', 422, { fields });
}
