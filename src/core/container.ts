import * as d from './defaults';
import { plain } from './pod';
import type { IssueCollector } from './validation';

/**
 * What the server container takes from its environment: variables (plain values, or references to Secrets,
 * ConfigMaps and the pod's own fields), whole Secrets and ConfigMaps as variables, and extra volumes with their
 * mounts. Shapes and field names are Kubernetes' own. Only the volume types the "restricted" Pod Security Standard
 * allows are offered.
 */
export interface ContainerProps {
  /**
   * Environment variables: a plain value, or a reference (`{ secretKeyRef: { name, key } }`,
   * `{ configMapKeyRef: { name, key } }`, `{ fieldRef: { fieldPath: 'metadata.name' } }`), written as `valueFrom`.
   * @default - none
   */
  readonly env?: Readonly<Record<string, EnvValue>>;
  /**
   * Every key of these Secrets and ConfigMaps as an environment variable, optionally prefixed; `env` wins on a clash.
   * @default - none
   */
  readonly envFrom?: readonly EnvFromSource[];
  /**
   * Extra volumes of the pods, mounted with `volumeMounts`. The name `tmp` is grpc-mesh's own (`/tmp`).
   * @default - none
   */
  readonly volumes?: readonly Volume[];
  /**
   * Where the server container mounts `volumes`.
   * @default - none
   */
  readonly volumeMounts?: readonly VolumeMount[];
}

/** The value of an environment variable: a plain string, or where to read it from. */
export type EnvValue = string | EnvVarSource;

/** Where an environment variable's value comes from (Kubernetes' `EnvVarSource`): exactly one field. */
export interface EnvVarSource {
  /**
   * A key of a Secret in the pods' namespace.
   * @default - not from a Secret
   */
  readonly secretKeyRef?: KeySelector;
  /**
   * A key of a ConfigMap in the pods' namespace.
   * @default - not from a ConfigMap
   */
  readonly configMapKeyRef?: KeySelector;
  /**
   * A field of the pod, e.g. `metadata.name`, `metadata.namespace`, `status.podIP` or `metadata.labels['app']`.
   * @default - not from the pod
   */
  readonly fieldRef?: ObjectFieldSelector;
}

/** A key of a Secret or ConfigMap (Kubernetes' `SecretKeySelector` and `ConfigMapKeySelector`). */
export interface KeySelector {
  /** The Secret's or ConfigMap's name. */
  readonly name: string;
  /** The key. */
  readonly key: string;
  /**
   * Whether the pod starts without it.
   * @default false
   */
  readonly optional?: boolean;
}

/** A field of the pod (Kubernetes' `ObjectFieldSelector`). */
export interface ObjectFieldSelector {
  /** Path of the field, e.g. `metadata.name`. */
  readonly fieldPath: string;
}

/** A whole Secret or ConfigMap as environment variables (Kubernetes' `EnvFromSource`): exactly one of the two refs. */
export interface EnvFromSource {
  /**
   * Prefix of every variable's name.
   * @default - none
   */
  readonly prefix?: string;
  /**
   * The Secret.
   * @default - not a Secret
   */
  readonly secretRef?: EnvFromReference;
  /**
   * The ConfigMap.
   * @default - not a ConfigMap
   */
  readonly configMapRef?: EnvFromReference;
}

/** A Secret or ConfigMap in the pods' namespace. */
export interface EnvFromReference {
  /** Its name. */
  readonly name: string;
  /**
   * Whether the pod starts without it.
   * @default false
   */
  readonly optional?: boolean;
}

/**
 * A volume of the pods (Kubernetes' `Volume`): a name and exactly one source, among those the "restricted" Pod
 * Security Standard allows.
 */
export interface Volume {
  /** Volume name (a DNS label), unique in the pod, not `tmp`. */
  readonly name: string;
  /**
   * A Secret's keys as files.
   * @default - another source
   */
  readonly secret?: SecretVolumeSource;
  /**
   * A ConfigMap's keys as files.
   * @default - another source
   */
  readonly configMap?: ConfigMapVolumeSource;
  /**
   * An empty directory that lives as long as the pod (the root filesystem is read-only).
   * @default - another source
   */
  readonly emptyDir?: EmptyDirVolumeSource;
  /**
   * A PersistentVolumeClaim in the pods' namespace.
   * @default - another source
   */
  readonly persistentVolumeClaim?: PersistentVolumeClaimVolumeSource;
  /**
   * Several sources in one directory, among them an audience-bound ServiceAccount token.
   * @default - another source
   */
  readonly projected?: ProjectedVolumeSource;
}

