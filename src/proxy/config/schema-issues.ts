import { z } from 'zod';
import { formatPath } from './config-error';
import type { ValidationIssue } from '../../problems';

/**
 * Turns zod issues into config problems that name the field path, the value found in `data` and what was
 * expected. Unknown keys become one problem each, listing the fields known at that place.
 * @param schema the schema `data` was parsed with (to list known fields)
 * @param data the parsed document
 * @param issues the issues of the failed parse
 */
export function problemsFromIssues(schema: z.ZodType, data: unknown, issues: readonly z.core.$ZodIssue[]): ValidationIssue[] {
  const problems: ValidationIssue[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      const known = knownFields(schema, data, issue.path);
      const expected = known.length > 0 ? `known fields here: ${known.join(', ')}` : 'no other fields are allowed here';
      for (const key of issue.keys) {
        const path = [...issue.path, key];
        problems.push({ code: 'UNKNOWN_FIELD', path: formatPath(path), message: `is not a known field (${expected})`, value: valueAt(data, path) });
      }
    } else {
      problems.push({ code: 'SCHEMA_VIOLATION', path: formatPath(issue.path), message: messageOf(issue), value: valueAt(data, issue.path) });
    }
  }
  return problems;
}

/** The message of an issue; zod's generic wording is replaced where the schema did not set its own. */
function messageOf(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_value' && issue.message.startsWith('Invalid')) {
    const values = issue.values.map((v) => JSON.stringify(v));
    return values.length === 1 ? `must be ${values[0]}` : `must be one of ${values.join(', ')}`;
  }
  if (issue.code === 'invalid_type' && issue.message.startsWith('Invalid')) return `must be of type ${issue.expected}`;
  return issue.message;
}

/** The value at `path` in `data`, or undefined. */
function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let value = data;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/** Names of the fields the schema allows at `path` (following `data` through discriminated unions). */
function knownFields(schema: z.ZodType, data: unknown, path: readonly PropertyKey[]): string[] {
  let current: z.ZodType | undefined = schema;
  for (let i = 0; i <= path.length && current !== undefined; i++) {
    current = unwrap(current, valueAt(data, path.slice(0, i)));
    if (i === path.length) break;
    const key = path[i];
    if (current instanceof z.ZodObject && typeof key === 'string') current = current.shape[key] as z.ZodType | undefined;
    else if (current instanceof z.ZodArray && typeof key === 'number') current = current.element as z.ZodType;
    else current = undefined;
  }
  return current instanceof z.ZodObject ? Object.keys(current.shape) : [];
}

/** Removes optional/readonly wrappers and picks the member of a discriminated union that `value` selects. */
function unwrap(schema: z.ZodType, value: unknown): z.ZodType {
  let current = schema;
  for (;;) {
    if (current instanceof z.ZodOptional || current instanceof z.ZodReadonly || current instanceof z.ZodDefault) {
      current = current.unwrap() as z.ZodType;
    } else if (current instanceof z.ZodDiscriminatedUnion) {
      const discriminator = current.def.discriminator;
      const tag = (value as Record<string, unknown> | undefined)?.[discriminator];
      const option = (current.options as z.ZodType[]).find((o) => o instanceof z.ZodObject && literalValues(o.shape[discriminator]).includes(tag));
      if (option === undefined) return current;
      current = option;
    } else {
      return current;
    }
  }
}

function literalValues(schema: unknown): unknown[] {
  return schema instanceof z.ZodLiteral ? [...schema.values] : [];
}
