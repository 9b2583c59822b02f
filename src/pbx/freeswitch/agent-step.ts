/**
 * The agent step on FreeSWITCH, protocol side: what the agent leg's outbound
 * socket (CALLVAULT_ACTION=agent, run by bridge's `group_confirm_key=exec`
 * before the bridge, see dialplan/freeswitch/callvault.xml) tells us, turned
 * into an AgentLeg, and how an AgentAnswer is applied to that leg: the
 * notice played there only, the periodic beep mixed into what the agent
 * hears, the outcome variables. The decision is the session's.
 *
 * Why group_confirm exec and not execute_on_answer: the confirm thread of
 * switch_ivr_originate.c (collect_thread_run) runs the application on the
 * B-leg and the originate waits for it (CF_WINNER) before bridging, so the
 * notice plays to the agent alone and is over before the caller is
 * connected. execute_on_answer runs from the answer path while the
 * originate goes on to the bridge: the notice would race the bridge.
 */
import type { AgentLeg, AgentNotice } from '../call-control.js';
import type { ChannelData } from './esl-outbound-server.js';

/** The beep of the agent notice and of the periodic beep: a tone FreeSWITCH generates (mod_tone_stream), apart from the tests' 440/600/1000 Hz. */
export const AGENT_BEEP_HZ = 1400;
const BEEP_MS = 300;
const PERIODIC_BEEP_MS = 200;

/** Unset or empty is "not given". */
function variable(data: ChannelData, name: string): string | null {
  const v = data.event.variable(name);
  return v === undefined || v === '' ? null : v;
}

/**
 * The agent leg's facts, except the caller's key when mod_callcenter placed
 * the leg (`memberUuid`): mod_callcenter originates agents without a session
 * (switch_ivr_originate(NULL, ...)), so the agent leg's Channel-Call-UUID is
 * its own; the member's leg is named by `cc_member_session_uuid` instead, and
 * the adapter reads that leg's call_uuid. A bridge from the caller's leg
 * copies the caller's call_uuid to the B-leg when it creates it
 * (switch_ivr_originate.c), so Channel-Call-UUID is the key there.
 */
export function agentLegOf(data: ChannelData, receivedAt: number): { leg: AgentLeg; memberUuid: string | null } | null {
  const agent = variable(data, 'CALLVAULT_AGENT') ?? variable(data, 'cc_agent');
  if (agent === null) return null;
  const memberUuid = variable(data, 'cc_member_session_uuid');
  return {
    leg: { pbx: 'freeswitch', linkedId: data.callUuid, agent, callId: data.uuid, channel: data.uuid, language: variable(data, 'CALLVAULT_AGENT_LANGUAGE'), receivedAt },
    memberUuid: memberUuid !== null && /^[0-9A-Za-z-]+$/.test(memberUuid) ? memberUuid : null,
  };
}

/** What `playback` plays on the agent leg for a notice. */
export function noticeFile(notice: AgentNotice, promptPrefix: string): string {
  if (notice.kind === 'beep') return `tone_stream://%(${BEEP_MS},0,${AGENT_BEEP_HZ})`;
  return `${promptPrefix}/${notice.language}/${notice.prompt}.wav`;
}

/**
 * The periodic beep as a displace source: one beep then silence, every
 * `seconds`, looped by the tone generator itself (`loops=-1`). Mixed (`mux`)
 * into what the agent leg is sent, so the agent hears it over the caller;
 * it is not in the caller's recording, which records the caller's own leg.
 */
export function periodicBeepFile(seconds: number): string {
  const s = Math.max(1, Math.round(seconds));
  return `tone_stream://%(${PERIODIC_BEEP_MS},${s * 1000 - PERIODIC_BEEP_MS},${AGENT_BEEP_HZ});loops=-1`;
}

/**
 * The variables left on the agent leg. CALLVAULT_RECORDING_ID marks the leg
 * that records (the payment extensions and the restart inventory look for
 * it), so on the agent leg the recording's id is CALLVAULT_AGENT_RECORDING_ID.
 * CALLVAULT_AGENT_DECISION comes last: the commit marker the dialplan reads.
 */
export function agentLegSets(vars: Readonly<Record<string, string>>): string[] {
  const renamed = Object.entries(vars).map(([k, v]): [string, string] => [k === 'CALLVAULT_RECORDING_ID' ? 'CALLVAULT_AGENT_RECORDING_ID' : k, v]);
  const marker = renamed.filter(([k]) => k === 'CALLVAULT_AGENT_DECISION');
  return [...renamed.filter(([k]) => k !== 'CALLVAULT_AGENT_DECISION'), ...marker].map(([k, v]) => `${k}=${v}`);
}
