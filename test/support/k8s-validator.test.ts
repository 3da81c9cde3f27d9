import { assertValidManifests, isBuiltInKind, validateManifests } from './k8s-validator';

/* eslint-disable @typescript-eslint/no-explicit-any -- the tests edit plain manifest JSON in place */

const LABELS = { 'app.kubernetes.io/name': 'users' };

/** A valid Deployment, headless Service, ClusterIP Service, PodDisruptionBudget and ConfigMap. */
function validManifests(): any[] {
  return [
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'users', namespace: 'shop', labels: LABELS },
      spec: {
        replicas: 3,
        selector: { matchLabels: LABELS },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 } },
        template: {
          metadata: { labels: { ...LABELS, 'app.kubernetes.io/part-of': 'shop' } },
          spec: {
            terminationGracePeriodSeconds: 30,
            securityContext: { runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: 'RuntimeDefault' } },
            containers: [{
              name: 'users',
              image: 'registry.example.com/users:1.2.3',
              ports: [{ name: 'grpc', containerPort: 50051, protocol: 'TCP' }],
              readinessProbe: { grpc: { port: 50051 }, periodSeconds: 5 },
              livenessProbe: { tcpSocket: { port: 'grpc' }, failureThreshold: 3 },
              lifecycle: { preStop: { sleep: { seconds: 5 } } },
              resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } },
              securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
              volumeMounts: [{ name: 'config', mountPath: '/etc/users' }],
            }],
            volumes: [{ name: 'config', configMap: { name: 'users-config' } }],
          },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'users-headless', namespace: 'shop' },
      spec: { clusterIP: 'None', selector: LABELS, ports: [{ name: 'grpc', port: 50051, targetPort: 'grpc', appProtocol: 'kubernetes.io/h2c' }] },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'users', namespace: 'shop' },
      spec: {
        type: 'ClusterIP',
        selector: LABELS,
        ports: [
          { name: 'grpc', port: 50051, targetPort: 50051, appProtocol: 'grpc' },
          { name: 'grpc-web', port: 8080, targetPort: 'grpc' },
        ],
      },
    },
    {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name: 'users', namespace: 'shop' },
      spec: { maxUnavailable: '50%', selector: { matchLabels: LABELS } },
    },
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'users-config', namespace: 'shop' },
      data: { 'config.yaml': 'port: 50051\n', '.env': 'MODE=prod' },
    },
  ];
}

function deploymentOf(manifests: any[]): any {
  return manifests[0];
}

function containerOf(manifests: any[]): any {
  return deploymentOf(manifests).spec.template.spec.containers[0];
}

function problemsAfter(edit: (manifests: any[]) => void): string[] {
  const manifests = validManifests();
  edit(manifests);
  return validateManifests(manifests);
}

