// opcua_security_vectors.mjs — test vectors for tests/unit/test_opcua_security.c made with
// node-opcua's own code (node-opcua-crypto, node-opcua-secure-channel from tests/e2e/node_modules),
// an independent implementation of OPC UA security used as the oracle.
//
//   node tests/unit/data/opcua_security_vectors.mjs            writes opcua_security_cross.txt
//                                                              and prints the small vectors
//                                                              as C to paste into the test
//   node tests/unit/data/opcua_security_vectors.mjs --check F  opens every chunk in F (written
//                                                              by the unit test when
//                                                              AJ_UA_SEC_EXPORT=F is set: our
//                                                              sealed chunks) with node-opcua's
//                                                              MessageBuilder, the code a
//                                                              node-opcua server receives with
//
// Keys and certificates: opcua_sec_{a,b,c,d}.{key.pem,cert.der} beside this script (RSA 2048,
// 4096, 2048, 3072; made once with `openssl req -x509`). The unit test needs neither node nor
// this script: it reads opcua_security_cross.txt.
//
// Line format of opcua_security_cross.txt (hex fields, space separated):
//   sym  <Sign|SignAndEncrypt> <client|server> <chunk_size> <F|C> <hdr_len> <plain> <chunk>
//   asym <sender> <receiver> <Sign|SignAndEncrypt> <chunk_size> <F|C> <hdr_len> <plain> <chunk> <before>
//   sig  <signer> <cert> <nonce> <signature>
// plain = sequence header + body of that chunk; chunk = what node-opcua sent; before = the
// same chunk just before encryption (headers, plain, padding, signature): OAEP is randomised,
// so a chunk we seal is compared with `before` once decrypted.
import { createPublicKey } from "node:crypto";
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const modules = path.join(here, "..", "..", "e2e", "node_modules");
const requireFromE2e = createRequire(path.join(modules, "index.js"));
async function load(name) {
    return import(pathToFileURL(requireFromE2e.resolve(name)).href);
}
const crypto = await load("node-opcua-crypto");
const sc = await load("node-opcua-secure-channel");
const basic = await load("node-opcua-basic-types");
const streamMod = await load("node-opcua-binary-stream");
const readService = await load("node-opcua-service-read");
const scService = await load("node-opcua-service-secure-channel");

const { SecurityPolicy, MessageSecurityMode } = { ...sc, ...scService };
const B256 = SecurityPolicy.Basic256Sha256;
const factory = sc.getCryptoFactory(B256);

const hex = (b) => Buffer.from(b).toString("hex");
const seq = (n, start) => Buffer.from(Array.from({ length: n }, (_, i) => (start + i) & 0xff));

// ---- keys -------------------------------------------------------------------------------------
const ids = ["a", "b", "c", "d"];
const keys = {};
for (const id of ids) {
    const certDer = fs.readFileSync(path.join(here, `opcua_sec_${id}.cert.der`));
    const keyFile = path.join(here, `opcua_sec_${id}.key.pem`);
    keys[id] = {
        cert: certDer,
        privateKey: crypto.readPrivateKey(keyFile),
        publicKey: createPublicKey(crypto.toPem(certDer, "CERTIFICATE")),
        thumbprint: crypto.makeSHA1Thumbprint(certDer)
    };
}

// ---- fixed inputs (also in the C test) --------------------------------------------------------
const clientNonce = seq(32, 0x10); // 10 11 .. 2f
const serverNonce = seq(32, 0xa0); // a0 a1 .. bf
const derived = sc.computeDerivedKeys(factory, serverNonce, clientNonce);

// A message body node-opcua can decode, whose length grows one byte per step of k: a
// ReadRequest whose RequestHeader.auditEntryId holds k letters.
function body(k) {
    const req = new readService.ReadRequest({
        requestHeader: { requestHandle: 1000 + k, auditEntryId: "x".repeat(k), timeoutHint: 5000 },
        maxAge: 0,
        nodesToRead: []
    });
    const s = new streamMod.BinaryStream(4096 + k);
    basic.encodeExpandedNodeId(req.schema.encodingDefaultBinary, s);
    req.encode(s);
    return Buffer.from(s.buffer.subarray(0, s.length));
}

