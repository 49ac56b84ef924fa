// Harness for the SDK core suite: the official OpenIM SDK core (@openim/wasm-client-sdk, the Go core
// compiled to WASM) in headless Chromium, one page per signed-in user, against real `lanim node`
// processes. Every event the core emits and every REST call it makes is recorded: a scenario fails
// when a page calls one route more than routeLimit times (a request loop) or the node refuses one of
// the core's calls, and the routes and errCodes seen over the run are written for
// docs/sdk-core-routes.md.
import { test } from 'node:test';
import { createServer } from 'node:http';
import { createReadStream, mkdtempSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname, extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import puppeteer from 'puppeteer-core';
import { post, userToken, until, sleep, WEB } from '../../harness/node.mjs';
import { EventLog } from '../../harness/events.mjs';

export { WEB, textOf, untilCached } from '../../harness/node.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const sdkDir = resolve(here, '../node_modules/@openim/wasm-client-sdk');

// routeLimit is how often one page may call one REST route in one scenario. A login sync calls
// each route a few times; the request loops this guards against made thousands of calls a minute.
export const routeLimit = Number(process.env.LANIM_WASM_ROUTE_LIMIT ?? 40);

// eventMs bounds the wait for an event: generous, since the core and Chromium share 2 cores with
// the rest of make test.
const eventMs = 45000;

// The static site: the page, the SDK's ES build and worker (lib/), and its three assets.
const files = {
  '/': join(here, '../page/index.html'),
  '/page.js': join(here, '../page/page.js'),
  '/wasm_exec.js': join(sdkDir, 'assets/wasm_exec.js'),
  '/openIM.wasm': join(sdkDir, 'assets/openIM.wasm'),
  '/sql-wasm.wasm': join(sdkDir, 'assets/sql-wasm.wasm'),
};
const types = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm' };

function fileFor(path) {
  if (files[path]) return files[path];
  const m = /^\/lib\/([\w.-]+\.js)$/.exec(path);
  return m ? join(sdkDir, 'lib', m[1]) : null;
}

// startSite serves the page on 127.0.0.1 with Node's http module.
function startSite() {
  const server = createServer((req, res) => {
    const file = fileFor(new URL(req.url, 'http://x').pathname);
    let st;
    try {
      st = file && statSync(file);
    } catch {
      st = null;
    }
    if (!st || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'Content-Type': types[extname(file)] ?? 'application/octet-stream',
      'Content-Length': st.size, 'Last-Modified': st.mtime.toUTCString(), 'Cache-Control': 'no-cache' });
    if (req.method === 'HEAD') res.end();
    else createReadStream(file).pipe(res);
  });
  return new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => ok({ url: `http://127.0.0.1:${server.address().port}/`, server }));
  });
}

// Routes seen over this file's run: path -> { calls, codes: {errCode: n}, keys: [data fields], scenarios }.
const routes = new Map();
let scenarioName = '';

function recordRoute(path, errCode, data) {
  let r = routes.get(path);
  if (!r) {
    r = { calls: 0, codes: {}, keys: new Set(), nullLists: new Set(), scenarios: new Set() };
    routes.set(path, r);
  }
  r.calls++;
  r.codes[errCode] = (r.codes[errCode] ?? 0) + 1;
  if (scenarioName) r.scenarios.add(scenarioName);
  if (data && typeof data === 'object') {
    for (const [k, v] of Object.entries(data)) {
      r.keys.add(k);
      if (v === null) r.nullLists.add(k);
    }
  }
}

// writeRoutes saves the routes seen into LANIM_WASM_ROUTES_DIR (one file per test file), for
// routes-doc.mjs.
function writeRoutes(suite) {
  const dir = process.env.LANIM_WASM_ROUTES_DIR;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  const out = {};
  for (const [path, r] of [...routes].sort()) {
    out[path] = { calls: r.calls, codes: r.codes, keys: [...r.keys].sort(), nullKeys: [...r.nullLists].sort(),
      scenarios: [...r.scenarios] };
  }
  writeFileSync(join(dir, `${suite}.json`), `${JSON.stringify(out, null, 1)}\n`);
}

