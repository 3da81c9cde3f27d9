/**
 * CEL for Kubernetes `x-kubernetes-validations` rules: @bufbuild/cel (a CEL-spec evaluator whose `matches` uses
 * RE2, as Kubernetes does) with the `strings` extension the API server enables, plus the functions of the
 * Kubernetes CEL libraries that the vendored CRDs call: `isIP(string)`, `isURL(string)`, `url(string)` with
 * `URL.getScheme()`, and `format.dns1123Label()` with `Format.validate(string)`.
 *
 * Values are converted as the API server converts them for CEL: objects with declared properties keep only
 * those fields, under their escaped names (`namespace` is `__namespace__`); `integer` fields are CEL ints and
 * `number` fields doubles.
 */
import { isIP as nodeIsIP } from 'net';
import { CelScalar, celEnv, celFunc, celMethod, isCelError, listType, mapType, parse, plan } from '@bufbuild/cel';
import type { CelEnv, CelFunc, CelInput, CelValue } from '@bufbuild/cel';
import { strings } from '@bufbuild/cel/ext';

type JsonObject = Record<string, unknown>;

/** A rule compiled once and evaluated at every schema node that carries it. */
export interface CompiledCelRule {
  readonly rule: string;
  /** Whether the rule reads `oldSelf`: a transition rule, which the API server only runs on updates. */
  readonly isTransitionRule: boolean;
  /** Evaluates the rule with `self` bound to a value from {@link toCelValue}; an error when evaluation fails. */
  evaluate(self: CelInput): CelValue | Error;
}

/** Compiles (and caches) a rule; throws if it does not parse or calls a function the environment lacks. */
export function compileCelRule(rule: string): CompiledCelRule {
  let compiled = compiledRules.get(rule);
  if (compiled === undefined) {
    compiled = compile(rule);
    compiledRules.set(rule, compiled);
  }
  return compiled;
}

/**
 * Converts a JSON value at a schema node to its CEL value: declared object fields by escaped name (undeclared
 * ones dropped, as the API server prunes them), maps with their keys unchanged, ints for `integer` (and
 * schema-less integral numbers), doubles for `number`.
 */
export function toCelValue(value: unknown, schema: JsonObject | undefined): CelInput {
  if (Array.isArray(value)) return value.map((item) => toCelValue(item, asSchema(schema?.items)));
  if (isJsonObject(value)) return objectToCel(value, schema);
  if (typeof value === 'number') return schema?.type === 'number' || !Number.isInteger(value) ? value : BigInt(value);
  return value as CelInput;
}

/**
 * The CEL name of an object field, or undefined if it has none: Kubernetes escapes CEL keywords as `__kw__`,
 * and `__`, `.`, `-`, `/` as `__underscores__`, `__dot__`, `__dash__`, `__slash__`.
 */
export function escapeCelFieldName(name: string): string | undefined {
  if (name === '' || /^[0-9]/.test(name)) return undefined;
  if (CEL_RESERVED_WORDS.has(name)) return `__${name}__`;
  if (/[^a-zA-Z0-9_./-]/.test(name)) return undefined;
  return name.replace(/__|[./-]/g, (match) => FIELD_NAME_ESCAPES[match]);
}

// ---------------------------------------------------------------------------------------------
// Compilation
// ---------------------------------------------------------------------------------------------

const CEL_RESERVED_WORDS = new Set([
  'true', 'false', 'null', 'in', 'as', 'break', 'const', 'continue', 'else', 'for', 'function', 'if', 'import',
  'let', 'loop', 'package', 'namespace', 'return', 'var', 'void', 'while',
]);
const FIELD_NAME_ESCAPES: Record<string, string> = { '__': '__underscores__', '.': '__dot__', '-': '__dash__', '/': '__slash__' };
/** Calls the planner implements itself rather than through the function resolver. */
const PLANNER_CALLS = new Set(['_[_]', '_[?_]', '_?._', '_?_:_', '_&&_', '_||_', '@not_strictly_false', '__not_strictly_false__']);

const compiledRules = new Map<string, CompiledCelRule>();
let cachedEnv: CelEnv | undefined;

function celEnvironment(): CelEnv {
  cachedEnv ??= celEnv({ funcs: [...strings, ...kubernetesFunctions()] });
  return cachedEnv;
}

