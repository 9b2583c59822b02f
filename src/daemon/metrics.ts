/**
 * Prometheus metrics and the health endpoint. Counts and latencies only:
 * no label ever carries a caller number, a digit or an agent id (labels are
 * line names, outcomes and reasons, all from the config or the code).
 */
import { createServer, type Server } from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Registry, Counter, Histogram, Gauge, collectDefaultMetrics } from 'prom-client';
import type { SessionObserver } from '../calls/call-session.js';
import type { SpoolOutlook } from '../ops/spool-outlook.js';

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.02, 0.03, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

export class Metrics {
  readonly registry = new Registry();
  readonly calls = new Counter({ name: 'callvault_calls_total', help: 'Calls handed to callvault, by line', labelNames: ['line'], registers: [this.registry] });
  readonly decisions = new Counter({ name: 'callvault_decisions_total', help: 'Recording decisions by line, decision, reason and consent outcome', labelNames: ['line', 'decision', 'reason', 'consent'], registers: [this.registry] });
  readonly consentLatency = new Histogram({ name: 'callvault_consent_latency_seconds', help: 'AGI/ESL request to first prompt command', buckets: LATENCY_BUCKETS, registers: [this.registry] });
  readonly pauseLatency = new Histogram({ name: 'callvault_pause_latency_seconds', help: 'Payment subroutine entry to confirmed mute (or fail-closed answer)', labelNames: ['answer'], buckets: LATENCY_BUCKETS, registers: [this.registry] });
  readonly errors = new Counter({ name: 'callvault_errors_total', help: 'Errors by place', labelNames: ['where'], registers: [this.registry] });
  readonly handedOff = new Counter({ name: 'callvault_recordings_handed_off_total', help: 'Recordings handed to the archive', registers: [this.registry] });
  readonly inProgress = new Gauge({ name: 'callvault_calls_in_progress', help: 'Call sessions in memory', registers: [this.registry] });
  readonly backlog = new Gauge({ name: 'callvault_archive_backlog', help: 'Recordings waiting in the spool', registers: [this.registry] });
  readonly linkUp = new Gauge({ name: 'callvault_pbx_link_up', help: '1 when the PBX event socket is connected', registers: [this.registry] });
  readonly spoolAudioHours = new Gauge({ name: 'callvault_spool_audio_hours', help: 'Audio waiting in the spool, hours', registers: [this.registry] });
  readonly spoolGrowth = new Gauge({ name: 'callvault_spool_growth_audio_hours_per_hour', help: 'Spool backlog growth (negative: draining); absent while measuring', registers: [this.registry] });
  readonly archiveRate = new Gauge({ name: 'callvault_archive_audio_hours_per_hour', help: 'Audio archived per hour of wall time', registers: [this.registry] });
  readonly diskHoursLeft = new Gauge({ name: 'callvault_disk_hours_left', help: 'Hours until the spool or storage disk is full at the current rate; absent when not filling', registers: [this.registry] });
  readonly reconnects = new Gauge({ name: 'callvault_pbx_reconnects', help: 'PBX event socket reconnects since start', registers: [this.registry] });

  /**
   * Event-loop delay since the last scrape, at 1 ms resolution. Node's
   * histogram records the whole interval between its timer's runs, so the
   * delay is that minus the resolution; prom-client's own
   * nodejs_eventloop_lag_* use 10 ms and cannot show what matters here
   * (a pause must be answered within 10 ms).
   */
  readonly #loop = monitorEventLoopDelay({ resolution: 1 });
  readonly loopDelayP99 = new Gauge({
    name: 'callvault_event_loop_delay_p99_seconds', help: 'Event-loop delay p99 since the last scrape (1 ms resolution, resolution subtracted)', registers: [this.registry],
    collect: () => this.#collectLoop(),
  });
  readonly loopDelayMax = new Gauge({ name: 'callvault_event_loop_delay_max_seconds', help: 'Event-loop delay max since the last scrape', registers: [this.registry] });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'callvault_process_' });
    this.#loop.enable();
  }

  #collectLoop(): void {
    const excess = (ns: number) => Math.max(0, ns / 1e9 - 0.001);
    this.loopDelayP99.set(this.#loop.count > 0 ? excess(this.#loop.percentile(99)) : 0);
    this.loopDelayMax.set(this.#loop.count > 0 ? excess(this.#loop.max) : 0);
    this.#loop.reset();
  }

  setOutlook(o: SpoolOutlook | null): void {
    const set = (g: Gauge, v: number | null | undefined) => { if (v === null || v === undefined) g.reset(); else g.set(v); };
    set(this.spoolAudioHours, o?.audioHours);
    set(this.spoolGrowth, o?.growthAudioHoursPerHour);
    set(this.archiveRate, o?.archiveAudioHoursPerHour);
    set(this.diskHoursLeft, o?.disk.kind === 'filling' ? o.disk.hoursLeft : null);
  }

  observer(): SessionObserver {
    return {
      decided: (line, d, outcome) => {
        this.calls.inc({ line });
        this.decisions.inc({ line, decision: d.decision, reason: d.reason, consent: outcome });
      },
      consentLatency: (ms) => this.consentLatency.observe(ms / 1000),
      pauseLatency: (ms, answer) => this.pauseLatency.observe({ answer }, ms / 1000),
      handedOff: () => this.handedOff.inc(),
      error: (where) => this.errors.inc({ where }),
    };
  }
}

export interface HealthReport { healthy: boolean; [k: string]: unknown }

/** Serves /metrics and /healthz on a local address. */
export async function serveMetrics(listen: string, metrics: Metrics, health: () => HealthReport): Promise<Server> {
  const idx = listen.lastIndexOf(':');
  const host = listen.slice(0, idx);
  const port = Number(listen.slice(idx + 1));
  const server = createServer((req, res) => {
    if (req.url === '/metrics') {
      metrics.registry.metrics().then((body) => {
        res.writeHead(200, { 'content-type': metrics.registry.contentType });
        res.end(body);
      }, (err: unknown) => { res.writeHead(500); res.end(String(err)); });
      return;
    }
    if (req.url === '/healthz') {
      const h = health();
      res.writeHead(h.healthy ? 200 : 503, { 'content-type': 'application/json' });
      res.end(JSON.stringify(h));
      return;
    }
    res.writeHead(404);
    res.end();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => { server.off('error', reject); resolve(); });
  });
  return server;
}
