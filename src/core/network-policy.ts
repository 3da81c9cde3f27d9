import { isIPv4, isIPv6 } from 'node:net';
import * as d from './defaults';
import { absoluteDnsName } from './dns-name';
import type { ValidationIssue } from './errors';
import { balancerOf, meshOf, type GrpcMeshServiceModel, type ResolvedTier } from './grpc-mesh-service';
import type { KubeObject } from './kube';
import { tierSeries } from './monitoring/series';
import { compileTierRoutes, type RoutingScope, type ServedParent, type TierRoutes } from './served-routes';
import type { IssueCollector } from './validation';

/** A transport protocol of a NetworkPolicy port. */
export type NetworkPolicyProtocol = 'TCP' | 'UDP' | 'SCTP';

/**
 * Who a NetworkPolicy rule admits (or, for egress, reaches): pods chosen by namespace and/or labels, or an IP block.
 * Set `namespaces` or `namespaceSelector` and/or `podSelector`; or `cidr` (with `except`) alone.
 *
 * - `{ namespaces: ['shop'] }`: every pod of the namespace `shop` (selected by its `kubernetes.io/metadata.name` label);
 * - `{ namespaces: ['envoy-gateway-system'], podSelector: { 'gateway.envoyproxy.io/owning-gateway-name': 'edge' } }`:
 *   those pods of that namespace (both must hold);
 * - `{ podSelector: { app: 'web' } }`: those pods of the service's own namespace;
 * - `{ namespaceSelector: {} }`: every pod of the cluster;
 * - `{ cidr: '10.0.0.0/8', except: ['10.1.0.0/16'] }`: addresses in the block (outside the cluster's pods, usually:
 *   pod addresses change, select pods by labels instead).
 */
export interface NetworkPolicyPeer {
  /**
   * Names of the namespaces whose pods are admitted (a `namespaceSelector` on `kubernetes.io/metadata.name`).
   * @default - not by namespace name
   */
  readonly namespaces?: readonly string[];
  /**
   * Labels of the namespaces whose pods are admitted; `{}` is every namespace.
   * @default - not by namespace labels
   */
  readonly namespaceSelector?: Readonly<Record<string, string>>;
  /**
   * Labels of the pods admitted: in the namespaces named beside it, else in the service's namespace; `{}` is every pod.
   * @default - every pod of the namespaces named beside it
   */
  readonly podSelector?: Readonly<Record<string, string>>;
  /**
   * An IP block in CIDR notation (`10.0.0.0/8`, `2001:db8::/32`), in canonical form (no host bits set).
   * @default - not by address
   */
  readonly cidr?: string;
  /**
   * Blocks inside `cidr` that are not admitted.
   * @default - none
   */
  readonly except?: readonly string[];
}

/** A port (or a range of ports) of a NetworkPolicy rule. */
export interface NetworkPolicyPort {
  /** Port number, or the name of a container port of the pods. */
  readonly port: number | string;
  /**
   * Last port of a range starting at `port` (a number then).
   * @default - the one port
   */
  readonly endPort?: number;
  /**
   * Protocol.
   * @default 'TCP'
   */
  readonly protocol?: NetworkPolicyProtocol;
}

/** More traffic the server pods accept: ports of their own (metrics, admin) or more callers of the gRPC port. */
export interface NetworkPolicyIngressRule {
  /**
   * Ports of the server pods it opens.
   * @default - the gRPC port (`targetPort`, and the mesh proxy's inbound port with a mesh)
   */
  readonly ports?: readonly NetworkPolicyPort[];
  /**
   * Who may connect (at least one peer).
   * @default - anyone, in the cluster or outside it
   */
  readonly from?: readonly NetworkPolicyPeer[];
}

/** Where the server pods may connect to, once `egress` restricts them. */
export interface NetworkPolicyEgressRule {
  /**
   * Ports it opens.
   * @default - every port
   */
  readonly ports?: readonly NetworkPolicyPort[];
  /**
   * Where to (at least one peer).
   * @default - anywhere
   */
  readonly to?: readonly NetworkPolicyPeer[];
}

