/**
 * The whole role-by-route matrix, walked with inject(): every route of the
 * route table, for every role, against a table written out here (not derived
 * from roles.ts, so a change of rights has to change this test too). Then
 * the object scope: which recording each role reaches through each
 * recording route, with invisible ids answered exactly like unknown ones.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ConsoleWorld, type Browser } from '../../support/console-world.js';
import { ROUTES } from '../../../src/console/routes/route-table.js';
import { ROLES } from '../../../src/console/roles.js';
import { putGrant } from '../../../src/console/store/grants.js';
import { PURPOSES } from '../../../src/policy/purpose.js';

const ALL = 'admin qa trainer supervisor agent compliance';
/** Route -> roles that pass the access check ('public': no sign-in needed). */
const EXPECTED: Record<string, string> = {
  'GET /': ALL,
  'GET /favicon.ico': 'public',
  'GET /login': 'public',
  'POST /login': 'public',
  'GET /login/oidc': 'public',
  'GET /login/oidc/callback': 'public',
  'POST /logout': ALL,
  'GET /recordings': 'qa trainer supervisor compliance',
  'GET /recordings/:id': 'qa trainer supervisor compliance',
  'GET /keys': ALL,
  'GET /me': ALL,
  'GET /status': 'admin qa supervisor compliance',
  'GET /audit': 'compliance',
  'GET /subjects': 'compliance',
  'POST /subjects': 'compliance',
  'GET /users': 'admin',
  'GET /grants': 'admin',
  'POST /grants/revoke': 'admin',
  'GET /api/me/key': ALL,
  'POST /api/me/key': ALL,
  'GET /api/me/grants': ALL,
  'GET /api/users/:username/recipient': 'admin',
  'POST /api/grants': 'admin',
  'DELETE /api/grants/:username/:purpose': 'admin',
  'GET /api/recordings/:id/meta': 'qa trainer supervisor compliance',
  'GET /api/recordings/:id/audio': 'qa trainer supervisor',
  'POST /api/recordings/:id/notes': 'qa trainer supervisor',
  // Evaluations: reviewers score; the agent and compliance reach theirs through the object check (evaluation-access.ts).
  'POST /recordings/:id/evaluations': 'qa supervisor',
  'GET /evaluations/:id': ALL,
  'POST /evaluations/:id/answers': 'qa supervisor',
  'POST /evaluations/:id/step': ALL,
  'GET /api/evaluations/:id/meta': 'qa trainer supervisor',
  'POST /api/evaluations/:id/notes': 'qa supervisor',
  'GET /quality/queue': 'qa supervisor',
  'GET /quality/forms': 'qa',
  'GET /quality/forms/:id/:version': 'qa',
  'POST /quality/forms': 'qa',
  'POST /recordings/:id/calibrations': 'qa supervisor',
  'GET /calibrations/:id': 'qa supervisor',
  'POST /calibrations/:id/answers': 'qa supervisor',
  'POST /calibrations/:id/close': 'qa supervisor',
  'GET /quality': 'qa supervisor',
  'GET /quality.csv': 'qa supervisor',
  // Training: trainers copy and build playlists; new hires (agent-role users) reach their assignments through the object check (learn.ts).
  'GET /api/training/recipients': 'trainer',
  'POST /api/recordings/:id/training-copy': 'trainer',
  'GET /training': 'trainer',
  'POST /training/playlists': 'trainer',
  'GET /training/playlists/:id': 'trainer',
  'POST /training/playlists/:id/items': 'trainer',
  'POST /training/playlists/:id/assignments': 'trainer',
  'POST /training/playlists/:id/items/:item/move': 'trainer',
  'POST /training/playlists/:id/items/:item/remove': 'trainer',
  'POST /training/playlists/:id/assignments/remove': 'trainer',
  'POST /training/playlists/:id/delete': 'trainer',
  'GET /learn': 'agent',
  'GET /learn/items/:id': 'agent',
  'GET /api/learn/items/:id/meta': 'agent',
  'GET /api/learn/items/:id/audio': 'agent',
  'POST /api/learn/items/:id/progress': 'agent',
};

let w: ConsoleWorld;
const browsers = new Map<string, Browser>();
const recs: Record<string, string> = {};

