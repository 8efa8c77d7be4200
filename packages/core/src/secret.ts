import { inspect } from 'node:util';

const REDACTED = '[REDACTED]';

/**
 * A value that must never be printed. `String(s)`, `JSON.stringify(s)`, template literals,
 * `util.inspect` and pino all see `[REDACTED]`; only `reveal()` gives the value.
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  reveal(): string {
    return this.#value;
  }

  /** Whether two secrets hold the same value (without revealing either). */
  equals(other: Secret): boolean {
    return other instanceof Secret && other.#value === this.#value;
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return `Secret(${REDACTED})`;
  }

  [Symbol.toPrimitive](): string {
    return REDACTED;
  }
}

export function isSecret(value: unknown): value is Secret {
  return value instanceof Secret;
}

/** Replaces every occurrence of the given secrets' values in text (for third-party messages). */
export function redact(text: string, secrets: Iterable<Secret | string>): string {
  let out = text;
  for (const s of secrets) {
    const value = typeof s === 'string' ? s : s.reveal();
    if (value.length >= 4) out = out.split(value).join(REDACTED);
  }
  return out;
}

export { REDACTED };
