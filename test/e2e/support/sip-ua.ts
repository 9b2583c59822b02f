/**
 * Real SIP user agents for the e2e tests: sipp (Debian's sip-tester), one
 * process per party, talking SIP over UDP to the sandbox Asterisk's
 * chan_pjsip and sending G.711 RTP (pcap files from rtp-media.ts replayed by
 * sipp) and RFC 4733 DTMF (sipp's play_dtmf). The scenarios are written
 * here, one linear script per call, from a list of steps, so that each
 * test reads as what the caller and the agents do.
 *
 * The caller follows the sandbox dialplan's phases ([callvault-sip-caller]
 * in dialplan/asterisk/callvault-sandbox.conf): Asterisk sends each phase as
 * an in-dialog MESSAGE "phase=<p>", the caller answers 200 and switches its
 * tone (the dialplan gives it 300 ms). An agent answers the INVITE Asterisk sends it,
 * sends its own tone, and can transfer the call (REFER) to another agent;
 * what Asterisk sends to an agent goes to an RtpSink the test can listen to.
 *
 * Every process is killed by pid at cleanup (never by name): several
 * engineers share the machine.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, writeFileSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeRtpPcap, ulawTone, RtpSink } from './rtp-media.js';
import { sandboxEnv, sleep } from './call-harness.js';

/** The test tones (test/support/payment-audio.ts): caller 440 Hz, agent 600 Hz, card data 1 kHz. */
export const TONES = { caller: 440, agent: 600, card: 1000 } as const;

/** Long enough for any phase of a test call; a new play replaces the running one. */
const TONE_SECONDS = 90;
/** Sequence numbers per tone segment: more than one tone file holds (90 s = 4500 packets). */
const SEGMENT_PACKETS = 5000;

/** What the caller does when told a phase. */
export interface PhaseStep {
  phase: string;
  /** Tone to send from then on: a frequency, 'silence' (RTP of silence), or 'keep' (the current one). */
  tone: number | 'silence' | 'keep';
  /** RFC 4733 keys sent `afterMs` after the acknowledgement. */
  dtmf?: { keys: string; afterMs: number };
  /** Hang up (BYE) `afterMs` after the acknowledgement: the last step of a queue or dial call. */
  hangupAfterMs?: number;
}

export interface CallerScript {
  /** The callvault line (the Request-URI user). */
  line: string;
  /** X-CV-* headers: Flow, Talk, Payment, Agent, Language. */
  headers?: Record<string, string>;
  steps: PhaseStep[];
}

export interface AgentScript {
  /** agent1 or agent2 (the sandbox's endpoints, on fixed ports). */
  agent: 'agent1' | 'agent2';
  /** Ring (180) this long before answering: the caller's time in the queue. */
  answerAfterMs?: number;
  /** Transfer the call (REFER, blind) to this extension `afterMs` after answering. */
  transferTo?: { target: string; afterMs: number };
}

/** The 200 OK to the request just received (MESSAGE, BYE): sipp copies its dialog headers. */
const OK_TO_LAST = `<send><![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:]
[last_Call-ID:]
[last_CSeq:]
Content-Length: 0
]]></send>`;

/** Takes the far end's BYE and answers it: how a party whose call Asterisk ends hangs up. */
const TAKE_BYE = `<recv request="BYE"/>\n${OK_TO_LAST}`;

const SIP_HEADERS = (from: string) => `Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:${from}@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]`;

/**
 * INVITE sip:[service]@asterisk from `from`, then the ACK of its 200: the
 * start of a call a UA places. `mediaPort`: sipp's own media port
 * (`[media_port]`, it sends the pcaps from there) or an RtpSink's, where
 * what Asterisk sends is kept. Telephone-event is offered as 96: see below.
 */