before(async () => {
  w = await ConsoleWorld.create();
  await w.addUser('ada', 'admin');
  await w.addUser('quinn', 'qa', { purposes: ['quality'], teams: ['support-team'] });
  await w.addUser('tess', 'trainer');
  await w.addUser('sam', 'supervisor', { teams: ['sales-team'] });
  await w.addUser('alex', 'agent', { agentId: 'agent-7' });
  await w.addUser('cora', 'compliance');
  await w.addUser('quentin', 'qa', { purposes: ['quality', 'contract'] });
  for (const u of ['ada', 'quinn', 'tess', 'sam', 'alex', 'cora', 'quentin']) await w.giveKey(u);
  recs.qualitySupport = w.ops.add(w.index, { purpose: 'quality', line: 'support' });
  recs.qualitySales = w.ops.add(w.index, { purpose: 'quality', line: 'sales' });
  recs.trainingSupport = w.ops.add(w.index, { purpose: 'training', line: 'support' });
  recs.contractSales = w.ops.add(w.index, { purpose: 'contract', line: 'sales' });
  recs.regulatoryInsurance = w.ops.add(w.index, { purpose: 'regulatory', line: 'insurance', agent: 'agent-7' });
  // Everyone holds every grant: scope alone must decide.
  for (const u of ['quinn', 'tess', 'sam', 'alex', 'cora', 'quentin']) {
    for (const p of PURPOSES) putGrant(w.index.db, { username: u, purpose: p, purposeRecipient: 'age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p', wrapped: 'x', grantedBy: 'test' }, new Date());
  }
  const byRole: Record<string, string> = { admin: 'ada', qa: 'quinn', trainer: 'tess', supervisor: 'sam', agent: 'alex', compliance: 'cora' };
  for (const [role, u] of Object.entries(byRole)) browsers.set(role, await w.signIn(u));
  browsers.set('quentin', await w.signIn('quentin'));
});

after(async () => { await w.close(); });

function concrete(url: string): string {
  if (url.startsWith('/quality/forms/')) return url.replace(':id', 'default').replace(':version', '1');
  if (url.startsWith('/training/playlists/')) return url.replace(':id', 'pl-' + '0'.repeat(24)).replace(':item', '1');
  if (url.includes('/learn/items/')) return url.replace(':id', '1');
  return url.replace(':id', recs.qualitySupport!).replace(':username', 'quinn').replace(':purpose', 'training');
}

function bodyFor(key: string): { json?: unknown; form?: Record<string, string> } {
  switch (key) {
    case 'POST /login': return { form: { username: 'nobody', password: 'x' } };
    case 'POST /logout': return { form: {} };
    case 'POST /subjects': return { form: { number: '+33123456789', reason: 'matrix' } };
    case 'POST /grants/revoke': return { form: { username: 'quinn', purpose: 'training' } };
    case 'POST /api/me/key': return { json: { recipient: 'age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p', wrapped: [{ kind: 'passphrase', data: Buffer.from('age-encryption.org/v1\n' + 'x'.repeat(200)).toString('base64') }] } };
    case 'POST /api/grants': return { json: { username: 'quinn', purpose: 'training', wrapped: Buffer.from('age-encryption.org/v1\n' + 'x'.repeat(200)).toString('base64') } };
    case 'POST /api/recordings/:id/notes': return { json: { atMs: 10, text: 'matrix' } };
    case 'POST /api/evaluations/:id/notes': return { json: { atMs: 10, text: 'matrix' } };
    case 'POST /recordings/:id/evaluations': return { form: {} };
    case 'POST /evaluations/:id/answers': return { form: { action: 'save' } };
    case 'POST /evaluations/:id/step': return { form: { event: 'release' } };
    case 'POST /quality/forms': return { form: { json: '{' } };
    case 'POST /recordings/:id/calibrations': return { form: {} };
    case 'POST /calibrations/:id/answers': return { form: { action: 'save' } };
    case 'POST /calibrations/:id/close': return { form: {} };
    case 'POST /training/playlists': return { form: { name: 'matrix' } };
    case 'POST /training/playlists/:id/items': return { form: { recording: recs.trainingSupport! } };
    case 'POST /training/playlists/:id/assignments': return { form: { username: 'alex' } };
    case 'POST /training/playlists/:id/items/:item/move': return { form: { direction: 'up' } };
    case 'POST /training/playlists/:id/assignments/remove': return { form: { username: 'alex' } };
    case 'POST /training/playlists/:id/items/:item/remove': return { form: {} };
    case 'POST /training/playlists/:id/delete': return { form: {} };
    case 'POST /api/learn/items/:id/progress': return { json: { playedSeconds: 1 } };
    default: return {};
  }
}

test('the route table and the expected matrix name the same routes', () => {
  assert.deepEqual(ROUTES.map((r) => `${r.method} ${r.url}`).sort(), Object.keys(EXPECTED).sort());
});

