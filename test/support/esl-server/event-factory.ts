/**
 * Builds events with FreeSWITCH's header names and order: the delivery
 * headers switch_event_prep_for_delivery adds when the event is created
 * (Event-Name first, then Core-UUID ... Event-Sequence), then the channel's
 * data as switch_channel_event_set_data writes it (Channel-*, Unique-ID,
 * Caller-* from the caller profile, then variable_* for the event types that
 * carry variables), then the event's own headers.
 */
import type { EslHeader } from '../../../src/pbx/freeswitch/esl-frame.js';
import { EslEvent } from '../../../src/pbx/freeswitch/esl-event.js';

export interface CoreIdentity {
  coreUuid: string;
  readonly hostname: string;
  readonly ipv4: string;
  readonly ipv6: string;
}

/** Where FreeSWITCH fires each event from (Event-Calling-File / -Function / -Line-Number). */
const ORIGIN: Readonly<Record<string, readonly [string, string, number]>> = {
  CHANNEL_CREATE: ['switch_core_state_machine.c', 'switch_core_session_run', 627],
  CHANNEL_DATA: ['mod_event_socket.c', 'parse_command', 2016],
  CHANNEL_PARK: ['switch_ivr.c', 'switch_ivr_park', 993],
  CHANNEL_ANSWER: ['switch_channel.c', 'switch_channel_perform_mark_answered', 3993],
  CHANNEL_EXECUTE: ['switch_core_session.c', 'switch_core_session_exec', 2942],
  CHANNEL_EXECUTE_COMPLETE: ['switch_core_session.c', 'switch_core_session_exec', 2975],
  CHANNEL_HANGUP: ['switch_channel.c', 'switch_channel_perform_hangup', 3447],
  CHANNEL_HANGUP_COMPLETE: ['switch_core_state_machine.c', 'switch_core_session_reporting_state', 950],
  CHANNEL_DESTROY: ['switch_core_session.c', 'switch_core_session_perform_destroy', 1675],
  DTMF: ['switch_channel.c', 'switch_channel_dequeue_dtmf', 553],
  RECORD_START: ['switch_ivr_async.c', 'record_callback', 1233],
  RECORD_STOP: ['switch_ivr_async.c', 'record_callback', 1360],
  BACKGROUND_JOB: ['mod_event_socket.c', 'api_exec', 1564],
  PRIVATE_COMMAND: ['switch_ivr.c', 'switch_ivr_parse_next_event', 843],
};

/**
 * The events switch_channel_event_set_data copies the channel variables into
 * (the rest carry them only with verbose_events=true).
 */
export const VERBOSE_EVENTS = new Set([
  'CHANNEL_CREATE',
  'CHANNEL_ORIGINATE',
  'CHANNEL_UUID',
  'CHANNEL_ANSWER',
  'CHANNEL_PARK',
  'CHANNEL_UNPARK',
  'CHANNEL_BRIDGE',
  'CHANNEL_UNBRIDGE',
  'CHANNEL_PROGRESS',
  'CHANNEL_PROGRESS_MEDIA',
  'CHANNEL_HANGUP',
  'CHANNEL_HANGUP_COMPLETE',
  'CHANNEL_APPLICATION',
  'CHANNEL_HOLD',
  'CHANNEL_UNHOLD',
  'CHANNEL_DATA',
  'CHANNEL_EXECUTE',
  'CHANNEL_EXECUTE_COMPLETE',
  'RECORD_START',
  'RECORD_STOP',
  'PLAYBACK_START',
  'PLAYBACK_STOP',
  'CALL_DETAIL',
]);

let sequence = 0;

function pad(n: number, w = 2): string {
  return String(n).padStart(w, '0');
}

/** The header set every event gets at creation. */
export function deliveryHeaders(core: CoreIdentity, name: string, nowMs = Date.now()): EslHeader[] {
  const d = new Date(nowMs);
  const local = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  const [file, func, line] = ORIGIN[name] ?? ['switch_event.c', 'switch_event_fire_detailed', 2000];
  sequence++;
  return [
    ['Event-Name', name],
    ['Core-UUID', core.coreUuid],
    ['FreeSWITCH-Hostname', core.hostname],
    ['FreeSWITCH-Switchname', core.hostname],
    ['FreeSWITCH-IPv4', core.ipv4],
    ['FreeSWITCH-IPv6', core.ipv6],
    ['Event-Date-Local', local],
    ['Event-Date-GMT', d.toUTCString()],
    ['Event-Date-Timestamp', String(nowMs * 1000)],
    ['Event-Calling-File', file],
    ['Event-Calling-Function', func],
    ['Event-Calling-Line-Number', String(line)],
    ['Event-Sequence', String(sequence)],
  ];
}

