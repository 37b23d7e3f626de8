/**
 * AND-ed SQL conditions built from fragments whose `?` placeholders become numbered parameters, in order, so
 * list endpoints add a filter per field without counting `$n` by hand. Values only ever travel as parameters.
 */
export class Conditions {
  readonly params: unknown[] = [];
  private readonly parts: string[];

  constructor(...fixed: string[]) {
    this.parts = [...fixed];
  }

  /** Adds one condition; each `?` in it takes the next value. */
  add(sql: string, ...values: unknown[]): this {
    const slots = sql.split('?').length - 1;
    if (slots !== values.length) throw new Error(`condition has ${slots} placeholder(s) but ${values.length} value(s): ${sql}`);
    let i = 0;
    this.parts.push(sql.replace(/\?/g, () => this.param(values[i++])));
    return this;
  }

  /** A placeholder for a value used beside the conditions (LIMIT, OFFSET, a cursor). */
  param(value: unknown): string {
    this.params.push(value);
    return `$${this.params.length}`;
  }

  /** The conditions joined with AND, or TRUE when there are none. */
  get sql(): string {
    return this.parts.length ? this.parts.join(' AND ') : 'TRUE';
  }

  /** `WHERE …`, or nothing when there are no conditions. */
  get where(): string {
    return this.parts.length ? `WHERE ${this.sql}` : '';
  }
}

/** Escapes LIKE's wildcards, so user text matches itself (patterns use the default backslash escape). */
export const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);
