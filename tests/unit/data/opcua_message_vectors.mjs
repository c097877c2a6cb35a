// opcua_message_vectors.mjs — prints the node-opcua encodings that tests/unit/test_opcua_messages.c
// compares anjian's encoders and decoders with (an independent implementation as the oracle).
// Run (node-opcua is installed under tests/e2e by scripts/setup.sh):
//   node tests/unit/data/opcua_message_vectors.mjs
// and paste the hex into the unit test when a vector changes.
import {
  ReadRequest, CreateMonitoredItemsRequest, PublishResponse, DataChangeNotification, MonitoredItemNotification,
  ActivateSessionRequest, UserNameIdentityToken, DataChangeFilter, DataValue, Variant, DataType, StatusCodes,
  BinaryStream, resolveNodeId, ExtensionObject,
} from '../../e2e/node_modules/node-opcua/dist/index.js';

function hex(obj) {
  const s = new BinaryStream(obj.binaryStoreSize() + 16);
  // the message's binary encoding NodeId first, as on the wire
  const id = obj.schema.encodingDefaultBinary;
  s.writeUInt8(0x01); s.writeUInt8(0); s.writeUInt16(id.value); // FourByte NodeId (ids < 65536, ns 0)
  obj.encode(s);
  return s.buffer.subarray(0, s.length).toString('hex');
}
const t = new Date(Date.UTC(2026, 10, 30, 0, 0, 0));
const header = (handle) => ({ authenticationToken: resolveNodeId('ns=1;b=AAECAw=='), timestamp: t, requestHandle: handle, timeoutHint: 5000 });

const read = new ReadRequest({
  requestHeader: header(7), maxAge: 0, timestampsToReturn: 2,
  nodesToRead: [{ nodeId: resolveNodeId('ns=2;s=PT101.PV'), attributeId: 13 }, { nodeId: resolveNodeId('i=2258'), attributeId: 13, indexRange: '1' }],
});
console.log('read', hex(read));

const items = new CreateMonitoredItemsRequest({
  requestHeader: header(8), subscriptionId: 42, timestampsToReturn: 2,
  itemsToCreate: [
    { itemToMonitor: { nodeId: resolveNodeId('ns=2;s=A'), attributeId: 13 }, monitoringMode: 2,
      requestedParameters: { clientHandle: 0, samplingInterval: 100, queueSize: 10, discardOldest: true } },
    { itemToMonitor: { nodeId: resolveNodeId('ns=2;i=7'), attributeId: 13 }, monitoringMode: 2,
      requestedParameters: { clientHandle: 1, samplingInterval: -1, queueSize: 1, discardOldest: true,
        filter: new DataChangeFilter({ trigger: 1, deadbandType: 1, deadbandValue: 0.5 }) } },
  ],
});
console.log('items', hex(items));

const dcn = new DataChangeNotification({
  monitoredItems: [
    new MonitoredItemNotification({ clientHandle: 3, value: new DataValue({ value: new Variant({ dataType: DataType.Double, value: 12.5 }), sourceTimestamp: t, statusCode: StatusCodes.Good }) }),
    new MonitoredItemNotification({ clientHandle: 9, value: new DataValue({ value: new Variant({ dataType: DataType.Int32, value: -4 }), statusCode: StatusCodes.BadSensorFailure, sourceTimestamp: t }) }),
  ],
});
const pub = new PublishResponse({
  responseHeader: { timestamp: t, requestHandle: 11, serviceResult: StatusCodes.Good },
  subscriptionId: 42, availableSequenceNumbers: [5, 6], moreNotifications: false,
  notificationMessage: { sequenceNumber: 6, publishTime: t, notificationData: [dcn] },
  results: [StatusCodes.Good],
});
console.log('publish', hex(pub));

const act = new ActivateSessionRequest({
  requestHeader: header(12), clientSignature: { algorithm: null, signature: null },
  userIdentityToken: new UserNameIdentityToken({ policyId: 'username_basic256Sha256', userName: 'operator', password: Buffer.from('secret'), encryptionAlgorithm: null }),
  userTokenSignature: { algorithm: null, signature: null },
});
console.log('activate', hex(act));
