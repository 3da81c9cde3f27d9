import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { compileCelRule, escapeCelFieldName, toCelValue } from './cel';
import {
  assertValidAnyManifests, assertValidCustomResources, celRulesOfCrds, isCustomResourceKind, SKIPPED_CEL_RULES,
  validateAnyManifests, validateCustomResources,
} from './crd-validator';

const GATEWAY_API_DIR = path.join(__dirname, '..', 'fixtures', 'gateway-api-v1.6.1');
const GATEWAY_API_V1 = 'gateway.networking.k8s.io/v1';

type Json = Record<string, any>;

// ---------------------------------------------------------------------------------------------
// Valid objects, each rebuilt per test so a test may change its copy
// ---------------------------------------------------------------------------------------------

function gatewayClass(): Json {
  return { apiVersion: GATEWAY_API_V1, kind: 'GatewayClass', metadata: { name: 'grpc-mesh' }, spec: { controllerName: 'example.com/grpc-mesh' } };
}

function gateway(): Json {
  return {
    apiVersion: GATEWAY_API_V1,
    kind: 'Gateway',
    metadata: { name: 'edge', namespace: 'mesh' },
    spec: {
      gatewayClassName: 'grpc-mesh',
      listeners: [
        {
          name: 'grpc-h2c',
          protocol: 'HTTP',
          port: 80,
          allowedRoutes: {
            kinds: [{ kind: 'GRPCRoute' }],
            namespaces: { from: 'Selector', selector: { matchLabels: { 'grpc-mesh.example.com/routes': 'enabled' } } },
          },
        },
        {
          name: 'grpc-tls',
          protocol: 'HTTPS',
          port: 443,
          hostname: 'api.example.com',
          tls: { mode: 'Terminate', certificateRefs: [{ kind: 'Secret', name: 'api-cert', namespace: 'certs' }] },
          allowedRoutes: {
            kinds: [{ group: 'gateway.networking.k8s.io', kind: 'GRPCRoute' }],
            namespaces: { from: 'Selector', selector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: ['shop'] }] } },
          },
        },
      ],
    },
  };
}

function grpcRoute(): Json {
  return {
    apiVersion: GATEWAY_API_V1,
    kind: 'GRPCRoute',
    metadata: { name: 'echo', namespace: 'shop' },
    spec: {
      parentRefs: [
        { name: 'edge', namespace: 'mesh', sectionName: 'grpc-h2c' },
        { name: 'edge', namespace: 'mesh', sectionName: 'grpc-tls' },
        { group: '', kind: 'Service', name: 'echo', port: 50051 }, // GAMMA: the route attaches to the Service itself
      ],
      hostnames: ['api.example.com', '*.example.com'],
      rules: [
        {
          name: 'canary',
          matches: [{
            method: { service: 'grpc.examples.echo.Echo', method: 'UnaryEcho' },
            headers: [{ name: 'x-canary', value: 'true' }, { type: 'RegularExpression', name: 'x-tenant', value: '^t-[0-9]+$' }],
          }],
          filters: [
            {
              type: 'RequestHeaderModifier',
              requestHeaderModifier: { set: [{ name: 'x-route', value: 'canary' }], add: [{ name: 'x-mesh', value: 'grpc-mesh' }], remove: ['x-debug'] },
            },
            { type: 'ResponseHeaderModifier', responseHeaderModifier: { add: [{ name: 'x-served-by', value: 'grpc-mesh' }] } },
            { type: 'RequestMirror', requestMirror: { backendRef: { name: 'echo-shadow', port: 50051 }, percent: 10 } },
          ],
          backendRefs: [{ name: 'echo-v1', port: 50051, weight: 90 }, { name: 'echo-v2', port: 50051, weight: 10 }],
        },
        {
          matches: [{ method: { type: 'RegularExpression', service: 'grpc\\.health\\..*' } }],
          backendRefs: [{ name: 'echo-v1', port: 50051 }],
        },
      ],
    },
  };
}

function referenceGrant(): Json {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1beta1',
    kind: 'ReferenceGrant',
    metadata: { name: 'edge-certs', namespace: 'certs' },
    spec: { from: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: 'mesh' }], to: [{ group: '', kind: 'Secret', name: 'api-cert' }] },
  };
}

function destinationRule(): Json {
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'DestinationRule',
    metadata: { name: 'echo', namespace: 'shop' },
    spec: {
      host: 'echo.shop.svc.cluster.local',
      trafficPolicy: {
        loadBalancer: { simple: 'LEAST_REQUEST' },
        connectionPool: { http: { http2MaxRequests: 1000, idleTimeout: '30s' } },
        outlierDetection: { consecutive5xxErrors: 5, interval: '10s', baseEjectionTime: '30s' },
        tls: { mode: 'ISTIO_MUTUAL' },
      },
      subsets: [{ name: 'v1', labels: { version: 'v1' } }, { name: 'v2', labels: { version: 'v2' } }],
    },
  };
}