for (const route of ROUTES) {
  const key = `${route.method} ${route.url}`;
  test(`matrix: ${key}`, async () => {
    const allowed = EXPECTED[key]!;
    // Signed out: only public routes answer; pages redirect to /login, the API says 401.
    const anon = await w.anonymous();
    const signedOut = await w.request(anon, route.method, concrete(route.url), bodyFor(key));
    if (allowed === 'public') assert.ok(signedOut.statusCode < 500 && signedOut.statusCode !== 403, `${key} signed out: ${signedOut.statusCode}`);
    else if (route.kind === 'api') assert.equal(signedOut.statusCode, 401, `${key} signed out`);
    else assert.deepEqual([signedOut.statusCode, signedOut.headers.location], [303, '/login'], `${key} signed out`);
    if (allowed === 'public') return;
    for (const role of ROLES) {
      if (key === 'POST /logout') continue; // would end the session the other tests use; tested in security.test.ts
      const res = await w.request(browsers.get(role)!, route.method, concrete(route.url), bodyFor(key));
      const refused = res.statusCode === 403 && (route.kind === 'api' ? res.json().error.code === 'CV_ERR_CONSOLE_FORBIDDEN' : /may not/.test(res.body));
      assert.equal(!refused, allowed.split(' ').includes(role), `${key} as ${role}: ${res.statusCode} ${res.body.slice(0, 200)}`);
      assert.notEqual(res.statusCode, 401, `${key} as ${role}`);
      assert.ok(res.statusCode < 500, `${key} as ${role}: ${res.statusCode}`);
    }
  });
}

/** user -> the recordings it may reach (by the names above). */
const VISIBLE: Record<string, string[]> = {
  qa: ['qualitySupport'],                            // quality, support-team only
  quentin: ['qualitySupport', 'qualitySales', 'contractSales'], // quality + contract, no team: every line
  trainer: ['trainingSupport'],
  supervisor: ['qualitySales', 'contractSales'],     // sales-team: the sales line, any purpose
  compliance: ['qualitySupport', 'qualitySales', 'trainingSupport', 'contractSales', 'regulatoryInsurance'],
};

const RECORDING_ROUTES: Array<{ method: 'GET' | 'POST'; url: (id: string) => string; body?: unknown; listen: boolean }> = [
  { method: 'GET', url: (id) => `/recordings/${id}`, listen: false },
  { method: 'GET', url: (id) => `/api/recordings/${id}/meta`, listen: false },
  { method: 'GET', url: (id) => `/api/recordings/${id}/audio`, listen: true },
  { method: 'POST', url: (id) => `/api/recordings/${id}/notes`, body: { atMs: 1, text: 'scope' }, listen: true },
];

for (const [who, visible] of Object.entries(VISIBLE)) {
  test(`scope: ${who} reaches exactly ${visible.join(', ')}`, async () => {
    const b = browsers.get(who)!;
    const listens = who !== 'compliance';
    for (const [name, id] of Object.entries(recs)) {
      for (const r of RECORDING_ROUTES) {
        if (r.listen && !listens) continue;
        const res = await w.request(b, r.method, r.url(id), r.body === undefined ? {} : { json: r.body });
        const expected = visible.includes(name) ? (r.method === 'POST' ? 201 : 200) : 404;
        assert.equal(res.statusCode, expected, `${who} ${r.method} ${r.url(name)}: ${res.body.slice(0, 200)}`);
      }
    }
    // The list shows the same set.
    const list = await w.request(b, 'GET', '/recordings');
    const shown = Object.entries(recs).filter(([, id]) => list.body.includes(`href="/recordings/${id}"`)).map(([n]) => n).sort();
    assert.deepEqual(shown, [...visible].sort());
  });
}

test('an unknown id and an invisible id give the same answer, byte for byte', async () => {
  const b = browsers.get('qa')!;
  for (const url of [(id: string) => `/api/recordings/${id}/meta`, (id: string) => `/api/recordings/${id}/audio`]) {
    const invisible = await w.request(b, 'GET', url(recs.contractSales!));
    const unknown = await w.request(b, 'GET', url('20200101T000000Z-deadbeef'));
    const malformed = await w.request(b, 'GET', url('not-an-id'));
    assert.equal(invisible.statusCode, 404);
    assert.equal(invisible.body, unknown.body);
    assert.equal(invisible.body, malformed.body);
  }
});

test('an agent reaches no recording, not even one of their own calls, and no one else\'s key or grants', async () => {
  const b = browsers.get('agent')!;
  for (const id of Object.values(recs)) {
    for (const r of RECORDING_ROUTES) {
      const res = await w.request(b, r.method, r.url(id), r.body === undefined ? {} : { json: r.body });
      assert.equal(res.statusCode, 403, `${r.url(id)}`);
      assert.equal(r.url(id).startsWith('/api') ? res.json().error.code : 'page', r.url(id).startsWith('/api') ? 'CV_ERR_CONSOLE_FORBIDDEN' : 'page');
    }
  }
  assert.equal((await w.request(b, 'GET', '/api/users/quinn/recipient')).statusCode, 403);
  const mine = (await w.request(b, 'GET', '/api/me/grants')).json() as Array<{ purpose: string }>;
  assert.equal(mine.length, PURPOSES.length);
  const key = (await w.request(b, 'GET', '/api/me/key')).json() as { recipient: string };
  const quinnKey = w.index.db.prepare("SELECT recipient FROM console_user_keys WHERE username = 'quinn'").get() as { recipient: string };
  assert.notEqual(key.recipient, quinnKey.recipient);
});