function compile(rule: string): CompiledCelRule {
  const env = celEnvironment();
  const parsed = parse(rule);
  const facts = expressionFacts(parsed.expr);
  const unbound = [...facts.calls].filter((name) => !PLANNER_CALLS.has(name) && env.funcs.find(name) === undefined);
  if (unbound.length > 0) throw new Error(`CEL rule calls unsupported function(s) ${unbound.join(', ')}: ${rule}`);
  const program = plan(env, parsed);
  return {
    rule,
    isTransitionRule: facts.identifiers.has('oldSelf'),
    evaluate: (self) => {
      const result = program({ self });
      return isCelError(result) ? new Error(result.message) : result;
    },
  };
}

/** A parsed expression node, as far as {@link expressionFacts} reads it. */
interface ExprNode {
  readonly exprKind: { readonly case?: string; readonly value?: unknown };
}

/** The identifiers and the (qualified, where the target is a name) function names an expression uses. */
function expressionFacts(root: ExprNode): { identifiers: Set<string>; calls: Set<string> } {
  const identifiers = new Set<string>();
  const calls = new Set<string>();
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      node.forEach(visit);
    } else if (isExprNode(node)) {
      const { case: kind, value } = node.exprKind;
      if (kind === 'identExpr') identifiers.add((value as { name: string }).name);
      if (kind === 'callExpr') calls.add(callName(value as { function: string; target?: ExprNode }));
      visit(value);
    } else if (isJsonObject(node)) {
      Object.values(node).forEach(visit);
    }
  };
  visit(root);
  return { identifiers, calls };
}

/** `format.dns1123Label` for a call on a plain name that resolves as a namespaced function, else the bare name. */
function callName(call: { function: string; target?: ExprNode }): string {
  const target = call.target?.exprKind;
  if (target?.case === 'identExpr') {
    const qualified = `${(target.value as { name: string }).name}.${call.function}`;
    if (celEnvironment().funcs.find(qualified) !== undefined) return qualified;
  }
  return call.function;
}

function isExprNode(node: unknown): node is ExprNode {
  return isJsonObject(node) && isJsonObject(node.exprKind);
}

// ---------------------------------------------------------------------------------------------
// Kubernetes CEL library functions used by the vendored CRDs
// ---------------------------------------------------------------------------------------------

/** URL and Format values are maps branded with one of these keys (@bufbuild/cel has no opaque types). */
const URL_BRAND = '@url';
const FORMAT_BRAND = '@format';
const BRANDED = mapType(CelScalar.STRING, CelScalar.STRING);
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function kubernetesFunctions(): CelFunc[] {
  return [
    celFunc('isIP', [CelScalar.STRING], CelScalar.BOOL, (value) => isKubernetesIP(value)),
    celFunc('isURL', [CelScalar.STRING], CelScalar.BOOL, (value) => !(parseRequestURI(value) instanceof Error)),
    celFunc('url', [CelScalar.STRING], BRANDED, (value) => {
      const parsed = parseRequestURI(value);
      if (parsed instanceof Error) throw parsed;
      return new Map([[URL_BRAND, value], ['scheme', parsed.scheme]]);
    }),
    celMethod('getScheme', BRANDED, [], CelScalar.STRING, function getScheme() {
      return brandedField(this, URL_BRAND, 'scheme');
    }),
    celFunc('format.dns1123Label', [], BRANDED, () => new Map([[FORMAT_BRAND, 'dns1123Label']])),
    celMethod('validate', BRANDED, [CelScalar.STRING], listType(CelScalar.STRING), function validate(value) {
      brandedField(this, FORMAT_BRAND, FORMAT_BRAND);
      return validateDns1123Label(value);
    }),
  ];
}

function brandedField(map: ReadonlyMap<unknown, unknown>, brand: string, field: string): string {
  if (!map.has(brand)) throw new Error(`no such overload: expected a ${brand.slice(1)} value`);
  return String(map.get(field));
}

/**
 * `Format.validate`: Kubernetes returns `optional.none()` for a valid value and `optional.of(errors)` otherwise.
 * @bufbuild/cel has no optional values, so this returns an empty list or the errors: both compare unequal to
 * `null`, as either optional does in cel-go (see the XBackend note in crd-validator.ts).
 */
function validateDns1123Label(value: string): string[] {
  const errors: string[] = [];
  if (value.length > 63) errors.push('must be no more than 63 characters');
  if (!DNS1123_LABEL.test(value)) {
    errors.push("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character");
  }
  return errors;
}

/**
 * The Kubernetes `isIP`: Go's netip.ParseAddr (no leading zeros in IPv4 parts), without zones and without
 * IPv4-mapped IPv6 addresses.
 */
