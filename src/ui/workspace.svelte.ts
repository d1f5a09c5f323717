// The user's workspace: the IndexedDB store, the notebooks in it (shipped ones are copied in on first use, so
// edits and outputs survive reloads), and storage health.
import { Store } from '../store/db.ts';
import { requestPersistence, storageEstimate, formatBytes, type Persistence } from '../store/health.ts';
import {
  getNotebook,
  importNotebook,
  listNotebooks,
  saveNotebook,
  resetNotebook,
  setTrusted,
} from '../store/notebooks.ts';
import type { NotebookOrigin, NotebookRecord } from '../store/schema.ts';
import { Secrets } from '../store/secrets.ts';
import { shippedNotebooks } from './shipped.ts';

export class Workspace {
  notebooks = $state<NotebookRecord[]>([]);
  usage = $state('');
  persistence = $state<Persistence | 'unknown'>('unknown');
  error = $state('');
  #store: Promise<Store> | undefined;
  secrets = $state.raw<Secrets>();

  store(): Promise<Store> {
    this.#store ??= Store.open();
    return this.#store;
  }

  async init(): Promise<void> {
    try {
      const store = await this.store();
      this.secrets = await Secrets.open(store);
      const existing = (await listNotebooks(store)).map((n) => n.id);
      for (const nb of shippedNotebooks) {
        if (!existing.includes(nb.id))
          await saveNotebook(store, { id: nb.id, title: nb.title, source: nb.source, origin: 'shipped' });
      }
      await this.refresh();
      this.persistence = await requestPersistence();
    } catch (err) {
      this.error = `Storage is unavailable: ${err instanceof Error ? err.message : String(err)}`;
    }
  }

  async refresh(): Promise<void> {
    const store = await this.store();
    this.notebooks = (await listNotebooks(store)).sort((a, b) => a.id.localeCompare(b.id));
    const est = await storageEstimate();
    this.usage = est ? `${formatBytes(est.usage)} of ${formatBytes(est.quota)} used` : '';
  }

  async get(id: string): Promise<NotebookRecord | undefined> {
    return getNotebook(await this.store(), id);
  }

  async save(id: string, title: string, source: string, origin: NotebookOrigin): Promise<NotebookRecord> {
    const record = await saveNotebook(await this.store(), { id, title, source, origin });
    await this.refresh();
    return record;
  }

  /**
   * Stores a notebook from a file or link under a new id, untrusted. When a notebook of the same title
   * exists (not a shipped one), `replace(title)` is asked whether the new one takes its place.
   */
  async import(
    title: string,
    source: string,
    origin: 'file' | 'link',
    baseId: string,
    replace: (title: string) => boolean,
  ): Promise<NotebookRecord> {
    const store = await this.store();
    const same = (await listNotebooks(store)).find((n) => n.title === title && n.origin !== 'shipped');
    const replaces = same && replace(title) ? same.id : undefined;
    const record = await importNotebook(store, { title, source, origin, baseId, replaces });
    await this.refresh();
    return record;
  }

  async trust(id: string): Promise<void> {
    await setTrusted(await this.store(), id, true);
  }

  /** Puts a shipped notebook's text back; its outputs stay and turn stale where the text changed. */
  async resetToShipped(id: string): Promise<NotebookRecord> {
    const shipped = shippedNotebooks.find((n) => n.id === id);
    if (!shipped) throw new Error(`"${id}" is not a shipped notebook`);
    const record = await resetNotebook(await this.store(), id, shipped.title, shipped.source);
    await this.refresh();
    return record;
  }
}

export { formatBytes };
