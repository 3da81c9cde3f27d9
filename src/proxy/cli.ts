import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import pino, { type DestinationStream, type Logger } from 'pino';
import { AdminServer, PROBE_PATHS, type AdminProxyView, type AdminServerOptions } from './admin/server';
import { isSeed, MAX_SEED, seededRandom } from './balancer/seeded-random';
import { configFromFlags, loadConfigText, ProxyConfigError, readConfigFile, watchConfig, type ConfigWatcher } from './config';
import { DEFAULT_DRAIN_TIMEOUT_MS } from './defaults';
import { AccessLog } from './observability/access-log';
import { channels, type ConfigMessage } from './observability/channels';
import { EventLog } from './observability/event-log';
import { ProxyMetrics } from './observability/metrics';
import { Proxy, type ProxyOptions } from './proxy';
import { packageVersion } from '../core/package-version';
import type { ProxyConfig } from '../core/proxy-config';

/** Exit code of a usage error or an invalid config. */
export const EXIT_INVALID = 2;
/** Exit code of a proxy that could not start or stop cleanly. */
export const EXIT_FAILURE = 1;

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

/** What the command drives of the proxy (the `Proxy` class satisfies it; tests pass stand-ins). */
export interface ManagedProxy extends AdminProxyView {
  /** Applies a new config without dropping connections. */
  apply(config: ProxyConfig): Promise<void>;
  /** GOAWAY, lets in-flight calls finish until the deadline, then closes. */
  drain(timeoutMs: number): Promise<void>;
  /** Closes at once. */
  close(): Promise<void>;
}

/** A text sink (process.stdout, or a collector in tests). */
export interface TextSink {
  write(text: string): unknown;
}

/** Options of {@link run}, for tests; the command itself uses the defaults. */
export interface RunOptions {
  /**
   * Where `--help` and `--version` go.
   * @default process.stdout
   */
  readonly stdout?: TextSink;
  /**
   * Where usage and config errors and the process log (JSON lines) go.
   * @default process.stderr
   */
  readonly stderr?: TextSink;
  /**
   * Where access log lines go.
   * @default - stdout
   */
  readonly accessLogDestination?: DestinationStream;
  /**
   * What SIGTERM and SIGINT are received from.
   * @default process
   */
  readonly signals?: NodeJS.EventEmitter;
  /**
   * Starts the proxy.
   * @default Proxy.start
   */
  readonly startProxy?: (config: ProxyConfig, options?: ProxyOptions) => Promise<ManagedProxy>;
  /**
   * Options passed to `startProxy`.
   * @default - none
   */
  readonly proxyOptions?: ProxyOptions;
  /**
   * Called once everything is up, before the command waits for a signal.
   * @default - nothing is called
   */
  readonly onStarted?: (started: StartedProxy) => void;
}

/** A started proxy, as {@link RunOptions.onStarted} sees it. */
export interface StartedProxy {
  /** The proxy. */
  readonly proxy: ManagedProxy;
  /** Port of the admin interface. */
  readonly adminPort: number;
  /** Port of the probe listener, when the config has one. */
  readonly probePort?: number;
  /** The config running now. */
  config(): ProxyConfig;
  /** Starts the shutdown a SIGTERM would start. */
  stop(): void;
}

/** Parsed command line. */
interface CliArgs {
  readonly config?: string;
  readonly listen?: string;
  readonly backends?: string;
  readonly admin?: string;
  readonly logLevel: string;
  readonly accessLog: boolean;
  readonly validate?: boolean;
  readonly seed?: number;
}

/**
 * The `grpc-mesh-proxy` command: `--config FILE`, or the benchmark harness's `--listen HOST:PORT --backends
 * HOST:PORT,...`. Loads the config, starts the proxy, metrics, access log, admin interface (and probe listener)
 * and config watch, then waits for SIGTERM or SIGINT: readiness turns 503, the proxy drains for
 * `drainTimeoutMs`, and the command ends.
 * @param argv the arguments after `node main.js`
 * With `--validate`, only loads and checks the config file, as at start, says so on stdout and exits.
 * @returns the exit code: 0 after a clean drain (and for `--help`, `--version`, a valid `--validate`), 2 for a usage
 *   error or an invalid config (the problems on stderr), 1 when the proxy or its admin interface could not start, or
 *   the drain failed
 */