// Browser is one headless Chromium with the static site. Pages share the default browser context
// (the core names its local database after the user, and the compiled WASM is cached there), unless
// a test asks for a fresh one: a new context with nothing stored, as on another machine.
export class Browser {
  static async start() {
    const b = new Browser();
    b.site = await startSite();
    b.profile = mkdtempSync(join(tmpdir(), 'lanim-chromium-'));
    b.chromium = await puppeteer.launch({
      executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
      headless: true,
      userDataDir: b.profile,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync'],
      protocolTimeout: 120000,
    });
    b.clients = [];
    return b;
  }

  async stop() {
    for (const c of this.clients) await c.logout();
    await this.chromium?.close().catch(() => {});
    this.site?.server.close();
    this.site?.server.closeAllConnections();
    rmSync(this.profile, { recursive: true, force: true });
  }

  // client opens a page for userID on node; fresh gives it a context of its own with nothing stored.
  async client(node, userID, { fresh = false } = {}) {
    const c = new Client(this, node, userID, fresh);
    await c.open();
    this.clients.push(c);
    return c;
  }
}

// Client is one page with one user's SDK core. It records every event and every REST call.
export class Client extends EventLog {
  constructor(browser, node, userID, fresh) {
    super(userID, eventMs);
    this.browser = browser;
    this.fresh = fresh;
    this.node = node;
    this.userID = userID;
    this.calls = new Map(); // REST path -> calls since the scenario began
    this.answers = []; // { path, errCode } of every REST answer since the scenario began
    this.errors = [];
  }

  async open() {
    this.context = this.fresh ? await this.browser.chromium.createBrowserContext()
      : this.browser.chromium.defaultBrowserContext();
    this.page = await this.context.newPage();
    this.page.setDefaultTimeout(eventMs * 2);
    await this.page.exposeFunction('lanimEvent', (name, json) => this.record(name, JSON.parse(json)));
    this.page.on('pageerror', (e) => this.errors.push(e.message));
    this.page.on('response', (res) => this.onResponse(res));
    await this.page.goto(this.browser.site.url);
    const ok = await this.page.evaluate(() => window.lanim.ready);
    if (!ok) throw new Error(`${this.userID}: the SDK core did not start`);
  }

  onResponse(res) {
    const req = res.request();
    const method = req.method();
    if (method === 'OPTIONS' || !req.url().startsWith(this.node.api)) return;
    let path = new URL(req.url()).pathname;
    if (method !== 'POST') {
      // An upload's signed part URLs (PUT) differ per object: one key for the kind.
      path = `${method} ${path.split('/').slice(0, 2).join('/')}/…`;
      this.calls.set(path, (this.calls.get(path) ?? 0) + 1);
      recordRoute(path, `HTTP ${res.status()}`, null);
      this.answers.push({ path, errCode: res.status() < 400 ? 0 : `HTTP ${res.status()}` });
      return;
    }
    this.calls.set(path, (this.calls.get(path) ?? 0) + 1);
    res.json().then((env) => {
      recordRoute(path, env.errCode, env.data);
      this.answers.push({ path, errCode: env.errCode, errDlt: env.errDlt });
    }, () => {
      recordRoute(path, `HTTP ${res.status()}`, null);
      this.answers.push({ path, errCode: `HTTP ${res.status()}` });
    });
  }

  // answered waits until the core has called path and got an answer since the scenario began.
  async answered(path) {
    await until(`${this.userID}: a call of ${path}`, () => this.answers.some((a) => a.path === path), eventMs);
  }

  // call runs an SDK method and returns its data; a failure throws an Error carrying errCode.
  async call(method, ...args) {
    return this.settled(await this.page.evaluate((m, a) => window.lanim.call(m, ...a), method, args), method);
  }

  // fileMessage makes a picture ('image') or file message of bytes (a Buffer) in the page.
  async fileMessage(kind, name, type, bytes) {
    return this.settled(await this.page.evaluate((...a) => window.lanim.fileMessage(...a), kind, name, type,
      bytes.toString('base64')), `${kind} message`);
  }

