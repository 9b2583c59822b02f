/**
 * Places the quick start's demo calls on the sandbox Asterisk over real
 * SIP: sipp callers and a sipp agent (test/e2e/support/sip-ua.ts) on
 * chan_pjsip, G.711 RTP and RFC 4733 keys, the callers following the
 * sandbox IVR ([callvault-sip-caller] in dialplan/asterisk/callvault-sandbox.conf).
 * The last call waits in the sandbox queue and is answered by agent1, a
 * trainee the config records at rate 1.0: recorded from the answer.
 * Usage: node --import tsx scripts/demo-calls.ts AGI_PORT
 */
import { TONES, type PhaseStep } from '../test/e2e/support/sip-ua.js';
import { SipCalls } from '../test/e2e/support/sip-call.js';

const port = Number(process.argv[2] ?? '4573');

/** The IVR's phases as a caller lives them: silent during the notice, then talking (440 Hz). */
function ivr(o: { consentKey?: string; payment?: boolean } = {}): PhaseStep[] {
  return [
    { phase: 'consent', tone: 'silence', ...(o.consentKey ? { dtmf: { keys: o.consentKey, afterMs: 1500 } } : {}) },
    { phase: 'talk', tone: TONES.caller },
    // The card digits read out (1 kHz) only inside the payment window: they must be in no file.
    ...(o.payment ? [{ phase: 'payment', tone: TONES.card }, { phase: 'talk2', tone: TONES.caller }] : []),
    { phase: 'done', tone: 'keep' },
  ];
}

const calls: Array<{ what: string; line: string; headers?: Record<string, string>; steps: PhaseStep[]; agent?: 'agent1' }> = [
  { what: 'support line (sampled 50%), caller stays silent', line: 'support', headers: { Payment: '0' }, steps: ivr() },
  { what: 'support line, caller presses 9 (RFC 4733) to object', line: 'support', headers: { Payment: '0' }, steps: ivr({ consentKey: '9' }) },
  { what: 'insurance line (mandatory), card payment in the middle', line: 'insurance', headers: { Payment: '3' }, steps: ivr({ payment: true }) },
  { what: 'sales line (consent), caller presses 1 to accept', line: 'sales', headers: { Payment: '0' }, steps: ivr({ consentKey: '1' }) },
  { what: 'sales line (consent), caller says nothing', line: 'sales', headers: { Payment: '0' }, steps: ivr() },
  { what: 'support line, a French-speaking caller', line: 'support', headers: { Payment: '0', Language: 'fr' }, steps: ivr() },
  {
    what: 'helpdesk line (sampled 25%, from the answer): queued, answered by agent1, a trainee recorded at rate 1.0',
    line: 'helpdesk', headers: { Flow: 'queue' }, agent: 'agent1',
    steps: [{ phase: 'consent', tone: 'silence' }, { phase: 'queue', tone: TONES.caller, hangupAfterMs: 9000 }],
  },
];

const sip = await SipCalls.open();
const rig = sip.rig;
let failed = 0;
try {
  await Promise.all(calls.map(async (c, i) => {
    await new Promise((r) => setTimeout(r, i * 700));
    // The agent rings for 2 s: that queue time is not in the recording.
    const agent = c.agent ? await rig.agent({ agent: c.agent, answerAfterMs: 2000 }) : null;
    process.stdout.write(`demo: call ${i + 1} placed over SIP: ${c.what}\n`);
    try {
      const r = await sip.place({ line: c.line, headers: c.headers, steps: c.steps }, port, { timeoutMs: 120_000 });
      if (agent) await agent.sipp.done(20_000);
      process.stdout.write(`demo: call ${i + 1} ended (decision at entry: ${r.vars.CALLVAULT_DECISION ?? '?'})\n`);
    } catch (err) {
      failed++;
      process.stderr.write(`demo: error: call ${i + 1} failed: ${(err as Error).message.split('\n')[0]}\n`);
    }
  }));
} finally {
  await sip.close();
}
process.exitCode = failed > 0 ? 1 : 0;
