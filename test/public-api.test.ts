/* eslint-disable no-bitwise -- the TypeScript compiler API's symbol, modifier and type flags are bit sets */
import { join } from 'node:path';
import * as ts from 'typescript';

/**
 * The public surface is deliberate: each entry point exports its values (constructs, components, strategies, enums,
 * errors, the functions users call) and exactly the types their public signatures reach. A type they reach but the
 * entry point does not export is one a user cannot name; an exported type that no exported value reaches is an
 * internal that leaked (semver-bound for nothing). Members marked `@internal`, private or protected do not count.
 */
const ROOT = join(__dirname, '..');
const ENTRY_POINTS = {
  'grpc-mesh': 'src/index.ts',
  'grpc-mesh/cdk8s': 'src/cdk8s/index.ts',
  'grpc-mesh/pulumi': 'src/pulumi/index.ts',
};

const program = ts.createProgram(Object.values(ENTRY_POINTS).map((f) => join(ROOT, f)), {
  target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS, strict: true, skipLibCheck: true, noEmit: true,
});
const checker = program.getTypeChecker();

const DECLARED = ts.SymbolFlags.Class | ts.SymbolFlags.Interface | ts.SymbolFlags.TypeAlias | ts.SymbolFlags.Enum
  | ts.SymbolFlags.Function | ts.SymbolFlags.Variable;
const VALUE = ts.SymbolFlags.Class | ts.SymbolFlags.Enum | ts.SymbolFlags.Function | ts.SymbolFlags.Variable;

function target(symbol: ts.Symbol): ts.Symbol {
  return symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
}

/** A top-level declaration of our sources (not a member, not a library's). */
function isOurs(symbol: ts.Symbol): boolean {
  const decls = symbol.declarations ?? [];
  return (symbol.flags & DECLARED) !== 0 && decls.length > 0
    && decls.every((d) => d.getSourceFile().fileName.startsWith(join(ROOT, 'src')))
    && decls.every((d) => ts.isSourceFile(d.parent) || (ts.isVariableDeclarationList(d.parent) && ts.isVariableStatement(d.parent.parent)));
}

function isHiddenMember(node: ts.Node): boolean {
  if (!ts.isClassElement(node) && !ts.isTypeElement(node) && !ts.isParameter(node)) return false;
  const modifiers = ts.canHaveModifiers(node) ? ts.getCombinedModifierFlags(node as ts.Declaration) : 0;
  return (modifiers & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)) !== 0
    || (node.name !== undefined && ts.isPrivateIdentifier(node.name))
    || ts.getJSDocTags(node).some((tag) => tag.tagName.text === 'internal');
}

/** Our symbols that the public parts of `symbol`'s declarations name (bodies and initializers excluded). */
function referencedBy(symbol: ts.Symbol): ts.Symbol[] {
  const found: ts.Symbol[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isConstructorDeclaration(node) && isHiddenMember(node)) {
      // A private constructor's parameter properties (`public readonly kind: ...`) are still public members.
      node.parameters.filter((p) => ts.isParameterPropertyDeclaration(p, node) && !isHiddenMember(p)).forEach((p) => p.type && visit(p.type));
      return;
    }
    if (isHiddenMember(node)) return;
    if ((ts.isFunctionLike(node) || ts.isConstructorDeclaration(node)) && 'body' in node && node.body) {
      ts.forEachChild(node, (child) => { if (child !== node.body) visit(child); });
      return;
    }
    if ((ts.isVariableDeclaration(node) || ts.isPropertyDeclaration(node)) && node.initializer) {
      if (node.type) visit(node.type);
      else found.push(...symbolsOfType(checker.getTypeAtLocation(node)));
      return;
    }
    if (ts.isTypeReferenceNode(node) || ts.isExpressionWithTypeArguments(node) || ts.isTypeQueryNode(node)) {
      const name = ts.isTypeReferenceNode(node) ? node.typeName : ts.isTypeQueryNode(node) ? node.exprName : node.expression;
      const referenced = checker.getSymbolAtLocation(ts.isQualifiedName(name) ? name.right : name);
      if (referenced) found.push(target(referenced));
    }
    ts.forEachChild(node, visit);
  };
  (symbol.declarations ?? []).forEach(visit);
  return found.filter(isOurs);
}

/** The named types an inferred type is made of (for a public member or const without a type annotation). */
function symbolsOfType(type: ts.Type): ts.Symbol[] {
  const named = type.aliasSymbol ?? (type.flags & ts.TypeFlags.Object ? type.getSymbol() : undefined);
  const parts = type.isUnionOrIntersection() ? type.types.flatMap(symbolsOfType) : [];
  return [...(named ? [named] : []), ...parts];
}

describe('public surface', () => {
  describe.each(Object.entries(ENTRY_POINTS))('%s', (_name, file) => {
    const module = checker.getSymbolAtLocation(program.getSourceFile(join(ROOT, file))!)!;
    const exported = new Map(checker.getExportsOfModule(module).map((e) => [target(e), e.name]));
    // `export type X = Y` names Y: a user who can write X can write every signature that says Y.
    for (const [symbol, name] of [...exported]) {
      for (const d of symbol.declarations ?? []) {
        if (!ts.isTypeAliasDeclaration(d) || !ts.isTypeReferenceNode(d.type)) continue;
        const named = checker.getSymbolAtLocation(ts.isQualifiedName(d.type.typeName) ? d.type.typeName.right : d.type.typeName);
        if (named && isOurs(target(named)) && !exported.has(target(named))) exported.set(target(named), name);
      }
    }
    const reached = new Map<ts.Symbol, string>();
    const queue = [...exported.keys()].filter((s) => s.flags & VALUE);
    queue.forEach((s) => reached.set(s, 'exported value'));
    while (queue.length > 0) {
      const symbol = queue.shift()!;
      for (const next of referencedBy(symbol)) {
        if (reached.has(next)) continue;
        reached.set(next, symbol.name);
        queue.push(next);
      }
    }

    it('exports every type its public signatures reach', () => {
      const missing = [...reached].filter(([s]) => !exported.has(s)).map(([s, from]) => `${s.name} (reached from ${from})`);
      expect(missing).toEqual([]);
    });

    it('exports no type that none of its values reach', () => {
      const leaked = [...exported].filter(([s]) => !reached.has(s)).map(([, name]) => name);
      expect(leaked).toEqual([]);
    });

    it('exports only constructs, strategies, enums, errors and documented functions as values', () => {
      const values = [...exported].filter(([s]) => s.flags & VALUE).map(([, name]) => name).sort();
      expect(values.length).toBeGreaterThan(0);
      // Internal helpers are render*/resolve*/validate*/check* functions and SCREAMING_CASE constants.
      expect(values.filter((n) => /^(render|resolve|validate|check|translate)[A-Z]|^[A-Z][A-Z0-9_]+$/.test(n))).toEqual([]);
    });
  });
});
