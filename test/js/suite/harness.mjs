// Harness for the JS client suite: a real `lanim node` process (test/harness/node.mjs) and real
// @openim/client-sdk instances talking to it over loopback. Nothing is mocked.
import WS from 'ws';
import { getSDK, CbEvents } from '@openim/client-sdk';
import { userToken, matches, WEB } from '../../harness/node.mjs';

// The SDK is written for the browser's WebSocket. Three things make ws behave like it:
// - binary frames as ArrayBuffers (ws hands out Buffers unless told otherwise);
// - one event-loop task per message. By default ws emits every message of one TCP read in the same
//   tick, with no promise jobs between them; the SDK marks its own send in a promise job after the
//   1003 reply, so an echo arriving in the same read would be reported as a new incoming message;
// - no message events once the socket is closing, as the WHATWG spec says: the SDK resets itself on
//   logout and then closes, and a message it still handled would call the API at "undefined/...".
globalThis.WebSocket = class extends WS {
  constructor(url, protocols, options) {
    super(url, protocols, { ...options, allowSynchronousEvents: false });
    this.binaryType = 'arraybuffer';
  }

  get onmessage() {
    return super.onmessage;
  }

  set onmessage(handler) {
    super.onmessage = handler && ((ev) => {
      if (this.readyState === WS.OPEN) handler.call(this, ev);
    });
  }
};

export { CbEvents, WEB };
export { startNode, post, registerUsers, textOf, untilCached } from '../../harness/node.mjs';

// Client is one SDK instance that records every callback it receives, so a test can wait for an
// event and assert its payload.
export class Client {
  constructor(node, userID) {
    this.node = node;
    this.userID = userID;
    this.sdk = getSDK();
    this.events = [];
    this.waiters = [];
    for (const name of Object.values(CbEvents)) {
      this.sdk.on(name, (e) => this.record(name, e));
    }
  }

  record(name, e) {
    const item = { name, data: e?.data, errCode: e?.errCode, errMsg: e?.errMsg, operationID: e?.operationID };
    this.events.push(item);
    this.waiters = this.waiters.filter((w) => {
      if (w.name !== name || !matches(w.match, item.data)) return true;
      w.resolve(item.data);
      return false;
    });
  }

  // waitFor resolves with the data of the first event `name` (already seen or upcoming) whose
  // data matches, or rejects after timeoutMs.
  waitFor(name, match = () => true, timeoutMs = 10000) {
    const seen = this.events.find((e) => e.name === name && matches(match, e.data));
    if (seen) return Promise.resolve(seen.data);
    return new Promise((resolve, reject) => {
      const w = { name, match, resolve };
      this.waiters.push(w);
      setTimeout(() => {
        if (!this.waiters.includes(w)) return;
        this.waiters = this.waiters.filter((x) => x !== w);
        const names = [...new Set(this.events.map((e) => e.name))].join(', ');
        reject(new Error(`${this.userID}: no ${name} within ${timeoutMs} ms (seen: ${names})`));
      }, timeoutMs);
    });
  }

  // count is how many times an event was seen.
  count(name, match = () => true) {
    return this.events.filter((e) => e.name === name && match(e.data)).length;
  }

  async login(platformID = WEB) {
    this.token = await userToken(this.node, this.userID, platformID);
    const synced = this.waitFor(CbEvents.OnSyncServerFinish);
    await this.sdk.login({ userID: this.userID, token: this.token, wsAddr: this.node.ws, apiAddr: this.node.api,
      platformID, logLevel: Number(process.env.SDK_LOG ?? 5) });
    await synced;
    return this;
  }

  async logout() {
    try {
      await this.sdk.logout();
    } catch {
      // already logged out (kicked)
    }
  }
}
