/**
 * A small evaluator of `networking.k8s.io/v1` NetworkPolicies, written from the semantics the Kubernetes docs give
 * (concepts/services-networking/network-policies):
 *
 * - a pod is isolated for ingress (egress) when some policy of its namespace selects it (`spec.podSelector`) and has
 *   `Ingress` (`Egress`) among its `policyTypes`; a pod no such policy selects accepts (sends) anything;
 * - `policyTypes` left out means `Ingress`, plus `Egress` when the policy has an `egress` section;
 * - policies are additive: a connection is allowed when any rule of any policy that isolates the pod allows it, and it
 *   needs both the source's egress and the destination's ingress;
 * - a rule allows a connection when one of its peers matches (no `from`/`to`, or an empty list: every peer) and one of
 *   its ports does (none, or an empty list: every port);
 * - within one peer, `namespaceSelector` and `podSelector` must both hold (AND); a `podSelector` alone selects pods of
 *   the policy's namespace, a `namespaceSelector` alone every pod of the namespaces it selects; an `ipBlock` matches
 *   addresses in `cidr` and outside every `except`;
 * - a port is a number, a range (`endPort`), or the name of a container port of the destination pod; the protocol
 *   defaults to TCP;
 * - traffic from and to the pod's own node is always allowed (the kubelet's probes).
 */
import { isIPv4 } from 'node:net';

/** A pod as the evaluator sees it. */
export interface Pod {
  readonly kind: 'pod';
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Address, for `ipBlock` peers. */
  readonly ip?: string;
  /** Named container ports: name to port number (and protocol, TCP by default). */
  readonly namedPorts?: Readonly<Record<string, number | { port: number; protocol: string }>>;
}

/** An address outside the cluster's pods. */
export interface External {
  readonly kind: 'external';
  readonly ip: string;
}

/** The node the pod runs on (its kubelet). */
export interface Node {
  readonly kind: 'node';
}

/** One end of a connection. */
export type Endpoint = Pod | External | Node;

/** The cluster: its namespaces (name to labels; `kubernetes.io/metadata.name` is added) and policies. */
export interface Cluster {
  readonly namespaces: Readonly<Record<string, Readonly<Record<string, string>>>>;
  readonly policies: readonly unknown[];
}

type Json = any;

/** Whether a label selector (`{}` is every object) selects an object with `labels`. */
export function selectorMatches(selector: Json, labels: Readonly<Record<string, string>>): boolean {
  if (selector === undefined || selector === null) return false;
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) if (labels[key] !== value) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    switch (e.operator) {
      case 'In': if (!has || !e.values.includes(labels[e.key])) return false; break;
      case 'NotIn': if (has && e.values.includes(labels[e.key])) return false; break;
      case 'Exists': if (!has) return false; break;
      case 'DoesNotExist': if (has) return false; break;
      default: throw new Error(`unknown operator ${e.operator}`);
    }
  }
  return true;
}

/** Whether a policy selects the pod (its namespace, its podSelector). */
export function policySelects(policy: Json, pod: Pod): boolean {
  return (policy.metadata.namespace ?? 'default') === pod.namespace && selectorMatches(policy.spec.podSelector, pod.labels);
}

function policyTypes(policy: Json): string[] {
  return policy.spec.policyTypes ?? ['Ingress', ...(policy.spec.egress !== undefined ? ['Egress'] : [])];
}

function namespaceLabels(cluster: Cluster, namespace: string): Record<string, string> {
  return { ...cluster.namespaces[namespace], 'kubernetes.io/metadata.name': namespace };
}

function ipToBigInt(ip: string): { v: 4 | 6; n: bigint } {
  if (isIPv4(ip)) return { v: 4, n: ip.split('.').reduce((n, b) => n * 256n + BigInt(Number(b)), 0n) };
  const [head, tail] = ip.includes('::') ? ip.split('::') : [ip, undefined];
  const h = head === '' ? [] : head.split(':');
  const t = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  return { v: 6, n: groups.reduce((n, g) => n * 65536n + BigInt(parseInt(g, 16)), 0n) };
}

