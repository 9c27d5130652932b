/**
 * A D1 binding that passes every statement through to the real one and records its SQL and
 * bound parameters, so a test can run the project's own code paths and then look at the query
 * plans of exactly the statements they sent (test/db/plans.test.ts).
 */
export interface Recorded {
  sql: string;
  params: unknown[];
  /** The flow that sent it (set with `recorder.as(...)`). */
  source: string;
}

class RecordingStatement {
  constructor(
    readonly real: D1PreparedStatement,
    readonly sql: string,
    private readonly owner: Recorder,
    readonly params: unknown[] = [],
  ) {}
  bind(...values: unknown[]) {
    return new RecordingStatement(this.real.bind(...values), this.sql, this.owner, values);
  }
  note() {
    this.owner.log.push({ sql: this.sql, params: this.params, source: this.owner.source });
  }
  first(column?: string) {
    this.note();
    return column === undefined ? this.real.first() : this.real.first(column);
  }
  run() {
    this.note();
    return this.real.run();
  }
  all() {
    this.note();
    return this.real.all();
  }
  raw(options?: { columnNames?: boolean }) {
    this.note();
    return this.real.raw(options as { columnNames: true });
  }
}

export class Recorder {
  readonly log: Recorded[] = [];
  source = '';
  readonly d1: D1Database;

  constructor(real: D1Database) {
    this.d1 = {
      prepare: (sql: string) => new RecordingStatement(real.prepare(sql), sql, this),
      batch: (statements: RecordingStatement[]) => {
        for (const s of statements) s.note();
        return real.batch(statements.map((s) => s.real));
      },
      exec: (sql: string) => real.exec(sql),
      dump: () => real.dump(),
      withSession: () => {
        throw new Error('the recorder does not follow D1 sessions');
      },
    } as unknown as D1Database;
  }

  /** Runs `fn` with its statements recorded under `source`. */
  async as<T>(source: string, fn: () => Promise<T>): Promise<T> {
    this.source = source;
    try {
      return await fn();
    } finally {
      this.source = '';
    }
  }
}