function virtualService(): Json {
  const host = 'echo.shop.svc.cluster.local';
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name: 'echo', namespace: 'shop' },
    spec: {
      hosts: [host],
      http: [
        {
          name: 'canary',
          match: [{ headers: { 'x-canary': { exact: 'true' } } }],
          route: [{ destination: { host, subset: 'v2', port: { number: 50051 } } }],
          timeout: '5s',
          retries: { attempts: 3, perTryTimeout: '2s', retryOn: 'unavailable,resource-exhausted' },
        },
        { route: [{ destination: { host, subset: 'v1' }, weight: 90 }, { destination: { host, subset: 'v2' }, weight: 10 }] },
      ],
    },
  };
}

/** The problems of one object, after `change` (which edits the object in place). */
function problemsAfter(object: Json, change: (o: Json) => void): string[] {
  change(object);
  return validateCustomResources([object]);
}

// ---------------------------------------------------------------------------------------------
// Upstream examples
// ---------------------------------------------------------------------------------------------

function yamlFilesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name)).flatMap((entry) => {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) return yamlFilesUnder(file);
    return entry.name.endsWith('.yaml') ? [file] : [];
  });
}

function objectsIn(file: string): unknown[] {
  return parseAllDocuments(fs.readFileSync(file, 'utf8')).map((document) => document.toJS()).filter((object) => object !== null);
}

/** The reason each upstream invalid example is rejected for (a part of one problem line). */
const INVALID_EXAMPLE_REASONS: Record<string, string> = {
  'standard/gateway/duplicate-listeners.yaml': 'spec.listeners: Listener name must be unique within the Gateway',
  'standard/gateway/hostname-tcp.yaml': "spec.listeners: hostname must not be specified for protocols ['TCP', 'UDP']",
  'standard/gateway/hostname-udp.yaml': "spec.listeners: hostname must not be specified for protocols ['TCP', 'UDP']",
  'standard/gateway/invalid-addresses.yaml': 'spec.addresses[8]: matches none of the oneOf alternatives (value: must match format "ipv4"',
  'standard/gateway/invalid-listener-name.yaml': 'spec.listeners[0].name: must match pattern',
  'standard/gateway/invalid-listener-port.yaml': 'spec.listeners[0].port: must be <= 65535',
  'standard/gateway/invalid-tls-mode.yaml': 'spec.listeners: tls mode must be Terminate for protocol HTTPS',
  'standard/gateway/tlsconfig-tcp.yaml': "spec.listeners: tls must not be specified for protocols ['HTTP', 'TCP', 'UDP']",
  'standard/gatewayclass/invalid-controller.yaml': 'spec.controllerName: must match pattern',
  'standard/httproute/duplicate-header-match.yaml': 'spec.rules[0].matches[0].headers[1]: Duplicate value: {"name":"foo"}',
  'standard/httproute/duplicate-query-match.yaml': 'spec.rules[0].matches[0].queryParams[1]: Duplicate value: {"name":"foo"}',
  'standard/httproute/httproute-portless-backend.yaml': 'spec.rules[0].backendRefs[0]: Must have port for Service reference',
  'standard/httproute/httproute-portless-service.yaml': 'spec.rules[0].backendRefs[0]: Must have port for Service reference',
  'standard/httproute/invalid-backend-group.yaml': 'spec.rules[0].backendRefs[0].group: must match pattern',
  'standard/httproute/invalid-backend-kind.yaml': 'spec.rules[0].backendRefs[0].kind: must match pattern',
  'standard/httproute/invalid-backend-port.yaml': 'spec.rules[0].backendRefs[0].port: must be <= 65535',
  'standard/httproute/invalid-filter-duplicate-header.yaml': 'spec.rules[0].filters[0].requestHeaderModifier.remove[1]: Duplicate value: "foo"',
  'standard/httproute/invalid-filter-duplicate.yaml': 'spec.rules[0].filters: RequestHeaderModifier filter cannot be repeated',
  'standard/httproute/invalid-filter-empty.yaml': 'filter.requestHeaderModifier must be specified for RequestHeaderModifier filter.type',
  'standard/httproute/invalid-filter-wrong-field.yaml': 'filter.requestRedirect must be nil if the filter.type is not RequestRedirect',
  'standard/httproute/invalid-header-name.yaml': 'spec.rules[0].matches[0].headers[0].name: must match pattern',
  'standard/httproute/invalid-hostname.yaml': 'spec.hostnames[0]: must match pattern',
  'standard/httproute/invalid-httpredirect-hostname.yaml': 'spec.rules[0].filters[0].requestRedirect.hostname: must match pattern',
  'standard/httproute/invalid-method.yaml': 'spec.rules[0].matches[0].method: must be one of "GET"',
  'standard/httproute/invalid-path-alphanum-specialchars-mix.yaml': 'spec.rules[0].matches[0].path: must only contain valid characters',
  'standard/httproute/invalid-path-specialchars.yaml': 'spec.rules[0].matches[0].path: must only contain valid characters',
  'standard/httproute/invalid-request-redirect-with-backendref.yaml': 'spec.rules[0]: RequestRedirect filter must not be used together with backendRefs',
  'standard/referencegrant/missing-from.yaml': 'spec.from: required field is missing',
  'standard/referencegrant/missing-ns.yaml': 'spec.from[0].namespace: required field is missing',
  'standard/referencegrant/missing-to.yaml': 'spec.to: required field is missing',
  'standard/tlsroute/invalid-hostname.yaml': 'spec.hostnames: Hostnames must be valid based on RFC-1123',
  'standard/tlsroute/no-hostname.yaml': 'spec.hostnames: required field is missing',
  'experimental/httproute/invalid-filter-externalauth-bad-http-path.yaml': 'spec.rules[0].filters[0].externalAuth.http.path: must match pattern',
  'experimental/httproute/invalid-filter-externalauth-empty.yaml': 'filter.externalAuth must be specified for ExternalAuth filter.type',
  'experimental/httproute/invalid-filter-externalauth-no-protocol.yaml': 'spec.rules[0].filters[0].externalAuth.protocol: required field is missing',
  'experimental/httproute/invalid-header-value.yaml': 'spec.rules[0].filters[0].responseHeaderModifier.add[0].value: must match pattern',
};

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