/** Whether `ip` is in the block `cidr`. */
export function inCidr(ip: string, cidr: string): boolean {
  const [net, bits] = cidr.split('/');
  const a = ipToBigInt(ip);
  const b = ipToBigInt(net);
  if (a.v !== b.v) return false;
  const size = 2n ** BigInt((a.v === 4 ? 32 : 128) - Number(bits));
  return a.n / size === b.n / size;
}

function peerMatches(cluster: Cluster, policy: Json, peer: Json, other: Endpoint): boolean {
  if (peer.ipBlock !== undefined) {
    const ip = other.kind === 'node' ? undefined : other.ip;
    return ip !== undefined && inCidr(ip, peer.ipBlock.cidr) && !(peer.ipBlock.except ?? []).some((c: string) => inCidr(ip, c));
  }
  if (other.kind !== 'pod') return false; // selectors select pods only
  const namespaceOk = peer.namespaceSelector !== undefined
    ? selectorMatches(peer.namespaceSelector, namespaceLabels(cluster, other.namespace))
    : other.namespace === policy.metadata.namespace;
  const podOk = peer.podSelector === undefined || selectorMatches(peer.podSelector, other.labels);
  return namespaceOk && podOk;
}

function portMatches(ports: Json[] | undefined, destination: Endpoint, port: number, protocol: string): boolean {
  if (ports === undefined || ports.length === 0) return true;
  return ports.some((p) => {
    if ((p.protocol ?? 'TCP') !== protocol) return false;
    if (p.port === undefined) return true;
    if (typeof p.port === 'string') {
      const named = destination.kind === 'pod' ? destination.namedPorts?.[p.port] : undefined;
      const n = typeof named === 'object' ? named : named === undefined ? undefined : { port: named, protocol: 'TCP' };
      return n !== undefined && n.port === port && n.protocol === protocol;
    }
    return p.endPort === undefined ? p.port === port : port >= p.port && port <= p.endPort;
  });
}

function ruleAllows(
  cluster: Cluster, policy: Json, rule: Json, peers: Json[] | undefined, other: Endpoint, destination: Endpoint, port: number, protocol: string,
): boolean {
  const peerOk = peers === undefined || peers.length === 0 || peers.some((peer) => peerMatches(cluster, policy, peer, other));
  return peerOk && portMatches(rule.ports, destination, port, protocol);
}

/** Whether the source's egress policies let it open the connection (true when none isolates it). */
export function egressAllows(cluster: Cluster, source: Endpoint, destination: Endpoint, port: number, protocol = 'TCP'): boolean {
  if (source.kind !== 'pod' || destination.kind === 'node') return true;
  const isolating = (cluster.policies as Json[]).filter((p) => policyTypes(p).includes('Egress') && policySelects(p, source));
  if (isolating.length === 0) return true;
  return isolating.some((p) => (p.spec.egress ?? []).some((r: Json) => ruleAllows(cluster, p, r, r.to, destination, destination, port, protocol)));
}

/** Whether the destination's ingress policies let the connection in (true when none isolates it). */
export function ingressAllows(cluster: Cluster, source: Endpoint, destination: Endpoint, port: number, protocol = 'TCP'): boolean {
  if (destination.kind !== 'pod' || source.kind === 'node') return true;
  const isolating = (cluster.policies as Json[]).filter((p) => policyTypes(p).includes('Ingress') && policySelects(p, destination));
  if (isolating.length === 0) return true;
  return isolating.some((p) => (p.spec.ingress ?? []).some((r: Json) => ruleAllows(cluster, p, r, r.from, source, destination, port, protocol)));
}

/** Whether a connection from `source` to `destination` on `port` is allowed: both ends' policies must allow it. */
export function connectionAllowed(cluster: Cluster, source: Endpoint, destination: Endpoint, port: number, protocol = 'TCP'): boolean {
  return egressAllows(cluster, source, destination, port, protocol) && ingressAllows(cluster, source, destination, port, protocol);
}
