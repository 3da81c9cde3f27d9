import type { typescript } from 'projen';

/** Adds `docgen` (writes API.md and docs/api from the doc comments) and `docgen:check` (fails when they are stale). */
export function setupDocgen(project: typescript.TypeScriptProject): void {
  project.addDevDeps('typedoc@^0.28.0', 'typedoc-plugin-markdown@^4.6.0');
  project.addTask('docgen', {
    description: 'Generate API.md and docs/api from the doc comments of the public API',
    exec: 'node scripts/docgen.mjs',
  });
  project.addTask('docgen:check', {
    description: 'Fail when API.md or docs/api is not what docgen would write',
    exec: 'node scripts/docgen.mjs --check',
  });
}
