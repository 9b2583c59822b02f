/**
 * PCM to Ogg Opus and back, streaming. Encoding reads 20 ms frames (RFC 7845
 * recommends 20 ms for speech; it is also what opusenc uses), pads the last
 * frame with silence, and hands the packets to the Ogg muxer with their
 * durations at 48 kHz. Decoding serves `callvault decrypt -o x.wav`: it trims
 * the pre-skip and the end padding so the WAV has the source's length.
 */
import opus from '@discordjs/opus';
import { CallvaultError } from '../errors.js';
import { OPUS_GRANULE_RATE, OPUS_PRE_SKIP, OggOpusWriter } from './ogg-writer.js';
import { oggPackets, oggPages, parseOpusHead, parseOpusTags, OggFormatError, type OpusHead, type OpusTags } from './ogg-reader.js';
import { LinearResampler, OPUS_RATES, codingRate } from './resampler.js';

const { OpusEncoder } = opus;

/** opus_defines.h request numbers; @discordjs/opus exposes only the raw CTL call. */
const OPUS_SET_COMPLEXITY_REQUEST = 4010;
const OPUS_SET_SIGNAL_REQUEST = 4024;
const OPUS_SIGNAL_VOICE = 3001;
const OPUS_SET_FORCE_CHANNELS_REQUEST = 4022;

export const FRAME_MS = 20;
export const DEFAULT_BITRATE_BPS = 16_000;
/**
 * libopus complexity 0-10. 5 halves the CPU of the default 10 at 16 kbit/s
 * speech with no difference we could hear (measured in bench/archive.ts);
 * the archiver competes with the call path for the CPU, opusenc does not.
 */
export const DEFAULT_COMPLEXITY = 5;

/**
 * The configured bitrate is per channel: 16 kbit/s mono, 32 kbit/s stereo.
 * Measured: at 16 kbit/s total, even with forced stereo, a 440 Hz tone on the
 * left and 1 kHz on the right decode mixed; at 24 kbit/s and up they stay apart.
 */
export function encoderBitrate(bitrateBps: number, channels: number): number {
  return bitrateBps * channels;
}

export interface EncodeOptions {
  sampleRate: number;
  channels: 1 | 2;
  /** Per channel; see encoderBitrate(). */
  bitrateBps?: number;
  complexity?: number;
  serial: number;
  vendor: string;
  comments: readonly (readonly [string, string])[];
  /** Used in error messages only. */
  label: string;
}

/** Filled in as encoding proceeds; complete once the generator is done. */
export interface EncodeStats {
  sourceFrames: number;
  codingRate: number;
  packets: number;
  oggBytes: number;
  /** Duration of the source audio. */
  durationMs: number;
}

/**
 * Encodes interleaved 16-bit PCM chunks into an Ogg Opus byte stream. The
 * generator yields page-sized buffers; memory stays at one chunk plus one page.
 */
