// Pictures and files with the official SDK: the sender's SDK uploads with its own code
// (part_size, initiate_multipart_upload, a PUT per signed part, complete_multipart_upload), the
// peer gets the message and opens the URL in it, as a viewer does, with no token.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { deflateSync, crc32 } from 'node:zlib';
import { createHash, randomBytes } from 'node:crypto';
import { startNode, registerUsers, Client, CbEvents } from './harness.mjs';

// The SDK reads each part through the browser's FileReader, which Node has not got; this one reads
// the Blob the same way (the result is an ArrayBuffer, onload gets an event whose target is the
// reader).
globalThis.FileReader = class {
  readAsArrayBuffer(blob) {
    blob.arrayBuffer().then((buf) => {
      this.result = buf;
      this.onload?.({ target: this });
    }, (err) => this.onerror?.(err));
  }
};

// The object calls the SDK makes, as "METHOD /path" (the part PUTs go to the node's signed part
// route): the test asserts the SDK's own upload path ran, not just that a URL came back.
const objectCalls = [];
const realFetch = globalThis.fetch;
globalThis.fetch = (input, init) => {
  const u = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
  if (u.pathname.startsWith('/object')) objectCalls.push(`${init?.method ?? 'GET'} ${u.pathname}`);
  return realFetch(input, init);
};
const callsSince = (mark) => objectCalls.slice(mark).map((c) => c.replace(/^PUT \/object-part\/.*/, 'PUT part'));

let node;
let alice;
let bob;

before(async () => {
  node = await startNode();
  await registerUsers(node, 'alice', 'bob');
  alice = await new Client(node, 'alice').login();
  bob = await new Client(node, 'bob').login();
});
after(async () => {
  for (const c of [alice, bob]) await c?.logout();
  await node?.stop();
});

// png encodes a w×h RGB picture (a gradient) as a PNG.
function png(w, h) {
  const raw = Buffer.alloc((w * 3 + 1) * h);
  for (let y = 0; y < h; y++) {
    const row = y * (w * 3 + 1); // filter byte 0, then the pixels
    for (let x = 0; x < w; x++) raw.set([x % 256, y % 256, (x + y) % 256], row + 1 + x * 3);
  }
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(Buffer.concat([Buffer.from(type), data])));
    return Buffer.concat([len, Buffer.from(type), data, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8 bits, RGB, deflate, no filter method, no interlace
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

// pngSize reads the width and height of a PNG's IHDR.
function pngSize(buf) {
  assert.equal(buf.subarray(1, 4).toString(), 'PNG', 'a PNG');
  return { width: buf.readUInt32BE(16), height: buf.readUInt32BE(20) };
}

const md5 = (buf) => createHash('md5').update(buf).digest('hex');

// open GETs a URL from a message as a viewer does (no token) and returns the answer and its bytes.
async function open(url) {
  const res = await realFetch(url);
  assert.equal(res.status, 200, `GET ${url}`);
  return { res, bytes: Buffer.from(await res.arrayBuffer()) };
}

// sendAndReceive sends msg from alice to bob and returns the message as bob's SDK got it.
async function sendAndReceive(msg) {
  const sent = (await alice.sdk.sendMessage({ recvID: 'bob', groupID: '', message: msg })).data;
  assert.equal(sent.status, 2, 'sent');
  const got = await bob.waitFor(CbEvents.OnRecvNewMessages, (ms) => ms.some((m) => m.clientMsgID === msg.clientMsgID));
  return { sent, got: got.find((m) => m.clientMsgID === msg.clientMsgID) };
}

test('a picture: the peer opens it and its 640×640 thumbnail', async () => {
  const bytes = png(1280, 720);
  const file = new File([bytes], 'screenshot.png', { type: 'image/png' });
  const info = { uuid: 'pic-1', type: 'image/png', size: bytes.length, width: 1280, height: 720, url: '' };
  const msg = (await alice.sdk.createImageMessageByFile({ sourcePicture: info, bigPicture: { ...info },
    snapshotPicture: { ...info }, sourcePath: '', file })).data;
  const mark = objectCalls.length;
  const { got } = await sendAndReceive(msg);
  assert.deepEqual(callsSince(mark), ['POST /object/part_size', 'POST /object/initiate_multipart_upload', 'PUT part',
    'POST /object/complete_multipart_upload']);

  const pic = got.pictureElem;
  assert.equal(got.contentType, 102);
  assert.ok(pic.sourcePicture.url.startsWith(`${node.api}/object/`), pic.sourcePicture.url);
  assert.equal(pic.bigPicture.url, pic.sourcePicture.url);
  const full = await open(pic.sourcePicture.url);
  assert.equal(full.res.headers.get('content-type'), 'image/png');
  assert.equal(md5(full.bytes), md5(bytes), 'the peer gets the bytes that were sent');

  assert.equal(pic.snapshotPicture.url, `${pic.sourcePicture.url}?type=image&width=640&height=640`);
  const thumb = await open(pic.snapshotPicture.url);
  assert.equal(thumb.res.headers.get('content-type'), 'image/png');
  assert.deepEqual(pngSize(thumb.bytes), { width: 640, height: 360 }, 'scaled to fit 640×640');
  assert.ok(thumb.bytes.length < bytes.length);
});

test('a file of three parts: the peer opens it', async () => {
  // 11 MiB: three parts of the node's 5 MiB part size, each PUT by the SDK.
  const bytes = randomBytes(11 << 20);
  const file = new File([bytes], 'quarterly report.pdf', { type: 'application/pdf' });
  const msg = (await alice.sdk.createFileMessageByFile({ filePath: '', fileName: file.name, uuid: 'file-1',
    sourceUrl: '', fileSize: bytes.length, fileType: 'application/pdf', file })).data;
  const mark = objectCalls.length;
  const { got } = await sendAndReceive(msg);
  assert.deepEqual(callsSince(mark), ['POST /object/part_size', 'POST /object/initiate_multipart_upload', 'PUT part',
    'PUT part', 'PUT part', 'POST /object/complete_multipart_upload']);

  const f = got.fileElem;
  assert.equal(got.contentType, 105);
  assert.equal(f.fileName, 'quarterly report.pdf');
  assert.equal(f.fileSize, bytes.length);
  const opened = await open(f.sourceUrl);
  assert.equal(opened.res.headers.get('content-type'), 'application/pdf');
  assert.equal(Number(opened.res.headers.get('content-length')), bytes.length);
  assert.equal(md5(opened.bytes), md5(bytes), 'the peer gets the bytes that were sent');
});

test('the same file sent again is not uploaded again', async () => {
  const bytes = randomBytes(64 << 10);
  const send = async (uuid) => {
    const file = new File([bytes], 'notes.txt', { type: 'text/plain' });
    const msg = (await alice.sdk.createFileMessageByFile({ filePath: '', fileName: file.name, uuid, sourceUrl: '',
      fileSize: bytes.length, fileType: 'text/plain', file })).data;
    return (await sendAndReceive(msg)).got.fileElem.sourceUrl;
  };
  const first = await send('file-2');
  const mark = objectCalls.length;
  const second = await send('file-3');
  // The node holds the content: initiate answers the URL, and the SDK PUTs nothing.
  assert.deepEqual(callsSince(mark), ['POST /object/part_size', 'POST /object/initiate_multipart_upload']);
  assert.equal(second, first);
  assert.equal(md5((await open(second)).bytes), md5(bytes));
});
