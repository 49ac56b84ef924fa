// Single chat with the official SDK: login sync, text both ways, conversations and unread
// counts, history, read receipts, revoke, typing, online status, reconnect catch-up and kicks.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startNode, registerUsers, post, Client, CbEvents, textOf, untilCached } from './harness.mjs';

let node;
const clients = [];
const client = async (id) => {
  const c = await new Client(node, id).login();
  clients.push(c);
  return c;
};

before(async () => {
  node = await startNode();
  await registerUsers(node, 'alice', 'bob', 'carol', 'dave');
});
after(async () => {
  for (const c of clients) await c.logout();
  await node?.stop();
});

test('login runs a clean sync', async () => {
  const a = await client('alice');
  assert.ok(a.count(CbEvents.OnConnectSuccess) >= 1);
  assert.equal(a.count(CbEvents.OnSyncServerFailed), 0);
  const self = (await a.sdk.getSelfUserInfo()).data;
  assert.equal(self.userID, 'alice');
  assert.equal(self.nickname, 'Nick alice');
});

test('text both ways, conversation, unread and history', async () => {
  const [a, b] = [clients[0], await client('bob')];
  const msg = (await a.sdk.createTextMessage('hello bob')).data;
  const sent = (await a.sdk.sendMessage({ recvID: 'bob', groupID: '', message: msg })).data;
  assert.ok(sent.serverMsgID, 'the send is acknowledged with a server message ID');
  assert.equal(sent.status, 2);
  const got = await b.waitFor(CbEvents.OnRecvNewMessages, (ms) => ms.some((m) => m.clientMsgID === msg.clientMsgID));
  const m = got.find((x) => x.clientMsgID === msg.clientMsgID);
  assert.equal(textOf(m), 'hello bob');
  assert.equal(m.sendID, 'alice');
  await b.waitFor(CbEvents.OnNewConversation, (cs) => cs.some((c) => c.userID === 'alice'));
  // The sender does not receive its own message as new.
  assert.equal(a.count(CbEvents.OnRecvNewMessages, (ms) => ms.some((x) => x.clientMsgID === msg.clientMsgID)), 0);

  const list = (await b.sdk.getConversationListSplit({ offset: 0, count: 20 })).data;
  const conv = list.find((c) => c.userID === 'alice');
  assert.ok(conv, 'bob has a conversation with alice');
  assert.equal(conv.unreadCount, 1);
  assert.equal(conv.conversationID, 'si_alice_bob');

  const reply = (await b.sdk.createTextMessage('hi alice')).data;
  await b.sdk.sendMessage({ recvID: 'alice', groupID: '', message: reply });
  await a.waitFor(CbEvents.OnRecvNewMessages, (ms) => ms.some((x) => textOf(x) === 'hi alice'));

  const hist = (await a.sdk.getAdvancedHistoryMessageList({ conversationID: 'si_alice_bob', count: 20,
    startClientMsgID: '' })).data.messageList;
  assert.deepEqual(hist.map(textOf), ['hello bob', 'hi alice']);
});

// A merged forward made by the SDK's createMergerMessage (107) is accepted by the node and reaches
// the peer with its messages in the SDK's message form: the fields the desktop app reads back
// (ui/forward.go: sendID, senderNickname, contentType and the element under its key).
test('a merged forward from the SDK reaches the peer', async () => {
  const [a, b] = [clients[0], clients[1]];
  const hist = (await a.sdk.getAdvancedHistoryMessageList({ conversationID: 'si_alice_bob', count: 20,
    startClientMsgID: '' })).data.messageList;
  const merger = (await a.sdk.createMergerMessage({ messageList: hist, title: 'Chat history of Bob',
    summaryList: hist.map((m) => `${m.senderNickname}: ${textOf(m)}`) })).data;
  assert.equal(merger.contentType, 107);
  await a.sdk.sendMessage({ recvID: 'bob', groupID: '', message: merger });
  const got = await b.waitFor(CbEvents.OnRecvNewMessages, (ms) => ms.some((m) => m.clientMsgID === merger.clientMsgID));
  const m = got.find((x) => x.clientMsgID === merger.clientMsgID);
  assert.equal(m.contentType, 107);
  assert.equal(m.mergeElem.title, 'Chat history of Bob');
  assert.deepEqual(m.mergeElem.multiMessage.map((x) => [x.sendID, x.contentType, textOf(x)]),
    [['alice', 101, 'hello bob'], ['bob', 101, 'hi alice']]);
});

test('mark as read sends a read receipt', async () => {
  const [a, b] = clients;
  const msg = (await a.sdk.createTextMessage('read me')).data;
  await a.sdk.sendMessage({ recvID: 'bob', groupID: '', message: msg });
  await b.waitFor(CbEvents.OnRecvNewMessages, (ms) => ms.some((x) => x.clientMsgID === msg.clientMsgID));
  await b.sdk.markConversationMessageAsRead('si_alice_bob');
  const receipts = await a.waitFor(CbEvents.OnRecvC2CReadReceipt,
    (rs) => rs.some((r) => r.userID === 'bob' && r.msgIDList.includes(msg.clientMsgID)));
  assert.ok(receipts.length >= 1);
  const conv = (await b.sdk.getOneConversation({ sourceID: 'alice', sessionType: 1 })).data;
  assert.equal(conv.unreadCount, 0);
});

