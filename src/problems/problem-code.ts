/**
 * The catalogue of problem codes: every code a grpc-mesh error or warning can carry, with what it means and how
 * to fix it. Codes are stable: tooling, tests and `silenceWarnings` match on them, so a code is never renamed
 * and a new problem gets a new code here (the `code` of a {@link ValidationIssue} is typed by this catalogue).
 *
 * Codes that name a warning (synthesis goes on) say so; every other code fails synthesis, compilation or the
 * proxy's config load.
 */
export const ProblemCode = {
  // Values and names (any construct, the compiler and the proxy's config).
  /** A number must be whole: give an integer (durations are whole milliseconds). */
  NOT_AN_INTEGER: 'NOT_AN_INTEGER',
  /** A number is outside its allowed range: give a value inside the range the message names. */
  OUT_OF_RANGE: 'OUT_OF_RANGE',
  /** A port is not between 1 and 65535: give a valid TCP port. */
  PORT_OUT_OF_RANGE: 'PORT_OUT_OF_RANGE',
  /** A list has more items than allowed (often a Gateway API limit the CRD enforces): split or shorten it. */
  TOO_MANY: 'TOO_MANY',
  /** A list has fewer items than required: add the missing items. */
  TOO_FEW: 'TOO_FEW',
  /** A text is longer than the CRD allows: shorten it. */
  TOO_LONG: 'TOO_LONG',
  /** A Kubernetes name is not the DNS label or subdomain the API server requires: use lower-case letters, digits and '-'. */
  INVALID_NAME: 'INVALID_NAME',
  /** A route has no `metadata.name`: name it. */
  MISSING_NAME: 'MISSING_NAME',
  /** A label key or value is not what Kubernetes accepts: fix it as the message says. */
  INVALID_LABEL: 'INVALID_LABEL',
  /** A hostname is not a valid Gateway API hostname: use lower-case DNS labels, `*.` only as the whole first label, no IP. */
  INVALID_HOSTNAME: 'INVALID_HOSTNAME',
  /** An image reference contains spaces or is empty: give `registry/repository:tag` or a digest. */
  INVALID_IMAGE: 'INVALID_IMAGE',
  /** A CPU or memory quantity is not one Kubernetes accepts: give e.g. `500m` or `2` cores, `256Mi` or `1Gi` of memory. */
  INVALID_QUANTITY: 'INVALID_QUANTITY',
  /** An environment variable name has characters Kubernetes refuses: use letters, digits, '_', '-' and '.'. */
  INVALID_ENV_NAME: 'INVALID_ENV_NAME',
  /** A `creationTimestamp` is not an RFC 3339 date-time: fix or remove it. */
  INVALID_TIMESTAMP: 'INVALID_TIMESTAMP',
  /** A backend weight is not a whole number between 0 and 1,000,000: fix the weight. */
  INVALID_WEIGHT: 'INVALID_WEIGHT',

  // GrpcMeshService.
  /** Neither `workload` nor `selector` is set: give `workload` to run the server, or `selector` to balance pods you run. */
  NO_WORKLOAD: 'NO_WORKLOAD',
  /** Both `workload` and `selector` are set: keep one. */
  WORKLOAD_AND_SELECTOR: 'WORKLOAD_AND_SELECTOR',
  /** `selector` has no label and would select every pod of the namespace: give at least one label. */
  EMPTY_SELECTOR: 'EMPTY_SELECTOR',
  /** The termination grace period does not exceed the preStop delay, so the server is killed mid-call: raise it. */
  GRACE_PERIOD_TOO_SHORT: 'GRACE_PERIOD_TOO_SHORT',
  /** Warning: Istio or Linkerd balances pods grpc-mesh does not create: make sure they get the mesh's sidecar. */
  MESH_INJECTION_NOT_MANAGED: 'MESH_INJECTION_NOT_MANAGED',
  /** `trafficPolicy` is set with `DataPlane.none()`, which cannot enforce it: choose a data plane or remove the policy. */
  POLICY_WITHOUT_DATA_PLANE: 'POLICY_WITHOUT_DATA_PLANE',
  /** The chosen data plane or dialect cannot express a setting (it would be dropped): remove it or choose another data plane. */
  UNSUPPORTED_BY_DATA_PLANE: 'UNSUPPORTED_BY_DATA_PLANE',
  /** The balancer's Service type is not ClusterIP, NodePort or LoadBalancer: use one of these. */
  UNKNOWN_SERVICE_TYPE: 'UNKNOWN_SERVICE_TYPE',
  /** `loadBalancerSourceRanges` is set on a Service that is not a LoadBalancer: remove it or make the Service one. */
  SOURCE_RANGES_WITHOUT_LOAD_BALANCER: 'SOURCE_RANGES_WITHOUT_LOAD_BALANCER',

  /** `replicas` is set beside `autoscaling`, whose HorizontalPodAutoscaler owns the count: remove it, set `minReplicas`. */
  REPLICAS_WITH_AUTOSCALING: 'REPLICAS_WITH_AUTOSCALING',
  /** An autoscaler's `maxReplicas` is below its `minReplicas`: raise it. */
  AUTOSCALING_RANGE: 'AUTOSCALING_RANGE',
  /** A utilization target is a share of a request the container does not make: set that request. */
  AUTOSCALING_NEEDS_REQUEST: 'AUTOSCALING_NEEDS_REQUEST',
  /** Warning: one pod (replicas or minReplicas 1), which a node drain takes down: run at least 2. */
  SINGLE_POD: 'SINGLE_POD',

  /** A toleration Kubernetes refuses (operator, value, effect and tolerationSeconds that do not go together): fix it as the message says. */
  INVALID_TOLERATION: 'INVALID_TOLERATION',
  /** A `matchExpressions` or `matchFields` requirement whose operator and values do not go together: fix it as the message says. */
  INVALID_SELECTOR_REQUIREMENT: 'INVALID_SELECTOR_REQUIREMENT',
  /** A topology spread constraint Kubernetes refuses (`whenUnsatisfiable`, `minDomains`, a policy): fix it as the message says. */
  INVALID_TOPOLOGY_SPREAD: 'INVALID_TOPOLOGY_SPREAD',
  /** `serviceAccountAnnotations` is set with `serviceAccountName`, whose ServiceAccount grpc-mesh does not create: annotate that one. */
  SERVICE_ACCOUNT_ANNOTATIONS_UNUSED: 'SERVICE_ACCOUNT_ANNOTATIONS_UNUSED',
  /** An `env` reference or `envFrom` entry without exactly one source, an empty key, or a pod field `env` cannot read: fix it. */
  INVALID_ENV_SOURCE: 'INVALID_ENV_SOURCE',
  /** A volume without exactly one source, or with one the restricted Pod Security Standard forbids (hostPath): use one offered. */
  INVALID_VOLUME: 'INVALID_VOLUME',
  /** A volume mount names no declared volume: declare the volume in `volumes`, or fix the name. */
  UNKNOWN_VOLUME: 'UNKNOWN_VOLUME',
  /** A mount path is not absolute, is `/tmp` or is used twice, or a file path is not relative: fix the path. */
  INVALID_PATH: 'INVALID_PATH',

  /** `backendTls` is set with Istio or Linkerd, which already encrypt and authenticate pod-to-pod traffic: remove it. */
  BACKEND_TLS_WITH_MESH: 'BACKEND_TLS_WITH_MESH',
  /** `backendTls` has neither `certManager` nor an existing `secretName`: give one, so the server has a certificate. */
  BACKEND_TLS_SOURCE: 'BACKEND_TLS_SOURCE',
  /** `backendTls.mutual` has no client to give a certificate (DataPlane.none()) or no client Secret: give `clientSecretName`, `certManager`, or drop mutual. */
  BACKEND_TLS_MUTUAL: 'BACKEND_TLS_MUTUAL',
  /** `backendTls.healthPort` is the TLS port, or there is no workload to probe: use another plaintext port, or remove it. */
  BACKEND_TLS_HEALTH_PORT: 'BACKEND_TLS_HEALTH_PORT',
  /** Warning: with `backendTls` and no `healthPort`, the server's probes are tcpSocket probes: serve plaintext grpc.health.v1 on a `healthPort`. */
  BACKEND_TLS_TCP_PROBES: 'BACKEND_TLS_TCP_PROBES',
  /** A tier holds no certificate a service with `backendTls` accepts: route through that service's balancer, or give the Gateway's implementation `backendTls` from the same issuer. */
  BACKEND_TLS_UNREACHABLE: 'BACKEND_TLS_UNREACHABLE',

  // NetworkPolicy (GrpcMeshService `networkPolicy`).
  /** A NetworkPolicy peer sets nothing: give `namespaces`, `namespaceSelector` and/or `podSelector`, or `cidr`. */
  NETWORK_PEER_EMPTY: 'NETWORK_PEER_EMPTY',
  /** A NetworkPolicy peer mixes what cannot go together (`cidr` with selectors, `namespaces` with `namespaceSelector`, `except` without `cidr`): split it into two peers. */
  NETWORK_PEER_MIXED: 'NETWORK_PEER_MIXED',
  /** A CIDR is not an IPv4 or IPv6 network in canonical form, or an `except` block is not inside its `cidr`: fix the block. */
  INVALID_CIDR: 'INVALID_CIDR',
  /** A named port is not an IANA service name (at most 15 lower-case letters, digits and '-', with a letter): fix the name or give the number. */
  INVALID_PORT_NAME: 'INVALID_PORT_NAME',
  /** A NetworkPolicy port range is invalid (`endPort` below `port`, or with a named port): fix the range. */
  NETWORK_PORT_RANGE: 'NETWORK_PORT_RANGE',
  /** `networkPolicy.enabled` is false beside rules that would then do nothing: remove the rules, or enable the policies. */
  NETWORK_POLICY_DISABLED: 'NETWORK_POLICY_DISABLED',
  /** Warning: a route through a Gateway API controller's Gateway sends calls straight to the pods of a service whose NetworkPolicy admits no such gateway: add the gateway's pods to `networkPolicy.ingress`. */
  GATEWAY_NOT_ALLOWED_BY_NETWORK_POLICY: 'GATEWAY_NOT_ALLOWED_BY_NETWORK_POLICY',

  // Traffic policy.
  /** `loadBalancer` is not a known algorithm: use one the message lists. */
  UNKNOWN_LOAD_BALANCER: 'UNKNOWN_LOAD_BALANCER',
  /** Retries are on (`attempts` above 0) with no status code to retry: list codes such as `GrpcStatus.UNAVAILABLE`. */
  RETRY_WITHOUT_CODES: 'RETRY_WITHOUT_CODES',
  /** A retry code is not a gRPC status, or is OK: use a `GrpcStatus` other than OK. */
  INVALID_GRPC_STATUS: 'INVALID_GRPC_STATUS',
  /** The maximum retry backoff is below the base backoff: make the maximum at least the base. */
  BACKOFF_INVERTED: 'BACKOFF_INVERTED',
  /** A health check's timeout exceeds its interval: make the timeout at most the interval. */
  HEALTH_CHECK_TIMEOUT_TOO_LONG: 'HEALTH_CHECK_TIMEOUT_TOO_LONG',

  // Monitoring.
  /** Monitoring is asked of something that records no gRPC metrics (`DataPlane.none()`, a controller's Gateway): remove it. */
  MONITORING_WITHOUT_METRICS: 'MONITORING_WITHOUT_METRICS',
  /** Two selector labels become the same Prometheus target label: select by labels whose names differ in more than punctuation. */
  AMBIGUOUS_TARGET_LABEL: 'AMBIGUOUS_TARGET_LABEL',
  /** Warning: the no-ready-endpoints alert is left out, as the data plane reports no endpoint count: silence it or alert otherwise. */
  NO_ENDPOINTS_ALERT_SKIPPED: 'NO_ENDPOINTS_ALERT_SKIPPED',

  // GrpcGateway.
  /** A Gateway served by a Gateway API controller has no `gatewayClassName`: name the class, or self-host the Gateway. */
  GATEWAY_CLASS_REQUIRED: 'GATEWAY_CLASS_REQUIRED',
  /** `gatewayClassName` differs from the class of the implementation: give the class once. */
  CONFLICTING_GATEWAY_CLASS: 'CONFLICTING_GATEWAY_CLASS',
  /** A GatewayClass is asked of a self-hosted Gateway that writes no Gateway API objects: remove it. */
  GATEWAY_CLASS_UNUSED: 'GATEWAY_CLASS_UNUSED',
  /** Two listeners have the same name: rename one. */
  DUPLICATE_LISTENER: 'DUPLICATE_LISTENER',
  /** Two listeners claim the same port and hostname: give them distinct hostnames or ports. */
  CONFLICTING_LISTENERS: 'CONFLICTING_LISTENERS',
  /** A TLS listener names no Secret: name the `kubernetes.io/tls` Secret (cert-manager issues it under that name). */
  SECRET_REQUIRED: 'SECRET_REQUIRED',
  /** A self-hosted Gateway's certificate Secret is in another namespace, which its pods cannot mount: copy it over. */
  SECRET_NOT_MOUNTABLE: 'SECRET_NOT_MOUNTABLE',
  /** Listeners on one port differ in protocol or certificate, and a tier serves one of each per port: use distinct ports or one Secret. */
  LISTENER_CERTIFICATES: 'LISTENER_CERTIFICATES',
  /** `allowedRoutes` is inconsistent (`from` unknown, or a selector without `from: Selector`): fix it as the message says. */
  INVALID_ALLOWED_ROUTES: 'INVALID_ALLOWED_ROUTES',
  /** `certManager` names both or neither of `issuer` and `clusterIssuer`: name exactly one. */
  INVALID_CERT_MANAGER: 'INVALID_CERT_MANAGER',
  /** An ACME issuer can issue a wildcard certificate only through DNS-01: use a DNS-01 solver or a non-wildcard hostname. */
  WILDCARD_CERTIFICATE_NEEDS_DNS01: 'WILDCARD_CERTIFICATE_NEEDS_DNS01',
  /** cert-manager issues a listener's certificate but the listener has no hostname to put in it: set `hostname`. */
  CERT_WITHOUT_HOSTNAME: 'CERT_WITHOUT_HOSTNAME',
  /** cert-manager can only write the certificate Secret into the Gateway's namespace: reference a Secret there. */
  CERT_IN_OTHER_NAMESPACE: 'CERT_IN_OTHER_NAMESPACE',
  /** Warning: `certManager` is set but no listener terminates TLS: remove it. */
  CERT_MANAGER_UNUSED: 'CERT_MANAGER_UNUSED',
  /** `dnsNames` of a listener certificate are given without `certManager`, which alone uses them: set `certManager` or remove them. */
  DNS_NAMES_WITHOUT_CERT_MANAGER: 'DNS_NAMES_WITHOUT_CERT_MANAGER',
  /** `clientCertificates` names both or neither of `caConfigMap` and `caSecret`, or a bad key: name exactly one, as the message says. */
  INVALID_CLIENT_CA: 'INVALID_CLIENT_CA',
  /** A Gateway listener's client CA is not a ConfigMap with `ca.crt`, all Gateway API supports: move the bundle into such a ConfigMap. */
  CLIENT_CA_NOT_PORTABLE: 'CLIENT_CA_NOT_PORTABLE',
  /** TLS listeners on one port ask for different client CAs (Gateway API sets them per port): use distinct ports or one CA. */
  CLIENT_CERTIFICATES_PER_PORT: 'CLIENT_CERTIFICATES_PER_PORT',

  // GrpcRoute, CanaryGrpcRoute.
  /** `sectionName` names no listener of the parent Gateway: use one of the listener names the message lists. */
  UNKNOWN_LISTENER: 'UNKNOWN_LISTENER',
  /** The listener's `allowedRoutes` does not admit the route's namespace: widen `allowedRoutes` or move the route. */
  ROUTE_NOT_ALLOWED: 'ROUTE_NOT_ALLOWED',
  /** The route's hostnames intersect no listener hostname, so it would never attach: fix the hostnames. */
  NO_MATCHING_LISTENER_HOSTNAME: 'NO_MATCHING_LISTENER_HOSTNAME',
  /** Two rules of a route have the same name: rename one. */
  DUPLICATE_RULE_NAME: 'DUPLICATE_RULE_NAME',
  /** Warning: a match can never be reached, as an earlier rule has the same match: remove or reorder it. */
  SHADOWED_MATCH: 'SHADOWED_MATCH',
  /** Every backend of a rule has weight 0, so every matched call fails with UNAVAILABLE: give one a weight. */
  ALL_WEIGHTS_ZERO: 'ALL_WEIGHTS_ZERO',
  /** The parent GrpcMeshService has `DataPlane.none()`, which serves no routes: give it a data plane that does. */
  ROUTE_PARENT_NOT_SERVED: 'ROUTE_PARENT_NOT_SERVED',
  /** A mesh (GAMMA) route's parent is a headless Service, which GAMMA forbids: attach it to the ClusterIP Service. */
  HEADLESS_MESH_PARENT: 'HEADLESS_MESH_PARENT',
  /** Warning: hostnames mean nothing for a mesh parent and are ignored: remove them. */
  HOSTNAMES_IGNORED_IN_MESH: 'HOSTNAMES_IGNORED_IN_MESH',
  /** Warning: a mesh route's Service is not served by a data plane of this app, so the route may do nothing: see the hint. */
  GAMMA_PARENT_NOT_SERVED: 'GAMMA_PARENT_NOT_SERVED',
  /** A route's policy needs to know which implementation runs it, and its parents do not tell: set `implementation`. */
  IMPLEMENTATION_UNKNOWN: 'IMPLEMENTATION_UNKNOWN',
  /** Warning: a Linkerd catch-all match ties with the GRPCRoute carrying the service's retries: make the match narrower. */
  TIES_LINKERD_SERVICE_ROUTE: 'TIES_LINKERD_SERVICE_ROUTE',
  /** The canary is the same Service as stable, so the split changes nothing: point `canary` at the new version. */
  CANARY_IS_STABLE: 'CANARY_IS_STABLE',
  /** A method is given without a service, which would match it on every service: set `grpcService`. */
  METHOD_WITHOUT_SERVICE: 'METHOD_WITHOUT_SERVICE',
  /** A route is created after the tier that serves it was compiled (Pulumi): create routes before their parents' tiers. */
  ROUTE_AFTER_COMPILE: 'ROUTE_AFTER_COMPILE',
  /** A Pulumi prop given as an Output is needed at construction (a resource name, a ReferenceGrant): give a plain value. */
  INPUT_NEEDED_AT_CONSTRUCTION: 'INPUT_NEEDED_AT_CONSTRUCTION',
  /** Pulumi Outputs resolved to values that change which objects exist: give plain values where they decide that. */
  INPUT_CHANGES_OBJECTS: 'INPUT_CHANGES_OBJECTS',
  /** A reference to another namespace has no ReferenceGrant allowing it: define one there, or set `referenceGrants: true`. */
  MISSING_REFERENCE_GRANT: 'MISSING_REFERENCE_GRANT',

  // GRPCRoute matches (the routing engine).
  /** A match `type` is not Exact or RegularExpression: use one of these. */
  INVALID_MATCH_TYPE: 'INVALID_MATCH_TYPE',
  /** A method match sets neither service nor method: set at least one. */
  EMPTY_METHOD_MATCH: 'EMPTY_METHOD_MATCH',
  /** An Exact service is not a fully qualified proto service name: write it like `user.v1.UserService`. */
  INVALID_GRPC_SERVICE: 'INVALID_GRPC_SERVICE',
  /** An Exact method is not a proto identifier: write it like `GetUser`. */
  INVALID_GRPC_METHOD: 'INVALID_GRPC_METHOD',
  /** A header name is not an HTTP token: use letters, digits and `!#$%&'*+-.^_`|~`. */
  INVALID_HEADER_NAME: 'INVALID_HEADER_NAME',
  /** A header match has an empty value: give a value. */
  EMPTY_HEADER_VALUE: 'EMPTY_HEADER_VALUE',
  /** A match has more than 16 header matches: remove some. */
  TOO_MANY_HEADER_MATCHES: 'TOO_MANY_HEADER_MATCHES',
  /** A header name repeats in one match (names compare case-insensitively; only the first counts): remove the repeat. */
  DUPLICATE_HEADER_MATCH: 'DUPLICATE_HEADER_MATCH',
  /** A regular expression does not compile: fix its syntax. */
  INVALID_REGEX: 'INVALID_REGEX',

  // Self-hosted tiers and the compiler (`gatewayApiToProxyConfig`, `grpc-mesh compile`).
  /** A route attached to a self-hosted tier is not accepted by it (the message says why): fix the route or its parent. */
  ROUTE_NOT_SERVED: 'ROUTE_NOT_SERVED',
  /** A self-hosted tier cannot reach some backends of a route: send calls to a GrpcMeshService, or declare the Service. */
  BACKEND_NOT_RESOLVED: 'BACKEND_NOT_RESOLVED',
  /** Two routes on one listener have the same match, so one never gets calls: make the matches differ. */
  CONFLICTING_ROUTES: 'CONFLICTING_ROUTES',
  /** Compile options name neither or both of `gateway` and `mesh`: name exactly one. */
  PARENT_REQUIRED: 'PARENT_REQUIRED',
  /** The Gateway to compile is not among the objects: add it or fix the name. */
  GATEWAY_NOT_FOUND: 'GATEWAY_NOT_FOUND',
  /** A mesh Service to compile is not among the objects: add it or fix the name. */
  SERVICE_NOT_FOUND: 'SERVICE_NOT_FOUND',
  /** The Gateway has no listener the tier can serve (the hint says which were left out and why): fix the listeners. */
  NO_LISTENERS: 'NO_LISTENERS',
  /** An object is not a well-formed Kubernetes object of its kind: fix the field the message names. */
  MALFORMED_OBJECT: 'MALFORMED_OBJECT',
  /** Compile warning: a route's parentRef names a Gateway that is not among the objects: add it or fix the reference. */
  PARENT_NOT_FOUND: 'PARENT_NOT_FOUND',
  /** Compile warning: hostnames of a mesh route are ignored: remove them. */
  MESH_HOSTNAMES: 'MESH_HOSTNAMES',
  /** Compile warning: a route uses a field the proxy does not implement, and it is left out: remove the field. */
  UNSUPPORTED_FIELD: 'UNSUPPORTED_FIELD',
  /** Compile warning: a listener's protocol is not one the tier serves (GRPC over HTTP or HTTPS): it is left out. */
  LISTENER_PROTOCOL: 'LISTENER_PROTOCOL',
  /** Compile warning: listeners on one port mix HTTP and HTTPS, and are left out: give them distinct ports. */
  LISTENER_PROTOCOL_CONFLICT: 'LISTENER_PROTOCOL_CONFLICT',
  /** Compile warning: a listener's TLS is not Terminate with a core Secret, and it is left out: fix its `tls`. */
  LISTENER_TLS: 'LISTENER_TLS',
  /** Compile warning: a listener's certificate is in a namespace no ReferenceGrant opens: add the grant. */
  LISTENER_CERTIFICATE_NOT_PERMITTED: 'LISTENER_CERTIFICATE_NOT_PERMITTED',
  /** Compile warning: a port's client CA (`spec.tls.frontend`) cannot be used, and its listeners are left out: fix the `caCertificateRefs`. */
  LISTENER_CLIENT_CA: 'LISTENER_CLIENT_CA',
  /** Compile warning: frontend validation asks `AllowInsecureFallback`; the proxy requires a valid client certificate anyway. */
  FRONTEND_VALIDATION_MODE: 'FRONTEND_VALIDATION_MODE',
  /** Compile warning: frontend validation names more than one CA bundle, and only the first is used: bundle them. */
  FRONTEND_ONE_CA: 'FRONTEND_ONE_CA',
  /** Compile warning: a backend is a ClusterIP Service, so calls are balanced per connection by kube-proxy: use a headless Service. */
  CLUSTER_IP_BACKEND: 'CLUSTER_IP_BACKEND',
  /** Compile warning: a BackendTLSPolicy names no CA certificate: reference one, or use the system roots. */
  BACKEND_TLS_CA_MISSING: 'BACKEND_TLS_CA_MISSING',
  /** Compile warning: a BackendTLSPolicy names more than one CA certificate, and only one is used: bundle them. */
  BACKEND_TLS_ONE_CA: 'BACKEND_TLS_ONE_CA',
  /** A route the routing engine refuses (the message says why) is left out or fails: fix the route. */
  ROUTE_INVALID: 'ROUTE_INVALID',
  /** A config or virtual host names a listener that does not exist: fix the name. */
  LISTENER_NOT_FOUND: 'LISTENER_NOT_FOUND',
  /** A route's backend names no cluster of the config: fix the name, or add the cluster. */
  CLUSTER_NOT_FOUND: 'CLUSTER_NOT_FOUND',
  /** A virtual host names no route of the config: fix the `namespace/name`, or add the route. */
  ROUTE_NOT_FOUND: 'ROUTE_NOT_FOUND',
  /** An upstream TLS client certificate sets only one of `certFile` and `keyFile`: set both, or neither. */
  TLS_CLIENT_CERTIFICATE: 'TLS_CLIENT_CERTIFICATE',

  // The proxy's config file (grpc-mesh-proxy).
  /** A config file, or a file it names (certificate, key, CA), cannot be read: fix the path or the permissions. */
  UNREADABLE_FILE: 'UNREADABLE_FILE',
  /** The config is not valid JSON or YAML, or its name does not end in .json, .yaml or .yml: fix the syntax or the name. */
  CONFIG_SYNTAX: 'CONFIG_SYNTAX',
  /** A config field is not a field of the schema at that place: remove it or fix its spelling (the message lists the known fields). */
  UNKNOWN_FIELD: 'UNKNOWN_FIELD',
  /** A config field has the wrong type or a value the schema does not allow: give what the message says it must be. */
  SCHEMA_VIOLATION: 'SCHEMA_VIOLATION',
  /** A config field exists only in schema version 2: set `version: 2`. */
  VERSION_2_FIELD: 'VERSION_2_FIELD',
  /** Two listeners, clusters, routes or virtual hosts have the same name: rename one. */
  DUPLICATE_NAME: 'DUPLICATE_NAME',
  /** Two virtual hosts of a listener have the same hostname (or both none), so the second gets no calls: make them differ. */
  DUPLICATE_HOSTNAME: 'DUPLICATE_HOSTNAME',
  /** A virtual host names a route twice: remove the repeat. */
  DUPLICATE_ROUTE_REF: 'DUPLICATE_ROUTE_REF',
  /** Two listeners, the admin or the probes port bind the same address and port: give them distinct ports. */
  PORT_CONFLICT: 'PORT_CONFLICT',
  /** A route filter is not RequestHeaderModifier, ResponseHeaderModifier or RequestMirror: the proxy runs no other filter. */
  UNSUPPORTED_FILTER: 'UNSUPPORTED_FILTER',
  /** A route filter's settings do not match its `type` (missing or extra): set exactly the field of its type. */
  FILTER_MISMATCH: 'FILTER_MISMATCH',
  /** An upstream TLS `serverName` is not a lower-case DNS name (it is sent as SNI and checked against the certificate): fix it. */
  INVALID_SERVER_NAME: 'INVALID_SERVER_NAME',
  /** A command-line address is not host:port: write it like 127.0.0.1:8080 or [::1]:8080. */
  INVALID_ADDRESS: 'INVALID_ADDRESS',
} as const;

/** A code of the {@link ProblemCode} catalogue. */
export type ProblemCode = (typeof ProblemCode)[keyof typeof ProblemCode];
