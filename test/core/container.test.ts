import { GrpcMeshValidationError, listGrpcMeshServiceManifests, type ContainerProps, type GrpcMeshServiceProps, type Volume } from '../../src/core';
import { USERS_PROPS } from '../support/fixtures';
import { at, render } from '../support/render';
import { problemsOf } from '../support/validate-all';

const WORKLOAD = USERS_PROPS.workload!;

const withContainer = (container: ContainerProps) => render({ workload: { ...WORKLOAD, ...container } });
const podSpecOf = (container: ContainerProps) => at(withContainer(container).workload!.deployment, 'spec', 'template', 'spec');
const serverOf = (container: ContainerProps) => podSpecOf(container).containers[0];

function codesOf(container: ContainerProps): Array<[string, string]> {
  try {
    withContainer(container);
    return [];
  } catch (error) {
    if (!GrpcMeshValidationError.isValidationError(error)) throw error;
    return error.issues.map((i) => [i.code, i.path]);
  }
}

/** Every pass-through at once: what a platform team's server typically needs. */
const FULL: ContainerProps = {
  env: {
    LOG_LEVEL: 'info',
    DATABASE_PASSWORD: { secretKeyRef: { name: 'users-db', key: 'password' } },
    FEATURE_FLAGS: { configMapKeyRef: { name: 'flags', key: 'users.json', optional: true } },
    POD_NAME: { fieldRef: { fieldPath: 'metadata.name' } },
    POD_VERSION: { fieldRef: { fieldPath: "metadata.labels['app.kubernetes.io/version']" } },
  },
  envFrom: [{ configMapRef: { name: 'users-config' } }, { prefix: 'DB_', secretRef: { name: 'users-db', optional: false } }],
  volumes: [
    { name: 'tls', secret: { secretName: 'users-tls', defaultMode: 0o440, items: [{ key: 'tls.crt', path: 'server.crt' }, { key: 'tls.key', path: 'server.key' }] } },
    { name: 'config', configMap: { name: 'users-config' } },
    { name: 'cache', emptyDir: { medium: 'Memory', sizeLimit: '128Mi' } },
    { name: 'data', persistentVolumeClaim: { claimName: 'users-data' } },
    { name: 'vault-token', projected: { sources: [{ serviceAccountToken: { path: 'token', audience: 'vault', expirationSeconds: 600 } }] } },
  ],
  volumeMounts: [
    { name: 'tls', mountPath: '/etc/tls' },
    { name: 'config', mountPath: '/etc/users/config.yaml', subPath: 'config.yaml' },
    { name: 'cache', mountPath: '/var/cache/users' },
    { name: 'data', mountPath: '/data' },
    { name: 'vault-token', mountPath: '/var/run/secrets/vault' },
    { name: 'data', mountPath: '/data-ro', readOnly: true },
  ],
};

