import { constants } from 'node:fs';
import { access, readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { parseDocument } from 'yaml';
import { ProxyConfigError } from './config-error';
import { validateConfig } from './validate-config';
import type { ProxyConfig } from '../../core/proxy-config';
import type { ValidationIssue } from '../../problems';

/** File formats, by extension. */
const FORMATS: Readonly<Record<string, 'yaml' | 'json'>> = { '.yaml': 'yaml', '.yml': 'yaml', '.json': 'json' };

/**
 * Reads, parses and validates a proxy config file: YAML (`.yaml`, `.yml`) or JSON (`.json`), strict, with every
 * problem reported at once, and the TLS files it names (listeners' and clusters') readable.
 * @param path the file
 * @throws ProxyConfigError when the file is unreadable, malformed or invalid
 */
export async function loadConfig(path: string): Promise<ProxyConfig> {
  return loadConfigText(await readConfigFile(path), path);
}

/**
 * Reads a config file's text.
 * @throws ProxyConfigError when it cannot be read
 */
export async function readConfigFile(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new ProxyConfigError(path, [{ code: 'UNREADABLE_FILE', path: '', message: `must be a readable file (${(error as Error).message})`, value: path }]);
  }
}

/**
 * Parses and validates the text of a config file (see {@link loadConfig}).
 * @param text the file's content
 * @param path the file's path: its extension gives the format, and it names the source in errors
 */
export async function loadConfigText(text: string, path: string): Promise<ProxyConfig> {
  const config = validateConfig(parseConfigText(text, path), path);
  const problems = await unreadableFiles(config);
  if (problems.length > 0) throw new ProxyConfigError(path, problems);
  return config;
}

/**
 * Parses YAML or JSON by the file's extension. YAML duplicate keys are refused.
 * @throws ProxyConfigError for an unknown extension or a syntax error (with line and column)
 */
export function parseConfigText(text: string, path: string): unknown {
  const format = FORMATS[extname(path).toLowerCase()];
  if (format === undefined) {
    throw new ProxyConfigError(path, [{ code: 'CONFIG_SYNTAX', path: '', message: 'must be a file ending in .yaml, .yml or .json', value: extname(path) }]);
  }
  if (format === 'json') {
    try {
      return JSON.parse(text);
    } catch (error) {
      throw new ProxyConfigError(path, [{ code: 'CONFIG_SYNTAX', path: '', message: `must be valid JSON (${(error as Error).message})` }]);
    }
  }
  const document = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (document.errors.length > 0) {
    throw new ProxyConfigError(path, document.errors.map((e) => ({ code: 'CONFIG_SYNTAX' as const, path: '', message: `must be valid YAML (${e.message.split('\n')[0]})` })));
  }
  return document.toJS();
}

/** TLS files of the listeners and clusters that cannot be read. */
async function unreadableFiles(config: ProxyConfig): Promise<ValidationIssue[]> {
  const files = [...listenerTlsFiles(config), ...clusterTlsFiles(config)];
  const results = await Promise.all(files.map(async ([path, file]): Promise<ValidationIssue | undefined> => {
    try {
      await access(file, constants.R_OK);
      return undefined;
    } catch {
      return { code: 'UNREADABLE_FILE', path, message: 'must be a readable file', value: file };
    }
  }));
  return results.filter((p): p is ValidationIssue => p !== undefined);
}

/** `[path, file]` of each file the listeners' TLS names. */
function listenerTlsFiles(config: ProxyConfig): Array<[string, string]> {
  return config.listeners.flatMap((listener, i): Array<[string, string]> => {
    const tls = listener.tls;
    if (!tls) return [];
    const at = `listeners[${i}].tls`;
    const named: Array<[string, string]> = [[`${at}.certFile`, tls.certFile], [`${at}.keyFile`, tls.keyFile]];
    if (tls.clientCaFile !== undefined) named.push([`${at}.clientCaFile`, tls.clientCaFile]);
    return named;
  });
}

/** `[path, file]` of each file the clusters' upstream TLS names. */
function clusterTlsFiles(config: ProxyConfig): Array<[string, string]> {
  return config.clusters.flatMap((cluster, i): Array<[string, string]> => {
    const tls = cluster.tls;
    if (!tls) return [];
    const at = `clusters[${i}].tls`;
    return (['caFile', 'certFile', 'keyFile'] as const)
      .filter((field) => tls[field] !== undefined)
      .map((field): [string, string] => [`${at}.${field}`, tls[field] as string]);
  });
}
