import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError } from 'openai';
import { zodResponseFormat } from 'openai/helpers/zod';
import type { LanguageModel, ModelMessage, ModelTask, ModelUsage, StructuredRequest } from '../../ports/language-model.port';
import type { AiLogger } from '../ai-pipeline.types';

/** Settings of the OpenAI-compatible adapter. Any server speaking the Chat Completions API works. */
export interface OpenAiLanguageModelConfig {
  apiKey: string;
  /** e.g. `https://api.openai.com/v1` (default) or a local OpenAI-compatible server (OPENAI_BASE_URL). */
  baseURL?: string;
  /** A model per task: small and fast for classify, stronger for reply. */
  models: Record<ModelTask, string>;
  /** Per attempt. Default 15 s. */
  timeoutMs?: number;
  /** Our own retries on 429, 5xx and connection errors (the SDK's are off). Default 2. */
  maxRetries?: number;
  /** First backoff step; doubles per attempt. Default 500 ms. */
  baseRetryDelayMs?: number;
  /** A rate-limit wait longer than this is not waited for: the call fails over at once. Default 20 s. */
  maxRetryDelayMs?: number;
  temperature?: number;
  /** Cap on completion tokens per call (sent as `max_completion_tokens`). */
  maxCompletionTokens?: number;
  organization?: string;
  /** For tests: the fetch to use, and a sleep that need not wait. */
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  logger?: AiLogger;
}

export type LanguageModelErrorCode =
  | 'ai.model_timeout'
  | 'ai.model_rate_limited'
  | 'ai.model_http_error'
  | 'ai.model_connection'
  | 'ai.model_output_invalid'
  | 'ai.model_refused';

/** A failed model call with a namespaced code; the pipeline falls back to the offline model on any of them. */
export class LanguageModelError extends Error {
  constructor(
    readonly code: LanguageModelErrorCode,
    message: string,
    readonly status?: number,
  ) {
    super(`${code}: ${message}`);
    this.name = 'LanguageModelError';
  }
}

/** The Chat Completions request body the adapter sends for a structured request. */
export function buildChatCompletionBody<T>(
  request: Pick<StructuredRequest<T>, 'task' | 'messages' | 'schema' | 'schemaName'>,
  config: Pick<OpenAiLanguageModelConfig, 'models' | 'temperature' | 'maxCompletionTokens'>,
): OpenAI.Chat.Completions.ChatCompletionCreateParamsNonStreaming {
  const body: OpenAI.Chat.Completions.ChatCompletionCreateParamsNonStreaming = {
    model: config.models[request.task],
    messages: request.messages.map((m: ModelMessage) => ({ role: m.role, content: m.content })),
    // zodResponseFormat understands zod 4 and emits strict json_schema (all fields required, no extras).
    response_format: zodResponseFormat(request.schema as never, request.schemaName),
  };
  if (config.temperature !== undefined) body.temperature = config.temperature;
  if (config.maxCompletionTokens !== undefined) body.max_completion_tokens = config.maxCompletionTokens;
  return body;
}

/** Parses a duration like OpenAI's reset headers: "1s", "6m0s", "20ms", "1h2m3.5s". */
export function parseResetDuration(value: string | null | undefined): number | null {
  if (!value) return null;
  let total = 0;
  let matched = false;
  for (const m of value.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) {
    matched = true;
    const n = Number(m[1]);
    total += m[2] === 'ms' ? n : m[2] === 's' ? n * 1000 : m[2] === 'm' ? n * 60_000 : n * 3_600_000;
  }
  return matched ? Math.ceil(total) : null;
}

/**
 * How long the server asks us to wait: `retry-after-ms`, then `retry-after` (seconds or an HTTP date), then
 * the `x-ratelimit-reset-*` of whichever limit is exhausted. Null when the server says nothing.
 */
export function serverRetryDelayMs(headers: Headers | undefined, now: () => number = Date.now): number | null {
  if (!headers) return null;
  const ms = Number(headers.get('retry-after-ms'));
  if (headers.get('retry-after-ms') !== null && Number.isFinite(ms) && ms >= 0) return Math.ceil(ms);
  const retryAfter = headers.get('retry-after');
  if (retryAfter !== null) {
    const seconds = Number(retryAfter);
    if (Number.isFinite(seconds) && seconds >= 0) return Math.ceil(seconds * 1000);
    const date = Date.parse(retryAfter);
    if (Number.isFinite(date)) return Math.max(0, date - now());
  }
  const resetRequests = parseResetDuration(headers.get('x-ratelimit-reset-requests'));
  const resetTokens = parseResetDuration(headers.get('x-ratelimit-reset-tokens'));
  const exhausted: number[] = [];
  if (headers.get('x-ratelimit-remaining-requests') === '0' && resetRequests !== null) exhausted.push(resetRequests);
  if (headers.get('x-ratelimit-remaining-tokens') === '0' && resetTokens !== null) exhausted.push(resetTokens);
  if (exhausted.length > 0) return Math.max(...exhausted);
  const known = [resetRequests, resetTokens].filter((v): v is number => v !== null);
  return known.length > 0 ? Math.min(...known) : null;
}

