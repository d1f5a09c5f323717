// A model's chat template, from its tokenizer_config.json alone (chat_template, bos_token, eos_token), with
// Hugging Face's Jinja engine: the same rendering whether the weights are loaded here or not (WebLLM samples
// from prompts Primer renders).
import { Template } from '@huggingface/jinja';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface TokenizerConfig {
  chat_template?: string | { name: string; template: string }[];
  bos_token?: string | { content: string } | null;
  eos_token?: string | { content: string } | null;
}

export function tokenText(t: TokenizerConfig['bos_token']): string {
  return typeof t === 'string' ? t : (t?.content ?? '');
}

export function parseJsonObject(text: string, file: string): Record<string, unknown> {
  try {
    const v = JSON.parse(text) as unknown;
    if (typeof v !== 'object' || v === null) throw new Error('not a JSON object');
    return v as Record<string, unknown>;
  } catch (err) {
    throw new Error(`${file}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}

export class ChatTemplate {
  private readonly template?: Template;

  constructor(private readonly config: TokenizerConfig) {
    const tpl = config.chat_template;
    const source = Array.isArray(tpl) ? tpl.find((t) => t.name === 'default')?.template : tpl;
    if (source) this.template = new Template(source);
  }

  static parse(tokenizerConfigJson: string): ChatTemplate {
    return new ChatTemplate(parseJsonObject(tokenizerConfigJson, 'tokenizer_config.json') as TokenizerConfig);
  }

  get present(): boolean {
    return this.template !== undefined;
  }

  /** The prompt string the template makes of `messages`, ending with the assistant's turn. */
  apply(messages: ChatMessage[], addGenerationPrompt = true): string {
    if (!this.template) throw new Error('tokenizer_config.json has no chat_template: this is not a chat model');
    return this.template.render({
      messages,
      add_generation_prompt: addGenerationPrompt,
      bos_token: tokenText(this.config.bos_token),
      eos_token: tokenText(this.config.eos_token),
      date_string: '26 Jul 2024',
    });
  }
}

/** The template of a tokenizer_config.json as a function, or undefined when it has none. */
export function chatTemplateOfConfig(
  config: TokenizerConfig | undefined,
): ((messages: ChatMessage[]) => string) | undefined {
  const template = config && new ChatTemplate(config);
  return template?.present ? (messages) => template.apply(messages) : undefined;
}
