import { parse } from 'yaml';
import { validateAnyManifests } from './crd-validator';
import { validateEnvoyBootstrap } from './envoy-validator';
import { checkRestrictedPodSecurity, podSpecsOf } from './pod-security';
import { ENVOY_CONFIG_KEY, PROXY_CONFIG_KEY, type KubeObject } from '../../src/core';
import { parseConfigText, ProxyConfigError, validateConfig } from '../../src/proxy/config';

/**
 * Every check a synthesized set of objects must pass: the Kubernetes 1.35 schemas (strict) for built-in kinds,
 * the CRDs (Gateway API v1.6.1 standard channel, Istio) with their CEL rules for custom kinds, the "restricted"
 * Pod Security Standard for every pod template, Envoy's v3 protos for every Envoy bootstrap, and grpc-mesh-proxy's
 * own validation (schema and semantic checks, as the proxy runs them at start) for every proxy config.
 */
export function problemsOf(objects: readonly KubeObject[]): string[] {
  const problems = [...validateAnyManifests([...objects])];
  for (const { spec, where } of podSpecsOf([...objects])) problems.push(...checkRestrictedPodSecurity(spec, where));
  for (const o of objects) {
    const envoyYaml = o.kind === 'ConfigMap' ? (o.data as Record<string, string> | undefined)?.[ENVOY_CONFIG_KEY] : undefined;
    if (envoyYaml !== undefined) {
      problems.push(...validateEnvoyBootstrap(parse(envoyYaml)).map((p) => `ConfigMap/${o.metadata.name} ${ENVOY_CONFIG_KEY}: ${p}`));
    }
    const proxyYaml = o.kind === 'ConfigMap' ? (o.data as Record<string, string> | undefined)?.[PROXY_CONFIG_KEY] : undefined;
    if (proxyYaml !== undefined) problems.push(...proxyConfigProblems(proxyYaml, `ConfigMap/${o.metadata.name} ${PROXY_CONFIG_KEY}`));
  }
  return problems;
}

function proxyConfigProblems(text: string, where: string): string[] {
  try {
    validateConfig(parseConfigText(text, PROXY_CONFIG_KEY), where);
    return [];
  } catch (error) {
    if (!(error instanceof ProxyConfigError)) throw error;
    return [`${where}: ${error.message}`];
  }
}

/** Counts the Envoy bootstraps among the objects, so a test can prove it checked some. */
export function envoyBootstrapCount(objects: readonly KubeObject[]): number {
  return objects.filter((o) => o.kind === 'ConfigMap' && (o.data as Record<string, string> | undefined)?.[ENVOY_CONFIG_KEY]).length;
}
