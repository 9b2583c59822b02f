/**
 * One SIP test call on the sandbox Asterisk, followed from both ends: the
 * sipp caller (sip-ua.ts) places it, a test-side AMI client follows the
 * phases the sandbox dialplan announces (UserEvent CallvaultTestPhase with
 * the call's X-CV-Test id) and reads the callvault variables on the
 * caller's channel once consent is over, as the Local-channel harness does.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { AmiClient } from '../../../src/pbx/asterisk/ami-client.js';
import { silentLogger } from '../../../src/log/logger.js';
import { sandboxEnv } from './call-harness.js';
import { SipRig, type CallerScript } from './sip-ua.js';

export interface SipCallResult {
  /** The caller's PJSIP channel: its Uniqueid, Linkedid (the call's key) and name. */
  uniqueid: string;
  linkedid: string;
  channel: string;
  phases: string[];
  /** CALLVAULT_* on the caller's channel, read in the first phase after consent. */
  vars: Record<string, string>;
  /** sipp's exit code: 0 when the caller's scenario ran to its end. */
  sippExit: number | null;
}

const VARS = ['CALLVAULT_DECISION', 'CALLVAULT_CONSENT', 'CALLVAULT_RECORDING_ID', 'CALLVAULT_REASON'];

export class SipCalls {
  readonly ami: AmiClient;
  constructor(readonly rig: SipRig) {
    const env = sandboxEnv();
    this.ami = new AmiClient({
      host: env.CALLVAULT_ASTERISK_AMI_HOST!, port: Number(env.CALLVAULT_ASTERISK_AMI_PORT), username: env.CALLVAULT_ASTERISK_AMI_USER!, secret: env.CALLVAULT_ASTERISK_AMI_SECRET!,
      logger: silentLogger, heartbeat: false,
    });
  }
  async start(): Promise<void> { this.ami.start(); await this.ami.waitConnected(15_000); }
  async stop(): Promise<void> { await this.ami.stop(); }

  /** A new rig and a follower connected to the sandbox's AMI: what a SIP test (or the demo) starts with. */
  static async open(): Promise<SipCalls> {
    const calls = new SipCalls(new SipRig());
    try {
      await calls.start();
    } catch (err) {
      await calls.close();
      throw err;
    }
    return calls;
  }

  /** Stops following and kills what the rig started (by pid). */
  async close(): Promise<void> {
    await this.stop();
    await this.rig.close();
  }

  /**
   * Places `script` with the daemon at `agiPort` and resolves once the
   * caller's channel hung up and sipp ended. `varsAt` is the phase at which
   * the callvault variables are read (default: the one after consent).
   */
  async place(script: CallerScript, agiPort: number, opts: { timeoutMs?: number; varsAt?: string } = {}): Promise<SipCallResult> {
    const test = `cvs-${randomBytes(6).toString('hex')}`;
    const result: SipCallResult = { uniqueid: '', linkedid: '', channel: '', phases: [], vars: {}, sippExit: null };
    const reads: Promise<void>[] = [];
    const varsAt = opts.varsAt ?? script.steps[1]?.phase;
    let hungUp: Promise<unknown> | null = null;
    const offPhase = this.ami.onEvent('UserEvent', (e) => {
      if (e.fields.UserEvent !== 'CallvaultTestPhase' || e.fields.Test !== test) return;
      const phase = e.fields.Phase ?? '';
      result.phases.push(phase);
      if (!result.uniqueid) {
        result.uniqueid = e.fields.Uniqueid ?? '';
        result.linkedid = e.fields.Linkedid ?? '';
        result.channel = e.fields.Channel ?? '';
        hungUp = this.ami.waitForEvent('Hangup', (h) => h.fields.Uniqueid === result.uniqueid, opts.timeoutMs ?? 150_000);
      }
      if (phase === varsAt) {
        reads.push((async () => {
          for (const v of VARS) result.vars[v] = await this.ami.getvar(e.fields.Channel!, v).catch(() => '');
        })());
      }
    });
    try {
      // X-CV-AGI: this test's daemon, inherited by the agent legs (sandbox dialplan).
      const sipp = await this.rig.call({ ...script, headers: { Test: test, AGI: String(agiPort), ...(script.headers ?? {}) } });
      result.sippExit = await sipp.done(opts.timeoutMs ?? 150_000);
      assert.ok(hungUp, `the sandbox never announced a phase for SIP call ${test}\n${sipp.report()}`);
      await hungUp;
      await Promise.all(reads);
      assert.equal(result.sippExit, 0, `the caller's scenario did not run to its end\n${sipp.report()}`);
    } finally {
      offPhase();
    }
    return result;
  }
}
