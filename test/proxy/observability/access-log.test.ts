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
  remoteAddress: '10.1.2.3',
};

describe('AccessLog', () => {
  const lines: string[] = [];
  let log: AccessLog;
  beforeEach(() => {
    lines.length = 0;
    log = new AccessLog({ destination: { write: (line: string) => void lines.push(line) } });
  });
  afterEach(() => log.close());

  test('writes one JSON line per finished call with time, listener, remote, call, route, endpoint, duration, bytes, retries, trace', () => {
    channels.callEnd.publish(CALL);
    expect(lines).toHaveLength(1);
    expect(lines[0].endsWith('\n')).toBe(true);
    const entry = JSON.parse(lines[0]);
    expect(entry).toEqual({
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      listener: 'grpc',
      remote: '10.1.2.3',
      service: 'user.v1.UserService',
      method: 'GetUser',
      status: 0,
      route: 'app/users',
      cluster: 'users',
      endpoint: '10.0.0.1:50051',
      durationMs: 12.346,
      requestBytes: 17,
      responseBytes: 42,
      retries: 1,
      traceparent: TRACEPARENT,
    });
    expect(Object.keys(entry)[0]).toBe('time');
  });

  test('writes null for what a call routing answered itself does not have', () => {
    channels.callEnd.publish({ ...CALL, route: undefined, methodNaming: 'none', cluster: undefined, endpoint: undefined, remoteAddress: undefined, status: 12 });
    expect(JSON.parse(lines[0])).toMatchObject({ remote: null, route: null, cluster: null, endpoint: null, status: 12 });
  });

  test('writes nothing for other channels, nor once closed', () => {
    channels.callStart.publish(CALL);
    log.close();
    channels.callEnd.publish(CALL);
    expect(lines).toEqual([]);
  });
});
