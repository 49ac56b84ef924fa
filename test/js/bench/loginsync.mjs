// One fresh login of the official @openim/client-sdk against a running LanIM node, timed from
// login() until OnSyncServerFinish. `lanim bench` (bench/loginsync.go) seeds the account, starts
// this script once per run in a new Node process (nothing cached from an earlier login) and reads
// the JSON line it prints last. Inputs come from the environment: LANIM_API (http://host:port),
// LANIM_WS (ws://host:port), LANIM_USER, LANIM_TOKEN; LANIM_TIMEOUT_MS bounds the wait.
//
// Importing the harness installs its WebSocket shim (ws with ArrayBuffers and one message per
// event-loop task), so the SDK runs as it does in the compatibility suite.
import '../suite/harness.mjs';
import { getSDK, CbEvents } from '@openim/client-sdk';

const env = (k) => {
  const v = process.env[k];
  if (!v) {
    console.error(`loginsync: ${k} is not set`);
    process.exit(2);
  }
  return v;
};
const api = env('LANIM_API');
const ws = env('LANIM_WS');
const userID = env('LANIM_USER');
const token = env('LANIM_TOKEN');
const timeoutMs = Number(process.env.LANIM_TIMEOUT_MS ?? 120000);

const fail = (msg) => {
  console.error(`loginsync: ${msg}`);
  process.exit(1);
};
setTimeout(() => fail(`no OnSyncServerFinish within ${timeoutMs} ms`), timeoutMs).unref();

const sdk = getSDK();
const marks = {};
let t0 = 0;
const mark = (name) => () => {
  marks[name] ??= performance.now() - t0;
};
const finished = new Promise((resolve, reject) => {
  sdk.on(CbEvents.OnConnectSuccess, mark('connected'));
  sdk.on(CbEvents.OnSyncServerStart, mark('syncStart'));
  sdk.on(CbEvents.OnSyncServerFinish, () => {
    mark('syncFinish')();
    resolve();
  });
  sdk.on(CbEvents.OnSyncServerFailed, (e) => reject(new Error(`OnSyncServerFailed ${e?.errCode} ${e?.errMsg}`)));
  sdk.on(CbEvents.OnConnectFailed, (e) => reject(new Error(`OnConnectFailed ${e?.errCode} ${e?.errMsg}`)));
});

const cpu0 = process.cpuUsage();
t0 = performance.now();
try {
  await sdk.login({ userID, token, wsAddr: ws, apiAddr: api, platformID: 5, logLevel: 5 });
  mark('loginResolved')();
  await finished;
} catch (e) {
  fail(e?.message ?? JSON.stringify(e));
}
const ms = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);

// The sync is over: say so, and wait for a line on stdin before going on, so the caller can read
// the node's CPU time for the login alone.
console.log(JSON.stringify({ synced: true }));
await new Promise((resolve) => {
  process.stdin.once('data', resolve);
  process.stdin.once('end', resolve);
});

// What the SDK holds after the sync, to show the account really was synced (outside the timing).
// Pages of 500 (the node serves at most 1,000 a page), at most 20 pages.
const count = async (page) => {
  let n = 0;
  try {
    for (let i = 0; i < 20; i++) {
      const d = (await page({ offset: n, count: 500 })).data ?? [];
      n += d.length;
      if (d.length < 500) return n;
    }
    return n;
  } catch {
    return -1;
  }
};
const out = {
  ms,
  marks,
  cpuMs: (cpu.user + cpu.system) / 1000,
  conversations: await count((p) => sdk.getConversationListSplit(p)),
  friends: await count((p) => sdk.getFriendListPage(p)),
  groups: await count((p) => sdk.getJoinedGroupListPage(p)),
};
console.log(JSON.stringify(out));
process.exit(0);