describe('validateManifests', () => {
  test('accepts a valid Deployment, headless Service, ClusterIP Service, PodDisruptionBudget and ConfigMap', () => {
    expect(validateManifests(validManifests())).toEqual([]);
  });

  describe('schema', () => {
    test('reports an unknown field deep in a pod template', () => {
      expect(problemsAfter((m) => { containerOf(m).readinessProbe.grpc.portt = 50051; })).toEqual([
        'Deployment/shop/users: spec.template.spec.containers[0].readinessProbe.grpc.portt: unknown field',
      ]);
    });

    test('reports an unknown top-level field', () => {
      expect(problemsAfter((m) => { m[4].metadata.label = { a: 'b' }; })).toEqual([
        'ConfigMap/shop/users-config: metadata.label: unknown field',
      ]);
    });

    test('reports a value of the wrong type', () => {
      expect(problemsAfter((m) => { deploymentOf(m).spec.replicas = '3'; })).toEqual([
        'Deployment/shop/users: spec.replicas: must be integer',
      ]);
    });

    test('reports a missing required field', () => {
      expect(problemsAfter((m) => { delete containerOf(m).name; })).toEqual([
        'Deployment/shop/users: spec.template.spec.containers[0].name: required field is missing',
      ]);
    });

    test('reports a gRPC probe port given by name, as it must be a number', () => {
      expect(problemsAfter((m) => { containerOf(m).readinessProbe.grpc.port = 'grpc'; })).toEqual([
        'Deployment/shop/users: spec.template.spec.containers[0].readinessProbe.grpc.port: must be integer',
      ]);
    });

    test('reports a malformed resource quantity', () => {
      expect(problemsAfter((m) => { containerOf(m).resources.limits.cpu = '1 core'; })).toEqual([
        'Deployment/shop/users: spec.template.spec.containers[0].resources.limits.cpu: must match format "quantity"',
      ]);
    });

    test('reports a value outside a closed set the API server enforces', () => {
      expect(problemsAfter((m) => { m[2].spec.ports[0].protocol = 'tcp'; })).toEqual([
        'Service/shop/users: spec.ports[0].protocol: must be one of TCP, UDP, SCTP',
      ]);
    });

    test('reports an unknown kind unless unknown kinds are allowed', () => {
      const route = {
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'GRPCRoute',
        metadata: { name: 'users', namespace: 'shop' },
        spec: { parentRefs: [{ name: 'mesh' }] },
      };
      expect(validateManifests([route])).toEqual([
        'GRPCRoute/shop/users: apiVersion: no Kubernetes 1.35 schema for gateway.networking.k8s.io/v1 GRPCRoute (pass { allowUnknownKinds: true } to skip custom resources)',
      ]);
      expect(validateManifests([route], { allowUnknownKinds: true })).toEqual([]);
    });

    test('still checks the metadata of an allowed unknown kind', () => {
      const route = { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GRPCRoute', metadata: { name: 'Users' } };
      expect(validateManifests([route], { allowUnknownKinds: true })).toEqual([
        'GRPCRoute/-/Users: metadata.name: "Users" is not a DNS-1123 subdomain (dot-separated DNS-1123 labels, at most 253 characters)',
      ]);
    });

    test('reports a kind that a vendored group/version does not have, even when unknown kinds are allowed', () => {
      expect(validateManifests([{ apiVersion: 'apps/v1', kind: 'Deploymnt', metadata: { name: 'users' } }], { allowUnknownKinds: true })).toEqual([
        'Deploymnt/-/users: kind: apps/v1 has no kind "Deploymnt" in Kubernetes 1.35',
      ]);
    });

    test('reports entries that are not objects or lack apiVersion and kind', () => {
      expect(validateManifests(['kind: Service', { kind: 'Service', metadata: { name: 'users' } }])).toEqual([
        'objects[0]: must be an object',
        'Service/-/users: apiVersion: apiVersion and kind must both be set',
      ]);
    });
  });

  describe('metadata', () => {
    test('reports a Service name that is not a DNS-1035 label', () => {
      expect(problemsAfter((m) => { m[2].metadata.name = 'Users_svc'; })).toEqual([
        'Service/shop/Users_svc: metadata.name: "Users_svc" is not a DNS-1035 label (lowercase letters, digits and "-", starting with a letter, ending with a letter or digit, at most 63 characters)',
      ]);
    });

    test('reports a Service name starting with a digit, which other kinds accept', () => {
      expect(problemsAfter((m) => { m[2].metadata.name = '1users'; m[4].metadata.name = '1users'; })).toEqual([
        'Service/shop/1users: metadata.name: "1users" is not a DNS-1035 label (lowercase letters, digits and "-", starting with a letter, ending with a letter or digit, at most 63 characters)',
      ]);
    });

    test('reports invalid label keys and values', () => {
      expect(problemsAfter((m) => { m[4].metadata.labels = { 'example.com/tier/extra': 'a', 'tier': '-backend' }; })).toEqual([
        'ConfigMap/shop/users-config: metadata.labels: "example.com/tier/extra" is not a qualified name (alphanumerics, "-", "_" and ".", starting and ending with an alphanumeric, at most 63 characters, optionally prefixed by a DNS subdomain and "/")',
        'ConfigMap/shop/users-config: metadata.labels.tier: "-backend" is not a label value (empty, or alphanumerics, "-", "_" and ".", starting and ending with an alphanumeric, at most 63 characters)',
      ]);
    });

    test('reports a missing name', () => {
      expect(problemsAfter((m) => { delete m[3].metadata.name; })).toEqual([
        'PodDisruptionBudget/shop/-: metadata.name: required field is missing',
      ]);
    });

    test('reports two objects with the same group, kind, namespace and name', () => {
      expect(problemsAfter((m) => { m.push(validManifests()[4]); })).toEqual([
        'ConfigMap/shop/users-config: metadata.name: duplicate of objects[4] (same API group, kind, namespace and name)',
      ]);
    });
  });

  describe('Deployment', () => {
    test('reports a selector that does not match the template labels', () => {
      expect(problemsAfter((m) => { deploymentOf(m).spec.template.metadata.labels = { 'app.kubernetes.io/name': 'orders' }; })).toEqual([
        'Deployment/shop/users: spec.template.metadata.labels: do not match spec.selector {"matchLabels":{"app.kubernetes.io/name":"users"}}',
      ]);
    });

    test('matches selector expressions against the template labels', () => {
      expect(problemsAfter((m) => {
        deploymentOf(m).spec.selector = {
          matchExpressions: [
            { key: 'app.kubernetes.io/name', operator: 'In', values: ['users', 'accounts'] },
            { key: 'canary', operator: 'DoesNotExist' },
            { key: 'app.kubernetes.io/part-of', operator: 'NotIn', values: ['shop'] },
          ],
        };
      })).toEqual([
        'Deployment/shop/users: spec.template.metadata.labels: do not match spec.selector {"matchExpressions":[{"key":"app.kubernetes.io/name","operator":"In","values":["users","accounts"]},{"key":"canary","operator":"DoesNotExist"},{"key":"app.kubernetes.io/part-of","operator":"NotIn","values":["shop"]}]}',
      ]);
    });

    test('reports a probe with two handlers', () => {
      expect(problemsAfter((m) => { containerOf(m).readinessProbe.tcpSocket = { port: 50051 }; })).toEqual([
        'Deployment/shop/users: spec.template.spec.containers[0].readinessProbe: may not specify more than one handler type (found tcpSocket, grpc)',
      ]);
    });

    test('reports a probe that names a port the container does not have', () => {
      expect(problemsAfter((m) => { containerOf(m).livenessProbe.tcpSocket.port = 'health'; })).toEqual([
        'Deployment/shop/users: spec.template.spec.containers[0].livenessProbe.tcpSocket.port: container "users" has no port named "health"',
      ]);
    });

    test('reports a preStop hook without a handler', () => {
      expect(problemsAfter((m) => { containerOf(m).lifecycle.preStop = {}; })).toEqual([
        'Deployment/shop/users: spec.template.spec.containers[0].lifecycle.preStop: must specify a handler: one of exec, httpGet, tcpSocket, sleep',
      ]);
    });

    test('reports a container port name longer than 15 characters', () => {
      expect(problemsAfter((m) => { containerOf(m).ports.push({ name: 'grpc-health-probe', containerPort: 8081 }); })).toEqual([
        'Deployment/shop/users: spec.template.spec.containers[0].ports[1].name: "grpc-health-probe" is not an IANA service name (lowercase letters, digits and "-", at least one letter, no "--", at most 15 characters)',
      ]);
    });

    test('reports port names repeated across the containers of a pod, and ports out of range', () => {
      expect(problemsAfter((m) => {
        deploymentOf(m).spec.template.spec.containers.push({ name: 'proxy', image: 'envoy', ports: [{ name: 'grpc', containerPort: 70000 }] });
      })).toEqual([
        'Deployment/shop/users: spec.template.spec.containers[1].ports[0].name: duplicate value "grpc"',
        'Deployment/shop/users: spec.template.spec.containers[1].ports[0].containerPort: 70000 is not a port number between 1 and 65535',
      ]);
    });

    test('reports duplicate container names', () => {
      expect(problemsAfter((m) => { deploymentOf(m).spec.template.spec.initContainers = [{ name: 'users', image: 'busybox' }]; })).toEqual([
        'Deployment/shop/users: spec.template.spec.containers[0].name: duplicate value "users"',
      ]);
    });

    test('reports a volume mount of an undeclared volume', () => {
      expect(problemsAfter((m) => { containerOf(m).volumeMounts.push({ name: 'cache', mountPath: '/cache' }); })).toEqual([
        'Deployment/shop/users: spec.template.spec.containers[0].volumeMounts[1].name: no volume named "cache" in the pod',
      ]);
    });

    test('reports negative replicas and termination grace period', () => {
      expect(problemsAfter((m) => {
        deploymentOf(m).spec.replicas = -1;
        deploymentOf(m).spec.template.spec.terminationGracePeriodSeconds = -5;
      })).toEqual([
        'Deployment/shop/users: spec.replicas: -1 must be greater than or equal to 0',
        'Deployment/shop/users: spec.template.spec.terminationGracePeriodSeconds: -5 must be greater than or equal to 0',
      ]);
    });

    test('reports maxSurge and maxUnavailable both zero', () => {
      expect(problemsAfter((m) => { deploymentOf(m).spec.strategy.rollingUpdate.maxSurge = '0%'; })).toEqual([
        'Deployment/shop/users: spec.strategy.rollingUpdate.maxUnavailable: may not be 0 when maxSurge is 0',
      ]);
    });

    test('reports rollingUpdate parameters on a Recreate strategy', () => {
      expect(problemsAfter((m) => { deploymentOf(m).spec.strategy.type = 'Recreate'; })).toEqual([
        'Deployment/shop/users: spec.strategy.rollingUpdate: may not be specified when the strategy type is Recreate',
      ]);
    });
  });

  describe('Service', () => {
    test('reports a headless Service of type LoadBalancer', () => {
      expect(problemsAfter((m) => { m[1].spec.type = 'LoadBalancer'; })).toEqual([
        'Service/shop/users-headless: spec.clusterIP: may not be "None" (headless) for type LoadBalancer',
      ]);
    });

    test('reports an unnamed port among several, and an invalid target port name', () => {
      expect(problemsAfter((m) => {
        delete m[2].spec.ports[1].name;
        m[2].spec.ports[1].targetPort = 'grpc_web';
      })).toEqual([
        'Service/shop/users: spec.ports[1].name: required when a Service has more than one port',
        'Service/shop/users: spec.ports[1].targetPort: "grpc_web" is not an IANA service name (lowercase letters, digits and "-", at least one letter, no "--", at most 15 characters)',
      ]);
    });

    test('reports duplicate port names and a nodePort on a ClusterIP Service', () => {
      expect(problemsAfter((m) => {
        m[2].spec.ports[1].name = 'grpc';
        m[2].spec.ports[1].nodePort = 30080;
      })).toEqual([
        'Service/shop/users: spec.ports[1].name: duplicate value "grpc"',
        'Service/shop/users: spec.ports[1].nodePort: may not be used when type is ClusterIP',
      ]);
    });

    test('reports an invalid appProtocol', () => {
      expect(problemsAfter((m) => { m[2].spec.ports[0].appProtocol = 'kubernetes.io/h2c/tls'; })).toEqual([
        'Service/shop/users: spec.ports[0].appProtocol: "kubernetes.io/h2c/tls" is not a qualified name (alphanumerics, "-", "_" and ".", starting and ending with an alphanumeric, at most 63 characters, optionally prefixed by a DNS subdomain and "/")',
      ]);
    });
  });

  describe('PodDisruptionBudget', () => {
    test('reports both minAvailable and maxUnavailable', () => {
      expect(problemsAfter((m) => { m[3].spec.minAvailable = 1; })).toEqual([
        'PodDisruptionBudget/shop/users: spec: minAvailable and maxUnavailable cannot both be set',
      ]);
    });

    test('reports a missing selector', () => {
      expect(problemsAfter((m) => { delete m[3].spec.selector; })).toEqual([
        'PodDisruptionBudget/shop/users: spec.selector: required field is missing',
      ]);
    });
  });

  describe('ConfigMap', () => {
    test('reports an invalid data key', () => {
      expect(problemsAfter((m) => { m[4].data['config/app.yaml'] = 'x'; })).toEqual([
        'ConfigMap/shop/users-config: data["config/app.yaml"]: "config/app.yaml" is not a ConfigMap/Secret key (alphanumerics, "-", "_" and ".", not "." or starting with "..", at most 253 characters)',
      ]);
    });

    test('reports data larger than 1 MiB', () => {
      expect(problemsAfter((m) => { m[4].data = { a: 'x'.repeat(600 * 1024), b: 'y'.repeat(500 * 1024) }; })).toEqual([
        'ConfigMap/shop/users-config: data: total size 1126400 bytes exceeds 1048576 (1 MiB)',
      ]);
    });
  });
});

describe('assertValidManifests', () => {
  test('throws an error that lists every problem', () => {
    const manifests = validManifests();
    manifests[1].spec.type = 'NodePort';
    manifests[3].spec.minAvailable = 1;
    expect(() => assertValidManifests(manifests)).toThrow([
      '2 invalid manifest field(s):',
      '  - Service/shop/users-headless: spec.clusterIP: may not be "None" (headless) for type NodePort',
      '  - PodDisruptionBudget/shop/users: spec: minAvailable and maxUnavailable cannot both be set',
    ].join('\n'));
  });

  test('returns quietly for valid manifests', () => {
    expect(() => assertValidManifests(validManifests())).not.toThrow();
  });
});

describe('isBuiltInKind', () => {
  test('tells the vendored built-in kinds from others', () => {
    expect(isBuiltInKind('apps/v1', 'Deployment')).toBe(true);
    expect(isBuiltInKind('autoscaling/v2', 'HorizontalPodAutoscaler')).toBe(true);
    expect(isBuiltInKind('v1', 'Deployment')).toBe(false);
    expect(isBuiltInKind('gateway.networking.k8s.io/v1', 'HTTPRoute')).toBe(false);
  });
});

describe('validateManifests: NetworkPolicy', () => {
  const policy = (spec: Record<string, unknown>) => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'p', namespace: 'shop' }, spec });
  const valid = {
    podSelector: { matchLabels: LABELS },
    policyTypes: ['Ingress', 'Egress'],
    ingress: [{
      from: [
        { namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: ['web'] }] }, podSelector: { matchLabels: LABELS } },
        { ipBlock: { cidr: '10.0.0.0/8', except: ['10.1.0.0/16'] } },
        { ipBlock: { cidr: '2001:db8::/32', except: ['2001:db8:1::/48'] } },
      ],
      ports: [{ protocol: 'TCP', port: 50051 }, { port: 'metrics' }, { protocol: 'UDP', port: 32000, endPort: 32768 }],
    }],
    egress: [{ to: [{ namespaceSelector: { matchLabels: { team: 'db' } } }] }],
  };

  test('accepts a valid policy with selectors, IP blocks, named ports and a port range', () => {
    expect(validateManifests([policy(valid)])).toEqual([]);
  });

  test('reports what the API server refuses: mixed or empty peers, CIDRs, except blocks, port names, ranges, types, protocols', () => {
    const bad = policy({
      podSelector: {},
      policyTypes: ['Ingress', 'Inbound'],
      ingress: [{
        from: [
          { ipBlock: { cidr: '10.0.0.0/8' }, podSelector: {} },
          {},
          { ipBlock: { cidr: '10.0.0.1/8', except: ['11.0.0.0/16'] } },
          { ipBlock: { cidr: '10.0.0.0/8', except: ['10.0.0.0/8', 'not-a-cidr'] } },
        ],
        ports: [{ port: 'Metrics' }, { port: 'metrics', endPort: 9000 }, { port: 9000, endPort: 8000 }, { port: 70000 }, { port: 1, protocol: 'ICMP' }],
      }],
    });
    expect(validateManifests([bad]).map((p) => p.replace('NetworkPolicy/shop/p: ', ''))).toEqual([
      'spec.ingress[0].ports[4].protocol: must be one of TCP, UDP, SCTP',
    ]);
    (bad.spec as any).ingress[0].ports.pop();
    expect(validateManifests([bad]).map((p) => p.replace('NetworkPolicy/shop/p: ', '').split(':')[0])).toEqual([
      'spec.policyTypes[1]',
      'spec.ingress[0].from[0]',
      'spec.ingress[0].from[1]',
      'spec.ingress[0].from[2].ipBlock.cidr',
      'spec.ingress[0].from[3].ipBlock.except[0]',
      'spec.ingress[0].from[3].ipBlock.except[1]',
      'spec.ingress[0].ports[0].port',
      'spec.ingress[0].ports[1].endPort',
      'spec.ingress[0].ports[2].endPort',
      'spec.ingress[0].ports[3].port',
    ]);
  });
});
