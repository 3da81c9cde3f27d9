import { ProxyConfigError } from './config-error';
import { proxyConfigSchema } from './schema';
import { problemsFromIssues } from './schema-issues';
import { checkConfigSemantics } from './semantic-checks';
import type { ProxyConfig } from '../../core/proxy-config';

/**
 * Validates a parsed config document: its shape (strict: unknown keys are refused), and the rules that span
 * fields. Every problem is reported at once: when the shape is wrong, the cross-field checks still run on the
 * parts they can read, and report what the shape problems do not already cover.
 * @param data the parsed YAML or JSON document
 * @param source where it came from, for the error message
 * @returns the config, with lists frozen
 * @throws ProxyConfigError listing every problem
 */
export function validateConfig(data: unknown, source = 'config'): ProxyConfig {
  const parsed = proxyConfigSchema.safeParse(data);
  if (!parsed.success) {
    const shape = problemsFromIssues(proxyConfigSchema, data, parsed.error.issues);
    const covered = (path: string): boolean => shape.some((p) => path === p.path || path.startsWith(`${p.path}.`) || path.startsWith(`${p.path}[`));
    const rest = checkConfigSemantics(data as ProxyConfig, { tolerant: true }).filter((p) => !covered(p.path));
    throw new ProxyConfigError(source, [...shape, ...rest]);
  }
  const problems = checkConfigSemantics(parsed.data);
  if (problems.length > 0) throw new ProxyConfigError(source, problems);
  return parsed.data;
}
