/**
 * The FreeSWITCH API commands the simulator knows (mod_commands), with their
 * replies as mod_commands writes them. An API it does not know answers as
 * mod_event_socket's api_exec does: `-ERR <cmd> Command not found!`.
 *
 * uuid_record's mask/unmask texts are modelled on its start/stop ones
 * ("-ERR Cannot ... session!"): callvault must treat anything but `+OK` as
 * failure, never match on the exact error text.
 */
import type { ChannelView } from './event-factory.js';

/**
 * What the API commands use of a channel: SimChannel has it, and so does the
 * capacity bench's light channel (bench/support/lite-channel.ts), which
 * answers the same commands with these same reply texts.
 */
export interface ApiChannel extends ChannelView {
  readonly alive: boolean;
  readonly variables: Map<string, string>;
  readonly runningApps: ReadonlyArray<{ readonly app: string; readonly arg: string | undefined }>;
  /** Null when the file cannot be opened. */
  startRecording(path: string, limitSeconds: number): object | null;
  stopRecording(path: string): boolean;
  maskRecording(path: string, on: boolean): boolean;
  hangup(cause?: string): void;
  breakMedia(): void;
}

export interface ApiHost {
  channel(uuid: string): ApiChannel | undefined;
  /** Live channels, oldest first (the core db's channels table). */
  channelList?(): readonly ApiChannel[];
  readonly faults: { refuseMask: boolean };
  /** mod_db's store (`db select/<realm>/<key>`). */
  readonly db?: Map<string, string>;
  readonly version: string;
  readonly startedAt: number;
  sleep(ms: number): Promise<void>;
}

const SESS_REC_SYNTAX = '<uuid> [start|stop|mask|unmask] <path> [<limit>]';

type ApiImpl = (host: ApiHost, arg: string) => Promise<string>;

/** One row of the core db's channels table, as `show channels as json` prints it (switch_core_sqldb.c column order). */
function channelRow(ch: ApiChannel, hostname: string): Record<string, string> {
  const app = ch.runningApps[0];
  return {
    uuid: ch.uuid, direction: ch.direction, created: new Date(ch.createdUs / 1000).toISOString().replace('T', ' ').slice(0, 19),
    created_epoch: String(Math.floor(ch.createdUs / 1e6)), name: ch.name, state: ch.state, cid_name: ch.callerName, cid_num: ch.callerNumber,
    ip_addr: ch.networkAddr, dest: ch.destination, application: app?.app ?? '', application_data: app?.arg ?? '', dialplan: 'XML', context: ch.context,
    read_codec: 'PCMA', read_rate: '8000', read_bit_rate: '64000', write_codec: 'PCMA', write_rate: '8000', write_bit_rate: '64000', secure: '',
    hostname, presence_id: '', presence_data: '', accountcode: '', callstate: ch.callState, callee_name: '', callee_num: '', callee_direction: '',
    call_uuid: ch.callUuid, sent_callee_name: '', sent_callee_num: '', initial_cid_name: ch.callerName, initial_cid_num: ch.callerNumber,
    initial_ip_addr: ch.networkAddr, initial_dest: ch.destination, initial_dialplan: 'XML', initial_context: ch.context,
  };
}

