// Harness for the JS client suite: a real `lanim node` process (test/harness/node.mjs) and real
// @openim/client-sdk instances talking to it over loopback. Nothing is mocked.
import WS from 'ws';
import { getSDK, CbEvents } from '@openim/client-sdk';
import { userToken, WEB } from '../../harness/node.mjs';
import { EventLog } from '../../harness/events.mjs';

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
// event (10 s by default) and assert its payload.
export class Client extends EventLog {
  constructor(node, userID) {
    super(userID, 10000);
    this.node = node;
    this.userID = userID;
    this.sdk = getSDK();
    for (const name of Object.values(CbEvents)) {
      this.sdk.on(name, (e) => this.record(name, e));
    }
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