function isKubernetesIP(value: string): boolean {
  const version = nodeIsIP(value);
  if (version === 4) return true;
  return version === 6 && !value.includes('%') && !isIPv4MappedIPv6(value);
}

/** Whether an IPv6 address is `::ffff:a.b.c.d` (in any spelling). */
function isIPv4MappedIPv6(value: string): boolean {
  const hextet = (high: string, low: string) => (Number(high) * 256 + Number(low)).toString(16);
  const withHexTail = value.replace(/(\d+)\.(\d+)\.(\d+)\.(\d+)$/, (_match, a, b, c, d) => `${hextet(a, b)}:${hextet(c, d)}`);
  const [head, tail] = withHexTail.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === undefined || tail === '' ? [] : tail.split(':');
  const zeros = Array<string>(8 - headGroups.length - tailGroups.length).fill('0');
  const groups = [...headGroups, ...(tail === undefined ? [] : zeros), ...tailGroups].map((group) => parseInt(group, 16));
  return groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff;
}

/**
 * Go's url.ParseRequestURI, which the Kubernetes `isURL` and `url` use: an absolute URI or an absolute path,
 * no control characters, a valid host and numeric port, valid percent-escapes. Returns the lower-cased scheme.
 */
function parseRequestURI(raw: string): { scheme: string } | Error {
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(raw)) return new Error('net/url: invalid control character in URL');
  if (raw === '') return new Error('empty url');
  if (raw === '*') return { scheme: '' };
  const schemeMatch = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(raw);
  if (raw.startsWith(':')) return new Error('missing protocol scheme');
  const scheme = schemeMatch ? schemeMatch[1].toLowerCase() : '';
  let rest = schemeMatch ? raw.slice(schemeMatch[0].length) : raw;
  rest = rest.split('?')[0];
  if (!rest.startsWith('/')) return scheme === '' ? new Error('invalid URI for request') : { scheme };
  if (scheme !== '' && rest.startsWith('//')) {
    const authorityEnd = rest.indexOf('/', 2);
    const authority = authorityEnd < 0 ? rest.slice(2) : rest.slice(2, authorityEnd);
    const hostError = checkAuthority(authority);
    if (hostError) return hostError;
    rest = authorityEnd < 0 ? '' : rest.slice(authorityEnd);
  }
  return hasBadPercentEscape(rest) ? new Error(`invalid URL escape in ${JSON.stringify(rest)}`) : { scheme };
}

function checkAuthority(authority: string): Error | undefined {
  const at = authority.lastIndexOf('@');
  const userinfo = at < 0 ? '' : authority.slice(0, at);
  const host = authority.slice(at + 1);
  if (!/^[A-Za-z0-9\-._:~!$&'()*+,;=%@]*$/.test(userinfo) || hasBadPercentEscape(userinfo)) return new Error('net/url: invalid userinfo');
  const portStart = host.startsWith('[') ? host.lastIndexOf(']') + 1 : host.lastIndexOf(':');
  if (host.startsWith('[') && portStart === 0) return new Error("missing ']' in host");
  const port = portStart <= 0 ? '' : host.slice(portStart);
  if (port !== '' && !/^:\d*$/.test(port)) return new Error(`invalid port ${JSON.stringify(port)} after host`);
  const hostname = portStart <= 0 ? host : host.slice(0, portStart);
  if (!/^[A-Za-z0-9\-._~!$&'()*+,;=:[\]<>"%\u0080-\uffff]*$/.test(hostname) || hasBadPercentEscape(hostname)) {
    return new Error(`invalid character in host name ${JSON.stringify(hostname)}`);
  }
  return undefined;
}

function hasBadPercentEscape(text: string): boolean {
  return /%(?![0-9A-Fa-f]{2})/.test(text);
}

// ---------------------------------------------------------------------------------------------
// Values
// ---------------------------------------------------------------------------------------------

function objectToCel(value: JsonObject, schema: JsonObject | undefined): CelInput {
  const properties = asSchema(schema?.properties);
  if (properties === undefined) {
    const valueSchema = asSchema(schema?.additionalProperties);
    return new Map(Object.entries(value).map(([key, item]) => [key, toCelValue(item, valueSchema)]));
  }
  const fields = new Map<string, CelInput>();
  for (const [key, item] of Object.entries(value)) {
    const celName = escapeCelFieldName(key);
    if (celName !== undefined && Object.hasOwn(properties, key)) fields.set(celName, toCelValue(item, asSchema(properties[key])));
  }
  return fields;
}

function asSchema(value: unknown): JsonObject | undefined {
  return isJsonObject(value) ? value : undefined;
}

function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
