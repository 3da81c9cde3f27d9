import type { z } from 'zod';
import {
  backendTlsPolicySpecSchema, configMapDataSchema, gatewaySpecSchema, grpcRouteSpecSchema, referenceGrantSpecSchema, serviceSpecSchema,
} from './input-schemas';
import { GATEWAY_API_GROUP, type GRPCRouteSpec } from '../../routing/gateway-api';
import type { ProblemCode, ValidationIssue } from '../errors';
import type { KubeObject } from '../kube';

/** A namespaced object's identity. */
export interface ObjectKey {
  /** Namespace. */
  readonly namespace: string;
  /** Name. */
  readonly name: string;
}

/** `namespace/name`. */
export function keyOf(ref: ObjectKey): string {
  return `${ref.namespace}/${ref.name}`;
}

/** Older first, by `creationTimestamp`; an object without one, or with one that is not a date, comes last. */
export function compareAge(a: { readonly creationTimestamp?: string }, b: { readonly creationTimestamp?: string }): number {
  const at = timeOf(a.creationTimestamp);
  const bt = timeOf(b.creationTimestamp);
  return at === bt ? 0 : at < bt ? -1 : 1;
}

/** Ascending order of strings by UTF-16 code units, locale-independent. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function timeOf(timestamp: string | undefined): number {
  const ms = timestamp === undefined ? NaN : Date.parse(timestamp);
  return Number.isNaN(ms) ? Infinity : ms;
}

/** A Gateway listener, as far as the compiler reads it. */
export interface GatewayListener {
  readonly name: string;
  readonly hostname?: string;
  readonly port: number;
  readonly protocol: string;
  readonly tls?: {
    readonly mode?: string;
    readonly certificateRefs?: ReadonlyArray<{ readonly group?: string; readonly kind?: string; readonly name: string; readonly namespace?: string }>;
  };
  readonly allowedRoutes?: {
    readonly namespaces?: { readonly from?: 'All' | 'Same' | 'Selector'; readonly selector?: LabelSelector };
    readonly kinds?: ReadonlyArray<{ readonly group?: string; readonly kind: string }>;
  };
}

/** A label selector (`matchLabels` and `matchExpressions`). */
export interface LabelSelector {
  readonly matchLabels?: Readonly<Record<string, string>>;
  readonly matchExpressions?: ReadonlyArray<{ readonly key: string; readonly operator: string; readonly values?: readonly string[] }>;
}

/** How a Gateway validates client certificates on its HTTPS listeners (GEP-91), as far as the compiler reads it. */
export interface FrontendValidation {
  readonly validation?: {
    readonly caCertificateRefs: ReadonlyArray<{ readonly group?: string; readonly kind: string; readonly name: string; readonly namespace?: string }>;
    readonly mode?: 'AllowValidOnly' | 'AllowInsecureFallback';
  };
}

/** A Gateway. */
export interface GatewayObject {
  readonly key: ObjectKey;
  readonly listeners: readonly GatewayListener[];
  /** `spec.tls.frontend`: the default validation of HTTPS listeners, and per-port overrides. */
  readonly frontend?: {
    readonly default?: FrontendValidation;
    readonly perPort?: ReadonlyArray<{ readonly port: number; readonly tls: FrontendValidation }>;
  };
}

/** A GRPCRoute, with its creation time when it has one. */
export interface RouteObject {
  readonly key: ObjectKey;
  readonly creationTimestamp?: string;
  readonly spec: GRPCRouteSpec;
}

/** A port of a Service. */
export interface ServicePort {
  readonly name?: string;
  readonly port: number;
  readonly targetPort?: number | string;
}

/** A Service. */
export interface ServiceObject {
  readonly key: ObjectKey;
  readonly headless: boolean;
  readonly ports: readonly ServicePort[];
}

/** A BackendTLSPolicy (`gateway.networking.k8s.io/v1` or `v1alpha3`). */
export interface BackendTlsPolicyObject {
  readonly key: ObjectKey;
  readonly creationTimestamp?: string;
  readonly targetRefs: ReadonlyArray<{ readonly group?: string; readonly kind: string; readonly name: string; readonly sectionName?: string }>;
  readonly validation: {
    readonly caCertificateRefs?: ReadonlyArray<{ readonly group?: string; readonly kind: string; readonly name: string }>;
    readonly wellKnownCACertificates?: string;
    readonly hostname: string;
  };
}

/**
 * The input objects the compiler reads, indexed, each checked against the shape its CRD (or the Kubernetes API)
 * gives it: a malformed object is an issue naming the object and field, and the compile fails. Objects of other
 * kinds (Deployments, PodDisruptionBudgets...) are accepted and left alone, as in the output of `cdk8s synth`.
 */
export class GatewayApiObjects {
  public readonly gateways = new Map<string, GatewayObject>();
  public readonly routes: RouteObject[] = [];
  public readonly services = new Map<string, ServiceObject>();
  public readonly grants: KubeObject[] = [];
  public readonly tlsPolicies: BackendTlsPolicyObject[] = [];
  public readonly configMaps = new Map<string, Readonly<Record<string, string>>>();
  public readonly namespaceLabels = new Map<string, Readonly<Record<string, string>>>();
  /** Problems with the input: a malformed object makes the whole compile fail. */
  public readonly issues: ValidationIssue[] = [];

  /** Indexes `objects`; malformed ones are recorded in `issues`. */
  public constructor(objects: readonly unknown[]) {
    objects.forEach((object, index) => this.add(object, index));
  }

