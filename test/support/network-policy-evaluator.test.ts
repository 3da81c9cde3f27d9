import { connectionAllowed, type Cluster, type Pod } from './network-policy-evaluator';

const pod = (namespace: string, labels: Record<string, string>, ip?: string, namedPorts?: Pod['namedPorts']): Pod =>
  ({ kind: 'pod', namespace, labels, ...(ip !== undefined && { ip }), ...(namedPorts && { namedPorts }) });

/** The `test-network-policy` example of the Kubernetes docs (concepts/services-networking/network-policies). */
const DOCS_EXAMPLE = {
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  metadata: { name: 'test-network-policy', namespace: 'default' },
  spec: {
    podSelector: { matchLabels: { role: 'db' } },
    policyTypes: ['Ingress', 'Egress'],
    ingress: [{
      from: [
        { ipBlock: { cidr: '172.17.0.0/16', except: ['172.17.1.0/24'] } },
        { namespaceSelector: { matchLabels: { project: 'myproject' } } },
        { podSelector: { matchLabels: { role: 'frontend' } } },
      ],
      ports: [{ protocol: 'TCP', port: 6379 }],
    }],
    egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/24' } }], ports: [{ protocol: 'TCP', port: 5978 }] }],
  },
};

describe('the NetworkPolicy evaluator', () => {
  const cluster: Cluster = { namespaces: { default: {}, myproject: { project: 'myproject' }, other: {} }, policies: [DOCS_EXAMPLE] };
  const db = pod('default', { role: 'db' }, '10.244.0.5');

  test('admits what the docs example admits: the ip block less its exception, the namespace, the frontend pods, on 6379 only', () => {
    expect(connectionAllowed(cluster, { kind: 'external', ip: '172.17.9.9' }, db, 6379)).toBe(true);
    expect(connectionAllowed(cluster, { kind: 'external', ip: '172.17.1.9' }, db, 6379)).toBe(false);
    expect(connectionAllowed(cluster, pod('myproject', { any: 'pod' }), db, 6379)).toBe(true);
    expect(connectionAllowed(cluster, pod('default', { role: 'frontend' }), db, 6379)).toBe(true);
    // A frontend of another namespace: podSelector alone means the policy's namespace.
    expect(connectionAllowed(cluster, pod('other', { role: 'frontend' }), db, 6379)).toBe(false);
    expect(connectionAllowed(cluster, pod('default', { role: 'frontend' }), db, 6380)).toBe(false);
    expect(connectionAllowed(cluster, pod('default', { role: 'frontend' }), db, 6379, 'UDP')).toBe(false);
  });

  test('restricts the selected pods\' egress to its rules, and leaves pods it does not select alone', () => {
    expect(connectionAllowed(cluster, db, { kind: 'external', ip: '10.0.0.7' }, 5978)).toBe(true);
    expect(connectionAllowed(cluster, db, { kind: 'external', ip: '10.0.1.7' }, 5978)).toBe(false);
    expect(connectionAllowed(cluster, db, { kind: 'external', ip: '10.0.0.7' }, 443)).toBe(false);
    const web = pod('default', { role: 'web' });
    expect(connectionAllowed(cluster, web, { kind: 'external', ip: '8.8.8.8' }, 443)).toBe(true);
    expect(connectionAllowed(cluster, { kind: 'external', ip: '8.8.8.8' }, web, 80)).toBe(true);
  });

  test('ANDs namespaceSelector and podSelector inside one peer, and ORs separate peers (the docs\' "and" / "or" example)', () => {
    const policy = (from: unknown[]) => ({
      metadata: { name: 'p', namespace: 'default' }, spec: { podSelector: { matchLabels: { role: 'db' } }, ingress: [{ from }] },
    });
    const and = { namespaces: { default: {}, client: { user: 'alice' } }, policies: [policy([{ namespaceSelector: { matchLabels: { user: 'alice' } }, podSelector: { matchLabels: { role: 'client' } } }])] };
    const or = { namespaces: and.namespaces, policies: [policy([{ namespaceSelector: { matchLabels: { user: 'alice' } } }, { podSelector: { matchLabels: { role: 'client' } } }])] };
    const target = pod('default', { role: 'db' });
    const aliceClient = pod('client', { role: 'client' });
    const aliceOther = pod('client', { role: 'other' });
    const localClient = pod('default', { role: 'client' });
    expect([aliceClient, aliceOther, localClient].map((s) => connectionAllowed(and, s, target, 80))).toEqual([true, false, false]);
    expect([aliceClient, aliceOther, localClient].map((s) => connectionAllowed(or, s, target, 80))).toEqual([true, true, true]);
  });

  test('a default-deny policy isolates every pod of its namespace; an empty rule admits everything; policies add up', () => {
    const denyAll = { metadata: { name: 'deny', namespace: 'default' }, spec: { podSelector: {}, policyTypes: ['Ingress'] } };
    const allowAll = { metadata: { name: 'allow', namespace: 'default' }, spec: { podSelector: { matchLabels: { role: 'web' } }, ingress: [{}] } };
    const web = pod('default', { role: 'web' });
    const api = pod('default', { role: 'api' });
    const client = pod('other', {});
    const c = { namespaces: { default: {}, other: {} }, policies: [denyAll, allowAll] };
    expect(connectionAllowed(c, client, api, 80)).toBe(false);
    expect(connectionAllowed(c, client, web, 80)).toBe(true);
    // The node's kubelet always gets through (probes).
    expect(connectionAllowed(c, { kind: 'node' }, api, 80)).toBe(true);
    // policyTypes left out: Ingress only, so egress stays open.
    expect(connectionAllowed(c, web, client, 80)).toBe(true);
  });

  test('resolves a named port on the destination pod, matches port ranges, and matches namespaces by their name label', () => {
    const policy = {
      metadata: { name: 'p', namespace: 'default' },
      spec: {
        podSelector: {},
        ingress: [{
          from: [{ namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: ['monitoring'] }] } }],
          ports: [{ port: 'metrics' }, { port: 32000, endPort: 32010 }],
        }],
      },
    };
    const c = { namespaces: { default: {}, monitoring: {}, other: {} }, policies: [policy] };
    const target = pod('default', {}, undefined, { metrics: 9090 });
    const prometheus = pod('monitoring', {});
    expect(connectionAllowed(c, prometheus, target, 9090)).toBe(true);
    expect(connectionAllowed(c, prometheus, pod('default', {}), 9090)).toBe(false); // no port named metrics
    expect(connectionAllowed(c, prometheus, target, 32005)).toBe(true);
    expect(connectionAllowed(c, prometheus, target, 32011)).toBe(false);
    expect(connectionAllowed(c, pod('other', {}), target, 9090)).toBe(false);
  });
});