const COMMANDS: Readonly<Record<string, ApiImpl>> = {
  /** mod_db: `select/<realm>/<key>` answers the value, or nothing for a missing key. */
  async db(host, arg) {
    const [verb, realm, key] = arg.split('/');
    if (verb === 'select' && realm !== undefined && key !== undefined) return host.db?.get(`${realm}/${key}`) ?? '';
    return '-USAGE: [insert|delete|select|exists|count|list]/<realm>/<key>[/<value>]';
  },
  /**
   * mod_commands show: only `show channels [as json]` is simulated. The JSON
   * form is `{"row_count":N,"rows":[...]}`, or `{"row_count":0}` when empty;
   * the text form is CSV with a header line and a "N total." footer.
   */
  async show(host, arg) {
    const words = arg.trim().split(/\s+/);
    if (words[0] !== 'channels') return '-USAGE: show channels [as json] (only channels is simulated)\n';
    const rows = (host.channelList?.() ?? []).filter((c) => c.alive).map((c) => channelRow(c, 'fs-test'));
    if (words[1] === 'as' && words[2] === 'json') {
      return rows.length === 0 ? '{"row_count":0}' : JSON.stringify({ row_count: rows.length, rows });
    }
    const cols = Object.keys(channelRow({ runningApps: [], createdUs: 0 } as unknown as ApiChannel, ''));
    return `${cols.join(',')}\n${rows.map((r) => cols.map((c) => r[c]).join(',')).join('\n')}${rows.length ? '\n' : ''}\n${rows.length} total.\n`;
  },
  async status(host) {
    const up = Math.floor((Date.now() - host.startedAt) / 1000);
    return `UP 0 years, 0 days, 0 hours, 0 minutes, ${up} seconds, 0 milliseconds, 0 microseconds\nFreeSWITCH (Version ${host.version}) is ready\n0 session(s) since startup\n0 session(s) - peak 0, last 5min 0 \n0 session(s) per Sec out of max 30, peak 0, last 5min 0 \n1000 session(s) max\nmin idle cpu 0.00/99.00\nCurrent Stack Size/Max 240K/8192K\n`;
  },
  async version(host) {
    return `FreeSWITCH Version ${host.version}\n`;
  },
  async echo(_host, arg) {
    return arg;
  },
  async msleep(host, arg) {
    await host.sleep(Number.parseInt(arg, 10) || 0);
    return '+OK';
  },
  async uuid_exists(host, arg) {
    return host.channel(arg.trim())?.alive ? 'true' : 'false';
  },
  async uuid_getvar(host, arg) {
    const [uuid = '', name = ''] = arg.split(' ');
    const ch = host.channel(uuid);
    if (!ch) return '-ERR No such channel!\n';
    return ch.variables.get(name) ?? '_undef_';
  },
  async uuid_setvar(host, arg) {
    const [uuid = '', name = '', ...rest] = arg.split(' ');
    const ch = host.channel(uuid);
    if (!ch) return '-ERR No such channel!\n';
    if (name === '') return '-USAGE: <uuid> <var> [value]\n';
    const value = rest.join(' ');
    if (value === '') ch.variables.delete(name);
    else ch.variables.set(name, value);
    return '+OK\n';
  },
  async uuid_kill(host, arg) {
    const [uuid = '', cause] = arg.split(' ');
    const ch = host.channel(uuid);
    if (!ch?.alive) return '-ERR No such channel!\n';
    ch.hangup(cause ?? 'NORMAL_CLEARING');
    return '+OK\n';
  },
  async uuid_break(host, arg) {
    const [uuid = ''] = arg.split(' ');
    const ch = host.channel(uuid);
    if (!ch) return '-ERR No Such Channel!\n';
    ch.breakMedia();
    return '+OK\n';
  },
  async uuid_record(host, arg) {
    const argv = arg.split(' ').filter((a) => a !== '');
    if (argv.length < 3) return `-USAGE: ${SESS_REC_SYNTAX}\n`;
    const [uuid = '', action = '', path = '', limit] = argv;
    const ch = host.channel(uuid);
    if (!ch?.alive) return '-ERR Cannot locate session!\n';
    switch (action.toLowerCase()) {
      case 'start':
        if (!ch.startRecording(path, Number(limit ?? 0) || 0)) return '-ERR Cannot record session!\n';
        return '+OK Success\n';
      case 'stop':
        return ch.stopRecording(path) ? '+OK Success\n' : '-ERR Cannot stop record session!\n';
      case 'mask':
        if (host.faults.refuseMask || !ch.maskRecording(path, true)) return '-ERR Cannot mask recording session!\n';
        return '+OK Success\n';
      case 'unmask':
        if (!ch.maskRecording(path, false)) return '-ERR Cannot unmask recording session!\n';
        return '+OK Success\n';
      default:
        return `-USAGE: ${SESS_REC_SYNTAX}\n`;
    }
  },
};

/** Runs an API command; null when FreeSWITCH would not know it. */
export async function runApi(host: ApiHost, command: string, arg: string | null): Promise<string | null> {
  const impl = COMMANDS[command];
  if (!impl) return null;
  return impl(host, arg ?? '');
}