export async function run(argv: readonly string[], options: RunOptions = {}): Promise<number> {
  const stderr = options.stderr ?? process.stderr;
  let args: CliArgs;
  try {
    args = parseArgs(argv, options.stdout ?? process.stdout, stderr);
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : EXIT_INVALID;
    throw error;
  }
  let config: ProxyConfig;
  let content: string | undefined;
  try {
    if (args.config !== undefined) {
      content = await readConfigFile(args.config);
      config = await loadConfigText(content, args.config);
    } else {
      config = configFromFlags({ listen: args.listen!, backends: args.backends!, admin: args.admin, accessLog: args.accessLog });
    }
  } catch (error) {
    if (!(error instanceof ProxyConfigError)) throw error;
    stderr.write(`grpc-mesh-proxy: ${error.message}\n`);
    return EXIT_INVALID;
  }
  if (args.validate) {
    (options.stdout ?? process.stdout).write(`grpc-mesh-proxy: ${args.config} is valid: ${config.listeners.length} listener(s), `
      + `${config.clusters.length} cluster(s), ${config.routes.length} route(s)\n`);
    return 0;
  }
  const logger = pino({ level: args.logLevel, base: { name: 'grpc-mesh-proxy' }, timestamp: pino.stdTimeFunctions.isoTime },
    options.stderr ? (stderr as DestinationStream) : pino.destination({ dest: 2, sync: true }));
  return new ProxyCommand(args, config, content, logger, options).run();
}

function parseArgs(argv: readonly string[], stdout: TextSink, stderr: TextSink): CliArgs {
  const program = new Command('grpc-mesh-proxy')
    .description('L7 gRPC proxy: balances every call (not every connection) over the endpoints of a cluster.')
    .version(packageVersion(), '-v, --version')
    .option('-c, --config <file>', 'config file, YAML (.yaml, .yml) or JSON (.json); reloaded when it changes')
    .option('--listen <host:port>', 'without --config: h2c listener address, e.g. 127.0.0.1:8083')
    .option('--backends <list>', 'without --config: comma-separated host:port backends, balanced round robin')
    .option('--admin <host:port>', 'without --config: admin address (default 127.0.0.1:0, a free port)')
    .addOption(new Option('--log-level <level>', 'process log level').choices(LOG_LEVELS).default('info'))
    .option('--no-access-log', 'write no access log (overrides the config)')
    .option('--validate', 'with --config: check the config (schema, routes, readable TLS files) as the proxy would at start, then exit')
    .option('--seed <n>', `seed the proxy's random choices (weighted backends, least-request picks, jitter) to replay a run: an integer in 1..${MAX_SEED} (default: unseeded)`, parseSeed)
    .exitOverride()
    .configureOutput({ writeOut: (s) => void stdout.write(s), writeErr: (s) => void stderr.write(s) })
    .addHelpText('after', '\nExamples:\n  grpc-mesh-proxy --config /etc/grpc-mesh-proxy/proxy.yaml\n'
      + '  grpc-mesh-proxy --validate --config proxy.yaml\n'
      + '  grpc-mesh-proxy --listen 127.0.0.1:8083 --backends 127.0.0.1:50051,127.0.0.1:50052\n');
  program.parse([...argv], { from: 'user' });
  const opts = program.opts<CliArgs>();
  const quick = opts.listen !== undefined || opts.backends !== undefined || opts.admin !== undefined;
  if (opts.config !== undefined && quick) program.error('error: --config cannot be combined with --listen, --backends or --admin', { exitCode: 2 });
  if (opts.validate && opts.config === undefined) program.error('error: --validate checks a --config <file>', { exitCode: 2 });
  if (opts.config === undefined && (opts.listen === undefined || opts.backends === undefined)) {
    program.error('error: give --config <file>, or --listen <host:port> with --backends <list>', { exitCode: 2 });
  }
  return opts;
}

function parseSeed(value: string): number {
  const seed = Number(value);
  if (!/^\d+$/.test(value) || !isSeed(seed)) throw new InvalidArgumentError(`an integer in 1..${MAX_SEED}`);
  return seed;
}

/** One run of the command, from a valid config to the end of the drain. */
class ProxyCommand {
  private readonly metrics = new ProxyMetrics();
  private accessLog: AccessLog | undefined;
  private draining = false;
  private lastConfigError: string | undefined;
  private stopRequested: ((signal: string) => void) | undefined;

  public constructor(
    private readonly args: CliArgs,
    private config: ProxyConfig,
    private readonly content: string | undefined,
    private readonly logger: Logger,
    private readonly options: RunOptions,
  ) {}

  public async run(): Promise<number> {
    const signals = this.options.signals ?? process;
    const stopped = new Promise<string>((resolve) => (this.stopRequested = resolve));
    const onSignal = (signal: string): void => this.stopRequested?.(signal);
    signals.on('SIGTERM', onSignal).on('SIGINT', onSignal);
    const onConfig = (message: unknown): void => {
      const { ok, error } = message as ConfigMessage;
      this.lastConfigError = ok ? undefined : error;
    };
    channels.config.subscribe(onConfig);
    const events = new EventLog(this.logger);
    try {
      return await this.serve(stopped);
    } finally {
      events.close();
      channels.config.unsubscribe(onConfig);
      signals.off('SIGTERM', onSignal).off('SIGINT', onSignal);
      this.metrics.close();
      this.accessLog?.close();
    }
  }

