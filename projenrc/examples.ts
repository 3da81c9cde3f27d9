import type { typescript } from 'projen';

/** The cdk8s example apps under examples/, each synthesized with the real `cdk8s` CLI. */
export const CDK8S_EXAMPLES = ['classic-recipe', 'gateway-api', 'self-hosted', 'production'];

/**
 * Adds the `example` task: compile the library, synthesize every cdk8s example with the real `cdk8s` CLI and
 * print what was made. This is the first command of the README's quick start.
 */
export function setupExamples(project: typescript.TypeScriptProject): void {
  const example = project.addTask('example', {
    description: 'Synthesize the example cdk8s apps with the cdk8s CLI and print the manifests',
  });
  example.spawn(project.compileTask);
  for (const name of CDK8S_EXAMPLES) {
    example.exec('npx cdk8s synth', { cwd: `examples/${name}` });
    example.exec(`node scripts/show-manifests.mjs examples/${name}/dist`);
  }
  project.gitignore.exclude('examples/*/dist/', '/test/.bad-app-*/');
  project.npmignore?.exclude('/examples/', '/scripts/');
  project.tsconfigDev.addInclude('../examples/**/*.ts');
  project.tsconfigDev.addInclude('../scripts/**/*.ts');
  // Lint the scripts too (the demo); they are outside tsconfig.json's src/, so type-aware lint uses a default project.
  project.eslint?.addLintPattern('scripts');
  project.eslint?.allowDefaultProjectFiles('scripts/*.ts');
}
