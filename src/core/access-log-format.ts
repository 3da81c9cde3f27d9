/**
 * The JSON access log both balancer tiers write, one line per call with the same keys, so one log pipeline reads
 * either: Envoy's `json_format` with these command operators, and grpc-mesh-proxy's own lines with the same
 * meaning. Missing values are `null` in the proxy's lines (Envoy writes its own placeholder).
 *
 * | key | Envoy operator | meaning |
 * |---|---|---|
 * | `start_time` | `%START_TIME%` | when the request headers arrived (ISO 8601) |
 * | `path` | `%REQ(:PATH)%` | the gRPC method, `/package.Service/Method` |
 * | `grpc_status` | `%GRPC_STATUS(NUMBER)%` | the status sent to the client |
 * | `response_flags` | `%RESPONSE_FLAGS%` | Envoy's flags (`UH`, `UF`, `URX`...); `-` from the proxy |
 * | `duration_ms` | `%DURATION%` | request headers to the end of the response |
 * | `bytes_received` / `bytes_sent` | `%BYTES_RECEIVED%` / `%BYTES_SENT%` | request and response body bytes |
 * | `upstream_host` | `%UPSTREAM_HOST%` | `address:port` of the endpoint of the last try |
 * | `upstream_cluster` | `%UPSTREAM_CLUSTER%` | the cluster the call went to |
 * | `route_name` | `%ROUTE_NAME%` | the route that matched |
 * | `upstream_request_attempt_count` | `%UPSTREAM_REQUEST_ATTEMPT_COUNT%` | tries, retries included |
 * | `downstream_remote_address` | `%DOWNSTREAM_REMOTE_ADDRESS%` | the client's address |
 * | `request_id` | `%REQ(X-REQUEST-ID)%` | the client's `x-request-id` |
 * | `traceparent` | `%REQ(TRACEPARENT)%` | the W3C trace context |
 */
export const ACCESS_LOG_FORMAT = {
  start_time: '%START_TIME%',
  path: '%REQ(:PATH)%',
  grpc_status: '%GRPC_STATUS(NUMBER)%',
  response_flags: '%RESPONSE_FLAGS%',
  duration_ms: '%DURATION%',
  bytes_received: '%BYTES_RECEIVED%',
  bytes_sent: '%BYTES_SENT%',
  upstream_host: '%UPSTREAM_HOST%',
  upstream_cluster: '%UPSTREAM_CLUSTER%',
  route_name: '%ROUTE_NAME%',
  upstream_request_attempt_count: '%UPSTREAM_REQUEST_ATTEMPT_COUNT%',
  downstream_remote_address: '%DOWNSTREAM_REMOTE_ADDRESS%',
  request_id: '%REQ(X-REQUEST-ID)%',
  traceparent: '%REQ(TRACEPARENT)%',
} as const;

/** A key of the access log both tiers write. */
export type AccessLogField = keyof typeof ACCESS_LOG_FORMAT;
