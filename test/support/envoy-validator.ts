/**
 * Strict validation of Envoy v3 bootstrap configs (the JSON/YAML object Envoy reads with `-c`)
 * against Envoy's real protos, as shipped by `@grpc/grpc-js-xds`.
 *
 * The object is walked with the protobuf JSON mapping rules Envoy applies, plus the most
 * important protoc-gen-validate rules and a few cross-reference checks Envoy performs at startup.
 */
import * as fs from 'fs';
import * as path from 'path';
import { common, Enum, Field, FieldBase, MapField, OneOf, Root, Type } from 'protobufjs';

type IntegerRange = [min: bigint, max: bigint];
type JsonObject = Record<string, unknown>;
type LimitTest = (actual: number, limit: number) => boolean;

const PROTO_DEPS_DIR = path.join(path.dirname(require.resolve('@grpc/grpc-js-xds/package.json')), 'deps');
/** protobufjs bundles google/protobuf/descriptor.proto, which the annotation protos import. */
const PROTOBUFJS_DIR = path.dirname(require.resolve('protobufjs/package.json'));
/** Folders whose every .proto is loaded, so that any `@type` they define can be resolved. */
const PROTO_SOURCE_DIRS = ['envoy-api/envoy', 'xds/xds', 'xds/udpa'];
const IMPORT_STATEMENT = /^\s*import\s+(?:public\s+|weak\s+)?"([^"]+)"\s*;/gm;

const BOOTSTRAP_TYPE = 'envoy.config.bootstrap.v3.Bootstrap';
const TYPE_URL_PREFIX = 'type.googleapis.com/';
const HCM_TYPE_URL = `${TYPE_URL_PREFIX}envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager`;
const ROUTER_TYPE_URL = `${TYPE_URL_PREFIX}envoy.extensions.filters.http.router.v3.Router`;
const HTTP_PROTOCOL_OPTIONS = 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions';

const DURATION = /^-?\d+(\.\d{1,9})?s$/;
const MAX_DURATION_SECONDS = 315_576_000_000;
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;
const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;
const DECIMAL_INTEGER = /^-?\d+$/;
const NUMBER_STRING = /^-?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$|^(NaN|-?Infinity)$/;
const ENVOY_V2_TYPE = /^envoy\..*\.v2(alpha\d*)?\./;

const INT32_RANGE: IntegerRange = [-(2n ** 31n), 2n ** 31n - 1n];
const UINT32_RANGE: IntegerRange = [0n, 2n ** 32n - 1n];
const INT64_RANGE: IntegerRange = [-(2n ** 63n), 2n ** 63n - 1n];
const UINT64_RANGE: IntegerRange = [0n, 2n ** 64n - 1n];
const INTEGER_RANGES: Record<string, IntegerRange> = {
  int32: INT32_RANGE,
  sint32: INT32_RANGE,
  sfixed32: INT32_RANGE,
  uint32: UINT32_RANGE,
  fixed32: UINT32_RANGE,
  int64: INT64_RANGE,
  sint64: INT64_RANGE,
  sfixed64: INT64_RANGE,
  uint64: UINT64_RANGE,
  fixed64: UINT64_RANGE,
};

/** The JavaScript type of the remaining non-numeric scalars. */
const JS_TYPE_OF_SCALAR: Record<string, string> = { string: 'string', bool: 'boolean' };

/** What a rule applies to, for reporting: the rule kind (`string`, `duration`...), the value as shown, and where. */
interface RuleTarget {
  readonly kind: string;
  readonly shown: string;
  readonly at: string;
  readonly walk: Walk;
}

/** How a rule's limit is read from the proto options and printed. */
interface LimitFormat {
  readonly parse: (limit: unknown) => number;
  readonly unit: string;
}

/** State of one validation run: the loaded protos and the problems found so far. */
interface Walk {
  readonly root: Root;
  readonly problems: string[];
}

/** A value of the config together with its JSON path, for the Envoy-specific checks. */
interface Located {
  readonly value: unknown;
  readonly path: string;
}

