// Writes docs/sdk-core-routes.md from the routes the SDK core suite recorded (make test-wasm
// WASM_ROUTES=dir; one JSON file per test file): every REST path the core called, what for, and what
// LanIM answered (errCodes, data fields, fields answered null).
//
//   node test/wasm/routes-doc.mjs DIR > /tmp/routes.md && mv /tmp/routes.md docs/sdk-core-routes.md
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

// What the core calls each route for (openim-sdk-core v3.8). A route the suite saw and this list
// lacks fails the script, so the table stays complete.
const purpose = {
  '/user/get_users_info': 'profiles: the signed-in user at login, senders and members it has not cached',
  '/user/update_user_info_ex': 'setSelfInfo: change the own nickname, face or ex',
  '/user/get_subscribe_users_status': 'online status of the users it subscribed to',
  '/user/process_user_command_get_all': 'login sync: the user commands (favourites-style lists)',
  '/friend/get_incremental_friends': 'friend list sync from the version log (login, reconnect, after a friend notification)',
  '/friend/get_full_friend_user_ids': 'friend IDs with their hash, to check the local list when versions disagree',
  '/friend/get_friend_list': 'the whole friend list on a first sync',
  '/friend/get_specified_friends_info': 'friend rows it lacks locally',
  '/friend/get_black_list': 'black list sync (login, after a black notification)',
  '/friend/add_black': 'addBlack',
  '/friend/remove_black': 'removeBlack',
  '/friend/add_friend': 'addFriend: send a friend request',
  '/friend/add_friend_response': 'acceptFriendApplication / refuseFriendApplication',
  '/friend/delete_friend': 'deleteFriend',
  '/friend/get_friend_apply_list': 'requests received (sync after a request notification)',
  '/friend/get_self_friend_apply_list': 'requests sent (sync after a request notification)',
  '/friend/get_self_unhandled_apply_count': 'the badge of unhandled friend requests',
  '/group/get_incremental_join_groups': 'joined-group list sync from the version log',
  '/group/get_full_join_group_ids': 'joined group IDs with their hash, to check the local list',
  '/group/get_joined_group_list': 'the whole joined-group list on a first sync',
  '/group/get_incremental_group_members_batch': 'member lists of several groups from their version logs, in one call',
  '/group/get_incremental_group_members': 'member list of one group from its version log',
  '/group/get_full_group_member_user_ids': 'member IDs of a group with their hash, to check the local list',
  '/group/get_group_member_list': 'the whole member list of a group on a first sync',
  '/group/get_groups_info': 'group rows it lacks locally (a group seen in a message or notification)',
  '/group/get_group_members_info': 'member rows it lacks locally (message senders, the own membership)',
  '/group/create_group': 'createGroup',
  '/group/set_group_info_ex': 'setGroupInfo: rename, notice, face',
  '/group/invite_user_to_group': 'inviteUserToGroup',
  '/group/kick_group': 'kickGroupMember',
  '/group/quit_group': 'quitGroup',
  '/group/dismiss_group': 'dismissGroup',
  '/group/mute_group': 'changeGroupMute (on)',
  '/group/cancel_mute_group': 'changeGroupMute (off)',
  '/group/mute_group_member': 'changeGroupMemberMute with seconds > 0',
  '/group/cancel_mute_group_member': 'changeGroupMemberMute with 0 seconds',
  '/group/transfer_group': 'transferGroupOwner',
  '/group/join_group': 'joinGroup: apply to join',
  '/group/group_application_response': 'acceptGroupApplication / refuseGroupApplication',
  '/group/get_recv_group_applicationList': 'join requests to groups it manages',
  '/group/get_user_req_group_applicationList': 'its own join requests',
  '/group/get_group_application_unhandled_count': 'the badge of unhandled join requests',
  '/conversation/get_incremental_conversations': 'conversation list sync from the version log',
  '/conversation/get_full_conversation_ids': 'conversation IDs with their hash, to check the local list',
  '/conversation/get_owner_conversation': 'the whole conversation list on a first sync',
  '/conversation/get_conversations': 'conversation rows it lacks locally',
  '/conversation/set_conversations': 'setConversation, pinConversation, setConversationRecvMessageOpt',
  '/msg/mark_conversation_as_read': 'markConversationMessageAsRead: the read seq and the C2C receipt',
  '/msg/set_conversation_has_read_seq': 'the read seq of a conversation with nothing left unread',
  '/msg/revoke_msg': 'revokeMessage',
  '/msg/delete_msgs': 'deleteMessage (its own copy on the node)',
  '/msg/clear_conversation_msg': 'clearConversationAndDeleteAllMsg, deleteConversationAndDeleteAllMsg',
  '/msg/get_server_time': 'the node\'s clock, to stamp what it sends',
  '/third/fcm_update_token': 'push token of a mobile app',
  '/third/set_app_badge': 'the app icon badge',
  '/object/part_limit': 'upload: the part size limits before a picture or file',
  '/object/part_size': 'upload: the part size for a file of a given size',
  '/object/initiate_multipart_upload': 'upload: start (or find by hash) an upload and get signed part URLs',
  '/object/auth_sign': 'upload: signed URLs for more parts',
  '/object/complete_multipart_upload': 'upload: assemble the parts; the answer is the object\'s URL',
  '/object/access_url': 'the URL of a stored object',
  '/object/initiate_form_data': 'upload by form (the core\'s small-file path)',
  '/object/complete_form_data': 'upload by form: done',
  'PUT /object-part/…': 'upload: the bytes of one part, to the signed URL initiate_multipart_upload gave',
  '/third/logs/upload': 'uploadLogs: the app\'s log file, once uploaded as an object',
};

