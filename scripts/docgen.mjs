#!/usr/bin/env node
// Generates the API reference from the doc comments (TypeDoc + typedoc-plugin-markdown): one page per entry point
// in docs/api/, its symbols grouped by construct (a category per source area, below), and API.md, the index.
//   node scripts/docgen.mjs          write the pages and API.md
//   node scripts/docgen.mjs --check  exit 1 if any of them differs from what would be written (nothing is touched)
// `grpc-mesh/cdk8s` comes first: it documents the props, strategies and enums both adapters share, and the Pulumi
// page links to them (TypeDoc makes references of the re-exports, which are dropped).
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Application, Comment, CommentTag, Converter, ReflectionKind } from 'typedoc';

/** Import path -> entry point, core first. Entries whose file does not exist (yet) are skipped. */
const ENTRY_POINTS = {
  'grpc-mesh/cdk8s': { file: 'src/cdk8s/index.ts', page: 'docs/api/cdk8s.md' },
  'grpc-mesh/pulumi': { file: 'src/pulumi/index.ts', page: 'docs/api/pulumi.md' },
  'grpc-mesh': { file: 'src/index.ts', page: 'docs/api/grpc-mesh.md' },
};
const INDEX = 'API.md';
/** Source path prefix -> category: a symbol is listed with the construct (or area) it belongs to. First match wins. */
const CATEGORIES = [
  [/^src\/(cdk8s|pulumi)\/grpc-mesh-service|^src\/core\/(grpc-mesh-service|kube|autoscaling|pod|container|backend-tls)\b/, 'Services'],
  [/^src\/(core|pulumi)\/data-plane\b|^src\/core\/listener-tls\b/, 'Data planes'],
  [/^src\/core\/(traffic-policy|grpc-status)\b/, 'Traffic policy'],
  [/^src\/core\/monitoring\//, 'Monitoring'],
  [/^src\/core\/network-policy\b/, 'Network policy'],
  [/^src\/pulumi\/inputs\b/, 'Pulumi Inputs'],
  [/^src\/(cdk8s|pulumi)\/(grpc-route|canary-grpc-route)|^src\/core\/(grpc-route|canary-grpc-route|route-refs|route-policy)\b/, 'Routes'],
  [/^src\/(cdk8s|pulumi)\/grpc-gateway|^src\/core\/(grpc-gateway|gateway-implementation)\b/, 'Gateways'],
  [/^src\/routing\/gateway-api\b/, 'Gateway API types'],
  [/^src\/core\/compile\//, 'Compiler'],
  [/^src\/core\/proxy-config\b/, 'Proxy configuration'],
  [/^src\/routing\//, 'Routing engine'],
  [/errors?\b|warnings\b|validation\b|problems?\b/, 'Errors'],
];
const CATEGORY_ORDER = [...new Set(CATEGORIES.map(([, c]) => c))];

process.chdir(fileURLToPath(new URL('..', import.meta.url)));
const entries = Object.entries(ENTRY_POINTS).filter(([, { file }]) => existsSync(file));
const tmp = mkdtempSync(join(tmpdir(), 'docgen-'));
const fail = (message) => {
  rmSync(tmp, { recursive: true, force: true });
  console.error(`docgen: ${message}`);
  process.exit(1);
};

const app = await Application.bootstrapWithPlugins({
  entryPoints: entries.map(([, { file }]) => file),
  tsconfig: 'tsconfig.json',
  plugin: ['typedoc-plugin-markdown'],
  logLevel: 'Warn',
  readme: 'none',
  excludeExternals: true, excludePrivate: true, excludeProtected: true, excludeInternal: true,
  disableSources: true, disableGit: true, // no "Defined in" links: they would carry a git revision or local paths
  categoryOrder: CATEGORY_ORDER,
  groupOrder: ['Classes', 'Interfaces', 'Enumerations', 'Type Aliases', 'Functions', 'Variables', 'Constructors', 'Properties', 'Methods', '*'],
  sort: ['kind', 'instance-first', 'enum-value-ascending', 'alphabetical-ignoring-documents'],
  jsDocCompatibility: { defaultTag: false }, // keep `@default` text as written, it is reworked below
  validation: { notExported: true, invalidLink: true, notDocumented: true },
  outputs: [{ name: 'markdown', path: tmp }],
  // typedoc-plugin-markdown: one page per entry point, explicit <a id> anchors, members in tables
  router: 'module',
  hidePageHeader: true, hideBreadcrumbs: true, useHTMLAnchors: true,
  interfacePropertiesFormat: 'table', classPropertiesFormat: 'table', enumMembersFormat: 'table',
  typeDeclarationFormat: 'table', parametersFormat: 'table',
  tableColumnSettings: { hideModifiers: true, hideSources: true },
});

// Before TypeDoc groups members: name modules after their import paths, drop `_`-prefixed symbols, and move
// `@default` to the "Default value" column (a value as code, a `- description` as text).
let modules;
app.converter.on(Converter.EVENT_RESOLVE_BEGIN, (context) => {
  const { project } = context;
  modules = entries.map(([name, { file }]) => {
    const module = project.children?.find((m) => project.getSymbolIdFromReflection(m)?.packagePath === file);
    return module ? Object.assign(module, { name }) : fail(`no module for ${file}`);
  });
  const all = Object.values(project.reflections);
  for (const module of modules) {
    for (const child of module.children ?? []) {
      const path = declarationPath(context, child);
      const category = CATEGORIES.find(([pattern]) => pattern.test(path))?.[1];
      if (!category) fail(`no category for ${child.name} (${path}): add one to CATEGORIES`);
      child.comment ??= new Comment();
      child.comment.blockTags.push(new CommentTag('@category', [{ kind: 'text', text: category }]));
    }
  }
  const underscored = (r) => r.isDeclaration() && r.name.startsWith('_') && !r.kindOf(ReflectionKind.TypeLiteral);
  all.filter(underscored).forEach((r) => project.removeReflection(r));
  for (const tag of all.flatMap((r) => r.comment?.blockTags ?? []).filter((t) => t.tag === '@default')) {
    const text = tag.content.map((part) => part.text).join('').replace(/\s+/g, ' ').trim();
    tag.tag = '@defaultValue';
    tag.content = [text.startsWith('- ') ? { kind: 'text', text: text.slice(2) } : { kind: 'code', text: `\`${text}\`` }];
  }
});
const project = await app.convert();
if (!project || app.logger.hasErrors()) fail('TypeDoc could not convert the project (errors above)');
app.validate(project); // warns about invalid links and exports without doc comments
// Drop the re-exports of the core once links are resolved (links to them point at the core's symbols).
const reexports = modules.map((module) => {
  const refs = (module.children ?? []).filter((child) => child.kindOf(ReflectionKind.Reference));
  refs.forEach((ref) => project.removeReflection(ref));
  module.groups = module.groups?.filter((group) => group.title !== 'References');
  for (const category of module.categories ?? []) category.children = category.children.filter((child) => !refs.includes(child));
  module.categories = module.categories?.filter((category) => category.children.length > 0);
  return refs.map((ref) => ref.name).sort();
});
await app.generateOutputs(project);
if (app.logger.hasErrors()) fail('TypeDoc could not render the project (errors above)');

// Read the pages TypeDoc wrote, point links at the pages in docs/api/, and give each page a table of contents.
const pages = modules.map((module) => {
  const { page } = ENTRY_POINTS[module.name];
  // The title and the module's comment are dropped: the page's own header says both.
  const text = readFileSync(join(tmp, `${module.name}.md`), 'utf8').replace(/^# .*\n+/, '').replace(/^[^]*?(?=^## |^<a id=")/m, '');
  return { module, source: `${module.name}.md`, page, text, anchors: new Set(Array.from(text.matchAll(/<a id="([^"]+)"><\/a>/g), (m) => m[1])) };
});
const broken = [];
const relink = (page, target) => {
  const [path, anchor = ''] = target.split('#');
  const other = path ? pages.find((p) => p.source === posix.join(posix.dirname(page.source), path)) : page;
  if (!other || (anchor && !other.anchors.has(anchor))) broken.push(`${page.page}: ${target}`);
  const file = other === page ? '' : posix.relative(posix.dirname(page.page), other?.page ?? '');
  return `${file}${anchor ? `#${anchor}` : ''}`;
};
const summaryOf = (module) => module.comment?.summary.map((part) => part.text).join('').replace(/\s+/g, ' ').trim() ?? '';
const bodies = new Map();
const output = new Map(pages.map((page, i) => {
  const body = page.text
    .replace(/\]\(((?:[^()\s#:]+\.md)?(?:#[^()\s]*)?)\)/g, (all, target) => (target ? `](${relink(page, target)})` : all))
    .replace(/(?<!\\)\| `undefined`(?= \|)/g, '| -') // a table cell without a default value
    .replace(/^## (.+)$/gm, (_, title) => `<a id="${slug(title)}"></a>\n\n## ${title}`);
  const names = reexports[i];
  const from = pages.find((p) => p.module === modules[0]);
  const link = `[\`${from.module.name}\`](${posix.relative(posix.dirname(page.page), from.page)})`;
  const listed = names.length > 8 ? `the ${names.length} props types, strategies, enums and errors` : names.map((n) => `\`${n}\``).join(', ');
  const intro = names.length > 0 && from !== page ? `It also exports ${listed}, documented in ${link}.\n\n` : '';
  bodies.set(page, body);
  const text = [
    `# \`${page.module.name}\``,
    `${summaryOf(page.module)} Generated from the doc comments in \`src/\` by \`npx projen docgen\`: do not edit by hand.`,
    `${intro}## Contents\n\n${tocOf(body).join('\n')}`,
    body.trim(),
  ].join('\n\n');
  return [page.page, `${text}\n`];
}));
if (broken.length) console.warn(`docgen: broken links:\n  ${broken.join('\n  ')}`);
output.set(INDEX, [
  '# API Reference',
  'The public API of grpc-mesh, one page per entry point, each grouped by construct. Generated from the doc comments in ' +
    '`src/` by `npx projen docgen`: do not edit by hand.',
  ...pages.map((page) => `## [\`${page.module.name}\`](${page.page})\n\n${summaryOf(page.module)}\n\n${tocOf(bodies.get(page), page.page).join('\n')}`),
].join('\n\n') + '\n');
rmSync(tmp, { recursive: true, force: true });

if (!process.argv.includes('--check')) {
  for (const [file, text] of output) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text);
  }
  console.log(`docgen: wrote ${[...output.keys()].join(', ')}`);
} else {
  const stale = [...output].filter(([file, text]) => !existsSync(file) || readFileSync(file, 'utf8') !== text).map(([file]) => file);
  if (stale.length) fail(`${stale.join(', ')} stale: run \`npx projen docgen\` and commit the result`);
  console.log(`docgen: ${[...output.keys()].join(', ')} up to date`);
}

/** Where a module's child is declared (through re-exports), relative to the repository, e.g. `src/core/kube.ts`. */
function declarationPath(context, reflection) {
  let symbol = context.getSymbolFromReflection(reflection);
  if (symbol && symbol.flags & 2097152 /* ts.SymbolFlags.Alias */) symbol = context.programs[0].getTypeChecker().getAliasedSymbol(symbol);
  const file = symbol?.declarations?.[0]?.getSourceFile().fileName ?? '';
  return posix.relative(process.cwd(), file);
}

/** A heading's anchor, as GitHub makes it. */
function slug(title) {
  return title.toLowerCase().replace(/[^a-z0-9 -]/g, '').replace(/ /g, '-');
}

/** Table of contents of a page body: its categories (`## `), each with the symbols under it (`### `); links into `file`. */
function tocOf(body, file = '') {
  const lines = [];
  for (const [, category, anchor, title] of body.matchAll(/^## (.+)$|^<a id="([^"]+)"><\/a>\n\n### (.+)$/gm)) {
    if (category) lines.push(`- [${category}](${file}#${slug(category)})`, '');
    else lines[lines.length - 1] += `${lines[lines.length - 1] ? ', ' : '  - '}[${title}](${file}#${anchor})`;
  }
  return lines.filter((l) => l !== '');
}