describe('validateCustomResources: valid objects', () => {
  test.each([
    ['a GatewayClass', gatewayClass],
    ['a Gateway with an h2c HTTP listener and a terminating HTTPS listener', gateway],
    ['a GRPCRoute with Gateway and Service (GAMMA) parents, matches, filters and weights', grpcRoute],
    ['a v1beta1 ReferenceGrant', referenceGrant],
    ['an Istio DestinationRule', destinationRule],
    ['an Istio VirtualService', virtualService],
  ])('accepts %s', (_name, build) => {
    expect(validateCustomResources([build()])).toEqual([]);
  });

  test('accepts them together, and as v1 the ReferenceGrant too (v1.6.1 serves v1 and v1beta1)', () => {
    const v1Grant = { ...referenceGrant(), apiVersion: GATEWAY_API_V1 };
    expect(validateCustomResources([gatewayClass(), gateway(), grpcRoute(), v1Grant, destinationRule(), virtualService()])).toEqual([]);
  });

  test('does not change the objects it validates (defaults go to a copy)', () => {
    const route = grpcRoute();
    const before = JSON.stringify(route);
    validateCustomResources([route]);
    expect(JSON.stringify(route)).toBe(before);
  });

  test('skips the transition rule on GatewayClass.spec.controllerName (self == oldSelf), as a create does', () => {
    expect(validateCustomResources([gatewayClass()], { channel: 'experimental' })).toEqual([]);
  });
});

