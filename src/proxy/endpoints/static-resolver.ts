import type { EndpointAddress, Resolver, ResolverListener } from './resolver';

/** A fixed endpoint list, published once at start. */
export class StaticResolver implements Resolver {
  private readonly endpoints: readonly EndpointAddress[];

  /** @param endpoints the endpoints */
  public constructor(endpoints: readonly EndpointAddress[]) {
    this.endpoints = Object.freeze(endpoints.map(({ address, port }) => Object.freeze({ address, port })));
  }

  public start(listener: ResolverListener): void {
    listener.onEndpoints(this.endpoints);
  }

  public stop(): void {
    // Nothing runs in the background.
  }
}
