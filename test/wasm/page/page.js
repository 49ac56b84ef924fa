// One signed-in user of the official SDK core per page. The test drives it through window.lanim:
// call() runs an SDK method and returns its answer or its error as plain data; every event the
// core emits goes to the test through the binding window.lanimEvent (installed by puppeteer),
// whatever its name: the ES build's CbEvents lacks OnRecvC2CReadReceipt, so listening by name
// would miss events.
import { getSDK } from '/lib/index.es.js';

// The core's WebSockets, so a test can drop them as a network loss would.
const sockets = new Set();
const NativeWebSocket = window.WebSocket;
window.WebSocket = class extends NativeWebSocket {
  constructor(...args) {
    super(...args);
    sockets.add(this);
    this.addEventListener('close', () => sockets.delete(this));
  }
};

const sdk = getSDK({ coreWasmPath: '/openIM.wasm', sqlWasmPath: '/sql-wasm.wasm', debug: false });
const emit = sdk.emit.bind(sdk);
sdk.emit = (name, ev) => {
  window.lanimEvent(name, JSON.stringify(ev ?? null));
  return emit(name, ev);
};

// settle turns an SDK promise into {ok} or {err}: its rejections are plain objects, which do not
// survive puppeteer's evaluate as errors.
async function settle(p) {
  try {
    return { ok: JSON.parse(JSON.stringify((await p) ?? null)) };
  } catch (e) {
    return { err: { errCode: e?.errCode, errMsg: e?.errMsg ?? String(e?.message ?? e) } };
  }
}

window.lanim = {
  ready: sdk.wasmInitializedPromise.then((go) => go !== null),
  call: (method, ...args) => settle(sdk[method](...args)),
  // core calls a function of the core itself (window.<name>(operationID, ...args)), for SDK
  // wrappers that call a name the core does not export (getInputstates).
  core: (name, ...args) => settle(Promise.resolve(window[name](crypto.randomUUID(), ...args))
    .then((raw) => ({ data: JSON.parse(raw) }))),
  // fileMessage makes a picture or file message from bytes (base64) the way an app does from a
  // file picker: the SDK's *ByFile methods take a browser File, and sendMessage uploads it with the
  // core's own upload code.
  fileMessage: (kind, name, type, base64) => {
    const bytes = Uint8Array.from(atob(base64), (ch) => ch.charCodeAt(0));
    const file = new File([bytes], name, { type });
    const uuid = crypto.randomUUID();
    if (kind === 'image') {
      const pic = { uuid, type, size: bytes.length, width: 1, height: 1, url: '' };
      return settle(sdk.createImageMessageByFile({ sourcePath: '', sourcePicture: pic, bigPicture: { ...pic },
        snapshotPicture: { ...pic }, file }));
    }
    return settle(sdk.createFileMessageByFile({ filePath: '', fileName: name, uuid, sourceUrl: '', fileSize: bytes.length,
      fileType: type, file }));
  },
  // closeSocket drops the core's WebSocket as a network loss would.
  closeSocket: () => {
    for (const ws of sockets) ws.close();
    return sockets.size;
  },
};
