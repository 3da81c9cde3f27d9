import { promises as dns } from 'node:dns';
import type { EndpointAddress, Resolver, ResolverListener } from './resolver';
import { DEFAULT_DNS_REFRESH_INTERVAL_MS } from '../defaults';
import { channels, type DnsResolutionMessage } from '../observability/channels';

/** Resolves a name to its A/AAAA records. */
export type LookupFunction = (hostname: string) => Promise<ReadonlyArray<{ address: string; family: 4 | 6 }>>;

/** The system resolver (`getaddrinfo`), every address. */
export const systemLookup: LookupFunction = async (hostname) =>
  (await dns.lookup(hostname, { all: true })) as ReadonlyArray<{ address: string; family: 4 | 6 }>;

/** Options of a `DnsResolver`. */
export interface DnsResolverOptions {
  /** Name to resolve (a headless Service). */
  readonly hostname: string;
  /** Port of every endpoint. */
  readonly port: number;
  /**
   * Interval between the end of one resolution and the start of the next.
   * @default 1000
   */
  readonly refreshIntervalMs?: number;
  /**
   * The lookup.
   * @default - `dns.promises.lookup` with `all: true`
   */
  readonly lookup?: LookupFunction;
}

/**
 * Resolves A/AAAA records of a name periodically and publishes the endpoint set when it changes. A failed
 * resolution (an error or a rejected lookup, NXDOMAIN included) keeps the last good set: during a DNS outage the
 * proxy goes on with the endpoints it knows, and health checks and outlier ejection deal with dead ones. An
 * empty answer that is not an error is published (the Service has no ready endpoint). Every resolution, failed or
 * not, is published on `channels.dnsResolution` (metrics and logs). One resolution runs at a time; the timer is
 * `unref()`ed.
 */
export class DnsResolver implements Resolver {
  private readonly hostname: string;
  private readonly port: number;
  private readonly intervalMs: number;
  private readonly lookup: LookupFunction;
  private listener: ResolverListener | undefined;
  private timer: NodeJS.Timeout | undefined;
  private lastKey: string | undefined;

  /** @param options name, port, interval and lookup */
  public constructor(options: DnsResolverOptions) {
    this.hostname = options.hostname;
    this.port = options.port;
    this.intervalMs = options.refreshIntervalMs ?? DEFAULT_DNS_REFRESH_INTERVAL_MS;
    this.lookup = options.lookup ?? systemLookup;
  }

  public start(listener: ResolverListener): void {
    this.listener = listener;
    this.resolve();
  }

  public stop(): void {
    this.listener = undefined;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private resolve(): void {
    this.timer = undefined;
    let pending: Promise<ReadonlyArray<{ address: string; family: 4 | 6 }>>;
    try {
      pending = Promise.resolve(this.lookup(this.hostname));
    } catch (error) {
      pending = Promise.reject(error);
    }
    pending.then((records) => this.publish(records), (error: unknown) => this.fail(error)).finally(() => this.schedule());
  }

  private publish(records: ReadonlyArray<{ address: string; family: 4 | 6 }>): void {
    const listener = this.listener;
    if (listener === undefined) return;
    const addresses = [...new Set(records.map((r) => r.address))].sort();
    if (channels.dnsResolution.hasSubscribers) {
      channels.dnsResolution.publish({ hostname: this.hostname, ok: true, addresses: addresses.length } satisfies DnsResolutionMessage);
    }
    const key = addresses.join(',');
    if (key === this.lastKey) return;
    this.lastKey = key;
    const endpoints: EndpointAddress[] = addresses.map((address) => Object.freeze({ address, port: this.port }));
    listener.onEndpoints(Object.freeze(endpoints));
  }

  private fail(error: unknown): void {
    const failure = error instanceof Error ? error : new Error(String(error));
    if (this.listener !== undefined && channels.dnsResolution.hasSubscribers) {
      channels.dnsResolution.publish({ hostname: this.hostname, ok: false, error: failure.message } satisfies DnsResolutionMessage);
    }
    this.listener?.onResolutionError(failure);
  }

  private schedule(): void {
    if (this.listener === undefined) return;
    this.timer = setTimeout(() => this.resolve(), this.intervalMs);
    this.timer.unref();
  }
}
