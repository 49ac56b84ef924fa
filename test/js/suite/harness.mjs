// Harness for the JS client suite: a real `lanim node` process and real @openim/client-sdk
// instances talking to it over loopback. Nothing is mocked.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { createServer } from 'node:net';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import WS from 'ws';
import { getSDK, CbEvents } from '@openim/client-sdk';

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

const here = dirname(fileURLToPath(import.meta.url));
const lanimBin = process.env.LANIM_BIN || resolve(here, '../../../bin/lanim');
export const WEB = 5;
export { CbEvents };

function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// startNode runs `lanim node` on a fresh data dir and waits until the admin token works.
export async function startNode() {
  const dir = mkdtempSync(join(tmpdir(), 'lanim-js-'));
  const apiPort = await freePort();
  const wsPort = await freePort();
  const secret = randomBytes(8).toString('hex');
  const logPath = join(dir, 'node.log');
  const log = openSync(logPath, 'w');
  const proc = spawn(lanimBin, ['node', '--data', join(dir, 'data'), '--api-addr', `127.0.0.1:${apiPort}`,
    '--ws-addr', `127.0.0.1:${wsPort}`, '--admin-secret', secret], { stdio: ['ignore', log, log] });
  const exited = new Promise((r) => proc.once('exit', r));
  const node = {
    api: `http://127.0.0.1:${apiPort}`,
    ws: `ws://127.0.0.1:${wsPort}`,
    proc,
    adminToken: '',
    log: () => readFileSync(logPath, 'utf8'),
    async stop() {
      proc.kill('SIGTERM');
      const code = await Promise.race([exited, sleep(10000).then(() => 'timeout')]);
      if (code === 'timeout') proc.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
  for (let i = 0; i < 300; i++) {
    if (proc.exitCode !== null) throw new Error(`lanim node exited: ${node.log()}`);
    try {
      const d = await post(node, '/auth/get_admin_token', '', { secret, userID: 'imAdmin' });
      node.adminToken = d.token;
      return node;
    } catch {
      await sleep(100);
    }
  }
  await node.stop();
  throw new Error('lanim node did not become ready');
}

// post calls the REST API and returns data, throwing on errCode != 0.
export async function post(node, path, token, body) {
  const res = await fetch(node.api + path, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', operationID: randomBytes(6).toString('hex'), token },
    body: JSON.stringify(body),
  });
  if (res.status !== 200) throw new Error(`${path}: HTTP ${res.status}`);
  const env = await res.json();
  if (env.errCode !== 0) {
    const err = new Error(`${path}: ${env.errCode} ${env.errMsg} ${env.errDlt}`);
    err.errCode = env.errCode;
    throw err;
  }
  return env.data;
}

// registerUsers makes users with nicknames "Nick <id>".
export async function registerUsers(node, ...ids) {
  await post(node, '/user/user_register', node.adminToken,
    { users: ids.map((userID) => ({ userID, nickname: `Nick ${userID}` })) });
}

export async function userToken(node, userID, platformID = WEB) {
  return (await post(node, '/auth/get_user_token', node.adminToken, { userID, platformID })).token;
}

// matches applies a test's matcher to an event's data. The SDK sends some events with null data
// (its own removeBlack looks up the black entry it just deleted and reports OnBlackDeleted(null)),
// and a matcher that throws on them must not take the run down: such an event does not match.
function matches(match, data) {
  try {
    return match(data);
  } catch {
    return false;
  }
}

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

// textOf returns the text of a received text message.
export const textOf = (m) => m.textElem?.content;

// untilCached retries an SDK call that fails with 10002 "message not exist": the SDK learns its own
// message's seq only from the echo push, which may still be on its way when the call is made.
export async function untilCached(call, tries = 100) {
  for (let i = 1; ; i++) {
    try {
      return await call();
    } catch (e) {
      if (e?.errCode !== 10002 || i >= tries) throw e;
      await sleep(20);
    }
  }
}
