// `primer prompt --numbers 3,5,7 --target 22 [--task countdown] [--template base|chat] [--model DIR]`: prints
// the exact prompt text a model is given for one problem, the same bytes the notebook's cells, RL and WebLLM
// give it. Under --template chat the model's own chat template (its tokenizer_config.json) renders the
// messages; without --model, or for a model without a template, ChatML does.
import { chatTemplateOfConfig } from '../../engine/chatTemplate.ts';
import { readTokenizerConfig } from '../../engine/openDecoder.ts';
import { parseNumberList } from '../../tasks/countdown.ts';
import { taskNamed } from '../../tasks/registry.ts';
import { renderPrompt } from '../../tasks/task.ts';
import { CELL_SPECS } from '../../notebook/cells.ts';
import { fromField, parseCommand, type CommandSpec } from '../args.ts';
import { MODEL_FLAG, modelDirFlag } from '../modelFlags.ts';

export const spec = {
  summary: 'prints the exact prompt text a model is given for one problem',
  flags: {
    task: fromField(CELL_SPECS.sample.fields.task),
    numbers: { type: 'text', required: true, placeholder: 'LIST', help: "the problem's numbers, e.g. 3,5,7" },
    target: { type: 'number', integer: true, min: 0, required: true, help: "the problem's target" },
    template: fromField(CELL_SPECS.sample.fields.template),
    model: { ...MODEL_FLAG, required: false, help: 'the model whose chat template renders --template chat' },
  },
} as const satisfies CommandSpec;

export async function run(args: string[]): Promise<void> {
  const { values: v, flags } = parseCommand('prompt', spec, args);
  const problem = { numbers: parseNumberList(v.numbers), target: v.target };
  const dir = v.model === undefined ? undefined : await modelDirFlag(flags);
  const config = dir === undefined ? undefined : await readTokenizerConfig({ source: 'path', dir });
  process.stdout.write(renderPrompt(taskNamed(v.task), problem, v.template, chatTemplateOfConfig(config)));
}
