/** Console forms → the admin API's zod schemas, so a console form and an API body are checked by one shape. */
import type { z } from '@hono/zod-openapi';

/** The first problem as `field: message`, or the parsed value. */
export function validate<T extends z.ZodTypeAny>(schema: T, value: unknown): { data: z.infer<T> } | { error: string } {
  const r = schema.safeParse(value);
  if (r.success) return { data: r.data };
  const issue = r.error.issues[0];
  return { error: `${issue.path.join('.') || 'form'}: ${issue.message}` };
}

/** An optional text field: '' → null. */
export const orNull = (v: string) => (v === '' ? null : v);

/** `Name: value` lines → a header map (the webhook form). */
export function headerLines(text: string): Record<string, string> | string {
  const out: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    if (!line.trim()) continue;
    const i = line.indexOf(':');
    if (i <= 0) return `headers: "${line.slice(0, 40)}" is not "Name: value"`;
    out[line.slice(0, i).trim()] = line.slice(i + 1).trim();
  }
  return out;
}
