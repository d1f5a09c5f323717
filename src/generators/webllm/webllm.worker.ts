// WebLLM's engine, in its own module Worker: the handler owns an MLCEngine and answers the page-side
// WebWorkerMLCEngine's messages (reload, streamed completions, interrupt, unload). The package is imported
// statically here so the handler is listening before the first message arrives; the worker itself is only
// started by engine.ts's spawnWorkerEngine, so the app's first load does not include it.
import { WebWorkerMLCEngineHandler } from '@mlc-ai/web-llm';

const handler = new WebWorkerMLCEngineHandler();
self.onmessage = (event: MessageEvent) => handler.onmessage(event);
