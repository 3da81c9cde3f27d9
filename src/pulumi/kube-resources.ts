import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import type { KubeObjectInputs } from './inputs';

/** A Kubernetes object as a Pulumi resource: a typed `@pulumi/kubernetes` class for built-in kinds, else a CustomResource. */
export type KubeResource =
  | k8s.core.v1.Service
  | k8s.core.v1.ConfigMap
  | k8s.apps.v1.Deployment
  | k8s.policy.v1.PodDisruptionBudget
  | k8s.autoscaling.v2.HorizontalPodAutoscaler
  | k8s.core.v1.ServiceAccount
  | k8s.networking.v1.NetworkPolicy
  | k8s.apiextensions.CustomResource;

type TypedClass = new (name: string, args: never, opts?: pulumi.CustomResourceOptions) => KubeResource;

const SPEC_FIELDS = ['apiVersion', 'kind', 'metadata', 'spec'];

/**
 * The built-in kinds grpc-mesh emits, by `apiVersion/kind`, with the top-level fields their typed class passes on.
 * A typed class silently ignores any other field, so {@link kubeResource} refuses a manifest that has one.
 */
const TYPED_KINDS: Readonly<Record<string, { readonly resource: TypedClass; readonly fields: readonly string[] }>> = {
  'v1/Service': { resource: k8s.core.v1.Service, fields: SPEC_FIELDS },
  'v1/ConfigMap': { resource: k8s.core.v1.ConfigMap, fields: ['apiVersion', 'kind', 'metadata', 'data', 'binaryData', 'immutable'] },
  'apps/v1/Deployment': { resource: k8s.apps.v1.Deployment, fields: SPEC_FIELDS },
  'policy/v1/PodDisruptionBudget': { resource: k8s.policy.v1.PodDisruptionBudget, fields: SPEC_FIELDS },
  'autoscaling/v2/HorizontalPodAutoscaler': { resource: k8s.autoscaling.v2.HorizontalPodAutoscaler, fields: SPEC_FIELDS },
  // A ServiceAccount has no spec.
  'v1/ServiceAccount': {
    resource: k8s.core.v1.ServiceAccount, fields: ['apiVersion', 'kind', 'metadata', 'automountServiceAccountToken', 'imagePullSecrets', 'secrets'],
  },
  'networking.k8s.io/v1/NetworkPolicy': { resource: k8s.networking.v1.NetworkPolicy, fields: SPEC_FIELDS },
};

/**
 * Turns a core manifest (whose fields may be Outputs) into the Pulumi resource that creates it, unchanged: `Service`, `ConfigMap`,
 * `Deployment`, `PodDisruptionBudget`, `HorizontalPodAutoscaler`, `ServiceAccount` and `NetworkPolicy` become the typed `@pulumi/kubernetes` classes, every other kind
 * (Gateway API, Istio, Envoy Gateway, Prometheus operator) an `apiextensions.CustomResource`.
 */
export function kubeResource(name: string, manifest: KubeObjectInputs, opts: pulumi.CustomResourceOptions): KubeResource {
  const typed = TYPED_KINDS[`${manifest.apiVersion}/${manifest.kind}`];
  if (!typed) return new k8s.apiextensions.CustomResource(name, manifest as k8s.apiextensions.CustomResourceArgs, opts);
  const dropped = Object.keys(manifest).filter((field) => !typed.fields.includes(field));
  if (dropped.length > 0) {
    const metadata = (pulumi.Output.isInstance(manifest.metadata) ? {} : manifest.metadata) as { name?: unknown };
    throw new Error(`grpc-mesh cannot create ${manifest.kind} "${String(metadata.name ?? name)}" with @pulumi/kubernetes: it ignores ${dropped.join(', ')}.`);
  }
  return new typed.resource(name, manifest as never, opts);
}

/**
 * Options of a component's children: the component as parent, which passes on its provider(s), transformations
 * and `protect`, plus the component's `dependsOn`, which Pulumi does not pass on to children by itself.
 */
export function childOptions(parent: pulumi.ComponentResource, opts: pulumi.ComponentResourceOptions | undefined): pulumi.CustomResourceOptions {
  return { parent, ...(opts?.dependsOn !== undefined && { dependsOn: opts.dependsOn }) };
}