/** A field present in a message: the key it was written with, its value and its path. */
interface PresentField extends Located {
  readonly key: string;
}

// ---------------------------------------------------------------------------------------------
// Loading Envoy's protos
// ---------------------------------------------------------------------------------------------

let cachedRoot: Root | undefined;

/**
 * Every .proto under envoy-api/envoy, xds/xds and xds/udpa whose imports all exist, loaded once.
 * With @grpc/grpc-js-xds 1.14.1 that is 445 of 518 files, in about 0.6 s. The 73 skipped are 68 of
 * the frozen v2 API (its envoy/api/v2 protos are not shipped) and 5 v3 files importing opencensus,
 * opentelemetry or prometheus protos, which are not shipped either (e.g. config.trace.v3.OpenCensusConfig).
 */
function envoyProtoRoot(): Root {
  cachedRoot ??= loadEnvoyProtos();
  return cachedRoot;
}

function loadEnvoyProtos(): Root {
  const includeDirs = protoIncludeDirs();
  const root = new Root();
  root.resolvePath = (_origin, target) => resolveProtoImport(includeDirs, target) ?? null;
  const loadability = new Map<string, boolean>();
  for (const file of PROTO_SOURCE_DIRS.flatMap((dir) => listProtoFiles(path.join(PROTO_DEPS_DIR, dir)))) {
    if (hasAllImports(file, includeDirs, loadability)) {
      loadSkippingUnparsable(root, file);
    }
  }
  return root;
}

function protoIncludeDirs(): string[] {
  const depsDirs = fs.readdirSync(PROTO_DEPS_DIR).map((name) => path.join(PROTO_DEPS_DIR, name));
  return [...depsDirs, PROTOBUFJS_DIR];
}

function resolveProtoImport(includeDirs: string[], target: string): string | undefined {
  if (path.isAbsolute(target)) {
    return target;
  }
  return includeDirs.map((dir) => path.join(dir, target)).find((candidate) => fs.existsSync(candidate));
}

function listProtoFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const entryPath = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      return listProtoFiles(entryPath);
    }
    return entry.name.endsWith('.proto') ? [entryPath] : [];
  });
}

/** Whether `file` and everything it imports, transitively, can be found on disk or in protobufjs's bundle. */
function hasAllImports(file: string, includeDirs: string[], loadability: Map<string, boolean>): boolean {
  const known = loadability.get(file);
  if (known !== undefined) {
    return known;
  }
  const loadable = importsOf(file).every((target) => {
    if (common.get(target) !== null) {
      return true;
    }
    const resolved = resolveProtoImport(includeDirs, target);
    return resolved !== undefined && hasAllImports(resolved, includeDirs, loadability);
  });
  loadability.set(file, loadable);
  return loadable;
}

function importsOf(file: string): string[] {
  return [...fs.readFileSync(file, 'utf8').matchAll(IMPORT_STATEMENT)].map((match) => match[1]);
}

function loadSkippingUnparsable(root: Root, file: string): void {
  try {
    root.loadSync(file, { keepCase: true });
  } catch {
    // A file protobufjs cannot parse only makes its types unknown; the rest stay usable.
  }
}

// ---------------------------------------------------------------------------------------------
// Paths, names and small helpers
// ---------------------------------------------------------------------------------------------

function report(walk: Walk, at: string, problem: string): void {
  walk.problems.push(`${at || '<root>'}: ${problem}`);
}

function fieldPath(parent: string, key: string): string {
  return parent ? `${parent}.${key}` : key;
}

function indexPath(parent: string, index: number): string {
  return `${parent}[${index}]`;
}

function mapKeyPath(parent: string, key: string): string {
  return `${parent}[${JSON.stringify(key)}]`;
}

