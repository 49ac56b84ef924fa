// Real `lanim node` processes for the JS suites (test/js: @openim/client-sdk under Node; test/wasm:
// the official SDK core in Chromium): one standalone node, or an office of several joined with join
// codes (as test/e2e's startOffice does: --cluster-addr on the founder, then /cluster/invite on a
// member and --join ADDR --join-code CODE on the newcomer), and the REST calls the suites make
// themselves. It uses Node's own modules only, so both suites import it from here. Nothing is mocked.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { createServer } from 'node:net';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const lanimBin = process.env.LANIM_BIN || resolve(here, '../../bin/lanim');

// WEB is the web platform (5), the one the SDKs sign in as.
export const WEB = 5;

// settleMs bounds an office's election, joins and promotions on a loaded 2-core machine.
const settleMs = 90000;

// readyMs bounds a node's start until the admin token works.
const readyMs = 60000;

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// handedOut holds the ports freePort gave this process: the kernel may offer a port it just
// released again, and a node's API and WS ports once came out the same ("address already in use").
const handedOut = new Set();

// freePort is a loopback port free now and never handed out before by this process.
export async function freePort() {
  for (let tries = 0; tries < 100; tries++) {
    const port = await new Promise((ok, fail) => {
      const s = createServer();
      s.once('error', fail);
      s.listen(0, '127.0.0.1', () => {
        const { port } = s.address();
        s.close(() => ok(port));
      });
    });
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error('freePort: no port left that was not handed out before');
}

// until polls fn (a boolean-returning async function) every 100 ms until it holds or ms have passed;
// an error fn throws is retried, unless it is marked fatal.
export async function until(what, fn, ms = settleMs) {
  const deadline = Date.now() + ms;
  let last;
  while (Date.now() < deadline) {
    try {
      if (await fn()) return;
    } catch (e) {
      if (e?.fatal) throw e;
      last = e;
    }
    await sleep(100);
  }
  throw new Error(`${what}: not within ${ms} ms${last ? ` (last error: ${last.message})` : ''}`);
}

// post calls the REST API and returns data, throwing on errCode != 0 (the error carries errCode).
export async function post(node, path, token, body) {
  const res = await fetch(node.api + path, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', operationID: randomBytes(6).toString('hex'), token },
    body: JSON.stringify(body ?? {}),
    signal: AbortSignal.timeout(15000),
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

// startNode runs `lanim node` on a fresh data dir with extra flags and waits until secret gets an
// admin token (a member joining an office answers with the office's secret, not its own).
export async function startNode({ secret = randomBytes(8).toString('hex'), args = [] } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'lanim-node-'));
  const [apiPort, wsPort] = [await freePort(), await freePort()];
  const logPath = join(dir, 'node.log');
  const log = openSync(logPath, 'w');
  const proc = spawn(lanimBin, ['node', '--data', join(dir, 'data'), '--api-addr', `127.0.0.1:${apiPort}`,
    '--ws-addr', `127.0.0.1:${wsPort}`, '--admin-secret', secret, ...args],
  { stdio: ['ignore', log, log], env: { ...process.env, LANG: 'en_US.UTF-8' } });
  const exited = new Promise((r) => proc.once('exit', r));
  // --test-force-exit ends the test process without after hooks when a test hangs: take the node along.
  const reap = () => proc.kill('SIGKILL');
  process.once('exit', reap);
  const node = {
    api: `http://127.0.0.1:${apiPort}`,
    ws: `ws://127.0.0.1:${wsPort}`,
    secret,
    proc,
    adminToken: '',
    log: () => readFileSync(logPath, 'utf8'),
    async stop() {
      process.off('exit', reap);
      if (proc.exitCode === null) {
        proc.kill('SIGTERM');
        const code = await Promise.race([exited, sleep(10000).then(() => 'timeout')]);
        if (code === 'timeout') proc.kill('SIGKILL');
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await until('node ready', async () => {
      if (proc.exitCode !== null) throw Object.assign(new Error(`lanim node exited: ${node.log()}`), { fatal: true });
      node.adminToken = (await post(node, '/auth/get_admin_token', '', { secret, userID: 'imAdmin' })).token;
      return true;
    }, readyMs);
  } catch (e) {
    await node.stop();
    throw e;
  }
  return node;
}

// startOffice founds an office of size nodes and waits until every member sees size healthy voters
// under one leader.
export async function startOffice(size) {
  const secret = randomBytes(8).toString('hex');
  const flags = ['--discovery', 'off', '--autopilot-stabilization', '1s'];
  const nodes = [];
  try {
    const addr = `127.0.0.1:${await freePort()}`;
    nodes.push(Object.assign(await startNode({ secret, args: ['--cluster-addr', addr, ...flags] }), { clusterAddr: addr }));
    while (nodes.length < size) {
      const { joinCode } = await post(nodes[0], '/cluster/invite', nodes[0].adminToken, {});
      const at = `127.0.0.1:${await freePort()}`;
      const via = nodes.at(-1).clusterAddr;
      nodes.push(Object.assign(await startNode({ secret,
        args: ['--cluster-addr', at, '--join', via, '--join-code', joinCode, ...flags] }), { clusterAddr: at }));
    }
    await until(`office of ${size} settled`, async () => {
      let leader;
      for (const n of nodes) {
        const st = await post(n, '/cluster/status', n.adminToken, {});
        const voters = st.members.filter((m) => m.suffrage === 'voter' && m.healthy).length;
        if (voters !== size || !st.leaderID || (leader && st.leaderID !== leader)) return false;
        leader = st.leaderID;
      }
      return true;
    });
  } catch (e) {
    await Promise.all(nodes.map((n) => n.stop()));
    throw e;
  }
  return nodes;
}

// registerUsers makes users with nicknames "Nick <id>".
export async function registerUsers(node, ...ids) {
  await post(node, '/user/user_register', node.adminToken,
    { users: ids.map((userID) => ({ userID, nickname: `Nick ${userID}` })) });
}

export async function userToken(node, userID, platformID = WEB) {
  return (await post(node, '/auth/get_user_token', node.adminToken, { userID, platformID })).token;
}

// textOf is the text of a received text message.
export const textOf = (m) => m.textElem?.content;

// untilCached retries an SDK call that fails with 10002 "message not exist": an SDK learns its own
// message's seq only from the echo push, which may still be on its way when the call is made.
export async function untilCached(call, tries = 200) {
  for (let i = 1; ; i++) {
    try {
      return await call();
    } catch (e) {
      if (e?.errCode !== 10002 || i >= tries) throw e;
      await sleep(25);
    }
  }
}
