// opcua_server.mjs — the node-opcua server the OPC UA tests and the benchmark talk to.
//
// Run as its own process (so a test can kill it mid-stream and start it again):
//   node lib/opcua_server.mjs --port 48410 --pki /tmp/x/server-pki [--items 10000] [--period-ms 1000]
// It prints one JSON line {"ready":true,"port":…,"certPem":"<path>","start":…,"period":…} when
// listening. Endpoints: None, Basic256Sha256 Sign and SignAndEncrypt; identities Anonymous
// and UserName (operator / "Op-2026!secret").
//
// Address space under Objects/Test (namespace 1, string ids):
//   T.<Type>         one scalar variable per built-in type, fixed known values; T.Big a 300 KB ByteString
//   A.<Type>         a one-dimensional array per numeric type
//   Counter          Int32 +1 every period, source timestamp = the tick instant (ms)
//   Sine             Double sin(t) every period, same timestamp
//   Ramp             Double that the test sets through the "Ramp" write (source time given)
//   Bad              Double whose status goes Good/BadSensorFailure every period
//   Bench.<i>        with --items N: N Double variables changing every period
import { Range, resolveNodeId, coerceLocalizedText, coerceQualifiedName, OPCUAServer, DataType, Variant, StatusCodes, DataValue, MessageSecurityMode, SecurityPolicy, OPCUACertificateManager, nodesets } from 'node-opcua';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    port: { type: 'string', default: '48410' },
    pki: { type: 'string' },
    items: { type: 'string', default: '0' },
    'period-ms': { type: 'string', default: '200' },
  },
});

const period = Number(args['period-ms']);
const serverCertificateManager = new OPCUACertificateManager({ rootFolder: args.pki, automaticallyAcceptUnknownCertificate: true });
const userCertificateManager = new OPCUACertificateManager({ rootFolder: args.pki + '-user', automaticallyAcceptUnknownCertificate: true });

const server = new OPCUAServer({
  port: Number(args.port),
  hostname: '127.0.0.1',
  nodeset_filename: [nodesets.standard],
  serverCertificateManager,
  userCertificateManager,
  securityPolicies: [SecurityPolicy.None, SecurityPolicy.Basic256Sha256],
  securityModes: [MessageSecurityMode.None, MessageSecurityMode.Sign, MessageSecurityMode.SignAndEncrypt],
  allowAnonymous: true,
  userManager: { isValidUser: (u, p) => u === 'operator' && p === 'Op-2026!secret' },
  serverInfo: { applicationUri: 'urn:anjian-test:opcua-server' },
  maxConnectionsPerEndpoint: 50,
  serverCapabilities: { maxSessions: 50, operationLimits: { maxMonitoredItemsPerCall: 20000, maxNodesPerRead: 20000 } },
});
await server.initialize();

const as = server.engine.addressSpace;
const ns = as.getOwnNamespace();
const root = ns.addObject({ organizedBy: as.rootFolder.objects, browseName: 'Test', nodeId: 's=Test' });

// Fixed scalar values, one per built-in type (what the test expects back).
const scalars = {
  Boolean: [DataType.Boolean, true],
  SByte: [DataType.SByte, -100],
  Byte: [DataType.Byte, 200],
  Int16: [DataType.Int16, -30000],
  UInt16: [DataType.UInt16, 60000],
  Int32: [DataType.Int32, -2000000000],
  UInt32: [DataType.UInt32, 4000000000],
  Int64: [DataType.Int64, [0xffffffff, 0xfffffffe]], // node-opcua's [high, low]: -2
  UInt64: [DataType.UInt64, [0, 123456789]],
  Float: [DataType.Float, 1.5],
  Double: [DataType.Double, 3.141592653589793],
  String: [DataType.String, '安监 ✓'],
  DateTime: [DataType.DateTime, new Date(Date.UTC(2026, 10, 30, 1, 2, 3, 456))],
  Guid: [DataType.Guid, '72962B91-FA75-4AE6-8D28-B404DC7DAF63'],
  ByteString: [DataType.ByteString, Buffer.from([1, 2, 3, 0xff])],
  XmlElement: [DataType.XmlElement, '<a>1</a>'],
  NodeId: [DataType.NodeId, resolveNodeId('ns=1;s=Test')],
  StatusCode: [DataType.StatusCode, StatusCodes.BadSensorFailure],
  QualifiedName: [DataType.QualifiedName, coerceQualifiedName({ namespaceIndex: 1, name: 'Q' })],
  LocalizedText: [DataType.LocalizedText, coerceLocalizedText({ locale: 'zh-CN', text: '液位' })],
};
for (const [name, [dataType, value]] of Object.entries(scalars)) {
  ns.addVariable({ componentOf: root, browseName: 'T.' + name, nodeId: 's=T.' + name, dataType: DataType[dataType],
    minimumSamplingInterval: 100, value: new Variant({ dataType, arrayType: 0, value }) });
}
// an ExtensionObject (a Range structure: low 0, high 100)
ns.addVariable({ componentOf: root, browseName: 'T.ExtensionObject', nodeId: 's=T.ExtensionObject', dataType: 'Range',
  minimumSamplingInterval: 100, value: new Variant({ dataType: DataType.ExtensionObject, arrayType: 0, value: new Range({ low: 0, high: 100 }) }) });
