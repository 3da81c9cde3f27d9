import type { ProxyConfig } from '../../core/proxy-config';
import type { ValidationIssue } from '../../problems';

/** The schema versions of `ProxyConfig` the proxy reads. */
export const PROXY_CONFIG_VERSIONS = [1, 2] as const;

/** The first schema version that has the fields of {@link versionFieldProblems}. */
const VERSION_2 = 2;

/**
 * The fields of a later schema version used in a file of an earlier one: `listeners[].virtualHosts` and
 * `clusters[].tls` need version 2. Reads the config defensively (its shape may be wrong).
 * @returns one problem per such field, naming it and the version to set
 */
export function versionFieldProblems(config: ProxyConfig): ValidationIssue[] {
  const version = config.version;
  if (typeof version !== 'number' || version >= VERSION_2) return [];
  const problems: ValidationIssue[] = [];
  const needs = (path: string, value: unknown): void => {
    if (value === undefined) return;
    problems.push({ code: 'VERSION_2_FIELD', path, message: `is a schema version ${VERSION_2} field: set \`version: ${VERSION_2}\` to use it (this file says version ${version})`, value });
  };
  listOf(config.listeners).forEach((listener, i) => needs(`listeners[${i}].virtualHosts`, listener?.virtualHosts));
  listOf(config.clusters).forEach((cluster, i) => needs(`clusters[${i}].tls`, cluster?.tls));
  return problems;
}

function listOf<T>(value: readonly T[] | undefined): readonly (T | undefined)[] {
  return Array.isArray(value) ? value : [];
}
