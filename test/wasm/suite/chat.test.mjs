// One-to-one chat with the official SDK core against one real node: login sync, text both ways,
// history on a fresh page, read receipts, revoke, typing, conversation settings, delete and clear,
// online status, reconnect catch-up, kicks, and a picture and a file uploaded by the core. Every
// scenario runs under the loop detector and the refusal check (harness.mjs).
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Browser, suite, textOf, untilCached, post } from './harness.mjs';
import { startNode, registerUsers } from '../../harness/node.mjs';

let node;
let browser;
const s = suite('chat', () => browser);
const u = {};

before(async () => {
  [node, browser] = await Promise.all([startNode(), Browser.start()]);
  await registerUsers(node, 'alice', 'bob', 'carol', 'dave');
});
after(async () => {
  s.finish();
  await browser?.stop();
  await node?.stop();
});

// send sends a text from one page to a user and waits until the peer's page has it.
async function send(from, to, text) {
  const msg = await from.call('createTextMessage', text);
  const sent = await from.call('sendMessage', { recvID: to.userID, groupID: '', message: msg });
  await to.waitFor('OnRecvNewMessages', (ms) => ms.some((m) => m.clientMsgID === msg.clientMsgID));
  return sent;
}

const history = async (c, conversationID, count = 20) => (await c.call('getAdvancedHistoryMessageList',
  { conversationID, count, startClientMsgID: '', lastMinSeq: 0 })).messageList;

s.scenario('login runs a clean sync', async () => {
  u.alice = await (await browser.client(node, 'alice')).login();
  assert.ok(u.alice.count('OnConnectSuccess') >= 1);
  assert.equal(u.alice.count('OnSyncServerFailed'), 0);
  const self = await u.alice.call('getSelfUserInfo');
  assert.equal(self.userID, 'alice');
  assert.equal(self.nickname, 'Nick alice');
  assert.deepEqual(u.alice.errors, [], 'no uncaught error in the page');
});

s.scenario('text both ways, conversation, unread and history', async () => {
  const a = u.alice;
  const b = (u.bob = await (await browser.client(node, 'bob')).login());
  const sent = await send(a, b, 'hello bob');
  assert.ok(sent.serverMsgID, 'the send is acknowledged with a server message ID');
  assert.equal(sent.status, 2);
  await b.waitFor('OnNewConversation', (cs) => cs.some((c) => c.userID === 'alice'));
  assert.equal(a.count('OnRecvNewMessages', (ms) => ms.some((m) => m.clientMsgID === sent.clientMsgID)), 0,
    'the sender does not receive its own message as new');
  const conv = (await b.call('getConversationListSplit', { offset: 0, count: 20 })).find((c) => c.userID === 'alice');
  assert.equal(conv.conversationID, 'si_alice_bob');
  assert.equal(conv.unreadCount, 1);
  await send(b, a, 'hi alice');
  assert.deepEqual((await history(a, 'si_alice_bob')).map(textOf), ['hello bob', 'hi alice']);
});

// onFreshPage signs c's user in on a page with nothing stored (a new browser context, as on another
// machine) while c is signed out (one Web login per user), runs fn with it, then signs c in again.
async function onFreshPage(c, fn) {
  await c.logout();
  const fresh = await browser.client(node, c.userID, { fresh: true });
  try {
    await fn(await fresh.login());
  } finally {
    await fresh.close();
    await c.login();
  }
}

s.scenario('history on a fresh page comes from the node', async () => {
  await onFreshPage(u.bob, async (fresh) => {
    // No local database: the core pulls the messages from the node.
    const conv = await fresh.call('getOneConversation', { sourceID: 'alice', sessionType: 1 });
    assert.equal(conv.conversationID, 'si_alice_bob');
    const msgs = await history(fresh, 'si_alice_bob');
    assert.deepEqual(msgs.map(textOf), ['hello bob', 'hi alice']);
    assert.deepEqual(msgs.map((m) => m.sendID), ['alice', 'bob']);
  });
});

s.scenario('mark as read sends a read receipt', async () => {
  const [a, b] = [u.alice, u.bob];
  const { clientMsgID } = await send(a, b, 'read me');
  await b.call('markConversationMessageAsRead', 'si_alice_bob');
  // OnRecvC2CReadReceipt is missing from the ES build's CbEvents: the page records it anyway.
  await a.waitFor('OnRecvC2CReadReceipt', (rs) => rs.some((r) => r.userID === 'bob' && r.msgIDList.includes(clientMsgID)));
  const conv = await b.call('getOneConversation', { sourceID: 'alice', sessionType: 1 });
  assert.equal(conv.unreadCount, 0);
  const [mine] = (await history(a, 'si_alice_bob', 1));
  assert.equal(mine.clientMsgID, clientMsgID);
  assert.equal(mine.isRead, true, 'the sender sees its message read');
});

