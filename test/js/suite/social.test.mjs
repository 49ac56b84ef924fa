// Friends and groups with the official SDK: every action asserts the callbacks it must fire on
// the other side, not just that the call succeeded.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startNode, registerUsers, Client, CbEvents, textOf } from './harness.mjs';

let node;
const c = {};

before(async () => {
  node = await startNode();
  const ids = ['ann', 'ben', 'cat', 'dan', 'eve'];
  await registerUsers(node, ...ids);
  for (const id of ids) c[id] = await new Client(node, id).login();
});
after(async () => {
  for (const x of Object.values(c)) await x.logout();
  await node?.stop();
});

test('friend apply and accept', async () => {
  await c.ann.sdk.addFriend({ toUserID: 'ben', reqMsg: 'hi ben' });
  const app = await c.ben.waitFor(CbEvents.OnFriendApplicationAdded, (r) => r.fromUserID === 'ann');
  assert.equal(app.reqMsg, 'hi ben');
  await c.ben.sdk.acceptFriendApplication({ toUserID: 'ann', handleMsg: 'welcome' });
  await c.ann.waitFor(CbEvents.OnFriendApplicationAccepted, (r) => r.toUserID === 'ben');
  await c.ann.waitFor(CbEvents.OnFriendAdded, (f) => f.userID === 'ben');
  await c.ben.waitFor(CbEvents.OnFriendAdded, (f) => f.userID === 'ann');
  const friends = (await c.ann.sdk.getFriendListPage({ offset: 0, count: 10 })).data;
  assert.deepEqual(friends.map((f) => f.userID), ['ben']);
  assert.equal(friends[0].nickname, 'Nick ben');
});

test('friend apply and reject', async () => {
  await c.cat.sdk.addFriend({ toUserID: 'ben', reqMsg: 'me too' });
  await c.ben.waitFor(CbEvents.OnFriendApplicationAdded, (r) => r.fromUserID === 'cat');
  await c.ben.sdk.refuseFriendApplication({ toUserID: 'cat', handleMsg: 'no' });
  const r = await c.cat.waitFor(CbEvents.OnFriendApplicationRejected, (x) => x.toUserID === 'ben');
  assert.equal(r.handleResult, -1);
});

test('delete a friend', async () => {
  await c.dan.sdk.addFriend({ toUserID: 'eve', reqMsg: '' });
  await c.eve.waitFor(CbEvents.OnFriendApplicationAdded, (r) => r.fromUserID === 'dan');
  await c.eve.sdk.acceptFriendApplication({ toUserID: 'dan', handleMsg: '' });
  await c.dan.waitFor(CbEvents.OnFriendAdded, (f) => f.userID === 'eve');
  await c.dan.sdk.deleteFriend('eve');
  await c.dan.waitFor(CbEvents.OnFriendDeleted, (f) => f.userID === 'eve');
});

test('black list', async () => {
  await c.eve.sdk.addBlack({ toUserID: 'cat', ex: '' });
  const b = await c.eve.waitFor(CbEvents.OnBlackAdded, (x) => x.userID === 'cat');
  assert.equal(b.ownerUserID, 'eve');
  const msg = (await c.cat.sdk.createTextMessage('let me in')).data;
  await assert.rejects(c.cat.sdk.sendMessage({ recvID: 'eve', groupID: '', message: msg }),
    (e) => e.errCode === 1302);
  await c.eve.sdk.removeBlack('cat');
  // The notification's event carries the userID; the SDK's own one after removeBlack is null.
  await c.eve.waitFor(CbEvents.OnBlackDeleted, (x) => x?.userID === 'cat');
});

let groupID;

test('create a group and chat in it', async () => {
  const g = (await c.ann.sdk.createGroup({ groupInfo: { groupName: 'Team', groupType: 2 },
    memberUserIDs: ['ben'], adminUserIDs: [] })).data;
  groupID = g.groupID;
  assert.equal(g.groupName, 'Team');
  await c.ben.waitFor(CbEvents.OnJoinedGroupAdded, (x) => x.groupID === groupID);
  const msg = (await c.ann.sdk.createTextMessage('hello team')).data;
  await c.ann.sdk.sendMessage({ recvID: '', groupID, message: msg });
  const got = await c.ben.waitFor(CbEvents.OnRecvNewMessages, (ms) => ms.some((m) => m.clientMsgID === msg.clientMsgID));
  assert.equal(textOf(got.find((m) => m.clientMsgID === msg.clientMsgID)), 'hello team');
});

