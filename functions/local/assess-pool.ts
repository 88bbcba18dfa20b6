import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { assess } from '../../shared/risk/assess.ts';
import { RiskError } from '../../shared/risk/errors.ts';
import type { Assessment } from '../../shared/schemas/assessment.ts';
import type { Assessor } from '../api/env.ts';
import type { AssessJob, AssessReply } from './assess-worker.ts';

/**
 * The local server's assessments, off its event loop: a large snapshot (5,000 options is
 * allowed) takes tens to hundreds of milliseconds of CPU, and one server thread would make
 * every other tenant's request wait behind it. Small snapshots (most) are assessed inline,
 * where a thread hop would cost more than it saves; large ones go to a pool of worker
 * threads, served fairly: each tenant has its own queue, the queues take turns, and one
 * tenant holds at most `perTenant` threads at once. Lambda needs none of this: an
 * instance serves one request at a time.
 */

export interface AssessPoolOptions {
  /** Worker threads. Default: the cores but one (at least 1). */
  readonly size?: number;
  /** Snapshots with fewer positions than this are assessed inline. Default 200. */
  readonly inlineBelow?: number;
  /** Threads one tenant may hold at once. Default: half the pool, at least 1. */
  readonly perTenant?: number;
}

interface Pending {
  readonly tenantId: string;
  readonly message: AssessJob;
  resolve(assessment: Assessment): void;
  reject(error: unknown): void;
}

export class AssessPool {
  readonly size: number;
  private readonly inlineBelow: number;
  private readonly perTenant: number;
  private readonly idle: Worker[] = [];
  private readonly workers: Worker[] = [];
  private readonly running = new Map<number, { pending: Pending; worker: Worker }>();
  /** Waiting jobs per tenant, tenants in the order they take turns. */
  private readonly queues = new Map<string, Pending[]>();
  private readonly busy = new Map<string, number>();
  private next = 0;
  private closed = false;

  constructor(options: AssessPoolOptions = {}) {
    this.size = Math.max(1, options.size ?? availableParallelism() - 1);
    this.inlineBelow = options.inlineBelow ?? 200;
    this.perTenant = Math.max(1, options.perTenant ?? Math.floor(this.size / 2));
  }

  /** The assessor for createApp: inline for small snapshots, the pool for large ones. */
  readonly assess: Assessor = (snapshot, options, tenantId) => {
    if (snapshot.positions.length < this.inlineBelow) return assess(snapshot, options);
    if (this.closed) return Promise.reject(new Error('the assessment pool is closed'));
    return new Promise<Assessment>((resolve, reject) => {
      const { solver: _solver, ...portable } = options;
      const pending: Pending = { tenantId, message: { job: this.next++, snapshot, options: portable }, resolve, reject };
      (this.queues.get(tenantId) ?? this.queues.set(tenantId, []).get(tenantId)!).push(pending);
      this.schedule();
    });
  };

  /** Stops the threads; jobs still waiting are refused. */
  async close(): Promise<void> {
    this.closed = true;
    for (const queue of this.queues.values()) for (const p of queue.splice(0)) p.reject(new Error('the assessment pool is closed'));
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  /** Hands waiting jobs to free threads, tenants taking turns. */
  private schedule(): void {
    while (true) {
      const tenantId = this.nextTenant();
      if (tenantId === undefined) return;
      const worker = this.idle.pop() ?? this.spawn();
      if (!worker) return;
      const pending = this.queues.get(tenantId)!.shift()!;
      // The tenant goes to the back of the line: the others' queues are served before its next job.
      const queue = this.queues.get(tenantId)!;
      this.queues.delete(tenantId);
      if (queue.length > 0) this.queues.set(tenantId, queue);
      this.busy.set(tenantId, (this.busy.get(tenantId) ?? 0) + 1);
      this.running.set(pending.message.job, { pending, worker });
      worker.postMessage(pending.message);
    }
  }

  /** The first tenant in turn with a waiting job and a thread to spare, if a thread is free. */
  private nextTenant(): string | undefined {
    if (this.idle.length === 0 && this.workers.length >= this.size) return undefined;
    for (const [tenantId, queue] of this.queues) {
      if (queue.length > 0 && (this.busy.get(tenantId) ?? 0) < this.perTenant) return tenantId;
    }
    return undefined;
  }

  private spawn(): Worker | undefined {
    if (this.workers.length >= this.size) return undefined;
    // The entry registers tsx's loader in the thread, then loads the TypeScript worker.
    const worker = new Worker(new URL('./assess-worker.mjs', import.meta.url));
    worker.unref();
    worker.on('message', (reply: AssessReply) => this.settle(worker, reply));
    worker.on('error', (error) => this.fail(worker, error));
    this.workers.push(worker);
    return worker;
  }

  private settle(worker: Worker, reply: AssessReply): void {
    const entry = this.running.get(reply.job);
    if (!entry) return;
    this.running.delete(reply.job);
    this.release(entry.pending.tenantId);
    this.idle.push(worker);
    if ('assessment' in reply) entry.pending.resolve(reply.assessment);
    else if ('riskError' in reply) {
      const { code, message, field } = reply.riskError;
      entry.pending.reject(new RiskError(code, message, field === undefined ? {} : { field }));
    } else entry.pending.reject(new Error(`assessment thread failed: ${reply.failure}`));
    this.schedule();
  }

  /** A thread that died takes its job with it; the pool replaces it on demand. */
  private fail(worker: Worker, error: unknown): void {
    this.workers.splice(this.workers.indexOf(worker), 1);
    for (const [job, entry] of this.running) {
      if (entry.worker !== worker) continue;
      this.running.delete(job);
      this.release(entry.pending.tenantId);
      entry.pending.reject(error);
    }
    this.schedule();
  }

  private release(tenantId: string): void {
    const n = (this.busy.get(tenantId) ?? 1) - 1;
    if (n > 0) this.busy.set(tenantId, n);
    else this.busy.delete(tenantId);
  }
}

