/**
 * Strict validation of custom resources against the CRDs vendored in test/fixtures: Gateway API v1.6.1 (standard
 * channel, or experimental on request), Istio 1.30.3, cert-manager 1.21.1's Certificate, Envoy Gateway v1.9.0's
 * BackendTrafficPolicy and prometheus-operator v0.93.0's PodMonitor, ServiceMonitor and PrometheusRule.
 *
 * Each object goes through what the API server does on create. Schema defaults are applied to a copy (the caller's
 * object is never changed); the copy is checked against the `openAPIV3Schema` of its served version, closed so that
 * unknown fields are errors unless the schema has `x-kubernetes-preserve-unknown-fields`; then the
 * `x-kubernetes-list-type` map and set invariants; then every `x-kubernetes-validations` CEL rule at its node,
 * with `self` bound to the defaulted value there (test/support/cel.ts). As in the API server, the CEL rules are
 * not run when a blocking schema error (wrong type, missing required field, value outside an enum, too long, too
 * many items or properties) was found, and transition rules (those that read `oldSelf`) are skipped, as on create.
 * Metadata follows the built-in rules of test/support/k8s-validator.ts, plus the CRD's scope.
 *
 * No npm package ships the Envoy Gateway CRDs with their CEL rules (the `@kubernetes-models/*` packages ship ajv
 * validators generated from the Go types, without them): they are vendored from the release tag instead, as are
 * the prometheus-operator CRDs. CRD `pattern`s are Go regular expressions; the one construct of Go's syntax the
 * vendored CRDs use that RegExp lacks, the `(?i)` flag group, is translated by test/support/go-regexp.ts.
 */
import * as fs from 'fs';
import * as path from 'path';
import Ajv, { ErrorObject, ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';
import { compileCelRule, toCelValue } from './cel';
import { goRegExpEngine } from './go-regexp';
import { childPath, isBuiltInKind, jsonPath, objectLabel, validateManifests } from './k8s-validator';

const FIXTURES_DIR = path.join(__dirname, '..', 'fixtures');
const GATEWAY_API = { dir: path.join(FIXTURES_DIR, 'gateway-api-v1.6.1'), name: 'Gateway API v1.6.1' };
const ISTIO = { dir: path.join(FIXTURES_DIR, 'istio-1.30.3'), name: 'Istio 1.30.3' };
const CERT_MANAGER = { dir: path.join(FIXTURES_DIR, 'cert-manager-1.21.1'), name: 'cert-manager 1.21.1' };
const ENVOY_GATEWAY = { dir: path.join(FIXTURES_DIR, 'envoy-gateway-1.9.0'), name: 'Envoy Gateway v1.9.0' };
const PROMETHEUS_OPERATOR = { dir: path.join(FIXTURES_DIR, 'prometheus-operator-0.93.0'), name: 'prometheus-operator v0.93.0' };

/**
 * CEL rules that are not transition rules but are never evaluated, by rule text, with the reason. Empty: every
 * other rule of every vendored CRD compiles and runs (crd-validator.test.ts checks it).
 */
export const SKIPPED_CEL_RULES: ReadonlyMap<string, string> = new Map<string, string>([]);
// XBackend note: the experimental XBackend CRD checks port names with `format.dns1123Label().validate(self) == null`.
// Kubernetes' `validate` returns an optional, and in cel-go no optional equals null, so the API server rejects every
// non-empty port name there. cel.ts models that faithfully rather than guessing the intent.

/** Schema error keywords after which the API server does not run the CEL rules (its "blocking" error types). */
const BLOCKING_KEYWORDS = new Set(['type', 'required', 'enum', 'maxLength', 'maxItems', 'maxProperties']);

/** The ObjectMeta fields a manifest may set; values are checked by k8s-validator's metadata rules. */
const OBJECT_META_SCHEMA: JsonObject = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    generateName: { type: 'string' },
    namespace: { type: 'string' },
    labels: { type: 'object' },
    annotations: { type: 'object', additionalProperties: { type: 'string' } },
    finalizers: { type: 'array', items: { type: 'string' } },
    ownerReferences: {
      type: 'array',
      items: {
        type: 'object',
        required: ['apiVersion', 'kind', 'name', 'uid'],
        properties: {
          apiVersion: { type: 'string' },
          kind: { type: 'string' },
          name: { type: 'string' },
          uid: { type: 'string' },
          controller: { type: 'boolean' },
          blockOwnerDeletion: { type: 'boolean' },
        },
        additionalProperties: false,
      },
    },
    uid: { type: 'string' },
    resourceVersion: { type: 'string' },
    generation: { type: 'integer' },
    creationTimestamp: { type: ['string', 'null'] },
    deletionTimestamp: { type: 'string' },
    deletionGracePeriodSeconds: { type: 'integer' },
    managedFields: { type: 'array', items: { type: 'object' } },
    selfLink: { type: 'string' },
  },
  additionalProperties: false,
};

