import { ApiObject, Lazy, type ApiObjectProps } from 'cdk8s';
import type { Construct } from 'constructs';
import type { KubeObject } from '../core';

/** Wraps a core manifest in a cdk8s `ApiObject` with the given construct id. */
export function toApiObject(scope: Construct, id: string, manifest: KubeObject): ApiObject {
  return new ApiObject(scope, id, manifest as unknown as ApiObjectProps);
}

/**
 * An ApiObject whose listed top-level fields are produced at synthesis, once every construct of the app exists.
 * @param initial the object as known at construction (its other fields are written as they are)
 * @param lazyFields the fields `produce` renders at synthesis
 */
export function lazyApiObject(
  scope: Construct, id: string, initial: KubeObject, lazyFields: readonly string[], produce: () => KubeObject,
): ApiObject {
  const props: Record<string, unknown> = { ...initial };
  for (const field of lazyFields) props[field] = Lazy.any({ produce: () => produce()[field] });
  return new ApiObject(scope, id, props as unknown as ApiObjectProps);
}
