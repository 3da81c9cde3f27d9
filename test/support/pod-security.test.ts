import { checkRestrictedPodSecurity, podSpecsOf } from './pod-security';

/* eslint-disable @typescript-eslint/no-explicit-any -- the tests edit plain pod spec JSON in place */

const WHERE = 'Deployment/shop/users spec.template.spec';

/** A pod spec that meets the restricted profile, with the security context set at both levels. */
function compliantPodSpec(): any {
  return {
    securityContext: { runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: 'RuntimeDefault' } },
    initContainers: [{
      name: 'migrate',
      image: 'registry.example.com/users-migrate:1.2.3',
      securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
    }],
    containers: [{
      name: 'users',
      image: 'registry.example.com/users:1.2.3',
      ports: [{ name: 'grpc', containerPort: 50051 }],
      readinessProbe: { grpc: { port: 50051 } },
      livenessProbe: { httpGet: { port: 8080, path: '/healthz', host: '127.0.0.1' } },
      securityContext: {
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] },
        appArmorProfile: { type: 'RuntimeDefault' },
        seLinuxOptions: { type: 'container_t', level: 's0:c123,c456' },
      },
      volumeMounts: [{ name: 'config', mountPath: '/etc/users' }, { name: 'tmp', mountPath: '/tmp' }],
    }],
    volumes: [{ name: 'config', configMap: { name: 'users-config' } }, { name: 'tmp', emptyDir: {} }],
  };
}

function problemsAfter(edit: (spec: any) => void): string[] {
  const spec = compliantPodSpec();
  edit(spec);
  return checkRestrictedPodSecurity(spec, WHERE);
}

function mainContainer(spec: any): any {
  return spec.containers[0];
}

