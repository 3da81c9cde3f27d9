import { javascript, typescript } from 'projen';
import { setupDocgen } from './projenrc/docgen';
import { setupExamples } from './projenrc/examples';
import { setupLayering } from './projenrc/layering';
import { RELEASE_OPTIONS, setupRelease } from './projenrc/release';

/**
 * grpc-mesh is a plain TypeScript library (not jsii): its public API uses union types and, later, Pulumi
 * `Input<T>`s, which jsii cannot express. So the project is a projen `TypeScriptProject`, with API.md generated
 * by TypeDoc (see projenrc/docgen.ts) instead of jsii-docgen.
 */
const project = new typescript.TypeScriptProject({
  name: 'grpc-mesh',
  description: 'Per-call gRPC load balancing on Kubernetes: cdk8s constructs and Pulumi components over one framework-free core, and an L7 gRPC proxy.',
  license: 'Apache-2.0',
  copyrightOwner: 'grpc-mesh authors',
  defaultReleaseBranch: 'main',
  projenrcTs: true,
  packageManager: javascript.NodePackageManager.NPM,
  minNodeVersion: '20.0.0',
  github: false,
  ...RELEASE_OPTIONS,
  buildWorkflow: false,
  depsUpgrade: false,
  pullRequestTemplate: false,
  sampleCode: false,
  typescriptVersion: '~5.9.3',
  docgen: false,
  // What the library and the grpc-mesh command load (the proxy's own dependencies are dev dependencies: see below).
  deps: ['yaml@^2.8.0', 'zod@^4.1.0', 'commander@^14.0.0'],
  peerDeps: ['cdk8s@^2.70.0', 'constructs@^10.4.0', '@pulumi/pulumi@^3.200.0', '@pulumi/kubernetes@^4.21.1'],
  devDeps: [
    'cdk8s@^2.70.0',
    'cdk8s-cli@^2.200.0',
    'constructs@^10.4.0',
    '@grpc/grpc-js-xds@^1.14.0',
    '@grpc/grpc-js@^1.14.0',
    '@grpc/proto-loader@^0.8.0',
    'protobufjs@^7.5.0',
    'ajv@^8.17.0',
    'ajv-formats@^3.0.1',
    'ts-node@^10.9.2',
    'jest-environment-node@^29',
    '@bufbuild/cel@^0.6.1',
    '@bufbuild/protobuf@^2.6.2',
    '@prometheus-io/lezer-promql@^0.315.0',
    '@lezer/lr@^1.4.0',
    '@lezer/highlight@^1.2.0',
    // The proxy's own dependencies: bundled into the image by esbuild (scripts/image/bundle-proxy.mjs), so that users
    // of the constructs do not install them.
    'pino@^10.0.0',
    'prom-client@^15.1.0',
    'esbuild@^0.28.0',
  ],
  tsconfig: {
    compilerOptions: {
      lib: ['es2022'],
      target: 'ES2022',
      skipLibCheck: true,
      // No source maps in lib/: tsc's ES2022 output reads as the source does, inline maps doubled the package (5.1 to
      // 2.7 MB) and cost the proxy 2 MiB of heap (V8 keeps each module's source text), and Node reads maps only
      // under --enable-source-maps.
      inlineSourceMap: false,
      inlineSources: false,
    },
  },
  jestOptions: {
    jestVersion: '^29',
    passWithNoTests: false,
    updateSnapshot: javascript.UpdateSnapshot.NEVER,
    jestConfig: {
      testTimeout: 60_000,
      maxWorkers: 2,
      // A worker's heap grows to 1.2-1.7 GB of garbage over 46 files (about 100 MB is live): tearing that down at
      // exit took longer than jest's 500 ms grace ("A worker process has failed to exit gracefully"). Workers exit
      // without tearing the heap down (see the environment), and one whose heap passed 512 MB after a file is
      // replaced, which also made the suite faster.
      testEnvironment: '<rootDir>/test/support/jest-environment.js',
      workerIdleMemoryLimit: '512MB',
      // The container tests need the image: `npm run test:image` builds it and runs them.
      testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/image/'],
    },
  },
});

