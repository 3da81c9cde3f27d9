import type { GrpcMeshServiceModel } from './grpc-mesh-service';
import type { KubeObject } from './kube';
import { ENVOY_SERVICE_CLUSTER } from './render/envoy-bootstrap';
import type { IssueCollector } from './validation';

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

/** Prometheus operator objects for a service: a PodMonitor for the balancer and an error-rate alert. */
export interface MonitoringProps {
  /**
   * Creates a PodMonitor that scrapes the Envoy balancer's metrics (`DataPlane.envoy()` only; meshes scrape
   * their proxies themselves).
   * @default true
   */
  readonly podMonitor?: boolean;
  /**
   * Creates a PrometheusRule with a gRPC error-rate alert; false for none.
   * @default - an alert at 5 % for 5 minutes
   */
  readonly errorRateAlert?: ErrorRateAlertProps | false;
  /**
   * Labels on the monitoring objects, e.g. the `release` label a Prometheus selects them by.
   * @default - none
   */
  readonly labels?: Readonly<Record<string, string>>;
}

/** The API version of the Prometheus operator's kinds. */
export const MONITORING_API_VERSION = 'monitoring.coreos.com/v1';
/** Default threshold of the error-rate alert, in percent. */
export const DEFAULT_ERROR_RATE_PERCENT = 5;
/** Default duration of the error-rate alert, in minutes. */
export const DEFAULT_ERROR_RATE_FOR_MINUTES = 5;
/** Default severity of the error-rate alert. */
export const DEFAULT_ALERT_SEVERITY = 'warning';

/** Validates monitoring props against the data plane that must provide the metrics. */
export function validateMonitoring(
  issues: IssueCollector, monitoring: MonitoringProps | undefined, dataPlane: string, ownsWorkload: boolean,
): void {
  if (!monitoring) return;
  issues.labels('monitoring.labels', monitoring.labels);
  const alert = monitoring.errorRateAlert;
  if (alert) {
    issues.integerInRange('monitoring.errorRateAlert.thresholdPercent', alert.thresholdPercent, 1, 100);
    issues.integerInRange('monitoring.errorRateAlert.forMinutes', alert.forMinutes, 1, 1440);
  }
  const hint = 'Use DataPlane.envoy(), DataPlane.istio() or DataPlane.linkerd() (with workload), or remove monitoring.';
  issues.require(dataPlane !== 'none', {
    code: 'MONITORING_WITHOUT_METRICS',
    path: 'monitoring',
    value: monitoring,
    message: 'needs gRPC metrics, and DataPlane.none() has no proxy that records them',
    hint,
  });
  issues.require(dataPlane !== 'linkerd' || ownsWorkload, {
    code: 'MONITORING_WITHOUT_METRICS',
    path: 'monitoring',
    value: monitoring,
    message: 'needs the Deployment name to select Linkerd\'s metrics, and selector names no Deployment',
    hint,
  });
  issues.require(monitoring.podMonitor === false || dataPlane === 'envoy' || monitoring.podMonitor === undefined, {
    code: 'UNSUPPORTED_BY_DATA_PLANE',
    path: 'monitoring.podMonitor',
    value: true,
    message: `has nothing to scrape with DataPlane.${dataPlane}(): the mesh scrapes its proxies itself`,
  });
}

/** Renders the PodMonitor and PrometheusRule of a service, as its `monitoring` props ask. */
export function renderMonitoring(model: GrpcMeshServiceModel, monitoring: MonitoringProps | undefined): KubeObject[] {
  if (!monitoring) return [];
  const labels = { ...monitoring.labels, ...model.labels };
  const objects: KubeObject[] = [];
  if (model.dataPlane.kind === 'envoy' && monitoring.podMonitor !== false) {
    objects.push({
      apiVersion: MONITORING_API_VERSION,
      kind: 'PodMonitor',
      metadata: { name: model.dataPlane.name, namespace: model.namespace, labels },
      spec: {
        selector: { matchLabels: model.dataPlane.selector },
        podMetricsEndpoints: [{ port: 'metrics', path: '/stats/prometheus' }],
      },
    });
  }
  if (monitoring.errorRateAlert !== false) objects.push(errorRateRule(model, monitoring.errorRateAlert ?? {}, labels));
  return objects;
}

function errorRateRule(model: GrpcMeshServiceModel, alert: ErrorRateAlertProps, labels: Record<string, string>): KubeObject {
  const percent = alert.thresholdPercent ?? DEFAULT_ERROR_RATE_PERCENT;
  const minutes = alert.forMinutes ?? DEFAULT_ERROR_RATE_FOR_MINUTES;
  const { failed, total } = errorRateSeries(model);
  return {
    apiVersion: MONITORING_API_VERSION,
    kind: 'PrometheusRule',
    metadata: { name: `${model.name}-grpc-errors`, namespace: model.namespace, labels },
    spec: {
      groups: [{
        name: `${model.namespace}.${model.name}.grpc`,
        rules: [{
          alert: 'GrpcHighErrorRate',
          expr: `(sum(rate(${failed}[5m])) / sum(rate(${total}[5m]))) > ${percent / 100}`,
          for: `${minutes}m`,
          labels: { severity: alert.severity ?? DEFAULT_ALERT_SEVERITY, service: model.name, namespace: model.namespace },
          annotations: {
            summary: `More than ${percent}% of gRPC calls to ${model.namespace}/${model.name} fail.`,
            description: `The share of calls to ${model.serviceFqdn} that ended with a non-OK gRPC status `
              + `stayed above ${percent}% for ${minutes} minutes.`,
          },
        }],
      }],
    },
  };
}

/** PromQL series of failed and of all calls, from the metrics of the service's data plane. */
function errorRateSeries(model: GrpcMeshServiceModel): { failed: string; total: string } {
  const ns = model.namespace;
  if (model.dataPlane.kind === 'istio') {
    const base = `reporter="destination",destination_service="${model.serviceFqdn}",request_protocol="grpc"`;
    return { failed: `istio_requests_total{${base},grpc_response_status!="0"}`, total: `istio_requests_total{${base}}` };
  }
  if (model.dataPlane.kind === 'linkerd') {
    const base = `direction="inbound",namespace="${ns}",deployment="${model.name}"`;
    return { failed: `response_total{${base},classification="failure"}`, total: `response_total{${base}}` };
  }
  const envoy = model.dataPlane.kind === 'envoy' ? model.dataPlane.name : model.name;
  const base = `namespace="${ns}",pod=~"${envoy}-.*",envoy_cluster_name="${ENVOY_SERVICE_CLUSTER}"`;
  return { failed: `envoy_cluster_grpc_failure{${base}}`, total: `envoy_cluster_grpc_total{${base}}` };
}