/**
 * The `networking.k8s.io/v1` NetworkPolicies of a `GrpcMeshService`. **On by default**: as synthesized, the service's
 * pods take only the traffic that should reach them, once a network plugin that enforces NetworkPolicy runs
 * (Calico, Cilium, ...; without one they do nothing). Opt out with `{ enabled: false }`.
 *
 * The server pods (the workload's, or those of `selector`) take connections on the gRPC `targetPort` only from:
 * - the service's balancer pods, with `DataPlane.envoy()` or `DataPlane.proxy()`;
 * - `allowFrom`, when nothing balances in front of them: `DataPlane.none()` (clients connect to the pods), or a
 *   mesh, whose clients' proxies connect to the pods: the mesh proxy's inbound port is opened to them as well
 *   (Linkerd's 4143, which every meshed connection arrives on; Istio's HBONE port 15008);
 * - the pods of every grpc-mesh tier (a self-hosted `GrpcGateway`'s, another service's balancer) that a route of the
 *   app sends to the service: found at synthesis, as the tiers compile their routes;
 * - `ingress` rules, for what else reaches them: a Gateway API controller's gateway (whose proxies connect to the
 *   pods directly), the server's own metrics port.
 *
 * The balancer pods take connections on the gRPC port from `allowFrom` (by default anyone: their Service is a
 * LoadBalancer), and the data plane's metrics port (the balancer's, or the mesh proxy's) is open to `metricsFrom`.
 * The kubelet's probes need no rule: traffic from the pod's own node is always allowed.
 *
 * Egress stays open unless `egress` is given: then the server pods may reach only its rules and the cluster DNS, and
 * the balancer pods only the cluster DNS and the pods they send calls to.
 */
export interface NetworkPolicyProps {
  /**
   * Writes the NetworkPolicies. With `false`, none is written and the pods take any traffic (the Kubernetes default).
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * Who may call the service: peers admitted to the balancer's gRPC port, or, without a balancer (`DataPlane.none()`,
   * a mesh), to the server pods' `targetPort`. A `LoadBalancer` Service with `externalTrafficPolicy: Cluster` (the
   * default) rewrites the source address of outside clients to a node's (SNAT), so a `cidr` peer cannot tell them
   * apart: restrict them with the balancer's `loadBalancerSourceRanges` instead.
   * @default - with a balancer, anyone (its Service faces clients outside the cluster); without one, every pod of the cluster
   */
  readonly allowFrom?: readonly NetworkPolicyPeer[];
  /**
   * Who may scrape the data plane's metrics port: the balancer pods' (Envoy's `metrics`, grpc-mesh-proxy's `probe`),
   * or the mesh proxy's on the server pods (Linkerd's 4191 and its tap port 4190; Istio's 15090 and 15020).
   * @default - every pod of the cluster
   */
  readonly metricsFrom?: readonly NetworkPolicyPeer[];
  /**
   * More ingress to the server pods: more callers of the gRPC port (a Gateway API controller's proxies), or ports of
   * their own (a metrics port) with who may reach them.
   * @default - none
   */
  readonly ingress?: readonly NetworkPolicyIngressRule[];
  /**
   * Restricts the server pods' egress to these rules, plus the cluster DNS (`k8s-app: kube-dns` in `kube-system`, UDP
   * and TCP 53); the balancer pods' egress then goes to the cluster DNS and the pods they call only. With a mesh, give
   * the mesh's own connections too (its control plane; Linkerd sends every meshed call to port 4143).
   * @default - egress is not restricted
   */
  readonly egress?: readonly NetworkPolicyEgressRule[];
}

/** The NetworkPolicy props of a service with every default applied. */
export interface ResolvedNetworkPolicy {
  /** Who may call the service, or undefined for the data plane's default. */
  readonly allowFrom?: readonly NetworkPolicyPeer[];
  /** Who may scrape the metrics. */
  readonly metricsFrom: readonly NetworkPolicyPeer[];
  /** More ingress to the server pods. */
  readonly ingress: readonly NetworkPolicyIngressRule[];
  /** The server pods' egress, when it is restricted. */
  readonly egress?: readonly NetworkPolicyEgressRule[];
}

/**
 * The `networking.k8s.io/v1` NetworkPolicy of a self-hosted Gateway's tier (grpc-mesh-proxy or Envoy), **on by
 * default**: its pods take connections on the listener ports from `allowFrom` (anyone by default: its Service faces
 * clients) and on the metrics port from `metricsFrom`, nothing else. `{ enabled: false }` writes none.
 */
