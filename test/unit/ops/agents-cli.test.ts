import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OpsWorld } from '../../support/ops-world.js';
import { MIGRATIONS, migrate } from '../../../src/index/index.js';
import { agentsOf } from '../../../src/index/recordings.js';
import Database from 'better-sqlite3';
import { join } from 'node:path';

const TEAMS = `
agents:
  trainee: { rate: 1.0, team: support }
  veteran: { team: sales }
  protected: [rep]
teams:
  support: { windows: [{ days: [mon, tue, wed, thu, fri], from: '08:00', to: '18:00' }] }
  sales: { rate: 0.5 }
timeZone: Europe/Paris`;

test('index version 3: a version-2 index migrates, and rows keep every agent in order', () => {
  const w = OpsWorld.create();
  try {
    const path = join(w.dir, 'old.sqlite');
    const db = new Database(path);
    migrate(db, MIGRATIONS.filter((m) => m.version <= 2));
    assert.deepEqual(migrate(db), MIGRATIONS.filter((m) => m.version > 2).map((m) => m.version));
    const cols = (db.prepare('PRAGMA table_info(recordings)').all() as Array<{ name: string }>).map((c) => c.name);
    assert.ok(cols.includes('team'));
    db.close();
    const index = w.open();
    const id = w.add(index, { agents: [{ agent: 'veteran', team: 'sales', offsetMs: 0 }, { agent: 'trainee', team: 'support', offsetMs: 35_000 }] });
    assert.deepEqual(agentsOf(index.db, id), [
      { agentHash: w.hasher.hex('agent', 'veteran'), team: 'sales', offsetMs: 0 },
      { agentHash: w.hasher.hex('agent', 'trainee'), team: 'support', offsetMs: 35_000 },
    ]);
    assert.equal(index.getRecording(id)?.team, 'sales');
    index.close();
  } finally { w.cleanup(); }
});

test('list --agent finds a recording by any agent heard on it, list --team by any team', async () => {
  const w = OpsWorld.create({ extraYaml: TEAMS });
  try {
    const index = w.open();
    const transferred = w.add(index, { agent: 'veteran', agents: [{ agent: 'veteran', team: 'sales', offsetMs: 0 }, { agent: 'trainee', team: 'support', offsetMs: 35_000 }] });
    const alone = w.add(index, { agent: 'veteran', agents: [{ agent: 'veteran', team: 'sales', offsetMs: 0 }] });
    const old = w.add(index, { agent: 'trainee' }); // archived before version 3: agent_hash only
    index.close();
    const ids = async (...args: string[]) => {
      const r = await w.cli('list', '--json', ...args);
      assert.equal(r.code, 0, r.stderr);
      return (JSON.parse(r.stdout).recordings as Array<{ id: string }>).map((x) => x.id).sort();
    };
    assert.deepEqual(await ids('--agent', 'trainee'), [transferred, old].sort());
    assert.deepEqual(await ids('--agent', 'veteran'), [transferred, alone].sort());
    assert.deepEqual(await ids('--team', 'support'), [transferred]);
    assert.deepEqual(await ids('--team', 'sales'), [transferred, alone].sort());
    assert.deepEqual(await ids('--team', 'nobody'), []);
  } finally { w.cleanup(); }
});

test('status counts per team and live listening; audit --action monitor lists the monitor rows', async () => {
  const w = OpsWorld.create({ extraYaml: TEAMS });
  try {
    const index = w.open();
    w.add(index, { agents: [{ agent: 'veteran', team: 'sales', offsetMs: 0 }, { agent: 'trainee', team: 'support', offsetMs: 5 }] });
    w.add(index, { agents: [{ agent: 'veteran', team: 'sales', offsetMs: 0 }] });
    index.appendAudit({ actor: 'supervisor:abc', action: 'monitor', reason: 'allowed', details: { phase: 'start', mode: 'listen' } });
    index.appendAudit({ actor: 'supervisor:abc', action: 'monitor', reason: 'ended', details: { phase: 'end', mode: 'listen' } });
    index.appendAudit({ actor: 'supervisor:abc', action: 'monitor', reason: 'refused: protected-agent', details: { phase: 'refused', mode: 'listen' } });
    index.close();
    const st = await w.cli('status', '--json');
    const report = JSON.parse(st.stdout);
    assert.deepEqual(report.teams, [
      { team: 'sales', recordingsToday: report.teams[0].recordingsToday, recordings7Days: 2 },
      { team: 'support', recordingsToday: report.teams[1].recordingsToday, recordings7Days: 1 },
    ]);
    assert.equal(report.monitors.allowed7Days, 1);
    assert.equal(report.monitors.refused7Days, 1);
    const text = await w.cli('status');
    assert.match(text.stdout, /teams \(recordings today, 7 days\):\n {2}sales: \d, 2\n {2}support: \d, 1/);
    assert.match(text.stdout, /live listening: n\/a in progress; allowed 1 today/);
    const audit = await w.cli('audit', '--action', 'monitor', '--json');
    assert.deepEqual((JSON.parse(audit.stdout).audit as Array<{ reason: string }>).map((a) => a.reason), ['allowed', 'ended', 'refused: protected-agent']);
  } finally { w.cleanup(); }
});

test('windows: the period table for an agent, a team, a protected agent, as text (fr, en) and JSON', async () => {
  const w = OpsWorld.create({ extraYaml: TEAMS });
  try {
    const en = await w.cli('windows', '--agent', 'trainee', '--lang', 'en');
    assert.equal(en.code, 0, en.stderr);
    assert.match(en.stdout, /agent: trainee \(team support\); time zone Europe\/Paris/);
    assert.match(en.stdout, /line support: every call\n {2}Monday {5}08:00-18:00\n/);
    assert.match(en.stdout, /Saturday {3}never/);
    assert.doesNotMatch(en.stdout, /line internal/, 'a never line records nobody');
    const fr = await w.cli('windows', '--team', 'sales');
    assert.match(fr.stdout, /équipe: sales; fuseau horaire Europe\/Paris/);
    assert.match(fr.stdout, /ligne support: environ 50 % des appels\n {2}lundi {5}toute la journée/);
    const rep = await w.cli('windows', '--agent', 'rep', '--lang', 'en');
    assert.match(rep.stdout, /never recorded and never listened to \(protected\)/);
    const json = JSON.parse((await w.cli('windows', '--agent', 'trainee', '--json')).stdout);
    assert.deepEqual(json.lines.find((l: { line: string }) => l.line === 'support').periods.mon, [{ from: '08:00', to: '18:00' }]);
    const bad = await w.cli('windows', '--team', 'nope');
    assert.equal(bad.code, 64);
    assert.match(bad.stderr, /--team nope is not one of the teams/);
  } finally { w.cleanup(); }
});
