import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it } from 'vitest';
import { Store } from '../../src/store/db.ts';
import { Secrets, findSecret } from '../../src/store/secrets.ts';

const KEY = 'sk-ant-api03-TEST-0123456789-abcdefghijklmnop';

let opened: Store[] = [];
async function freshStore(name = `secrets-test-${crypto.randomUUID()}`): Promise<Store> {
  const store = await Store.open({ name });
  opened.push(store);
  return store;
}
afterEach(() => {
  for (const store of opened) store.close();
  opened = [];
});

describe('secrets', () => {
  it('keep a key in memory only, unless asked to remember it', async () => {
    const name = `secrets-test-${crypto.randomUUID()}`;
    const store = await freshStore(name);
    const secrets = await Secrets.open(store);
    await secrets.set('anthropic', KEY);
    expect(secrets.get('anthropic')).toBe(KEY);
    expect(secrets.isRemembered('anthropic')).toBe(false);
    expect(await store.idb.getAll('secrets')).toEqual([]);
    expect((await Secrets.open(await freshStore(name))).get('anthropic')).toBeUndefined(); // a reload forgets it

    await secrets.set('anthropic', KEY, { remember: true });
    expect(secrets.isRemembered('anthropic')).toBe(true);
    expect((await Secrets.open(await freshStore(name))).get('anthropic')).toBe(KEY); // a reload has it

    await secrets.set('anthropic', KEY); // unticking "remember" removes the device copy
    expect(await store.idb.getAll('secrets')).toEqual([]);
  });

  it('forget, and clearing all data forgets remembered keys', async () => {
    const store = await freshStore();
    const secrets = await Secrets.open(store);
    await secrets.set('huggingface', 'hf_token_value_1234', { remember: true });
    await secrets.forget('huggingface');
    expect(secrets.get('huggingface')).toBeUndefined();
    await secrets.set('anthropic', KEY, { remember: true });
    await store.clearAll();
    expect((await Secrets.open(store)).get('anthropic')).toBeUndefined();
    await secrets.forgetAll();
    expect(secrets.values()).toEqual([]);
  });

  it('never show their values when serialised or logged', async () => {
    const secrets = await Secrets.open(await freshStore());
    await secrets.set('anthropic', KEY);
    expect(JSON.stringify({ secrets })).toBe('{"secrets":{"set":["anthropic"]}}');
    expect(String(secrets)).not.toContain(KEY);
  });

  it('are found in text by value or by shape', () => {
    expect(findSecret(`const k = "${KEY}"`)).toBe('an Anthropic API key');
    expect(findSecret('token: hf_abcdefghijklmnopqrstuvwxyz0123456789')).toBe('a Hugging Face token');
    expect(findSecret('my key is plainpassword99', ['plainpassword99'])).toBe('a saved API key');
    expect(findSecret('sample 64 problems at temperature 1.0')).toBeNull();
  });
});