describe('validateCustomResources: rejections', () => {
  test('a GRPCRoute with 17 rules (blocking: the CEL rules are then not run)', () => {
    expect(problemsAfter(grpcRoute(), (route) => {
      route.spec.rules = Array.from({ length: 17 }, () => ({ backendRefs: [{ name: 'echo-v1', port: 50051 }] }));
    })).toEqual(['GRPCRoute/shop/echo: spec.rules: must have at most 16 items']);
  });

  test.each([
    [-1, 'must be >= 0'],
    [1000001, 'must be <= 1000000'],
  ])('a backendRef weight of %d', (weight, message) => {
    expect(problemsAfter(grpcRoute(), (route) => {
      route.spec.rules[0].backendRefs[0].weight = weight;
    })).toEqual([`GRPCRoute/shop/echo: spec.rules[0].backendRefs[0].weight: ${message}`]);
  });

  test.each([
    ['method: {} (the defaulted type Exact makes the rule apply)', {}],
    ['method: { type: RegularExpression }', { type: 'RegularExpression' }],
  ])('a method match with neither service nor method: %s', (_name, method) => {
    expect(problemsAfter(grpcRoute(), (route) => {
      route.spec.rules[0].matches[0].method = method;
    })).toEqual(["GRPCRoute/shop/echo: spec.rules[0].matches[0].method: One or both of 'service' or 'method' must be specified"]);
  });

  test('an Exact method match with an invalid service name (CEL, with RE2 (?i))', () => {
    expect(problemsAfter(grpcRoute(), (route) => {
      route.spec.rules[0].matches[0].method = { type: 'Exact', service: 'grpc.examples/Echo', method: 'UnaryEcho' };
    })).toEqual([
      'GRPCRoute/shop/echo: spec.rules[0].matches[0].method: service must only contain valid characters (matching ^(?i)\\.?[a-z_][a-z_0-9]*(\\.[a-z_][a-z_0-9]*)*$)',
    ]);
    expect(problemsAfter(grpcRoute(), (route) => {
      route.spec.rules[0].matches[0].method = { service: 'Grpc.Examples.ECHO', method: 'UnaryEcho' };
    })).toEqual([]);
  });

  test('an Exact method match with an invalid method name', () => {
    expect(problemsAfter(grpcRoute(), (route) => {
      route.spec.rules[0].matches[0].method = { service: 'grpc.examples.echo.Echo', method: 'Unary-Echo' };
    })).toEqual(['GRPCRoute/shop/echo: spec.rules[0].matches[0].method: method must only contain valid characters (matching ^[A-Za-z_][A-Za-z_0-9]*$)']);
  });

  test('a hostname with a wildcard in the middle', () => {
    expect(problemsAfter(grpcRoute(), (route) => {
      route.spec.hostnames = ['api.*.example.com'];
    })).toEqual([
      'GRPCRoute/shop/echo: spec.hostnames[0]: must match pattern "^(\\*\\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"',
    ]);
  });

  test('duplicate header match names (list-type map keyed by name; GRPCRoute has no CEL rule for it)', () => {
    expect(problemsAfter(grpcRoute(), (route) => {
      route.spec.rules[0].matches[0].headers = [{ name: 'x-canary', value: 'true' }, { name: 'x-canary', value: 'false' }];
    })).toEqual(['GRPCRoute/shop/echo: spec.rules[0].matches[0].headers[1]: Duplicate value: {"name":"x-canary"}']);
  });

  test('RequestHeaderModifier: a header twice in set is rejected; the same header in set and add is not (no such rule in v1.6.1)', () => {
    expect(problemsAfter(grpcRoute(), (route) => {
      route.spec.rules[0].filters[0].requestHeaderModifier.set.push({ name: 'x-route', value: 'again' });
    })).toEqual(['GRPCRoute/shop/echo: spec.rules[0].filters[0].requestHeaderModifier.set[1]: Duplicate value: {"name":"x-route"}']);
    expect(problemsAfter(grpcRoute(), (route) => {
      route.spec.rules[0].filters[0].requestHeaderModifier.add = [{ name: 'x-route', value: 'also' }];
    })).toEqual([]);
  });

  test('two RequestHeaderModifier filters in one rule, and a filter whose type and field disagree', () => {
    expect(problemsAfter(grpcRoute(), (route) => {
      const filters = route.spec.rules[0].filters;
      filters.push({ ...filters[0] });
      filters[1] = { type: 'RequestHeaderModifier', responseHeaderModifier: filters[1].responseHeaderModifier };
    })).toEqual([
      'GRPCRoute/shop/echo: spec.rules[0].filters: RequestHeaderModifier filter cannot be repeated',
      'GRPCRoute/shop/echo: spec.rules[0].filters[1]: filter.requestHeaderModifier must be specified for RequestHeaderModifier filter.type',
      'GRPCRoute/shop/echo: spec.rules[0].filters[1]: filter.responseHeaderModifier must be nil if the filter.type is not ResponseHeaderModifier',
    ]);
  });

  test('two parentRefs to the same Gateway without sectionName', () => {
    expect(problemsAfter(grpcRoute(), (route) => {
      route.spec.parentRefs = [{ name: 'edge', namespace: 'mesh' }, { name: 'edge', namespace: 'mesh', sectionName: 'grpc-tls' }];
    })).toEqual(['GRPCRoute/shop/echo: spec.parentRefs: sectionName must be specified when parentRefs includes 2 or more references to the same parent']);
  });

  test('a Service backendRef without a port', () => {
    expect(problemsAfter(grpcRoute(), (route) => {
      delete route.spec.rules[1].backendRefs[0].port;
    })).toEqual(['GRPCRoute/shop/echo: spec.rules[1].backendRefs[0]: Must have port for Service reference']);
  });

  test('a Gateway with two listeners of the same name (list-map key and CEL rule)', () => {
    expect(problemsAfter(gateway(), (gw) => {
      gw.spec.listeners[1].name = 'grpc-h2c';
    })).toEqual([
      'Gateway/mesh/edge: spec.listeners[1]: Duplicate value: {"name":"grpc-h2c"}',
      'Gateway/mesh/edge: spec.listeners: Listener name must be unique within the Gateway',
    ]);
  });

  test('an HTTPS listener without tls is accepted: v1.6.1 has no CRD rule for it (the controller reports it in status)', () => {
    expect(problemsAfter(gateway(), (gw) => {
      delete gw.spec.listeners[1].tls;
    })).toEqual([]);
  });

  test('TLS on an HTTP listener, Passthrough on HTTPS, and Terminate without certificates', () => {
    expect(problemsAfter(gateway(), (gw) => {
      gw.spec.listeners[0].tls = { certificateRefs: [{ name: 'api-cert' }] };
      gw.spec.listeners[1].tls = { mode: 'Passthrough' };
    })).toEqual([
      "Gateway/mesh/edge: spec.listeners: tls must not be specified for protocols ['HTTP', 'TCP', 'UDP']",
      'Gateway/mesh/edge: spec.listeners: tls mode must be Terminate for protocol HTTPS',
    ]);
    expect(problemsAfter(gateway(), (gw) => {
      gw.spec.listeners[1].tls = { mode: 'Terminate' };
    })).toEqual([ // the rule reads the absent certificateRefs: an evaluation error, which the API server reports too
      'Gateway/mesh/edge: spec.listeners[1].tls: field not found: certificateRefs evaluating rule: certificateRefs or options must be specified when mode is Terminate',
    ]);
  });

  test('a ReferenceGrant missing from', () => {
    expect(problemsAfter(referenceGrant(), (grant) => {
      delete grant.spec.from;
    })).toEqual(['ReferenceGrant/certs/edge-certs: spec.from: required field is missing']);
  });

  test('an unknown field, at any depth', () => {
    expect(problemsAfter(grpcRoute(), (route) => {
      route.spec.rules[0].backendRefs[0].wieght = 5;
      route.spec.retries = 3;
    })).toEqual([
      'GRPCRoute/shop/echo: spec.retries: unknown field',
      'GRPCRoute/shop/echo: spec.rules[0].backendRefs[0].wieght: unknown field',
    ]);
  });

  test('an Istio DestinationRule with an unknown field', () => {
    expect(problemsAfter(destinationRule(), (rule) => {
      rule.spec.trafficPolicy.connectionPool.http.maxRequestsPerConnections = 1;
    })).toEqual(['DestinationRule/shop/echo: spec.trafficPolicy.connectionPool.http.maxRequestsPerConnections: unknown field']);
  });

  test('an Istio DestinationRule with two load balancers (oneOf) and a too short idleTimeout (CEL duration)', () => {
    expect(problemsAfter(destinationRule(), (rule) => {
      rule.spec.trafficPolicy.loadBalancer.consistentHash = { httpHeaderName: 'x-user' };
      rule.spec.trafficPolicy.connectionPool.http.idleTimeout = '500us';
    })).toEqual([
      'DestinationRule/shop/echo: spec.trafficPolicy.loadBalancer: at most one of simple, consistentHash may be set',
      'DestinationRule/shop/echo: spec.trafficPolicy.connectionPool.http.idleTimeout: must be a valid duration greater than 1ms',
    ]);
  });

  test('an Istio VirtualService with an invalid enum value and a weight that is not an integer', () => {
    expect(problemsAfter(virtualService(), (service) => {
      service.spec.http[1].route[0].weight = 'ninety';
    })).toEqual(['VirtualService/shop/echo: spec.http[1].route[0].weight: must be integer']);
  });
});