/** A Gateway API release channel: which set of Gateway API CRDs applies. */
export type GatewayApiChannel = 'standard' | 'experimental';

/** Options of {@link validateCustomResources} and {@link validateAnyManifests}. */
export interface ValidateCustomResourcesOptions {
  /** The Gateway API channel whose CRDs apply. Defaults to `standard`. */
  readonly channel?: GatewayApiChannel;
  /**
   * The namespace of namespaced objects that have no `metadata.namespace`, as with `kubectl apply -n`. By default
   * a namespaced custom resource without a namespace is a problem.
   */
  readonly defaultNamespace?: string;
}

/** One `x-kubernetes-validations` rule of a vendored CRD version, and whether validation evaluates it. */
export interface CelRuleUse {
  /** `<group>/<version> <Kind>`. */
  readonly crd: string;
  /** Schema path of the rule's node, e.g. `spec.rules[].matches[].method`. */
  readonly path: string;
  readonly rule: string;
  /** `transition` rules read `oldSelf` and only run on updates; `unsupported` ones do not compile. */
  readonly status: 'evaluated' | 'transition' | 'skipped' | 'unsupported';
  /** Why a rule is skipped or unsupported. */
  readonly reason?: string;
}

type JsonObject = Record<string, unknown>;
type TypedObject = JsonObject & { apiVersion: string; kind: string };
/** Records a problem at a JSON path of the object being checked. */
type Report = (at: string, message: string) => void;

/** One version of a CRD, as vendored. */
interface CrdVersion {
  readonly group: string;
  readonly kind: string;
  readonly version: string;
  readonly served: boolean;
  readonly namespaced: boolean;
  readonly schema: JsonObject;
  /** Where it comes from, e.g. `Gateway API v1.6.1 standard channel`. */
  readonly source: string;
}

/** An `x-kubernetes-validations` entry. */
interface ValidationRule {
  readonly rule: string;
  readonly message?: string;
  readonly messageExpression?: string;
  readonly fieldPath?: string;
}

// ---------------------------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------------------------

/**
 * Validates custom resources against the vendored CRDs (see the file comment). Returns one line per problem,
 * `<Kind>/<namespace>/<name>: <path>: <message>`; an object whose apiVersion and kind no vendored CRD serves is a
 * problem, and so is a built-in kind (use {@link validateAnyManifests} for mixed manifests).
 */
export function validateCustomResources(objects: readonly unknown[], options: ValidateCustomResourcesOptions = {}): string[] {
  return validateObjects(objects, options, true);
}

/** Throws an error listing every problem {@link validateCustomResources} finds, if any. */
export function assertValidCustomResources(objects: readonly unknown[], options: ValidateCustomResourcesOptions = {}): void {
  throwIfProblems(validateCustomResources(objects, options));
}

/**
 * Validates a mix of built-in objects (with `validateManifests` of k8s-validator.ts) and custom resources (as
 * {@link validateCustomResources} does). Kinds that are neither are problems.
 */
export function validateAnyManifests(objects: readonly unknown[], options: ValidateCustomResourcesOptions = {}): string[] {
  return validateObjects(objects, options, false);
}

/** Throws an error listing every problem {@link validateAnyManifests} finds, if any. */
export function assertValidAnyManifests(objects: readonly unknown[], options: ValidateCustomResourcesOptions = {}): void {
  throwIfProblems(validateAnyManifests(objects, options));
}

/** Whether a vendored CRD (of the Gateway API `channel`, standard by default, or Istio) serves `kind` at `apiVersion`. */
export function isCustomResourceKind(apiVersion: string, kind: string, options: Pick<ValidateCustomResourcesOptions, 'channel'> = {}): boolean {
  return typeof lookUpCrdVersion(apiVersion, kind, options.channel ?? 'standard') !== 'string';
}