// Runs node-opcua's SecureMessageChunkManager over msg; returns the chunks with the plain text
// of each and the chunk as it was just before encryption.
function chunkWith(msgType, securityHeader, options, msg, mode) {
    const out = [];
    let before = null;
    const wrapped = { ...options };
    if (options.encryptBufferFunc) {
        wrapped.encryptBufferFunc = (area) => {
            before = Buffer.from(area);
            return options.encryptBufferFunc(area);
        };
    }
    const mgr = new sc.SecureMessageChunkManager(
        mode,
        msgType,
        0x01020304,
        wrapped,
        securityHeader,
        new sc.SequenceNumberGenerator()
    );
    const hdrLen = 12 + securityHeader.binaryStoreSize();
    const maxBody = mgr.maxBodySize;
    mgr.on("chunk", (chunk, isLast) => {
        const c = Buffer.from(chunk);
        const i = out.length;
        const pre = before ? Buffer.concat([c.subarray(0, hdrLen), before]) : c;
        const plain = Buffer.concat([pre.subarray(hdrLen, hdrLen + 8), msg.subarray(i * maxBody, (i + 1) * maxBody)]);
        out.push({ chunk: c, before: pre, plain, isLast, hdrLen });
        before = null;
    });
    mgr.write(msg, msg.length);
    mgr.end();
    return out;
}

function symLines() {
    const lines = [];
    const cases = [];
    for (const mode of [MessageSecurityMode.Sign, MessageSecurityMode.SignAndEncrypt]) {
        for (let k = 0; k <= 20; k++) cases.push({ mode, side: "client", k, chunkSize: 8192 });
        cases.push({ mode, side: "server", k: 5, chunkSize: 8192 });
        cases.push({ mode, side: "server", k: 700, chunkSize: 256 }); // several chunks
    }
    for (const { mode, side, k, chunkSize } of cases) {
        const keysOf = side === "client" ? derived.derivedClientKeys : derived.derivedServerKeys;
        const options = {
            ...sc.getOptionsForSymmetricSignAndEncrypt(mode, keysOf),
            chunkSize,
            requestId: 77
        };
        const header = new scService.SymmetricAlgorithmSecurityHeader({ tokenId: 9 });
        for (const c of chunkWith("MSG", header, options, body(k), mode)) {
            lines.push(
                ["sym", MessageSecurityMode[mode], side, chunkSize, c.isLast ? "F" : "C", c.hdrLen, hex(c.plain), hex(c.chunk)].join(" ")
            );
        }
    }
    return lines;
}

function asymLines() {
    const lines = [];
    const pairs = [
        ["b", "a"],
        ["c", "a"],
        ["a", "b"],
        ["a", "d"],
        ["d", "b"]
    ];
    for (const [s, r] of pairs) {
        const sender = keys[s];
        const receiver = keys[r];
        const cases = [0, 1, 2, 50, 150, 300, 400].map((k) => ({ k, chunkSize: 8192, mode: MessageSecurityMode.SignAndEncrypt }));
        cases.push({ k: 3, chunkSize: 8192, mode: MessageSecurityMode.Sign });
        if (s === "a" && r === "b") cases.push({ k: 1500, chunkSize: 2600, mode: MessageSecurityMode.SignAndEncrypt });
        for (const { k, chunkSize, mode } of cases) {
            const keyLength = crypto.rsaLengthPublicKey(receiver.publicKey);
            const options = {
                signatureLength: crypto.rsaLengthPrivateKey(sender.privateKey),
                signBufferFunc: (chunk) => factory.asymmetricSign(chunk, sender.privateKey),
                cipherBlockSize: keyLength,
                plainBlockSize: keyLength - factory.blockPaddingSize,
                encryptBufferFunc: (chunk) => factory.asymmetricEncrypt(chunk, receiver.publicKey),
                chunkSize,
                requestId: 5
            };
            const header = new scService.AsymmetricAlgorithmSecurityHeader({
                securityPolicyUri: B256,
                senderCertificate: sender.cert,
                receiverCertificateThumbprint: receiver.thumbprint
            });
            for (const c of chunkWith("OPN", header, options, body(k), mode)) {
                lines.push(
                    [
                        "asym",
                        s,
                        r,
                        MessageSecurityMode[mode],
                        chunkSize,
                        c.isLast ? "F" : "C",
                        c.hdrLen,
                        hex(c.plain),
                        hex(c.chunk),
                        hex(c.before)
                    ].join(" ")
                );
            }
        }
    }
    return lines;
}

function sigLines() {
    const lines = [];
    for (const [signer, certOf] of [
        ["a", "b"],
        ["b", "a"]
    ]) {
        const s = sc.computeSignature(keys[certOf].cert, serverNonce, keys[signer].privateKey, B256);
        lines.push(["sig", signer, certOf, hex(serverNonce), hex(s.signature)].join(" "));
    }
    return lines;
}

function cArray(name, buf) {
    const bytes = Array.from(buf, (b) => `0x${b.toString(16).padStart(2, "0")}`);
    const rows = [];
    for (let i = 0; i < bytes.length; i += 12) rows.push(`    ${bytes.slice(i, i + 12).join(", ")},`);
    return `static const uint8_t ${name}[${buf.length}] = {\n${rows.join("\n")}\n};`;
}

