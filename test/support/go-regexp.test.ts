import { validateCustomResources } from './crd-validator';
import { goRegExp } from './go-regexp';

describe('Go regular expressions of CRD patterns', () => {
  test('(?i) after at most ^ becomes the i flag; other inline flags are refused, naming the pattern', () => {
    const re = goRegExp('^(?i)(abort|warn)?$');
    expect(['abort', 'ABORT', 'Warn', ''].map((s) => re.test(s))).toEqual([true, true, true, true]);
    expect(re.test('maybe')).toBe(false);
    expect(goRegExp('(?i)a', 'u').flags).toBe('iu');
    expect(goRegExp('^[a-z]+$').test('ABC')).toBe(false);
    expect(() => goRegExp('a(?i)b')).toThrow('unsupported Go regular expression flag (?i) in pattern "a(?i)b"');
    expect(() => goRegExp('(?s).*')).toThrow('(?s)');
  });

  test('the prometheus-operator PrometheusRule CRD checks partial_response_strategy case-insensitively', () => {
    const rule = (strategy: string) => ({
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PrometheusRule',
      metadata: { name: `r-${strategy.toLowerCase() || 'none'}`, namespace: 'app' },
      spec: { groups: [{ name: 'g', partial_response_strategy: strategy, rules: [{ alert: 'A', expr: 'up == 0' }] }] },
    });
    expect(validateCustomResources([rule('ABORT'), rule('warn'), rule('')])).toEqual([]);
    expect(validateCustomResources([rule('maybe')])).toEqual([
      'PrometheusRule/app/r-maybe: spec.groups[0].partial_response_strategy: must match pattern "^(?i)(abort|warn)?$"',
    ]);
  });

  test('PodMonitors are checked strictly: unknown fields and bad enums are problems', () => {
    const podMonitor = {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PodMonitor',
      metadata: { name: 'p', namespace: 'app' },
      spec: { selector: {}, podMetricsEndpoints: [{ port: 'metrics', portName: 'x', relabelings: [{ action: 'copy' }] }] },
    };
    expect(validateCustomResources([podMonitor]).join('\n')).toMatch(/podMetricsEndpoints\[0\]\.portName: unknown field[\s\S]*relabelings\[0\]\.action: must be one of/);
  });
});