function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function formatValue(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function fullName(type: Type | Enum): string {
  return type.fullName.replace(/^\./, '');
}

/** The protobuf JSON name of a field, derived from its proto name as protoc does. */
function jsonName(protoName: string): string {
  return protoName.split('_').map((part, i) => (i === 0 ? part : part.charAt(0).toUpperCase() + part.slice(1))).join('');
}

const fieldIndexes = new WeakMap<Type, Map<string, Field>>();

/** The fields of a message, keyed by both their proto and JSON names. */
function fieldIndex(type: Type): Map<string, Field> {
  let index = fieldIndexes.get(type);
  if (!index) {
    index = new Map(type.fieldsArray.flatMap((field): Array<[string, Field]> => [[field.name, field], [jsonName(field.name), field]]));
    fieldIndexes.set(type, index);
  }
  return index;
}

// ---------------------------------------------------------------------------------------------
// Walking a value against a proto type (protobuf JSON mapping)
// ---------------------------------------------------------------------------------------------

const WRAPPER_TYPES = ['Double', 'Float', 'Int64', 'UInt64', 'Int32', 'UInt32', 'Bool', 'String', 'Bytes']
  .map((scalar) => `google.protobuf.${scalar}Value`);

/** Types whose JSON form is not an object of their fields. */
const WELL_KNOWN_CHECKS: Record<string, (value: unknown, type: Type, at: string, walk: Walk) => void> = {
  'google.protobuf.Any': (value, _type, at, walk) => checkAny(value, at, walk),
  'google.protobuf.Duration': (value, _type, at, walk) => checkDuration(value, at, walk),
  'google.protobuf.Timestamp': (value, _type, at, walk) =>
    expectShape(typeof value === 'string' && TIMESTAMP.test(value), 'an RFC 3339 timestamp string', value, at, walk),
  'google.protobuf.FieldMask': (value, _type, at, walk) => expectShape(typeof value === 'string', 'a field mask string', value, at, walk),
  'google.protobuf.Struct': (value, _type, at, walk) => expectShape(isJsonObject(value), 'a JSON object', value, at, walk),
  'google.protobuf.ListValue': (value, _type, at, walk) => expectShape(Array.isArray(value), 'a JSON array', value, at, walk),
  'google.protobuf.Value': () => undefined,
  ...Object.fromEntries(WRAPPER_TYPES.map((name) => [name,
    (value: unknown, type: Type, at: string, walk: Walk) => checkScalar(value, type.fields.value.type, at, walk)])),
};

function expectShape(ok: boolean, expected: string, value: unknown, at: string, walk: Walk): void {
  if (!ok) {
    report(walk, at, `expected ${expected}, got ${formatValue(value)}`);
  }
}

function checkValueOfType(value: unknown, type: Type, at: string, walk: Walk): void {
  const wellKnownCheck = WELL_KNOWN_CHECKS[fullName(type)];
  if (wellKnownCheck) {
    wellKnownCheck(value, type, at, walk);
  } else {
    checkMessage(value, type, at, walk);
  }
}

function checkMessage(value: unknown, type: Type, at: string, walk: Walk): void {
  if (!isJsonObject(value)) {
    report(walk, at, `expected an object for ${fullName(type)}, got ${formatValue(value)}`);
    return;
  }
  const present = presentFields(value, type, at, walk);
  checkOneofs(type, present, at, walk);
  checkRequiredFields(type, present, at, walk);
  for (const [field, entry] of present) {
    checkField(entry.value, field, entry.path, walk);
    checkValidationRules(entry.value, field, entry.path, walk);
  }
}

/** The known, non-null fields of `value`; reports unknown fields and fields given under both names. */
function presentFields(value: JsonObject, type: Type, at: string, walk: Walk): Map<Field, PresentField> {
  const index = fieldIndex(type);
  const present = new Map<Field, PresentField>();
  for (const [key, fieldValue] of Object.entries(value)) {
    const field = index.get(key);
    const entry = { key, value: fieldValue, path: fieldPath(at, key) };
    if (!field) {
      report(walk, entry.path, `unknown field "${key}" in ${fullName(type)}`);
    } else if (present.has(field)) {
      report(walk, entry.path, `field given twice, as "${present.get(field)?.key}" and "${key}"`);
    } else if (fieldValue !== null) {
      present.set(field, entry);
    }
  }
  return present;
}

function checkOneofs(type: Type, present: Map<Field, PresentField>, at: string, walk: Walk): void {
  for (const oneof of type.oneofsArray) {
    const setMembers = oneof.fieldsArray.flatMap((field) => present.get(field)?.key ?? []);
    if (setMembers.length > 1) {
      report(walk, at, `only one field of oneof ${fullName(type)}.${oneof.name} may be set, got ${setMembers.join(', ')}`);
    } else if (setMembers.length === 0 && isRequiredOneof(oneof)) {
      report(walk, at, `one of ${oneof.fieldsArray.map((field) => field.name).join(', ')} must be set (oneof ${fullName(type)}.${oneof.name} is required)`);
    }
  }
}

/** Rules on a oneof member only apply when that member is the one set, so only plain fields are required. */
function checkRequiredFields(type: Type, present: Map<Field, PresentField>, at: string, walk: Walk): void {
  for (const field of type.fieldsArray) {
    if (!field.partOf && !present.has(field) && isRequiredField(field)) {
      report(walk, fieldPath(at, field.name), `required field of ${fullName(type)} is missing`);
    }
  }
}

function checkField(value: unknown, field: Field, at: string, walk: Walk): void {
  if (field instanceof MapField) {
    checkMap(value, field, at, walk);
  } else if (field.repeated) {
    checkRepeated(value, field, at, walk);
  } else {
    checkSingular(value, field, at, walk);
  }
}

function checkMap(value: unknown, field: MapField, at: string, walk: Walk): void {
  if (!isJsonObject(value)) {
    report(walk, at, `expected an object (map<${field.keyType}, ${field.type}>), got ${formatValue(value)}`);
    return;
  }
  for (const [key, entryValue] of Object.entries(value)) {
    const entryPath = mapKeyPath(at, key);
    checkMapKey(key, field.keyType, entryPath, walk);
    checkSingular(entryValue, field, entryPath, walk);
  }
}

/** JSON map keys are always strings; non-string proto keys must spell a value of their type. */
function checkMapKey(key: string, keyType: string, at: string, walk: Walk): void {
  if (keyType === 'bool') {
    expectShape(key === 'true' || key === 'false', 'a bool map key', key, at, walk);
  } else if (keyType !== 'string') {
    checkScalar(key, keyType, at, walk);
  }
}

function checkRepeated(value: unknown, field: Field, at: string, walk: Walk): void {
  if (!Array.isArray(value)) {
    report(walk, at, `expected an array for repeated field "${field.name}", got ${formatValue(value)}`);
    return;
  }
  value.forEach((element, i) => checkSingular(element, field, indexPath(at, i), walk));
}

function checkSingular(value: unknown, field: FieldBase, at: string, walk: Walk): void {
  const resolved = field.resolvedType;
  if (resolved instanceof Type) {
    checkValueOfType(value, resolved, at, walk);
  } else if (resolved instanceof Enum) {
    checkEnum(value, resolved, at, walk);
  } else {
    checkScalar(value, field.type, at, walk);
  }
}

function checkEnum(value: unknown, enumType: Enum, at: string, walk: Walk): void {
  if (typeof value === 'string') {
    if (!Object.hasOwn(enumType.values, value)) {
      report(walk, at, `unknown enum value "${value}" for ${fullName(enumType)}`);
    }
  } else if (Number.isInteger(value)) {
    if (!Object.values(enumType.values).includes(value as number)) {
      report(walk, at, `unknown enum number ${value} for ${fullName(enumType)}`);
    }
  } else {
    report(walk, at, `expected an enum name or number for ${fullName(enumType)}, got ${formatValue(value)}`);
  }
}

function checkScalar(value: unknown, scalarType: string, at: string, walk: Walk): void {
  const range = INTEGER_RANGES[scalarType];
  if (range) {
    checkInteger(value, scalarType, range, at, walk);
  } else if (scalarType === 'double' || scalarType === 'float') {
    expectShape(isNumeric(value), `a ${scalarType}`, value, at, walk);
  } else if (scalarType === 'bytes') {
    expectShape(typeof value === 'string' && BASE64.test(value), 'base64-encoded bytes', value, at, walk);
  } else {
    expectShape(typeof value === JS_TYPE_OF_SCALAR[scalarType], `a ${scalarType}`, value, at, walk);
  }
}

function checkInteger(value: unknown, scalarType: string, [min, max]: IntegerRange, at: string, walk: Walk): void {
  const isInteger = Number.isInteger(value) || (typeof value === 'string' && DECIMAL_INTEGER.test(value));
  if (!isInteger) {
    report(walk, at, `expected an integer (${scalarType}), got ${formatValue(value)}`);
    return;
  }
  const integer = BigInt(value as number | string);
  if (integer < min || integer > max) {
    report(walk, at, `${formatValue(value)} is out of range for ${scalarType}`);
  }
}

function checkDuration(value: unknown, at: string, walk: Walk): void {
  if (typeof value !== 'string' || !DURATION.test(value)) {
    report(walk, at, `expected a duration string such as "5s" or "0.250s", got ${formatValue(value)}`);
  } else if (Math.abs(durationSeconds(value)) > MAX_DURATION_SECONDS) {
    report(walk, at, `duration ${value} is out of range`);
  }
}

function durationSeconds(duration: string): number {
  return Number(duration.slice(0, -1));
}

/** An Any is `{"@type": "type.googleapis.com/<message>", ...that message's fields}`. */
function checkAny(value: unknown, at: string, walk: Walk): void {
  if (!isJsonObject(value)) {
    report(walk, at, `expected an object for google.protobuf.Any, got ${formatValue(value)}`);
    return;
  }
  const type = resolveTypeUrl(value['@type'], fieldPath(at, '@type'), walk);
  if (!type) {
    return;
  }
  const body = Object.fromEntries(Object.entries(value).filter(([key]) => key !== '@type'));
  if (WELL_KNOWN_CHECKS[fullName(type)]) {
    checkWellKnownAnyBody(body, type, at, walk);
  } else {
    checkMessage(body, type, at, walk);
  }
}

/** An Any holding a type with a special JSON form carries it as `{"@type": ..., "value": <that form>}`. */
function checkWellKnownAnyBody(body: JsonObject, type: Type, at: string, walk: Walk): void {
  for (const key of Object.keys(body).filter((name) => name !== 'value')) {
    report(walk, fieldPath(at, key), `unknown field "${key}" in an Any holding ${fullName(type)} (only "value" is allowed)`);
  }
  checkValueOfType(body.value, type, fieldPath(at, 'value'), walk);
}

function resolveTypeUrl(typeUrl: unknown, at: string, walk: Walk): Type | undefined {
  if (typeof typeUrl !== 'string' || !typeUrl.startsWith(TYPE_URL_PREFIX)) {
    report(walk, at, `expected "${TYPE_URL_PREFIX}<full.message.Name>", got ${formatValue(typeUrl)}`);
    return undefined;
  }
  const typeName = typeUrl.slice(TYPE_URL_PREFIX.length);
  if (ENVOY_V2_TYPE.test(typeName)) {
    report(walk, at, `"${typeName}" is an Envoy v2 API type; Envoy only accepts v3 types`);
    return undefined;
  }
  const found = walk.root.lookup(typeName, [Type]);
  if (!(found instanceof Type) || fullName(found) !== typeName) {
    report(walk, at, `unknown @type "${typeUrl}" (no such message in Envoy's protos)`);
    return undefined;
  }
  return found;
}

// ---------------------------------------------------------------------------------------------
// protoc-gen-validate rules: required fields and oneofs, lengths, counts and numeric bounds
// ---------------------------------------------------------------------------------------------

type RuleSet = Record<string, unknown>;
type FieldRules = Record<string, RuleSet>;

const BOUNDS: Record<string, LimitTest> = {
  gt: (actual, limit) => actual > limit,
  gte: (actual, limit) => actual >= limit,
  lt: (actual, limit) => actual < limit,
  lte: (actual, limit) => actual <= limit,
};
const AT_LEAST: LimitTest = (actual, limit) => actual >= limit;
const AT_MOST: LimitTest = (actual, limit) => actual <= limit;
const NUMERIC_RULE_KINDS = new Set([...Object.keys(INTEGER_RANGES), 'double', 'float']);

const fieldRuleCache = new WeakMap<Field, FieldRules>();

/** The field's `(validate.rules)` options, e.g. `{ string: { min_len: 1 } }`. */
function validationRules(field: Field): FieldRules {
  let rules = fieldRuleCache.get(field);
  if (!rules) {
    rules = mergeRuleOptions((field.parsedOptions ?? []) as unknown as JsonObject[]);
    fieldRuleCache.set(field, rules);
  }
  return rules;
}

function mergeRuleOptions(parsedOptions: JsonObject[]): FieldRules {
  const rules: FieldRules = {};
  for (const option of parsedOptions) {
    const fieldRules = option['(validate.rules)'];
    for (const [kind, ruleSet] of Object.entries(isJsonObject(fieldRules) ? fieldRules : {})) {
      rules[kind] = { ...rules[kind], ...(ruleSet as RuleSet) };
    }
  }
  return rules;
}

function isRequiredField(field: Field): boolean {
  const { message, duration, timestamp, any } = validationRules(field);
  return [message, duration, timestamp, any].some((ruleSet) => ruleSet?.required === true);
}

function isRequiredOneof(oneof: OneOf): boolean {
  return oneof.options?.['(validate.required)'] === true;
}

function checkValidationRules(value: unknown, field: Field, at: string, walk: Walk): void {
  const rules = validationRules(field);
  if (field instanceof MapField) {
    checkCount(isJsonObject(value) ? Object.keys(value).length : undefined, rules.map, 'map', 'pairs', at, walk);
  } else if (field.repeated) {
    checkRepeatedRules(value, rules.repeated, at, walk);
  } else {
    checkSingularRules(value, rules, at, walk);
  }
}

function checkRepeatedRules(value: unknown, ruleSet: RuleSet | undefined, at: string, walk: Walk): void {
  if (!ruleSet || !Array.isArray(value)) {
    return;
  }
  checkCount(value.length, ruleSet, 'repeated', 'items', at, walk);
  if (isJsonObject(ruleSet.items)) {
    const itemRules = ruleSet.items as FieldRules;
    value.forEach((item, i) => checkSingularRules(item, itemRules, indexPath(at, i), walk));
  }
}

function checkCount(count: number | undefined, ruleSet: RuleSet | undefined, kind: string, unit: string, at: string, walk: Walk): void {
  if (ruleSet && count !== undefined) {
    checkLimits(count, ruleSet, { [`min_${unit}`]: AT_LEAST, [`max_${unit}`]: AT_MOST }, { kind, shown: `${count} ${unit}`, at, walk });
  }
}

function checkSingularRules(value: unknown, rules: FieldRules, at: string, walk: Walk): void {
  for (const [kind, ruleSet] of Object.entries(rules)) {
    const target: RuleTarget = { kind, shown: formatValue(value), at, walk };
    if (kind === 'string' && typeof value === 'string') {
      checkLimits([...value].length, ruleSet, { min_len: AT_LEAST, max_len: AT_MOST }, target);
      checkLimits(Buffer.byteLength(value), ruleSet, { min_bytes: AT_LEAST, max_bytes: AT_MOST }, target);
    } else if (kind === 'duration' && typeof value === 'string' && DURATION.test(value)) {
      checkLimits(durationSeconds(value), ruleSet, BOUNDS, target, DURATION_LIMIT);
    } else if (NUMERIC_RULE_KINDS.has(kind) && isNumeric(value)) {
      checkLimits(Number(value), ruleSet, BOUNDS, target);
    }
  }
}

function isNumeric(value: unknown): value is number | string {
  return typeof value === 'number' || (typeof value === 'string' && NUMBER_STRING.test(value));
}

/** A duration bound is written `{seconds: 1, nanos: 5}` in the proto options; `{}` is zero. */
function durationLimitSeconds(limit: unknown): number {
  const { seconds = 0, nanos = 0 } = isJsonObject(limit) ? limit : {};
  return Number(seconds) + Number(nanos) / 1e9;
}

const PLAIN_LIMIT: LimitFormat = { parse: Number, unit: '' };
const DURATION_LIMIT: LimitFormat = { parse: durationLimitSeconds, unit: 's' };

function checkLimits(actual: number, ruleSet: RuleSet, tests: Record<string, LimitTest>, target: RuleTarget, format = PLAIN_LIMIT): void {
  for (const [rule, test] of Object.entries(tests)) {
    if (ruleSet[rule] === undefined) {
      continue;
    }
    const limit = format.parse(ruleSet[rule]);
    if (!test(actual, limit)) {
      report(target.walk, target.at, `violates (validate.rules).${target.kind}.${rule} = ${limit}${format.unit}: got ${target.shown}`);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Envoy's own cross-reference checks
// ---------------------------------------------------------------------------------------------

/** The value of a field written under its proto or JSON name, if set. */
function child(node: Located | undefined, protoName: string): Located | undefined {
  if (!node || !isJsonObject(node.value)) {
    return undefined;
  }
  const object = node.value;
  const key = [protoName, jsonName(protoName)].find((candidate) => object[candidate] !== undefined && object[candidate] !== null);
  return key === undefined ? undefined : { value: object[key], path: fieldPath(node.path, key) };
}

/** The elements of a repeated field, or none when it is unset or not an array. */
function children(node: Located | undefined, protoName: string): Located[] {
  const list = child(node, protoName);
  return list && Array.isArray(list.value) ? list.value.map((value, i) => ({ value, path: indexPath(list.path, i) })) : [];
}

function typeUrlOf(value: unknown): unknown {
  return isJsonObject(value) ? value['@type'] : undefined;
}

function checkEnvoySemantics(config: unknown, walk: Walk): void {
  const top: Located = { value: config, path: '' };
  const staticResources = child(top, 'static_resources');
  const clusters = children(staticResources, 'clusters');
  const listeners = children(staticResources, 'listeners');
  checkUniqueNames(clusters, 'cluster', walk);
  checkUniqueNames(listeners, 'listener', walk);
  clusters.forEach((cluster) => checkProtocolOptionKeys(cluster, walk));
  const clusterNames = new Set(clusters.map((cluster) => child(cluster, 'name')?.value));
  const clustersComeFromCds = child(child(top, 'dynamic_resources'), 'cds_config') !== undefined;
  for (const hcm of httpConnectionManagers(listeners)) {
    checkRouterIsLast(hcm, walk);
    if (!clustersComeFromCds) {
      checkRoutedClustersExist(hcm, clusterNames, walk);
    }
  }
}

function checkUniqueNames(resources: Located[], kind: string, walk: Walk): void {
  const firstPathByName = new Map<unknown, string>();
  for (const resource of resources) {
    const name = child(resource, 'name');
    const firstPath = name && firstPathByName.get(name.value);
    if (name && firstPath) {
      report(walk, name.path, `duplicate ${kind} name ${formatValue(name.value)} (already used at ${firstPath})`);
    } else if (name) {
      firstPathByName.set(name.value, name.path);
    }
  }
}

function checkProtocolOptionKeys(cluster: Located, walk: Walk): void {
  const options = child(cluster, 'typed_extension_protocol_options');
  if (!options || !isJsonObject(options.value)) {
    return;
  }
  for (const [key, value] of Object.entries(options.value)) {
    const entryPath = mapKeyPath(options.path, key);
    if (key !== HTTP_PROTOCOL_OPTIONS) {
      report(walk, entryPath, `key must be "${HTTP_PROTOCOL_OPTIONS}"`);
    } else if (typeUrlOf(value) !== TYPE_URL_PREFIX + HTTP_PROTOCOL_OPTIONS) {
      report(walk, fieldPath(entryPath, '@type'), `must be "${TYPE_URL_PREFIX}${HTTP_PROTOCOL_OPTIONS}" to match its key`);
    }
  }
}

/** The typed_config of every HttpConnectionManager network filter of the listeners. */
function httpConnectionManagers(listeners: Located[]): Located[] {
  return listeners
    .flatMap(filterChains)
    .flatMap((chain) => children(chain, 'filters'))
    .flatMap((filter) => child(filter, 'typed_config') ?? [])
    .filter((typedConfig) => typeUrlOf(typedConfig.value) === HCM_TYPE_URL);
}

function filterChains(listener: Located): Located[] {
  const defaultChain = child(listener, 'default_filter_chain');
  return [...children(listener, 'filter_chains'), ...(defaultChain ? [defaultChain] : [])];
}

function checkRouterIsLast(hcm: Located, walk: Walk): void {
  const lastFilter = children(hcm, 'http_filters').at(-1);
  const expectation = `the last HTTP filter must be the router (${ROUTER_TYPE_URL})`;
  if (!lastFilter) {
    report(walk, fieldPath(hcm.path, 'http_filters'), `${expectation}, but there are no HTTP filters`);
  } else if (typeUrlOf(child(lastFilter, 'typed_config')?.value) !== ROUTER_TYPE_URL) {
    report(walk, lastFilter.path, `${expectation}, got ${formatValue(child(lastFilter, 'name')?.value ?? '(unnamed)')}`);
  }
}

function checkRoutedClustersExist(hcm: Located, clusterNames: Set<unknown>, walk: Walk): void {
  const routes = children(child(hcm, 'route_config'), 'virtual_hosts').flatMap((virtualHost) => children(virtualHost, 'routes'));
  for (const reference of routes.flatMap((route) => clusterReferences(child(route, 'route')))) {
    if (!clusterNames.has(reference.value)) {
      report(walk, reference.path, `unknown cluster ${formatValue(reference.value)} (not defined in static_resources.clusters)`);
    }
  }
}

function clusterReferences(routeAction: Located | undefined): Located[] {
  const weighted = children(child(routeAction, 'weighted_clusters'), 'clusters').map((cluster) => child(cluster, 'name'));
  return [child(routeAction, 'cluster'), ...weighted].filter((reference): reference is Located => typeof reference?.value === 'string');
}

// ---------------------------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------------------------

/**
 * Validates an Envoy v3 bootstrap config (as Envoy would read it from JSON or YAML) against
 * Envoy's protos: unknown fields, oneofs, scalar/enum/well-known-type encodings, `@type`s,
 * key protoc-gen-validate rules, and cross-references (routed clusters exist, router filter last,
 * unique cluster and listener names, upstream protocol option keys).
 *
 * @returns one `"<json.path>: <problem>"` string per problem; empty when the config is valid.
 */
export function validateEnvoyBootstrap(config: unknown): string[] {
  const root = envoyProtoRoot();
  const walk: Walk = { root, problems: [] };
  checkValueOfType(config, root.lookupType(BOOTSTRAP_TYPE), '', walk);
  checkEnvoySemantics(config, walk);
  return walk.problems;
}

/** Throws an Error listing every problem {@link validateEnvoyBootstrap} finds in `config`. */
export function assertValidEnvoyBootstrap(config: unknown): void {
  const problems = validateEnvoyBootstrap(config);
  if (problems.length > 0) {
    throw new Error(`invalid Envoy bootstrap (${problems.length} problem(s)):\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
  }
}
