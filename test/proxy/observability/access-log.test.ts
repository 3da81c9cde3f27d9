import { ACCESS_LOG_FORMAT } from '../../../src/core/access-log-format';
import { AccessLog } from '../../../src/proxy/observability/access-log';
import { channels, type CallEndMessage } from '../../../src/proxy/observability/channels';

const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

const CALL: CallEndMessage = {
  listener: 'grpc',
  service: 'user.v1.UserService',
  method: 'GetUser',
  traceparent: TRACEPARENT,
  route: 'app/users',
  methodNaming: 'method',
  cluster: 'users',
  endpoint: '10.0.0.1:50051',
  status: 0,
  retries: 1,
  durationMs: 12.3456789,
  requestBytes: 17,
  responseBytes: 42,
  remoteAddress: '10.1.2.3:40000',
  requestId: 'req-1',
};

describe('AccessLog', () => {
  const lines: string[] = [];
  let log: AccessLog;
  beforeEach(() => {
    lines.length = 0;
    log = new AccessLog({ destination: { write: (line: string) => void lines.push(line) } });
  });
  afterEach(() => log.close());

  test('writes one JSON line per finished call, with exactly the keys (and key order) of the Envoy tier\'s access log', () => {
    const before = Date.now();
    channels.callEnd.publish(CALL);
    expect(lines).toHaveLength(1);
    expect(lines[0].endsWith('\n')).toBe(true);
    const entry = JSON.parse(lines[0]);
    expect(entry).toEqual({
      start_time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      path: '/user.v1.UserService/GetUser',
      grpc_status: 0,
      response_flags: '-',
      duration_ms: 12.346,
      bytes_received: 17,
      bytes_sent: 42,
      upstream_host: '10.0.0.1:50051',
      upstream_cluster: 'users',
      route_name: 'app/users',
      upstream_request_attempt_count: 2,
      downstream_remote_address: '10.1.2.3:40000',
      request_id: 'req-1',
      traceparent: TRACEPARENT,
    });
    // The Envoy tier's json_format is the same schema: same keys, same order.
    expect(Object.keys(entry)).toEqual(Object.keys(ACCESS_LOG_FORMAT));
    // start_time is when the call started: its end minus its duration.
    const start = Date.parse(entry.start_time);
    expect(start).toBeLessThanOrEqual(Date.now() - 12);
    expect(start).toBeGreaterThanOrEqual(before - 13);
  });

  test('writes null for what a call routing answered itself does not have', () => {
    channels.callEnd.publish({
      ...CALL, route: undefined, methodNaming: 'none', cluster: undefined, endpoint: undefined, remoteAddress: undefined, requestId: undefined, status: 12,
    });
    expect(JSON.parse(lines[0])).toMatchObject({
      downstream_remote_address: null,
      route_name: null,
      upstream_cluster: null,
      upstream_host: null,
      upstream_request_attempt_count: 0,
      request_id: null,
      grpc_status: 12,
    });
  });

  test('writes nothing for other channels, nor once closed', () => {
    channels.callStart.publish(CALL);
    log.close();
    channels.callEnd.publish(CALL);
    expect(lines).toEqual([]);
  });
});
