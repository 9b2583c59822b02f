/**
 * Plays the FreeSWITCH side for bench/capacity.ts (`--pbx freeswitch`), over
 * real sockets. It is the test FreeSWITCH (test/support/esl-server: the
 * Event Socket written from mod_event_socket's source, the `socket`
 * application, uuid_record with its mask, WAV files at the paths the daemon
 * gives), running callvault's own dialplan (dialplan/freeswitch/callvault.xml)
 * from a bench context that holds each call for its whole duration. What the
 * real FreeSWITCH puts on the wire per call was measured on the sandbox
 * (bench/freeswitch-call-shape.json, bench/freeswitch-shape.ts); the fake
 * carries the same number of channel variables of the same sizes, so its
 * events weigh what real ones do, and `checkShape` compares the two.
 *
 * Latencies are read on the fake's clock, from the events it fires (as
 * bench/call-latency-freeswitch.ts reads the real FreeSWITCH's): consent is
 * the consent socket starting to the notice playing; pause is the
 * payment-enter socket starting to the daemon's `set CALLVAULT_PAUSE=confirmed`
 * (it sends it once FreeSWITCH answered `+OK` to `uuid_record ... mask`).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FakeFreeSwitch } from '../test/support/esl-server/index.js';
import type { EslEvent } from '../src/pbx/freeswitch/esl-event.js';
import { BENCH_PROMPTS, padVariables, promptFiles, type FsBenchPlayer, type FsShape, type FsTally } from './support/freeswitch-bench-shape.js';

export { BENCH_PROMPTS, loadShape, padVariables, type FsShape, type FsTally } from './support/freeswitch-bench-shape.js';

const repo = fileURLToPath(new URL('../', import.meta.url));

/**
 * A call in the bench context: consent, talk, the payment (recorded calls
 * only: callvault-payment-pause checks CALLVAULT_RECORDING_ID), talk, hangup.
 * `bench_pay` leaves the payment out of a call whose payment was before the
 * step started (the compressed ramp). Each check after a socket is its own
 * extension, as callvault.xml's header explains.
 */
export const BENCH_DIALPLAN = `<include>
  <context name="callvault-bench">
    <extension name="bench">
      <condition field="destination_number" expression="^bench$">
        <action application="answer"/>
        <action application="execute_extension" data="callvault-consent XML callvault"/>
        <action application="playback" data="silence_stream://\${bench_talk1_ms}"/>
        <action application="execute_extension" data="bench-pay XML callvault-bench"/>
        <action application="playback" data="silence_stream://\${bench_talk2_ms}"/>
        <action application="hangup"/>
      </condition>
    </extension>
    <extension name="bench-pay">
      <condition field="destination_number" expression="^bench-pay$"/>
      <condition field="\${bench_pay}" expression="^yes$">
        <action application="execute_extension" data="callvault-payment-enter XML callvault"/>
        <action application="playback" data="silence_stream://\${bench_pay_ms}"/>
        <action application="execute_extension" data="callvault-payment-exit XML callvault"/>
      </condition>
    </extension>
  </context>
</include>`;

interface CallState { steps?: Array<[string, number]>; parkedAt?: number; consentAt: number | null; consentMeasured: boolean; payAt: number | null; payMeasured: boolean; confirmed: boolean; recorded: boolean; durationS: number }

export class FsPlayer implements FsBenchPlayer {
  readonly fs: FakeFreeSwitch;
  readonly #calls = new Map<string, CallState>();
  #tally: FsTally | null = null;
  readonly #pad: Record<string, string>;

  constructor(opts: { outboundPort: number; noticeMs: number; shape: FsShape }) {
    const files = promptFiles(opts.noticeMs);
    this.#pad = padVariables(opts.shape);
    this.fs = new FakeFreeSwitch({
      files,
      // Media time in 20 ms steps, a frame at 20 ms ptime: a parked socket sees a
      // queued sendmsg at its next frame (switch_ivr_park reads a frame, then
      // parses the private events), so this step is part of what the caller waits.
      tickMs: 20,
      // Playbacks (the notice, and the minutes of talk) step by 100 ms: nothing is queued for the channel meanwhile.
      playbackTickMs: 100,
      writeRecordings: true,
      // The growing file in 100 ms appends (the daemon reads its length at mask and waits for 240 ms more before an unmask).
      recordingFrameMs: 100,
      // At hangup, append the rest and fix the header (libsndfile does the same at close), not a whole re-render.
      finishGrownFile: true,
      keepHistory: false,
      onEvent: (ev) => this.#seen(ev),
      onCommand: (line, uuid) => {
        const c = uuid === null ? undefined : this.#calls.get(uuid);
        if (c !== undefined && c.consentAt !== null) (c.steps ??= []).push([line.split(' ')[0]!, performance.now()]);
      },
      globals: { CALLVAULT_SOCKET: `127.0.0.1:${opts.outboundPort}` },
      dialplan: [
        readFileSync(join(repo, 'dialplan/freeswitch/callvault.xml'), 'utf8'),
        BENCH_DIALPLAN,
      ],
    });
  }