s.scenario('revoke reaches the peer', async () => {
  const [a, b] = [u.alice, u.bob];
  const { clientMsgID } = await send(a, b, 'oops');
  await untilCached(() => a.call('revokeMessage', { conversationID: 'si_alice_bob', clientMsgID }));
  const revoked = await b.waitFor('OnNewRecvMessageRevoked', (r) => r.clientMsgID === clientMsgID);
  assert.equal(revoked.revokerID, 'alice');
  const [last] = await history(b, 'si_alice_bob', 1);
  assert.equal(last.contentType, 2101, 'the peer keeps a revoke notice in place of the message');
});

s.scenario('typing reaches the peer and is not stored', async () => {
  const [a, b] = [u.alice, u.bob];
  const seq = async () => (await post(node, '/msg/newest_seq', a.token, { userID: 'alice' })).maxSeqs?.si_alice_bob;
  const before = await seq();
  await a.call('changeInputStates', { conversationID: 'si_alice_bob', focus: true });
  const st = await b.waitFor('OnConversationUserInputStatusChanged', (x) => x.userID === 'alice' && x.platformIDs.length > 0);
  assert.equal(st.conversationID, 'si_alice_bob');
  // The ES wrapper's getInputstates calls a name the core does not export: ask the core itself.
  const platforms = await b.core('getInputStates', 'si_alice_bob', 'alice');
  assert.deepEqual(platforms, [5]);
  assert.equal(await seq(), before, 'typing got no seq');
});

s.scenario('conversation settings: pin and receive option', async () => {
  const [a, b] = [u.alice, u.bob];
  const since = a.mark();
  await a.call('pinConversation', { conversationID: 'si_alice_bob', isPinned: true });
  await a.waitFor('OnConversationChanged', (cs) => cs.some((c) => c.conversationID === 'si_alice_bob' && c.isPinned),
    { since });
  await a.call('setConversationRecvMessageOpt', { conversationID: 'si_alice_bob', opt: 2 });
  await a.waitFor('OnConversationChanged', (cs) => cs.some((c) => c.conversationID === 'si_alice_bob' && c.recvMsgOpt === 2),
    { since });
  // The node stored both for alice only.
  const [mine] = (await post(node, '/conversation/get_conversations', a.token,
    { ownerUserID: 'alice', conversationIDs: ['si_alice_bob'] })).conversations;
  assert.equal(mine.isPinned, true);
  assert.equal(mine.recvMsgOpt, 2);
  const theirs = await b.call('getOneConversation', { sourceID: 'alice', sessionType: 1 });
  assert.equal(theirs.isPinned, false);
  assert.equal(theirs.recvMsgOpt, 0);
  await a.call('setConversation', { conversationID: 'si_alice_bob', isPinned: false, recvMsgOpt: 0 });
  await a.waitFor('OnConversationChanged', (cs) => cs.some((c) => c.conversationID === 'si_alice_bob' && !c.isPinned &&
    c.recvMsgOpt === 0), { since });
});

s.scenario('online status of a subscribed user', async () => {
  const a = u.alice;
  const [st] = await a.call('subscribeUsersStatus', ['carol']);
  assert.equal(st.status, 0, 'carol is offline');
  u.carol = await (await browser.client(node, 'carol')).login();
  const ev = await a.waitFor('OnUserStatusChanged', (x) => x.userID === 'carol' && x.status === 1);
  assert.deepEqual(ev.platformIDs, [5]);
  const [now] = await a.call('getUserStatus', ['carol']).catch(() => [null]);
  if (now) assert.equal(now.status, 1);
});

s.scenario('delete a message, clear and delete a conversation', async () => {
  const [a, c] = [u.alice, u.carol];
  const first = await send(c, a, 'one');
  await send(c, a, 'two');
  await untilCached(() => a.call('deleteMessage', { conversationID: 'si_alice_carol', clientMsgID: first.clientMsgID }));
  assert.deepEqual((await history(a, 'si_alice_carol')).map(textOf), ['two']);
  await a.call('clearConversationAndDeleteAllMsg', 'si_alice_carol');
  assert.deepEqual(await history(a, 'si_alice_carol'), []);
  // Only alice's copy is gone: carol still has both.
  assert.deepEqual((await history(c, 'si_alice_carol')).map(textOf), ['one', 'two']);
  await c.call('deleteConversationAndDeleteAllMsg', 'si_alice_carol');
  const left = await c.call('getConversationListSplit', { offset: 0, count: 20 });
  assert.equal(left.some((x) => x.conversationID === 'si_alice_carol'), false);
  // The node agrees: a fresh page of alice finds no message there.
  await onFreshPage(a, async (fresh) => assert.deepEqual(await history(fresh, 'si_alice_carol'), []));
});