/** Every CEL rule of every version (served or not) of the vendored CRDs of a channel and of Istio, with its status. */
export function celRulesOfCrds(options: Pick<ValidateCustomResourcesOptions, 'channel'> = {}): CelRuleUse[] {
  const uses: CelRuleUse[] = [];
  for (const crd of crdDocumentsOfChannel(options.channel ?? 'standard').flatMap(versionsOf)) {
    collectRules(crd.schema, '', (at, rule) => uses.push({ crd: `${crd.group}/${crd.version} ${crd.kind}`, path: at, rule: rule.rule, ...ruleStatus(rule) }));
  }
  return uses;
}

function throwIfProblems(problems: string[]): void {
  if (problems.length > 0) {
    throw new Error(`${problems.length} invalid manifest field(s):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/**
 * k8s-validator's checks (all of them for built-in kinds; metadata and identity for the others), then the CRD
 * checks of the objects that are not built-in kinds, except those whose kind k8s-validator already rejected (an
 * unknown kind in a built-in group version such as `apps/v1`).
 */
function validateObjects(objects: readonly unknown[], options: ValidateCustomResourcesOptions, builtInsAreProblems: boolean): string[] {
  const problems = validateManifests(objects, { allowUnknownKinds: true });
  const labelsWithKindProblems = new Set(problems.filter((problem) => problem.split(': ')[1] === 'kind').map((problem) => problem.split(': ')[0]));
  for (const object of objects) {
    if (!isJsonObject(object) || typeof object.apiVersion !== 'string' || typeof object.kind !== 'string') continue; // reported by validateManifests
    const label = objectLabel(object);
    if (labelsWithKindProblems.has(label)) continue;
    const report: Report = (at, message) => problems.push(`${label}: ${at}: ${message}`);
    if (!isBuiltInKind(object.apiVersion, object.kind)) {
      checkCustomResource(object as TypedObject, options, report);
    } else if (builtInsAreProblems) {
      report('kind', `${object.apiVersion} ${object.kind} is a built-in Kubernetes kind, not a custom resource (use validateAnyManifests)`);
    }
  }
  return problems;
}

function checkCustomResource(object: TypedObject, options: ValidateCustomResourcesOptions, report: Report): void {
  const crd = lookUpCrdVersion(object.apiVersion, object.kind, options.channel ?? 'standard');
  if (typeof crd === 'string') {
    report('apiVersion', crd);
    return;
  }
  checkScope(object, crd, options, report);
  const defaulted = withDefaults(object, crd.schema);
  const schemaProblems = schemaErrors(crd, defaulted);
  schemaProblems.forEach(({ at, message }) => report(at, message));
  const runCel = !schemaProblems.some((problem) => problem.blocking);
  walkValue(defaulted, crd.schema, '', (value, schema, at) => {
    checkListType(value, schema, at, report);
    if (runCel) checkCelRules(value, schema, at, report);
  });
}

/** A namespace on namespaced kinds (or the default one), none on cluster-scoped kinds. */
function checkScope(object: JsonObject, crd: CrdVersion, options: ValidateCustomResourcesOptions, report: Report): void {
  const namespace = isJsonObject(object.metadata) ? object.metadata.namespace : undefined;
  if (crd.namespaced && (namespace === undefined || namespace === '') && options.defaultNamespace === undefined) {
    report('metadata.namespace', `required field is missing: ${crd.kind} is namespaced (or pass { defaultNamespace })`);
  }
  if (!crd.namespaced && namespace !== undefined) report('metadata.namespace', `must not be set: ${crd.kind} is cluster-scoped`);
}

// ---------------------------------------------------------------------------------------------
// The vendored CRDs
// ---------------------------------------------------------------------------------------------

/**
 * A CRD document of a vendored file. Its group and kind come from a scan of the text; the YAML, which takes most
 * of the loading time, is parsed on first use.
 */
interface CrdDocument {
  readonly group: string;
  readonly kind: string;
  readonly text: string;
  readonly source: string;
  versions?: CrdVersion[];
}

const documentsByDir = new Map<string, CrdDocument[]>();
const catalogues = new Map<GatewayApiChannel, Map<string, CrdDocument>>();

/** The CRD documents of a Gateway API channel and of Istio, by `<group> <kind>`. */
function catalogue(channel: GatewayApiChannel): Map<string, CrdDocument> {
  let documents = catalogues.get(channel);
  if (documents === undefined) {
    documents = new Map(crdDocumentsOfChannel(channel).map((document) => [`${document.group} ${document.kind}`, document]));
    catalogues.set(channel, documents);
  }
  return documents;
}

function crdDocumentsOfChannel(channel: GatewayApiChannel): CrdDocument[] {
  return [
    ...crdDocumentsIn(path.join(GATEWAY_API.dir, channel), `${GATEWAY_API.name} ${channel} channel`),
    ...crdDocumentsIn(ISTIO.dir, ISTIO.name),
    ...crdDocumentsIn(CERT_MANAGER.dir, CERT_MANAGER.name),
    ...crdDocumentsIn(ENVOY_GATEWAY.dir, ENVOY_GATEWAY.name),
    ...crdDocumentsIn(PROMETHEUS_OPERATOR.dir, PROMETHEUS_OPERATOR.name),
  ];
}

/** The CRDs in the YAML files of `dir`, read once; other documents (kustomization, admission policies) are skipped. */
function crdDocumentsIn(dir: string, source: string): CrdDocument[] {
  let documents = documentsByDir.get(dir);
  if (documents === undefined) {
    documents = fs.readdirSync(dir).filter((file) => file.endsWith('.yaml')).sort()
      .flatMap((file) => fs.readFileSync(path.join(dir, file), 'utf8').split(/^---[ \t]*$/m))
      .filter((text) => /^kind: CustomResourceDefinition[ \t]*$/m.test(text))
      .map((text) => ({ group: scanned(text, /^ {2}group: (\S+)/m), kind: scanned(text, /^ {4}kind: (\S+)/m), text, source }));
    documentsByDir.set(dir, documents);
  }
  return documents;
}

function scanned(text: string, pattern: RegExp): string {
  const match = pattern.exec(text);
  if (match === null) throw new Error(`cannot find ${pattern} in a vendored CRD`);
  return match[1];
}

/** The versions of a CRD document, parsed once. */
function versionsOf(document: CrdDocument): CrdVersion[] {
  if (document.versions === undefined) {
    const spec = (parse(document.text) as JsonObject).spec as {
      group: string; scope: string; names: { kind: string }; versions: Array<JsonObject & { name: string }>;
    };
    if (spec.group !== document.group || spec.names.kind !== document.kind) throw new Error(`misread CRD ${document.group} ${document.kind}`);
    document.versions = spec.versions.map((version) => ({
      group: spec.group,
      kind: spec.names.kind,
      version: version.name,
      served: version.served === true,
      namespaced: spec.scope === 'Namespaced',
      schema: (version.schema as { openAPIV3Schema: JsonObject }).openAPIV3Schema,
      source: document.source,
    }));
  }
  return document.versions;
}

/** The served CRD version for an apiVersion and kind, or why there is none. */
function lookUpCrdVersion(apiVersion: string, kind: string, channel: GatewayApiChannel): CrdVersion | string {
  const slash = apiVersion.indexOf('/');
  const [group, version] = slash < 0 ? ['', apiVersion] : [apiVersion.slice(0, slash), apiVersion.slice(slash + 1)];
  const document = catalogue(channel).get(`${group} ${kind}`);
  if (document === undefined) {
    return `no CRD for ${apiVersion} ${kind} (known: ${GATEWAY_API.name} ${channel} channel, ${ISTIO.name}, ${CERT_MANAGER.name} Certificate, ${ENVOY_GATEWAY.name}, ${PROMETHEUS_OPERATOR.name}) and no built-in Kubernetes 1.35 schema`;
  }
  const served = versionsOf(document).filter((candidate) => candidate.served);
  const match = served.find((candidate) => candidate.version === version);
  if (match !== undefined) return match;
  return `the ${document.source} CRD of ${kind} does not serve ${apiVersion} (served: ${served.map((candidate) => `${group}/${candidate.version}`).join(', ')})`;
}

// ---------------------------------------------------------------------------------------------
// Defaults
// ---------------------------------------------------------------------------------------------

/**
 * A copy of `value` with the schema's defaults applied as the API server applies them: a property that is absent
 * (or null and not nullable) gets a copy of its default, then defaulting goes on inside every value.
 */
function withDefaults(value: unknown, schema: JsonObject | undefined): unknown {
  if (schema === undefined) return value;
  if (Array.isArray(value)) return value.map((item) => withDefaults(item, asSchema(schema.items)));
  if (!isJsonObject(value)) return value;
  const properties = asSchema(schema.properties) ?? {};
  const result: JsonObject = { ...value };
  for (const [key, property] of Object.entries(properties) as Array<[string, JsonObject]>) {
    const absent = result[key] === undefined || (result[key] === null && property.nullable !== true);
    if (absent && property.default !== undefined) result[key] = structuredClone(property.default);
  }
  for (const [key, child] of Object.entries(result)) result[key] = withDefaults(child, childSchema(schema, key));
  return result;
}

/** The schema of field `key` of an object: a declared property, or the map's value schema. */
function childSchema(schema: JsonObject, key: string): JsonObject | undefined {
  const properties = asSchema(schema.properties);
  if (properties !== undefined) return Object.hasOwn(properties, key) ? asSchema(properties[key]) : undefined;
  return asSchema(schema.additionalProperties);
}

// ---------------------------------------------------------------------------------------------
// Structural validation with ajv
// ---------------------------------------------------------------------------------------------

let cachedAjv: Ajv | undefined;
const validators = new WeakMap<CrdVersion, ValidateFunction>();

function ajv(): Ajv {
  if (cachedAjv === undefined) {
    // CRD patterns are Go regular expressions: `(?i)` becomes RegExp's `i` flag (go-regexp.ts).
    cachedAjv = new Ajv({ strict: false, allErrors: true, verbose: true, code: { regExp: goRegExpEngine } });
    addFormats(cachedAjv, ['int32', 'int64', 'double', 'byte', 'date-time', 'ipv4', 'ipv6']);
  }
  return cachedAjv;
}

/** The compiled validator of a CRD version, built on first use. */
function validatorOf(crd: CrdVersion): ValidateFunction {
  let validate = validators.get(crd);
  if (validate === undefined) {
    validate = ajv().compile(rootSchema(crd.schema));
    validators.set(crd, validate);
  }
  return validate;
}

/**
 * The CRD schema for ajv. `apiVersion` and `kind` are always allowed (Istio's schemas omit them), and `metadata` is
 * checked as ObjectMeta plus whatever the CRD says of name and generateName.
 */
function rootSchema(schema: JsonObject): JsonObject {
  const result = strictSchema(schema);
  const crdMetadata = asSchema(asSchema(schema.properties)?.metadata);
  const metadataProperties = asSchema(crdMetadata?.properties);
  const metadata = metadataProperties === undefined
    ? OBJECT_META_SCHEMA
    : { allOf: [{ properties: mapValues(metadataProperties as Record<string, JsonObject>, strictSchema) }, OBJECT_META_SCHEMA] };
  const typeMeta = { apiVersion: { type: 'string' }, kind: { type: 'string' } };
  return { ...result, properties: { ...typeMeta, ...asSchema(result.properties), metadata } };
}

/**
 * Rewrites a structural schema for ajv: object schemas are closed unless `x-kubernetes-preserve-unknown-fields`
 * or `additionalProperties` says otherwise, `x-kubernetes-int-or-string` and `nullable` become type lists, and
 * descriptions and CEL rules are dropped. The value validations under anyOf, oneOf, allOf and not stay as they are.
 */
function strictSchema(schema: JsonObject): JsonObject {
  const { description: _description, ['x-kubernetes-validations']: _rules, nullable, ...result } = schema;
  if (isJsonObject(schema.properties)) result.properties = mapValues(schema.properties as Record<string, JsonObject>, strictSchema);
  if (isJsonObject(schema.additionalProperties)) result.additionalProperties = strictSchema(schema.additionalProperties);
  if (isJsonObject(schema.items)) result.items = strictSchema(schema.items);
  const preservesUnknownFields = schema['x-kubernetes-preserve-unknown-fields'] === true;
  if (schema.type === 'object' && !preservesUnknownFields && schema.additionalProperties === undefined) result.additionalProperties = false;
  if (schema['x-kubernetes-int-or-string'] === true) {
    result.type = ['integer', 'string'];
    delete result.anyOf;
  }
  if (nullable === true) {
    result.type = [...[result.type ?? []].flat(), 'null'];
    if (Array.isArray(result.enum)) result.enum = [...result.enum, null];
  }
  return result;
}

interface SchemaProblem {
  readonly at: string;
  readonly message: string;
  /** Whether the API server would skip the CEL rules because of it. */
  readonly blocking: boolean;
}

function schemaErrors(crd: CrdVersion, object: unknown): SchemaProblem[] {
  const validate = validatorOf(crd);
  if (validate(object)) return [];
  const errors = validate.errors ?? [];
  return errors
    .filter((error) => !isInsideAlternative(error))
    .map((error) => ({ ...describeSchemaError(error, errors), blocking: BLOCKING_KEYWORDS.has(error.keyword) }));
}

/** An error of one branch of an anyOf or oneOf (or under a not), which the error of the anyOf or oneOf sums up. */
function isInsideAlternative(error: ErrorObject): boolean {
  return /\/(anyOf|oneOf)\/\d+\/|\/not\//.test(error.schemaPath);
}

function describeSchemaError(error: ErrorObject, errors: readonly ErrorObject[]): { at: string; message: string } {
  const at = jsonPath(error.instancePath);
  switch (error.keyword) {
    case 'additionalProperties':
      return { at: childPath(at, error.params.additionalProperty), message: 'unknown field' };
    case 'required':
      return { at: childPath(at, error.params.missingProperty), message: 'required field is missing' };
    case 'type':
      return { at, message: `must be ${String(error.params.type).split(',').join(' or ')}` };
    case 'enum':
      return { at, message: `must be one of ${error.params.allowedValues.map((value: unknown) => JSON.stringify(value)).join(', ')}` };
    case 'maxItems':
      return { at, message: `must have at most ${error.params.limit} items` };
    case 'not':
      return { at, message: `must not match ${JSON.stringify(error.schema)}` };
    case 'oneOf':
    case 'anyOf':
      return { at, message: alternativesMessage(error, errors) };
    default:
      return { at, message: error.message ?? error.keyword };
  }
}

/**
 * Why no alternative (or, for oneOf, more than one) matched. Istio's one-of groups,
 * `oneOf: [not: anyOf: [required: [a], ...], required: [a], ...]`, fail only when several fields are set.
 */
function alternativesMessage(error: ErrorObject, errors: readonly ErrorObject[]): string {
  const branches = (Array.isArray(error.schema) ? error.schema : []).filter(isJsonObject);
  const fields = branches.flatMap((branch) => (Array.isArray(branch.required) ? branch.required : []));
  const noneAllowed = branches.some((branch) => branch.not !== undefined);
  if (error.keyword === 'oneOf' && error.params.passingSchemas) {
    return fields.length > 0 && noneAllowed ? `at most one of ${fields.join(', ')} may be set` : 'matches more than one of the oneOf alternatives';
  }
  if (fields.length > 0 && !noneAllowed) return `one of ${fields.join(', ')} must be set`;
  const base = jsonPath(error.instancePath);
  const details = errors
    .filter((branchError) => branchError.schemaPath.startsWith(`${error.schemaPath}/`) && !['anyOf', 'oneOf'].includes(branchError.keyword))
    .map((branchError) => {
      const { at, message } = describeSchemaError(branchError, errors);
      const relative = at.slice(base.length).replace(/^\./, '');
      return relative === '' ? message : `${relative}: ${message}`;
    });
  return `matches none of the ${error.keyword} alternatives (${[...new Set(details)].join('; ')})`;
}

// ---------------------------------------------------------------------------------------------
// List types and CEL rules, node by node
// ---------------------------------------------------------------------------------------------

/** Calls `visit` for the value at every schema node, depth first. */
function walkValue(value: unknown, schema: JsonObject, at: string, visit: (value: unknown, schema: JsonObject, at: string) => void): void {
  visit(value, schema, at);
  if (Array.isArray(value)) {
    const items = asSchema(schema.items);
    if (items !== undefined) value.forEach((item, index) => walkValue(item, items, `${at}[${index}]`, visit));
  } else if (isJsonObject(value)) {
    for (const [key, child] of Object.entries(value)) {
      const schemaOfChild = childSchema(schema, key);
      if (schemaOfChild !== undefined) walkValue(child, schemaOfChild, childPath(at, key), visit);
    }
  }
}

/** `x-kubernetes-list-type: map` items must have distinct keys, `set` items must be distinct. */
function checkListType(value: unknown, schema: JsonObject, at: string, report: Report): void {
  const listType = schema['x-kubernetes-list-type'];
  if (!Array.isArray(value) || (listType !== 'map' && listType !== 'set')) return;
  const keys = Array.isArray(schema['x-kubernetes-list-map-keys']) ? schema['x-kubernetes-list-map-keys'] as string[] : [];
  const seen = new Set<string>();
  value.forEach((item, index) => {
    const identity = JSON.stringify(listType === 'map' && isJsonObject(item) ? Object.fromEntries(keys.map((key) => [key, item[key]])) : item);
    if (seen.has(identity)) report(`${at}[${index}]`, `Duplicate value: ${identity}`);
    seen.add(identity);
  });
}

/**
 * Evaluates the node's CEL rules with `self` bound to its (defaulted) value; null values are not validated. A rule
 * whose evaluation fails (say, it reads an absent field) is a problem, as in the API server.
 */
function checkCelRules(value: unknown, schema: JsonObject, at: string, report: Report): void {
  const rules = schema['x-kubernetes-validations'];
  if (!Array.isArray(rules) || value === null) return;
  const self = toCelValue(value, schema);
  for (const rule of rules as ValidationRule[]) {
    if (SKIPPED_CEL_RULES.has(rule.rule)) continue;
    const compiled = compileCelRule(rule.rule);
    if (compiled.isTransitionRule) continue;
    const result = compiled.evaluate(self);
    if (result === true) continue;
    const ruleAt = rule.fieldPath ? `${at}${rule.fieldPath}`.replace(/^\./, '') : at;
    if (result instanceof Error) {
      report(ruleAt, `${result.message} evaluating rule: ${rule.message ?? rule.rule}`); // the API server's wording
    } else {
      report(ruleAt, result === false ? failureMessage(rule, self) : `rule did not evaluate to a bool: ${rule.rule}`);
    }
  }
}

/** The rule's messageExpression if it yields a non-empty string, else its message, else `failed rule: <rule>`. */
function failureMessage(rule: ValidationRule, self: ReturnType<typeof toCelValue>): string {
  if (rule.messageExpression !== undefined) {
    const message = compileCelRule(rule.messageExpression).evaluate(self);
    if (typeof message === 'string' && message.trim() !== '') return message;
  }
  return rule.message ?? `failed rule: ${rule.rule}`;
}

/** Calls `found` for every rule in a schema, with the schema path of its node. */
function collectRules(schema: JsonObject, at: string, found: (at: string, rule: ValidationRule) => void): void {
  const rules = schema['x-kubernetes-validations'];
  if (Array.isArray(rules)) rules.forEach((rule: ValidationRule) => found(at, rule));
  for (const [key, property] of Object.entries(asSchema(schema.properties) ?? {})) collectRules(property as JsonObject, childPath(at, key), found);
  const items = asSchema(schema.items);
  if (items !== undefined) collectRules(items, `${at}[]`, found);
  const values = asSchema(schema.additionalProperties);
  if (values !== undefined) collectRules(values, `${at}{}`, found);
}

function ruleStatus(rule: ValidationRule): Pick<CelRuleUse, 'status' | 'reason'> {
  const skipReason = SKIPPED_CEL_RULES.get(rule.rule);
  if (skipReason !== undefined) return { status: 'skipped', reason: skipReason };
  try {
    if (rule.messageExpression !== undefined) compileCelRule(rule.messageExpression);
    return { status: compileCelRule(rule.rule).isTransitionRule ? 'transition' : 'evaluated' };
  } catch (error) {
    return { status: 'unsupported', reason: (error as Error).message };
  }
}

// ---------------------------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------------------------

function asSchema(value: unknown): JsonObject | undefined {
  return isJsonObject(value) ? value : undefined;
}

function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function mapValues<T, U>(record: Record<string, T>, map: (value: T) => U): Record<string, U> {
  return Object.fromEntries(Object.entries(record).map(([key, value]) => [key, map(value)]));
}
