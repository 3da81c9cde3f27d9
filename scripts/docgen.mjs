#!/usr/bin/env node
// Generates API.md, the reference of the public API, from the doc comments (TypeDoc + typedoc-plugin-markdown).
//   node scripts/docgen.mjs          write API.md
//   node scripts/docgen.mjs --check  exit 1 if API.md differs from what would be written (API.md is not touched)
// TypeDoc renders one Markdown page per entry point into a temp dir; this script joins them into one file behind a
// header and a table of contents, making anchors unique and links local. The first entry point is the core; the
// others re-export it, so TypeDoc makes references of those re-exports, which are dropped: each later section
// lists only what its entry point adds.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Application, Converter, ReflectionKind } from 'typedoc';

/** Import path -> entry point, core first. Entries whose file does not exist (yet) are skipped. */
const ENTRY_POINTS = {
  'grpc-mesh': 'src/index.ts',
  'grpc-mesh/cdk8s': 'src/cdk8s/index.ts',
  'grpc-mesh/pulumi': 'src/pulumi/index.ts',
};
const OUT_FILE = 'API.md';

process.chdir(fileURLToPath(new URL('..', import.meta.url)));
const entries = Object.entries(ENTRY_POINTS).filter(([, file]) => existsSync(file));
const tmp = mkdtempSync(join(tmpdir(), 'docgen-'));
const fail = (message) => {
  rmSync(tmp, { recursive: true, force: true });
  console.error(`docgen: ${message}`);
  process.exit(1);
};

const app = await Application.bootstrapWithPlugins({
  entryPoints: entries.map(([, file]) => file),
  tsconfig: 'tsconfig.json',
  plugin: ['typedoc-plugin-markdown'],
  logLevel: 'Warn',
  readme: 'none',
  excludeExternals: true, excludePrivate: true, excludeProtected: true, excludeInternal: true,
  disableSources: true, disableGit: true, // no "Defined in" links: they would carry a git revision or local paths
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
app.converter.on(Converter.EVENT_RESOLVE_BEGIN, ({ project }) => {
  modules = entries.map(([name, file]) => {
    const module = project.children?.find((m) => project.getSymbolIdFromReflection(m)?.packagePath === file);
    return module ? Object.assign(module, { name }) : fail(`no module for ${file}`);
  });
  const all = Object.values(project.reflections);
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
  return refs.length;
});
await app.generateOutputs(project);
if (app.logger.hasErrors()) fail('TypeDoc could not render the project (errors above)');

// Read the pages; an anchor already used by an earlier page gets the entry point's id as prefix.
const used = new Set();
const pages = modules.map((module) => {
  const file = `${module.name}.md`;
  const id = module.name.replace(/[^a-z0-9]+/g, '-');
  const text = readFileSync(join(tmp, file), 'utf8').replace(/^# .*\n+/, '');
  const ids = new Map([['', id]]);
  for (const anchor of [id, ...Array.from(text.matchAll(/<a id="([^"]+)"><\/a>/g), (m) => m[1])]) {
    ids.set(anchor, used.has(anchor) ? `${id}-${anchor}` : anchor);
    used.add(ids.get(anchor));
  }
  return { module, file, id, ids, text };
});
const broken = [];
const resolve = (page, target) => {
  const [path, anchor = ''] = target.split('#');
  const other = path ? pages.find((p) => p.file === posix.join(posix.dirname(page.file), path)) : page;
  if (!other?.ids.has(anchor)) broken.push(`${page.module.name}: ${target}`);
  return `#${other?.ids.get(anchor) ?? anchor}`;
};
const sections = pages.map((page, i) => {
  const body = page.text
    .replace(/<a id="([^"]+)"><\/a>/g, (_, anchor) => `<a id="${page.ids.get(anchor)}"></a>`)
    .replace(/\]\(((?:[^()\s#:]+\.md)?(?:#[^()\s]*)?)\)/g, (all, target) => (target ? `](${resolve(page, target)})` : all))
    .replace(/(?<!\\)\| `undefined`(?= \|)/g, '| -'); // a table cell without a default value
  const n = reexports[i];
  const intro = n ? `Also re-exports ${n === modules[0].children?.length ? 'every symbol' : `${n} symbols`} of [\`${modules[0].name}\`](#${pages[0].id}).\n\n` : '';
  return `<a id="${page.id}"></a>\n\n# \`${page.module.name}\`\n\n${intro}${body.trim()}\n`;
});
if (broken.length) console.warn(`docgen: broken links in API.md:\n  ${broken.join('\n  ')}`);

// Table of contents: every symbol, by entry point and group, read from the sections' headings.
const toc = sections.map((section, i) => {
  const lines = [`- [\`${pages[i].module.name}\`](#${pages[i].id})`];
  for (const [, group, anchor, title] of section.matchAll(/^## (.+)$|^<a id="([^"]+)"><\/a>\n\n### (.+)$/gm)) {
    const last = lines.pop();
    lines.push(...(group ? [last, `  - ${group}:`] : [`${last}${last.endsWith(':') ? '' : ','} [${title}](#${anchor})`]));
  }
  return lines.join('\n');
});
const output = [
  '# API Reference',
  'The public API of grpc-mesh, one section per entry point. This file is generated from the doc comments in ' +
    '`src/` by `npx projen docgen`: do not edit it by hand.',
  '## Contents',
  toc.join('\n'),
  ...sections,
].join('\n\n');
rmSync(tmp, { recursive: true, force: true });

if (!process.argv.includes('--check')) {
  writeFileSync(OUT_FILE, output);
  console.log(`docgen: wrote ${OUT_FILE}`);
} else if (!existsSync(OUT_FILE) || readFileSync(OUT_FILE, 'utf8') !== output) {
  fail(`${OUT_FILE} is stale: run \`npx projen docgen\` and commit it`);
} else {
  console.log(`docgen: ${OUT_FILE} is up to date`);
}