s.scenario('reconnect catches up on messages sent while away', async () => {
  const [a, b] = [u.alice, u.bob];
  await a.call('subscribeUsersStatus', ['bob']);
  const unread = (await b.call('getOneConversation', { sourceID: 'alice', sessionType: 1 })).unreadCount;
  const since = a.mark();
  const bSince = b.mark();
  // Bob's page goes offline and loses its socket: the core cannot reconnect until it is back.
  await b.page.setOfflineMode(true);
  assert.ok(await b.dropSocket() >= 1, 'bob had a socket');
  await a.waitFor('OnUserStatusChanged', (x) => x.userID === 'bob' && x.status === 0, { since });
  const ids = [];
  for (const text of ['while', 'you', 'were', 'away']) {
    const msg = await a.call('createTextMessage', text);
    await a.call('sendMessage', { recvID: 'bob', groupID: '', message: msg });
    ids.push(msg.clientMsgID);
  }
  assert.equal(b.count('OnRecvNewMessages', (ms) => ms.some((m) => ids.includes(m.clientMsgID))), 0);
  await b.page.setOfflineMode(false);
  // The core syncs the gap on its own and reports the newest message as new; the rest are in its
  // database and in the conversation's unread count.
  await b.waitFor('OnRecvNewMessages', (ms) => ms.some((m) => m.clientMsgID === ids[3]), { since: bSince, timeoutMs: 90000 });
  assert.ok(b.count('OnConnectFailed') >= 1, 'the core could not connect while offline');
  await a.waitFor('OnUserStatusChanged', (x) => x.userID === 'bob' && x.status === 1, { since });
  const conv = await b.waitFor('OnConversationChanged', (cs) => cs.some((c) => c.conversationID === 'si_alice_bob' &&
    c.unreadCount === unread + 4), { since: bSince });
  assert.ok(conv);
  assert.deepEqual((await history(b, 'si_alice_bob', 4)).map((m) => m.clientMsgID), ids);
});

s.scenario('a second login on the same platform kicks the first', async () => {
  const first = (u.dave = await (await browser.client(node, 'dave')).login());
  const second = await browser.client(node, 'dave', { fresh: true });
  try {
    await second.login();
    await first.waitFor('OnKickedOffline');
    assert.equal(second.count('OnKickedOffline'), 0);
    await send(u.alice, second, 'to the new page');
  } finally {
    await second.close();
  }
});

s.scenario('force_logout kicks the client and it shows offline', async () => {
  const [a, c] = [u.alice, u.carol];
  const since = a.mark();
  assert.equal(c.count('OnKickedOffline'), 0);
  await a.call('subscribeUsersStatus', ['carol']);
  await post(node, '/auth/force_logout', node.adminToken, { userID: 'carol', platformID: 5 });
  await c.waitFor('OnKickedOffline');
  const off = await a.waitFor('OnUserStatusChanged', (x) => x.userID === 'carol' && x.status === 0, { since });
  assert.deepEqual(off.platformIDs, []);
});

s.scenario('a picture and a file with the core\'s own upload', async () => {
  const [a, b] = [u.alice, u.bob];
  // A 1x1 PNG and some text bytes; the core uploads them through /object/* before sending.
  const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
    'base64');
  const doc = Buffer.from('minutes of the meeting\n'.repeat(200));
  for (const [kind, name, type, bytes] of [['image', 'dot.png', 'image/png', png], ['file', 'minutes.txt', 'text/plain', doc]]) {
    const msg = await a.fileMessage(kind, name, type, bytes);
    const sent = await a.call('sendMessage', { recvID: 'bob', groupID: '', message: msg });
    const got = (await b.waitFor('OnRecvNewMessages', (ms) => ms.some((m) => m.clientMsgID === msg.clientMsgID)))
      .find((m) => m.clientMsgID === msg.clientMsgID);
    const url = kind === 'image' ? got.pictureElem.sourcePicture.url : got.fileElem.sourceUrl;
    assert.equal(url, kind === 'image' ? sent.pictureElem.sourcePicture.url : sent.fileElem.sourceUrl);
    assert.match(url, /^http:\/\/127\.0\.0\.1:/, `${kind}: a URL on the node`);
    // What the peer's URL serves is what was sent.
    const res = await fetch(url, { signal: AbortSignal.timeout(15000) });
    assert.equal(res.status, 200, `${kind}: GET ${url}`);
    assert.deepEqual(Buffer.from(await res.arrayBuffer()), bytes);
  }
  assert.ok(a.answers.some((x) => x.path.startsWith('/object/')), 'the core used the object API');
});
