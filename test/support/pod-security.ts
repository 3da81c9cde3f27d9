/**
 * A checker for the "restricted" Pod Security Standard (latest version, as enforced by Kubernetes 1.35
 * Pod Security Admission), which includes every "baseline" control.
 * See https://kubernetes.io/docs/concepts/security/pod-security-standards/.
 */
import { objectLabel } from './k8s-validator';

/** Volume types the restricted profile allows. */
const ALLOWED_VOLUME_TYPES = new Set(['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret']);
const ALLOWED_SECCOMP_TYPES = new Set(['RuntimeDefault', 'Localhost']);
const ALLOWED_APPARMOR_TYPES = new Set(['RuntimeDefault', 'Localhost']);
const ALLOWED_SELINUX_TYPES = new Set(['', 'container_t', 'container_init_t', 'container_kvm_t', 'container_engine_t']);
const ALLOWED_ADDED_CAPABILITIES = new Set(['NET_BIND_SERVICE']);
/** Hosts a probe or lifecycle handler may name (baseline, 1.34+); unset and "" are allowed too. */
const ALLOWED_HANDLER_HOSTS = new Set(['', '127.0.0.1', '::1']);
const SAFE_SYSCTLS = new Set([
  'kernel.shm_rmid_forced',
  'net.ipv4.ip_local_port_range',
  'net.ipv4.ip_unprivileged_port_start',
  'net.ipv4.tcp_syncookies',
  'net.ipv4.ping_group_range',
  'net.ipv4.ip_local_reserved_ports',
  'net.ipv4.tcp_keepalive_time',
  'net.ipv4.tcp_fin_timeout',
  'net.ipv4.tcp_keepalive_intvl',
  'net.ipv4.tcp_keepalive_probes',
]);

