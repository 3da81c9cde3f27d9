import { GrpcMeshError, hideFields, type ValidationIssue } from '../../problems';

/** Thrown when a proxy config cannot be used; `issues` lists every problem found, with paths into the config. */
export class ProxyConfigError extends GrpcMeshError {
  /**
   * @param source where the config came from (a file path, or a description such as `from the command line`)
   * @param issues every problem found
   */
  public constructor(public readonly source: string, issues: readonly ValidationIssue[]) {
    super(`Invalid proxy config ${source}`, issues);
    hideFields(this, ['source']);
  }
}

/** `clusters[0].discovery.port` from `['clusters', 0, 'discovery', 'port']`. */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.map((key, i) => (typeof key === 'number' ? `[${key}]` : i === 0 ? String(key) : `.${String(key)}`)).join('');
}