test('invite a member', async () => {
  await c.ann.sdk.inviteUserToGroup({ groupID, reason: '', userIDList: ['cat'] });
  await c.cat.waitFor(CbEvents.OnJoinedGroupAdded, (x) => x.groupID === groupID);
  await c.ben.waitFor(CbEvents.OnGroupMemberAdded, (m) => m.groupID === groupID && m.userID === 'cat');
});

test('apply to join and get approved', async () => {
  await c.dan.sdk.joinGroup({ groupID, reqMsg: 'let me in', joinSource: 3 });
  const app = await c.ann.waitFor(CbEvents.OnGroupApplicationAdded, (a) => a.userID === 'dan');
  assert.equal(app.reqMsg, 'let me in');
  await c.ann.sdk.acceptGroupApplication({ groupID, fromUserID: 'dan', handleMsg: 'ok' });
  await c.dan.waitFor(CbEvents.OnGroupApplicationAccepted, (a) => a.groupID === groupID);
  await c.dan.waitFor(CbEvents.OnJoinedGroupAdded, (x) => x.groupID === groupID);
  await c.ben.waitFor(CbEvents.OnGroupMemberAdded, (m) => m.userID === 'dan');
});

test('kick and quit', async () => {
  await c.ann.sdk.kickGroupMember({ groupID, reason: 'bye', userIDList: ['dan'] });
  await c.dan.waitFor(CbEvents.OnJoinedGroupDeleted, (x) => x.groupID === groupID);
  await c.ben.waitFor(CbEvents.OnGroupMemberDeleted, (m) => m.userID === 'dan');
  await c.cat.sdk.quitGroup(groupID);
  await c.cat.waitFor(CbEvents.OnJoinedGroupDeleted, (x) => x.groupID === groupID);
  await c.ben.waitFor(CbEvents.OnGroupMemberDeleted, (m) => m.userID === 'cat');
});

test('mute a member and the group', async () => {
  await c.ann.sdk.changeGroupMemberMute({ groupID, userID: 'ben', mutedSeconds: 600 });
  const m = await c.ben.waitFor(CbEvents.OnGroupMemberInfoChanged, (x) => x.userID === 'ben' && x.muteEndTime > 0);
  assert.ok(m.muteEndTime > Date.now());
  const msg = (await c.ben.sdk.createTextMessage('can I talk?')).data;
  await assert.rejects(c.ben.sdk.sendMessage({ recvID: '', groupID, message: msg }), (e) => e.errCode === 1402);
  await c.ann.sdk.changeGroupMemberMute({ groupID, userID: 'ben', mutedSeconds: 0 });
  await c.ben.waitFor(CbEvents.OnGroupMemberInfoChanged, (x) => x.userID === 'ben' && x.muteEndTime === 0);
  await c.ann.sdk.changeGroupMute({ groupID, isMute: true });
  await c.ben.waitFor(CbEvents.OnGroupInfoChanged, (g) => g.groupID === groupID && g.status === 3);
  await c.ann.sdk.changeGroupMute({ groupID, isMute: false });
  await c.ben.waitFor(CbEvents.OnGroupInfoChanged, (g) => g.groupID === groupID && g.status === 0);
});

test('rename the group', async () => {
  await c.ann.sdk.setGroupInfo({ groupID, groupName: 'Team 2' });
  await c.ben.waitFor(CbEvents.OnGroupInfoChanged, (g) => g.groupName === 'Team 2');
});

test('transfer ownership', async () => {
  await c.ann.sdk.transferGroupOwner({ groupID, newOwnerUserID: 'ben' });
  await c.ben.waitFor(CbEvents.OnGroupMemberInfoChanged, (m) => m.userID === 'ben' && m.roleLevel === 100);
  await c.ben.waitFor(CbEvents.OnGroupInfoChanged, (g) => g.ownerUserID === 'ben');
});

test('dismiss the group', async () => {
  await c.ben.sdk.dismissGroup(groupID);
  await c.ann.waitFor(CbEvents.OnGroupDismissed, (g) => g.groupID === groupID);
});
