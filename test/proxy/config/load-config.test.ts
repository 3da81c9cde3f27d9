import { writeFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { tempDir, validConfig } from './fixtures';
import { loadConfig, ProxyConfigError } from '../../../src/proxy/config';
import { render } from '../../support/render';

describe('loadConfig', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => (tmp = tempDir()));
  afterEach(() => tmp.remove());

  /** The message of the error loading `file` throws. */
  async function errorOf(file: string): Promise<string> {
    const error = await loadConfig(file).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(ProxyConfigError);
    return (error as ProxyConfigError).message;
  }

  test('loads a YAML file', async () => {
    writeFileSync(tmp.path('proxy.yaml'), stringify(validConfig()));
    await expect(loadConfig(tmp.path('proxy.yaml'))).resolves.toEqual(validConfig());
  });

  test('loads a .yml file and a JSON file', async () => {
    writeFileSync(tmp.path('proxy.yml'), stringify(validConfig()));
    writeFileSync(tmp.path('proxy.json'), JSON.stringify(validConfig(), null, 2));
    await expect(loadConfig(tmp.path('proxy.yml'))).resolves.toEqual(validConfig());
    await expect(loadConfig(tmp.path('proxy.json'))).resolves.toEqual(validConfig());
  });

  test('loads the config the core renders for DataPlane.proxy()', async () => {
    const { DataPlane } = await import('../../../src/core');
    const balancer = render({ dataPlane: DataPlane.proxy({ image: 'registry.example.com/grpc-mesh-proxy:0.1.0' }) }).balancer!;
    const text = (balancer.config.data as Record<string, string>)['proxy.yaml'];
    writeFileSync(tmp.path('proxy.yaml'), text);
    await expect(loadConfig(tmp.path('proxy.yaml'))).resolves.toMatchObject({ version: 2, clusters: [{ name: 'grpc-backend' }] });
  });

  test('names the file and the problems of an invalid one', async () => {
    const config = { ...validConfig(), admin: { address: '127.0.0.1', port: 99999 } };
    writeFileSync(tmp.path('proxy.yaml'), stringify(config));
    expect(await errorOf(tmp.path('proxy.yaml'))).toBe(
      `Invalid proxy config ${tmp.path('proxy.yaml')}: admin.port must be an integer between 0 and 65535; got 99999. [SCHEMA_VIOLATION]`);
  });

  test('gives the line and column of a YAML syntax error', async () => {
    writeFileSync(tmp.path('proxy.yaml'), 'version: 1\nlisteners: [\n');
    expect(await errorOf(tmp.path('proxy.yaml'))).toMatch(/proxy\.yaml: must be valid YAML \(.* at line 3, column 1:\)\. \[CONFIG_SYNTAX\]$/);
  });

  test('refuses a YAML key given twice', async () => {
    writeFileSync(tmp.path('proxy.yaml'), 'version: 1\nversion: 1\n');
    expect(await errorOf(tmp.path('proxy.yaml'))).toMatch(/must be valid YAML \(Map keys must be unique at line 2, column 1:\)/);
  });

  test('refuses malformed JSON', async () => {
    writeFileSync(tmp.path('proxy.json'), '{"version": 1,');
    expect(await errorOf(tmp.path('proxy.json'))).toMatch(/proxy\.json: must be valid JSON \(.+\)\. \[CONFIG_SYNTAX\]$/);
  });

  test('refuses a file of another format by its extension', async () => {
    writeFileSync(tmp.path('proxy.toml'), 'version = 1');
    expect(await errorOf(tmp.path('proxy.toml'))).toMatch(/proxy\.toml: must be a file ending in \.yaml, \.yml or \.json; got "\.toml"\. \[CONFIG_SYNTAX\]$/);
  });

  test('refuses a file that cannot be read', async () => {
    expect(await errorOf(tmp.path('missing.yaml'))).toMatch(/missing\.yaml: must be a readable file \(ENOENT: .+\); got ".+missing\.yaml"\. \[UNREADABLE_FILE\]$/);
  });

  test('refuses TLS files that cannot be read', async () => {
    writeFileSync(tmp.path('cert.pem'), 'not checked here');
    const config = { ...validConfig(), listeners: [{ name: 'tls', address: '0.0.0.0', port: 8443, tls: { certFile: tmp.path('cert.pem'), keyFile: tmp.path('key.pem') } }] };
    writeFileSync(tmp.path('proxy.yaml'), stringify(config));
    expect(await errorOf(tmp.path('proxy.yaml'))).toBe(
      `Invalid proxy config ${tmp.path('proxy.yaml')}: listeners[0].tls.keyFile must be a readable file; got "${tmp.path('key.pem')}". [UNREADABLE_FILE]`);
  });
});
