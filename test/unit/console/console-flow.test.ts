import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConsoleWorld } from '../../support/console-world.js';
import { CONTENT_SECURITY_POLICY } from '../../../src/console/security-headers.js';
import { putGrant } from '../../../src/console/store/grants.js';

test('a reviewer signs in, opens a recording in scope, and fetches its ciphertext with an audit row', async () => {
  const w = await ConsoleWorld.create();
  try {
    await w.addUser('quinn', 'qa', { purposes: ['quality'], teams: ['support-team'] });
    await w.giveKey('quinn');
    const id = w.ops.add(w.index, { purpose: 'quality', line: 'support' });
    const b = await w.signIn('quinn');

    const page = await w.request(b, 'GET', `/recordings/${id}`);
    assert.equal(page.statusCode, 200);
    assert.equal(page.headers['content-security-policy'], CONTENT_SECURITY_POLICY);
    assert.match(page.body, new RegExp(`<section id="player" data-recording-id="${id}" data-audio-url="/api/recordings/${id}/audio"`));
    assert.doesNotMatch(page.body, /<script(?! type="module" src=)/, 'no inline script');
    assert.doesNotMatch(page.body, /style=/, 'no inline style');

    const refused = await w.request(b, 'GET', `/api/recordings/${id}/audio`);
    assert.equal(refused.statusCode, 403);
    assert.equal(refused.json().error.code, 'CV_ERR_CONSOLE_NO_GRANT');
    assert.match(refused.json().error.message, /quality/);

    const fr = await w.request(b, 'GET', `/api/recordings/${id}/audio?lang=fr`);
    assert.equal(fr.json().error.code, 'CV_ERR_CONSOLE_NO_GRANT');
    assert.match(fr.json().error.message, /^vous n’avez pas de clé pour la finalité quality$/);
    assert.match(fr.json().error.hint, /callvault grant --purpose quality/);

    putGrant(w.index.db, { username: 'quinn', purpose: 'quality', purposeRecipient: 'age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p', wrapped: 'x', grantedBy: 'test' }, new Date());
    const audio = await w.request(b, 'GET', `/api/recordings/${id}/audio?reason=${encodeURIComponent('coaching session')}`);
    assert.equal(audio.statusCode, 200);
    assert.equal(audio.headers['content-type'], 'application/octet-stream');
    assert.deepEqual(audio.rawPayload, readFileSync(join(w.ops.storage, w.index.getRecording(id)!.file)));
    const trail = w.index.listAudit(id).filter((a) => a.action === 'console.listen');
    assert.equal(trail.length, 1);
    assert.equal(trail[0]!.actor, 'quinn');
    assert.equal(trail[0]!.reason, 'coaching session');

    const meta = await w.request(b, 'GET', `/api/recordings/${id}/meta`);
    assert.equal(meta.statusCode, 200);
    assert.equal(meta.json().durationMs, 60_000);

    const note = await w.request(b, 'POST', `/api/recordings/${id}/notes`, { json: { atMs: 1500, text: 'greeting ok' } });
    assert.equal(note.statusCode, 201, note.body);
    assert.equal((await w.request(b, 'GET', `/api/recordings/${id}/meta`)).json().notes[0].text, 'greeting ok');
  } finally {
    await w.close();
  }
});
