import { GrpcStatus, grpcStatusName } from '../grpc-status';
import type { IssueCollector } from '../validation';
import { ENVOY_RETRYABLE_CODES } from './envoy-retry-codes';

/** Code of the issue reported when a dialect cannot express a setting the user made. */
export const UNSUPPORTED_BY_DATA_PLANE = 'UNSUPPORTED_BY_DATA_PLANE';

/** Reports a setting the user made that a dialect cannot express; `message` names the dialect and why. */
export function reportUnsupported(issues: IssueCollector, path: string, value: unknown, message: string, hint: string): void {
  issues.add({ code: UNSUPPORTED_BY_DATA_PLANE, path, value, message, hint });
}

/**
 * The gRPC status codes of `on` that `dialect` can retry, without duplicates, in the user's order; every other
 * code is reported. Envoy Gateway, Istio (both through Envoy's `retry_on`) and Linkerd retry the same five codes,
 * {@link ENVOY_RETRYABLE_CODES}. Codes that are not retryable at all (`OK`, unknown numbers) are skipped without
 * a report: `validateTrafficPolicy` reports them.
 */
export function retryableCodes(issues: IssueCollector, dialect: string, path: string, on: readonly GrpcStatus[] | undefined): GrpcStatus[] {
  const codes: GrpcStatus[] = [];
  (on ?? []).forEach((code, i) => {
    if (GrpcStatus[code] === undefined || code === GrpcStatus.OK) return;
    if (!ENVOY_RETRYABLE_CODES.includes(code)) {
      reportUnsupported(issues, `${path}[${i}]`, grpcStatusName(code),
        `cannot be retried by ${dialect}, which retries only ${ENVOY_RETRYABLE_CODES.map(grpcStatusName).join(', ')}`,
        'Remove the code, or have the server answer a retryable code instead.');
    } else if (!codes.includes(code)) {
      codes.push(code);
    }
  });
  return codes;
}
