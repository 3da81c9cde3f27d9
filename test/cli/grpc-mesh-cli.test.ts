import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { validateConfig } from '../../src/proxy/config';

/**
 * The `grpc-mesh` command run as a user runs it (`node lib/cli/main.js`, the package's bin) on what the real
 * `cdk8s synth` writes for examples/gateway-api.
 */

const ROOT = join(__dirname, '..', '..');
const MAIN = join(ROOT, 'lib', 'cli', 'main.js');
let out: string;
let files: string[];

beforeAll(() => {
  const source = join(ROOT, 'src', 'cli', 'grpc-mesh-cli.ts');
  if (!existsSync(MAIN) || statSync(MAIN).mtimeMs < statSync(source).mtimeMs) {
    throw new Error(`${MAIN} is missing or older than ${source}: run \`npx projen compile\` first (npm test does)`);
  }
  out = mkdtempSync(join(tmpdir(), 'grpc-mesh-cli-'));
  execFileSync('npx', ['cdk8s', 'synth', '--output', out], { cwd: join(ROOT, 'examples', 'gateway-api'), stdio: 'pipe', timeout: 120_000 });
  files = readdirSync(out).filter((f) => f.endsWith('.yaml')).map((f) => join(out, f));
}, 150_000);
afterAll(() => rmSync(out, { recursive: true, force: true }));

interface Outcome {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function grpcMesh(...args: string[]): Promise<Outcome> {
  return new Promise((resolve) => {
    execFile(process.execPath, [MAIN, ...args], { cwd: ROOT, timeout: 30_000 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : (error as { code?: number }).code ?? -1, stdout, stderr });
    });
  });
}

const explain = (...args: string[]): Promise<Outcome> => grpcMesh('explain', ...files, '--gateway', 'infra/edge', ...args);

describe('grpc-mesh explain on the synthesized gateway-api example', () => {
  test('a canary call with x-canary: always goes to the canary only, having beaten the weighted rule on its header match', async () => {
    const result = await explain('--call', '/order.v1.OrderService/PlaceOrder', '--authority', 'orders.api.example.com', '-H', 'x-canary: always');
    expect(result.code).toBe(0);
    expect(result.stdout).toBe([
      'call /order.v1.OrderService/PlaceOrder to orders.api.example.com with x-canary: always',
      '  listener edge-443, Gateway listener "grpc-tls"',
      '  wins: GRPCRoute app/orders, rule 0, match 0, hostname orders.api.example.com',
      '    beat GRPCRoute app/orders, rule 1, match 0: the winner has more header matches (1 > 0)',
      '  backend app/orders-canary:50051: 100 % (weight 1)',
      '  OK: rule 0 of route app/orders wins',
      '',
    ].join('\n'));
  });

  test('a canary call without the header is split 90/10 between stable and canary', async () => {
    const result = await explain('--call', '/order.v1.OrderService/PlaceOrder', '--authority', 'orders.api.example.com', '--json');
    expect(result.code).toBe(0);
    const explanation = JSON.parse(result.stdout);
    expect(explanation.winner).toMatchObject({ route: 'app/orders', rule: 1 });
    expect(explanation.backends).toEqual([
      { cluster: 'app/orders-stable:50051', weight: 90, probability: 0.9, unavailable: false },
      { cluster: 'app/orders-canary:50051', weight: 10, probability: 0.1, unavailable: false },
    ]);
  });

  test('a header match sends variant b to search-b, and its absence to search-a', async () => {
    const b = JSON.parse((await explain('--call', '/search.v1.SearchService/Search', '--authority', 'search.api.example.com', '-H', 'X-Variant: b', '--json')).stdout);
    expect(b.backends.map((x: { cluster: string }) => x.cluster)).toEqual(['app/search-b:50051']);
    expect(b.beaten).toEqual([{ route: 'app/search', rule: 1, match: 0, lostBecause: 'more header matches (1 > 0)' }]);
    const a = JSON.parse((await explain('--call', '/search.v1.SearchService/Search', '--authority', 'search.api.example.com', '--json')).stdout);
    expect(a.backends.map((x: { cluster: string }) => x.cluster)).toEqual(['app/search-a:50051']);
  });

  test('method matches send reads to the reader and other methods to the writer', async () => {
    const read = JSON.parse((await explain('--call', '/user.v1.UserService/ListUsers', '--authority', 'users.api.example.com:443', '--json')).stdout);
    expect(read.winner).toMatchObject({ route: 'app/users', rule: 0, match: 1 });
    expect(read.beaten[0].lostBecause).toBe('a longer matched method (9 > 0)');
    expect(read.backends.map((x: { cluster: string }) => x.cluster)).toEqual(['app/users-reader:50051']);
    const write = JSON.parse((await explain('--call', '/user.v1.UserService/UpdateUser', '--authority', 'users.api.example.com', '--json')).stdout);
    expect(write.winner).toMatchObject({ route: 'app/users', rule: 1 });
    expect(write.backends.map((x: { cluster: string }) => x.cluster)).toEqual(['app/users-writer:50051']);
  });

  test('a host the Gateway does not serve gets UNIMPLEMENTED, exit code 1', async () => {
    const result = await explain('--call', '/user.v1.UserService/GetUser', '--authority', 'users.example.org');
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('UNIMPLEMENTED: no virtual host of listener "edge-443" serves the host "users.example.org"; they serve *.api.example.com');
  });

  test('a method no rule matches gets UNIMPLEMENTED', async () => {
    const result = await explain('--call', '/order.v1.Other/Get', '--authority', 'orders.api.example.com', '--json');
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout)).toMatchObject({ outcome: 'UNIMPLEMENTED', reason: 'no route rule matches the call' });
  });

  test('explains east-west calls of a mesh Service (GAMMA)', async () => {
    const result = await grpcMesh('explain', ...files, '--mesh', 'app/inventory', '--call', '/inventory.v1.InventoryService/Get', '--json');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ listener: 'mesh', winner: { route: 'app/inventory-mesh' } });
  });
});