// a 300 KB ByteString: its Read response needs several 64 KB chunks
ns.addVariable({ componentOf: root, browseName: 'T.Big', nodeId: 's=T.Big', dataType: DataType.ByteString,
  minimumSamplingInterval: 100, value: new Variant({ dataType: DataType.ByteString, arrayType: 0,
    value: Buffer.from(Array.from({ length: 300000 }, (_, i) => (i * 7) & 0xff)) }) });
const arrays = {
  Boolean: [DataType.Boolean, [true, false, true]],
  Int16: [DataType.Int16, new Int16Array([-1, 2, -3])],
  Int32: [DataType.Int32, new Int32Array([10, 20, 30, 40])],
  UInt32: [DataType.UInt32, new Uint32Array([7, 8])],
  Float: [DataType.Float, new Float32Array([0.5, 1.5])],
  Double: [DataType.Double, new Float64Array([1.25, 2.5, 3.75])],
  String: [DataType.String, ['a', 'b']],
};
for (const [name, [dataType, value]] of Object.entries(arrays)) {
  ns.addVariable({ componentOf: root, browseName: 'A.' + name, nodeId: 's=A.' + name, dataType: DataType[dataType],
    valueRank: 1, arrayDimensions: [value.length], minimumSamplingInterval: 100,
    value: new Variant({ dataType, arrayType: 1, value }) });
}

function dv(dataType, value, ms, statusCode = StatusCodes.Good) {
  return new DataValue({ value: new Variant({ dataType, value }), sourceTimestamp: new Date(ms), serverTimestamp: new Date(), statusCode });
}
const counter = ns.addVariable({ componentOf: root, browseName: 'Counter', nodeId: 's=Counter', dataType: 'Int32', minimumSamplingInterval: 50 });
const sine = ns.addVariable({ componentOf: root, browseName: 'Sine', nodeId: 's=Sine', dataType: 'Double', minimumSamplingInterval: 50 });
const bad = ns.addVariable({ componentOf: root, browseName: 'Bad', nodeId: 's=Bad', dataType: 'Double', minimumSamplingInterval: 50 });
let n = 0;
const start = Math.floor(Date.now() / 1000) * 1000;
function tick() {
  n++;
  const ms = start + n * period;
  counter.setValueFromSource(new Variant({ dataType: DataType.Int32, value: n }), StatusCodes.Good, new Date(ms));
  sine.setValueFromSource(new Variant({ dataType: DataType.Double, value: Math.sin(n / 10) }), StatusCodes.Good, new Date(ms));
  bad.setValueFromSource(new Variant({ dataType: DataType.Double, value: n }), n % 2 ? StatusCodes.BadSensorFailure : StatusCodes.Good, new Date(ms));
}
counter.setValueFromSource(new Variant({ dataType: DataType.Int32, value: 0 }), StatusCodes.Good, new Date(start));
sine.setValueFromSource(new Variant({ dataType: DataType.Double, value: 0 }), StatusCodes.Good, new Date(start));
bad.setValueFromSource(new Variant({ dataType: DataType.Double, value: 0 }), StatusCodes.Good, new Date(start));

const bench = [];
const nItems = Number(args.items);
if (nItems > 0) {
  const folder = ns.addObject({ organizedBy: root, browseName: 'Bench', nodeId: 's=Bench' });
  for (let i = 0; i < nItems; i++)
    bench.push(ns.addVariable({ componentOf: folder, browseName: 'Bench.' + i, nodeId: 's=Bench.' + i, dataType: 'Double', minimumSamplingInterval: 100,
      value: new Variant({ dataType: DataType.Double, value: 0 }) }));
}
let benchTick = 0;
function benchStep() {
  benchTick++;
  const now = new Date();
  for (let i = 0; i < bench.length; i++)
    bench[i].setValueFromSource(new Variant({ dataType: DataType.Double, value: benchTick + i / 1e6 }), StatusCodes.Good, now);
}

await server.start();
setInterval(tick, period);
if (bench.length) setInterval(benchStep, 1000);
// the server certificate (PEM) an operator would copy into anjian's trusted/ folder
const certPem = args.pki + '/own/certs/certificate.pem';
process.stdout.write(JSON.stringify({ ready: true, port: Number(args.port), certPem, start, period }) + '\n');
process.on('SIGTERM', async () => { await server.shutdown(0); process.exit(0); });