/** A Secret as a volume (Kubernetes' `SecretVolumeSource`). */
export interface SecretVolumeSource {
  /** The Secret's name. */
  readonly secretName: string;
  /**
   * Only these keys, at these paths.
   * @default - every key, at a path named after it
   */
  readonly items?: readonly KeyToPath[];
  /**
   * Mode of the files, e.g. `0o440`.
   * @default 0o644
   */
  readonly defaultMode?: number;
  /**
   * Whether the pod starts without the Secret.
   * @default false
   */
  readonly optional?: boolean;
}

/** A ConfigMap as a volume (Kubernetes' `ConfigMapVolumeSource`). */
export interface ConfigMapVolumeSource {
  /** The ConfigMap's name. */
  readonly name: string;
  /**
   * Only these keys, at these paths.
   * @default - every key, at a path named after it
   */
  readonly items?: readonly KeyToPath[];
  /**
   * Mode of the files, e.g. `0o444`.
   * @default 0o644
   */
  readonly defaultMode?: number;
  /**
   * Whether the pod starts without the ConfigMap.
   * @default false
   */
  readonly optional?: boolean;
}

/** A key of a Secret or ConfigMap as a file (Kubernetes' `KeyToPath`). */
export interface KeyToPath {
  /** The key. */
  readonly key: string;
  /** Relative path of the file. */
  readonly path: string;
  /**
   * Mode of the file.
   * @default - the volume's `defaultMode`
   */
  readonly mode?: number;
}

/** An empty directory (Kubernetes' `EmptyDirVolumeSource`). */
export interface EmptyDirVolumeSource {
  /**
   * `Memory` for a tmpfs (counted against the container's memory).
   * @default - the node's disk
   */
  readonly medium?: '' | 'Memory';
  /**
   * Most space it may use, a quantity such as `1Gi`.
   * @default - unbounded
   */
  readonly sizeLimit?: string;
}

/** A PersistentVolumeClaim as a volume (Kubernetes' `PersistentVolumeClaimVolumeSource`). */
export interface PersistentVolumeClaimVolumeSource {
  /** The claim's name. */
  readonly claimName: string;
  /**
   * Mounts it read-only.
   * @default false
   */
  readonly readOnly?: boolean;
}

/** Several sources projected into one directory (Kubernetes' `ProjectedVolumeSource`). */
export interface ProjectedVolumeSource {
  /** The sources (at least one). */
  readonly sources: readonly VolumeProjection[];
  /**
   * Mode of the files.
   * @default 0o644
   */
  readonly defaultMode?: number;
}

/** One source of a projected volume (Kubernetes' `VolumeProjection`): exactly one field. */
export interface VolumeProjection {
  /**
   * A ServiceAccount token for an audience (e.g. Vault, a cloud's workload identity), rotated by the kubelet. It is
   * mounted even with `automountServiceAccountToken: false`.
   * @default - another source
   */
  readonly serviceAccountToken?: ServiceAccountTokenProjection;
  /**
   * A Secret's keys.
   * @default - another source
   */
  readonly secret?: ObjectProjection;
  /**
   * A ConfigMap's keys.
   * @default - another source
   */
  readonly configMap?: ObjectProjection;
}

/** A Secret or ConfigMap in a projected volume (Kubernetes' `SecretProjection` and `ConfigMapProjection`). */
export interface ObjectProjection {
  /** Its name. */
  readonly name: string;
  /**
   * Only these keys, at these paths.
   * @default - every key
   */
  readonly items?: readonly KeyToPath[];
  /**
   * Whether the pod starts without it.
   * @default false
   */
  readonly optional?: boolean;
}

/** A ServiceAccount token in a projected volume (Kubernetes' `ServiceAccountTokenProjection`). */
export interface ServiceAccountTokenProjection {
  /** Relative path of the token file. */
  readonly path: string;
  /**
   * Audience of the token.
   * @default - the API server
   */
  readonly audience?: string;
  /**
   * Lifetime of the token, in seconds (at least 600); the kubelet renews it before.
   * @default 3600
   */
  readonly expirationSeconds?: number;
}

/** Where the server container mounts a volume (Kubernetes' `VolumeMount`). */
export interface VolumeMount {
  /** Name of a volume of `volumes`. */
  readonly name: string;
  /** Absolute path in the container, not `/tmp` (grpc-mesh's own). */
  readonly mountPath: string;
  /**
   * Mounts it read-only.
   * @default - true for a secret, configMap or projected volume (or a read-only claim), else false
   */
  readonly readOnly?: boolean;
  /**
   * A path inside the volume to mount instead of its root.
   * @default - the volume's root
   */
  readonly subPath?: string;
}

