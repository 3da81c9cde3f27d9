import { isIP } from 'node:net';
import { z } from 'zod';

/** Longest delay `setTimeout` honours (2^31 - 1 ms, about 24.8 days); longer ones fire at once. */
export const MAX_TIMER_MS = 2_147_483_647;

/** DNS name: dot-separated labels of letters, digits and inner hyphens, at most 253 characters. */
const DNS_NAME = /^(?=.{1,253}\.?$)[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?(\.[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?)*\.?$/;

/** An integer in `[min, max]`, with one message for every way it can be wrong. */
export function integer(min: number, max: number): z.ZodInt {
  const message = `must be an integer between ${min} and ${max}`;
  return z.int({ error: message }).min(min, message).max(max, message);
}

/** A TCP port; `allowZero` admits 0 (the OS picks a free one). */
export function port(allowZero = false): z.ZodInt {
  return integer(allowZero ? 0 : 1, 65535);
}

/** A duration in milliseconds that a timer can wait for. */
export function durationMs(min = 1): z.ZodInt {
  const message = `must be an integer number of milliseconds between ${min} and ${MAX_TIMER_MS}`;
  return z.int({ error: message }).min(min, message).max(MAX_TIMER_MS, message);
}

/** A non-empty string. */
export function nonEmptyString(): z.ZodString {
  return z.string({ error: 'must be a non-empty string' }).min(1, 'must be a non-empty string');
}

/** Any string (the routing engine checks its content). */
export function string(): z.ZodString {
  return z.string({ error: 'must be a string' });
}

/** An IP address or a DNS name. */
export function host(): z.ZodString {
  return nonEmptyString().refine((value) => isIP(value) !== 0 || DNS_NAME.test(value), {
    error: 'must be an IP address or a DNS name',
  });
}

/** One of a few strings. */
export function oneOf<const T extends readonly [string, ...string[]]>(values: T): z.ZodEnum<{ [K in T[number]]: K }> {
  return z.enum(values, { error: `must be one of ${values.map((v) => JSON.stringify(v)).join(', ')}` });
}

/** A strict object: unknown keys are refused. */
export function object<T extends z.core.$ZodLooseShape>(shape: T): z.ZodObject<T, z.core.$strict> {
  return z.strictObject(shape, { error: 'must be an object' });
}

/** A readonly list of `min` to `max` items. */
export function list<T extends z.ZodType>(item: T, max?: number, min = 0): z.ZodReadonly<z.ZodArray<T>> {
  let array = z.array(item, { error: 'must be a list' });
  if (min > 0) array = array.min(min, `must have at least ${min} ${min === 1 ? 'entry' : 'entries'}`);
  if (max !== undefined) array = array.max(max, `must have at most ${max} entries`);
  return array.readonly();
}
