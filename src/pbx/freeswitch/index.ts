/**
 * The FreeSWITCH Event Socket layer: framing and events (esl-frame, esl-event),
 * an inbound connection (esl-connection) and the outbound socket server
 * (esl-outbound-server). The call-flow adapter builds on these; nothing here
 * decides anything about a call. docs/freeswitch-protocol.md is the spec.
 */
export {
  EslFrameParser,
  classifyFrame,
  encodeCommand,
  encodeFrame,
  getHeader,
  makeFrame,
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_MAX_HEADER_BYTES,
  type DisconnectDisposition,
  type EslFrame,
  type EslHeader,
  type EslMessage,
  type EslParserLimits,
} from './esl-frame.js';
export { EslEvent, decodeJsonEvent, decodePlainEvent, encodeJsonEvent, encodePlainEvent, urlDecode, urlEncode, UNDEF } from './esl-event.js';
export {
  EslConnection,
  DEFAULT_COMMAND_TIMEOUT_MS,
  MYEVENTS_SET,
  type CommandReply,
  type DisconnectNotice,
  type EslConnectionEvents,
  type EslConnectionOptions,
  type EventFormat,
  type ExecuteResult,
  type InboundConnectOptions,
  type RequestOptions,
} from './esl-connection.js';
export {
  EslOutboundServer,
  EslOutboundSession,
  type ChannelData,
  type EslOutboundServerOptions,
  type EslOutboundSessionEvents,
  type OutboundSessionState,
} from './esl-outbound-server.js';
