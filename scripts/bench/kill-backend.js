#!/usr/bin/env node
// One @grpc/grpc-js backend of scripts/bench/kill-rotation.mjs (the repository's own grpc-js):
//   bench.Echo/Say             replies { backend: "<id>#<gen>", msg }, so the client knows which process served it
//   grpc.health.v1.Health/Check  SERVING (grpc-mesh-proxy's default config health-checks its endpoints)
// It prints JSON lines to stdout, read by the driver: {"ev":"listening","t":<epoch ms>} once bound, and
// {"ev":"first","t":<epoch ms>} when it serves its first Say call. With --bind-on-stdin it loads everything, prints
// {"ev":"ready"} and binds only when a line arrives on stdin (so a restart binds at a precise time, without Node's
// start-up time). It exits when its stdin closes (the driver is gone).
// Usage: node scripts/bench/kill-backend.js --id b1 --gen 0 --port 50051 [--bind-on-stdin] (loopback only)
// Required by the driver too, for the service definitions (loadDefinitions()).
'use strict';
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const LOADER_OPTIONS = { keepCase: true, longs: Number, enums: Number, defaults: true };
/** Echo (same messages as ../shared/bench/echo.proto's Say) and the standard health service, as protobufjs JSON. */
const PROTO_JSON = {
  nested: {
    bench: {
      nested: {
        EchoRequest: { fields: { msg: { type: 'string', id: 1 } } },
        EchoReply: { fields: { backend: { type: 'string', id: 1 }, msg: { type: 'string', id: 2 } } },
        Echo: { methods: { Say: { requestType: 'EchoRequest', responseType: 'EchoReply' } } },
      },
    },
    grpc: {
      nested: {
        health: {
          nested: {
            v1: {
              nested: {
                HealthCheckRequest: { fields: { service: { type: 'string', id: 1 } } },
                HealthCheckResponse: {
                  fields: { status: { type: 'ServingStatus', id: 1 } },
                  nested: { ServingStatus: { values: { UNKNOWN: 0, SERVING: 1, NOT_SERVING: 2, SERVICE_UNKNOWN: 3 } } },
                },
                Health: { methods: { Check: { requestType: 'HealthCheckRequest', responseType: 'HealthCheckResponse' } } },
              },
            },
          },
        },
      },
    },
  },
};

function loadDefinitions() {
  return grpc.loadPackageDefinition(protoLoader.fromJSON(PROTO_JSON, LOADER_OPTIONS));
}

function main() {
  const arg = (name, dflt) => {
    const i = process.argv.indexOf('--' + name);
    return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : dflt;
  };
  const id = `${arg('id', 'b1')}#${arg('gen', '0')}`;
  const host = arg('host', '127.0.0.1');
  const port = Number(arg('port', '50051'));
  if (!/^127\./.test(host)) { console.error('refusing non-loopback host ' + host); process.exit(2); }
  const emit = (ev) => process.stdout.write(JSON.stringify({ ...ev, t: Date.now() }) + '\n'); // a pipe: synchronous on Linux

  const defs = loadDefinitions();
  let served = 0;
  const server = new grpc.Server();
  server.addService(defs.bench.Echo.service, {
    Say(call, cb) {
      if (served++ === 0) emit({ ev: 'first' });
      cb(null, { backend: id, msg: call.request.msg });
    },
  });
  server.addService(defs.grpc.health.v1.Health.service, {
    Check(call, cb) { cb(null, { status: 1 }); },
  });
  const bind = () => server.bindAsync(`${host}:${port}`, grpc.ServerCredentials.createInsecure(), (err) => {
    if (err) { console.error(`[${id}] bind ${host}:${port} failed: ${err.message}`); process.exit(1); }
    emit({ ev: 'listening' });
  });
  const stop = () => { server.forceShutdown(); process.exit(0); };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.stdin.on('end', stop);
  if (process.argv.includes('--bind-on-stdin')) {
    process.stdin.once('data', bind);
    emit({ ev: 'ready' });
  } else {
    bind();
  }
  process.stdin.resume();
}

module.exports = { loadDefinitions };
if (require.main === module) main();
