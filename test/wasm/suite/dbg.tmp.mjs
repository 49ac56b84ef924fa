import { Browser } from './harness.mjs';
import { startNode, registerUsers, sleep } from './nodes.mjs';
const node = await startNode();
await registerUsers(node, 'alice', 'bob');
const b = await Browser.start();
const bob = await (await b.client(node, 'bob')).login();
const alice = await (await b.client(node, 'alice')).login();
await bob.logout(); await bob.login(); console.log('relogged');
await alice.call('subscribeUsersStatus', ['bob']);
const m = bob.mark();
const am = alice.mark();
console.log('closed', await bob.dropSocket());
await alice.waitFor('OnUserStatusChanged', (x) => x.userID === 'bob' && x.status === 0, { since: am });
console.log('offline seen', bob.events.slice(m).map(e => e.name));
for (const t of ['a','b']) {
  const msg = await alice.call('createTextMessage', t);
  await alice.call('sendMessage', { recvID: 'bob', groupID: '', message: msg });
}
await sleep(20000);
console.log(bob.events.slice(m).map(e => e.name + ' ' + String(JSON.stringify(e.data)).slice(0,200)));
console.log([...bob.calls]);
await b.stop(); await node.stop();
