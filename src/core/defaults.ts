/**
 * Every default of grpc-mesh as a named constant. The `@default` tags of the props document these values;
 * a test keeps the two in step.
 */

/** Namespace used when a construct is given none. */
export const DEFAULT_NAMESPACE = 'default';
/** Kubernetes cluster DNS domain, used to build fully qualified Service names. */
export const DEFAULT_CLUSTER_DOMAIN = 'cluster.local';
/** Name of the gRPC port on Services and containers. */
export const GRPC_PORT_NAME = 'grpc';
/** `appProtocol` of gRPC Service ports: HTTP/2 over cleartext (prior knowledge). */
export const GRPC_APP_PROTOCOL = 'kubernetes.io/h2c';
/** Suffix of the headless Service's name. */
export const HEADLESS_SERVICE_SUFFIX = '-headless';
/** Value of `app.kubernetes.io/managed-by` on every object. */
export const MANAGED_BY = 'grpc-mesh';
/** GatewayClass written on a self-hosted Gateway's own Gateway object, when it is written (no controller serves it). */
export const SELF_HOSTED_GATEWAY_CLASS = 'grpc-mesh';
/** Key of a PEM CA bundle in a ConfigMap or Secret: what Gateway API's `caCertificateRefs`, trust-manager and cert-manager use. */
export const CA_BUNDLE_KEY = 'ca.crt';

// Workload

/** Replicas of the workload Deployment. */
export const DEFAULT_WORKLOAD_REPLICAS = 2;
/** Fewest pods a HorizontalPodAutoscaler keeps: two, so a rollout or a drain never leaves one pod serving. */
export const DEFAULT_AUTOSCALING_MIN_REPLICAS = 2;
/** CPU utilization an autoscaler aims at, in percent of the request: headroom for a burst while new pods start. */
export const DEFAULT_CPU_UTILIZATION_PERCENT = 80;
/** Seconds recommendations must stay lower before an autoscaler removes pods (Kubernetes' own default). */
export const DEFAULT_SCALE_DOWN_STABILIZATION_SECONDS = 300;
/** Name of the workload's container. */
export const WORKLOAD_CONTAINER_NAME = 'app';
/** CPU request of the workload's container. */
export const DEFAULT_WORKLOAD_CPU_REQUEST = '100m';
/** Memory request of the workload's container. */
export const DEFAULT_WORKLOAD_MEMORY_REQUEST = '128Mi';
/** Memory limit of the workload's container. */
export const DEFAULT_WORKLOAD_MEMORY_LIMIT = '256Mi';
/**
 * How long a terminating pod keeps serving before it receives SIGTERM. It must outlast endpoint propagation:
 * EndpointSlice update, kube-proxy, CoreDNS's 5 s TTL for headless records and the balancer's DNS refresh.
 */
export const DEFAULT_PRE_STOP_DELAY_SECONDS = 10;
/** Time the application gets after SIGTERM to finish in-flight calls. */
export const DEFAULT_SHUTDOWN_GRACE_SECONDS = 30;
/** Size limit of the writable `/tmp` volume (the root filesystem is read-only). */
export const DEFAULT_TMP_SIZE_LIMIT = '64Mi';
/** Name of the writable emptyDir every pod mounts at /tmp (the root filesystem is read-only). */
export const TMP_VOLUME_NAME = 'tmp';
/** Name of the server pod's volume of its `backendTls` Secret. */
export const WORKLOAD_TLS_VOLUME_NAME = 'grpc-mesh-tls';
/** Directory of the server's `backendTls` Secret in the server container. */
export const WORKLOAD_TLS_DIR = '/etc/grpc-mesh/tls';
/** Non-root user the workload runs as when the props give none (the distroless `nonroot` user). */
export const DEFAULT_RUN_AS_USER = 65532;
/** Surge of a rolling update: new pods start before old ones stop, so capacity never drops. */
export const DEFAULT_MAX_SURGE = '25%';
/** Pods a rolling update may take away before replacements are ready. */
export const DEFAULT_MAX_UNAVAILABLE = 0;

// Traffic policy