export async function* encodeOggOpus(pcm: AsyncIterable<Buffer>, options: EncodeOptions, stats: EncodeStats): AsyncGenerator<Buffer> {
  const rate = codingRate(options.sampleRate);
  const ch = options.channels;
  const frameSamples = (rate * FRAME_MS) / 1000;
  const frameBytes = frameSamples * ch * 2;
  const samples48kPerFrame = (OPUS_GRANULE_RATE * FRAME_MS) / 1000;
  let encoder: InstanceType<typeof OpusEncoder>;
  try {
    encoder = new OpusEncoder(rate, ch);
    encoder.setBitrate(encoderBitrate(options.bitrateBps ?? DEFAULT_BITRATE_BPS, ch));
    encoder.applyEncoderCTL(OPUS_SET_SIGNAL_REQUEST, OPUS_SIGNAL_VOICE);
    // At speech bitrates libopus folds stereo into mono (intensity stereo), and a
    // call centre's stereo is caller left, agent right: keep them apart.
    if (ch === 2) encoder.applyEncoderCTL(OPUS_SET_FORCE_CHANNELS_REQUEST, 2);
    encoder.applyEncoderCTL(OPUS_SET_COMPLEXITY_REQUEST, options.complexity ?? DEFAULT_COMPLEXITY);
  } catch (cause) {
    throw new CallvaultError('CV_ERR_ARCHIVE_ENCODE', [options.label], { cause });
  }
  const resampler = rate === options.sampleRate ? null : new LinearResampler(options.sampleRate, rate, ch);
  const writer = new OggOpusWriter({
    serial: options.serial, channels: ch, preSkip: OPUS_PRE_SKIP, inputSampleRate: options.sampleRate,
    vendor: options.vendor, comments: options.comments,
  });
  stats.codingRate = rate;
  stats.sourceFrames = 0;
  stats.packets = 0;
  stats.oggBytes = 0;
  stats.durationMs = 0;

  let frames48k = 0; // encoded, padding included
  let pending: Buffer = Buffer.alloc(0);
  const emit = (b: Buffer) => { stats.oggBytes += b.length; return b; };
  const encodeFrame = (frame: Buffer): Buffer | null => {
    let packet: Buffer;
    try {
      packet = encoder.encode(frame);
    } catch (cause) {
      throw new CallvaultError('CV_ERR_ARCHIVE_ENCODE', [options.label], { cause });
    }
    stats.packets++;
    frames48k += samples48kPerFrame;
    return writer.packet(packet, samples48kPerFrame);
  };

  yield emit(writer.headers());
  for await (const chunk of pcm) {
    stats.sourceFrames += chunk.length / (ch * 2);
    const coded = resampler === null ? chunk : resampler.push(chunk);
    let buf = pending.length === 0 ? coded : Buffer.concat([pending, coded]);
    let offset = 0;
    const pages: Buffer[] = [];
    for (; offset + frameBytes <= buf.length; offset += frameBytes) {
      const page = encodeFrame(buf.subarray(offset, offset + frameBytes));
      if (page !== null) pages.push(page);
    }
    pending = Buffer.from(buf.subarray(offset));
    buf = Buffer.alloc(0);
    if (pages.length > 0) yield emit(Buffer.concat(pages));
  }
  if (resampler !== null) pending = Buffer.concat([pending, resampler.flush()]);

  // Samples the decoder must output: the source length, expressed at 48 kHz.
  const real48k = Math.round((stats.sourceFrames * OPUS_GRANULE_RATE) / options.sampleRate);
  stats.durationMs = Math.round((stats.sourceFrames * 1000) / options.sampleRate);
  // Pad with silence until the encoded audio covers pre-skip + source (the
  // encoder's lookahead delays the signal by the pre-skip).
  const pages: Buffer[] = [];
  if (pending.length > 0) {
    const last = Buffer.alloc(frameBytes);
    pending.copy(last);
    const page = encodeFrame(last);
    if (page !== null) pages.push(page);
  }
  while (frames48k < real48k + OPUS_PRE_SKIP) {
    const page = encodeFrame(Buffer.alloc(frameBytes));
    if (page !== null) pages.push(page);
  }
  pages.push(writer.finish(real48k));
  yield emit(Buffer.concat(pages));
}

export interface DecodedOpus {
  head: OpusHead;
  tags: OpusTags;
  /** The rate the PCM is at: the input rate when Opus supports it, else 48 kHz. */
  sampleRate: number;
}

/**
 * Decodes an Ogg Opus stream into interleaved 16-bit PCM chunks. `onHeaders`
 * is called before the first chunk. Throws OggFormatError on a damaged file.
 */
export async function* decodeOggOpus(ogg: AsyncIterable<Uint8Array>, onHeaders?: (d: DecodedOpus) => void): AsyncGenerator<Buffer> {
  let head: OpusHead | null = null;
  let decoder: InstanceType<typeof OpusEncoder> | null = null;
  let rate = OPUS_GRANULE_RATE;
  let index = 0;
  let skip = 0; // samples (per channel, at `rate`) still to drop for the pre-skip
  let emitted48k = 0; // decoded samples counted at 48 kHz, pre-skip included
  for await (const packet of oggPackets(oggPages(ogg))) {
    if (index === 0) {
      head = parseOpusHead(packet.data);
      if (head.mappingFamily !== 0 || head.channels < 1 || head.channels > 2) throw new OggFormatError('only mono and stereo (mapping family 0) are supported');
      rate = (OPUS_RATES as readonly number[]).includes(head.inputSampleRate) ? head.inputSampleRate : OPUS_GRANULE_RATE;
      decoder = new OpusEncoder(rate, head.channels);
      skip = Math.round((head.preSkip * rate) / OPUS_GRANULE_RATE);
    } else if (index === 1) {
      const tags = parseOpusTags(packet.data);
      onHeaders?.({ head: head!, tags, sampleRate: rate });
    } else {
      let pcm: Buffer;
      try {
        pcm = decoder!.decode(packet.data);
      } catch (cause) {
        throw new OggFormatError(`Opus packet ${index} does not decode: ${(cause as Error).message}`, { cause });
      }
      const ch = head!.channels;
      let frames = pcm.length / (2 * ch);
      const before48k = emitted48k;
      emitted48k += Math.round((frames * OPUS_GRANULE_RATE) / rate);
      let start = 0;
      if (skip > 0) { start = Math.min(skip, frames); skip -= start; }
      if (packet.eos && packet.granule !== null) {
        // End trim: the EOS page's granule says how many samples are real.
        const keep48k = Number(packet.granule) - before48k;
        const keep = Math.max(0, Math.min(frames, Math.round((keep48k * rate) / OPUS_GRANULE_RATE)));
        frames = keep;
      }
      if (frames > start) yield pcm.subarray(start * 2 * ch, frames * 2 * ch);
    }
    index++;
  }
  if (index < 2) throw new OggFormatError('missing OpusHead or OpusTags');
}
