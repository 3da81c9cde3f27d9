import type { typescript } from 'projen';

/** Adds `docgen` (writes API.md from the doc comments) and `docgen:check` (fails when API.md is stale). */
export function setupDocgen(project: typescript.TypeScriptProject): void {
  project.addDevDeps('typedoc@^0.28.0', 'typedoc-plugin-markdown@^4.6.0');
  project.addTask('docgen', {
    description: 'Generate API.md from the doc comments of the public API',
    exec: 'node scripts/docgen.mjs',
  });
  project.addTask('docgen:check', {
    description: 'Fail when API.md is not what docgen would write',
    exec: 'node scripts/docgen.mjs --check',
  });
}