/** An environment variable of a container, as Kubernetes writes it. */
export interface EnvVar {
  /** Variable name. */
  readonly name: string;
  /** Its value, when plain. */
  readonly value?: string;
  /** Where the value comes from, when it is a reference. */
  readonly valueFrom?: EnvVarSource;
}

/** Names of the volume sources offered: those the "restricted" Pod Security Standard allows that the props type. */
const VOLUME_SOURCES = ['secret', 'configMap', 'emptyDir', 'persistentVolumeClaim', 'projected'] as const;
const READ_ONLY_SOURCES: ReadonlySet<string> = new Set(['secret', 'configMap', 'projected']);
const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;
/** What Kubernetes requires of a Secret or ConfigMap key. */
const CONFIG_KEY = /^[-._a-zA-Z0-9]+$/;
const DNS_1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** The pod fields an environment variable may read (the downward API of `env`). */
const ENV_FIELD_PATHS = [
  'metadata.name', 'metadata.namespace', 'metadata.uid', 'spec.nodeName', 'spec.serviceAccountName',
  'status.hostIP', 'status.hostIPs', 'status.podIP', 'status.podIPs',
];
const ENV_FIELD_MAP = /^metadata\.(labels|annotations)\['[^']+'\]$/;

/** Checks the container props at `path` (e.g. `workload`): names, exactly one source each, and the mounts' volumes. */
export function validateContainer(issues: IssueCollector, path: string, c: ContainerProps): void {
  for (const [name, value] of Object.entries(c.env ?? {})) {
    const envPath = `${path}.env["${name}"]`;
    issues.require(ENV_NAME.test(name), {
      code: 'INVALID_ENV_NAME', path: envPath, value: name, message: 'must be an environment variable name (letters, digits, \'_\', \'-\' and \'.\', not starting with a digit)',
    });
    if (typeof value !== 'string') validateEnvSource(issues, envPath, value);
  }
  (c.envFrom ?? []).forEach((source, i) => {
    const sourcePath = `${path}.envFrom[${i}]`;
    const refs = (['secretRef', 'configMapRef'] as const).filter((k) => source[k] !== undefined);
    if (exactlyOne(issues, sourcePath, refs, 'secretRef or configMapRef', 'INVALID_ENV_SOURCE')) issues.dns1123Subdomain(`${sourcePath}.${refs[0]}.name`, source[refs[0]]!.name);
    if (source.prefix !== undefined) {
      issues.require(ENV_NAME.test(source.prefix), {
        code: 'INVALID_ENV_NAME', path: `${sourcePath}.prefix`, value: source.prefix, message: 'must start an environment variable name (letters, digits, \'_\', \'-\' and \'.\', not starting with a digit)',
      });
    }
  });
  const volumes = validateVolumes(issues, `${path}.volumes`, c.volumes ?? []);
  const mountPaths = new Set<string>(Object.keys(RESERVED_MOUNT_PATHS));
  (c.volumeMounts ?? []).forEach((m, i) => {
    const mountPath = `${path}.volumeMounts[${i}]`;
    issues.require(volumes.has(m.name), {
      code: 'UNKNOWN_VOLUME',
      path: `${mountPath}.name`,
      value: m.name,
      message: `names no volume of ${path}.volumes`,
      hint: volumes.size > 0 ? `Declared volumes: ${[...volumes.keys()].join(', ')}.` : `Declare it in ${path}.volumes.`,
    });
    const normalized = typeof m.mountPath === 'string' ? m.mountPath.replace(/\/+$/, '') : '';
    if (issues.require(normalized.startsWith('/') && !normalized.split('/').includes('..'), {
      code: 'INVALID_PATH', path: `${mountPath}.mountPath`, value: m.mountPath, message: 'must be an absolute path without \'..\'',
    })) {
      issues.require(!mountPaths.has(normalized), {
        code: 'INVALID_PATH',
        path: `${mountPath}.mountPath`,
        value: m.mountPath,
        message: RESERVED_MOUNT_PATHS[normalized] ?? 'is mounted twice: each mount needs its own path',
        hint: RESERVED_MOUNT_PATHS[normalized] !== undefined ? 'Mount the volume elsewhere, e.g. under /var/run or /data.' : undefined,
      });
      mountPaths.add(normalized);
    }
    if (m.subPath !== undefined) relativePath(issues, `${mountPath}.subPath`, m.subPath);
  });
}

