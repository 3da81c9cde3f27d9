import type { typescript } from 'projen';

/** Packages that only an adapter may load (DESIGN.md section 3). */
const FRAMEWORKS = {
  cdk8s: ['cdk8s', 'cdk8s-plus-*', 'constructs'],
  pulumi: ['@pulumi/*'],
  http2: ['http2', 'node:http2'],
};

/**
 * The proxy's own dependencies: dev dependencies, bundled into its image (scripts/image/bundle-proxy.mjs), so the
 * library must never load them (a user's install does not have them).
 */
const PROXY_ONLY = ['pino', 'pino/*', 'prom-client'];

function restrict(patterns: string[], message: string) {
  return ['error', { patterns: [{ group: patterns, message }] }];
}

/**
 * Enforces the layering of DESIGN.md section 3 with lint rules: the core imports no framework, each adapter
 * imports only the core, and the proxy shares nothing with the adapters.
 */
export function setupLayering(project: typescript.TypeScriptProject): void {
  const eslint = project.eslint;
  if (!eslint) throw new Error('layering needs eslint enabled');

  eslint.addRules({
    'import/no-restricted-paths': ['error', {
      zones: [
        { target: './src/core', from: ['./src/cdk8s', './src/pulumi', './src/proxy'], message: 'src/core is framework-free: adapters depend on it, never the reverse.' },
        { target: './src/problems', from: ['./src/core', './src/routing', './src/cdk8s', './src/pulumi', './src/proxy', './src/cli'], message: 'src/problems (the error model) depends on nothing: every layer builds on it.' },
        { target: './src/routing', from: ['./src/core', './src/cdk8s', './src/pulumi', './src/proxy'], message: 'src/routing is pure: everything depends on it, it depends on nothing.' },
        { target: './src/cdk8s', from: ['./src/pulumi', './src/proxy'], message: 'src/cdk8s depends on src/core only.' },
        { target: './src/pulumi', from: ['./src/cdk8s', './src/proxy'], message: 'src/pulumi depends on src/core only.' },
        { target: './src/proxy', from: ['./src/cdk8s', './src/pulumi', './src/cli'], message: 'the proxy never loads an IaC framework.' },
        { target: './src/cli', from: ['./src/cdk8s', './src/pulumi', './src/proxy'], message: 'the grpc-mesh command runs on src/core and src/routing only.' },
      ],
    }],
  });
  eslint.addOverride({
    files: ['src/core/**/*.ts', 'src/routing/**/*.ts', 'src/problems/**/*.ts', 'src/cli/**/*.ts', 'src/index.ts'],
    rules: {
      'no-restricted-imports': restrict(
        [...FRAMEWORKS.cdk8s, ...FRAMEWORKS.pulumi, ...FRAMEWORKS.http2, ...PROXY_ONLY],
        'src/core, src/routing and the grpc-mesh command are framework-free (DESIGN.md section 3): no cdk8s, constructs, Pulumi or http2, '
        + 'nor the proxy\'s own dependencies (pino, prom-client).',
      ),
    },
  });
  eslint.addOverride({
    files: ['src/cdk8s/**/*.ts'],
    rules: { 'no-restricted-imports': restrict([...FRAMEWORKS.pulumi, ...PROXY_ONLY], 'src/cdk8s must not import Pulumi, nor the proxy\'s own dependencies.') },
  });
  eslint.addOverride({
    files: ['src/pulumi/**/*.ts'],
    rules: { 'no-restricted-imports': restrict([...FRAMEWORKS.cdk8s, ...PROXY_ONLY], 'src/pulumi must not import cdk8s or constructs, nor the proxy\'s own dependencies.') },
  });
  eslint.addOverride({
    files: ['src/proxy/**/*.ts'],
    rules: {
      'no-restricted-imports': restrict(
        [...FRAMEWORKS.cdk8s, ...FRAMEWORKS.pulumi],
        'the proxy must not load cdk8s or Pulumi.',
      ),
      // Its packages are dev dependencies on purpose: the image bundles them, users of the library never install them.
      'import/no-extraneous-dependencies': ['error', { devDependencies: true, optionalDependencies: false, peerDependencies: false }],
    },
  });
}