  private add(object: unknown, index: number): void {
    const where = `objects[${index}]`;
    if (!isRecord(object) || typeof object.kind !== 'string' || typeof object.apiVersion !== 'string') {
      this.issue('MALFORMED_OBJECT', where, object, 'must be a Kubernetes object with apiVersion and kind');
      return;
    }
    const metadata = isRecord(object.metadata) ? object.metadata : {};
    const name = metadata.name;
    if (typeof name !== 'string' || name.length === 0) {
      this.issue('MALFORMED_OBJECT', `${where} (${object.kind}).metadata.name`, name, 'must be a non-empty string');
      return;
    }
    const key = { namespace: typeof metadata.namespace === 'string' && metadata.namespace !== '' ? metadata.namespace : 'default', name };
    const label = `${object.kind} "${keyOf(key)}"`;
    // `kubectl create --dry-run -o yaml` writes `creationTimestamp: null`: the same as none.
    const timestamp = metadata.creationTimestamp ?? undefined;
    if (timestamp !== undefined && (typeof timestamp !== 'string' || Number.isNaN(Date.parse(timestamp)))) {
      this.issue('MALFORMED_OBJECT', `${label}.metadata.creationTimestamp`, timestamp, 'must be an RFC 3339 date-time');
      return;
    }
    const created = timestamp === undefined ? {} : { creationTimestamp: timestamp };
    const group = object.apiVersion.includes('/') ? object.apiVersion.split('/')[0] : '';
    const kind = group === GATEWAY_API_GROUP || group === '' ? `${group}/${object.kind}` : '';
    switch (kind) {
      case `${GATEWAY_API_GROUP}/Gateway`: {
        const spec = this.parse(gatewaySpecSchema, object.spec, `${label}.spec`);
        const frontend = spec?.tls?.frontend;
        if (spec !== undefined) this.gateways.set(keyOf(key), { key, listeners: spec.listeners, ...(frontend && { frontend }) });
        return;
      }
      case `${GATEWAY_API_GROUP}/GRPCRoute`: {
        const spec = this.parse(grpcRouteSpecSchema, object.spec, `${label}.spec`);
        if (spec !== undefined) this.routes.push({ key, ...created, spec: spec as GRPCRouteSpec });
        return;
      }
      case `${GATEWAY_API_GROUP}/ReferenceGrant`: {
        const spec = this.parse(referenceGrantSpecSchema, object.spec, `${label}.spec`);
        if (spec !== undefined) this.grants.push({ apiVersion: `${GATEWAY_API_GROUP}/v1beta1`, kind: 'ReferenceGrant', metadata: key, spec });
        return;
      }
      case `${GATEWAY_API_GROUP}/BackendTLSPolicy`: {
        const spec = this.parse(backendTlsPolicySpecSchema, object.spec, `${label}.spec`);
        if (spec !== undefined) this.tlsPolicies.push({ key, ...created, ...spec });
        return;
      }
      case '/Service': {
        const spec = this.parse(serviceSpecSchema, object.spec ?? {}, `${label}.spec`);
        if (spec !== undefined) this.services.set(keyOf(key), { key, headless: spec.clusterIP === 'None', ports: spec.ports ?? [] });
        return;
      }
      case '/ConfigMap': {
        const data = this.parse(configMapDataSchema, object.data ?? {}, `${label}.data`);
        if (data !== undefined) this.configMaps.set(keyOf(key), data);
        return;
      }
      case '/Namespace':
        this.namespaceLabels.set(name, (isRecord(metadata.labels) ? metadata.labels : {}) as Record<string, string>);
        return;
      default:
      // Other kinds (Deployments, GatewayClasses, HTTPRoutes...) do not concern the proxy.
    }
  }

  /** Parses `value` with `schema`; each problem becomes an issue at `path` plus the problem's own path. */
  private parse<T extends z.ZodType>(schema: T, value: unknown, path: string): z.output<T> | undefined {
    const result = schema.safeParse(value);
    if (result.success) return result.data;
    for (const problem of result.error.issues) {
      const at = problem.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');
      this.issue('MALFORMED_OBJECT', `${path}${at}`, valueAt(value, problem.path), messageOf(problem));
    }
    return undefined;
  }

  private issue(code: ProblemCode, path: string, value: unknown, message: string): void {
    this.issues.push({ code, path, value, message });
  }
}

const TYPE_NAMES: Readonly<Record<string, string>> = {
  array: 'a list', object: 'an object', int: 'an integer', number: 'a number', string: 'a string', boolean: 'true or false',
};

/** What a schema problem expects, as a fragment after the path: `must be a string`. */
function messageOf(problem: z.core.$ZodIssue): string {
  switch (problem.code) {
    case 'invalid_type':
      return `must be ${TYPE_NAMES[problem.expected] ?? `a ${problem.expected}`}`;
    case 'invalid_value':
      return `must be one of ${problem.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'too_big':
      return problem.origin === 'array' ? `must have at most ${String(problem.maximum)} entries` : `must be at most ${String(problem.maximum)}`;
    case 'too_small':
      return problem.origin === 'array' ? `must have at least ${String(problem.minimum)} ${problem.minimum === 1 ? 'entry' : 'entries'}`
        : problem.origin === 'string' ? 'must not be empty' : `must be at least ${String(problem.minimum)}`;
    case 'invalid_union':
      return 'must be a port number or a port name';
    default:
      return problem.message;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function valueAt(value: unknown, path: readonly PropertyKey[]): unknown {
  let at = value;
  for (const key of path) {
    if (!isRecord(at) && !Array.isArray(at)) return undefined;
    at = (at as Record<PropertyKey, unknown>)[key];
  }
  return at;
}
