/**
 * `callvault run`: the daemon. Logs JSON (human-readable on a TTY) and runs
 * until SIGTERM or SIGINT, then stops cleanly: the AGI listener closes (the
 * dialplan goes on unrecorded), hand-offs in flight finish, the archiver
 * finishes its current file.
 */
import type { Command } from 'commander';
import { action, type CommandContext } from './context.js';
import { loadConfig } from '../config/index.js';
import { configWarnings } from '../config/config-warnings.js';
import { createLogger } from '../log/logger.js';
import { Daemon } from '../daemon/daemon.js';
import { createAdapter } from '../daemon/adapter-factory.js';
import { ArchiverWorker } from '../archive/archiver-worker.js';
import { StorageLayout } from '../archive/storage-layout.js';
import { RecordingIndex } from '../index/index.js';
import { DecisionTally } from '../index/decision-log.js';
import { ObjectionRegister } from '../index/objection-register.js';
import { PurgeScheduler } from '../ops/purge-scheduler.js';
import { prepareStorage } from '../daemon/daemon.js';
import { Watchdog } from '../daemon/watchdog.js';

export function register(program: Command, ctx: CommandContext): void {
  program.command('run')
    .description('run the daemon: attach to the PBX, control calls, archive recordings')
    .requiredOption('-c, --config <file>', 'configuration file')
    .option('--no-archive', 'do not start the archiver (recordings wait in the spool)')
    .action(action(ctx, async (opts: { config: string; archive: boolean }) => {
      const config = loadConfig(opts.config);
      const logger = createLogger({ level: config.log.level });
      for (const warning of configWarnings(config)) logger.warn({ warning }, 'config: check this');
      const adapter = await createAdapter(config, logger);
      const worker = opts.archive ? new ArchiverWorker({
        spoolDir: config.storage.spool,
        storageDir: config.storage.dir,
        recipientsByPurpose: config.archive.recipients,
        hashKeyFile: config.privacy.hashKeyFile,
        retentionDays: config.retention,
        bitrateBps: config.archive.bitrateBps,
        workers: config.archive.workers,
        complexity: config.archive.complexity,
        nice: config.archive.nice,
        scheduling: config.archive.scheduling,
        logLevel: config.log.level,
      }) : undefined;
      prepareStorage(config.storage.dir, config.storage.spool);
      const indexPath = new StorageLayout(config.storage.dir).indexPath;
      // The daemon's own handle on the index: decision counts for `status`, remembered objections.
      const index = RecordingIndex.open(indexPath);
      const tally = new DecisionTally(index.db, { onError: (err) => logger.warn({ err }, 'status: cannot write decision counts') });
      const objections = config.privacy.rememberObjections.enabled
        ? ObjectionRegister.open(indexPath, { retentionDays: config.privacy.rememberObjections.retentionDays })
        : undefined;
      const purge = PurgeScheduler.forConfig(config, { logger });
      const daemon = new Daemon({
        config, logger, adapter, objections,
        monitorAudit: { append: (row) => { index.appendAudit(row); } },
        archive: worker && { start: () => worker.start(), stop: () => worker.stop(), backlog: () => worker.backlog().pending, state: () => worker.state(), outlook: () => worker.outlook() },
        observers: [{
          decided: (line, d) => tally.add({ at: new Date(), line, decision: d.decision, reason: d.reason }),
          recordedAtAnswer: (line, reason) => tally.add({ at: new Date(), line, decision: 'record-at-answer', reason }),
        }],
        services: [{ start: () => purge.start(), stop: () => purge.stop() }],
      });
      await daemon.start();
      // After start: a slow first start (index migrations) is not a freeze.
      const watchdog = config.ops.watchdogMs > 0 ? new Watchdog({ timeoutMs: config.ops.watchdogMs, logger }) : null;
      watchdog?.start();
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
      // Stopping can take seconds (hand-offs, the archiver's current file): not a freeze either.
      watchdog?.stop();
      await daemon.stop();
      try { tally.close(); } catch (err) { logger.warn({ err }, 'status: decision counts lost at stop'); }
      objections?.close();
      index.close();
      logger.flush();
      return 0;
    }));
}