describe('environment', () => {
  test('plain values stay `value`, references render as `valueFrom`, in the order given', () => {
    expect(serverOf(FULL).env).toEqual([
      { name: 'LOG_LEVEL', value: 'info' },
      { name: 'DATABASE_PASSWORD', valueFrom: { secretKeyRef: { name: 'users-db', key: 'password' } } },
      { name: 'FEATURE_FLAGS', valueFrom: { configMapKeyRef: { name: 'flags', key: 'users.json', optional: true } } },
      { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      { name: 'POD_VERSION', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app.kubernetes.io/version']" } } },
    ]);
  });

  test('whole Secrets and ConfigMaps become variables through envFrom', () => {
    expect(serverOf(FULL).envFrom).toEqual([{ configMapRef: { name: 'users-config' } }, { prefix: 'DB_', secretRef: { name: 'users-db', optional: false } }]);
    expect(serverOf({})).not.toHaveProperty('envFrom');
  });

  test('refuses a reference without exactly one source, an empty key and a pod field env cannot read', () => {
    expect(codesOf({
      env: {
        A: {},
        B: { secretKeyRef: { name: 'db', key: 'password' }, configMapKeyRef: { name: 'db', key: 'password' } },
        C: { secretKeyRef: { name: 'db', key: '' } },
        D: { configMapKeyRef: { name: 'Flags', key: 'a/b' } },
        E: { fieldRef: { fieldPath: 'spec.containers[0].image' } },
      },
    })).toEqual([
      ['INVALID_ENV_SOURCE', 'workload.env["A"]'],
      ['INVALID_ENV_SOURCE', 'workload.env["B"]'],
      ['INVALID_ENV_SOURCE', 'workload.env["C"].secretKeyRef.key'],
      ['INVALID_NAME', 'workload.env["D"].configMapKeyRef.name'],
      ['INVALID_ENV_SOURCE', 'workload.env["D"].configMapKeyRef.key'],
      ['INVALID_ENV_SOURCE', 'workload.env["E"].fieldRef.fieldPath'],
    ]);
    expect(codesOf({ envFrom: [{ prefix: '1_' }, { secretRef: { name: 'a' }, configMapRef: { name: 'a' } }] })).toEqual([
      ['INVALID_ENV_SOURCE', 'workload.envFrom[0]'],
      ['INVALID_ENV_NAME', 'workload.envFrom[0].prefix'],
      ['INVALID_ENV_SOURCE', 'workload.envFrom[1]'],
    ]);
  });
});

describe('volumes and mounts', () => {
  test('adds the volumes beside grpc-mesh\'s /tmp, and every mount names a volume of the pod', () => {
    const spec = podSpecOf(FULL);
    const volumes = spec.volumes.map((v: Volume) => v.name);
    expect(volumes).toEqual(['tmp', 'tls', 'config', 'cache', 'data', 'vault-token']);
    const mounts = spec.containers[0].volumeMounts;
    expect(mounts[0]).toEqual({ name: 'tmp', mountPath: '/tmp' });
    for (const mount of mounts) expect(volumes).toContain(mount.name);
    expect(spec.volumes.slice(1)).toEqual(FULL.volumes);
  });

  test('secret, configMap and projected volumes mount read-only unless the mount says otherwise; others read-write', () => {
    expect(serverOf(FULL).volumeMounts.slice(1)).toEqual([
      { name: 'tls', mountPath: '/etc/tls', readOnly: true },
      { name: 'config', mountPath: '/etc/users/config.yaml', subPath: 'config.yaml', readOnly: true },
      { name: 'cache', mountPath: '/var/cache/users' },
      { name: 'data', mountPath: '/data' },
      { name: 'vault-token', mountPath: '/var/run/secrets/vault', readOnly: true },
      { name: 'data', mountPath: '/data-ro', readOnly: true },
    ]);
    expect(serverOf({ volumes: [{ name: 'tls', secret: { secretName: 'users-tls' } }], volumeMounts: [{ name: 'tls', mountPath: '/tls', readOnly: false }] })
      .volumeMounts[1]).toEqual({ name: 'tls', mountPath: '/tls' });
  });

  test('every object validates against the Kubernetes 1.35 schemas and the pods stay restricted', () => {
    const manifests = withContainer(FULL);
    expect(problemsOf(listGrpcMeshServiceManifests(manifests).map((l) => l.manifest))).toEqual([]);
  });

  test('refuses undeclared, duplicate and reserved names, sources the restricted profile forbids, and bad paths', () => {
    expect(codesOf({
      volumes: [
        { name: 'tmp', emptyDir: {} },
        { name: 'certs', secret: { secretName: 'a' } },
        { name: 'certs', configMap: { name: 'b' } },
        { name: 'host', hostPath: { path: '/var/run/docker.sock' } } as unknown as Volume,
        { name: 'none' },
        { name: 'two', emptyDir: {}, secret: { secretName: 'a' } },
        { name: 'Token', projected: { sources: [{ serviceAccountToken: { path: '/abs', expirationSeconds: 60 } }] } },
        { name: 'grpc-mesh-tls', emptyDir: {} },
      ],
      volumeMounts: [
        { name: 'cache', mountPath: '/cache' },
        { name: 'certs', mountPath: 'certs' },
        { name: 'certs', mountPath: '/tmp/' },
        { name: 'certs', mountPath: '/certs', subPath: '../etc' },
        { name: 'certs', mountPath: '/certs' },
        { name: 'certs', mountPath: '/etc/grpc-mesh/tls' },
      ],
    })).toEqual([
      ['DUPLICATE_NAME', 'workload.volumes[0].name'],
      ['DUPLICATE_NAME', 'workload.volumes[2].name'],
      ['INVALID_VOLUME', 'workload.volumes[3].hostPath'],
      ['INVALID_VOLUME', 'workload.volumes[4]'],
      ['INVALID_VOLUME', 'workload.volumes[5]'],
      ['INVALID_NAME', 'workload.volumes[6].name'],
      ['INVALID_PATH', 'workload.volumes[6].projected.sources[0].serviceAccountToken.path'],
      ['OUT_OF_RANGE', 'workload.volumes[6].projected.sources[0].serviceAccountToken.expirationSeconds'],
      ['DUPLICATE_NAME', 'workload.volumes[7].name'],
      ['UNKNOWN_VOLUME', 'workload.volumeMounts[0].name'],
      ['INVALID_PATH', 'workload.volumeMounts[1].mountPath'],
      ['INVALID_PATH', 'workload.volumeMounts[2].mountPath'],
      ['INVALID_PATH', 'workload.volumeMounts[3].subPath'],
      ['INVALID_PATH', 'workload.volumeMounts[4].mountPath'],
      ['INVALID_PATH', 'workload.volumeMounts[5].mountPath'],
    ]);
  });

  test('a mount naming an undeclared volume says which are declared', () => {
    try {
      withContainer({ volumes: [{ name: 'tls', secret: { secretName: 'users-tls' } }], volumeMounts: [{ name: 'certs', mountPath: '/certs' }] });
      throw new Error('no error');
    } catch (error) {
      expect((error as Error).message).toContain('workload.volumeMounts[0].name names no volume of workload.volumes; got "certs". Declared volumes: tls.');
    }
  });
});

test('old string-only env props still type-check and render as before', () => {
  const props: GrpcMeshServiceProps = { ...USERS_PROPS, workload: { ...WORKLOAD, env: { A: 'x', B: 'y' } } };
  expect(serverOf(props.workload!).env).toEqual([{ name: 'A', value: 'x' }, { name: 'B', value: 'y' }]);
});