describe('validateCustomResources: schema extensions', () => {
  test('x-kubernetes-preserve-unknown-fields keeps an object open (EnvoyFilter patch values)', () => {
    const envoyFilter = {
      apiVersion: 'networking.istio.io/v1alpha3',
      kind: 'EnvoyFilter',
      metadata: { name: 'grpc-stats', namespace: 'shop' },
      spec: {
        configPatches: [{
          applyTo: 'HTTP_FILTER',
          match: { context: 'SIDECAR_INBOUND' },
          patch: { operation: 'INSERT_BEFORE', value: { name: 'envoy.filters.http.grpc_stats', typed_config: { emit_filter_state: true } } },
        }],
      },
    };
    expect(validateCustomResources([envoyFilter])).toEqual([]);
    envoyFilter.spec.configPatches[0].match = { contxt: 'SIDECAR_INBOUND' } as never;
    expect(validateCustomResources([envoyFilter])).toEqual(['EnvoyFilter/shop/grpc-stats: spec.configPatches[0].match.contxt: unknown field']);
  });

  test('x-kubernetes-int-or-string takes an integer or a string', () => {
    const withGeneration = (observedGeneration: unknown) => ({ ...destinationRule(), status: { observedGeneration } });
    expect(validateCustomResources([withGeneration(3), { ...withGeneration('3'), metadata: { name: 'echo-2', namespace: 'shop' } }])).toEqual([]);
    expect(validateCustomResources([withGeneration(true)])).toEqual(['DestinationRule/shop/echo: status.observedGeneration: must be integer or string']);
  });
});

