/**
 * Media for the SIP tests: G.711 µ-law tones written as pcap files that
 * sipp replays as RTP (`play_pcap_audio`), and an RTP sink, a plain UDP
 * socket an agent's SDP points at, that keeps what Asterisk sent to that
 * agent so a test can listen to the agent leg. Tones are the e2e
 * convention of test/support/payment-audio.ts: caller 440 Hz, agent 600 Hz,
 * card data 1 kHz.
 */
import { createSocket, type Socket } from 'node:dgram';
import { writeFileSync } from 'node:fs';

export const RATE = 8000;
/** 20 ms of G.711 per RTP packet, as every phone sends it. */
export const PACKET_SAMPLES = 160;

/** ITU-T G.711 µ-law, the reference segment encoder. */
export function ulawEncode(sample: number): number {
  const BIAS = 0x84;
  const CLIP = 32635;
  let s = Math.max(-32768, Math.min(32767, Math.round(sample)));
  const sign = s < 0 ? 0x80 : 0;
  if (s < 0) s = -s;
  if (s > CLIP) s = CLIP;
  s += BIAS;
  let exponent = 7;
  for (let mask = 0x4000; (s & mask) === 0 && exponent > 0; mask >>= 1) exponent--;
  const mantissa = (s >> (exponent + 3)) & 0x0f;
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
}

export function ulawDecode(byte: number): number {
  const u = ~byte & 0xff;
  const exponent = (u >> 4) & 0x07;
  const magnitude = ((((u & 0x0f) << 3) + 0x84) << exponent) - 0x84;
  return u & 0x80 ? -magnitude : magnitude;
}

/** `seconds` of a sine at `hz` (0 = digital silence), µ-law. Amplitude about -10 dBFS. */
export function ulawTone(hz: number, seconds: number, amplitude = 10_000): Buffer {
  const n = Math.round(seconds * RATE);
  const out = Buffer.alloc(n);
  for (let i = 0; i < n; i++) out[i] = ulawEncode(hz === 0 ? 0 : amplitude * Math.sin((2 * Math.PI * hz * i) / RATE));
  return out;
}

/**
 * Writes `payload` as a pcap of RTP packets (PCMU, payload type 0, one
 * every 20 ms) that sipp's play_pcap_audio replays in real time: sipp keeps
 * the packets' timing, RTP header and payload and rewrites addresses and
 * ports, so the addresses here are placeholders. `firstSeq`: one call's
 * successive tones keep one SSRC with sequence numbers that only grow
 * (each tone starts past the last one's range), as one phone's stream
 * would; Asterisk dropped the caller's audio when each tone restarted at 0.
 */
export function writeRtpPcap(path: string, payload: Buffer, ssrc: number, firstSeq = 0): void {
  const packets: Buffer[] = [];
  const global = Buffer.alloc(24);
  global.writeUInt32LE(0xa1b2c3d4, 0);
  global.writeUInt16LE(2, 4);
  global.writeUInt16LE(4, 6);
  global.writeUInt32LE(65535, 16);
  global.writeUInt32LE(1, 20); // LINKTYPE_ETHERNET
  packets.push(global);
  for (let n = 0, off = 0; off + PACKET_SAMPLES <= payload.length; n++, off += PACKET_SAMPLES) {
    const seq = firstSeq + n;
    const rtp = Buffer.alloc(12 + PACKET_SAMPLES);
    rtp[0] = 0x80;
    rtp[1] = n === 0 ? 0x80 : 0x00; // marker on the first packet, PT 0
    rtp.writeUInt16BE(seq & 0xffff, 2);
    rtp.writeUInt32BE((seq * PACKET_SAMPLES) >>> 0, 4);
    rtp.writeUInt32BE(ssrc >>> 0, 8);
    payload.copy(rtp, 12, off, off + PACKET_SAMPLES);
    const udp = Buffer.alloc(8);
    udp.writeUInt16BE(40000, 0);
    udp.writeUInt16BE(40002, 2);
    udp.writeUInt16BE(8 + rtp.length, 4);
    const ip = Buffer.alloc(20);
    ip[0] = 0x45;
    ip.writeUInt16BE(20 + udp.length + rtp.length, 2);
    ip[8] = 64;
    ip[9] = 17; // UDP
    ip.writeUInt32BE(0x7f000001, 12);
    ip.writeUInt32BE(0x7f000001, 16);
    const eth = Buffer.alloc(14);
    eth.writeUInt16BE(0x0800, 12);
    const frame = Buffer.concat([eth, ip, udp, rtp]);
    const rec = Buffer.alloc(16);
    const us = n * 20_000;
    rec.writeUInt32LE(Math.floor(us / 1e6), 0);
    rec.writeUInt32LE(us % 1e6, 4);
    rec.writeUInt32LE(frame.length, 8);
    rec.writeUInt32LE(frame.length, 12);
    packets.push(rec, frame);
  }
  writeFileSync(path, Buffer.concat(packets));
}

/**
 * Receives the RTP Asterisk sends to one agent (the agent's SDP names this
 * socket) and keeps it as 8 kHz PCM in arrival order, with the time of the
 * first packet. Only PCMU (payload type 0) is decoded: that is all the
 * agents offer; RFC 4733 events are counted apart.
 */
export class RtpSink {
  readonly #socket: Socket = createSocket('udp4');
  readonly #chunks: Int16Array[] = [];
  firstPacketAt = 0;
  events = 0;
  port = 0;

  async start(): Promise<number> {
    this.#socket.on('message', (msg) => {
      if (msg.length < 12 || (msg[0]! >> 6) !== 2) return;
      const pt = msg[1]! & 0x7f;
      const cc = msg[0]! & 0x0f;
      const body = msg.subarray(12 + cc * 4);
      if (pt !== 0) { this.events++; return; }
      this.firstPacketAt ||= Date.now();
      const pcm = new Int16Array(body.length);
      for (let i = 0; i < body.length; i++) pcm[i] = ulawDecode(body[i]!);
      this.#chunks.push(pcm);
    });
    await new Promise<void>((resolve, reject) => {
      this.#socket.once('error', reject);
      this.#socket.bind(0, '127.0.0.1', () => { this.#socket.off('error', reject); resolve(); });
    });
    this.port = this.#socket.address().port;
    return this.port;
  }

  /** Everything received so far, one channel at 8 kHz. */
  samples(): Int16Array {
    const total = this.#chunks.reduce((n, c) => n + c.length, 0);
    const out = new Int16Array(total);
    let off = 0;
    for (const c of this.#chunks) { out.set(c, off); off += c.length; }
    return out;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.#socket.close(() => resolve()));
  }
}