function placeCall(from: string, extraHeaders: string, mediaPort: string): string {
  return `<send retrans="500"><![CDATA[
INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
${SIP_HEADERS(from)}
To: <sip:[service]@[remote_ip]:[remote_port]>
Call-ID: [call_id]
CSeq: 1 INVITE
Contact: <sip:${from}@[local_ip]:[local_port]>
Max-Forwards: 70
${extraHeaders}Content-Type: application/sdp
Content-Length: [len]

v=0
o=${from} 1 1 IN IP[local_ip_type] [media_ip]
s=-
c=IN IP[media_ip_type] [media_ip]
t=0 0
m=audio ${mediaPort} RTP/AVP 0 96
a=rtpmap:0 PCMU/8000
a=rtpmap:96 telephone-event/8000
a=fmtp:96 0-16
a=ptime:20
a=sendrecv
]]></send>
<recv response="100" optional="true"/>
<recv response="180" optional="true"/>
<recv response="183" optional="true"/>
<recv response="200" rtd="true" rrs="true"/>
<send><![CDATA[
ACK [next_url] SIP/2.0
${SIP_HEADERS(from)}
To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
Call-ID: [call_id]
CSeq: 1 ACK
[routes]
Max-Forwards: 70
Contact: <sip:${from}@[local_ip]:[local_port]>
Content-Length: 0
]]></send>`;
}

/** X-CV-* headers, one per line. */
function testHeaders(headers: Record<string, string> = {}): string {
  return Object.entries(headers).map(([k, v]) => `X-CV-${k}: ${v}\n`).join('');
}

/** The caller's scenario: INVITE, then each phase, then the end (BYE received or sent). */
/*
 * RFC 4733 events as sipp 3.6.1's play_dtmf sends them: payload type 96
 * (fixed in that version), 200 ms per key, after 400 ms of filler packets
 * of type 97 that the far end ignores. So the caller offers
 * telephone-event as 96.
 */
export function callerScenario(script: CallerScript, pcap: (tone: number | 'silence', segment: number) => string): string {
  const extra = testHeaders(script.headers);
  const inDialog = (method: string, body: string) => `<send><![CDATA[
${method} [next_url] SIP/2.0
${SIP_HEADERS('caller')}
To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
Call-ID: [call_id]
CSeq: [cseq] ${method}
[routes]
Max-Forwards: 70
Contact: <sip:caller@[local_ip]:[local_port]>
${body ? 'Content-Type: text/plain\n' : ''}Content-Length: [len]

${body}]]></send>`;
  const parts: string[] = [placeCall('caller', extra, '[media_port]')];
  let hungUp = false;
  let segment = 0;
  for (const step of script.steps) {
    parts.push(`<recv request="MESSAGE"><action><ereg regexp="phase=${step.phase}" search_in="body" check_it="true" assign_to="phase"/></action></recv>
${OK_TO_LAST}`);
    if (step.tone !== 'keep') parts.push(`<nop><action><exec play_pcap_audio="${pcap(step.tone, segment++)}"/></action></nop>`);
    if (step.dtmf) parts.push(`<pause milliseconds="${step.dtmf.afterMs}"/>`, `<nop><action><exec play_dtmf="${step.dtmf.keys}"/></action></nop>`);
    if (step.hangupAfterMs !== undefined) {
      parts.push(`<pause milliseconds="${step.hangupAfterMs}"/>`, inDialog('BYE', ''), '<recv response="200" crlf="true"/>');
      hungUp = true;
      break;
    }
  }
  if (!hungUp) {
    parts.push(TAKE_BYE);
  }
  return `<?xml version="1.0" encoding="ISO-8859-1" ?>\n<scenario name="callvault caller">\n${parts.join('\n')}\n</scenario>\n`;
}

/**
 * An agent's scenario: answer the INVITE (SDP pointing at `sinkPort`, where
 * an RtpSink listens), send the agent tone, optionally transfer, then take
 * the BYE. `asterisk` (host:port) names the transfer target: sipp as a UAS
 * has no [remote_ip] of its own.
 */
