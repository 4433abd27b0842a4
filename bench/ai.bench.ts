/**
 * `npm run bench:ai`: AI stage overhead per turn with the offline model (guardrails, understanding,
 * scoring, retrieval, escalation, drafting, output checks). Prints p50/p95/p99 over N turns
 * (default 5000, `BENCH_TURNS`), as wall time and as the process's CPU time per turn. Target: p95 <= 5 ms.
 */
import { performance } from 'node:perf_hooks';
import { createAiPipeline } from '../core/ai/ai.pipeline';
import { createOfflineLanguageModel } from '../core/ai/models/offline.language-model';
import type { TurnHistoryItem } from '../core/ports/ai-pipeline.port';
import { loadCases, loadTenants } from '../eval/eval-runner';

const TURNS = Number(process.env.BENCH_TURNS ?? 5000);
const WARMUP = 300;
const TARGET_P95_MS = 5;

function percentile(sorted: number[], p: number): number {
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index];
}

async function main(): Promise<void> {
  const tenants = loadTenants();
  const cases = loadCases();
  const pipeline = createAiPipeline({ model: createOfflineLanguageModel() });
  const inputs = cases.map((c) => ({
    tenantId: 'bench',
    settings: tenants[c.tenant ?? 'solar'],
    lead: { firstName: 'Sam', score: 0, tag: 'COLD' as const, signals: [], language: null },
    history: (c.history ?? []).map(([author, body]): TurnHistoryItem => ({ direction: author === 'lead' ? 'in' : 'out', author, body, at: '2025-03-01T10:00:00Z' })),
    inbound: c.inbound,
    handedBack: Boolean(c.handedBack),
  }));

  for (let i = 0; i < WARMUP; i++) await pipeline.runTurn(inputs[i % inputs.length]);

  const durations: number[] = [];
  const cpu: number[] = [];
  const started = performance.now();
  for (let i = 0; i < TURNS; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await pipeline.runTurn(inputs[i % inputs.length]);
    durations.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  const wall = performance.now() - started;
  durations.sort((a, b) => a - b);
  cpu.sort((a, b) => a - b);
  const mean = durations.reduce((s, d) => s + d, 0) / durations.length;
  const p95 = percentile(durations, 95);
  const fmt = (ms: number) => `${ms.toFixed(3)} ms`;
  console.log(`AI pipeline, offline model: ${TURNS} turns over ${inputs.length} distinct messages (after ${WARMUP} warm-up turns)`);
  console.log(`  p50  ${fmt(percentile(durations, 50))}`);
  console.log(`  p95  ${fmt(p95)}`);
  console.log(`  p99  ${fmt(percentile(durations, 99))}`);
  console.log(`  max  ${fmt(durations[durations.length - 1])}`);
  console.log(`  mean ${fmt(mean)}   throughput ${Math.round((TURNS / wall) * 1000)} turns/s on one core`);
  // On a shared machine wall time includes waiting for a core; CPU time is the pipeline's own cost.
  console.log(`  CPU time per turn: p50 ${fmt(percentile(cpu, 50))}  p95 ${fmt(percentile(cpu, 95))}  p99 ${fmt(percentile(cpu, 99))}`);
  const load = (await import('node:os')).loadavg()[0];
  console.log(`  load average ${load.toFixed(1)} on ${(await import('node:os')).cpus().length} cores while measuring`);
  const cpuP95 = percentile(cpu, 95);
  console.log(`  target p95 <= ${TARGET_P95_MS} ms: wall ${p95 <= TARGET_P95_MS ? 'met' : 'missed'}, CPU ${cpuP95 <= TARGET_P95_MS ? 'met' : 'MISSED'}`);
  // Gate on CPU time: wall time on a shared, oversubscribed machine measures the neighbours.
  if (cpuP95 > TARGET_P95_MS) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