/** Load-balancing algorithm. Least request (power of two choices) copes best with uneven call costs. */
export const DEFAULT_LOAD_BALANCER = 'LEAST_REQUEST';
/** Initial interval of the retry backoff. */
export const DEFAULT_RETRY_BASE_INTERVAL_MS = 25;
/** Longest interval of the retry backoff. */
export const DEFAULT_RETRY_MAX_INTERVAL_MS = 250;
/** Retries of calls that never reached the application (connect failure, refused stream): always safe. */
export const DEFAULT_TRANSPORT_RETRIES = 2;
/** Time to establish a connection to an endpoint. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 1_000;
/** A stream with no activity for this long is reset (Envoy's own default, made explicit). */
export const DEFAULT_STREAM_IDLE_TIMEOUT_MS = 300_000;
/** Concurrent calls to the service, per balancer replica (Envoy's own default, made explicit). */
export const DEFAULT_MAX_CONCURRENT_CALLS = 1024;
/** Calls waiting for a connection, per balancer replica. */
export const DEFAULT_MAX_PENDING_CALLS = 1024;
/** Connections to the service, per balancer replica. */
export const DEFAULT_MAX_CONNECTIONS = 1024;
/** Concurrent retries, per balancer replica. */
export const DEFAULT_MAX_CONCURRENT_RETRIES = 3;
/** Consecutive failed calls (UNAVAILABLE, INTERNAL, UNKNOWN, DEADLINE_EXCEEDED...) that eject an endpoint. */
export const DEFAULT_OUTLIER_CONSECUTIVE_ERRORS = 5;
/** How often outlier detection sweeps. */
export const DEFAULT_OUTLIER_INTERVAL_MS = 10_000;
/** Base time an ejected endpoint stays out (multiplied by the number of ejections). */
export const DEFAULT_OUTLIER_BASE_EJECTION_MS = 30_000;
/** Most endpoints outlier detection may eject at once, in percent. */
export const DEFAULT_OUTLIER_MAX_EJECTION_PERCENT = 50;
/** Interval of active `grpc.health.v1` health checks. */
export const DEFAULT_HEALTH_CHECK_INTERVAL_MS = 5_000;
/** Time a health check may take. */
export const DEFAULT_HEALTH_CHECK_TIMEOUT_MS = 1_000;
/** Failed checks that mark an endpoint unhealthy. */
export const DEFAULT_UNHEALTHY_THRESHOLD = 3;
/** Passed checks that mark an endpoint healthy again. */
export const DEFAULT_HEALTHY_THRESHOLD = 1;

// Envoy data plane

/** Envoy image, pinned. The full (not distroless) image: its shell runs the graceful-drain preStop hook. */
export const DEFAULT_ENVOY_IMAGE = 'envoyproxy/envoy:v1.36.4';
/** UID of the `envoy` user in the Envoy image. */
export const ENVOY_UID = 101;
/** Replicas of a balancer tier (Envoy or grpc-mesh-proxy). */
export const DEFAULT_BALANCER_REPLICAS = 2;
/** Type of the Service that exposes the balancer. */
export const DEFAULT_BALANCER_SERVICE_TYPE = 'LoadBalancer';
/** Port Envoy's gRPC listener binds inside the pod (unprivileged; the Service maps the public port to it). */
export const ENVOY_LISTENER_PORT = 8080;
/** Port of Envoy's admin interface, bound to loopback only. */
export const ENVOY_ADMIN_PORT = 9901;
/** Port of the listener that serves readiness (`/ready`) and Prometheus metrics (`/stats/prometheus`). */
export const ENVOY_PROBE_PORT = 19001;
/** How often Envoy re-resolves the headless Service's DNS name. */
export const DEFAULT_DNS_REFRESH_MS = 1_000;
/** How long a balancer drains connections (GOAWAY, in-flight calls finish) when its pod terminates. */
export const DEFAULT_BALANCER_DRAIN_SECONDS = 15;
/** CPU request of the balancer container. */
export const DEFAULT_BALANCER_CPU_REQUEST = '100m';
/** Memory request of an Envoy balancer container. */
export const DEFAULT_ENVOY_MEMORY_REQUEST = '128Mi';
/** Memory limit of an Envoy balancer container. */
export const DEFAULT_ENVOY_MEMORY_LIMIT = '512Mi';
/** Envoy's log level. */
export const DEFAULT_ENVOY_LOG_LEVEL = 'info';
/** Whether a balancer (Envoy or grpc-mesh-proxy) writes one JSON access log line per call. */
export const DEFAULT_BALANCER_ACCESS_LOG = true;
/** Annotation on pod templates carrying the hash of their configuration, so a config change rolls the pods. */
export const CONFIG_HASH_ANNOTATION = 'grpc-mesh.io/config-hash';

// grpc-mesh-proxy data plane
/**
 * Repository of the grpc-mesh-proxy images the releases publish: a release tags its image with its version, and a
 * released library deploys `<PROXY_IMAGE_REPOSITORY>:<its version>` when given no image.
 */
export const PROXY_IMAGE_REPOSITORY = 'ghcr.io/grpc-mesh/grpc-mesh-proxy';
/**
 * Memory request of a grpc-mesh-proxy container: its peak RSS under `npm run bench` (74 MiB at 30,000 calls/s on
 * one core, of which about 43 MiB are pages of the node binary) with a third on top.
 */
