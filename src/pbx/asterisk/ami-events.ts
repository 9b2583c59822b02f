/**
 * Typed views of the AMI events callvault reads, as Asterisk 22 writes them
 * (captured in test/vectors/asterisk/, documented in core-en_US.xml). A view
 * holds the first value of each header; the full message, with repeated
 * headers, stays available as `event.message`. Fields marked optional are
 * absent in some versions or situations.
 */
import type { AmiMessage } from './ami-frame.js';

/** The channel snapshot Asterisk puts in every channel event (manager_channels.c). */
export interface ChannelSnapshotFields {
  readonly Channel: string;
  readonly ChannelState: string;
  readonly ChannelStateDesc: string;
  /** Personal data: never log. */
  readonly CallerIDNum: string;
  readonly CallerIDName: string;
  readonly ConnectedLineNum: string;
  readonly ConnectedLineName: string;
  readonly Language: string;
  readonly AccountCode: string;
  readonly Context: string;
  /** May be a dialled number: never log. */
  readonly Exten: string;
  readonly Priority: string;
  readonly Uniqueid: string;
  readonly Linkedid: string;
}

export interface AmiEventFieldMap {
  readonly FullyBooted: { readonly Status: string; readonly Uptime?: string; readonly LastReload?: string };
  readonly Shutdown: { readonly Shutdown: string; readonly Restart: string };
  readonly Reload: { readonly Module?: string; readonly Status?: string };
  readonly Newchannel: ChannelSnapshotFields;
  readonly Newstate: ChannelSnapshotFields;
  readonly HangupRequest: ChannelSnapshotFields & { readonly Cause?: string };
  readonly SoftHangupRequest: ChannelSnapshotFields & { readonly Cause?: string };
  readonly Hangup: ChannelSnapshotFields & { readonly Cause: string; readonly 'Cause-txt': string };
  readonly MixMonitorStart: ChannelSnapshotFields;
  /** Raised by StopMixMonitor (app or action) only, not by a hangup: see docs/asterisk-protocol.md. */
  readonly MixMonitorStop: ChannelSnapshotFields;
  readonly MixMonitorMute: ChannelSnapshotFields & { readonly Direction: 'read' | 'write' | 'both'; readonly State: '0' | '1' };
  /** User headers follow the snapshot; a user header named like a snapshot field repeats it (see message.getAll). */
  readonly UserEvent: ChannelSnapshotFields & { readonly UserEvent: string } & Readonly<Record<string, string | undefined>>;
  readonly OriginateResponse: {
    readonly ActionID?: string;
    readonly Response: 'Success' | 'Failure';
    readonly Channel: string;
    readonly Context: string;
    readonly Exten: string;
    readonly Reason: string;
    readonly Uniqueid: string;
    readonly CallerIDNum: string;
    readonly CallerIDName: string;
  };
  readonly CoreShowChannel: ChannelSnapshotFields & {
    readonly ActionID: string;
    readonly Application: string;
    readonly ApplicationData: string;
    readonly Duration: string;
    readonly BridgeId: string;
  };
  /** `Variable: NAME=value` lines repeat: read them with parseStatusVariables(event.message). */
  readonly Status: ChannelSnapshotFields & {
    readonly ActionID: string;
    readonly Type: string;
    readonly Application: string;
    readonly Data: string;
    readonly Seconds?: string;
    readonly BridgeID: string;
  };
  readonly AgentConnect: ChannelSnapshotFields & { readonly Queue?: string; readonly MemberName?: string; readonly Interface?: string };
  readonly AgentComplete: ChannelSnapshotFields & { readonly Queue?: string; readonly MemberName?: string; readonly Reason?: string };
}

export type AmiEventName = keyof AmiEventFieldMap;

export interface AmiEvent<F = Readonly<Record<string, string | undefined>>, N extends string = string> {
  readonly name: N;
  readonly fields: F;
  readonly message: AmiMessage;
}

/** The typed event for a known name, the generic one otherwise. */
export type AmiEventOf<N extends string> = N extends AmiEventName ? AmiEvent<AmiEventFieldMap[N], N> : AmiEvent<Readonly<Record<string, string | undefined>>, N>;

export function toEvent(message: AmiMessage): AmiEvent {
  return { name: message.event ?? '', fields: message.toRecord(), message };
}

/** `Variable: NAME=value` headers of a Status event (Variables: asked for them). */
export function parseStatusVariables(message: AmiMessage): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of message.getAll('Variable')) {
    const eq = line.indexOf('=');
    if (eq > 0) out.set(line.slice(0, eq), line.slice(eq + 1));
  }
  return out;
}

/** The typed view of a message already known to be event `name` (the fields are as Asterisk sent them: unchecked). */
export function asEvent<N extends string>(message: AmiMessage, name: N): AmiEventOf<N> {
  if (message.event?.toLowerCase() !== name.toLowerCase()) throw new TypeError(`not a ${name} event`);
  return toEvent(message) as unknown as AmiEventOf<N>;
}
