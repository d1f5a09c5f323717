// `primer prompt --numbers 3,5,7 --target 22 [--task countdown] [--template base|chat] [--model DIR]`: prints
// the exact prompt text a model is given for one problem, the same bytes the notebook's cells, RL and WebLLM
// give it. Under --template chat the model's own chat template (its tokenizer_config.json) renders the
// messages; without --model, or for a model without a template, ChatML does.
import { chatTemplateOfConfig } from '../../engine/chatTemplate.ts';
import { readTokenizerConfig } from '../../engine/openDecoder.ts';
import { parseNumberList } from '../../tasks/countdown.ts';
import { taskNamed } from '../../tasks/registry.ts';
import { renderPrompt } from '../../tasks/task.ts';
import { checkKnownFlags, flag, integerFlag, parseFlags, requireFlag } from '../args.ts';
import { modelDirFlag } from '../modelFlags.ts';

const FLAGS = ['task', 'numbers', 'target', 'template', 'model'];

export async function run(args: string[]): Promise<void> {
  const flags = parseFlags(args);
  checkKnownFlags(flags, FLAGS);
  const task = taskNamed(flag(flags, 'task') ?? 'countdown');
  const template = flag(flags, 'template') ?? 'base';
  if (template !== 'base' && template !== 'chat') throw new Error(`--template must be base or chat, got "${template}"`);
  const problem = { numbers: parseNumberList(requireFlag(flags, 'numbers')), target: integerFlag(flags, 'target', 0) };
  requireFlag(flags, 'target');
  const dir = flag(flags, 'model') === undefined ? undefined : await modelDirFlag(flags);
  const config = dir === undefined ? undefined : await readTokenizerConfig({ source: 'path', dir });
  process.stdout.write(renderPrompt(task, problem, template, chatTemplateOfConfig(config)));
}
