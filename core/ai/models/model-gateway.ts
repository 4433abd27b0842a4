import type { LanguageModel, StructuredRequest } from '../../ports/language-model.port';
import type { AiLogger, ModelCallTrace } from '../ai-pipeline.types';
import { CircuitBreaker } from './circuit-breaker';
import { utcDay, type TokenUsageStore } from './token-usage.store';

export interface GatewayResult<T> {
  output: T;
  trace: ModelCallTrace;
  budgetExhausted: boolean;
  /** The main model's circuit is open: the pipeline escalates with a holding text. */
  circuitOpen: boolean;
}

export interface ModelGatewayOptions {
  model: LanguageModel;
  fallback: LanguageModel;
  usage?: TokenUsageStore;
  dailyTokenBudget?: number;
  clock: () => Date;
  logger?: AiLogger;
  failureThreshold: number;
  openMs: number;
}

/**
 * Puts the pipeline's guarantees around the main model: the tenant's daily token budget (use recorded),
 * a circuit breaker, and a fallback model for any failure. A turn always gets an answer.
 */
export class ModelGateway {
  readonly breaker: CircuitBreaker;

  constructor(private readonly options: ModelGatewayOptions) {
    this.breaker = new CircuitBreaker({ failureThreshold: options.failureThreshold, openMs: options.openMs }, () => options.clock().getTime());
  }

  async complete<T>(request: StructuredRequest<T>, traceTask: ModelCallTrace['task'] = request.task): Promise<GatewayResult<T>> {
    const { model, fallback, usage, dailyTokenBudget, logger } = this.options;
    if (model.offline) return this.viaFallback(model, request, traceTask, null, false, false);

    const day = utcDay(this.options.clock());
    if (usage && dailyTokenBudget !== undefined) {
      const used = await usage.usedToday(request.tenantId, day);
      if (used >= dailyTokenBudget) return this.viaFallback(fallback, request, traceTask, 'budget_exhausted', true, false);
    }
    if (!this.breaker.allow()) return this.viaFallback(fallback, request, traceTask, 'circuit_open', false, true);

    try {
      const { output, usage: used } = await model.complete(request);
      this.breaker.success();
      if (usage) {
        await usage.record(request.tenantId, {
          day,
          model: used.model,
          task: traceTask,
          promptTokens: used.promptTokens,
          completionTokens: used.completionTokens,
          at: this.options.clock().toISOString(),
        });
      }
      return {
        output,
        trace: { task: traceTask, model: used.model, offline: false, fallbackReason: null, promptTokens: used.promptTokens, completionTokens: used.completionTokens },
        budgetExhausted: false,
        circuitOpen: false,
      };
    } catch (error) {
      const opened = this.breaker.failure();
      const code = (error as { code?: unknown })?.code;
      const reason = typeof code === 'string' ? code : 'ai.model_error';
      // Metadata only: the request holds the lead's words and must not reach the logs.
      logger?.warn({ tenantId: request.tenantId, model: model.name, task: traceTask, reason, circuitOpened: opened }, 'language model failed; using fallback');
      return this.viaFallback(fallback, request, traceTask, reason, false, opened);
    }
  }

  private async viaFallback<T>(
    model: LanguageModel,
    request: StructuredRequest<T>,
    traceTask: ModelCallTrace['task'],
    fallbackReason: string | null,
    budgetExhausted: boolean,
    circuitOpen: boolean,
  ): Promise<GatewayResult<T>> {
    const { output, usage } = await model.complete(request);
    return {
      output,
      trace: { task: traceTask, model: usage.model, offline: model.offline, fallbackReason, promptTokens: usage.promptTokens, completionTokens: usage.completionTokens },
      budgetExhausted,
      circuitOpen,
    };
  }
}
