/** Builds the PBX adapter the config asks for. */
import type { Logger } from '../log/logger.js';
import { readSecret, type ResolvedConfig } from '../config/index.js';
import { CallvaultError } from '../errors.js';
import type { PbxAdapter } from '../pbx/call-control.js';
import { AsteriskAdapter } from '../pbx/asterisk/asterisk-adapter.js';
import { FreeSwitchAdapter } from '../pbx/freeswitch/freeswitch-adapter.js';

export function splitHostPort(listen: string): { host: string; port: number } {
  const i = listen.lastIndexOf(':');
  return { host: listen.slice(0, i), port: Number(listen.slice(i + 1)) };
}

export async function createAdapter(config: ResolvedConfig, logger: Logger): Promise<PbxAdapter> {
  if (config.pbx.type === 'asterisk') {
    const a = config.pbx.asterisk!;
    return new AsteriskAdapter({
      ami: { host: a.ami.host, port: a.ami.port, username: a.ami.username, secret: readSecret(a.ami.secret, a.ami.secretFile, 'pbx.asterisk.ami.secret'), actionTimeoutMs: a.ami.actionTimeoutMs },
      agi: splitHostPort(a.agi.listen),
      recordings: a.recordings,
      prompts: { ...config.prompts, pbxDefaultLanguage: a.defaultLanguage },
      stereo: a.stereo,
      logger,
    });
  }
  const f = config.pbx.freeswitch;
  if (!f) throw new CallvaultError('CV_ERR_CONFIG_INVALID', ['pbx.freeswitch: the section for the chosen pbx.type is missing']);
  return new FreeSwitchAdapter({
    esl: { host: f.esl.host, port: f.esl.port, password: readSecret(f.esl.password, f.esl.passwordFile, 'pbx.freeswitch.esl.password'), commandTimeoutMs: f.esl.commandTimeoutMs },
    outbound: splitHostPort(f.outbound.listen),
    recordings: f.recordings,
    prompts: config.prompts,
    stereo: f.stereo,
    logger,
  });
}