  // core calls a function the core exports under a name the ES wrapper gets wrong.
  async core(name, ...args) {
    return this.settled(await this.page.evaluate((m, a) => window.lanim.core(m, ...a), name, args), name);
  }

  settled(r, what) {
    if (r.err) {
      const e = new Error(`${this.userID}: ${what}: ${r.err.errCode} ${r.err.errMsg}`);
      e.errCode = r.err.errCode;
      throw e;
    }
    return r.ok?.data;
  }

  async login() {
    let token;
    // In an office a user registered through another member reaches this one asynchronously.
    await until(`${this.userID}: a token`, async () => {
      token = await userToken(this.node, this.userID, WEB);
      return true;
    }, eventMs);
    this.token = token;
    const since = this.mark();
    const args = { userID: this.userID, token, platformID: WEB, apiAddr: this.node.api, wsAddr: this.node.ws,
      logLevel: Number(process.env.SDK_LOG ?? 2), isLogStandardOutput: false };
    // The core opens its browser database with a timeout of its own, which a loaded machine can
    // miss before any call reaches the node: that one failure is tried again, at most twice.
    for (let attempt = 1; ; attempt++) {
      try {
        await this.call('login', args);
        break;
      } catch (e) {
        if (attempt === 3 || !/init database invoke javascript timeout/.test(e.message)) throw e;
      }
    }
    await this.waitFor('OnSyncServerFinish', () => true, { since, timeoutMs: 2 * eventMs });
    return this;
  }

  async logout() {
    try {
      await this.call('logout');
    } catch {
      // already logged out (kicked) or the page is gone
    }
  }

  // close logs out and closes the page; a fresh page's context (and local database) goes with it.
  async close() {
    await this.logout();
    await (this.fresh ? this.context.close() : this.page.close()).catch(() => {});
    this.browser.clients = this.browser.clients.filter((c) => c !== this);
  }

  // dropSocket closes the core's WebSocket under it, as a lost network would.
  async dropSocket() {
    return this.page.evaluate(() => window.lanim.closeSocket());
  }
}

// quiet waits until no page made a REST call for quietMs, or maxMs passed: a request loop never
// goes quiet, so its count keeps growing past routeLimit.
async function quiet(clients, quietMs = 500, maxMs = 5000) {
  const total = () => clients.reduce((n, c) => n + [...c.calls.values()].reduce((a, b) => a + b, 0), 0);
  const deadline = Date.now() + maxMs;
  let last = total();
  while (Date.now() < deadline) {
    await sleep(quietMs);
    const now = total();
    if (now === last) return;
    last = now;
  }
}

// loops lists every (page, route) called more than routeLimit times since the scenario began.
function loops(clients) {
  const out = [];
  for (const c of clients) {
    for (const [path, n] of c.calls) {
      if (n > routeLimit) out.push(`${c.userID} called ${path} ${n} times`);
    }
  }
  return out;
}

// refusals lists every REST call of the core that LanIM refused since the scenario began: the
// scenarios only do what upstream allows, so the core's own calls must all succeed.
function refusals(clients) {
  return clients.flatMap((c) => c.answers.filter((a) => a.errCode !== 0)
    .map((a) => `${c.userID}: ${a.path} answered ${a.errCode} ${a.errDlt ?? ''}`));
}

// suite wires a test file: scenario(name, fn) is node:test's test with two checks after it, once
// the pages went quiet: no page called a route more than routeLimit times (the loop detector), and
// no REST call of the core was refused. finish() writes the routes seen.
export function suite(name, browser) {
  return {
    scenario(title, fn) {
      test(title, async (t) => {
        scenarioName = `${name}: ${title}`;
        for (const c of browser().clients) {
          c.calls.clear();
          c.answers = [];
        }
        await fn(t);
        const cs = browser().clients;
        await quiet(cs);
        const found = loops(cs);
        if (found.length) throw new Error(`request loop (more than ${routeLimit} calls of one route): ${found.join('; ')}`);
        const refused = refusals(cs);
        if (refused.length) throw new Error(`the node refused the core's calls: ${refused.join('; ')}`);
      });
    },
    finish() {
      writeRoutes(name);
    },
  };
}

export { post };
