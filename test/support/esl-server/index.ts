/** The test FreeSWITCH: see fake-freeswitch.ts. */
export { FakeFreeSwitch, type FakeFreeSwitchOptions, type FaultSwitches, type PlaceCallOptions, type DialplanCallOptions } from './fake-freeswitch.js';
export { SimChannel, KNOWN_APPS, type AppRecord, type ChannelSpec } from './channel.js';
export { SimRecording, renderWav, wavHeader, SIM_TONE_HZ, SIM_WAV_RATE, MEDIA_BUG_LAG_MS, type CapturedSound, type RecordingSegment } from './recording.js';
export { XmlDialplan, parseXml, expandVariables, type DialplanAction } from './dialplan.js';
export { SimListener, type TranscriptEntry } from './listener.js';
