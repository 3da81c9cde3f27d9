import { configFromFlags } from '../../../src/proxy/config';

describe('configFromFlags', () => {
  test('builds the benchmark harness\'s config: an h2c listener, static round robin backends, a catch-all route', () => {
    expect(configFromFlags({ listen: '127.0.0.1:8083', backends: '127.0.0.1:50051,127.0.0.1:50052,127.0.0.1:50053' })).toEqual({
      version: 2,
      listeners: [{ name: 'grpc', address: '127.0.0.1', port: 8083 }],
      admin: { address: '127.0.0.1', port: 0 },
      clusters: [{
        name: 'backends',
        discovery: { type: 'static', endpoints: [50051, 50052, 50053].map((port) => ({ address: '127.0.0.1', port })) },
        loadBalancer: 'ROUND_ROBIN',
      }],
      routes: [{ name: 'default', rules: [{ backendRefs: [{ name: 'backends' }] }] }],
      accessLog: true,
    });
  });

  test('resolves a single DNS name periodically, takes IPv6 in brackets and an admin address', () => {
    const config = configFromFlags({ listen: '[::1]:0', backends: 'users-headless.app.svc.cluster.local:50051', admin: '[::1]:9901', accessLog: false });
    expect(config.listeners[0]).toEqual({ name: 'grpc', address: '::1', port: 0 });
    expect(config.admin).toEqual({ address: '::1', port: 9901 });
    expect(config.clusters[0].discovery).toEqual({ type: 'dns', hostname: 'users-headless.app.svc.cluster.local', port: 50051 });
    expect(config.accessLog).toBe(false);
  });

  test('names each malformed flag and its value', () => {
    expect(() => configFromFlags({ listen: '8083', backends: '127.0.0.1:0, ,', admin: 'localhost:70000' })).toThrow(
      'Invalid proxy config from the command line: 3 problems:\n'
      + '  - --listen must be host:port (e.g. 127.0.0.1:8080 or [::1]:8080, port 0 to 65535); got "8083". [INVALID_ADDRESS]\n'
      + '  - --admin must be host:port (e.g. 127.0.0.1:8080 or [::1]:8080, port 0 to 65535); got "localhost:70000". [INVALID_ADDRESS]\n'
      + '  - --backends must be host:port (e.g. 127.0.0.1:8080 or [::1]:8080, port 1 to 65535); got "127.0.0.1:0". [INVALID_ADDRESS]');
    expect(() => configFromFlags({ listen: '127.0.0.1:1', backends: ',' })).toThrow('--backends must list at least one host:port; got ",". [TOO_FEW]');
  });
});