/** The environment variables in the order given, references as `valueFrom`. */
export function renderEnv(env: Readonly<Record<string, EnvValue>> | undefined): EnvVar[] {
  return Object.entries(env ?? {}).map(([name, value]) => (typeof value === 'string' ? { name, value } : { name, valueFrom: plain(value) }));
}

/** The mounts as Kubernetes writes them, `readOnly` defaulted from the volume's source. */
export function renderVolumeMounts(c: Pick<ContainerProps, 'volumes' | 'volumeMounts'>): Array<Record<string, unknown>> {
  const volumes = new Map((c.volumes ?? []).map((v) => [v.name, v]));
  return (c.volumeMounts ?? []).map((m) => {
    const volume = volumes.get(m.name);
    const readOnly = m.readOnly ?? (volume !== undefined && (VOLUME_SOURCES.some((s) => READ_ONLY_SOURCES.has(s) && volume[s] !== undefined)
      || volume.persistentVolumeClaim?.readOnly === true));
    return plain({ name: m.name, mountPath: m.mountPath, ...(readOnly && { readOnly: true }), subPath: m.subPath });
  });
}

/** The volumes as Kubernetes writes them. */
export function renderVolumes(c: Pick<ContainerProps, 'volumes'>): Array<Record<string, unknown>> {
  return (c.volumes ?? []).map((v) => plain({ ...v }) as unknown as Record<string, unknown>);
}

function validateEnvSource(issues: IssueCollector, path: string, source: EnvVarSource): void {
  const kinds = (['secretKeyRef', 'configMapKeyRef', 'fieldRef'] as const).filter((k) => source?.[k] !== undefined);
  if (!exactlyOne(issues, path, kinds, 'secretKeyRef, configMapKeyRef or fieldRef', 'INVALID_ENV_SOURCE')) return;
  const kind = kinds[0];
  if (kind === 'fieldRef') {
    const fieldPath = source.fieldRef!.fieldPath;
    issues.require(ENV_FIELD_PATHS.includes(fieldPath) || ENV_FIELD_MAP.test(fieldPath), {
      code: 'INVALID_ENV_SOURCE',
      path: `${path}.fieldRef.fieldPath`,
      value: fieldPath,
      message: `must be one of ${ENV_FIELD_PATHS.join(', ')}, metadata.labels['<key>'] or metadata.annotations['<key>']`,
    });
    return;
  }
  const ref = source[kind]!;
  issues.dns1123Subdomain(`${path}.${kind}.name`, ref.name);
  configKey(issues, `${path}.${kind}.key`, ref.key, 'INVALID_ENV_SOURCE');
}

/** The server pod's own volumes, by name, with why a user's volume cannot take the name. */
const RESERVED_VOLUME_NAMES: Readonly<Record<string, string>> = {
  [d.TMP_VOLUME_NAME]: "is grpc-mesh's own volume (the writable /tmp)",
  [d.WORKLOAD_TLS_VOLUME_NAME]: "is grpc-mesh's own volume (the backendTls Secret)",
};
/** The server container's own mount paths, with why a user's mount cannot take the path. */
const RESERVED_MOUNT_PATHS: Readonly<Record<string, string>> = {
  '/tmp': "is grpc-mesh's own writable /tmp",
  [d.WORKLOAD_TLS_DIR]: 'is where grpc-mesh mounts the backendTls Secret',
};

/** Checks the volumes; returns them by name. */
function validateVolumes(issues: IssueCollector, path: string, volumes: readonly Volume[]): Map<string, Volume> {
  const byName = new Map<string, Volume>();
  volumes.forEach((v, i) => {
    const volumePath = `${path}[${i}]`;
    if (issues.require(typeof v.name === 'string' && v.name.length <= 63 && DNS_1123_LABEL.test(v.name), {
      code: 'INVALID_NAME', path: `${volumePath}.name`, value: v.name, message: 'must be a DNS-1123 label of at most 63 characters (lower-case letters, digits and \'-\')',
    })) {
      const reserved = RESERVED_VOLUME_NAMES[v.name];
      issues.require(reserved === undefined && !byName.has(v.name), {
        code: 'DUPLICATE_NAME',
        path: `${volumePath}.name`,
        value: v.name,
        message: reserved ?? 'names another volume too',
        hint: 'Give each volume its own name.',
      });
    }
    byName.set(v.name, v);
    const other = Object.keys(v).filter((k) => k !== 'name' && !(VOLUME_SOURCES as readonly string[]).includes(k));
    if (other.length > 0) {
      issues.add({
        code: 'INVALID_VOLUME',
        path: `${volumePath}.${other[0]}`,
        value: other,
        message: `is not a volume source grpc-mesh offers: pods follow the "restricted" Pod Security Standard; use ${VOLUME_SOURCES.join(', ')}`,
      });
      return;
    }
    const sources = VOLUME_SOURCES.filter((s) => v[s] !== undefined);
    if (exactlyOne(issues, volumePath, sources, VOLUME_SOURCES.join(', '), 'INVALID_VOLUME')) validateVolumeSource(issues, `${volumePath}.${sources[0]}`, v);
  });
  return byName;
}

