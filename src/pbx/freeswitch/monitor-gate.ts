/**
 * The live-listening gate on FreeSWITCH, protocol side: the supervisor's
 * outbound socket (CALLVAULT_ACTION=monitor, extension callvault-monitor)
 * as a MonitorRequest, and the eavesdrop settings for the mode the gate
 * allowed.
 *
 * The daemon runs `eavesdrop` itself, on that socket, only after the gate
 * said allow: nothing in the dialplan spies, so a daemon that is down,
 * refuses or does not answer means no listening (fails closed). Running it
 * there also makes the audited start and end the application's own
 * CHANNEL_EXECUTE / CHANNEL_EXECUTE_COMPLETE (eavesdrop fires no event of
 * its own: switch_ivr_eavesdrop_session), and the audited mode the real
 * one: DTMF mode changes are turned off (eavesdrop_enable_dtmf=false),
 * since by default a supervisor's key 2 or 3 turns listening into talking.
 */
import type { MonitorMode, MonitorRequest } from '../call-control.js';
import type { ChannelData } from './esl-outbound-server.js';

const MODES: readonly MonitorMode[] = ['listen', 'whisper', 'barge'];

function variable(data: ChannelData, name: string): string | null {
  const v = data.event.variable(name);
  return v === undefined || v === '' ? null : v;
}

/**
 * The request, or the reason it cannot be one (a malformed gate call is
 * refused: without a supervisor id nothing could be audited).
 */
export function monitorRequestOf(data: ChannelData, receivedAt: number): MonitorRequest | { invalid: string } {
  const supervisor = variable(data, 'CALLVAULT_SUPERVISOR');
  if (supervisor === null) return { invalid: 'no-supervisor' };
  const agent = variable(data, 'CALLVAULT_MONITOR_AGENT');
  const channel = variable(data, 'CALLVAULT_MONITOR_CHANNEL');
  const mode = (variable(data, 'CALLVAULT_MONITOR_MODE') ?? 'listen') as MonitorMode;
  if (!MODES.includes(mode)) return { invalid: 'bad-mode' };
  const target = agent !== null ? { kind: 'agent' as const, agent } : channel !== null ? { kind: 'channel' as const, channel } : null;
  if (target === null) return { invalid: 'no-target' };
  return { pbx: 'freeswitch', supervisor, supervisorCallId: data.uuid, target, mode, receivedAt };
}

/**
 * eavesdrop's variables for a mode (mod_dptools eavesdrop_function): on the
 * agent's leg, whisper_aleg mixes the supervisor into what the agent leg
 * reads (the caller hears it), whisper_bleg into what it is sent (the
 * agent hears it). Each is set explicitly, so an integrator's own value
 * cannot widen the mode that was audited.
 */
export function eavesdropSets(mode: MonitorMode): string[] {
  const toAgent = mode === 'whisper' || mode === 'barge';
  const toCaller = mode === 'barge';
  return ['eavesdrop_enable_dtmf=false', `eavesdrop_whisper_bleg=${toAgent}`, `eavesdrop_whisper_aleg=${toCaller}`];
}