/** Where the pod spec of each workload kind lives. */
const POD_SPEC_PATHS: Record<string, readonly string[]> = {
  Pod: ['spec'],
  Deployment: ['spec', 'template', 'spec'],
  StatefulSet: ['spec', 'template', 'spec'],
  DaemonSet: ['spec', 'template', 'spec'],
  ReplicaSet: ['spec', 'template', 'spec'],
  Job: ['spec', 'template', 'spec'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
};

/** The security-relevant fields of a pod spec. */
export interface PodSpec {
  readonly hostNetwork?: boolean;
  readonly hostPID?: boolean;
  readonly hostIPC?: boolean;
  readonly securityContext?: PodSecurityContext;
  readonly volumes?: ReadonlyArray<{ readonly name: string }>;
  readonly containers?: readonly Container[];
  readonly initContainers?: readonly Container[];
  readonly ephemeralContainers?: readonly Container[];
}

/** Security context fields that pods and containers share. */
interface SharedSecurityContext {
  readonly runAsNonRoot?: boolean;
  readonly runAsUser?: number;
  readonly seccompProfile?: { readonly type?: string };
  readonly appArmorProfile?: { readonly type?: string };
  readonly seLinuxOptions?: { readonly type?: string; readonly user?: string; readonly role?: string };
  readonly windowsOptions?: { readonly hostProcess?: boolean };
}

interface PodSecurityContext extends SharedSecurityContext {
  readonly sysctls?: ReadonlyArray<{ readonly name: string }>;
}

interface ContainerSecurityContext extends SharedSecurityContext {
  readonly privileged?: boolean;
  readonly allowPrivilegeEscalation?: boolean;
  readonly capabilities?: { readonly add?: readonly string[]; readonly drop?: readonly string[] };
  readonly procMount?: string;
}

interface Handler {
  readonly httpGet?: { readonly host?: string };
  readonly tcpSocket?: { readonly host?: string };
}

interface Container {
  readonly name: string;
  readonly securityContext?: ContainerSecurityContext;
  readonly ports?: ReadonlyArray<{ readonly hostPort?: number }>;
  readonly livenessProbe?: Handler;
  readonly readinessProbe?: Handler;
  readonly startupProbe?: Handler;
  readonly lifecycle?: { readonly postStart?: Handler; readonly preStop?: Handler };
}

/** A pod spec found in a manifest, and where: `<Kind>/<namespace>/<name> <path>`. */
export interface LocatedPodSpec {
  readonly where: string;
  readonly spec: PodSpec;
}

/** Records a violation of `field` (relative to the pod spec or container). */
type Report = (field: string, message: string) => void;

/**
 * Checks a pod spec against the restricted Pod Security Standard. Returns one line per violation,
 * `<where>: [container "<name>": ]<field> <requirement>`; empty when the pod spec complies.
 * Not covered: the legacy AppArmor annotations (they live in the pod's metadata) and Windows pods.
 */
export function checkRestrictedPodSecurity(podSpec: PodSpec, where: string): string[] {
  const problems: string[] = [];
  const podReport: Report = (field, message) => problems.push(`${where}: ${field} ${message}`);
  checkPodLevel(podSpec, podReport);
  const podContext = podSpec.securityContext ?? {};
  for (const [containerType, containers] of [
    ['initContainer', podSpec.initContainers],
    ['container', podSpec.containers],
    ['ephemeralContainer', podSpec.ephemeralContainers],
  ] as const) {
    for (const container of containers ?? []) {
      const containerReport: Report = (field, message) => podReport(`${containerType} "${container.name}": ${field}`, message);
      checkContainer(container, podContext, containerReport);
    }
  }
  return problems;
}

/** The pod specs of the Pods, Deployments, StatefulSets, DaemonSets, ReplicaSets, Jobs and CronJobs among `objects`. */
export function podSpecsOf(objects: readonly unknown[]): LocatedPodSpec[] {
  return objects.flatMap((object) => {
    const specPath = isRecord(object) && typeof object.kind === 'string' ? POD_SPEC_PATHS[object.kind] : undefined;
    if (specPath === undefined) return [];
    const spec = specPath.reduce<unknown>((value, key) => (isRecord(value) ? value[key] : undefined), object);
    return isRecord(spec) ? [{ where: `${objectLabel(object)} ${specPath.join('.')}`, spec: spec as PodSpec }] : [];
  });
}

/** Host namespaces, volume types, sysctls and the pod-level security context. */
function checkPodLevel(podSpec: PodSpec, report: Report): void {
  for (const field of ['hostNetwork', 'hostPID', 'hostIPC'] as const) {
    if (podSpec[field] === true) report(field, 'must not be true');
  }
  podSpec.volumes?.forEach((volume, index) => {
    const type = Object.keys(volume).find((key) => key !== 'name');
    if (type !== undefined && !ALLOWED_VOLUME_TYPES.has(type)) {
      report(`volumes[${index}]`, `("${volume.name}") uses volume type ${type}; allowed: ${[...ALLOWED_VOLUME_TYPES].join(', ')}`);
    }
  });
  const context = podSpec.securityContext ?? {};
  context.sysctls?.forEach((sysctl, index) => {
    if (!SAFE_SYSCTLS.has(sysctl.name)) report(`securityContext.sysctls[${index}]`, `("${sysctl.name}") is not a safe sysctl`);
  });
  checkSharedSecurityContext(context, report);
}

/** The container's security context, with what it inherits from the pod, its host ports and its handler hosts. */
function checkContainer(container: Container, podContext: PodSecurityContext, report: Report): void {
  const context = container.securityContext ?? {};
  checkSharedSecurityContext(context, report);
  if (context.privileged === true) report('securityContext.privileged', 'must not be true');
  if (context.allowPrivilegeEscalation !== false) report('securityContext.allowPrivilegeEscalation', 'must be false');
  if (!context.capabilities?.drop?.includes('ALL')) report('securityContext.capabilities.drop', 'must include "ALL"');
  const added = (context.capabilities?.add ?? []).filter((capability) => !ALLOWED_ADDED_CAPABILITIES.has(capability));
  if (added.length > 0) report('securityContext.capabilities.add', `may only contain NET_BIND_SERVICE (found ${added.join(', ')})`);
  if (context.procMount !== undefined && context.procMount !== 'Default') report('securityContext.procMount', 'must be unset or Default');
  if (context.runAsNonRoot === undefined && podContext.runAsNonRoot !== true) {
    report('securityContext.runAsNonRoot', 'must be true (on the container or the pod)');
  }
  if (context.seccompProfile === undefined && !ALLOWED_SECCOMP_TYPES.has(podContext.seccompProfile?.type ?? '')) {
    report('securityContext.seccompProfile.type', 'must be RuntimeDefault or Localhost (on the container or the pod)');
  }
  container.ports?.forEach((port, index) => {
    if (port.hostPort !== undefined && port.hostPort !== 0) report(`ports[${index}].hostPort`, 'must be unset or 0');
  });
  checkHandlerHosts(container, report);
}

/** The fields pod and container security contexts share, as set at this level. */
function checkSharedSecurityContext(context: SharedSecurityContext, report: Report): void {
  if (context.runAsNonRoot === false) report('securityContext.runAsNonRoot', 'must not be false');
  if (context.runAsUser === 0) report('securityContext.runAsUser', 'must not be 0');
  const seccompType = context.seccompProfile?.type;
  if (context.seccompProfile !== undefined && !ALLOWED_SECCOMP_TYPES.has(seccompType ?? '')) {
    report('securityContext.seccompProfile.type', `must be RuntimeDefault or Localhost (found ${seccompType ?? 'none'})`);
  }
  const appArmorType = context.appArmorProfile?.type;
  if (appArmorType !== undefined && !ALLOWED_APPARMOR_TYPES.has(appArmorType)) {
    report('securityContext.appArmorProfile.type', `must be RuntimeDefault or Localhost (found ${appArmorType})`);
  }
  const seLinux = context.seLinuxOptions ?? {};
  if (seLinux.type !== undefined && !ALLOWED_SELINUX_TYPES.has(seLinux.type)) {
    report('securityContext.seLinuxOptions.type', `must be one of container_t, container_init_t, container_kvm_t, container_engine_t (found ${seLinux.type})`);
  }
  for (const field of ['user', 'role'] as const) {
    if (seLinux[field]) report(`securityContext.seLinuxOptions.${field}`, 'must not be set');
  }
  if (context.windowsOptions?.hostProcess === true) report('securityContext.windowsOptions.hostProcess', 'must not be true');
}

/** Probes and lifecycle handlers may only target the pod itself (baseline, 1.34+). */
function checkHandlerHosts(container: Container, report: Report): void {
  const handlers: Array<[string, Handler | undefined]> = [
    ['livenessProbe', container.livenessProbe],
    ['readinessProbe', container.readinessProbe],
    ['startupProbe', container.startupProbe],
    ['lifecycle.postStart', container.lifecycle?.postStart],
    ['lifecycle.preStop', container.lifecycle?.preStop],
  ];
  for (const [field, handler] of handlers) {
    for (const type of ['httpGet', 'tcpSocket'] as const) {
      const host = handler?.[type]?.host;
      if (host !== undefined && !ALLOWED_HANDLER_HOSTS.has(host)) report(`${field}.${type}.host`, `must be unset, 127.0.0.1 or ::1 (found ${host})`);
    }
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
