/**
 * Drops `undefined` fields, then empty objects and empty arrays, recursively; returns `undefined` when nothing
 * is left. Translations build their output with every possible field and compact it, so that no object they
 * emit holds an empty object or array, and so that `compact(userObject)` tells whether the user set anything.
 */
export function compact<T>(value: T): T | undefined {
  if (Array.isArray(value)) {
    const items = value.map((item) => compact(item)).filter((item) => item !== undefined);
    return items.length > 0 ? (items as T) : undefined;
  }
  if (isPlainObject(value)) {
    const entries = Object.entries(value)
      .map(([key, field]) => [key, compact(field)] as const)
      .filter(([, field]) => field !== undefined);
    return entries.length > 0 ? (Object.fromEntries(entries) as T) : undefined;
  }
  return value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype;
}
