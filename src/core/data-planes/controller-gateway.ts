import type { GrpcGatewayProps } from '../grpc-gateway';
import type { MonitoringProps } from '../monitoring/props';
import { monitoringWithoutMetrics } from '../monitoring/validate';
import type { IssueCollector } from '../validation';
import type { GatewayImplementationStrategy } from './strategy';

/**
 * A Gateway API controller serves the Gateway (`GatewayImplementation.controller(className)`): only the Gateway API
 * objects are written, and the controller's data plane records its calls.
 * @internal
 */
export class ControllerGateway implements GatewayImplementationStrategy {
  public readonly kind = 'controller';

  public constructor(public readonly gatewayClassName: string | undefined) {}

  public validate(issues: IssueCollector, props: GrpcGatewayProps): void {
    issues.require(this.gatewayClassName !== undefined, {
      code: 'GATEWAY_CLASS_REQUIRED',
      path: 'gatewayClassName',
      value: undefined,
      message: 'is required when a Gateway API controller serves the Gateway',
      hint: 'Name the GatewayClass (e.g. \'eg\'), or serve the Gateway yourself with implementation: GatewayImplementation.proxy({ image }).',
    });
    issues.require(props.gatewayClassName === undefined || props.gatewayClassName === this.gatewayClassName, {
      code: 'CONFLICTING_GATEWAY_CLASS',
      path: 'gatewayClassName',
      value: props.gatewayClassName,
      message: `differs from the class of implementation (${JSON.stringify(this.gatewayClassName)})`,
      hint: 'Give the class once.',
    });
  }

  public validateListeners(): void {
    // The controller serves what the Gateway API allows.
  }

  public validateMonitoring(issues: IssueCollector, monitoring: MonitoringProps): void {
    issues.add(monitoringWithoutMetrics(monitoring,
      'needs a tier of ours to scrape, and a Gateway API controller serves this Gateway with its own data plane',
      'Use implementation: GatewayImplementation.proxy() or .envoy(), or monitor the controller with its own dashboards.'));
  }

  public resolveTier(): undefined {
    return undefined;
  }
}