const dir = process.argv[2];
if (!dir) {
  console.error('usage: node routes-doc.mjs DIR');
  process.exit(2);
}
const routes = new Map();
for (const f of readdirSync(dir).filter((x) => x.endsWith('.json')).sort()) {
  for (const [path, r] of Object.entries(JSON.parse(readFileSync(join(dir, f), 'utf8')))) {
    const m = routes.get(path) ?? { calls: 0, codes: {}, keys: new Set(), nullKeys: new Set(), suites: new Set() };
    m.calls += r.calls;
    for (const [code, n] of Object.entries(r.codes)) m.codes[code] = (m.codes[code] ?? 0) + n;
    r.keys.forEach((k) => m.keys.add(k));
    r.nullKeys.forEach((k) => m.nullKeys.add(k));
    m.suites.add(f.replace(/\.json$/, ''));
    routes.set(path, m);
  }
}
const missing = [...routes.keys()].filter((p) => !purpose[p]);
if (missing.length) {
  console.error(`routes-doc: say what the core calls these for: ${missing.join(', ')}`);
  process.exit(1);
}

const rows = [...routes].sort(([a], [b]) => a.localeCompare(b)).map(([path, r]) => {
  const codes = Object.entries(r.codes).sort(([a], [b]) => Number(a) - Number(b))
    .map(([c, n]) => `${c} ×${n}`).join(', ');
  const keys = [...r.keys].sort().join(', ') || '`{}`';
  const nulls = [...r.nullKeys].sort().join(', ') || '—';
  return `| \`${path}\` | ${purpose[path]} | ${r.calls} | ${codes} | ${keys} | ${nulls} |`;
});

process.stdout.write(`# REST routes the official SDK core calls

Generated by \`test/wasm/routes-doc.mjs\` from a run of the SDK core suite (\`make test-wasm WASM_ROUTES=DIR\`,
then \`node test/wasm/routes-doc.mjs DIR > docs/sdk-core-routes.md\`): \`@openim/wasm-client-sdk\` 3.8.5
(openim-sdk-core v3.8.3-patch.10) in headless Chromium, against one node (suite \`chat\`) and a 3-node office
(suite \`office\`). Every REST call a page made was recorded with the errCode LanIM answered and the fields of
its \`data\`. The WebSocket carries the rest (gob over gzip: requests 1001, 1002, 1003, 1005, 1006, 2003, 2005 and pushes).

- **calls**: over the whole run, all pages; the suite fails a scenario when one page calls one route more
  than 40 times in it (the loop detector).
- **errCodes**: what LanIM answered, ×how often (0 is success).
- **null fields**: fields of \`data\` answered \`null\`; the core maps over list fields, so any here is a bug.

| path | what the core calls it for | calls | errCodes | data fields | null fields |
|---|---|---|---|---|---|
${rows.join('\n')}
`);
