/**
 * `callvault run`: the daemon. Logs JSON (human-readable on a TTY) and runs
 * until SIGTERM or SIGINT, then stops cleanly: the AGI listener closes (the
 * dialplan goes on unrecorded), hand-offs in flight finish, the archiver
 * finishes its current file.
 */
import type { Command } from 'commander';
import { action, type CommandContext } from './context.js';
import { loadConfig } from '../config/index.js';
import { createLogger } from '../log/logger.js';
import { Daemon } from '../daemon/daemon.js';
import { createAdapter } from '../daemon/adapter-factory.js';
import { ArchiverWorker } from '../archive/archiver-worker.js';

export function register(program: Command, ctx: CommandContext): void {
  program.command('run')
    .description('run the daemon: attach to the PBX, control calls, archive recordings')
    .requiredOption('-c, --config <file>', 'configuration file')
    .option('--no-archive', 'do not start the archiver (recordings wait in the spool)')
    .action(action(ctx, async (opts: { config: string; archive: boolean }) => {
      const config = loadConfig(opts.config);
      const logger = createLogger({ level: config.log.level });
      const adapter = await createAdapter(config, logger);
      const worker = opts.archive ? new ArchiverWorker({
        spoolDir: config.storage.spool,
        storageDir: config.storage.dir,
        recipientsByPurpose: config.archive.recipients,
        hashKeyFile: config.privacy.hashKeyFile,
        retentionDays: config.retention,
        bitrateBps: config.archive.bitrateBps,
        logLevel: config.log.level,
      }) : undefined;
      const daemon = new Daemon({
        config, logger, adapter,
        archive: worker && { start: () => worker.start(), stop: () => worker.stop(), backlog: () => worker.backlog().pending },
      });
      await daemon.start();
      await new Promise<void>((resolve) => {
        const onSignal = (signal: NodeJS.Signals) => {
          logger.info({ signal }, 'daemon: stopping');
          process.off('SIGTERM', onSignal);
          process.off('SIGINT', onSignal);
          resolve();
        };
        process.on('SIGTERM', onSignal);
        process.on('SIGINT', onSignal);
      });
      await daemon.stop();
      logger.flush();
      return 0;
    }));
}