function printSmallVectors() {
    const prf = [
        { name: "PRF1", secret: seq(32, 0), seedv: seq(32, 0x20), len: 80 },
        { name: "PRF2", secret: Buffer.from("secret"), seedv: Buffer.from("seed"), len: 100 },
        { name: "PRF3", secret: seq(64, 0x40), seedv: seq(5, 0x90), len: 1 },
        { name: "PRF4", secret: seq(1, 0x55), seedv: seq(100, 0x01), len: 64 }
    ];
    const out = ["/* Made by tests/unit/data/opcua_security_vectors.mjs (node-opcua-crypto makePseudoRandomBuffer). */"];
    for (const v of prf) {
        const r = crypto.makePseudoRandomBuffer(v.secret, v.seedv, v.len, "SHA256");
        out.push(`/* ${v.name}: secret ${hex(v.secret)}, seed ${hex(v.seedv)}, ${v.len} bytes */`);
        out.push(cArray(`${v.name}_OUT`, r));
    }
    out.push("/* computeDerivedKeys(Basic256Sha256, serverNonce a0..bf, clientNonce 10..2f) */");
    for (const [side, k] of [
        ["CLIENT", derived.derivedClientKeys],
        ["SERVER", derived.derivedServerKeys]
    ]) {
        out.push(cArray(`${side}_SIGN`, k.signingKey));
        out.push(cArray(`${side}_ENC`, k.encryptingKey));
        out.push(cArray(`${side}_IV`, k.initializationVector));
    }
    console.log(out.join("\n"));
}

// ---- --check: open our chunks with node-opcua's MessageBuilder --------------------------------
function openWithNode(kind, fields) {
    const builder = new sc.MessageBuilder(
        {
            getDerivedKey: () => (fields.side === "server" ? derived.derivedServerKeys : derived.derivedClientKeys)
        },
        {
            name: "check",
            keyOperations: fields.receiver ? crypto.keyOperationsFromPrivateKey(keys[fields.receiver].privateKey) : undefined
        }
    );
    builder.setSecurity(MessageSecurityMode[fields.mode], B256);
    let result = null;
    builder.on("full_message_body", (b) => {
        result = { body: Buffer.from(b) };
    });
    builder.on("message", (obj) => {
        if (result) result.decoded = obj.constructor.name;
    });
    builder.on("error", (err) => {
        result = { error: err.message };
    });
    builder.feed(fields.chunk);
    return result;
}

function check(file) {
    const lines = fs.readFileSync(file, "utf8").split("\n").filter((l) => l && !l.startsWith("#"));
    let ok = 0;
    let trailing = 0;
    let bad = 0;
    const prevFinal = { sym: true, asym: true };
    for (const line of lines) {
        const f = line.split(" ");
        let fields;
        let isFinal;
        if (f[0] === "sym") {
            fields = { mode: f[1], side: f[2], plain: Buffer.from(f[6], "hex"), chunk: Buffer.from(f[7], "hex") };
            isFinal = f[4] === "F";
        } else if (f[0] === "asym") {
            fields = { receiver: f[2], mode: f[3], plain: Buffer.from(f[7], "hex"), chunk: Buffer.from(f[8], "hex") };
            isFinal = f[5] === "F";
        } else {
            continue;
        }
        const standalone = prevFinal[f[0]] && isFinal; // a whole message in one chunk
        prevFinal[f[0]] = isFinal;
        if (!standalone) continue;
        const r = openWithNode(f[0], fields);
        const want = fields.plain.subarray(8);
        const decoded = r && !r.error && r.decoded === "ReadRequest";
        if (decoded && r.body.equals(want)) {
            ok++;
        } else if (decoded && fields.receiver && crypto.rsaLengthPublicKey(keys[fields.receiver].publicKey) > 256 && r.body.subarray(0, want.length).equals(want)) {
            // node-opcua's removePadding reads only the last byte before the signature, which is
            // ExtraPaddingSize for receiver keys > 2048 bits: its body keeps the padding (the same
            // happens to its own chunks); the message still decodes.
            trailing++;
        } else {
            bad++;
            console.log(`FAIL ${f.slice(0, 7).join(" ")}: ${r ? r.error || `body ${r.body.length} bytes, decoded ${r.decoded}` : "no message"}`);
        }
    }
    console.log(
        `node-opcua's MessageBuilder opened and decoded ${ok + trailing} of ${ok + trailing + bad} chunks of ${file}` +
            ` (${trailing} with padding left after the body: node-opcua ignores ExtraPaddingSize)`
    );
    process.exit(bad === 0 && ok > 0 ? 0 : 1);
}

if (process.argv[2] === "--check") {
    check(process.argv[3]);
} else {
    const lines = [
        "# OPC UA security cross vectors made by node-opcua (tests/unit/data/opcua_security_vectors.mjs); do not edit",
        ...symLines(),
        ...asymLines(),
        ...sigLines()
    ];
    fs.writeFileSync(path.join(here, "opcua_security_cross.txt"), `${lines.join("\n")}\n`);
    printSmallVectors();
}
