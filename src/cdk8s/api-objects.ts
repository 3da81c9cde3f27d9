import { ApiObject, type ApiObjectProps } from 'cdk8s';
import type { Construct } from 'constructs';
import type { KubeObject } from '../core';

/** Wraps a core manifest in a cdk8s `ApiObject` with the given construct id. */
export function toApiObject(scope: Construct, id: string, manifest: KubeObject): ApiObject {
  return new ApiObject(scope, id, manifest as unknown as ApiObjectProps);
}