  private async serve(stopped: Promise<string>): Promise<number> {
    this.setAccessLog(this.config);
    let proxy: ManagedProxy;
    try {
      const seeded = this.args.seed === undefined ? {} : { random: seededRandom(this.args.seed) };
      proxy = await (this.options.startProxy ?? startDefaultProxy)(this.config, { ...this.options.proxyOptions, ...seeded });
    } catch (error) {
      this.logger.error({ err: error }, 'the proxy could not start');
      channels.config.publish({ ok: false, error: (error as Error).message });
      return EXIT_FAILURE;
    }
    channels.config.publish({ ok: true });
    this.metrics.readEndpointsFrom(() => proxy.snapshot());
    const servers = await this.startAdmin(proxy);
    if (servers === undefined) {
      await proxy.close();
      return EXIT_FAILURE;
    }
    const { admin, probes } = servers;
    const watcher = await this.watch(proxy);
    this.logger.info({
      listeners: Object.fromEntries(proxy.ports), admin: admin.port, ...(probes && { probes: probes.port }), config: this.args.config ?? 'command line',
    }, 'started');
    this.options.onStarted?.({
      proxy, adminPort: admin.port, ...(probes && { probePort: probes.port }), config: () => this.config, stop: () => this.stopRequested?.('stop'),
    });
    const signal = await stopped;
    watcher?.close();
    return this.drain(proxy, probes === undefined ? [admin] : [admin, probes], signal);
  }

  /**
   * Starts the admin interface and, when configured, the probe listener (the same server, `/ready`, `/live` and
   * `/metrics` only).
   * @returns both, or undefined (logged) when one could not bind
   */
  private async startAdmin(proxy: ManagedProxy): Promise<{ admin: AdminServer; probes?: AdminServer } | undefined> {
    const options: Omit<AdminServerOptions, 'address' | 'port'> = {
      proxy,
      metrics: this.metrics,
      config: () => this.config,
      draining: () => this.draining,
      lastConfigError: () => this.lastConfigError,
    };
    const { admin, probes } = this.config;
    let started: AdminServer;
    try {
      started = await AdminServer.start({ ...admin, ...options });
    } catch (error) {
      this.logger.error({ err: error, admin }, 'the admin interface could not start');
      return undefined;
    }
    if (probes === undefined) return { admin: started };
    try {
      return { admin: started, probes: await AdminServer.start({ ...probes, ...options, paths: PROBE_PATHS }) };
    } catch (error) {
      this.logger.error({ err: error, probes }, 'the probe listener could not start');
      await started.close();
      return undefined;
    }
  }

  private async watch(proxy: ManagedProxy): Promise<ConfigWatcher | undefined> {
    if (this.args.config === undefined) return undefined;
    return watchConfig(this.args.config, async (next) => {
      await proxy.apply(next);
      const { admin, probes } = this.config;
      if (!sameSocket(next.admin, admin)) {
        this.logger.warn({ running: admin, configured: next.admin }, 'the admin address changes at the next restart');
      }
      if (!sameSocket(next.probes, probes)) {
        this.logger.warn({ running: probes ?? null, configured: next.probes ?? null }, 'the probe listener changes at the next restart');
      }
      this.config = next;
      this.setAccessLog(next);
    }, { initialContent: this.content, logger: this.logger });
  }

  private async drain(proxy: ManagedProxy, servers: readonly AdminServer[], signal: string): Promise<number> {
    this.draining = true;
    const timeoutMs = this.config.drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS;
    this.logger.info({ signal, timeoutMs }, 'draining');
    this.stopRequested = () => {
      this.logger.warn('second signal: closing without waiting for in-flight calls');
      void proxy.close();
    };
    let code = 0;
    try {
      await proxy.drain(timeoutMs);
    } catch (error) {
      this.logger.error({ err: error }, 'drain failed; closing');
      await proxy.close().catch(() => undefined);
      code = EXIT_FAILURE;
    }
    await Promise.all(servers.map((server) => server.close()));
    this.logger.info({ code }, 'stopped');
    return code;
  }

  /** Starts or stops the access log as the config (and `--no-access-log`) say. */
  private setAccessLog(config: ProxyConfig): void {
    const wanted = this.args.accessLog && (config.accessLog ?? true);
    if (wanted && !this.accessLog) this.accessLog = new AccessLog({ destination: this.options.accessLogDestination });
    if (!wanted && this.accessLog) {
      this.accessLog.close();
      this.accessLog = undefined;
    }
  }
}

/** Whether two optional address-port pairs are the same. */
function sameSocket(a: ProxyConfig['probes'], b: ProxyConfig['probes']): boolean {
  return a?.address === b?.address && a?.port === b?.port;
}

function startDefaultProxy(config: ProxyConfig, options?: ProxyOptions): Promise<ManagedProxy> {
  return Proxy.start(config, options);
}
