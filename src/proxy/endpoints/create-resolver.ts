import { DnsResolver, type LookupFunction } from './dns-resolver';
import type { Resolver } from './resolver';
import { StaticResolver } from './static-resolver';
import type { ProxyDiscoveryConfig } from '../../core/proxy-config';

/**
 * The resolver of a cluster's discovery config.
 * @param discovery DNS or a static list
 * @param lookup the DNS lookup (tests inject one)
 */
export function createResolver(discovery: ProxyDiscoveryConfig, lookup: LookupFunction | undefined): Resolver {
  switch (discovery.type) {
    case 'dns':
      return new DnsResolver({ hostname: discovery.hostname, port: discovery.port, refreshIntervalMs: discovery.refreshIntervalMs, lookup });
    case 'static':
      return new StaticResolver(discovery.endpoints);
  }
}
