import nock from 'nock';
import { z } from 'zod';
import { ReplyDecisionSchema } from '../prompts/prompts';
import { createOpenAiLanguageModel, LanguageModelError, parseResetDuration, serverRetryDelayMs } from './openai.language-model';

const BASE = 'https://api.openai.com';
const AnswerSchema = z.object({ answer: z.string(), note: z.string().nullable() });

/** A Chat Completions response shaped like the API reference. */
function completion(content: string | null, overrides: Record<string, unknown> = {}) {
  return {
    id: 'chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT',
    object: 'chat.completion',
    created: 1741569952,
    model: 'gpt-4o-mini-2024-07-18',
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content, refusal: null, annotations: [] },
        logprobs: null,
        finish_reason: 'stop',
      },
    ],
    usage: {
      prompt_tokens: 52,
      completion_tokens: 12,
      total_tokens: 64,
      prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
    },
    service_tier: 'default',
    system_fingerprint: 'fp_06737a9306',
    ...overrides,
  };
}

const rateLimitError = {
  error: { message: 'Rate limit reached for gpt-4o-mini on requests per min (RPM): Limit 3, Used 3, Requested 1.', type: 'requests', param: null, code: 'rate_limit_exceeded' },
};

function model(overrides: Partial<Parameters<typeof createOpenAiLanguageModel>[0]> = {}) {
  const sleeps: number[] = [];
  const m = createOpenAiLanguageModel({
    apiKey: 'sk-test',
    models: { classify: 'gpt-4o-mini', reply: 'gpt-4o' },
    timeoutMs: 10_000,
    maxRetries: 2,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 1,
    ...overrides,
  });
  return { m, sleeps };
}

const request = {
  task: 'classify' as const,
  messages: [
    { role: 'system' as const, content: 'Classify.' },
    { role: 'user' as const, content: '{"task":"classify","inbound":"how much?"}' },
  ],
  schema: AnswerSchema,
  schemaName: 'answer',
  tenantId: 't1',
};

