/** What the schema's tables share: a column default of the current time, in unix milliseconds. */
import { sql } from 'drizzle-orm';

/** The current time in unix milliseconds, as SQLite computes it (a column's default). */
export const now = sql`(CAST(unixepoch('subsec') * 1000 AS INTEGER))`;
