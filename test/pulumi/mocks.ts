/**
 * Pulumi unit-test mocks, as Pulumi documents them (`pulumi.runtime.setMocks`): no engine, no CLI. Every
 * resource registration is recorded; `newResource` answers `{ id: name + '_id', state: inputs }`, plus
 * whatever extra state a test asks for (e.g. a LoadBalancer `status`).
 */
import { runInThisContext } from 'node:vm';
import * as pulumi from '@pulumi/pulumi';
import type { KubeObject } from '../../src/core';

/** Project name of every test stack. */
export const PROJECT = 'grpc-mesh-test';

/** One `newResource` call of the mocks. */
export interface RecordedResource {
  /** Type token, e.g. `kubernetes:core/v1:Service`. */
  readonly type: string;
  /** Resource name, e.g. `users-service`. */
  readonly name: string;
  /** Inputs as the engine receives them (serialized, then deserialized by the mock monitor). */
  readonly inputs: Record<string, unknown>;
  /** `<provider urn>::<provider id>` when a provider reaches the resource; empty otherwise. */
  readonly provider?: string;
  /** Whether it is a custom resource (false for components). */
  readonly custom?: boolean;
}

/** Extra state `newResource` returns for a resource, on top of its inputs. */
export type ExtraState = (resource: RecordedResource) => Record<string, unknown> | undefined;

/**
 * Points the Pulumi runtime at fresh mocks for the stack `stack` (use one stack per test: ReferenceGrants are
 * deduplicated per stack) and returns the array every registration is recorded into.
 */
export async function useMocks(stack: string, extraState: ExtraState = () => undefined): Promise<RecordedResource[]> {
  const recorded: RecordedResource[] = [];
  await pulumi.runtime.setMocks({
    newResource: (args) => {
      const resource: RecordedResource = { type: args.type, name: args.name, inputs: args.inputs, provider: args.provider, custom: args.custom };
      recorded.push(resource);
      return { id: `${args.name}_id`, state: { ...args.inputs, ...extraState(resource) } };
    },
    call: (args) => args.inputs,
  }, PROJECT, stack);
  return recorded;
}

/** Waits until every registration of the program has reached the mocks (and the callbacks they resolve have run). */
export async function settle(): Promise<void> {
  await pulumi.runtime.disconnect();
  await new Promise((resolve) => setImmediate(resolve));
}

/** The value of an Output, as a Promise. */
export function promiseOf<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply((value) => resolve(value)));
}

/** The Kubernetes objects among the recorded resources (neither components nor providers), as plain JSON. */
export function manifestsOf(recorded: readonly RecordedResource[]): KubeObject[] {
  return recorded.filter((r) => r.custom && r.type.startsWith('kubernetes:')).map((r) => JSON.parse(JSON.stringify(r.inputs)) as KubeObject);
}

/** `type name` of each recorded resource, sorted: what a program registered, at a glance. */
export function typesAndNames(recorded: readonly RecordedResource[]): string[] {
  return recorded.map((r) => `${r.type} ${r.name}`).sort();
}

/**
 * A transformation for a component's `opts.transformations` that records the options every resource it reaches
 * is registered with. Transformations pass from a component to its children, so this both shows each child's
 * parent and proves the component's transformations reach the children.
 */
export function recordOptions(): { transformation: pulumi.ResourceTransformation; opts: Map<string, pulumi.ResourceOptions> } {
  const opts = new Map<string, pulumi.ResourceOptions>();
  return {
    opts,
    transformation: (args) => {
      opts.set(args.name, args.opts);
      return undefined;
    },
  };
}

/**
 * Runs `program` with every unhandled rejection collected instead of failing the test, and returns them. Pulumi
 * reports a resource whose inputs reject through Node's unhandled-rejection logic (that is how `pulumi up` fails the
 * program), and Jest's handler for it is on the real `process`, outside the test's sandbox.
 */
export async function collectingUnhandledRejections(program: () => Promise<void>): Promise<unknown[]> {
  const real = runInThisContext('process') as NodeJS.Process;
  const jestHandlers = real.listeners('unhandledRejection');
  const rejections: unknown[] = [];
  const collect = (reason: unknown) => void rejections.push(reason);
  real.removeAllListeners('unhandledRejection');
  real.on('unhandledRejection', collect);
  try {
    await program();
    return rejections;
  } finally {
    // Rejections are reported once the microtasks of the macrotask that made them have run: wait for them, even when
    // the program failed, so that none reaches the next test.
    await new Promise((resolve) => setTimeout(resolve, 50));
    real.removeListener('unhandledRejection', collect);
    for (const handler of jestHandlers) real.on('unhandledRejection', handler as (...args: unknown[]) => void);
  }
}