describe('validateCustomResources: metadata, kinds and versions', () => {
  test('namespaced kinds need a namespace (unless defaultNamespace), cluster-scoped ones must have none', () => {
    const route = grpcRoute();
    delete route.metadata.namespace;
    const namespacedClass = { ...gatewayClass(), metadata: { name: 'grpc-mesh', namespace: 'mesh' } };
    expect(validateCustomResources([route, namespacedClass])).toEqual([
      'GRPCRoute/-/echo: metadata.namespace: required field is missing: GRPCRoute is namespaced (or pass { defaultNamespace })',
      'GatewayClass/mesh/grpc-mesh: metadata.namespace: must not be set: GatewayClass is cluster-scoped',
    ]);
    expect(validateCustomResources([route], { defaultNamespace: 'shop' })).toEqual([]);
  });

  test('names, labels and metadata fields follow the Kubernetes rules', () => {
    const route = grpcRoute();
    route.metadata = { name: 'Echo_Route', namespace: 'shop', labels: { 'bad key!': 'x' }, nickname: 'e' };
    expect(validateCustomResources([route])).toEqual([
      'GRPCRoute/shop/Echo_Route: metadata.name: "Echo_Route" is not a DNS-1123 subdomain (dot-separated DNS-1123 labels, at most 253 characters)',
      expect.stringContaining('GRPCRoute/shop/Echo_Route: metadata.labels: "bad key!" is not a qualified name'),
      'GRPCRoute/shop/Echo_Route: metadata.nickname: unknown field',
    ]);
  });

  test('duplicate objects are reported', () => {
    expect(validateCustomResources([grpcRoute(), grpcRoute()])).toEqual([
      'GRPCRoute/shop/echo: metadata.name: duplicate of objects[0] (same API group, kind, namespace and name)',
    ]);
  });

  test('kinds without a CRD, versions not served, and experimental kinds on the standard channel', () => {
    const unknownKind = { apiVersion: GATEWAY_API_V1, kind: 'GRPCRoutes', metadata: { name: 'x', namespace: 'shop' } };
    const tcpRouteV1alpha2 = {
      apiVersion: 'gateway.networking.k8s.io/v1alpha2',
      kind: 'TCPRoute',
      metadata: { name: 't', namespace: 'shop' },
      spec: { parentRefs: [{ name: 'edge' }], rules: [{ backendRefs: [{ name: 'db', port: 5432 }] }] },
    };
    const mesh = { apiVersion: 'gateway.networking.x-k8s.io/v1alpha1', kind: 'XMesh', metadata: { name: 'mesh' }, spec: { controllerName: 'example.com/mesh' } };
    expect(validateCustomResources([unknownKind, tcpRouteV1alpha2, mesh])).toEqual([
      'GRPCRoutes/shop/x: apiVersion: no CRD for gateway.networking.k8s.io/v1 GRPCRoutes (known: Gateway API v1.6.1 standard channel, Istio 1.30.3, cert-manager 1.21.1 Certificate, Envoy Gateway v1.9.0, prometheus-operator v0.93.0) and no built-in Kubernetes 1.35 schema',
      'TCPRoute/shop/t: apiVersion: the Gateway API v1.6.1 standard channel CRD of TCPRoute does not serve gateway.networking.k8s.io/v1alpha2 (served: gateway.networking.k8s.io/v1)',
      'XMesh/-/mesh: apiVersion: no CRD for gateway.networking.x-k8s.io/v1alpha1 XMesh (known: Gateway API v1.6.1 standard channel, Istio 1.30.3, cert-manager 1.21.1 Certificate, Envoy Gateway v1.9.0, prometheus-operator v0.93.0) and no built-in Kubernetes 1.35 schema',
    ]);
    expect(validateCustomResources([tcpRouteV1alpha2, mesh], { channel: 'experimental' })).toEqual([]);
  });

  test('experimental XBackend: a named port is rejected, as cel-go would (optional.none() == null is false)', () => {
    const backend = (port: Json) => ({
      apiVersion: 'gateway.networking.x-k8s.io/v1alpha1',
      kind: 'XBackend',
      metadata: { name: 'payments', namespace: 'shop' },
      spec: { type: 'ExternalHostname', externalHostname: { hostname: 'payments.example.com' }, port },
    });
    expect(validateCustomResources([backend({ port: 443 })], { channel: 'experimental' })).toEqual([]);
    expect(validateCustomResources([backend({ name: 'https', port: 443 })], { channel: 'experimental' })).toEqual([
      'XBackend/shop/payments: spec.port.name: Name must be a valid DNS label',
    ]);
  });

  test('isCustomResourceKind knows the served CRD kinds of the channel', () => {
    expect(isCustomResourceKind(GATEWAY_API_V1, 'GRPCRoute')).toBe(true);
    expect(isCustomResourceKind('gateway.networking.k8s.io/v1beta1', 'ReferenceGrant')).toBe(true);
    expect(isCustomResourceKind('networking.istio.io/v1alpha3', 'VirtualService')).toBe(true);
    expect(isCustomResourceKind('gateway.networking.k8s.io/v1alpha2', 'TCPRoute')).toBe(false);
    expect(isCustomResourceKind('gateway.networking.k8s.io/v1alpha2', 'TCPRoute', { channel: 'experimental' })).toBe(true);
    expect(isCustomResourceKind('v1', 'Service')).toBe(false);
  });

  test('assertValidCustomResources throws with every problem', () => {
    const route = grpcRoute();
    route.spec.hostnames = ['API.example.com'];
    expect(() => assertValidCustomResources([gateway(), route])).toThrow(/1 invalid manifest field\(s\):\n {2}- GRPCRoute\/shop\/echo: spec\.hostnames\[0\]/);
    expect(() => assertValidCustomResources([gateway(), grpcRoute()])).not.toThrow();
  });
});