export interface GatewayTierNetworkPolicyProps {
  /**
   * Writes the NetworkPolicy of the tier's pods.
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * Who may connect to the listener ports. See {@link NetworkPolicyProps.allowFrom} on `cidr` peers behind a
   * `LoadBalancer` Service.
   * @default - anyone, in the cluster or outside it
   */
  readonly allowFrom?: readonly NetworkPolicyPeer[];
  /**
   * Who may scrape the tier's metrics port.
   * @default - every pod of the cluster
   */
  readonly metricsFrom?: readonly NetworkPolicyPeer[];
  /**
   * Restricts the tier's egress to the cluster DNS and the backends of the routes it serves (each by its namespace and
   * port).
   * @default false
   */
  readonly restrictEgress?: boolean;
}

/** A Gateway tier's NetworkPolicy settings, defaults applied. */
export interface ResolvedGatewayTierNetworkPolicy {
  /** Who may connect to the listener ports, or undefined for anyone. */
  readonly allowFrom?: readonly NetworkPolicyPeer[];
  /** Who may scrape the metrics. */
  readonly metricsFrom: readonly NetworkPolicyPeer[];
  /** Whether egress is restricted to the DNS and the backends. */
  readonly restrictEgress: boolean;
}

/** The pods of a grpc-mesh tier, as a NetworkPolicy peer names them. */
export interface TierPods {
  /** Namespace of the pods. */
  readonly namespace: string;
  /** Labels that select them. */
  readonly selector: Readonly<Record<string, string>>;
}