test('revoke reaches the peer', async () => {
  const [a, b] = clients;
  const msg = (await a.sdk.createTextMessage('oops')).data;
  await a.sdk.sendMessage({ recvID: 'bob', groupID: '', message: msg });
  await b.waitFor(CbEvents.OnRecvNewMessages, (ms) => ms.some((x) => x.clientMsgID === msg.clientMsgID));
  await untilCached(() => a.sdk.revokeMessage({ conversationID: 'si_alice_bob', clientMsgID: msg.clientMsgID }));
  const revoked = await b.waitFor(CbEvents.OnNewRecvMessageRevoked, (r) => r.clientMsgID === msg.clientMsgID);
  assert.equal(revoked.revokerID, 'alice');
});

test('typing reaches the peer and is not stored', async () => {
  const [a, b] = clients;
  const before = (await post(node, '/msg/newest_seq', a.token, { userID: 'alice' })).maxSeqs?.si_alice_bob;
  await a.sdk.changeInputStates({ conversationID: 'si_alice_bob', focus: true });
  const st = await b.waitFor(CbEvents.OnConversationUserInputStatusChanged, (s) => s.userID === 'alice');
  assert.equal(st.conversationID, 'si_alice_bob');
  assert.ok(st.platformIDs.length >= 1);
  const after = (await post(node, '/msg/newest_seq', a.token, { userID: 'alice' })).maxSeqs?.si_alice_bob;
  assert.equal(after, before, 'typing got no seq');
});

test('online status of a subscribed user', async () => {
  const a = clients[0];
  const status = (await a.sdk.subscribeUsersStatus(['carol'])).data;
  assert.equal(status[0].status, 0, 'carol is offline');
  await client('carol');
  const ev = await a.waitFor(CbEvents.OnUserStatusChanged, (s) => s.userID === 'carol' && s.status === 1);
  assert.deepEqual(ev.platformIDs, [5]);
});

test('reconnect catches up on messages sent while away', async () => {
  const [a, b] = clients;
  // Alice watches bob: the node reports him offline once it has seen his socket close, and from then
  // on keeps what is pushed to him for his next connection. Sending before that would race the close.
  await a.sdk.subscribeUsersStatus(['bob']);
  const connects = b.count(CbEvents.OnConnectSuccess);
  // Drop bob's socket under the SDK: it reconnects by itself after 5 s and gets what it missed.
  b.sdk.wsManager.ws.close();
  await a.waitFor(CbEvents.OnUserStatusChanged, (s) => s.userID === 'bob' && s.status === 0);
  const sent = [];
  for (const text of ['while', 'you', 'were', 'away']) {
    const msg = (await a.sdk.createTextMessage(text)).data;
    await a.sdk.sendMessage({ recvID: 'bob', groupID: '', message: msg });
    sent.push(msg.clientMsgID);
  }
  for (const id of sent) {
    await b.waitFor(CbEvents.OnRecvNewMessages, (ms) => ms.some((x) => x.clientMsgID === id), { timeoutMs: 20000 });
  }
  assert.ok(b.count(CbEvents.OnConnectSuccess) > connects, 'bob connected again');
  await a.waitFor(CbEvents.OnUserStatusChanged, (s) => s.userID === 'bob' && s.status === 1 && s.platformIDs.includes(5));
  const hist = (await b.sdk.getAdvancedHistoryMessageList({ conversationID: 'si_alice_bob', count: 4,
    startClientMsgID: '' })).data.messageList;
  assert.deepEqual(hist.map(textOf), ['while', 'you', 'were', 'away']);
});

test('a second login on the same platform kicks the first', async () => {
  const d1 = await client('dave');
  await client('dave');
  await d1.waitFor(CbEvents.OnKickedOffline);
});

test('a login on another platform kicks nobody', async () => {
  const a = clients[0];
  const web = clients.filter((x) => x.userID === 'dave').at(-1);
  const win = await new Client(node, 'dave').login(3);
  clients.push(win);
  // A kick of the Web client would reach it before this message (one connection's frames keep
  // their order, and the kick was committed first); both clients get the message instead.
  const msg = (await a.sdk.createTextMessage('both of you')).data;
  await a.sdk.sendMessage({ recvID: 'dave', groupID: '', message: msg });
  for (const d of [web, win]) {
    await d.waitFor(CbEvents.OnRecvNewMessages, (ms) => ms.some((x) => x.clientMsgID === msg.clientMsgID));
  }
  assert.equal(web.count(CbEvents.OnKickedOffline), 0);
});

test('force_logout kicks the client', async () => {
  const c = clients.find((x) => x.userID === 'carol');
  await post(node, '/auth/force_logout', node.adminToken, { userID: 'carol', platformID: 5 });
  await c.waitFor(CbEvents.OnKickedOffline);
  // Alice subscribed to carol earlier: she sees her go offline.
  const off = await clients[0].waitFor(CbEvents.OnUserStatusChanged, (s) => s.userID === 'carol' && s.status === 0);
  assert.deepEqual(off.platformIDs, []);
});
