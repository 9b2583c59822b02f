/**
 * `callvault console --config FILE`: runs the review console until SIGINT or
 * SIGTERM. `callvault console cert --host NAME`: a self-signed certificate
 * for a first install. docs/console.md is the operator's guide.
 */
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { action, type CommandContext } from './context.js';
import { configFrom, withConfig } from './ops-common.js';
import { defaultAssetDir } from '../console/assets.js';
import { startConsole } from '../console/server.js';
import { makeSelfSignedCert } from '../console/tls-cert.js';
import { CallvaultError } from '../errors.js';

export function register(program: Command, ctx: CommandContext): void {
  const cmd = withConfig(program.command('console'))
    .description('run the review console (HTTPS; see docs/console.md)')
    .option('--assets <dir>', 'folder of the browser bundle and its manifest.json (default: dist/console of this package)')
    .action(action(ctx, async (opts: { config?: string; assets?: string }) => {
      const config = configFrom(opts);
      const running = await startConsole(config, opts.assets !== undefined ? resolve(opts.assets) : defaultAssetDir());
      ctx.io.out(`callvault: console listening on ${running.url}`);
      await new Promise<void>((done) => {
        const stop = () => { process.off('SIGINT', stop); process.off('SIGTERM', stop); done(); };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
      await running.close();
      ctx.io.err('callvault: console stopped');
      return 0;
    }));
  cmd.command('cert')
    .description('make a self-signed TLS certificate and key for the console')
    .requiredOption('--host <name>', 'the host name (or IP address) browsers use to reach the console')
    .option('--out-dir <dir>', 'where to write console-cert.pem and console-key.pem', '.')
    .option('--days <n>', 'validity in days', '397')
    .action(action(ctx, async (opts: { host: string; outDir: string; days: string }) => {
      const days = Number(opts.days);
      if (!Number.isInteger(days) || days < 1 || days > 3650) throw new CallvaultError('CV_ERR_CLI_USAGE', ['--days must be a whole number from 1 to 3650']);
      const files = await makeSelfSignedCert(opts.host, resolve(opts.outDir), days);
      ctx.io.out(files.cert);
      ctx.io.out(files.key);
      ctx.io.err([
        `callvault: self-signed certificate for ${opts.host} written (key mode 0600), valid ${days} days`,
        'callvault: put in the config:',
        `  console:\n    tls:\n      cert: ${files.cert}\n      key: ${files.key}`,
        'callvault: browsers warn about a self-signed certificate: to replace it, point console.tls.cert and',
        `callvault: console.tls.key at a certificate for ${opts.host} from your company CA (or ACME), PEM, and restart the console`,
      ].join('\n'));
      void dirname;
      return 0;
    }));
}