export function agentScenario(script: AgentScript, tonePcap: string, sinkPort: number, asterisk: string): string {
  const ok = (extra: string, sdp: string) => `<send retrans="500"><![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:];tag=[pid]SIPpTag01[call_number]
[last_Call-ID:]
[last_CSeq:]
Contact: <sip:${script.agent}@[local_ip]:[local_port]>
${extra}Content-Length: [len]
${sdp}]]></send>`;
  // The dialog's two ends, for the REFER (sipp refuses a variable it never uses).
  const capture = script.transferTo ? `
  <action>
    <ereg regexp=".*" search_in="hdr" header="From:" check_it="true" assign_to="remote"/>
    <ereg regexp=".*" search_in="hdr" header="To:" check_it="true" assign_to="local"/>
  </action>
` : '';
  const ringing = script.answerAfterMs === undefined ? '' : `<send><![CDATA[
SIP/2.0 180 Ringing
[last_Via:]
[last_From:]
[last_To:];tag=[pid]SIPpTag01[call_number]
[last_Call-ID:]
[last_CSeq:]
Contact: <sip:${script.agent}@[local_ip]:[local_port]>
Content-Length: 0
]]></send>
<pause milliseconds="${script.answerAfterMs}"/>`;
  // A request of the agent's own in the dialog it answered (REFER, BYE): its tag, the caller's From as To.
  const inDialog = (method: string, extraHeaders: string) => `<send retrans="500"><![CDATA[
${method} [next_url] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: [$local];tag=[pid]SIPpTag01[call_number]
To: [$remote]
Call-ID: [call_id]
CSeq: [cseq] ${method}
[routes]
Max-Forwards: 70
Contact: <sip:${script.agent}@[local_ip]:[local_port]>
${extraHeaders}Content-Length: 0
]]></send>`;
  const parts: string[] = [`<recv request="INVITE" crlf="true" rrs="true">${capture}</recv>${ringing}
${ok('Content-Type: application/sdp\n', `
v=0
o=${script.agent} 1 1 IN IP[local_ip_type] [media_ip]
s=-
c=IN IP[media_ip_type] [media_ip]
t=0 0
m=audio ${sinkPort} RTP/AVP 0 101
a=rtpmap:0 PCMU/8000
a=rtpmap:101 telephone-event/8000
a=fmtp:101 0-16
a=ptime:20
a=sendrecv
`)}
<recv request="ACK" crlf="true"/>
<nop><action><exec play_pcap_audio="${tonePcap}"/></action></nop>`];
  if (script.transferTo) {
    parts.push(`<pause milliseconds="${script.transferTo.afterMs}"/>
${inDialog('REFER', `Refer-To: <sip:${script.transferTo.target}@${asterisk}>\nReferred-By: <sip:${script.agent}@[local_ip]:[local_port]>\n`)}
<recv response="202"/>
<recv request="NOTIFY"><action><ereg regexp="SIP/2.0 100" search_in="body" check_it="true" assign_to="frag"/></action></recv>
${OK_TO_LAST}
<recv request="NOTIFY"><action><ereg regexp="SIP/2.0 200" search_in="body" check_it="true" assign_to="frag"/></action></recv>
${OK_TO_LAST}
${inDialog('BYE', '')}
<recv response="200" crlf="true"/>`);
  } else {
    parts.push(TAKE_BYE);
  }
  // The transferor follows the transfer's NOTIFYs (RFC 3515: a sipfrag of
  // the new call's responses; Asterisk 22 sends "100 Trying", then the final
  // "200 OK" once the target answered, nothing in between) and hangs up
  // itself on the final one (RFC 5589
  // section 6.1): Asterisk never sends it a BYE. A transferor that hung up
  // earlier got the final NOTIFY after its BYE, on the next test's agent.
  return `<?xml version="1.0" encoding="ISO-8859-1" ?>\n<scenario name="callvault ${script.agent}">\n${parts.join('\n')}\n</scenario>\n`;
}

/**
 * The supervisor's phone: dials `spy-<agent>` (or whisper-/barge-), which
 * runs the callvault-monitor gate ([callvault-sip-supervisor] in the
 * sandbox dialplan); what ChanSpy sends goes to `sinkPort`. Asterisk ends
 * the call: at once when the gate refuses, when the spied call ends otherwise.
 */
