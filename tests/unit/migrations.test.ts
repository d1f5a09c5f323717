import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { openDB } from 'idb';
import { DB_VERSION, MIGRATIONS, runMigrations, type UpgradeDB, type UpgradeTx } from '../../src/store/migrations.ts';
import { Store } from '../../src/store/db.ts';
import { getNotebook, getOutputs } from '../../src/store/notebooks.ts';
import { tracesBy } from '../../src/store/traces.ts';
import { appendMetric, metricsOf } from '../../src/store/runs.ts';

/** Creates a database at `version` by running only the first `version` steps. */
async function openAt(name: string, version: number) {
  return openDB(name, version, {
    upgrade: (db, oldVersion, _new, tx) =>
      void runMigrations(
        MIGRATIONS.slice(0, version),
        db as unknown as UpgradeDB,
        oldVersion,
        tx as unknown as UpgradeTx,
      ),
  });
}

describe('migrations', () => {
  it('has one step per version', () => {
    expect(DB_VERSION).toBe(MIGRATIONS.length);
    expect(DB_VERSION).toBeGreaterThanOrEqual(3);
  });

  it('upgrades v1 data to the latest version without losing any of it', async () => {
    const name = `migrate-${crypto.randomUUID()}`;
    const v1 = await openAt(name, 1);
    expect([...v1.objectStoreNames].sort()).toEqual(['notebooks', 'outputs', 'secrets', 'settings', 'traces']);
    await v1.put('notebooks', {
      id: 'nb',
      title: 'Old',
      source: '# old',
      origin: 'user',
      trusted: false,
      createdAt: 1,
      updatedAt: 1,
    });
    await v1.put('outputs', {
      notebookId: 'nb',
      cellId: 's',
      kind: 'sample',
      status: 'done',
      paramsHash: 'h',
      value: [1, 2],
    });
    const old = {
      model: 'qwen',
      task: 'countdown',
      problem: { numbers: [1, 2], target: 3 },
      prompt: 'p',
      notebookId: 'nb',
      cellId: 's',
      createdAt: 1,
    };
    await v1.put('traces', { ...old, id: 'right', completion: 'a', reward: 1 });
    await v1.put('traces', { ...old, id: 'wrong', completion: 'b', reward: 0.1 });
    await v1.put('settings', { key: 'theme', value: 'dark' });
    v1.close();

    const store = await Store.open({ name });
    expect(store.idb.version).toBe(DB_VERSION);
    expect(await getNotebook(store, 'nb')).toMatchObject({ title: 'Old', source: '# old' });
    expect(await getOutputs(store, 'nb')).toEqual([expect.objectContaining({ cellId: 's', value: [1, 2] })]);
    expect(await store.idb.get('settings', 'theme')).toEqual({ key: 'theme', value: 'dark' });
    // v3 filled in `correct` from the reward, and indexes it
    expect((await tracesBy(store, 'correct', 1)).map((t) => t.id)).toEqual(['right']);
    expect((await tracesBy(store, 'correct', 0)).map((t) => [t.id, t.completion])).toEqual([['wrong', 'b']]);
    // v2's stores work
    await appendMetric(store, { runId: 'r', step: 0, at: 0, values: { loss: 2 } });
    expect(await metricsOf(store, 'r')).toHaveLength(1);
    store.close();
  });

  it('upgrades v2 to v3 as well', async () => {
    const name = `migrate-${crypto.randomUUID()}`;
    const v2 = await openAt(name, 2);
    await v2.put('traces', { id: 't', model: 'm', reward: 1, run: 'r', step: 4, notebookId: 'nb', cellId: 'c' });
    v2.close();
    const store = await Store.open({ name });
    expect((await tracesBy(store, 'runStep', ['r', 4]))[0]).toMatchObject({ id: 't', correct: 1 });
    store.close();
  });

  it('reports a failing step and leaves the database at its old version, data intact', async () => {
    const name = `migrate-${crypto.randomUUID()}`;
    const v1 = await openAt(name, 1);
    await v1.put('settings', { key: 'kept', value: 1 });
    v1.close();
    const broken = async () => {
      throw new Error('step 2 broke');
    };
    await expect(Store.open({ name, migrations: [MIGRATIONS[0], broken] })).rejects.toThrow(
      'Could not open the database: step 2 broke',
    );
    const after = await openDB(name);
    expect(after.version).toBe(1);
    expect(await after.get('settings', 'kept')).toEqual({ key: 'kept', value: 1 });
    after.close();
  });
});
