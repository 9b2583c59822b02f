/**
 * Live-listening sessions ("double écoute") from the gate to their end, and
 * their trace in the audit chain: one `monitor` row when the gate answers
 * (allowed or refused) and one when the listening ends (the PBX's
 * ChanSpyStop / eavesdrop end, or the supervisor's hangup). Supervisor and
 * agent appear only as keyed hashes; the call as its Linkedid.
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from '../log/logger.js';
import type { KeyedHasher } from '../privacy/keyed-hash.js';
import type { MonitorMode, MonitorRefusal } from '../pbx/call-control.js';

/** Where monitor rows go (the index's audit chain in `run`). */
export interface MonitorAudit {
  append(row: { actor: string; action: 'monitor'; reason: string; details: Record<string, unknown>; at: Date }): void;
}

interface Open {
  readonly monitorId: string;
  readonly supervisorHash: string;
  readonly agentHash: string | null;
  readonly linkedId: string | null;
  readonly mode: MonitorMode;
  readonly startedAt: number;
  spying: boolean;
  /** Allowed by the callvault-monitor gate, or seen only as the PBX's spy event (a dialplan without the gate). */
  readonly via: 'gate' | 'ungated';
}

export class MonitorRegister {
  readonly #open = new Map<string, Open>();
  readonly #audit: MonitorAudit | undefined;
  readonly #hasher: KeyedHasher;
  readonly #log: Logger;
  readonly #now: () => number;

  constructor(hasher: KeyedHasher, log: Logger, now: () => number, audit?: MonitorAudit) {
    this.#hasher = hasher;
    this.#log = log;
    this.#now = now;
    this.#audit = audit;
  }

  /** Sessions allowed and not ended yet (for status). */
  get active(): number { return this.#open.size; }

  #write(reason: string, o: { supervisorHash: string; agentHash: string | null; linkedId: string | null; mode: MonitorMode; monitorId?: string }, extra: Record<string, unknown>): void {
    try {
      this.#audit?.append({
        actor: `supervisor:${o.supervisorHash.slice(0, 16)}`, action: 'monitor', reason, at: new Date(this.#now()),
        details: { monitorId: o.monitorId, supervisor: o.supervisorHash, agent: o.agentHash, call: o.linkedId, mode: o.mode, ...extra },
      });
    } catch (err) {
      // The gate already answered; a lost row is reported loudly, the call is not touched.
      this.#log.error({ err }, 'monitor: cannot write the audit row');
    }
  }

  allowed(supervisor: string, supervisorCallId: string, agent: string | null, linkedId: string, mode: MonitorMode): string {
    const monitorId = randomBytes(8).toString('hex');
    const o: Open = {
      monitorId, supervisorHash: this.#hasher.hex('agent', supervisor), agentHash: agent === null ? null : this.#hasher.hex('agent', agent),
      linkedId, mode, startedAt: this.#now(), spying: false, via: 'gate',
    };
    this.#open.set(supervisorCallId, o);
    this.#write('allowed', o, { phase: 'start', start: new Date(o.startedAt).toISOString() });
    this.#log.info({ monitorId, mode }, 'monitor: allowed');
    return monitorId;
  }

  refused(supervisor: string, agent: string | null, linkedId: string | null, mode: MonitorMode, reason: MonitorRefusal): void {
    const o = { supervisorHash: this.#hasher.hex('agent', supervisor), agentHash: agent === null ? null : this.#hasher.hex('agent', agent), linkedId, mode };
    this.#write(`refused: ${reason}`, o, { phase: 'refused' });
    this.#log.info({ reason, mode }, 'monitor: refused');
  }

  /**
   * The PBX says the spying began (ChanSpyStart): the audit's end row will
   * say so. A spy the gate never allowed (a site's ChanSpy without
   * callvault-monitor) is written too, as `ungated`, with the device that
   * listened and the call when callvault knows it: every listening is
   * traced, gated or not.
   */
  started(supervisorCallId: string, ungated?: { device: string | undefined; agent: string | null; linkedId: string }): void {
    const o = this.#open.get(supervisorCallId);
    if (o) { o.spying = true; return; }
    if (ungated === undefined) return;
    const u: Open = {
      monitorId: randomBytes(8).toString('hex'), supervisorHash: this.#hasher.hex('agent', ungated.device ?? 'unknown-device'),
      agentHash: ungated.agent === null ? null : this.#hasher.hex('agent', ungated.agent), linkedId: ungated.linkedId,
      mode: 'listen', startedAt: this.#now(), spying: true, via: 'ungated',
    };
    this.#open.set(supervisorCallId, u);
    this.#write('ungated: no callvault-monitor gate', u, { phase: 'start', start: new Date(u.startedAt).toISOString(), via: 'ungated' });
    this.#log.warn({ monitorId: u.monitorId }, 'monitor: live listening started without the callvault-monitor gate');
  }

  /** ChanSpyStop, or the supervisor's leg hung up: writes the end row once. */
  ended(supervisorCallId: string): void {
    const o = this.#open.get(supervisorCallId);
    if (!o) return;
    this.#open.delete(supervisorCallId);
    const end = this.#now();
    this.#write('ended', o, { phase: 'end', start: new Date(o.startedAt).toISOString(), end: new Date(end).toISOString(), spyStarted: o.spying, ...(o.via === 'ungated' ? { via: 'ungated' } : {}) });
    this.#log.info({ monitorId: o.monitorId, ms: Math.round(end - o.startedAt) }, 'monitor: ended');
  }
}