export function supervisorScenario(headers: Record<string, string>, sinkPort: number): string {
  return `<?xml version="1.0" encoding="ISO-8859-1" ?>\n<scenario name="callvault supervisor">\n${placeCall('supervisor', testHeaders(headers), String(sinkPort))}\n${TAKE_BYE}\n</scenario>\n`;
}

async function freeUdpPort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', () => resolve()));
  const { port } = s.address();
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/** True once something holds 127.0.0.1:port (UDP): sipp is listening. */
async function udpPortTaken(port: number): Promise<boolean> {
  const s = createSocket('udp4');
  const taken = await new Promise<boolean>((resolve) => {
    s.once('error', () => resolve(true));
    s.bind(port, '127.0.0.1', () => resolve(false));
  });
  await new Promise<void>((resolve) => { try { s.close(() => resolve()); } catch { resolve(); } });
  return taken;
}

/** One sipp process and what it logged. */
export class SippProcess {
  readonly #child: ChildProcess;
  readonly exited: Promise<number | null>;
  stderr = '';
  constructor(readonly name: string, readonly dir: string, args: string[]) {
    this.#child = spawn('sipp', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
    this.#child.stderr!.on('data', (d) => { this.stderr += String(d); });
    this.exited = new Promise((resolve) => {
      this.#child.once('exit', (code) => resolve(code));
      this.#child.once('error', (err) => { this.stderr += String(err); resolve(-1); });
    });
  }
  get pid(): number | undefined { return this.#child.pid; }
  /** What went wrong, from sipp's own logs, for an assertion message. */
  report(): string {
    const read = (f: string) => (existsSync(join(this.dir, f)) ? readFileSync(join(this.dir, f), 'utf8') : '');
    const messages = read(`${this.name}.messages.log`);
    return `sipp ${this.name}: ${this.stderr.trim()}\n-- errors:\n${read(`${this.name}.errors.log`).slice(-3000)}\n-- last messages:\n${messages.slice(-4000)}`;
  }
  /** Resolves with sipp's exit code (0: the scenario ran to its end), or fails after `timeoutMs`. */
  async done(timeoutMs: number): Promise<number | null> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => { timer = setTimeout(() => resolve('timeout'), timeoutMs); });
    const r = await Promise.race([this.exited, timeout]);
    clearTimeout(timer);
    if (r === 'timeout') {
      this.kill();
      throw new Error(`sipp ${this.name} did not finish within ${timeoutMs} ms\n${this.report()}`);
    }
    return r;
  }
  kill(): void {
    if (this.#child.exitCode === null && this.#child.signalCode === null) this.#child.kill('SIGKILL');
  }
}

/**
 * The SIP side of a test: tone files, the caller and the agents, and the
 * cleanup of every process it started.
 */
export class SipRig {
  readonly dir = mkdtempSync(join(tmpdir(), 'cv-sip-'));
  readonly #env = sandboxEnv();
  readonly #processes: SippProcess[] = [];
  readonly #sinks: RtpSink[] = [];
  #pcaps = new Map<string, string>();
  #seq = 0;

  get asterisk(): string { return `${this.#env.CALLVAULT_ASTERISK_SIP_HOST}:${this.#env.CALLVAULT_ASTERISK_SIP_PORT}`; }

  /** A tone as the `segment`-th stream of a call (see writeRtpPcap: sequence numbers keep growing). */
  pcap(tone: number | 'silence', segment = 0): string {
    const key = `${tone}-s${segment}`;
    let path = this.#pcaps.get(key);
    if (!path) {
      path = join(this.dir, `tone-${key}.pcap`);
      writeRtpPcap(path, ulawTone(tone === 'silence' ? 0 : tone, TONE_SECONDS), 0x0ca11e55, segment * SEGMENT_PACKETS);
      this.#pcaps.set(key, path);
    }
    return path;
  }

