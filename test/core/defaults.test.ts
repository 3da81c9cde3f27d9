import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ts from 'typescript';
import * as d from '../../src/core/defaults';

const SRC = join(__dirname, '..', '..', 'src');

interface PropDoc { readonly optional: boolean; readonly doc: string; readonly defaultTag?: string }

/** Reads every exported interface of src/ with the doc and `@default` tag of each property. */
function readInterfaces(): Map<string, Map<string, PropDoc>> {
  const result = new Map<string, Map<string, PropDoc>>();
  const files = readdirSync(SRC, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
  for (const file of files) {
    const source = ts.createSourceFile(file, readFileSync(join(SRC, file), 'utf8'), ts.ScriptTarget.ES2022, true);
    source.forEachChild((node) => {
      if (!ts.isInterfaceDeclaration(node)) return;
      const props = new Map<string, PropDoc>();
      for (const member of node.members) {
        if (!ts.isPropertySignature(member)) continue;
        const tag = ts.getJSDocTags(member).find((t) => t.tagName.text === 'default');
        const doc = ts.getJSDocCommentsAndTags(member).map((j) => ts.getTextOfJSDocComment((j as ts.JSDoc).comment) ?? '').join('');
        props.set(member.name.getText(), { optional: !!member.questionToken, doc, defaultTag: tag && ts.getTextOfJSDocComment(tag.comment)?.trim() });
      }
      result.set(node.name.text, props);
    });
  }
  return result;
}

const interfaces = readInterfaces();
const USER_FACING = /(Props|Options|Policy)$/;

describe('props documentation', () => {
  test('documents every field of every props, options and policy type, and gives every optional one a @default', () => {
    const missing: string[] = [];
    for (const [name, props] of interfaces) {
      if (!USER_FACING.test(name) || name.startsWith('Resolved')) continue;
      for (const [prop, info] of props) {
        if (!info.doc.trim()) missing.push(`${name}.${prop}: no doc comment`);
        if (info.optional && !info.defaultTag) missing.push(`${name}.${prop}: no @default`);
      }
    }
    expect(missing).toEqual([]);
  });

  test.each([
    ['GrpcMeshServiceProps', 'clusterDomain', d.DEFAULT_CLUSTER_DOMAIN],
    ['WorkloadProps', 'replicas', d.DEFAULT_WORKLOAD_REPLICAS],
    ['WorkloadProps', 'preStopDelaySeconds', d.DEFAULT_PRE_STOP_DELAY_SECONDS],
    ['WorkloadProps', 'runAsUser', d.DEFAULT_RUN_AS_USER],
    ['BalancerDataPlaneOptions', 'replicas', d.DEFAULT_BALANCER_REPLICAS],
    ['EnvoyDataPlaneOptions', 'image', d.DEFAULT_ENVOY_IMAGE],
    ['BalancerDataPlaneOptions', 'serviceType', d.DEFAULT_BALANCER_SERVICE_TYPE],
    ['BalancerDataPlaneOptions', 'dnsRefreshMs', d.DEFAULT_DNS_REFRESH_MS],
    ['BalancerDataPlaneOptions', 'drainSeconds', d.DEFAULT_BALANCER_DRAIN_SECONDS],
    ['EnvoyDataPlaneOptions', 'logLevel', d.DEFAULT_ENVOY_LOG_LEVEL],
    ['BalancerDataPlaneOptions', 'accessLog', d.DEFAULT_BALANCER_ACCESS_LOG],
    ['ProxyDataPlaneOptions', 'logLevel', d.DEFAULT_PROXY_LOG_LEVEL],
    ['EnvoyGatewayTierOptions', 'image', d.DEFAULT_ENVOY_IMAGE],
    ['EnvoyGatewayTierOptions', 'logLevel', d.DEFAULT_ENVOY_LOG_LEVEL],
    ['ProxyGatewayOptions', 'logLevel', d.DEFAULT_PROXY_LOG_LEVEL],
    ['MonitoringProps', 'podMonitor', d.DEFAULT_POD_MONITOR],
    ['MonitoringProps', 'dashboard', d.DEFAULT_DASHBOARD],
    ['ErrorRateAlertProps', 'thresholdPercent', d.DEFAULT_ERROR_RATE_PERCENT],
    ['ErrorRateAlertProps', 'forMinutes', d.DEFAULT_ERROR_RATE_FOR_MINUTES],
    ['ErrorRateAlertProps', 'severity', d.DEFAULT_ALERT_SEVERITY],
    ['LatencyAlertProps', 'thresholdMs', d.DEFAULT_LATENCY_THRESHOLD_MS],
    ['LatencyAlertProps', 'forMinutes', d.DEFAULT_LATENCY_FOR_MINUTES],
    ['LatencyAlertProps', 'severity', d.DEFAULT_ALERT_SEVERITY],
    ['NoReadyEndpointsAlertProps', 'forMinutes', d.DEFAULT_NO_ENDPOINTS_FOR_MINUTES],
    ['NoReadyEndpointsAlertProps', 'severity', d.DEFAULT_NO_ENDPOINTS_SEVERITY],
    ['TrafficPolicy', 'loadBalancer', d.DEFAULT_LOAD_BALANCER],
    ['RetryPolicy', 'backoffBaseMs', d.DEFAULT_RETRY_BASE_INTERVAL_MS],
    ['RetryPolicy', 'backoffMaxMs', d.DEFAULT_RETRY_MAX_INTERVAL_MS],
    ['TimeoutPolicy', 'streamIdleMs', d.DEFAULT_STREAM_IDLE_TIMEOUT_MS],
    ['TimeoutPolicy', 'connectMs', d.DEFAULT_CONNECT_TIMEOUT_MS],
    ['CircuitBreakerPolicy', 'maxConcurrentCalls', d.DEFAULT_MAX_CONCURRENT_CALLS],
    ['CircuitBreakerPolicy', 'maxPendingCalls', d.DEFAULT_MAX_PENDING_CALLS],
    ['CircuitBreakerPolicy', 'maxConnections', d.DEFAULT_MAX_CONNECTIONS],
    ['CircuitBreakerPolicy', 'maxConcurrentRetries', d.DEFAULT_MAX_CONCURRENT_RETRIES],
    ['OutlierDetectionPolicy', 'consecutiveErrors', d.DEFAULT_OUTLIER_CONSECUTIVE_ERRORS],
    ['OutlierDetectionPolicy', 'intervalMs', d.DEFAULT_OUTLIER_INTERVAL_MS],
    ['OutlierDetectionPolicy', 'baseEjectionTimeMs', d.DEFAULT_OUTLIER_BASE_EJECTION_MS],
    ['OutlierDetectionPolicy', 'maxEjectionPercent', d.DEFAULT_OUTLIER_MAX_EJECTION_PERCENT],
    ['HealthCheckPolicy', 'intervalMs', d.DEFAULT_HEALTH_CHECK_INTERVAL_MS],
    ['HealthCheckPolicy', 'timeoutMs', d.DEFAULT_HEALTH_CHECK_TIMEOUT_MS],
    ['HealthCheckPolicy', 'unhealthyThreshold', d.DEFAULT_UNHEALTHY_THRESHOLD],
    ['HealthCheckPolicy', 'healthyThreshold', d.DEFAULT_HEALTHY_THRESHOLD],
    ['ClientCertificateProps', 'caKey', d.CA_BUNDLE_KEY],
  ])('documents %s.%s with the value of its named default constant', (iface, prop, constant) => {
    const tag = interfaces.get(iface)?.get(prop)?.defaultTag;
    const expected = typeof constant === 'string' ? `'${constant}'` : String(constant);
    expect(tag).toBe(expected);
  });

  test.each(['ProxyDataPlaneOptions', 'ProxyGatewayOptions', 'ProxyDataPlaneArgs', 'ProxyGatewayArgs'])(
    'documents %s.image as the image of this package\'s release, in its named repository', (iface) => {
      expect(interfaces.get(iface)?.get('image')?.defaultTag).toBe(`- \`${d.PROXY_IMAGE_REPOSITORY}:<version of this package>\``);
    });
});
