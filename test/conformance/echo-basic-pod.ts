import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { LOCAL } from '../proxy/harness';

/** The upstream conformance echo service, as the cases name it. */
export const GRPC_ECHO_SERVICE = 'gateway_api_conformance.echo_basic.grpcecho.GrpcEcho';

/** The methods of the service: EchoThree is unimplemented upstream. */
export type GrpcEchoMethod = 'Echo' | 'EchoTwo' | 'EchoThree';

const PROTO = join(__dirname, '..', 'fixtures', 'gateway-api-conformance', 'echo-basic', 'grpcecho.proto');
const definition = protoLoader.loadSync(PROTO, { keepCase: true, longs: Number, enums: String, defaults: true, oneofs: true });
const loaded = grpc.loadPackageDefinition(definition) as unknown as {
  gateway_api_conformance: { echo_basic: { grpcecho: { GrpcEcho: grpc.ServiceClientConstructor } } };
};

/** The grpc-js client and service definition of `GrpcEcho`, from the vendored proto. */
export const GrpcEchoService = loaded.gateway_api_conformance.echo_basic.grpcecho.GrpcEcho;

/** `Header`. */
export interface EchoHeader {
  readonly key: string;
  readonly value: string;
}

/** `Context`: who answered. */
export interface EchoContext {
  readonly namespace: string;
  readonly ingress: string;
  readonly service_name: string;
  readonly pod: string;
}

/** `Assertions`: what the server saw of the call. */
export interface EchoAssertions {
  readonly fully_qualified_method: string;
  readonly headers: readonly EchoHeader[];
  readonly authority: string;
  readonly context: EchoContext | null;
  readonly tls_assertions: Readonly<Record<string, unknown>> | null;
}

/** `EchoResponse`. */
export interface EchoResponse {
  readonly assertions: EchoAssertions | null;
  readonly request: Record<string, never> | null;
}

/** A call a pod received (EchoThree included, although it answers UNIMPLEMENTED). */
export interface ReceivedCall {
  readonly method: GrpcEchoMethod;
  readonly authority: string;
  /** Whether it came over the pod's TLS port. */
  readonly tls: boolean;
}

/** Where and as whom an {@link EchoBasicPod} serves. */
export interface EchoBasicPodOptions {
  /** The pod's name (`POD_NAME`), which the conformance client matches by prefix against the backend's name. */
  readonly pod: string;
  /** The pod's namespace (`NAMESPACE`). */
  readonly namespace: string;
  /**
   * Certificate and key of the TLS port (upstream's `TLS_SERVER_CERT` and `TLS_SERVER_PRIV_KEY`, port 8443).
   * @default - no TLS port
   */
  readonly tls?: { readonly cert: Buffer; readonly key: Buffer };
}

/**
 * A pod of the upstream conformance echo server (`echo-basic`, `conformance/echo-basic/grpc/grpc.go`), as a real
 * @grpc/grpc-js server on 127.0.0.1: Echo and EchoTwo answer with `Assertions` (fully qualified method, every
 * request header with `:authority`, and the pod's `Context`), EchoThree answers UNIMPLEMENTED, as upstream's
 * `UnimplementedGrpcEchoServer` does. Like upstream it serves h2c on one port and, with a certificate, TLS on
 * another; both record the calls they receive.
 */
export class EchoBasicPod {
  /** Starts the pod's servers on free loopback ports. */
  public static async start(options: EchoBasicPodOptions): Promise<EchoBasicPod> {
    const pod = new EchoBasicPod(options);
    pod.plaintextPort = await pod.serve(grpc.ServerCredentials.createInsecure(), false);
    if (options.tls !== undefined) {
      pod.tlsPort = await pod.serve(grpc.ServerCredentials.createSsl(null, [{ cert_chain: options.tls.cert, private_key: options.tls.key }]), true);
    }
    return pod;
  }

  /** `POD_NAME`. */
  public readonly pod: string;
  /** `NAMESPACE`. */
  public readonly namespace: string;
  /** The h2c port (upstream's `HTTP_PORT`, 3000 in a cluster). */
  public plaintextPort = 0;
  /** The TLS port (upstream's `HTTPS_PORT`, 8443 in a cluster), when the pod has a certificate. */
  public tlsPort: number | undefined;
  /** Every call received so far, in order. */
  public readonly calls: ReceivedCall[] = [];
  private readonly servers: grpc.Server[] = [];

  private constructor(options: EchoBasicPodOptions) {
    this.pod = options.pod;
    this.namespace = options.namespace;
  }

  /** Stops both servers: calls in flight finish, then every connection closes (at once after 2 s). */
  public async close(): Promise<void> {
    await Promise.all(this.servers.map((server) => new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        server.forceShutdown();
        resolve();
      }, 2000);
      server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    })));
  }

  private async serve(credentials: grpc.ServerCredentials, tls: boolean): Promise<number> {
    const server = new grpc.Server();
    const handler = (method: GrpcEchoMethod) => (call: grpc.ServerUnaryCall<unknown, EchoResponse>, callback: grpc.sendUnaryData<EchoResponse>) =>
      this.echo(method, tls, call, callback);
    server.addService(GrpcEchoService.service, { Echo: handler('Echo'), EchoTwo: handler('EchoTwo'), EchoThree: handler('EchoThree') });
    this.servers.push(server);
    return new Promise<number>((resolve, reject) => {
      server.bindAsync(`${LOCAL}:0`, credentials, (error, port) => (error ? reject(error) : resolve(port)));
    });
  }

  private echo(
    method: GrpcEchoMethod, tls: boolean, call: grpc.ServerUnaryCall<unknown, EchoResponse>, callback: grpc.sendUnaryData<EchoResponse>,
  ): void {
    const authority = call.getHost();
    this.calls.push({ method, authority, tls });
    if (method === 'EchoThree') {
      callback({ code: grpc.status.UNIMPLEMENTED, details: 'method EchoThree not implemented' });
      return;
    }
    // Upstream lists every value of every header, `:authority` included (grpc-go puts it in the incoming metadata).
    const headers: EchoHeader[] = [{ key: ':authority', value: authority }];
    for (const [key, values] of Object.entries(call.metadata.toJSON())) {
      for (const value of values) headers.push({ key, value: typeof value === 'string' ? value : Buffer.from(value).toString('base64') });
    }
    callback(null, {
      assertions: {
        fully_qualified_method: `/${GRPC_ECHO_SERVICE}/${method}`,
        headers,
        authority,
        context: { namespace: this.namespace, ingress: '', service_name: '', pod: this.pod },
        // Upstream fills these from the TLS state, which grpc-js does not expose; `calls[].tls` says which port.
        tls_assertions: null,
      },
      request: {},
    });
  }
}
