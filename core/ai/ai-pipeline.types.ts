import type { LanguageModel } from '../ports/language-model.port';
import type { TokenUsageStore } from './models/token-usage.store';

/** A pino-compatible logger (only `warn` is used). Never handed message bodies or phone numbers. */
export interface AiLogger {
  warn(obj: Record<string, unknown>, msg?: string): void;
}

export interface AiPipelineOptions {
  /** The main model: the offline rules model by default, or an OpenAI-compatible one. */
  model: LanguageModel;
  /** Used when the main model fails, is over budget or its circuit is open. Default: the offline model. */
  fallback?: LanguageModel;
  usage?: TokenUsageStore;
  /** Tokens per tenant per UTC day for non-offline models. No limit when unset. */
  dailyTokenBudget?: number;
  clock?: () => Date;
  logger?: AiLogger;
  /** Consecutive model failures that open the circuit (default 5) and how long it stays open (default 30 s). */
  circuitBreaker?: { failureThreshold?: number; openMs?: number };
}

/** How one model call of a turn went: which model answered and why the fallback was used. */
export interface ModelCallTrace {
  task: 'classify' | 'reply' | 'opener';
  model: string;
  offline: boolean;
  /** `budget_exhausted`, `circuit_open`, or the failure code of the main model. */
  fallbackReason: string | null;
  promptTokens: number;
  completionTokens: number;
}