describe('validateAnyManifests', () => {
  const service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'echo', namespace: 'shop' }, spec: { ports: [{ name: 'grpc', port: 50051 }] } };

  test('validates built-in kinds with k8s-validator and custom resources with their CRDs', () => {
    expect(validateAnyManifests([service, gateway(), grpcRoute(), destinationRule()])).toEqual([]);
    const badService = { ...service, spec: { ports: [{ name: 'grpc', port: 70000 }] } };
    const route = grpcRoute();
    route.spec.rules[0].backendRefs[0].weight = -1;
    expect(validateAnyManifests([badService, route, { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } }])).toEqual([
      'Service/shop/echo: spec.ports[0].port: 70000 is not a port number between 1 and 65535',
      'GRPCRoute/shop/echo: spec.rules[0].backendRefs[0].weight: must be >= 0',
      'Widget/-/w: apiVersion: no CRD for example.com/v1 Widget (known: Gateway API v1.6.1 standard channel, Istio 1.30.3, cert-manager 1.21.1 Certificate, Envoy Gateway v1.9.0, prometheus-operator v0.93.0) and no built-in Kubernetes 1.35 schema',
    ]);
  });

  test('assertValidAnyManifests throws with every problem', () => {
    expect(() => assertValidAnyManifests([service, grpcRoute()])).not.toThrow();
    expect(() => assertValidAnyManifests([{ ...service, kind: 'Servic' }])).toThrow(/1 invalid manifest field\(s\):\n {2}- Servic\/shop\/echo: kind: v1 has no kind "Servic"/);
  });

  test('validateCustomResources reports built-in kinds', () => {
    expect(validateCustomResources([service])).toEqual([
      'Service/shop/echo: kind: v1 Service is a built-in Kubernetes kind, not a custom resource (use validateAnyManifests)',
    ]);
  });
});

describe('upstream Gateway API v1.6.1 examples', () => {
  for (const channel of ['standard', 'experimental'] as const) {
    const exampleFiles = yamlFilesUnder(path.join(GATEWAY_API_DIR, 'examples', channel));
    test(`all ${exampleFiles.length} ${channel} examples are accepted`, () => {
      const problems = exampleFiles.flatMap((file) => validateAnyManifests(objectsIn(file), { channel, defaultNamespace: 'default' })
        .map((problem) => `${path.relative(GATEWAY_API_DIR, file)}: ${problem}`));
      expect(problems).toEqual([]);
    });
  }

  const invalidDir = path.join(GATEWAY_API_DIR, 'invalid-examples');
  test('every invalid example has an expected reason', () => {
    expect(yamlFilesUnder(invalidDir).map((file) => path.relative(invalidDir, file)).sort()).toEqual(Object.keys(INVALID_EXAMPLE_REASONS).sort());
  });

  test.each(Object.entries(INVALID_EXAMPLE_REASONS))('rejects invalid-examples/%s', (file, reason) => {
    const channel = file.startsWith('experimental/') ? 'experimental' : 'standard';
    const problems = validateAnyManifests(objectsIn(path.join(invalidDir, file)), { channel, defaultNamespace: 'default' });
    expect(problems).toContainEqual(expect.stringContaining(reason));
    expect(problems.filter((problem) => /evaluating rule|no CRD/.test(problem))).toEqual([]);
  });
});

describe('CEL rules of the vendored CRDs', () => {
  test.each(['standard', 'experimental'] as const)('every rule of the %s channel and Istio is evaluated, except transition rules', (channel) => {
    const uses = celRulesOfCrds({ channel });
    expect(uses.length).toBeGreaterThan(500);
    expect(uses.filter((use) => use.status === 'unsupported' || use.status === 'skipped')).toEqual([]);
    const transitions = uses.filter((use) => use.status === 'transition').map((use) => `${use.crd} ${use.path}: ${use.rule}`);
    const expected = channel === 'standard' ? [] : ['gateway.networking.x-k8s.io/v1alpha1 XMesh spec.controllerName: self == oldSelf'];
    expect(transitions).toEqual([
      'gateway.networking.k8s.io/v1 GatewayClass spec.controllerName: self == oldSelf',
      'gateway.networking.k8s.io/v1beta1 GatewayClass spec.controllerName: self == oldSelf',
      ...expected,
    ]);
  });

  test('no rule is on the skip list', () => {
    expect([...SKIPPED_CEL_RULES.keys()]).toEqual([]);
  });
});