project.package.addField('exports', {
  '.': { types: './lib/index.d.ts', default: './lib/index.js' },
  './cdk8s': { types: './lib/cdk8s/index.d.ts', default: './lib/cdk8s/index.js' },
  './pulumi': { types: './lib/pulumi/index.d.ts', default: './lib/pulumi/index.js' },
  './package.json': './package.json',
});
// What users get: the compiled library and its types, the README, the API reference and the licence; not the CI
// script, the Dockerfile, the benchmark and design documents, or the proxy (its image is how it ships).
project.package.addField('files', ['lib/**/*.js', 'lib/**/*.d.ts', '!lib/proxy/', 'API.md', 'docs/api/*.md', 'README.md', 'LICENSE']);
project.package.addField('typesVersions', { '*': { cdk8s: ['lib/cdk8s/index.d.ts'], pulumi: ['lib/pulumi/index.d.ts'] } });
// A cdk8s user installs cdk8s and constructs, a Pulumi user @pulumi/pulumi and @pulumi/kubernetes; neither needs the other's.
project.package.addField('peerDependenciesMeta', {
  'cdk8s': { optional: true },
  'constructs': { optional: true },
  '@pulumi/pulumi': { optional: true },
  '@pulumi/kubernetes': { optional: true },
});

// The registry this project installs from lacks unrs-resolver 1.13's platform bindings for other systems, which
// leaves them out of package-lock.json and breaks `npm ci`; 1.12.2 has them all.
project.package.addField('overrides', { 'unrs-resolver': '1.12.2' });

// Jest transpiles each file on its own (isolatedModules: ts-jest skips the type checker it would build in every
// worker); one `tsc` run type-checks the tests, the examples (against the sources, as the package's own exports)
// and the scripts instead.
project.tsconfigDev.file.addOverride('compilerOptions.isolatedModules', true);
project.tsconfigDev.file.addOverride('compilerOptions.paths', {
  'grpc-mesh': ['../src/index.ts'],
  'grpc-mesh/cdk8s': ['../src/cdk8s/index.ts'],
  'grpc-mesh/pulumi': ['../src/pulumi/index.ts'],
});
const typecheck = project.addTask('typecheck', {
  description: 'Type-check the tests, examples and scripts',
  exec: 'tsc --noEmit -p test/tsconfig.json',
});
// `npm test` compiles first: the example test synthesizes with the real cdk8s CLI against lib/.
project.testTask.prependSpawn(typecheck);
project.testTask.prependSpawn(project.compileTask);

// The proxy ships as its container image only (the Dockerfile bundles it): the package has no `grpc-mesh-proxy` bin
// and leaves lib/proxy out (nothing in the library loads it; the layering rules forbid it).
// `grpc-mesh compile` and `grpc-mesh explain`: Gateway API YAML in, proxy config or an explained call out.
project.addBins({ 'grpc-mesh': 'lib/cli/main.js' });
project.addTask('demo', {
  description: 'Show L4 pinning and per-call balancing side by side: 3 gRPC backends, one client connection, direct vs proxy',
  exec: 'ts-node --transpile-only --project test/tsconfig.json scripts/demo.ts',
}).prependSpawn(project.compileTask);

// `npm run bench`: the proxy against nginx and HAProxy in one run of ../shared/bench, printed as ratios (not in `npm test`).
project.addTask('bench', {
  description: 'Benchmark grpc-mesh-proxy side by side with nginx and HAProxy (../shared/bench) and print the ratios',
  exec: 'node scripts/bench/compare.mjs',
}).prependSpawn(project.compileTask);

// The suites that start grpc-mesh-proxy as it ships (test/proxy/proxy-process.ts): `node lib/proxy/main.js` in
// `npm test`, the container under `npm run test:image` (test/proxy/image-suites.test.ts checks the list is whole).
const PROXY_END_TO_END_SUITES = [
  'test/proxy/main-cli.test.ts',
  'test/proxy/h2/abuse.test.ts',
  'test/proxy/flow-control.test.ts',
  'test/e2e/',
  'test/conformance/grpcroute-end-to-end.test.ts',
];
// `npm run test:image`: builds the proxy image from the Dockerfile with podman (local stand-ins for its base images
// when no registry is reachable), then runs the container tests and the proxy's end-to-end suites against it (not in
// `npm test`; .ci/run runs it).
project.addTask('test:image', {
  description: 'Build the proxy image from the Dockerfile (podman), test the container and run the proxy end-to-end suites against it',
  steps: [
    { exec: 'bash scripts/image/build.sh grpc-mesh-proxy:ci' },
    {
      exec: `jest test/image/ ${PROXY_END_TO_END_SUITES.join(' ')} --coverage=false --testPathIgnorePatterns=/node_modules/`,
      env: { GRPC_MESH_PROXY_IMAGE: 'grpc-mesh-proxy:ci' },
    },
  ],
});

setupLayering(project);
setupExamples(project);
setupDocgen(project);
setupRelease(project);

project.synth();
