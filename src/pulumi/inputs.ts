import { isDeepStrictEqual } from 'node:util';
import * as pulumi from '@pulumi/pulumi';
import { DataPlane, GatewayImplementation, GrpcMeshValidationError, type KubeObject, type PodProps, type ValidationIssue } from '../core';
import { GrpcMeshResourceError, resolveFor } from './errors';
import { stackRunState } from './stack-run';

/**
 * Labels, annotations or environment variables whose values a Pulumi program may take from other resources
 * (`{ version: image.tag }`). The keys are plain: they decide which entries exist before any Output resolves.
 */
export type InputRecord = Readonly<Record<string, pulumi.Input<string>>>;

/**
 * The pod props of a Pulumi component's pods (the workload's, a balancer tier's): the cdk8s `PodProps`, with
 * `serviceAccountName`, the values of `serviceAccountAnnotations` (an IAM role's ARN) and the `imagePullSecrets` as
 * `pulumi.Input`s. Like every Input, they are strings put in once they resolve; the other fields stay plain values.
 */
export interface PodArgs extends Omit<PodProps, 'serviceAccountName' | 'serviceAccountAnnotations' | 'imagePullSecrets'> {
  /**
   * An existing ServiceAccount for the pods, e.g. `serviceAccount.metadata.name`: none is created then.
   * @default - a ServiceAccount named like the Deployment, created with it
   */
  readonly serviceAccountName?: pulumi.Input<string>;
  /**
   * Annotations on the ServiceAccount grpc-mesh creates, e.g. `{ 'eks.amazonaws.com/role-arn': role.arn }`.
   * @default - none
   */
  readonly serviceAccountAnnotations?: InputRecord;
  /**
   * Secrets the kubelet pulls the images with, e.g. `registrySecret.metadata.name`.
   * @default - none
   */
  readonly imagePullSecrets?: ReadonlyArray<pulumi.Input<string>>;
}

/** A Kubernetes object whose fields may be Outputs: what a grpc-mesh component passes to `@pulumi/kubernetes`. */
export interface KubeObjectInputs {
  /** API group and version. */
  readonly apiVersion: string;
  /** Kind. */
  readonly kind: string;
  /** Name, namespace, labels and annotations, each maybe an Output. */
  readonly metadata: object;
  readonly [field: string]: unknown;
}

/**
 * How the Pulumi components take Inputs (the props `pulumi.Input` widens, see each component's args): the core is
 * framework-free and works on plain values, so an Input that is not a plain value is replaced by a placeholder
 * that passes the core's checks (`gm-input-<n>-a` for strings, a large whole number for `replicas`). The core
 * validates and renders the props with the placeholders, which gives every object and its name at once, so each
 * Kubernetes resource is registered at construction, never inside an `apply`. The core runs a second time with
 * other placeholders (`-b`): a field that differs between the two runs depends on an Input, and becomes an Output
 * that the core computes a third time, from the real values, once they resolve. So every object is exactly what the
 * same plain props give (hashes, DNS names, JSON configs included), and the fields that depend on no Input stay
 * plain (known in `pulumi preview`). The real run must give the same objects and the same plain fields, or the
 * component fails with `INPUT_CHANGES_OBJECTS` (for example two different Outputs that resolve to the same namespace,
 * where one Output decides that no ReferenceGrant is needed).
 *
 * A placeholder is per Input object and per stack run: components given the same Output see the same placeholder
 * (the same namespace); different Outputs are different values until they resolve.
 */
const PLACEHOLDER = /gm-input-(\d+)-([ab])/g;
/** Keys whose Input holds a whole number: a numeric placeholder stands for it. */
const NUMBER_KEYS: ReadonlySet<string> = new Set(['replicas']);
const NUMBER_PLACEHOLDER_BASE = { a: 1_000_000, b: 2_000_000 } as const;

/** The Inputs of this stack and run, by placeholder number. */
interface InputRegistry {
  readonly outputs: pulumi.Output<unknown>[];
  readonly ids: Map<object, number>;
}

function registry(): InputRegistry {
  return stackRunState('inputs', (): InputRegistry => ({ outputs: [], ids: new Map() }));
}

function isInput(value: unknown): value is pulumi.Output<unknown> | Promise<unknown> {
  return pulumi.Output.isInstance(value) || value instanceof Promise;
}

