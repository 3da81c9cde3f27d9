import { release, type typescript } from 'projen';

/**
 * The release options of the project: versions are cut by hand with `npx projen release` (README, "Releases and
 * versions"), from git tags and conventional commits, without GitHub (the project has no workflows).
 *
 * - `ReleaseTrigger.manual` adds `publish:git`: the release's section of dist/changelog.md is prepended to
 *   CHANGELOG.md, committed as `chore(release): <version>` and tagged `v<version>`. Nothing is pushed
 *   (`gitPushCommand: ''`): the maintainer pushes the image first, then the package, then the tag, in that order, so
 *   that no published package names an image that is not there yet.
 * - The history before releases is not conventional: the first release is 0.1.0 (`nextVersionCommand` answers it
 *   when there is no tag yet; 0.0.0 stays the version of every unreleased build, which has no image), and from then
 *   on the commits since the last tag decide the bump.
 * - The changelog lists features, fixes, performance work and reverts (performance matters in a proxy, and
 *   commit-and-tag-version hides `perf` by default); a release's heading links the comparison with the previous tag
 *   only when the repository's host is known (a `repository` in package.json or a remote), not as `///compare/...`.
 * - The bump runs commit-and-tag-version 12, not projen's default 13: 13 and its conventional-changelog packages need
 *   Node 22, and this project builds, tests and releases on Node 20 (`minNodeVersion`, the Dockerfile's base).
 */
export const RELEASE_OPTIONS = {
  release: true,
  releaseTrigger: release.ReleaseTrigger.manual({ gitPushCommand: '' }),
  bumpPackage: 'commit-and-tag-version@^12',
  versionrcOptions: {
    types: [
      { type: 'feat', section: 'Features' },
      { type: 'fix', section: 'Bug Fixes' },
      { type: 'perf', section: 'Performance' },
      { type: 'revert', section: 'Reverts' },
      ...['build', 'chore', 'ci', 'docs', 'refactor', 'style', 'test'].map((type) => ({ type, hidden: true })),
    ],
    writerOpts: {
      // The preset's heading, with its compare URL written out (the preset fills it in only into its own heading).
      headerPartial: '## {{#if @root.linkCompare}}{{#if @root.host}}[{{version}}]({{@root.host}}/{{@root.owner}}/{{@root.repository}}'
        + '/compare/{{@root.previousTag}}...{{@root.currentTag}}){{else}}{{version}}{{/if}}{{else}}{{version}}{{/if}}'
        + '{{#if title}} "{{title}}"{{/if}}{{#if date}} ({{date}}){{/if}}\n',
    },
  },
  nextVersionCommand: 'node -e "process.stdout.write(process.env.LATEST_TAG ? \'\' : \'0.1.0\')"',
} satisfies Partial<typescript.TypeScriptProjectOptions>;

/**
 * Adds `release:image` (scripts/release/image.sh: the proxy image tagged with the version, the library's default
 * proxy image) to the release task, after the build and while package.json holds the bumped version.
 */
export function setupRelease(project: typescript.TypeScriptProject): void {
  const image = project.addTask('release:image', {
    description: 'Build the grpc-mesh-proxy image of this release, tagged as the library\'s default proxy image (podman)',
    exec: 'bash scripts/release/image.sh',
  });
  const releaseTask = project.tasks.tryFind('release');
  const unbump = releaseTask?.steps.findIndex((step) => step.spawn === 'unbump') ?? -1;
  if (!releaseTask || unbump < 0) throw new Error('the release task has no unbump step to build the image before');
  releaseTask.insertStep(unbump, { spawn: image.name });
}