function validateVolumeSource(issues: IssueCollector, path: string, v: Volume): void {
  if (v.secret) {
    issues.dns1123Subdomain(`${path}.secretName`, v.secret.secretName);
    validateItems(issues, path, v.secret.items, v.secret.defaultMode);
  } else if (v.configMap) {
    issues.dns1123Subdomain(`${path}.name`, v.configMap.name);
    validateItems(issues, path, v.configMap.items, v.configMap.defaultMode);
  } else if (v.persistentVolumeClaim) {
    issues.dns1123Subdomain(`${path}.claimName`, v.persistentVolumeClaim.claimName);
  } else if (v.emptyDir) {
    const medium = v.emptyDir.medium;
    issues.require(medium === undefined || medium === '' || medium === 'Memory', {
      code: 'INVALID_VOLUME', path: `${path}.medium`, value: medium, message: "must be '' (the node's disk) or 'Memory'",
    });
  } else if (v.projected) {
    issues.integerInRange(`${path}.defaultMode`, v.projected.defaultMode, 0, 0o777, 'Modes are octal, e.g. 0o440.');
    if (!issues.require((v.projected.sources?.length ?? 0) > 0, {
      code: 'TOO_FEW', path: `${path}.sources`, value: v.projected.sources, message: 'must have at least one source',
    })) return;
    v.projected.sources.forEach((s, i) => {
      const sourcePath = `${path}.sources[${i}]`;
      const kinds = (['serviceAccountToken', 'secret', 'configMap'] as const).filter((k) => s[k] !== undefined);
      if (!exactlyOne(issues, sourcePath, kinds, 'serviceAccountToken, secret or configMap', 'INVALID_VOLUME')) return;
      if (s.serviceAccountToken) {
        relativePath(issues, `${sourcePath}.serviceAccountToken.path`, s.serviceAccountToken.path);
        issues.integerInRange(`${sourcePath}.serviceAccountToken.expirationSeconds`, s.serviceAccountToken.expirationSeconds, 600, 2 ** 32);
      } else {
        const projection = (s.secret ?? s.configMap)!;
        issues.dns1123Subdomain(`${sourcePath}.${kinds[0]}.name`, projection.name);
        validateItems(issues, `${sourcePath}.${kinds[0]}`, projection.items, undefined);
      }
    });
  }
}

function validateItems(issues: IssueCollector, path: string, items: readonly KeyToPath[] | undefined, defaultMode: number | undefined): void {
  issues.integerInRange(`${path}.defaultMode`, defaultMode, 0, 0o777, 'Modes are octal, e.g. 0o440.');
  (items ?? []).forEach((item, i) => {
    configKey(issues, `${path}.items[${i}].key`, item.key, 'INVALID_VOLUME');
    relativePath(issues, `${path}.items[${i}].path`, item.path);
    issues.integerInRange(`${path}.items[${i}].mode`, item.mode, 0, 0o777, 'Modes are octal, e.g. 0o440.');
  });
}

function configKey(issues: IssueCollector, path: string, key: string, code: 'INVALID_ENV_SOURCE' | 'INVALID_VOLUME'): void {
  issues.require(typeof key === 'string' && key.length > 0 && key.length <= 253 && CONFIG_KEY.test(key) && key !== '.' && key !== '..', {
    code,
    path,
    value: key,
    message: 'must be a Secret or ConfigMap key: 1 to 253 letters, digits, \'-\', \'_\' and \'.\'',
  });
}

function relativePath(issues: IssueCollector, path: string, value: string): void {
  issues.require(typeof value === 'string' && value !== '' && !value.startsWith('/') && !value.split('/').includes('..'), {
    code: 'INVALID_PATH', path, value, message: 'must be a relative path without \'..\'',
  });
}

function exactlyOne(issues: IssueCollector, path: string, found: readonly string[], choices: string, code: 'INVALID_ENV_SOURCE' | 'INVALID_VOLUME'): boolean {
  return issues.require(found.length === 1, {
    code,
    path,
    value: found,
    message: found.length === 0 ? `must have one of ${choices}` : `must have exactly one of ${choices}; got ${found.join(' and ')}`,
  });
}
