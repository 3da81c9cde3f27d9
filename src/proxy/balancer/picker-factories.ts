import { LeastRequestPicker } from './least-request-picker';
import type { PickerFactory } from './picker';
import { RoundRobinPicker } from './round-robin-picker';
import type { ProxyClusterConfig } from '../../core/proxy-config';

/** A balancing policy name of the config. */
export type LoadBalancerPolicy = NonNullable<ProxyClusterConfig['loadBalancer']>;

/** The picker factory of each balancing policy: an explicit map, no global registry. */
export const PICKER_FACTORIES: Readonly<Record<LoadBalancerPolicy, PickerFactory>> = Object.freeze({
  ROUND_ROBIN: (endpoints, random) => new RoundRobinPicker(endpoints, random),
  LEAST_REQUEST: (endpoints, random) => new LeastRequestPicker(endpoints, random),
});