const sleepReal = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function retryable(error: unknown): boolean {
  if (error instanceof APIConnectionTimeoutError) return false; // a slow model stays slow: fail over instead
  if (error instanceof APIError && typeof error.status === 'number') {
    const code = (error as APIError & { code?: string | null }).code;
    if (error.status === 429 && code === 'insufficient_quota') return false; // billing, not a rate limit
    return error.status === 429 || error.status === 408 || error.status === 409 || error.status >= 500;
  }
  return error instanceof APIConnectionError;
}

function toModelError(error: unknown): LanguageModelError {
  if (error instanceof LanguageModelError) return error;
  if (error instanceof APIConnectionTimeoutError) return new LanguageModelError('ai.model_timeout', 'the model did not answer in time');
  if (error instanceof APIError && typeof error.status === 'number') {
    return new LanguageModelError(error.status === 429 ? 'ai.model_rate_limited' : 'ai.model_http_error', `HTTP ${error.status}`, error.status);
  }
  if (error instanceof APIConnectionError) return new LanguageModelError('ai.model_connection', 'could not reach the model endpoint');
  return new LanguageModelError('ai.model_connection', error instanceof Error ? error.message : 'unknown error');
}

/**
 * The OpenAI-compatible adapter on the official SDK: strict json_schema structured output validated by the
 * request's zod schema, a model per task, a timeout per attempt, and retries with backoff on 429/5xx that
 * honour the server's rate-limit headers. Budget, circuit breaker and fallback live in the pipeline.
 */
export function createOpenAiLanguageModel(config: OpenAiLanguageModelConfig): LanguageModel {
  if (!config.apiKey) throw new Error('ai.config_invalid: apiKey is required for the OpenAI-compatible model');
  if (!config.models?.classify || !config.models?.reply) throw new Error('ai.config_invalid: models.classify and models.reply are required');
  const timeoutMs = config.timeoutMs ?? 15_000;
  const maxRetries = config.maxRetries ?? 2;
  const baseDelay = config.baseRetryDelayMs ?? 500;
  const maxDelay = config.maxRetryDelayMs ?? 20_000;
  const sleep = config.sleep ?? sleepReal;
  const random = config.random ?? Math.random;
  const client = new OpenAI({
    apiKey: config.apiKey,
    baseURL: config.baseURL,
    organization: config.organization,
    timeout: timeoutMs + 1000,
    // Our loop retries (with rate-limit headers and logging); the SDK must not retry underneath it.
    maxRetries: 0,
    fetch: config.fetch,
  });
  const name = `openai:${config.models.reply}`;

  async function call<T>(request: StructuredRequest<T>): Promise<OpenAI.Chat.Completions.ChatCompletion> {
    const body = buildChatCompletionBody(request, config);
    for (let attempt = 0; ; attempt++) {
      // Our own deadline: fetch implementations differ in how an SDK-side timeout surfaces, ours is unambiguous.
      const deadline = new AbortController();
      const timer = setTimeout(() => deadline.abort(), timeoutMs);
      try {
        return await client.chat.completions.create(body, { signal: deadline.signal, timeout: timeoutMs + 1000, maxRetries: 0 });
      } catch (error) {
        // A slow model stays slow: a timeout fails over at once instead of being retried.
        if (deadline.signal.aborted) throw new LanguageModelError('ai.model_timeout', `no answer within ${timeoutMs} ms`);
        if (attempt >= maxRetries || !retryable(error)) throw toModelError(error);
        const server = serverRetryDelayMs(error instanceof APIError ? error.headers : undefined);
        const backoff = Math.round(baseDelay * 2 ** attempt * (0.5 + random() / 2));
        const delay = server ?? backoff;
        if (delay > maxDelay) throw toModelError(error);
        config.logger?.warn(
          { model: body.model, task: request.task, status: error instanceof APIError ? error.status : null, attempt: attempt + 1, delayMs: delay },
          'language model call failed; retrying',
        );
        await sleep(delay);
      } finally {
        clearTimeout(timer);
      }
    }
  }

  return {
    name,
    offline: false,
    async complete<T>(request: StructuredRequest<T>): Promise<{ output: T; usage: ModelUsage }> {
      const completion = await call(request);
      const choice = completion.choices?.[0];
      const message = choice?.message;
      if (message?.refusal) throw new LanguageModelError('ai.model_refused', 'the model refused to answer');
      if (choice?.finish_reason === 'length') throw new LanguageModelError('ai.model_output_invalid', 'the answer was cut off (length)');
      const content = message?.content;
      if (typeof content !== 'string' || content.length === 0) throw new LanguageModelError('ai.model_output_invalid', 'empty answer');
      let json: unknown;
      try {
        json = JSON.parse(content);
      } catch {
        throw new LanguageModelError('ai.model_output_invalid', 'the answer is not JSON');
      }
      const parsed = request.schema.safeParse(json);
      if (!parsed.success) {
        const paths = parsed.error.issues.map((i) => i.path.join('.') || '(root)').slice(0, 5).join(', ');
        throw new LanguageModelError('ai.model_output_invalid', `the answer does not match ${request.schemaName} at ${paths}`);
      }
      return {
        output: parsed.data,
        usage: {
          model: completion.model ?? config.models[request.task],
          promptTokens: completion.usage?.prompt_tokens ?? 0,
          completionTokens: completion.usage?.completion_tokens ?? 0,
        },
      };
    },
  };
}
