/**
 * The absolute form of a Kubernetes Service's DNS name (`users-headless.app.svc.cluster.local.`): the name the
 * balancers we configure (Envoy's STRICT_DNS clusters, grpc-mesh-proxy's DNS discovery) look up.
 *
 * Kubernetes gives pods `ndots: 5`, and a Service name has four dots, so a resolver tries a relative name with
 * every search domain of the pod first (`users-headless.app.svc.cluster.local.app.svc.cluster.local`, ...), each a
 * failed query, on every refresh. With the trailing dot it asks for the name itself (glibc, musl and c-ares treat a
 * name ending in a dot as absolute). Only for names of Services, which the cluster DNS answers: an absolute name is
 * not matched against `/etc/hosts` entries (glibc resolves `localhost` but not `localhost.`), so user-given host
 * names and IP addresses are left as they are.
 * @param fqdn a fully qualified name, `<service>.<namespace>.svc.<cluster domain>`, with or without the dot
 */
export function absoluteDnsName(fqdn: string): string {
  return fqdn.endsWith('.') ? fqdn : `${fqdn}.`;
}