describe('checkRestrictedPodSecurity', () => {
  test('accepts a pod spec that meets the restricted profile', () => {
    expect(checkRestrictedPodSecurity(compliantPodSpec(), WHERE)).toEqual([]);
  });

  test.each<[string, (spec: any) => void, string]>([
    ['a container that does not drop ALL capabilities',
      (spec) => { mainContainer(spec).securityContext.capabilities.drop = ['NET_RAW']; },
      'container "users": securityContext.capabilities.drop must include "ALL"'],
    ['a container that adds a capability other than NET_BIND_SERVICE',
      (spec) => { mainContainer(spec).securityContext.capabilities.add = ['NET_ADMIN']; },
      'container "users": securityContext.capabilities.add may only contain NET_BIND_SERVICE (found NET_ADMIN)'],
    ['a privileged container',
      (spec) => { mainContainer(spec).securityContext.privileged = true; },
      'container "users": securityContext.privileged must not be true'],
    ['an init container that leaves allowPrivilegeEscalation unset',
      (spec) => { delete spec.initContainers[0].securityContext.allowPrivilegeEscalation; },
      'initContainer "migrate": securityContext.allowPrivilegeEscalation must be false'],
    ['a pod that runs as user 0',
      (spec) => { spec.securityContext.runAsUser = 0; },
      'securityContext.runAsUser must not be 0'],
    ['a container that runs as user 0',
      (spec) => { mainContainer(spec).securityContext.runAsUser = 0; },
      'container "users": securityContext.runAsUser must not be 0'],
    ['a hostPath volume',
      (spec) => { spec.volumes[1] = { name: 'tmp', hostPath: { path: '/tmp' } }; },
      'volumes[1] ("tmp") uses volume type hostPath; allowed: configMap, csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, projected, secret'],
    ['a pod on the host network',
      (spec) => { spec.hostNetwork = true; },
      'hostNetwork must not be true'],
    ['a host port',
      (spec) => { mainContainer(spec).ports[0].hostPort = 50051; },
      'container "users": ports[0].hostPort must be unset or 0'],
    ['an unsafe sysctl',
      (spec) => { spec.securityContext.sysctls = [{ name: 'net.core.somaxconn', value: '1024' }]; },
      'securityContext.sysctls[0] ("net.core.somaxconn") is not a safe sysctl'],
    ['an Unconfined seccomp profile on a container',
      (spec) => { mainContainer(spec).securityContext.seccompProfile = { type: 'Unconfined' }; },
      'container "users": securityContext.seccompProfile.type must be RuntimeDefault or Localhost (found Unconfined)'],
    ['an Unconfined AppArmor profile',
      (spec) => { mainContainer(spec).securityContext.appArmorProfile.type = 'Unconfined'; },
      'container "users": securityContext.appArmorProfile.type must be RuntimeDefault or Localhost (found Unconfined)'],
    ['a custom SELinux type',
      (spec) => { mainContainer(spec).securityContext.seLinuxOptions.type = 'spc_t'; },
      'container "users": securityContext.seLinuxOptions.type must be one of container_t, container_init_t, container_kvm_t, container_engine_t (found spc_t)'],
    ['an unmasked /proc mount',
      (spec) => { mainContainer(spec).securityContext.procMount = 'Unmasked'; },
      'container "users": securityContext.procMount must be unset or Default'],
    ['a probe that targets another host',
      (spec) => { mainContainer(spec).livenessProbe.httpGet.host = '10.0.0.1'; },
      'container "users": livenessProbe.httpGet.host must be unset, 127.0.0.1 or ::1 (found 10.0.0.1)'],
  ])('reports %s', (_behaviour, edit, problem) => {
    expect(problemsAfter(edit)).toEqual([`${WHERE}: ${problem}`]);
  });

  test('reports runAsNonRoot unset on both the pod and the container, once per container', () => {
    expect(problemsAfter((spec) => { delete spec.securityContext.runAsNonRoot; })).toEqual([
      `${WHERE}: initContainer "migrate": securityContext.runAsNonRoot must be true (on the container or the pod)`,
      `${WHERE}: container "users": securityContext.runAsNonRoot must be true (on the container or the pod)`,
    ]);
  });

  test('reports a container that sets runAsNonRoot to false although the pod sets it to true', () => {
    expect(problemsAfter((spec) => { mainContainer(spec).securityContext.runAsNonRoot = false; })).toEqual([
      `${WHERE}: container "users": securityContext.runAsNonRoot must not be false`,
    ]);
  });

  test('reports a missing seccomp profile for the containers that do not set one', () => {
    expect(problemsAfter((spec) => {
      delete spec.securityContext.seccompProfile;
      mainContainer(spec).securityContext.seccompProfile = { type: 'Localhost', localhostProfile: 'profiles/users.json' };
    })).toEqual([
      `${WHERE}: initContainer "migrate": securityContext.seccompProfile.type must be RuntimeDefault or Localhost (on the container or the pod)`,
    ]);
  });

  test('accepts runAsNonRoot and seccomp set on every container instead of the pod', () => {
    expect(problemsAfter((spec) => {
      delete spec.securityContext;
      for (const container of [...spec.initContainers, ...spec.containers]) {
        Object.assign(container.securityContext, { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
      }
    })).toEqual([]);
  });

  test('checks ephemeral containers too, with what they inherit from the pod', () => {
    expect(problemsAfter((spec) => { spec.ephemeralContainers = [{ name: 'debug', image: 'busybox' }]; })).toEqual([
      `${WHERE}: ephemeralContainer "debug": securityContext.allowPrivilegeEscalation must be false`,
      `${WHERE}: ephemeralContainer "debug": securityContext.capabilities.drop must include "ALL"`,
    ]);
  });
});

describe('podSpecsOf', () => {
  test('finds the pod specs of workloads and pods, and skips other kinds', () => {
    const spec = compliantPodSpec();
    const objects = [
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'users', namespace: 'shop' }, spec: { template: { spec } } },
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'users', namespace: 'shop' }, spec: { ports: [] } },
      { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'cleanup' }, spec: { jobTemplate: { spec: { template: { spec } } } } },
      { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'debug', namespace: 'shop' }, spec },
      { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'no-template' }, spec: {} },
    ];
    expect(podSpecsOf(objects)).toEqual([
      { where: 'Deployment/shop/users spec.template.spec', spec },
      { where: 'CronJob/-/cleanup spec.jobTemplate.spec.template.spec', spec },
      { where: 'Pod/shop/debug spec', spec },
    ]);
  });
});