/** Every pod of the cluster. */
const ANY_POD: NetworkPolicyPeer = { namespaceSelector: {} };
const PROTOCOLS: readonly NetworkPolicyProtocol[] = ['TCP', 'UDP', 'SCTP'];
/** An IANA service name, which a named container port is (Kubernetes' `IsValidPortName`). */
const PORT_NAME = /^(?=.*[a-z])(?!.*--)[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;
const MAX_PORT_NAME_LENGTH = 15;

/**
 * Checks the `networkPolicy` props: peers that name something and mix nothing, canonical CIDRs with their `except`
 * blocks inside, ports and port names Kubernetes accepts, lists that are not empty (an empty `from` would admit
 * anyone).
 */
export function validateNetworkPolicy(issues: IssueCollector, path: string, p: NetworkPolicyProps | undefined): void {
  if (p === undefined) return;
  refuseSettingsWhenDisabled(issues, path, p, ['allowFrom', 'metricsFrom', 'ingress', 'egress']);
  validatePeers(issues, `${path}.allowFrom`, p.allowFrom);
  validatePeers(issues, `${path}.metricsFrom`, p.metricsFrom);
  p.ingress?.forEach((r, i) => {
    validatePorts(issues, `${path}.ingress[${i}].ports`, r.ports);
    validatePeers(issues, `${path}.ingress[${i}].from`, r.from);
  });
  p.egress?.forEach((r, i) => {
    validatePorts(issues, `${path}.egress[${i}].ports`, r.ports);
    validatePeers(issues, `${path}.egress[${i}].to`, r.to);
  });
}

/** Refuses settings beside `enabled: false`, which would do nothing. */
function refuseSettingsWhenDisabled<P extends { readonly enabled?: boolean }>(
  issues: IssueCollector, path: string, p: P, settings: ReadonlyArray<Exclude<keyof P, 'enabled'> & string>,
): void {
  if (p.enabled !== false) return;
  const given = settings.filter((key) => p[key] !== undefined);
  issues.require(given.length === 0, {
    code: 'NETWORK_POLICY_DISABLED',
    path: `${path}.enabled`,
    value: false,
    message: `is false, so ${given.join(', ')} would do nothing`,
    hint: `Remove ${given.map((g) => `${path}.${g}`).join(', ')}, or remove ${path}.enabled.`,
  });
}

/** Checks the `networkPolicy` of a self-hosted Gateway's tier, found at `path`. */
export function validateGatewayTierNetworkPolicy(issues: IssueCollector, path: string, p: GatewayTierNetworkPolicyProps | undefined): void {
  if (p === undefined) return;
  refuseSettingsWhenDisabled(issues, path, p, ['allowFrom', 'metricsFrom', 'restrictEgress']);
  validatePeers(issues, `${path}.allowFrom`, p.allowFrom);
  validatePeers(issues, `${path}.metricsFrom`, p.metricsFrom);
}

/** Applies the defaults to a Gateway tier's policy; undefined when it is switched off. */
export function resolveGatewayTierNetworkPolicy(p: GatewayTierNetworkPolicyProps | undefined): ResolvedGatewayTierNetworkPolicy | undefined {
  if ((p?.enabled ?? d.DEFAULT_NETWORK_POLICY_ENABLED) === false) return undefined;
  return {
    ...(p?.allowFrom !== undefined && { allowFrom: p.allowFrom }),
    metricsFrom: p?.metricsFrom ?? [ANY_POD],
    restrictEgress: p?.restrictEgress ?? false,
  };
}

function validatePeers(issues: IssueCollector, path: string, peers: readonly NetworkPolicyPeer[] | undefined): void {
  if (peers === undefined) return;
  if (!issues.count(path, peers, 1, Number.MAX_SAFE_INTEGER, 'peers')) return;
  peers.forEach((peer, i) => validatePeer(issues, `${path}[${i}]`, peer));
}

function validatePeer(issues: IssueCollector, path: string, peer: NetworkPolicyPeer): void {
  const selectors = (['namespaces', 'namespaceSelector', 'podSelector'] as const).filter((key) => peer[key] !== undefined);
  const mixed = (message: string, hint: string) => issues.add({ code: 'NETWORK_PEER_MIXED', path, value: peer, message, hint });
  if (selectors.length === 0 && peer.cidr === undefined) {
    issues.add({
      code: 'NETWORK_PEER_EMPTY',
      path,
      value: peer,
      message: 'names no pods and no addresses',
      hint: 'Give namespaces, namespaceSelector and/or podSelector, or cidr; every pod of the cluster is { namespaceSelector: {} }.',
    });
    return;
  }
  if (peer.cidr !== undefined && selectors.length > 0) {
    mixed(`sets cidr with ${selectors.join(' and ')}, which a NetworkPolicy peer cannot combine`, 'Make them two peers: any of them admits.');
  }
  if (peer.namespaces !== undefined && peer.namespaceSelector !== undefined) {
    mixed('sets both namespaces and namespaceSelector', 'Keep one: namespaces selects by the kubernetes.io/metadata.name label.');
  }
  if (peer.except !== undefined && peer.cidr === undefined) mixed('sets except without cidr', 'Give the block the exceptions are taken from.');
  if (peer.namespaces !== undefined && issues.count(`${path}.namespaces`, peer.namespaces, 1, Number.MAX_SAFE_INTEGER, 'namespaces')) {
    peer.namespaces.forEach((ns, i) => issues.dns1123Label(`${path}.namespaces[${i}]`, ns));
  }
  issues.labels(`${path}.namespaceSelector`, peer.namespaceSelector);
  issues.labels(`${path}.podSelector`, peer.podSelector);
  if (peer.cidr === undefined) return;
  const block = parseCidr(issues, `${path}.cidr`, peer.cidr);
  peer.except?.forEach((cidr, i) => {
    const inner = parseCidr(issues, `${path}.except[${i}]`, cidr);
    if (block === undefined || inner === undefined) return;
    issues.require(inner.version === block.version && inner.bits > block.bits && contains(block, inner), {
      code: 'INVALID_CIDR',
      path: `${path}.except[${i}]`,
      value: cidr,
      message: `must be a smaller block inside cidr ${peer.cidr}`,
    });
  });
}

function validatePorts(issues: IssueCollector, path: string, ports: readonly NetworkPolicyPort[] | undefined): void {
  if (ports === undefined || !issues.count(path, ports, 1, Number.MAX_SAFE_INTEGER, 'ports')) return;
  ports.forEach((p, i) => {
    const at = `${path}[${i}]`;
    if (typeof p.port === 'string') {
      issues.require(p.port.length <= MAX_PORT_NAME_LENGTH && PORT_NAME.test(p.port), {
        code: 'INVALID_PORT_NAME',
        path: `${at}.port`,
        value: p.port,
        message: `must be a container port name: at most ${MAX_PORT_NAME_LENGTH} lower-case letters, digits and single '-' inside, with a letter`,
        hint: 'Give the port number, or the name the pods give the port.',
      });
      issues.require(p.endPort === undefined, {
        code: 'NETWORK_PORT_RANGE', path: `${at}.endPort`, value: p.endPort, message: 'cannot end a range that starts at a named port', hint: 'Give port as a number.',
      });
    } else if (issues.port(`${at}.port`, p.port) && p.endPort !== undefined && issues.port(`${at}.endPort`, p.endPort)) {
      issues.require(p.endPort >= p.port, {
        code: 'NETWORK_PORT_RANGE', path: `${at}.endPort`, value: p.endPort, message: `must be at least port (${p.port})`,
      });
    }
    if (p.protocol !== undefined) {
      issues.require(PROTOCOLS.includes(p.protocol), {
        code: 'OUT_OF_RANGE', path: `${at}.protocol`, value: p.protocol, message: `must be one of ${PROTOCOLS.join(', ')}`,
      });
    }
  });
}

/** An IP block: its version, prefix length and network address as a number. */
interface Cidr {
  readonly version: 4 | 6;
  readonly bits: number;
  readonly address: bigint;
}

/** Parses a CIDR in canonical form (the API server refuses host bits since Kubernetes 1.33's strict IP validation). */
function parseCidr(issues: IssueCollector, path: string, text: string): Cidr | undefined {
  const [ip, prefix, extra] = typeof text === 'string' ? text.split('/') : [];
  const version = isIPv4(ip ?? '') ? 4 : isIPv6(ip ?? '') ? 6 : undefined;
  const width = version === 4 ? 32 : 128;
  const bits = /^\d{1,3}$/.test(prefix ?? '') ? Number(prefix) : NaN;
  const fail = (message: string, hint?: string) => (issues.add({ code: 'INVALID_CIDR', path, value: text, message, hint }), undefined);
  if (version === undefined || extra !== undefined || !(bits <= width) || ip.includes('%')) {
    return fail('must be an IPv4 or IPv6 block in CIDR notation, like 10.0.0.0/8 or 2001:db8::/32');
  }
  const address = ipToBigInt(ip, version);
  const network = address - (address % 2n ** BigInt(width - bits));
  if (network !== address) return fail('has host bits set', `Write the network address: ${bigIntToIp(network, version)}/${bits}.`);
  if (version === 4 && ip !== bigIntToIp(address, 4)) return fail('must write each IPv4 byte without leading zeros');
  return { version, bits, address };
}

function contains(outer: Cidr, inner: Cidr): boolean {
  const size = 2n ** BigInt((outer.version === 4 ? 32 : 128) - outer.bits);
  return inner.address / size === outer.address / size;
}

function ipToBigInt(ip: string, version: 4 | 6): bigint {
  if (version === 4) return ip.split('.').reduce((n, byte) => n * 256n + BigInt(Number(byte)), 0n);
  let text = ip;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const n = ipToBigInt(v4[1], 4);
    text = `${text.slice(0, -v4[1].length)}${(n / 65536n).toString(16)}:${(n % 65536n).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = tail === undefined ? headGroups : [...headGroups, ...Array(8 - headGroups.length - tailGroups.length).fill('0'), ...tailGroups];
  return groups.reduce((n, group) => n * 65536n + BigInt(parseInt(group, 16)), 0n);
}

function bigIntToIp(n: bigint, version: 4 | 6): string {
  if (version === 4) return [3n, 2n, 1n, 0n].map((i) => String((n / 256n ** i) % 256n)).join('.');
  const groups = [7n, 6n, 5n, 4n, 3n, 2n, 1n, 0n].map((i) => ((n / 65536n ** i) % 65536n).toString(16));
  return groups.join(':').replace(/(^|:)0(:0)+(:|$)/, '::');
}

/** Applies the defaults; undefined when the policies are switched off. */
export function resolveNetworkPolicy(p: NetworkPolicyProps | undefined): ResolvedNetworkPolicy | undefined {
  if ((p?.enabled ?? d.DEFAULT_NETWORK_POLICY_ENABLED) === false) return undefined;
  return {
    ...(p?.allowFrom !== undefined && { allowFrom: p.allowFrom }),
    metricsFrom: p?.metricsFrom ?? [ANY_POD],
    ingress: p?.ingress ?? [],
    ...(p?.egress !== undefined && { egress: p.egress }),
  };
}

// ---------------------------------------------------------------------------------------------
// Rendering
// ---------------------------------------------------------------------------------------------

/** The NetworkPolicies of a service, by the pods they select. */
export interface NetworkPolicyManifests {
  /** The policy of the server pods (named after the service). */
  readonly server: KubeObject;
  /** The policy of the balancer pods (named after the tier), with `DataPlane.envoy()` or `DataPlane.proxy()`. */
  readonly balancer?: KubeObject;
}

/**
 * Renders the NetworkPolicies of a service, or undefined when they are switched off.
 * @param reaching the pods of the other grpc-mesh tiers that send calls to the service, found by {@link tiersRoutingTo}
 * @param served the routes the service's balancer serves (GAMMA), whose backends its egress must reach
 */
export function renderNetworkPolicies(
  model: GrpcMeshServiceModel, reaching: readonly TierPods[] = [], served?: TierRoutes,
): NetworkPolicyManifests | undefined {
  const policy = model.networkPolicy;
  if (policy === undefined) return undefined;
  const balancer = balancerOf(model);
  const mesh = meshOf(model);
  const grpcPorts = [{ port: model.targetPort }, ...(mesh?.proxyInboundPorts ?? []).map((port) => ({ port }))];
  const own = { namespace: model.namespace, selector: model.podSelector };
  const callers = balancer !== undefined
    ? [podsPeer(model.namespace, { namespace: model.namespace, selector: balancer.selector })]
    : policy.allowFrom ?? [ANY_POD];
  const tiers = callers.some(isAnyPod) ? [] : reaching;
  const ingress = [
    rule(model.namespace, 'from', callers.concat(tiers.map((t) => podsPeer(model.namespace, t))), grpcPorts),
    ...(mesh !== undefined && mesh.proxyMetricsPorts.length > 0 ? [rule(model.namespace, 'from', policy.metricsFrom, mesh.proxyMetricsPorts.map((port) => ({ port })))] : []),
    ...policy.ingress.map((r) => rule(model.namespace, 'from', r.from, r.ports ?? grpcPorts)),
  ];
  const egress = policy.egress && [dnsRule(model.namespace), ...policy.egress.map((r) => rule(model.namespace, 'to', r.to, r.ports))];
  const server = networkPolicy(model.namespace, model.name, own.selector, model.labels, ingress, egress);
  if (balancer === undefined) return { server };
  const ownRule = rule(model.namespace, 'to', [podsPeer(model.namespace, own)], [{ port: model.targetPort }]);
  const egressTo = policy.egress && [ownRule, ...backendRules(model.namespace, served, absoluteDnsName(model.headlessFqdn))];
  return { server, balancer: tierNetworkPolicy(model.namespace, balancer, [d.GRPC_PORT_NAME], policy, egressTo) };
}

/**
 * Renders the NetworkPolicy of a self-hosted Gateway's tier: its listener ports open to `allowFrom`, its metrics port
 * to `metricsFrom`, and with `restrictEgress` its egress to the cluster DNS and the backends of `served`.
 */
export function renderGatewayTierNetworkPolicy(
  namespace: string, tier: ResolvedTier, policy: ResolvedGatewayTierNetworkPolicy, portNames: readonly string[], served: TierRoutes,
): KubeObject {
  return tierNetworkPolicy(namespace, tier, portNames, policy, policy.restrictEgress ? backendRules(namespace, served) : undefined);
}

/** The policy of a tier's pods: gRPC ports to `allowFrom`, the metrics port to `metricsFrom`, egress to the DNS and `egressTo`. */
function tierNetworkPolicy(
  namespace: string, tier: ResolvedTier, portNames: readonly string[],
  policy: { readonly allowFrom?: readonly NetworkPolicyPeer[]; readonly metricsFrom: readonly NetworkPolicyPeer[] },
  egressTo: ReadonlyArray<Record<string, unknown>> | undefined,
): KubeObject {
  const metrics = tierSeries(tier, namespace).scrape.port;
  const ingress = [
    rule(namespace, 'from', policy.allowFrom, portNames.map((port) => ({ port }))),
    rule(namespace, 'from', policy.metricsFrom, [{ port: metrics }]),
  ];
  return networkPolicy(namespace, tier.name, tier.selector, tier.labels, ingress, egressTo && [dnsRule(namespace), ...egressTo]);
}

/** Allows the cluster DNS (kube-dns or CoreDNS in kube-system), UDP and TCP 53. */
function dnsRule(namespace: string): Record<string, unknown> {
  return rule(namespace, 'to', [{ namespaces: [d.CLUSTER_DNS_NAMESPACE], podSelector: d.CLUSTER_DNS_POD_LABELS }], [{ port: 53, protocol: 'UDP' }, { port: 53 }]);
}

/**
 * What a tier sends calls to besides its own service: the pods of every backend of the routes it serves, each by its
 * headless Service's namespace and port (the policy cannot know the labels of a Service it did not write).
 */
function backendRules(namespace: string, served: TierRoutes | undefined, ownHost?: string): Array<Record<string, unknown>> {
  const rules: Array<Record<string, unknown>> = [];
  const seen = new Set<string>();
  for (const cluster of served?.compiled.clusters ?? []) {
    const discovery = cluster.discovery;
    if (discovery.type !== 'dns' || discovery.hostname === ownHost) continue;
    const backendNamespace = discovery.hostname.split('.')[1];
    const key = `${backendNamespace}:${discovery.port}`;
    if (backendNamespace === undefined || seen.has(key)) continue;
    seen.add(key);
    rules.push(rule(namespace, 'to', [{ namespaces: [backendNamespace] }], [{ port: discovery.port }]));
  }
  return rules;
}

function networkPolicy(
  namespace: string, name: string, selector: Readonly<Record<string, string>>, labels: Readonly<Record<string, string>>,
  ingress: ReadonlyArray<Record<string, unknown>>, egress: ReadonlyArray<Record<string, unknown>> | undefined,
): KubeObject {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name, namespace, labels },
    spec: {
      podSelector: { matchLabels: selector },
      policyTypes: egress === undefined ? ['Ingress'] : ['Ingress', 'Egress'],
      ingress,
      ...(egress !== undefined && { egress }),
    },
  };
}

/** A rule: its peers (none: anyone) and ports (none: every port). */
function rule(
  namespace: string, direction: 'from' | 'to', peers: readonly NetworkPolicyPeer[] | undefined, ports: readonly NetworkPolicyPort[] | undefined,
): Record<string, unknown> {
  return {
    ...(peers !== undefined && { [direction]: peers.map((peer) => renderPeer(namespace, peer)) }),
    ...(ports !== undefined && { ports: ports.map((p) => ({ protocol: p.protocol ?? 'TCP', port: p.port, ...(p.endPort !== undefined && { endPort: p.endPort }) })) }),
  };
}

/**
 * A peer as the NetworkPolicy writes it. An empty selector would be an empty object, which cdk8s and Pulumi may write
 * differently: every namespace is written as the `kubernetes.io/metadata.name` label existing, and every pod of the
 * policy's own namespace (`{ podSelector: {} }`) as that namespace by name.
 */
function renderPeer(namespace: string, peer: NetworkPolicyPeer): Record<string, unknown> {
  if (peer.cidr !== undefined) return { ipBlock: { cidr: peer.cidr, ...(peer.except !== undefined && { except: peer.except }) } };
  const anyPodOf = peer.podSelector !== undefined && Object.keys(peer.podSelector).length === 0;
  const namespaces = peer.namespaces ?? (anyPodOf && peer.namespaceSelector === undefined ? [namespace] : undefined);
  const namespaceSelector = namespaces !== undefined
    ? { matchExpressions: [{ key: d.NAMESPACE_NAME_LABEL, operator: 'In', values: namespaces }] }
    : peer.namespaceSelector && (Object.keys(peer.namespaceSelector).length === 0
      ? { matchExpressions: [{ key: d.NAMESPACE_NAME_LABEL, operator: 'Exists' }] }
      : { matchLabels: peer.namespaceSelector });
  return {
    ...(namespaceSelector !== undefined && { namespaceSelector }),
    ...(peer.podSelector !== undefined && !anyPodOf && { podSelector: { matchLabels: peer.podSelector } }),
  };
}

/** The peer of a tier's pods, seen from a policy in `namespace`. */
function podsPeer(namespace: string, pods: TierPods): NetworkPolicyPeer {
  return { ...(pods.namespace !== namespace && { namespaces: [pods.namespace] }), podSelector: pods.selector };
}

function isAnyPod(peer: NetworkPolicyPeer): boolean {
  return peer.namespaceSelector !== undefined && Object.keys(peer.namespaceSelector).length === 0 && peer.podSelector === undefined;
}

// ---------------------------------------------------------------------------------------------
// What the rest of the app sends to the service
// ---------------------------------------------------------------------------------------------

/**
 * The pods of every grpc-mesh tier of the app that sends calls straight to the service's pods: a self-hosted
 * `GrpcGateway`'s tier, or another service's balancer, with a route to the service compiled in. Each tier resolves a
 * backend to its headless Service and connects to the pods, around the service's own balancer.
 */
export function tiersRoutingTo(scope: RoutingScope, model: GrpcMeshServiceModel): TierPods[] {
  if (scope.routes.length === 0) return [];
  const host = absoluteDnsName(model.headlessFqdn);
  const parents: ServedParent[] = [
    ...scope.gateways.filter((g) => g.tier !== undefined).map((g): ServedParent => ({ kind: 'gateway', model: g })),
    ...scope.services.filter((s) => balancerOf(s) !== undefined && !(s.name === model.name && s.namespace === model.namespace))
      .map((s): ServedParent => ({ kind: 'service', model: s })),
  ];
  const found: TierPods[] = [];
  for (const parent of parents) {
    const served = compileTierRoutes(scope, parent);
    if (!served.compiled.clusters.some((c) => c.discovery.type === 'dns' && c.discovery.hostname === host)) continue;
    found.push({ namespace: parent.model.namespace, selector: served.tier.selector });
  }
  return found;
}

/**
 * Routes through a Gateway a controller serves (Envoy Gateway, Istio...) to the service: the controller's proxies
 * connect to the service's pods, which its NetworkPolicy admits only when an `ingress` rule names them, or, without a
 * balancer, when `allowFrom` does (every pod of the cluster by default). grpc-mesh cannot know their labels: a
 * warning, unless `networkPolicy.ingress` has rules.
 */
export function gatewaysNotAllowed(scope: RoutingScope, model: GrpcMeshServiceModel): ValidationIssue[] {
  const policy = model.networkPolicy;
  if (policy === undefined || policy.ingress.length > 0) return [];
  if (balancerOf(model) === undefined && (policy.allowFrom ?? [ANY_POD]).some(isAnyPod)) return [];
  const issues: ValidationIssue[] = [];
  for (const route of scope.routes) {
    const isService = (b: { readonly name: string; readonly namespace?: string }) =>
      b.name === model.name && (b.namespace ?? route.namespace) === model.namespace;
    if (!route.rules.some((r) => (r.backendRefs ?? []).some(isService))) continue;
    for (const parent of route.parents) {
      if (parent.kind !== 'Gateway' || parent.servedBy !== undefined) continue;
      const namespace = parent.namespace ?? route.namespace;
      if (scope.gateways.some((g) => g.name === parent.name && g.namespace === namespace && g.tier !== undefined)) continue;
      issues.push({
        code: 'GATEWAY_NOT_ALLOWED_BY_NETWORK_POLICY',
        path: 'networkPolicy.ingress',
        value: `GRPCRoute ${route.namespace}/${route.name} via Gateway ${parent.namespace ?? route.namespace}/${parent.name}`,
        message: 'admits no Gateway API controller\'s proxies, and this route sends them calls for the service\'s pods',
        hint: 'Add the gateway\'s pods, e.g. ingress: [{ from: [{ namespaces: [\'envoy-gateway-system\'], podSelector: '
          + `{ 'gateway.envoyproxy.io/owning-gateway-name': '${parent.name}' } }] }] for Envoy Gateway, or `
          + `{ namespaces: ['${parent.namespace ?? route.namespace}'], podSelector: { 'gateway.networking.k8s.io/gateway-name': '${parent.name}' } } for Istio.`,
      });
    }
  }
  return issues;
}
