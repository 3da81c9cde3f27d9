import { Endpoint } from '../../../src/proxy/balancer/endpoint';
import { OutlierDetector } from '../../../src/proxy/health/outlier-detector';

const POOL = { connectTimeoutMs: 1000, maxConnections: 1 };

describe('OutlierDetector', () => {
  let now = 0;
  const list = (): Endpoint[] => Array.from({ length: 4 }, (_, i) => new Endpoint(`10.0.0.${i}`, 1, `10.0.0.${i}:1`, POOL));

  function detector(endpoints: Endpoint[], maxEjectionPercent = 50): { detector: OutlierDetector; changes: () => number } {
    let changes = 0;
    const d = new OutlierDetector('c', { consecutiveErrors: 3, intervalMs: 1000, baseEjectionTimeMs: 100, maxEjectionPercent },
      () => endpoints, () => changes++, () => now);
    return { detector: d, changes: () => changes };
  }

  test('ejects after consecutive failures for base x n, and returns the endpoint after', () => {
    const endpoints = list();
    const { detector: d, changes } = detector(endpoints);
    now = 0;
    d.recordFailure(endpoints[0]);
    d.recordFailure(endpoints[0]);
    expect(endpoints[0].ejected).toBe(false);
    d.recordFailure(endpoints[0]);
    expect([endpoints[0].ejected, endpoints[0].ejectedUntilMs, changes()]).toEqual([true, 100, 1]);
    now = 99;
    d.sweep();
    expect(endpoints[0].ejected).toBe(true);
    now = 100;
    d.sweep();
    expect([endpoints[0].ejected, changes()]).toEqual([false, 2]);
    // The second ejection lasts twice as long.
    for (let i = 0; i < 3; i++) d.recordFailure(endpoints[0]);
    expect(endpoints[0].ejectedUntilMs).toBe(300);
    d.stop();
  });

  test('caps ejections at maxEjectionPercent, but always allows one', () => {
    const endpoints = list();
    const { detector: d } = detector(endpoints, 50);
    for (const endpoint of endpoints) for (let i = 0; i < 3; i++) d.recordFailure(endpoint);
    expect(endpoints.filter((e) => e.ejected)).toHaveLength(2);
    d.stop();

    const others = list();
    const { detector: low } = detector(others, 1);
    for (const endpoint of others) for (let i = 0; i < 3; i++) low.recordFailure(endpoint);
    expect(others.filter((e) => e.ejected)).toHaveLength(1);
    low.stop();

    const none = list();
    const { detector: off } = detector(none, 0);
    for (let i = 0; i < 3; i++) off.recordFailure(none[0]);
    expect(none[0].ejected).toBe(false);
    off.stop();
  });

  test('decays the ejection count of an endpoint that stays in', () => {
    const endpoints = list();
    const { detector: d } = detector(endpoints);
    now = 0;
    for (let i = 0; i < 3; i++) d.recordFailure(endpoints[0]);
    now = 1000;
    d.sweep();
    expect(endpoints[0].ejections).toBe(1);
    d.sweep();
    expect(endpoints[0].ejections).toBe(0);
    d.stop();
  });
});
