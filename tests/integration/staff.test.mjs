// SPDX-License-Identifier: Apache-2.0
// Roles: an admin manages staff (create, disable, reset a password); a clerk
// works cases but cannot manage staff or replace the catalog.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Box, startBox } from '../lib.mjs';

let admin;
before(async () => {
  admin = await startBox();
  assert.equal((await admin.login()).status, 200);
});
after(async () => { await admin.stop(); admin.cleanup(); });

// A second client of the same box, for the clerk.
function clerkClient() {
  const c = new Box(admin.dir, admin.port, admin.proc);
  return c;
}

test('an admin creates a clerk; the clerk works cases but manages nothing', async () => {
  const weak = await admin.post('/api/v1/staff', { username: 'li.na', display_name: '李娜', role: 'clerk',
    password: 'short' });
  assert.equal(weak.status, 400);
  assert.equal(weak.body.field, 'password');
  const made = await admin.post('/api/v1/staff', { username: 'li.na', display_name: '李娜', role: 'clerk',
    password: 'counter-window-2' });
  assert.equal(made.status, 201, JSON.stringify(made.body));
  assert.ok(made.body.staff.some((s) => s.username === 'li.na' && s.role === 'clerk' && !s.disabled));
  const again = await admin.post('/api/v1/staff', { username: 'li.na', display_name: '李娜', role: 'clerk',
    password: 'counter-window-2' });
  assert.equal(again.status, 400, 'a taken name is refused');

  const clerk = clerkClient();
  assert.equal((await clerk.login('li.na', 'counter-window-2')).status, 200);
  assert.equal((await clerk.json('/api/v1/cases')).status, 200);
  assert.equal((await clerk.json('/api/v1/staff')).status, 403);
  const cat = (await clerk.json('/api/v1/catalog')).body;
  const put = await clerk.post('/api/v1/catalog', cat, 'PUT');
  assert.equal(put.status, 403);
  assert.match(put.body.message, /无权执行此操作/);

  // Disabled: the session ends at once and the password no longer works.
  const off = await admin.post('/api/v1/staff/li.na/disable');
  assert.equal(off.status, 200);
  assert.equal((await clerk.json('/api/v1/cases')).status, 401);
  assert.equal((await clerk.login('li.na', 'counter-window-2')).status, 401);
  assert.equal((await admin.post('/api/v1/staff/admin/disable')).status, 403, 'not oneself');
  await admin.post('/api/v1/staff/li.na/enable');

  // A new password: the old one stops working.
  const reset = await admin.post('/api/v1/staff/li.na/password', { password: 'a-new-passphrase' });
  assert.equal(reset.status, 200, JSON.stringify(reset.body));
  assert.equal((await clerk.login('li.na', 'counter-window-2')).status, 401);
  assert.equal((await clerk.login('li.na', 'a-new-passphrase')).status, 200);
});
