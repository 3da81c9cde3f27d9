import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as ts from 'typescript';

/**
 * The docs a user reads run: every TypeScript block of README.md and of the generated API reference compiles, as a
 * user would paste it into a file of their own (each block is a module type-checked with the tests' compiler
 * options, `grpc-mesh/cdk8s` and `grpc-mesh/pulumi` resolving to the sources as the package's exports resolve to
 * their build), and every link of the docs points at a file of this repository.
 */
const ROOT = join(__dirname, '..');
/** The Markdown a user reads: README, the API reference pages, the guides and the design notes. */
const DOCS = ['README.md', 'API.md', ...['docs', 'docs/api', 'docs/design'].flatMap((dir) => readdirSync(join(ROOT, dir))
  .filter((f) => f.endsWith('.md')).map((f) => `${dir}/${f}`))];

interface Block { readonly file: string; readonly line: number; readonly code: string }

/** The TypeScript blocks of a Markdown file, with the line each starts on. */
function typeScriptBlocks(file: string, markdown = readFileSync(join(ROOT, file), 'utf8')): Block[] {
  const blocks: Block[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (!/^```(ts|typescript)\s*$/.test(lines[i])) continue;
    const start = i + 1;
    let end = start;
    while (end < lines.length && !lines[end].startsWith('```')) end++;
    blocks.push({ file, line: start + 1, code: lines.slice(start, end).join('\n') });
    i = end;
  }
  return blocks;
}

/** Type errors of the blocks, each as `<file>:<line>: <message>` (lines of the Markdown file). */
function typeErrors(blocks: readonly Block[]): string[] {
  const configPath = join(ROOT, 'test', 'tsconfig.json');
  const config = ts.readConfigFile(configPath, ts.sys.readFile);
  const { options } = ts.parseJsonConfigFileContent(config.config, ts.sys, join(ROOT, 'test'));
  const files = new Map(blocks.map((b, i) => [join(ROOT, 'test', `docs-block-${i + 1}.ts`), b]));
  const host = ts.createCompilerHost({ ...options, noEmit: true });
  const { getSourceFile, fileExists, readFile } = host;
  host.fileExists = (name) => files.has(name) || fileExists.call(host, name);
  host.readFile = (name) => files.get(name)?.code ?? readFile.call(host, name);
  host.getSourceFile = (name, language, ...rest) => {
    const block = files.get(name);
    return block === undefined ? getSourceFile.call(host, name, language, ...rest) : ts.createSourceFile(name, block.code, language);
  };
  const program = ts.createProgram([...files.keys()], { ...options, noEmit: true }, host);
  return ts.getPreEmitDiagnostics(program)
    .filter((d) => d.file !== undefined && files.has(d.file.fileName))
    .map((d) => {
      const block = files.get(d.file!.fileName)!;
      const { line } = d.file!.getLineAndCharacterOfPosition(d.start ?? 0);
      return `${block.file}:${block.line + line}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
    });
}

/** Relative links (`[text](target)`) of a Markdown file that point at no file of the repository. */
function brokenLinks(file: string, text = readFileSync(join(ROOT, file), 'utf8')): string[] {
  const markdown = text.replace(/```[\s\S]*?```/g, '');
  return Array.from(markdown.matchAll(/\]\(([^()\s#]*)(#[^()\s]*)?\)/g), (m) => m[1])
    .filter((target) => target !== '' && !/^[a-z]+:/.test(target))
    .filter((target) => !join(dirname(join(ROOT, file)), target).startsWith(`${ROOT}/`) || !existsSync(join(dirname(join(ROOT, file)), target)))
    .map((target) => `${file}: ${target}`);
}

describe('the docs', () => {
  const blocks = DOCS.flatMap((file) => typeScriptBlocks(file));

  test('have TypeScript blocks to check in the README and the API reference', () => {
    expect(blocks.filter((b) => b.file === 'README.md').length).toBeGreaterThanOrEqual(4);
    expect(blocks.filter((b) => b.file.startsWith('docs/api/')).length).toBeGreaterThanOrEqual(2);
  });

  test('every TypeScript block compiles on its own', () => {
    expect(typeErrors(blocks)).toEqual([]);
  }, 120_000);

  test('a block that does not compile is reported with its file and line', () => {
    const code = 'import { GrpcMeshService } from \'grpc-mesh/cdk8s\';\n\nnew GrpcMeshService(chart, \'x\', {});';
    expect(typeErrors([{ file: 'README.md', line: 10, code }]))
      .toContainEqual(expect.stringMatching(/^README\.md:12: Cannot find name 'chart'/));
  }, 120_000);

  test('every link points at a file of this repository', () => {
    expect(DOCS.flatMap((file) => brokenLinks(file))).toEqual([]);
  });

  test('a link out of the repository or to a missing file is reported', () => {
    expect(brokenLinks('docs/design/proxy.md', '[a](../../../shared/bench/x.sh) [b](missing.md) [c](routing-semantics.md#precedence) [d](https://x.io)'))
      .toEqual(['docs/design/proxy.md: ../../../shared/bench/x.sh', 'docs/design/proxy.md: missing.md']);
  });
});
