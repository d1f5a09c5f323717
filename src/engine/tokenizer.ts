// Text <-> token ids and chat templates, from a model's own tokenizer.json and tokenizer_config.json, with
// Hugging Face's JavaScript tokenizer and Jinja engine (the same files and templates transformers uses).
import { Template } from '@huggingface/jinja';
import { Tokenizer } from '@huggingface/tokenizers';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

interface TokenizerConfig {
  chat_template?: string | { name: string; template: string }[];
  bos_token?: string | { content: string } | null;
  eos_token?: string | { content: string } | null;
}

function tokenText(t: TokenizerConfig['bos_token']): string {
  return typeof t === 'string' ? t : (t?.content ?? '');
}

export class TextTokenizer {
  private readonly tokenizer: Tokenizer;
  private readonly template?: Template;
  private readonly config: TokenizerConfig;

  constructor(tokenizerJson: string, tokenizerConfigJson: string) {
    const parse = (text: string, file: string): Record<string, unknown> => {
      try {
        const v = JSON.parse(text) as unknown;
        if (typeof v !== 'object' || v === null) throw new Error('not a JSON object');
        return v as Record<string, unknown>;
      } catch (err) {
        throw new Error(`${file}: ${err instanceof Error ? err.message : String(err)}`);
      }
    };
    const json = parse(tokenizerJson, 'tokenizer.json');
    this.config = parse(tokenizerConfigJson, 'tokenizer_config.json') as TokenizerConfig;
    this.tokenizer = new Tokenizer(json, this.config);
    const tpl = this.config.chat_template;
    const source = Array.isArray(tpl) ? tpl.find((t) => t.name === 'default')?.template : tpl;
    if (source) this.template = new Template(source);
  }

  get hasChatTemplate(): boolean {
    return this.template !== undefined;
  }

  /** Token ids of `text`; the tokenizer's own rules decide whether a BOS token is added. */
  encode(text: string, addSpecialTokens = true): number[] {
    return this.tokenizer.encode(text, { add_special_tokens: addSpecialTokens }).ids;
  }

  decode(ids: number[], skipSpecialTokens = true): string {
    return this.tokenizer.decode(ids, { skip_special_tokens: skipSpecialTokens });
  }

  tokenId(token: string): number | undefined {
    return this.tokenizer.token_to_id(token);
  }

  /** The prompt string the model's chat template makes of `messages`, ending with the assistant's turn. */
  applyChatTemplate(messages: ChatMessage[], addGenerationPrompt = true): string {
    if (!this.template) throw new Error('tokenizer_config.json has no chat_template: this is not a chat model');
    return this.template.render({
      messages,
      add_generation_prompt: addGenerationPrompt,
      bos_token: tokenText(this.config.bos_token),
      eos_token: tokenText(this.config.eos_token),
      date_string: '26 Jul 2024',
    });
  }

  /** A decoder that turns a growing list of ids into text deltas, holding back incomplete UTF-8 characters. */
  streamDecoder(): (ids: number[]) => string {
    let emitted = '';
    return (ids) => {
      const text = this.decode(ids);
      if (text.endsWith('\uFFFD')) return '';
      const delta = text.startsWith(emitted) ? text.slice(emitted.length) : text;
      emitted = text;
      return delta;
    };
  }
}
