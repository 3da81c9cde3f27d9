import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ts from 'typescript';

/**
 * Every TypeScript block of README.md compiles, as a user would paste it into a file of their own: each block is a
 * module type-checked with the tests' compiler options, `grpc-mesh/cdk8s` and `grpc-mesh/pulumi` resolving to the
 * sources as the package's exports resolve to their build.
 */
const ROOT = join(__dirname, '..');

/** The TypeScript blocks of a Markdown text, with the line each starts on. */
function typeScriptBlocks(markdown: string): Array<{ line: number; code: string }> {
  const blocks: Array<{ line: number; code: string }> = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (!/^```(ts|typescript)\s*$/.test(lines[i])) continue;
    const start = i + 1;
    let end = start;
    while (end < lines.length && !lines[end].startsWith('```')) end++;
    blocks.push({ line: start + 1, code: lines.slice(start, end).join('\n') });
    i = end;
  }
  return blocks;
}

/** Type errors of the blocks, each as `README.md:<line>: <message>` (lines of README.md). */
function typeErrors(blocks: ReadonlyArray<{ line: number; code: string }>): string[] {
  const configPath = join(ROOT, 'test', 'tsconfig.json');
  const config = ts.readConfigFile(configPath, ts.sys.readFile);
  const { options } = ts.parseJsonConfigFileContent(config.config, ts.sys, join(ROOT, 'test'));
  const files = new Map(blocks.map((b, i) => [join(ROOT, 'test', `readme-block-${i + 1}.ts`), b]));
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
      return `README.md:${block.line + line}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
    });
}

describe('README.md', () => {
  const blocks = typeScriptBlocks(readFileSync(join(ROOT, 'README.md'), 'utf8'));

  test('has TypeScript blocks to check', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(4);
  });

  test('every TypeScript block compiles on its own', () => {
    expect(typeErrors(blocks)).toEqual([]);
  }, 120_000);

  test('a block that does not compile is reported with its README line', () => {
    expect(typeErrors([{ line: 10, code: 'import { GrpcMeshService } from \'grpc-mesh/cdk8s\';\n\nnew GrpcMeshService(chart, \'x\', {});' }]))
      .toContainEqual(expect.stringMatching(/^README\.md:12: Cannot find name 'chart'/));
  }, 120_000);
});
