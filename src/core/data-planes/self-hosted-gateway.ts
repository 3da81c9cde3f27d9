import { validateIssuerChoice } from '../backend-tls';
import type { ProxyGatewayOptions, EnvoyGatewayTierOptions } from '../gateway-implementation';
import type { GrpcGatewayProps, GrpcListenerProps, ResolvedGatewayTier } from '../grpc-gateway';
import { resolveGatewayTierNetworkPolicy, validateGatewayTierNetworkPolicy } from '../network-policy';
import type { IssueCollector } from '../validation';
import type { GatewayImplementationStrategy, TierStrategy } from './strategy';
import { resolveTier, validateTierOptions } from './tier';

/**
 * A tier we deploy serves the Gateway (`GatewayImplementation.proxy()`, `.envoy()`): every route attached to it is
 * compiled into the tier's config at synthesis. Everything that differs between Envoy and grpc-mesh-proxy comes from
 * the tier strategy.
 * @internal
 */
export class SelfHostedGateway implements GatewayImplementationStrategy {
  public readonly gatewayClassName = undefined;

  public constructor(private readonly tier: TierStrategy, private readonly options: ProxyGatewayOptions | EnvoyGatewayTierOptions) {}

  public get kind(): 'envoy' | 'proxy' {
    return this.tier.kind;
  }

  public withOptions(map: (options: object) => object): SelfHostedGateway {
    return new SelfHostedGateway(this.tier, map(this.options) as ProxyGatewayOptions | EnvoyGatewayTierOptions);
  }

  public validate(issues: IssueCollector, props: GrpcGatewayProps): void {
    validateTierOptions(issues, 'implementation', this.tier, this.options);
    validateIssuerChoice(issues, 'implementation.backendTls.certManager', this.options.backendTls?.certManager);
    validateGatewayTierNetworkPolicy(issues, 'implementation.networkPolicy', this.options.networkPolicy);
    if (this.options.gatewayApiObjects !== true && props.gatewayClass !== undefined) {
      issues.add({
        code: 'GATEWAY_CLASS_UNUSED',
        path: 'gatewayClass',
        value: props.gatewayClass,
        message: 'cannot be created for a self-hosted Gateway that writes no Gateway API objects',
        hint: 'Remove gatewayClass, or set gatewayApiObjects: true on the implementation.',
      });
    }
  }

  /**
   * What a self-hosted tier can serve: its pods mount each certificate Secret, so it must be in the Gateway's
   * namespace, and each port serves one protocol and one certificate (no SNI certificate selection).
   */
  public validateListeners(issues: IssueCollector, props: GrpcGatewayProps, namespace: string): void {
    const listeners: readonly GrpcListenerProps[] = props.listeners;
    const byPort = new Map<number, number[]>();
    listeners.forEach((l, i) => {
      byPort.set(l.port, [...(byPort.get(l.port) ?? []), i]);
      if (l.tls?.secretNamespace !== undefined) {
        issues.require(l.tls.secretNamespace === namespace, {
          code: 'SECRET_NOT_MOUNTABLE',
          path: `listeners[${i}].tls.secretNamespace`,
          value: l.tls.secretNamespace,
          message: `must be the Gateway's namespace ("${namespace}") for a self-hosted Gateway, whose pods mount the Secret`,
          hint: 'Copy the certificate into the Gateway\'s namespace (for example with cert-manager or reflector).',
        });
      }
    });
    for (const [port, indexes] of byPort) {
      const secrets = new Set(indexes.map((i) => (listeners[i].tls === undefined ? '' : String(listeners[i].tls?.secretName))));
      issues.require(secrets.size === 1, {
        code: 'LISTENER_CERTIFICATES',
        path: `listeners[${indexes.join(',')}]`,
        value: [...secrets].map((s) => s || 'no TLS'),
        message: `share port ${port} with ${secrets.has('') ? 'and without TLS' : 'different certificates'}; a self-hosted Gateway serves one protocol and one certificate per port`,
        hint: 'Give these listeners distinct ports, or the same Secret.',
      });
    }
  }

  public validateMonitoring(): void {
    // The tier records every call.
  }

  public resolveTier(name: string, labels: Readonly<Record<string, string>> | undefined): ResolvedGatewayTier {
    const tier = resolveTier(this.tier, name, labels, this.options);
    const backendTls = this.options.backendTls && { certManager: this.options.backendTls.certManager, secretName: `${tier.name}-client-tls` };
    const networkPolicy = resolveGatewayTierNetworkPolicy(this.options.networkPolicy);
    return {
      ...tier,
      gatewayApiObjects: this.options.gatewayApiObjects ?? false,
      ...(backendTls && { backendTls }),
      ...(networkPolicy !== undefined && { networkPolicy }),
    };
  }
}
