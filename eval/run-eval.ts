/**
 * `npm run eval`: runs the labelled cases through the pipeline with the offline model and, when
 * OPENAI_API_KEY is set, with the OpenAI-compatible model too. Exits 1 when the offline model misses a
 * threshold.
 */
import { createOfflineLanguageModel } from '../core/ai/models/offline.language-model';
import { createOpenAiLanguageModel } from '../core/ai/models/openai.language-model';
import path from 'node:path';
import { formatReport, loadCases, runEval, thresholdFailures } from './eval-runner';

async function main(): Promise<void> {
  const offline = await runEval(createOfflineLanguageModel(), 'offline rules model');
  console.log(formatReport(offline));
  const failures = thresholdFailures(offline);

  // Held-out cases written after the lexicons were tuned on eval/cases and never tuned on: an honest
  // estimate of how the offline model does on text it has not seen. Reported, not gated.
  const holdout = await runEval(createOfflineLanguageModel(), 'offline rules model, HELD-OUT cases', loadCases(path.join(__dirname, 'holdout')));
  console.log(`\n${formatReport(holdout)}`);

  if (process.env.OPENAI_API_KEY) {
    const model = createOpenAiLanguageModel({
      apiKey: process.env.OPENAI_API_KEY,
      baseURL: process.env.OPENAI_BASE_URL || undefined,
      models: {
        classify: process.env.OPENAI_MODEL_CLASSIFY || 'gpt-4o-mini',
        reply: process.env.OPENAI_MODEL_REPLY || 'gpt-4o-mini',
      },
      timeoutMs: 20_000,
      maxRetries: 2,
    });
    const online = await runEval(model, `OpenAI-compatible (${model.name})`);
    console.log(`\n${formatReport(online)}`);
    const onlineFailures = thresholdFailures(online);
    if (onlineFailures.length > 0) console.log(`\nOpenAI-compatible model below the offline bar: ${onlineFailures.join('; ')}`);
  } else {
    console.log('\n(OPENAI_API_KEY not set: the OpenAI-compatible model was not evaluated)');
  }

  if (failures.length > 0) {
    console.error(`\nFAILED thresholds: ${failures.join('; ')}`);
    process.exitCode = 1;
  } else {
    console.log('\nAll offline thresholds met: escalation recall 100%, injection block >= 95%, false positives <= 3%, no invented prices.');
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
