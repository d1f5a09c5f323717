// The shapes every layer shares: a Countdown problem, and the generator interface that the engine,
// WebLLM and the judges all speak (prompt in, completions out).

export interface CountdownProblem {
  numbers: number[];
  target: number;
  /** One expression that reaches the target, kept from the solver for reference. */
  solution?: string;
}

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** A completion of a problem: what the reward and the behavior annotators read. */
export interface Trace {
  problem: CountdownProblem;
  completion: string;
}

export interface GenerateRequest {
  prompts: string[];
  maxTokens: number;
  /** 0 means greedy. */
  temperature: number;
  topP?: number;
  topK?: number;
  seed?: number;
  /** Generation of a row ends when its text ends with any of these. */
  stop?: string[];
  signal?: AbortSignal;
  /** Streams each row's newly decoded text as it appears (`tokens` tokens' worth, one when absent). */
  onText?: (row: number, delta: string, tokens?: number) => void;
}

export interface Generation {
  text: string;
  tokens: number;
  /** The generated token ids, where the generator exposes them (Primer's engine does; RL trains on them). */
  tokenIds?: number[];
  finish: 'eos' | 'stop' | 'length' | 'cancel';
  /** With finish 'eos': which of the model's eos ids was sampled (RL trains on that one). */
  eosId?: number;
}

export interface TextGenerator {
  readonly name: string;
  generate(request: GenerateRequest): Promise<Generation[]>;
}
