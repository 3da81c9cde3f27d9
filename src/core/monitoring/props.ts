/** An alert on the share of calls that end with a non-OK gRPC status. */
export interface ErrorRateAlertProps {
  /**
   * Share of non-OK calls, in percent, above which the alert fires.
   * @default 5
   */
  readonly thresholdPercent?: number;
  /**
   * Minutes the share must stay above the threshold before the alert fires.
   * @default 5
   */
  readonly forMinutes?: number;
  /**
   * Value of the alert's `severity` label.
   * @default 'warning'
   */
  readonly severity?: string;
}

/**
 * An alert on the 99th percentile of call duration, from the data plane's latency histogram. The duration of a
 * streaming call is the life of its stream: for services with long-lived streams raise the threshold or turn the
 * alert off.
 */
export interface LatencyAlertProps {
  /**
   * p99 call duration, in milliseconds, above which the alert fires.
   * @default 1000
   */
  readonly thresholdMs?: number;
  /**
   * Minutes the p99 must stay above the threshold before the alert fires.
   * @default 10
   */
  readonly forMinutes?: number;
  /**
   * Value of the alert's `severity` label.
   * @default 'warning'
   */
  readonly severity?: string;
}

/**
 * An alert when the service has no ready endpoint: every call fails with UNAVAILABLE. Envoy reports the healthy
 * endpoints of its cluster of the service's pods, grpc-mesh-proxy those that may take calls (healthy, reachable, not
 * ejected); with a mesh, kube-state-metrics reports the available replicas of the service's Deployment (so it needs
 * `workload` and kube-state-metrics).
 */
export interface NoReadyEndpointsAlertProps {
  /**
   * Minutes without a ready endpoint before the alert fires.
   * @default 2
   */
  readonly forMinutes?: number;
  /**
   * Value of the alert's `severity` label.
   * @default 'critical'
   */
  readonly severity?: string;
}

/**
 * Prometheus operator objects for a service: a PodMonitor that scrapes the pods whose proxies see its calls (the
 * Envoy or grpc-mesh-proxy tier, or the workload's Istio or Linkerd sidecars), a PrometheusRule with error-rate,
 * latency and no-ready-endpoints alerts, and a Grafana dashboard.
 *
 * The PodMonitor copies the pod labels that select those pods into target labels (`app.kubernetes.io/name` becomes
 * `app_kubernetes_io_name`) and the alerts select series by them and by `namespace`, so a canary
 * (`orders-canary`) never counts towards its stable service (`orders`).
 */
export interface MonitoringProps {
  /**
   * Creates the PodMonitor. Without it your own scrape config must add the same target labels (`namespace` and the
   * selected pod labels, sanitized) for the alerts and the dashboard to find the series.
   * @default true
   */
  readonly podMonitor?: boolean;
  /**
   * The gRPC error-rate alert; false for none.
   * @default - an alert above 5 % of calls for 5 minutes
   */
  readonly errorRateAlert?: ErrorRateAlertProps | false;
  /**
   * The p99 latency alert; false for none.
   * @default - an alert above 1000 ms for 10 minutes
   */
  readonly latencyAlert?: LatencyAlertProps | false;
  /**
   * The "no ready endpoints" alert; false for none.
   * @default - an alert after 2 minutes without a ready endpoint (with a mesh, only when the service runs its
   *   `workload`: a selector names no Deployment)
   */
  readonly noReadyEndpointsAlert?: NoReadyEndpointsAlertProps | false;
  /**
   * Creates a ConfigMap labelled `grafana_dashboard: "1"` (the Grafana sidecar's convention) with a dashboard of
   * calls per second, error share and p99 latency, per method and per backend where the data plane has the labels.
   * @default true
   */
  readonly dashboard?: boolean;
  /**
   * Labels on the monitoring objects, e.g. the `release` label a Prometheus selects them by.
   * @default - none
   */
  readonly labels?: Readonly<Record<string, string>>;
}

/** The API version of the Prometheus operator's kinds. */
export const MONITORING_API_VERSION = 'monitoring.coreos.com/v1';
/** Window of the `rate()`s of the alerts and the dashboard. */
export const RATE_WINDOW = '5m';
/** The label the Grafana sidecar finds dashboards by, with its value. */
export const GRAFANA_DASHBOARD_LABEL = { grafana_dashboard: '1' } as const;