  get port(): number { return this.fs.port; }
  get eventsWritten(): number { return this.fs.eventsWritten; }
  get bytesWritten(): number { return this.fs.bytesWritten; }

  async start(tally: FsTally): Promise<void> {
    this.#tally = tally;
    await this.fs.start();
  }

  /** One call of `durationS`, entering the step `ageS` into its life; resolves at its hangup. */
  async call(durationS: number, ageS: number, paymentS: number): Promise<void> {
    const payAt = durationS / 2;
    const pay = ageS < payAt;
    const talk1 = pay ? payAt - ageS : 0;
    const talk2 = pay ? durationS - payAt - paymentS : durationS - ageS;
    const { channel, done } = this.fs.runDialplan({
      callerNumber: `+3361${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`,
      destination: 'bench',
      context: 'callvault-bench',
      variables: {
        ...this.#pad,
        CALLVAULT_LINE: 'bench',
        CALLVAULT_AGENT: `agent-${Math.floor(Math.random() * 2000)}`,
        bench_pay: pay ? 'yes' : 'no',
        bench_talk1_ms: String(Math.max(100, Math.round(talk1 * 1000))),
        bench_pay_ms: String(paymentS * 1000),
        bench_talk2_ms: String(Math.max(100, Math.round(talk2 * 1000))),
      },
    });
    this.#calls.set(channel.uuid, { consentAt: null, consentMeasured: false, payAt: null, payMeasured: false, confirmed: false, recorded: false, durationS });
    await done;
  }

  #seen(ev: EslEvent): void {
    const t = this.#tally;
    const uuid = ev.uuid;
    if (t === null || uuid === undefined) return;
    const c = this.#calls.get(uuid);
    if (c === undefined) return;
    const name = ev.name;
    if (name === 'CHANNEL_PARK' && c.consentAt !== null && c.parkedAt === undefined) c.parkedAt = performance.now();
    if (name === 'CHANNEL_EXECUTE') {
      const app = ev.get('Application');
      const data = ev.get('Application-Data') ?? '';
      if (app === 'socket') {
        const action = ev.variable('CALLVAULT_ACTION');
        if (action === 'consent') { c.consentAt = performance.now(); c.consentMeasured = t.measuring; }
        else if (action === 'payment-enter') { c.payAt = performance.now(); c.payMeasured = t.measuring; }
      } else if (app === 'playback' && c.consentAt !== null && data.startsWith(`${BENCH_PROMPTS}/`)) {
        if (c.consentMeasured && t.measuring) {
          t.consent.push(performance.now() - c.consentAt);
          (t.consentConnect ??= []).push((c.parkedAt ?? Number.NaN) - c.consentAt);
          let prev = c.consentAt;
          const steps = [['park', c.parkedAt ?? prev] as [string, number], ...(c.steps ?? []), ['playing', performance.now()] as [string, number]]
            .map(([n, at]) => { const d = at - prev; prev = at; return `${n} +${d.toFixed(1)}`; }).join(' ');
          (t.consentSteps ??= []).push({ total: performance.now() - c.consentAt, steps });
        }
        c.consentAt = null;
      } else if (app === 'set') {
        if (data === 'CALLVAULT_PAUSE=confirmed' && c.payAt !== null) {
          if (c.payMeasured && t.measuring) t.pause.push(performance.now() - c.payAt);
          c.confirmed = true;
        } else if (data === 'CALLVAULT_DECISION=record') { c.recorded = true; t.recorded++; }
      }
    } else if (name === 'CHANNEL_HANGUP_COMPLETE') {
      if (c.payAt !== null && !c.confirmed && c.payMeasured && t.measuring) t.pauseFailed++;
      if (c.recorded && t.measuring) t.audioLandedS += c.durationS;
      this.#calls.delete(uuid);
    }
  }

  async close(): Promise<void> {
    await this.fs.stop();
  }
}