function idOf(input: pulumi.Output<unknown> | Promise<unknown>): number {
  const { outputs, ids } = registry();
  let id = ids.get(input);
  if (id === undefined) {
    id = outputs.length;
    ids.set(input, id);
    outputs.push(pulumi.output(input));
  }
  return id;
}

/** Whether a string holds a placeholder of an Input that has not resolved. */
export function hasPlaceholder(value: unknown): boolean {
  if (typeof value === 'string') return new RegExp(PLACEHOLDER.source).test(value);
  if (Array.isArray(value)) return value.some(hasPlaceholder);
  if (value !== null && typeof value === 'object') return Object.values(value).some(hasPlaceholder);
  return false;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

type Path = ReadonlyArray<string | number>;

/** A data plane or gateway implementation, whose factory options may hold Inputs (a balancer's image). */
function isStrategy(value: unknown): value is DataPlane | GatewayImplementation {
  return value instanceof DataPlane || value instanceof GatewayImplementation;
}

/**
 * The props with placeholders for their Inputs (side `a`), and the components they reference replaced by their
 * plain references (`routeParentRef`, `backendRef`), so a later run can put other values in. The factory options of
 * a `DataPlane` or `GatewayImplementation` get placeholders too (their images: strings only).
 */
function shapeOf(value: unknown, key: string | number, path: Path, numbers: Array<{ path: Path; id: number }>): unknown {
  if (isStrategy(value)) return value._mapOptions((options) => shapeOf(options, key, [], []) as object);
  if (isInput(value)) {
    const id = idOf(value);
    if (typeof key === 'string' && NUMBER_KEYS.has(key)) {
      numbers.push({ path, id });
      return NUMBER_PLACEHOLDER_BASE.a + id;
    }
    return `gm-input-${id}-a`;
  }
  if (Array.isArray(value)) return value.map((v, i) => shapeOf(v, i, [...path, i], numbers));
  if (value === null || typeof value !== 'object') return value;
  if ('routeParentRef' in value || 'backendRef' in value) {
    const ref = value as { routeParentRef?: unknown; backendRef?: unknown };
    return {
      ...(ref.routeParentRef !== undefined && { routeParentRef: shapeOf(ref.routeParentRef, 'routeParentRef', [...path, 'routeParentRef'], []) }),
      ...(ref.backendRef !== undefined && { backendRef: shapeOf(ref.backendRef, 'backendRef', [...path, 'backendRef'], []) }),
    };
  }
  if (!isPlainObject(value)) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shapeOf(v, k, [...path, k], numbers)]));
}

/** A copy of `value` with `replace` applied to every string, and the numbers at `numbers` set. */
function substitute(value: unknown, replace: (s: string) => unknown): unknown {
  if (typeof value === 'string') return replace(value);
  if (isStrategy(value)) return value._mapOptions((options) => substitute(options, replace) as object);
  if (Array.isArray(value)) return value.map((v) => substitute(v, replace));
  if (!isPlainObject(value)) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, replace)]));
}

function setAt(target: unknown, path: Path, value: unknown): void {
  let at = target as Record<string | number, unknown>;
  for (const step of path.slice(0, -1)) at = at[step] as Record<string | number, unknown>;
  at[path[path.length - 1]] = value;
}

function placeholderIds(value: unknown, ids: Set<number>): Set<number> {
  if (typeof value === 'string') for (const m of value.matchAll(PLACEHOLDER)) ids.add(Number(m[1]));
  else if (Array.isArray(value)) value.forEach((v) => placeholderIds(v, ids));
  else if (isPlainObject(value)) Object.values(value).forEach((v) => placeholderIds(v, ids));
  else if (isStrategy(value)) value._mapOptions((options) => (placeholderIds(options, ids), options));
  return ids;
}

/** Combines Outputs into one, without copying their values (Pulumi's `all` rebuilds objects key by key). */
export function collectOutputs<T>(outputs: ReadonlyArray<pulumi.Output<T>>): pulumi.Output<T[]> {
  return outputs.reduce<pulumi.Output<T[]>>(
    (all, next) => all.apply((list) => next.apply((value) => [...list, value] as T[])) as unknown as pulumi.Output<T[]>,
    pulumi.output(0).apply((): T[] => []) as unknown as pulumi.Output<T[]>,
  );
}

/** `value` as an Output, its value passed through untouched (not rebuilt key by key like `pulumi.output` does). */
export function opaqueOutput<T>(value: T): pulumi.Output<T> {
  return pulumi.output(0).apply(() => value) as unknown as pulumi.Output<T>;
}

