import { Cleanup, echoClient, LOCAL, proxyPort, startBackends, startProxy, staticCluster, unary, type Backend } from './harness';
import type { ProxyConfig, ProxyRouteConfig, ProxyVirtualHostConfig } from '../../src/core/proxy-config';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

/** A route sending every call (of the hosts it names) to one cluster. */
function route(name: string, cluster: string, extra: Partial<ProxyRouteConfig> = {}): ProxyRouteConfig {
  return { name, rules: [{ backendRefs: [{ name: cluster }] }], ...extra };
}

/** A version 2 config: one h2c listener with `virtualHosts`, one cluster per backend named after it. */
function config(
  backends: readonly Backend[], virtualHosts: readonly ProxyVirtualHostConfig[] | undefined, routes: readonly ProxyRouteConfig[],
): ProxyConfig {
  return {
    version: 2,
    listeners: [{ name: 'grpc', address: LOCAL, port: 0, virtualHosts }],
    admin: { address: LOCAL, port: 0 },
    clusters: backends.map((b) => staticCluster(b.id, [b])),
    routes,
  };
}

/** The backend that served a call with `authority`, or the status and message of the call. */
async function servedBy(port: number, authority: string): Promise<string> {
  const outcome = await unary(echoClient(`${LOCAL}:${port}`, cleanup, { 'grpc.default_authority': authority }), {});
  return outcome.code === 0 ? outcome.replies[0].backend : `${outcome.code} ${outcome.details}`;
}

describe('virtual hosts', () => {
  test('route a call by its :authority: exact hostname, then the longest wildcard, then the virtual host without hostname', async () => {
    // GIVEN one listener serving *.example.com, *.eu.example.com, api.example.com and every other host, each with its own route
    const backends = await startBackends(4, cleanup);
    const proxy = await startProxy(config(backends, [
      { name: 'wildcard', hostname: '*.example.com', routes: ['default/wildcard'] },
      { name: 'eu', hostname: '*.eu.example.com', routes: ['default/eu'] },
      { name: 'api', hostname: 'api.example.com', routes: ['default/api'] },
      { name: 'other', routes: ['default/other'] },
    ], [route('wildcard', 'b1'), route('eu', 'b2'), route('api', 'b3'), route('other', 'b4')]), cleanup);
    const port = proxyPort(proxy);

    // WHEN calls come for each kind of host THEN each reaches the cluster of its virtual host
    expect(await servedBy(port, 'api.example.com')).toBe('b3');
    expect(await servedBy(port, 'API.Example.com:8443')).toBe('b3');
    expect(await servedBy(port, 'shop.example.com')).toBe('b1');
    expect(await servedBy(port, 'shop.eu.example.com')).toBe('b2');
    expect(await servedBy(port, 'example.com')).toBe('b4');
    expect(await servedBy(port, `${LOCAL}:${port}`)).toBe('b4');
  });

  test('answer UNIMPLEMENTED for a host no virtual host serves', async () => {
    const backends = await startBackends(2, cleanup);
    const proxy = await startProxy(config(backends, [
      { name: 'wildcard', hostname: '*.example.com', routes: ['default/wildcard'] },
      { name: 'api', hostname: 'api.example.com', routes: ['default/api'] },
    ], [route('wildcard', 'b1'), route('api', 'b2')]), cleanup);

    expect(await servedBy(proxyPort(proxy), 'example.org')).toBe('12 no virtual host of listener "grpc" serves the host of the call');
    expect(await servedBy(proxyPort(proxy), 'example.com')).toBe('12 no virtual host of listener "grpc" serves the host of the call');
    expect(backends.map((b) => b.totalCalls)).toEqual([0, 0]);
  });

  test('route only through the routes of the virtual host, their hostnames narrowed to its hostname', async () => {
    // GIVEN a wildcard virtual host with a route for shop.example.com and other.test, and an api virtual host whose
    // route serves one service only, while a catch-all route is attached to no virtual host
    const backends = await startBackends(3, cleanup);
    const proxy = await startProxy(config(backends, [
      { name: 'wildcard', hostname: '*.example.com', routes: ['default/shop'] },
      { name: 'api', hostname: 'api.example.com', routes: ['app/users'] },
    ], [
      route('shop', 'b1', { hostnames: ['shop.example.com', 'other.test'] }),
      route('users', 'b2', { namespace: 'app', rules: [{ matches: [{ method: { service: 'user.v1.UserService' } }], backendRefs: [{ name: 'b2' }] }] }),
      route('everything', 'b3'),
    ]), cleanup);
    const port = proxyPort(proxy);

    expect(await servedBy(port, 'shop.example.com')).toBe('b1');
    expect(await servedBy(port, 'cart.example.com')).toBe('12 no route serves the host of the call');
    expect(await servedBy(port, 'api.example.com')).toBe('12 no route rule matches the call');
    expect(backends[2].totalCalls).toBe(0);
  });

  test('keep routing every call through every route on a listener without virtual hosts', async () => {
    const backends = await startBackends(2, cleanup);
    const base = config(backends, [{ name: 'api', hostname: 'api.example.com', routes: ['default/api'] }], [route('api', 'b1'), route('rest', 'b2', { hostnames: ['rest.example.com'] })]);
    const proxy = await startProxy({ ...base, listeners: [...base.listeners, { name: 'plain', address: LOCAL, port: 0 }] }, cleanup);
    const plain = proxy.ports.get('plain') as number;

    expect(await servedBy(plain, 'api.example.com')).toBe('b1');
    expect(await servedBy(plain, 'rest.example.com')).toBe('b2');
    expect(await servedBy(proxyPort(proxy), 'rest.example.com')).toBe('12 no virtual host of listener "grpc" serves the host of the call');
  });

  test('swap virtual hosts on reload without rebinding the listener', async () => {
    // GIVEN api.example.com served by b1, and a client connected
    const backends = await startBackends(2, cleanup);
    const routes = [route('one', 'b1'), route('two', 'b2')];
    const proxy = await startProxy(config(backends, [{ name: 'api', hostname: 'api.example.com', routes: ['default/one'] }], routes), cleanup);
    const port = proxyPort(proxy);
    const client = echoClient(`${LOCAL}:${port}`, cleanup, { 'grpc.default_authority': 'api.example.com' });
    expect((await unary(client, {})).replies[0].backend).toBe('b1');

    // WHEN the config moves api.example.com to the other route
    await proxy.apply(config(backends, [{ name: 'api', hostname: 'api.example.com', routes: ['default/two'] }], routes));

    // THEN the same listener and connection route the next call to b2
    expect(proxyPort(proxy)).toBe(port);
    expect((await unary(client, {})).replies[0].backend).toBe('b2');
  });
});
