// Priming data as JSONL for supervised fine-tuning, in TRL's prompt-completion form (one
// {"prompt", "completion"} object per line, with the problem's numbers and target alongside), and a reader
// for the SFT trainer that accepts TRL's prompt-completion and conversational forms and the paper's
// {"query", "completion"}, naming the line of any bad record.
import type { ChatMessage } from '../tasks/types.ts';
import type { PrimingDataset } from './types.ts';

export interface SftExample {
  /** Plain text, or chat messages for the model's chat template to render. */
  prompt: string | ChatMessage[];
  completion: string;
  numbers?: number[];
  target?: number;
}

export function toTrlJsonl(dataset: PrimingDataset): string {
  return dataset.traces
    .map((t) =>
      JSON.stringify({
        prompt: t.prompt,
        completion: t.completion,
        numbers: t.problem.numbers,
        target: t.problem.target,
      }),
    )
    .map((line) => `${line}\n`)
    .join('');
}

const ROLES = new Set(['system', 'user', 'assistant']);

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function readMessages(v: unknown, where: string, field: string): ChatMessage[] {
  if (!Array.isArray(v) || v.length === 0) throw new Error(`${where}: "${field}" must be a non-empty list of messages`);
  return v.map((m, i) => {
    if (!isRecord(m) || typeof m.role !== 'string' || !ROLES.has(m.role) || typeof m.content !== 'string') {
      throw new Error(`${where}: ${field}[${i}] must be {"role": "system"|"user"|"assistant", "content": string}`);
    }
    return { role: m.role as ChatMessage['role'], content: m.content };
  });
}

/** The assistant text of a completion given as a string or as one assistant message. */
function readCompletion(v: unknown, where: string): string {
  if (typeof v === 'string') return v;
  const messages = readMessages(v, where, 'completion');
  if (messages.some((m) => m.role !== 'assistant'))
    throw new Error(`${where}: "completion" messages must all be from the assistant`);
  return messages.map((m) => m.content).join('');
}

function readProblemFields(row: Record<string, unknown>, where: string): Pick<SftExample, 'numbers' | 'target'> {
  const numbers = row.numbers ?? row.nums;
  const out: Pick<SftExample, 'numbers' | 'target'> = {};
  if (numbers !== undefined) {
    if (!Array.isArray(numbers) || !numbers.every((n) => Number.isInteger(n)))
      throw new Error(`${where}: "numbers" must be a list of integers`);
    out.numbers = numbers as number[];
  }
  if (row.target !== undefined) {
    if (typeof row.target !== 'number') throw new Error(`${where}: "target" must be a number`);
    out.target = row.target;
  }
  return out;
}

function readRow(row: Record<string, unknown>, where: string): SftExample {
  const problem = readProblemFields(row, where);
  if (row.messages !== undefined) {
    const messages = readMessages(row.messages, where, 'messages');
    const last = messages[messages.length - 1];
    if (last.role !== 'assistant' || messages.length < 2)
      throw new Error(`${where}: "messages" must end with an assistant message after the prompt`);
    return { prompt: messages.slice(0, -1), completion: last.content, ...problem };
  }
  const prompt = row.prompt ?? row.query;
  if (prompt === undefined || row.completion === undefined) {
    throw new Error(`${where}: needs "prompt" (or "query") and "completion", or "messages"`);
  }
  const text = typeof prompt === 'string' ? prompt : readMessages(prompt, where, 'prompt');
  return { prompt: text, completion: readCompletion(row.completion, where), ...problem };
}

/** Parses SFT JSONL; `source` (a file name) is used in errors: "data.jsonl line 3: ...". Blank lines are skipped. */
export function parseSftJsonl(text: string, source = 'input'): SftExample[] {
  const examples: SftExample[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    const where = `${source} line ${i + 1}`;
    let row: unknown;
    try {
      row = JSON.parse(line);
    } catch (err) {
      throw new Error(`${where}: not valid JSON (${err instanceof Error ? err.message : String(err)})`, { cause: err });
    }
    if (!isRecord(row)) throw new Error(`${where}: expected a JSON object`);
    examples.push(readRow(row, where));
  });
  if (examples.length === 0) throw new Error(`${source}: no examples`);
  return examples;
}