/**
 * The props of one component as the core sees them: `shape` with placeholders (validated and rendered at
 * construction), `probe` with other placeholders, and `real`, the props once every Input has resolved.
 */
export class PropsWithInputs<P> {
  /** The props with placeholders for their Inputs (the props themselves when there are none). */
  public readonly shape: P;
  /** Whether any prop (or a component the props reference) holds an Input that is not a plain value. */
  public readonly hasInputs: boolean;
  private readonly probe?: P;
  private readonly realProps?: pulumi.Output<P>;

  /** @param args the component's args, whose widened fields may hold Inputs */
  public constructor(args: unknown) {
    const numbers: Array<{ path: Path; id: number }> = [];
    const shape = shapeOf(args, '', [], numbers);
    this.shape = shape as P;
    const ids = placeholderIds(shape, new Set(numbers.map((n) => n.id)));
    this.hasInputs = ids.size > 0;
    if (!this.hasInputs) return;
    const probe = substitute(shape, (s) => s.replace(PLACEHOLDER, (_, id: string) => `gm-input-${id}-b`));
    for (const n of numbers) setAt(probe, n.path, NUMBER_PLACEHOLDER_BASE.b + n.id);
    this.probe = probe as P;
    const order = [...ids];
    const { outputs } = registry();
    this.realProps = collectOutputs(order.map((id) => outputs[id])).apply((values) => {
      const valueOf = new Map(order.map((id, i) => [id, values[i]]));
      const real = substitute(shape, (s) => {
        const whole = new RegExp(`^${PLACEHOLDER.source}$`).exec(s);
        if (whole) return valueOf.get(Number(whole[1]));
        return s.replace(PLACEHOLDER, (_, id: string) => String(valueOf.get(Number(id))));
      });
      for (const n of numbers) setAt(real, n.path, valueOf.get(n.id));
      return real as P;
    }) as unknown as pulumi.Output<P>;
  }

  /**
   * Resolves the props with the core: the model of the shape now (a validation error is thrown as a
   * {@link GrpcMeshResourceError} of `resource`), and the model of the real props once they resolve (an error then
   * rejects the Output).
   */
  public resolve<M>(resource: pulumi.Resource, resolveProps: (props: P) => M): ResolvedWithInputs<M> {
    const model = resolveFor(resource, () => explainPlaceholders(() => resolveProps(this.shape)));
    if (!this.hasInputs) return { model, real: opaqueOutput(model), hasInputs: false };
    return {
      model,
      probe: resolveFor(resource, () => resolveProps(this.probe!)),
      real: this.realProps!.apply((props) => resolveFor(resource, () => resolveProps(props))) as unknown as pulumi.Output<M>,
      hasInputs: true,
    };
  }
}

const PLACEHOLDER_HINT = '(gm-input-<n>-a stands for an Output that has not resolved: different Outputs, or an Output and a string, are '
  + 'different values until they resolve, so give the same Output, or plain strings, wherever the same namespace is meant.)';

/** Runs `resolve`, adding to each problem that shows a placeholder what the placeholder stands for. */
function explainPlaceholders<T>(resolve: () => T): T {
  try {
    return resolve();
  } catch (error) {
    if (!GrpcMeshValidationError.isValidationError(error) || !hasPlaceholder(error.message)) throw error;
    throw new GrpcMeshValidationError(error.subject, error.issues.map((i) => (hasPlaceholder([i.value, i.message])
      ? { ...i, hint: i.hint === undefined ? PLACEHOLDER_HINT : `${i.hint} ${PLACEHOLDER_HINT}` } : i)));
  }
}

/** A model resolved from props that may hold Inputs. */
export interface ResolvedWithInputs<M> {
  /** The model of the props with placeholders: the objects to create, and every plain field. */
  readonly model: M;
  /** The model of the props with the other placeholders, when there are Inputs. */
  readonly probe?: M;
  /** The model of the real props. */
  readonly real: pulumi.Output<M>;
  /** Whether the props hold Inputs. */
  readonly hasInputs: boolean;
}

/**
 * The objects rendered from a model resolved with Inputs, as Pulumi resource inputs: the fields that depend on no
 * Input as rendered, the others Outputs of the objects rendered from the real props. Objects of the shape and of the
 * real props must correspond one to one (same kind and name, same plain fields), or the Outputs reject with
 * `INPUT_CHANGES_OBJECTS`, naming what changed.
 * @param render lists the objects of a model in a fixed order
 */
