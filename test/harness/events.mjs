// The event log both JS suites keep of an SDK's callbacks (test/js: @openim/client-sdk's events;
// test/wasm: the SDK core's, relayed from its page), so a test can wait for an event and assert its
// payload. Each suite's Client extends it with how it drives its SDK.

// matches applies a test's matcher to an event's data. The SDKs send some events with null data
// (removeBlack looks up the black entry it just deleted and reports OnBlackDeleted(null)), and a
// matcher that throws on them must not take the run down: such an event does not match.
function matches(match, data) {
  try {
    return match(data);
  } catch {
    return false;
  }
}

export class EventLog {
  // who names the log's owner in errors; timeoutMs is waitFor's default wait.
  constructor(who, timeoutMs) {
    this.who = who;
    this.timeoutMs = timeoutMs;
    this.events = [];
    this.waiters = [];
  }

  // record adds an event the SDK emitted and resolves the waiters it matches.
  record(name, e) {
    const item = { name, data: e?.data, errCode: e?.errCode, errMsg: e?.errMsg, operationID: e?.operationID };
    this.events.push(item);
    this.waiters = this.waiters.filter((w) => {
      if (w.name !== name || !matches(w.match, item.data)) return true;
      w.resolve(item.data);
      return false;
    });
  }

  // waitFor resolves with the data of the first event `name` (seen since `since`, an index into the
  // events, or upcoming) whose data matches, or rejects after timeoutMs.
  waitFor(name, match = () => true, { timeoutMs = this.timeoutMs, since = 0 } = {}) {
    const seen = this.events.slice(since).find((e) => e.name === name && matches(match, e.data));
    if (seen) return Promise.resolve(seen.data);
    return new Promise((resolve, reject) => {
      const w = { name, match, resolve };
      this.waiters.push(w);
      setTimeout(() => {
        if (!this.waiters.includes(w)) return;
        this.waiters = this.waiters.filter((x) => x !== w);
        const names = this.events.slice(since).map((e) => e.name).join(', ');
        reject(new Error(`${this.who}: no matching ${name} within ${timeoutMs} ms (events since: ${names})`));
      }, timeoutMs);
    });
  }

  // count is how many times an event was seen.
  count(name, match = () => true) {
    return this.events.filter((e) => e.name === name && matches(match, e.data)).length;
  }

  // mark is the position in the event log: waitFor(..., { since: mark }) ignores older events.
  mark() {
    return this.events.length;
  }
}
