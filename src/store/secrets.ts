// API keys (Anthropic, Hugging Face). They live in memory only, unless the user ticks "remember on
// this device"; then they are also written to the 'secrets' store, which backups and exports never read.
// Nothing here logs a value, and JSON.stringify of a Secrets object shows only which names are set.
import type { Store } from './db.ts';
import { SECRET_NAMES, type SecretName } from './schema.ts';

export { SECRET_NAMES, type SecretName };

export class Secrets {
  #values = new Map<SecretName, string>();
  #remembered = new Set<SecretName>();

  private constructor(private readonly store: Store) {}

  /** Loads the secrets remembered on this device into memory. */
  static async open(store: Store): Promise<Secrets> {
    const secrets = new Secrets(store);
    for (const record of await store.idb.getAll('secrets')) {
      secrets.#values.set(record.name, record.value);
      secrets.#remembered.add(record.name);
    }
    return secrets;
  }

  get(name: SecretName): string | undefined {
    return this.#values.get(name);
  }

  isRemembered(name: SecretName): boolean {
    return this.#remembered.has(name);
  }

  /** Keeps the value for this session; with remember, also on this device. Not remembering forgets any stored copy. */
  async set(name: SecretName, value: string, { remember = false } = {}): Promise<void> {
    if (!SECRET_NAMES.includes(name)) throw new Error(`Unknown secret "${name}"`);
    this.#values.set(name, value);
    if (remember) {
      await this.store.write(`the ${name} key`, ['secrets'], async (tx) => {
        await tx.store.put({ name, value, savedAt: Date.now() });
      });
      this.#remembered.add(name);
    } else {
      await this.#deleteStored(name);
    }
  }

  async forget(name: SecretName): Promise<void> {
    this.#values.delete(name);
    await this.#deleteStored(name);
  }

  /** Empties memory and the device copy (part of "clear all my data"). */
  async forgetAll(): Promise<void> {
    for (const name of SECRET_NAMES) await this.forget(name);
  }

  /** The values set now, for leak checks (findSecret). */
  values(): string[] {
    return [...this.#values.values()];
  }

  toJSON(): { set: SecretName[] } {
    return { set: [...this.#values.keys()] };
  }

  async #deleteStored(name: SecretName): Promise<void> {
    await this.store.write(`forgetting the ${name} key`, ['secrets'], async (tx) => {
      await tx.store.delete(name);
    });
    this.#remembered.delete(name);
  }
}

// Key shapes, so a key pasted into a notebook is caught even when it was never entered in Primer.
const SECRET_SHAPES: readonly { label: string; pattern: RegExp }[] = [
  { label: 'an Anthropic API key', pattern: /sk-ant-[A-Za-z0-9_-]{20,}/ },
  { label: 'a Hugging Face token', pattern: /\bhf_[A-Za-z0-9]{30,}/ },
];

/** Names the first secret found in `text` (a known value or a key-shaped string), or null. */
export function findSecret(text: string, known: readonly string[] = []): string | null {
  if (known.some((value) => value.length >= 8 && text.includes(value))) return 'a saved API key';
  return SECRET_SHAPES.find(({ pattern }) => pattern.test(text))?.label ?? null;
}
