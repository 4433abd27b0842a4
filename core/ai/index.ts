/**
 * The AI pipeline: the `AiPipeline` and `LanguageModel` ports' implementations. The server composes it with
 * `createAiPipeline({ model })`, where model is `createOfflineLanguageModel()` (default, no key) or
 * `createOpenAiLanguageModel({...})` when OPENAI_API_KEY is set.
 */
export { createAiPipeline, resolveSettings, fitOpener, OPT_OUT_LINE } from './ai.pipeline';
export type { AiLogger, AiPipelineOptions, ModelCallTrace } from './ai-pipeline.types';
export { createOfflineLanguageModel, OFFLINE_MODEL_NAME } from './models/offline.language-model';
export {
  createOpenAiLanguageModel,
  buildChatCompletionBody,
  LanguageModelError,
  type OpenAiLanguageModelConfig,
} from './models/openai.language-model';
export { InMemoryTokenUsageStore, utcDay, type TokenUsageRecord, type TokenUsageStore } from './models/token-usage.store';
export { scoreForm, scoreTurn, scoreFromSignals, tagFor, SIGNAL_RULES, HOT_THRESHOLD, WARM_THRESHOLD } from './scoring/lead-scoring';
export { checkInput } from './guardrails/input.guardrail';
export { checkOutput } from './guardrails/output.guardrail';
export { analyzeText } from './analysis/text-analysis';
export { INTENTS, type Intent } from './lexicon/lexicons';
