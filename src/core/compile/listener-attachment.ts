import type { GatewayApiObjects, GatewayListener, GatewayObject, LabelSelector, RouteObject } from './gateway-api-objects';
import { GATEWAY_API_GROUP } from '../../routing/gateway-api';

/** Whether a Gateway listener's `allowedRoutes.kinds` admits GRPCRoute (an HTTP or HTTPS listener does by default). */
export function allowsKind(listener: GatewayListener): boolean {
  const kinds = listener.allowedRoutes?.kinds;
  return kinds === undefined || kinds.length === 0 || kinds.some((k) => (k.group ?? GATEWAY_API_GROUP) === GATEWAY_API_GROUP && k.kind === 'GRPCRoute');
}

/**
 * Whether a Gateway listener's `allowedRoutes.namespaces` admits a route: `Same` (the default), `All`, or a
 * `Selector` on the labels of the route's Namespace.
 */
export function allowsNamespace(index: GatewayApiObjects, gateway: GatewayObject, listener: GatewayListener, route: RouteObject): boolean {
  const namespaces = listener.allowedRoutes?.namespaces;
  switch (namespaces?.from ?? 'Same') {
    case 'All':
      return true;
    case 'Selector':
      // Kubernetes labels every Namespace with its name; other labels come from Namespace objects in the input.
      return selects(namespaces?.selector, {
        'kubernetes.io/metadata.name': route.key.namespace,
        ...index.namespaceLabels.get(route.key.namespace),
      });
    default:
      return route.key.namespace === gateway.key.namespace;
  }
}

/** Whether a label selector selects an object with `labels` (an absent selector selects nothing). */
function selects(selector: LabelSelector | undefined, labels: Readonly<Record<string, string>>): boolean {
  if (selector === undefined) return false;
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) if (labels[key] !== value) return false;
  for (const expression of selector.matchExpressions ?? []) {
    const has = labels[expression.key] !== undefined;
    const inValues = has && (expression.values ?? []).includes(labels[expression.key]);
    const ok = expression.operator === 'In' ? inValues
      : expression.operator === 'NotIn' ? !inValues
        : expression.operator === 'Exists' ? has
          : expression.operator === 'DoesNotExist' ? !has : false;
    if (!ok) return false;
  }
  return true;
}