export const DEFAULT_PROXY_MEMORY_REQUEST = '96Mi';
/**
 * Memory limit of a grpc-mesh-proxy container: room for bursts of connections and streaming calls, whose buffers
 * the proxy bounds per connection (1 MiB of unsent output, the stream windows).
 */
export const DEFAULT_PROXY_MEMORY_LIMIT = '256Mi';
/**
 * Share of a grpc-mesh-proxy container's memory limit given to V8's old generation (`--max-old-space-size`): V8
 * does not read the cgroup limit, and would otherwise let garbage grow until the container is killed; the other half
 * is for Node itself (about 45 MiB), socket buffers and the young generation.
 */
export const PROXY_HEAP_SHARE_OF_MEMORY_LIMIT = 0.5;

/** UID grpc-mesh-proxy's image runs as (the distroless `nonroot` user). */
export const PROXY_UID = 65532;
/** Port grpc-mesh-proxy's gRPC listener binds inside the pod. */
export const PROXY_LISTENER_PORT = 8080;
/**
 * Port of grpc-mesh-proxy's admin interface: /ready, /live, /metrics, /config, /endpoints. The rendered tiers bind
 * it to loopback only, as the Envoy tier does its admin.
 */
export const PROXY_ADMIN_PORT = 9901;
/** Namespace of a proxy route that names none (`routes[].namespace`); virtual hosts name routes as `namespace/name`. */
export const DEFAULT_ROUTE_NAMESPACE = 'default';
/** Address the listeners of a compiled proxy config bind (`gatewayApiToProxyConfig`'s `address`). */
export const DEFAULT_LISTENER_ADDRESS = '0.0.0.0';
/** Denominator of a RequestMirror `fraction` that gives none (the Gateway API default). */
export const DEFAULT_MIRROR_FRACTION_DENOMINATOR = 100;
/**
 * Port of grpc-mesh-proxy's probe listener in the rendered tiers: /ready, /live and /metrics only, for the kubelet's
 * probes and Prometheus. The Envoy tier's probe port, so that one scrape config or NetworkPolicy fits both tiers.
 */
export const PROXY_PROBE_PORT = ENVOY_PROBE_PORT;
/** Seconds a terminating proxy pod keeps accepting before SIGTERM, while its endpoint removal propagates. */
export const PROXY_PRE_STOP_DELAY_SECONDS = 5;
/** grpc-mesh-proxy's log level. */
export const DEFAULT_PROXY_LOG_LEVEL = 'info';

// Monitoring

/** Default threshold of the error-rate alert, in percent. */
export const DEFAULT_ERROR_RATE_PERCENT = 5;
/** Default duration of the error-rate alert, in minutes. */
export const DEFAULT_ERROR_RATE_FOR_MINUTES = 5;
/** Default severity of the error-rate and latency alerts. */
export const DEFAULT_ALERT_SEVERITY = 'warning';
/**
 * Default p99 threshold of the latency alert, in milliseconds: an order of magnitude above what an interactive
 * gRPC API answers in, so it fires on a real degradation (a slow dependency, CPU throttling, queueing), not on the
 * normal tail, and below the 5 s timeouts clients commonly set, so it fires before their calls start to fail.
 */
export const DEFAULT_LATENCY_THRESHOLD_MS = 1000;
/** Default duration of the latency alert, in minutes: latency is noisier than errors. */
export const DEFAULT_LATENCY_FOR_MINUTES = 10;
/** Default duration of the no-ready-endpoints alert, in minutes: longer than a DNS refresh and a pod restart. */
export const DEFAULT_NO_ENDPOINTS_FOR_MINUTES = 2;
/** Default severity of the no-ready-endpoints alert: every call fails. */
export const DEFAULT_NO_ENDPOINTS_SEVERITY = 'critical';
/** Whether monitoring creates the PodMonitor. */
export const DEFAULT_POD_MONITOR = true;
/** Whether monitoring creates the Grafana dashboard ConfigMap. */
export const DEFAULT_DASHBOARD = true;

// NetworkPolicy

/** Whether a service writes its NetworkPolicies: on, so the pods take only the traffic that should reach them. */
export const DEFAULT_NETWORK_POLICY_ENABLED = true;
/** The label every namespace carries with its own name (Kubernetes 1.22 and later), which `namespaces` peers select by. */
export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';
/** Namespace of the cluster DNS (kube-dns or CoreDNS), which egress policies always allow. */
export const CLUSTER_DNS_NAMESPACE = 'kube-system';
/** Pod labels of the cluster DNS (kube-dns and CoreDNS deployments both keep `k8s-app: kube-dns`). */
export const CLUSTER_DNS_POD_LABELS: Readonly<Record<string, string>> = { 'k8s-app': 'kube-dns' };
