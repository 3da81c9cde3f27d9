import { writeFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { edited, problemsOf, tempDir, validConfig, validV2Config } from './fixtures';
import { loadConfig, ProxyConfigError, validateConfig } from '../../../src/proxy/config';


/** `edited` on the version 2 config. */
function editedV2(edit: (config: any) => void): unknown {
  return edited(edit, validV2Config());
}

describe('schema version 2', () => {
  test('accepts virtual hosts and upstream TLS, and returns the config unchanged', () => {
    expect(validateConfig(validV2Config())).toEqual(validV2Config());
  });

  test('still reads version 1 files, with the same meaning', () => {
    expect(validateConfig(validConfig())).toEqual(validConfig());
  });

  test('refuses each version 2 field in a version 1 file, naming the field and the version to set', () => {
    const data = editedV2((c) => (c.version = 1));
    expect(problemsOf(data)).toEqual([
      'listeners[0].virtualHosts is a schema version 2 field: set `version: 2` to use it (this file says version 1); '
      + 'got [{"name":"api","hostname":"api.example.com","routes":["app/users"]},{"name":".... [VERSION_2_FIELD]',
      'clusters[1].tls is a schema version 2 field: set `version: 2` to use it (this file says version 1); '
      + 'got {"caFile":"/etc/tls/ca.crt","serverName":"users.app.svc.cluster.local","certF.... [VERSION_2_FIELD]',
    ]);
  });

  test('refuses a version 2 field of a version 1 file even when the rest of the file is malformed', () => {
    const data = edited((c) => {
      c.clusters[0].tls = {};
      c.admin.port = 'admin';
    });
    expect(problemsOf(data)).toEqual([
      'admin.port must be an integer between 0 and 65535; got "admin". [SCHEMA_VIOLATION]',
      'clusters[0].tls is a schema version 2 field: set `version: 2` to use it (this file says version 1); got {}. [VERSION_2_FIELD]',
    ]);
  });

  test('refuses virtual host routes that name no route, listing the known ones', () => {
    const data = editedV2((c) => (c.listeners[0].virtualHosts[0].routes = ['app/orders', 'users', 'default/health', 'default/health']));
    expect(problemsOf(data)).toEqual([
      'listeners[0].virtualHosts[0].routes[0] must be the namespace/name of a route of routes (known routes: app/users, default/health); got "app/orders". [ROUTE_NOT_FOUND]',
      'listeners[0].virtualHosts[0].routes[1] must be the namespace/name of a route of routes '
      + '(known routes: app/users, default/health; a route without namespace is default/users); got "users". [ROUTE_NOT_FOUND]',
      'listeners[0].virtualHosts[0].routes[3] must not repeat routes[2]; got "default/health". [DUPLICATE_ROUTE_REF]',
    ]);
  });

  test('refuses duplicate virtual host names and hostnames on one listener, and invalid hostnames', () => {
    const data = editedV2((c) => {
      const hosts = c.listeners[0].virtualHosts;
      hosts.push({ name: 'api', hostname: 'API.example.com', routes: [] });
      hosts.push({ name: 'again', hostname: 'api.example.com', routes: [] });
      hosts.push({ name: 'everything', routes: [] });
      hosts.push({ name: 'ip', hostname: '10.0.0.1', routes: [] });
    });
    expect(problemsOf(data)).toEqual([
      'listeners[0].virtualHosts[3].name must be unique on its listener (already used by virtualHosts[0]); got "api". [DUPLICATE_NAME]',
      'listeners[0].virtualHosts[3].hostname must be a valid Gateway API hostname '
      + '(lower-case DNS labels, a `*.` wildcard only as the whole first label, not an IP address); got "API.example.com". [INVALID_HOSTNAME]',
      'listeners[0].virtualHosts[4].hostname must differ from virtualHosts[0]\'s: a host would only ever reach the first; got "api.example.com". [DUPLICATE_HOSTNAME]',
      'listeners[0].virtualHosts[5].hostname must be set: virtualHosts[2] already serves every host, and a host would only ever reach the first; got nothing. [DUPLICATE_HOSTNAME]',
      'listeners[0].virtualHosts[6].hostname must be a valid Gateway API hostname '
      + '(lower-case DNS labels, a `*.` wildcard only as the whole first label, not an IP address); got "10.0.0.1". [INVALID_HOSTNAME]',
    ]);
  });

  test('allows the same virtual host names on different listeners', () => {
    const data = editedV2((c) => c.listeners.push({ ...c.listeners[0], name: 'second', port: 8081 }));
    expect(problemsOf(data)).toEqual([]);
  });

  test('refuses an empty list of virtual hosts and a virtual host without routes list', () => {
    expect(problemsOf(editedV2((c) => (c.listeners[0].virtualHosts = [])))).toEqual([
      'listeners[0].virtualHosts must have at least 1 entry; got []. [SCHEMA_VIOLATION]',
    ]);
    expect(problemsOf(editedV2((c) => delete c.listeners[0].virtualHosts[1].routes))).toEqual([
      'listeners[0].virtualHosts[1].routes must be a list; got nothing. [SCHEMA_VIOLATION]',
    ]);
  });

  test('refuses a client certificate without its key, and a key without its certificate', () => {
    expect(problemsOf(editedV2((c) => delete c.clusters[1].tls.keyFile))).toEqual([
      'clusters[1].tls.keyFile must be set when certFile is (the private key of the client certificate). [TLS_CLIENT_CERTIFICATE]',
    ]);
    expect(problemsOf(editedV2((c) => delete c.clusters[1].tls.certFile))).toEqual([
      'clusters[1].tls.certFile must be set when keyFile is (the client certificate chain of the key). [TLS_CLIENT_CERTIFICATE]',
    ]);
  });

  test('refuses a server name that SNI cannot carry', () => {
    const message = 'must be a lower-case DNS name, without wildcard and not an IP address (it is sent as SNI and checked against the certificate)';
    expect(problemsOf(editedV2((c) => (c.clusters[1].tls.serverName = '10.0.0.7')))).toEqual([`clusters[1].tls.serverName ${message}; got "10.0.0.7". [INVALID_SERVER_NAME]`]);
    expect(problemsOf(editedV2((c) => (c.clusters[1].tls.serverName = '*.app.svc')))).toEqual([`clusters[1].tls.serverName ${message}; got "*.app.svc". [INVALID_SERVER_NAME]`]);
  });

  test('accepts TLS with no setting at all (the default CA store, the endpoint address as name)', () => {
    expect(problemsOf(editedV2((c) => (c.clusters[1].tls = {})))).toEqual([]);
  });

  test('refuses an unknown key of upstream TLS and of a virtual host, listing the fields known there', () => {
    expect(problemsOf(editedV2((c) => (c.clusters[1].tls.sni = 'x')))).toEqual([
      'clusters[1].tls.sni is not a known field (known fields here: caFile, serverName, certFile, keyFile); got "x". [UNKNOWN_FIELD]',
    ]);
    expect(problemsOf(editedV2((c) => (c.listeners[0].virtualHosts[0].hostnames = ['x'])))).toEqual([
      'listeners[0].virtualHosts[0].hostnames is not a known field (known fields here: name, hostname, routes); got ["x"]. [UNKNOWN_FIELD]',
    ]);
  });
});

describe('loadConfig with upstream TLS', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => (tmp = tempDir()));
  afterEach(() => tmp.remove());

  test('refuses upstream TLS files that cannot be read, naming each', async () => {
    writeFileSync(tmp.path('ca.crt'), 'not checked here');
    const config = editedV2((c) => (c.clusters[1].tls = { caFile: tmp.path('ca.crt'), certFile: tmp.path('client.crt'), keyFile: tmp.path('client.key') }));
    writeFileSync(tmp.path('proxy.yaml'), stringify(config));
    const error = await loadConfig(tmp.path('proxy.yaml')).then(() => undefined, (e: unknown) => e);
    expect((error as ProxyConfigError).message).toBe(`Invalid proxy config ${tmp.path('proxy.yaml')}: 2 problems:\n`
      + `  - clusters[1].tls.certFile must be a readable file; got "${tmp.path('client.crt')}". [UNREADABLE_FILE]\n`
      + `  - clusters[1].tls.keyFile must be a readable file; got "${tmp.path('client.key')}". [UNREADABLE_FILE]`);
  });
});