describe('grpc-mesh compile', () => {
  test('prints a config the proxy accepts, for the Gateway of the example', async () => {
    const result = await grpcMesh('compile', ...files, '--gateway', 'infra/edge');
    expect(result.code).toBe(0);
    const config = validateConfig(parse(result.stdout), 'stdout');
    expect(config.listeners.map((l) => [l.name, l.port, l.virtualHosts?.map((v) => v.hostname)])).toEqual([['edge-443', 443, ['*.api.example.com']]]);
    expect(config.routes.map((r) => `${r.namespace}/${r.name}`)).toEqual(['app/orders', 'app/payments-api', 'app/search', 'app/users']);
  });

  test('refuses a Gateway that is not among the objects, naming the ones there are (exit 2)', async () => {
    const result = await grpcMesh('compile', ...files, '--gateway', 'infra/nope');
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('grpc-mesh: gatewayApiToProxyConfig: options.gateway must name a Gateway among the objects; got "infra/nope". '
      + 'Gateways found: infra/edge. [GATEWAY_NOT_FOUND]\n');
    expect(result.stdout).toBe('');
  });

  test('names the file of invalid YAML and the object of a malformed one (exit 2)', async () => {
    const bad = join(out, 'bad.txt');
    writeFileSync(bad, 'kind: [unclosed\n');
    const yaml = await grpcMesh('compile', bad, '--gateway', 'infra/edge');
    expect(yaml.code).toBe(2);
    expect(yaml.stderr).toMatch(new RegExp(`^grpc-mesh: ${bad.replace(/[.]/g, '\\.')} is not valid YAML: `));
    writeFileSync(bad, 'apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: { name: edge, namespace: infra }\nspec: { listeners: [] }\n');
    const object = await grpcMesh('compile', bad, '--gateway', 'infra/edge');
    expect(object.code).toBe(2);
    expect(object.stderr).toContain('Gateway "infra/edge".spec.listeners must have at least 1 entry; got []. [MALFORMED_OBJECT]');
  });
});
