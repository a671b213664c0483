import { UsageError } from '../broker/allow-list.js';

/** dumpcap-style `-a KEY:VALUE` / `-b KEY:VALUE` conditions. */
export function parseConditions(
  flag: string,
  values: readonly string[],
  allowed: readonly string[],
): Map<string, number> {
  const conditions = new Map<string, number>();
  for (const text of values) {
    const match = /^([a-z]+):(\d+(?:\.\d+)?)$/.exec(text);
    const key = match?.[1] ?? '';
    const value = Number(match?.[2]);
    if (!match || !allowed.includes(key) || !(value > 0))
      throw new UsageError(
        `${flag} ${text}: expected one of ${allowed.map((k) => `${k}:N`).join(', ')} with N > 0`,
      );
    conditions.set(key, value);
  }
  return conditions;
}

export function positiveInteger(flag: string, text: string): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(value) || value <= 0)
    throw new UsageError(`${flag} ${text}: expected a whole number greater than 0`);
  return value;
}
