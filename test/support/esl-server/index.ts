/** The test FreeSWITCH: see fake-freeswitch.ts. */
export { FakeFreeSwitch, type FakeFreeSwitchOptions, type FaultSwitches, type PlaceCallOptions } from './fake-freeswitch.js';
export { SimChannel, KNOWN_APPS, type AppRecord, type ChannelSpec } from './channel.js';
export { SimRecording, type CapturedSound, type RecordingSegment } from './recording.js';
export { SimListener, type TranscriptEntry } from './listener.js';
