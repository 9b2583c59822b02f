/**
 * The Asterisk transport, public surface: AMI (client, framing, typed events)
 * and FastAGI (server, framing). It speaks the protocols; call policy lives
 * in src/calls. Protocol facts and their sources: docs/asterisk-protocol.md.
 */
export { AmiClient } from './ami-client.js';
export type { AmiClientOptions, AmiClientEvents, AmiClientStats, AmiListResult, AmiReconnectOptions, AmiHeartbeatOptions, ActionOptions } from './ami-client.js';
export { AmiMessage, AmiParser, parseAmiStream, encodeMessage, encodeFrame, encodeBanner, actionHeaders, DEFAULT_MAX_FRAME_BYTES } from './ami-frame.js';
export type { AmiHeader, AmiFrame, AmiParserOptions, AmiActionFields } from './ami-frame.js';
export { toEvent, asEvent, parseStatusVariables } from './ami-events.js';
export type { AmiEvent, AmiEventOf, AmiEventName, AmiEventFieldMap, ChannelSnapshotFields } from './ami-events.js';
export { FastAgiServer, AgiChannel } from './fastagi-server.js';
export type { FastAgiServerOptions, AgiHandler, RouteOptions, CommandOptions, FastAgiStats } from './fastagi-server.js';
export { AgiParser, AgiRequest, parseAgiStream, parseResponse, encodeCommand, encodeEnv, encodeResponse, encodeItem, quoteArg } from './agi-frame.js';
export type { AgiItem, AgiResponse, AgiEnvLine, AgiParserOptions } from './agi-frame.js';