describe('cel.ts: Kubernetes CEL functions and values', () => {
  const evaluate = (rule: string, self: unknown, schema?: Json) => compileCelRule(rule).evaluate(toCelValue(self, schema));

  test('isIP: Go netip addresses without zones or IPv4-mapped IPv6', () => {
    const results = ['10.0.0.1', '2001:db8::1', '010.0.0.1', '1.2.3', 'fe80::1%eth0', '::ffff:10.0.0.1', '::ffff:a00:1', 'example.com']
      .map((address) => evaluate('isIP(self)', address));
    expect(results).toEqual([true, true, false, false, false, false, false, false]);
  });

  test('isURL and url().getScheme(): Go url.ParseRequestURI', () => {
    expect(['https://example.com/a', 'oci://ghcr.io/x/y:1', '/only/a/path', 'example.com/x', 'http://host:port/', 'http://a b/', 'http://x/%zz']
      .map((url) => evaluate('isURL(self)', url))).toEqual([true, true, true, false, false, false, false]);
    expect(evaluate('url(self).getScheme()', 'HTTPS://example.com')).toBe('https');
    expect(evaluate('url(self).getScheme()', 'example.com/x')).toBeInstanceOf(Error);
  });

  test('format.dns1123Label().validate() returns the errors (optional.none() stand-in: an empty list)', () => {
    expect(evaluate('format.dns1123Label().validate(self).size()', 'grpc')).toBe(0n);
    expect(evaluate('format.dns1123Label().validate(self).size()', 'Not_A_Label')).toBe(1n);
    expect(evaluate('format.dns1123Label().validate(self) == null', 'grpc')).toBe(false);
  });

  test('values: escaped field names, ints and doubles by schema, undeclared fields dropped', () => {
    const schema = { type: 'object', properties: { 'namespace': { type: 'string' }, 'port': { type: 'integer' }, 'ratio': { type: 'number' }, 'x-y': { type: 'string' } } };
    const value = { namespace: 'shop', port: 80, ratio: 1, extra: true };
    expect(evaluate('self.__namespace__ == "shop" && self.port == 80 && type(self.port) == int && type(self.ratio) == double', value, schema)).toBe(true);
    expect(evaluate('has(self.extra)', value, schema)).toBe(false);
    expect(['namespace', 'a__b', 'x-y.z/w', '1abc', 'a b'].map(escapeCelFieldName))
      .toEqual(['__namespace__', 'a__underscores__b', 'x__dash__y__dot__z__slash__w', undefined, undefined]);
  });

  test('an unknown function is a compile error', () => {
    expect(() => compileCelRule('self.frobnicate()')).toThrow('CEL rule calls unsupported function(s) frobnicate');
  });
});

describe('Envoy Gateway v1.9.0 BackendTrafficPolicy', () => {
  function backendTrafficPolicy(): Json {
    return {
      apiVersion: 'gateway.envoyproxy.io/v1alpha1',
      kind: 'BackendTrafficPolicy',
      metadata: { name: 'echo', namespace: 'shop' },
      spec: {
        targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'GRPCRoute', name: 'echo' }],
        loadBalancer: { type: 'LeastRequest' },
        retry: { numRetries: 2, retryOn: { triggers: ['connect-failure', 'unavailable'] }, perRetry: { timeout: '300ms' } },
        timeout: { tcp: { connectTimeout: '1s' }, http: { maxStreamDuration: '2s500ms' } },
        healthCheck: { active: { type: 'GRPC', grpc: { service: 'echo.v1.Echo' }, interval: '5s' }, passive: { consecutive5XxErrors: 5 } },
      },
    };
  }

  test('accepts a valid policy', () => {
    expect(validateCustomResources([backendTrafficPolicy()])).toEqual([]);
    expect(isCustomResourceKind('gateway.envoyproxy.io/v1alpha1', 'BackendTrafficPolicy')).toBe(true);
  });

  test('rejects an unknown field, a duration out of the Gateway API format, and a Service target (CEL)', () => {
    expect(problemsAfter(backendTrafficPolicy(), (policy) => {
      policy.spec.timeout.http.requestTimeout = '1.5s';
      policy.spec.retry.perRetry.timeOut = '1s';
    })).toEqual([
      'BackendTrafficPolicy/shop/echo: spec.retry.perRetry.timeOut: unknown field',
      expect.stringMatching(/^BackendTrafficPolicy\/shop\/echo: spec\.timeout\.http\.requestTimeout: must match pattern/),
    ]);
    expect(problemsAfter(backendTrafficPolicy(), (policy) => {
      policy.spec.targetRefs[0] = { group: 'gateway.networking.k8s.io', kind: 'Service', name: 'echo' };
    })).toEqual([
      'BackendTrafficPolicy/shop/echo: spec: this policy can only have a targetRefs[*].kind of Gateway/ListenerSet/HTTPRoute/GRPCRoute/TCPRoute/UDPRoute/TLSRoute',
    ]);
    expect(problemsAfter(backendTrafficPolicy(), (policy) => {
      policy.spec.targetRef = { group: 'gateway.networking.k8s.io', kind: 'GRPCRoute', name: 'echo' };
    })).toEqual(['BackendTrafficPolicy/shop/echo: spec: either targetRef or targetRefs must be used']);
  });
});