describe('OpenAI-compatible language model', () => {
  it('sends a strict json_schema request to the task model and returns validated output with usage', async () => {
    let body: unknown;
    const scope = nock(BASE, { reqheaders: { authorization: 'Bearer sk-test' } })
      .post('/v1/chat/completions', (b) => {
        body = b;
        return true;
      })
      .reply(200, completion('{"answer":"pricing","note":null}'));
    const { m } = model();
    const result = await m.complete(request);
    expect(scope.isDone()).toBe(true);
    expect(body).toEqual({
      model: 'gpt-4o-mini',
      messages: request.messages,
      response_format: {
        type: 'json_schema',
        json_schema: {
          name: 'answer',
          strict: true,
          schema: {
            $schema: 'http://json-schema.org/draft-07/schema#',
            type: 'object',
            properties: { answer: { type: 'string' }, note: { type: ['string', 'null'] } },
            required: ['answer', 'note'],
            additionalProperties: false,
          },
        },
      },
    });
    expect(result).toEqual({ output: { answer: 'pricing', note: null }, usage: { model: 'gpt-4o-mini-2024-07-18', promptTokens: 52, completionTokens: 12 } });
  });

  it('uses the reply model for reply tasks and a configurable base URL', async () => {
    let sentModel: unknown;
    const scope = nock('http://127.0.0.1:8089')
      .post('/v1/chat/completions', (b) => {
        sentModel = (b as { model: string }).model;
        return true;
      })
      .reply(200, completion('{"answer":"ok","note":"n"}'));
    const { m } = model({ baseURL: 'http://127.0.0.1:8089/v1' });
    await m.complete({ ...request, task: 'reply' });
    expect(scope.isDone()).toBe(true);
    expect(sentModel).toBe('gpt-4o');
  });

  it('the pipeline reply schema is strict-compatible: every property is required', () => {
    const { zodResponseFormat } = jest.requireActual('openai/helpers/zod');
    const format = zodResponseFormat(ReplyDecisionSchema, 'reply_decision');
    const schema = format.json_schema.schema as { properties: Record<string, unknown>; required: string[]; additionalProperties: boolean };
    expect(schema.required.sort()).toEqual(Object.keys(schema.properties).sort());
    expect(schema.additionalProperties).toBe(false);
  });

  it('rejects output that does not match the schema with ai.model_output_invalid', async () => {
    nock(BASE).post('/v1/chat/completions').reply(200, completion('{"answer":42}'));
    const { m } = model();
    await expect(m.complete(request)).rejects.toMatchObject({ code: 'ai.model_output_invalid' });
  });

  it('rejects non-JSON content, refusals and truncated answers', async () => {
    nock(BASE).post('/v1/chat/completions').reply(200, completion('Sure! The answer is pricing.'));
    nock(BASE)
      .post('/v1/chat/completions')
      .reply(200, completion(null, { choices: [{ index: 0, message: { role: 'assistant', content: null, refusal: "I'm sorry, I can't help with that." }, logprobs: null, finish_reason: 'stop' }] }));
    nock(BASE)
      .post('/v1/chat/completions')
      .reply(200, completion('{"answer":"pri', { choices: [{ index: 0, message: { role: 'assistant', content: '{"answer":"pri', refusal: null }, logprobs: null, finish_reason: 'length' }] }));
    const { m } = model();
    await expect(m.complete(request)).rejects.toMatchObject({ code: 'ai.model_output_invalid' });
    await expect(m.complete(request)).rejects.toMatchObject({ code: 'ai.model_refused' });
    await expect(m.complete(request)).rejects.toMatchObject({ code: 'ai.model_output_invalid' });
  });

  it('retries a 429 after the retry-after the server asked for, then succeeds', async () => {
    const scope = nock(BASE)
      .post('/v1/chat/completions')
      .reply(429, rateLimitError, { 'retry-after': '2', 'x-ratelimit-remaining-requests': '0', 'x-ratelimit-reset-requests': '20s' })
      .post('/v1/chat/completions')
      .reply(200, completion('{"answer":"ok","note":null}'));
    const { m, sleeps } = model();
    const result = await m.complete(request);
    expect(scope.isDone()).toBe(true);
    expect(sleeps).toEqual([2000]);
    expect(result.output.answer).toBe('ok');
  });

  it('honours retry-after-ms and x-ratelimit-reset-* headers', async () => {
    const scope = nock(BASE)
      .post('/v1/chat/completions')
      .reply(429, rateLimitError, { 'retry-after-ms': '350' })
      .post('/v1/chat/completions')
      .reply(429, rateLimitError, { 'x-ratelimit-remaining-tokens': '0', 'x-ratelimit-reset-tokens': '1.5s', 'x-ratelimit-reset-requests': '100ms' })
      .post('/v1/chat/completions')
      .reply(200, completion('{"answer":"ok","note":null}'));
    const { m, sleeps } = model();
    await m.complete(request);
    expect(scope.isDone()).toBe(true);
    expect(sleeps).toEqual([350, 1500]);
  });

  it('backs off exponentially on 5xx and gives up after maxRetries', async () => {
    const scope = nock(BASE)
      .post('/v1/chat/completions')
      .times(3)
      .reply(503, { error: { message: 'The server is overloaded', type: 'server_error', param: null, code: null } });
    const { m, sleeps } = model({ baseRetryDelayMs: 100 });
    const error = await m.complete(request).catch((e: unknown) => e);
    expect(scope.isDone()).toBe(true);
    expect(error).toBeInstanceOf(LanguageModelError);
    expect(error).toMatchObject({ code: 'ai.model_http_error', status: 503 });
    expect(sleeps).toEqual([100, 200]);
  });

  it('does not wait out a rate limit longer than maxRetryDelayMs, and never retries insufficient_quota', async () => {
    nock(BASE).post('/v1/chat/completions').reply(429, rateLimitError, { 'retry-after': '120' });
    nock(BASE)
      .post('/v1/chat/completions')
      .reply(429, { error: { message: 'You exceeded your current quota', type: 'insufficient_quota', param: null, code: 'insufficient_quota' } });
    const { m, sleeps } = model();
    await expect(m.complete(request)).rejects.toMatchObject({ code: 'ai.model_rate_limited' });
    await expect(m.complete(request)).rejects.toMatchObject({ code: 'ai.model_rate_limited' });
    expect(sleeps).toEqual([]);
  });

  it('times out a slow answer with ai.model_timeout and does not retry it', async () => {
    const scope = nock(BASE).post('/v1/chat/completions').delay(1000).reply(200, completion('{"answer":"late","note":null}'));
    const { m, sleeps } = model({ timeoutMs: 50 });
    await expect(m.complete(request)).rejects.toMatchObject({ code: 'ai.model_timeout' });
    expect(scope.isDone()).toBe(true);
    expect(sleeps).toEqual([]);
  });

  it('refuses a config without a key or models', () => {
    expect(() => createOpenAiLanguageModel({ apiKey: '', models: { classify: 'a', reply: 'b' } })).toThrow('ai.config_invalid');
    expect(() => createOpenAiLanguageModel({ apiKey: 'k', models: { classify: '', reply: 'b' } })).toThrow('ai.config_invalid');
  });
});

describe('rate-limit header parsing', () => {
  it.each([
    ['1s', 1000],
    ['6m0s', 360_000],
    ['20ms', 20],
    ['1h2m3.5s', 3_723_500],
    ['', null],
    ['soon', null],
  ])('parseResetDuration(%p) = %p', (value, expected) => {
    expect(parseResetDuration(value)).toBe(expected);
  });

  it('reads an HTTP-date retry-after against the clock', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(serverRetryDelayMs(new Headers({ 'retry-after': 'Wed, 01 Jan 2025 00:00:03 GMT' }), () => now)).toBe(3000);
    expect(serverRetryDelayMs(new Headers({}), () => now)).toBeNull();
  });
});