/** What an event needs to know about a channel to describe it. */
export interface ChannelView {
  readonly uuid: string;
  readonly callUuid: string;
  readonly name: string;
  readonly direction: 'inbound' | 'outbound';
  readonly state: string;
  readonly stateNumber: number;
  readonly callState: string;
  readonly answerState: string;
  readonly callerName: string;
  readonly callerNumber: string;
  readonly networkAddr: string;
  readonly destination: string;
  readonly context: string;
  readonly createdUs: number;
  readonly answeredUs: number;
  readonly hangupUs: number;
  readonly variables: ReadonlyMap<string, string>;
}

/** switch_caller_profile_event_set_data: the caller profile under a prefix (`Caller`, or `Channel` in the connect reply). */
export function callerProfileHeaders(ch: ChannelView, prefix: string): EslHeader[] {
  return [
    [`${prefix}-Direction`, ch.direction],
    [`${prefix}-Logical-Direction`, ch.direction],
    [`${prefix}-Username`, ch.callerNumber],
    [`${prefix}-Dialplan`, 'XML'],
    [`${prefix}-Caller-ID-Name`, ch.callerName],
    [`${prefix}-Caller-ID-Number`, ch.callerNumber],
    [`${prefix}-Orig-Caller-ID-Name`, ch.callerName],
    [`${prefix}-Orig-Caller-ID-Number`, ch.callerNumber],
    [`${prefix}-Network-Addr`, ch.networkAddr],
    [`${prefix}-ANI`, ch.callerNumber],
    [`${prefix}-Destination-Number`, ch.destination],
    [`${prefix}-Unique-ID`, ch.uuid],
    [`${prefix}-Source`, 'mod_sofia'],
    [`${prefix}-Context`, ch.context],
    [`${prefix}-Channel-Name`, ch.name],
    [`${prefix}-Profile-Index`, '1'],
    [`${prefix}-Profile-Created-Time`, String(ch.createdUs)],
    [`${prefix}-Channel-Created-Time`, String(ch.createdUs)],
    [`${prefix}-Channel-Answered-Time`, String(ch.answeredUs)],
    [`${prefix}-Channel-Progress-Time`, '0'],
    [`${prefix}-Channel-Progress-Media-Time`, '0'],
    [`${prefix}-Channel-Hangup-Time`, String(ch.hangupUs)],
    [`${prefix}-Channel-Transfer-Time`, '0'],
    [`${prefix}-Channel-Resurrect-Time`, '0'],
    [`${prefix}-Channel-Bridged-Time`, '0'],
    [`${prefix}-Channel-Last-Hold`, '0'],
    [`${prefix}-Channel-Hold-Accum`, '0'],
    [`${prefix}-Screen-Bit`, 'true'],
    [`${prefix}-Privacy-Hide-Name`, 'false'],
    [`${prefix}-Privacy-Hide-Number`, 'false'],
  ];
}

/** switch_channel_event_set_data. */
export function channelHeaders(ch: ChannelView, withVariables: boolean): EslHeader[] {
  const headers: EslHeader[] = [
    ['Channel-State', ch.state],
    ['Channel-Call-State', ch.callState],
    ['Channel-State-Number', String(ch.stateNumber)],
    ['Channel-Name', ch.name],
    ['Unique-ID', ch.uuid],
    ['Call-Direction', ch.direction],
    ['Presence-Call-Direction', ch.direction],
    ['Channel-HIT-Dialplan', 'true'],
    ['Channel-Call-UUID', ch.callUuid],
    ['Answer-State', ch.answerState],
    ['Channel-Read-Codec-Name', 'PCMA'],
    ['Channel-Read-Codec-Rate', '8000'],
    ['Channel-Read-Codec-Bit-Rate', '64000'],
    ['Channel-Write-Codec-Name', 'PCMA'],
    ['Channel-Write-Codec-Rate', '8000'],
    ['Channel-Write-Codec-Bit-Rate', '64000'],
    ...callerProfileHeaders(ch, 'Caller'),
  ];
  if (withVariables) for (const [k, v] of ch.variables) headers.push([`variable_${k}`, v]);
  return headers;
}

export interface EventSpec {
  readonly channel?: ChannelView;
  readonly headers?: readonly EslHeader[];
  readonly body?: string | null;
}

export function buildEvent(core: CoreIdentity, name: string, spec: EventSpec = {}): EslEvent {
  const headers = deliveryHeaders(core, name);
  if (spec.channel) headers.push(...channelHeaders(spec.channel, VERBOSE_EVENTS.has(name)));
  if (spec.headers) headers.push(...spec.headers);
  return new EslEvent(headers, spec.body ?? null);
}