export function objectsWithInputs<M>(
  resource: pulumi.Resource, subject: string, resolved: ResolvedWithInputs<M>, render: (model: M) => readonly KubeObject[],
): KubeObjectInputs[] {
  const shape = render(resolved.model);
  if (!resolved.hasInputs) return [...shape];
  const probe = render(resolved.probe!);
  const real = resolved.real.apply((model) => {
    const objects = render(model);
    const changed = changedObjects(shape, probe, objects);
    if (changed.length > 0) throw inputError(resource, subject, changed);
    return objects;
  });
  return shape.map((object, i) => {
    if (probe[i] === undefined || probe[i].kind !== object.kind || probe[i].metadata.name !== object.metadata.name) {
      throw inputError(resource, subject, [`${object.kind} "${object.metadata.name}" exists only for some values of the Inputs`]);
    }
    return fieldsWithInputs(object, probe[i], real, [i]) as KubeObjectInputs;
  });
}

/** `shape` where it equals `probe`; where it differs, the value at `path` of the real objects. */
function fieldsWithInputs(shape: unknown, probe: unknown, real: pulumi.Output<readonly KubeObject[]>, path: Path): unknown {
  if (isDeepStrictEqual(shape, probe)) return shape;
  if (isPlainObject(shape) && isPlainObject(probe) && isDeepStrictEqual(Object.keys(shape), Object.keys(probe))) {
    return Object.fromEntries(Object.keys(shape).map((k) => [k, fieldsWithInputs(shape[k], probe[k], real, [...path, k])]));
  }
  return real.apply((objects) => path.reduce<unknown>((at, step) => (at as Record<string | number, unknown> | undefined)?.[step], objects));
}

/** What differs between the objects of the shape and those of the real props, beyond the fields Inputs decide. */
function changedObjects(shape: readonly KubeObject[], probe: readonly KubeObject[], real: readonly KubeObject[]): string[] {
  const describe = (o: KubeObject) => `${o.kind} "${o.metadata.name}"`;
  const changed: string[] = [];
  for (let i = 0; i < Math.max(shape.length, real.length); i++) {
    if (shape[i] === undefined) {changed.push(`${describe(real[i])} would be added`);} else if (real[i] === undefined) {changed.push(`${describe(shape[i])} would be removed`);} else if (shape[i].kind !== real[i].kind || shape[i].metadata.name !== real[i].metadata.name) {
      changed.push(`${describe(shape[i])} would become ${describe(real[i])}`);
    } else if (!plainFieldsHold(shape[i], probe[i], real[i])) {
      changed.push(`${describe(shape[i])} changed beyond the fields its Inputs give`);
    }
  }
  return changed;
}

function plainFieldsHold(shape: unknown, probe: unknown, real: unknown): boolean {
  if (isDeepStrictEqual(shape, probe)) return isDeepStrictEqual(shape, real);
  if (isPlainObject(shape) && isPlainObject(probe) && isDeepStrictEqual(Object.keys(shape), Object.keys(probe))) {
    return isPlainObject(real) && Object.keys(shape).every((k) => plainFieldsHold(shape[k], probe[k], real[k]));
  }
  return true;
}

function inputError(resource: pulumi.Resource, subject: string, changed: readonly string[]): GrpcMeshResourceError {
  return new GrpcMeshResourceError(new GrpcMeshValidationError(subject, [{
    code: 'INPUT_CHANGES_OBJECTS',
    path: '',
    value: changed,
    message: 'Outputs given as props resolved to values that change which objects exist, or fields that did not depend on them',
    hint: 'Pass the same Output (or a plain string) wherever the same namespace is meant; give plain values where they decide which objects exist.',
  }]), resource);
}

/**
 * Refuses placeholders where Pulumi needs the value at construction: in the names of resources (a Certificate is
 * named after its Secret) and in ReferenceGrants (their names and whether they are needed depend on namespaces).
 */
export function refuseInputs(resource: pulumi.Resource, subject: string, found: ReadonlyArray<Omit<ValidationIssue, 'code'>>): void {
  const issues = found.filter((f) => hasPlaceholder(f.value)).map((f): ValidationIssue => ({ ...f, code: 'INPUT_NEEDED_AT_CONSTRUCTION' }));
  if (issues.length > 0) throw new GrpcMeshResourceError(new GrpcMeshValidationError(subject, issues), resource);
}
