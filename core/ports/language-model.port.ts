import type { z } from 'zod';

/** Which job a model call does: each may map to a different model (small for classify, strong for reply). */
export type ModelTask = 'classify' | 'reply';

export interface ModelMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface ModelUsage {
  model: string;
  promptTokens: number;
  completionTokens: number;
}

export interface StructuredRequest<T> {
  task: ModelTask;
  messages: ModelMessage[];
  /** Output schema; the answer is validated against it. */
  schema: z.ZodType<T>;
  schemaName: string;
  tenantId: string;
}

/**
 * A model that answers with validated structured output. The offline rules model and the
 * OpenAI-compatible adapter both implement it.
 */
export interface LanguageModel {
  readonly name: string;
  /** true for the deterministic offline model. */
  readonly offline: boolean;
  complete<T>(request: StructuredRequest<T>): Promise<{ output: T; usage: ModelUsage }>;
}
