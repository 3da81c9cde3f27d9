/** The proxy's configuration: schema, loading (YAML or JSON), validation with every problem named, hot reload. */
export { ProxyConfigError } from './config-error';
export { configFromFlags, FLAGS_CONFIG_NAMES, type FlagsConfigInput } from './flags-config';
export { loadConfig, loadConfigText, parseConfigText, readConfigFile } from './load-config';
export { proxyConfigSchema } from './schema';
export { checkConfigSemantics, type SemanticCheckOptions } from './semantic-checks';
export { validateConfig } from './validate-config';
export { watchConfig, type ConfigChangeHandler, type ConfigWatcher, type WatchConfigOptions } from './watch-config';
