import type { RequestHandler } from 'express';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Prometheus metrics for one process: HTTP latency, queue depth, job outcomes. */
export class Metrics {
  readonly registry = new Registry();
  readonly httpDuration = new Histogram({
    name: 'tandem_http_request_duration_seconds',
    help: 'HTTP request latency',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly jobOutcomes = new Counter({
    name: 'tandem_jobs_total',
    help: 'Jobs run, by handler and outcome',
    labelNames: ['job', 'outcome'],
    registers: [this.registry],
  });
  readonly jobDuration = new Histogram({
    name: 'tandem_job_duration_seconds',
    help: 'Job run time',
    labelNames: ['job'],
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 15],
    registers: [this.registry],
  });

  constructor(depth: { queue: () => Promise<number>; outbox: () => Promise<number> }) {
    collectDefaultMetrics({ register: this.registry, prefix: 'tandem_' });
    new Gauge({
      name: 'tandem_queue_depth',
      help: 'Jobs waiting or running on the queue transport',
      registers: [this.registry],
      async collect() {
        this.set(await depth.queue().catch(() => -1));
      },
    });
    new Gauge({
      name: 'tandem_outbox_pending',
      help: 'Outbox rows not yet completed (the record of work)',
      registers: [this.registry],
      async collect() {
        this.set(await depth.outbox().catch(() => -1));
      },
    });
  }

  recordJob = (job: string, outcome: string, ms: number) => {
    this.jobOutcomes.inc({ job, outcome });
    this.jobDuration.observe({ job }, ms / 1000);
  };

  /** Labels by route pattern, not raw path, to keep cardinality bounded. */
  middleware(): RequestHandler {
    return (req, res, next) => {
      const end = this.httpDuration.startTimer();
      res.on('finish', () => {
        const route = req.route?.path ? `${req.baseUrl}${req.route.path}` : req.baseUrl || 'unmatched';
        end({ method: req.method, route, status: String(res.statusCode) });
      });
      next();
    };
  }
}
