import { isIP } from 'node:net';
import { ProxyConfigError } from './config-error';
import { validateConfig } from './validate-config';
import { PROXY_CONFIG_VERSION, type ProxyConfig, type ProxyDiscoveryConfig } from '../../core/proxy-config';
import type { ValidationIssue } from '../../problems';
import { DEFAULT_FLAGS_ADMIN, DEFAULT_FLAGS_LOAD_BALANCER } from '../defaults';

/** The command-line form of a config: one listener, one cluster of backends, one catch-all route. */
export interface FlagsConfigInput {
  /** `host:port` the gRPC listener binds (`[::1]:8080` for IPv6). */
  readonly listen: string;
  /** Comma-separated `host:port` backends; a single DNS name is resolved periodically (a headless Service). */
  readonly backends: string;
  /**
   * `host:port` of the admin interface.
   * @default '127.0.0.1:0' (a free port on loopback)
   */
  readonly admin?: string;
  /**
   * Balancing algorithm.
   * @default 'ROUND_ROBIN'
   */
  readonly loadBalancer?: 'ROUND_ROBIN' | 'LEAST_REQUEST';
  /**
   * Whether calls are access-logged.
   * @default true
   */
  readonly accessLog?: boolean;
}

/** Names of the objects a flags config holds. */
export const FLAGS_CONFIG_NAMES = { listener: 'grpc', cluster: 'backends', route: 'default' } as const;

/**
 * Builds the in-memory config of `grpc-mesh-proxy --listen HOST:PORT --backends HOST:PORT,...` (the benchmark
 * harness's form): an h2c listener, one cluster (static IPs, or DNS for a single name), a catch-all route.
 * @throws ProxyConfigError naming the flag and value at fault
 */
export function configFromFlags(input: FlagsConfigInput): ProxyConfig {
  const problems: ValidationIssue[] = [];
  const listen = parseHostPort(input.listen, '--listen', problems, true);
  const admin = parseHostPort(input.admin ?? DEFAULT_FLAGS_ADMIN, '--admin', problems, true);
  const backends = input.backends.split(',').map((b) => b.trim()).filter((b) => b.length > 0)
    .map((b) => parseHostPort(b, '--backends', problems, false));
  if (backends.length === 0) problems.push({ code: 'TOO_FEW', path: '--backends', message: 'must list at least one host:port', value: input.backends });
  if (problems.length > 0) throw new ProxyConfigError('from the command line', problems);
  const endpoints = backends.filter((b): b is HostPort => b !== undefined);
  const single = endpoints.length === 1 ? endpoints[0] : undefined;
  const discovery: ProxyDiscoveryConfig = single && isIP(single.address) === 0
    ? { type: 'dns', hostname: single.address, port: single.port }
    : { type: 'static', endpoints };
  return validateConfig({
    version: PROXY_CONFIG_VERSION,
    listeners: [{ name: FLAGS_CONFIG_NAMES.listener, ...listen }],
    admin,
    clusters: [{ name: FLAGS_CONFIG_NAMES.cluster, discovery, loadBalancer: input.loadBalancer ?? DEFAULT_FLAGS_LOAD_BALANCER }],
    routes: [{ name: FLAGS_CONFIG_NAMES.route, rules: [{ backendRefs: [{ name: FLAGS_CONFIG_NAMES.cluster }] }] }],
    accessLog: input.accessLog ?? true,
  }, 'from the command line');
}

interface HostPort {
  readonly address: string;
  readonly port: number;
}

/** `host:port` or `[v6]:port`; records a problem and returns undefined when malformed. */
function parseHostPort(text: string, flag: string, problems: ValidationIssue[], allowZero: boolean): HostPort | undefined {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text.trim());
  const port = match ? Number(match[3]) : NaN;
  if (!match || port > 65535 || (port === 0 && !allowZero)) {
    problems.push({ code: 'INVALID_ADDRESS', path: flag, message: `must be host:port (e.g. 127.0.0.1:8080 or [::1]:8080, port ${allowZero ? 0 : 1} to 65535)`, value: text });
    return undefined;
  }
  return { address: match[1] ?? match[2], port };
}