  #common(name: string): string[] {
    return ['-i', '127.0.0.1', '-mi', '127.0.0.1', '-m', '1', '-nostdin', '-aa', '-timeout', '150s', '-timeout_error',
      '-trace_err', '-error_file', join(this.dir, `${name}.errors.log`), '-trace_msg', '-message_file', join(this.dir, `${name}.messages.log`)];
  }

  async #mediaPort(): Promise<number> {
    // sipp binds the media port and the one two above it (video): find a free even pair.
    for (;;) {
      const p = (await freeUdpPort()) & ~1;
      if (!(await udpPortTaken(p)) && !(await udpPortTaken(p + 2))) return p;
    }
  }

  /** Starts an agent that answers the next call Asterisk sends it; resolves once sipp listens. */
  async agent(script: AgentScript): Promise<{ sipp: SippProcess; heard: RtpSink }> {
    const name = `${script.agent}-${++this.#seq}`;
    const sink = new RtpSink();
    this.#sinks.push(sink);
    const sinkPort = await sink.start();
    const file = join(this.dir, `${name}.xml`);
    writeFileSync(file, agentScenario(script, this.pcap(TONES.agent), sinkPort, this.asterisk));
    const port = Number(script.agent === 'agent1' ? this.#env.CALLVAULT_ASTERISK_AGENT1_PORT : this.#env.CALLVAULT_ASTERISK_AGENT2_PORT);
    if (await udpPortTaken(port)) throw new Error(`${script.agent}'s port 127.0.0.1:${port} is taken: another test's agent still runs (or something else holds it)`);
    const sipp = new SippProcess(name, this.dir, ['-sf', file, '-p', String(port), '-mp', String(await this.#mediaPort()), ...this.#common(name)]);
    this.#processes.push(sipp);
    for (const until = Date.now() + 10_000; !(await udpPortTaken(port)); await sleep(50)) {
      if (Date.now() > until) throw new Error(`${script.agent} (sipp) did not listen on ${port}\n${sipp.report()}`);
    }
    return { sipp, heard: sink };
  }

  /** The supervisor asks to listen to `agent`'s live call (`mode` listen, whisper or barge; rawspy: ChanSpy without the gate); resolves once sipp started. */
  async supervise(agent: string, headers: Record<string, string>, mode: 'spy' | 'whisper' | 'barge' | 'rawspy' = 'spy'): Promise<{ sipp: SippProcess; heard: RtpSink }> {
    const name = `supervisor-${++this.#seq}`;
    const sink = new RtpSink();
    this.#sinks.push(sink);
    const file = join(this.dir, `${name}.xml`);
    writeFileSync(file, supervisorScenario(headers, await sink.start()));
    const sipp = new SippProcess(name, this.dir, [this.asterisk, '-sf', file, '-s', `${mode}-${agent}`, '-p', String(await freeUdpPort()), '-mp', String(await this.#mediaPort()), ...this.#common(name)]);
    this.#processes.push(sipp);
    return { sipp, heard: sink };
  }

  /** Places the caller's call; the returned process ends when its scenario does. */
  async call(script: CallerScript): Promise<SippProcess> {
    const name = `caller-${++this.#seq}`;
    const file = join(this.dir, `${name}.xml`);
    writeFileSync(file, callerScenario(script, (t, segment) => this.pcap(t, segment)));
    const sipp = new SippProcess(name, this.dir, [this.asterisk, '-sf', file, '-s', script.line, '-p', String(await freeUdpPort()), '-mp', String(await this.#mediaPort()), ...this.#common(name)]);
    this.#processes.push(sipp);
    return sipp;
  }

  /** Kills what is still running (by pid) and removes the files. */
  async close(): Promise<void> {
    for (const p of this.#processes) p.kill();
    await Promise.all(this.#processes.map((p) => p.exited));
    await Promise.all(this.#sinks.map((s) => s.close()));
    if (!process.env.CALLVAULT_E2E_KEEP) rmSync(this.dir, { recursive: true, force: true });
  }
}
