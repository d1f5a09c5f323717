// The app's side of scale-out: a prime/rl cell's job folder as a zip download, and a results folder the user
// picked imported into the notebook's runs (src/scaleout/).
import { zipSync } from 'fflate';
import { datasetId } from '../../app/handlers/env.ts';
import type { Notebook } from '../../notebook/types.ts';
import type { Store } from '../../store/db.ts';
import { getDataset } from '../../store/traces.ts';
import { browserRunFiles } from '../../scaleout/import/folder.ts';
import { importRunToStore, type StoredImport } from '../../scaleout/import/toStore.ts';
import { buildJob } from '../../scaleout/job.ts';
import { planJob, type Engine } from '../../scaleout/plan.ts';
import { downloadFile } from '../download.ts';

export async function downloadJob(
  store: Store,
  notebookId: string,
  notebook: Notebook,
  cellId: string,
  engine: Engine,
  model?: string,
): Promise<void> {
  const plan = await planJob(notebook, {
    engine,
    cellId,
    model: model || undefined,
    datasetOf: async (cell) => {
      const dataset = await getDataset(store, datasetId(notebookId, cell.id));
      if (!dataset) throw new Error(`run the dataset cell "${cell.id}" first: its traces are the priming data`);
      return dataset.traces.map((t) => ({ prompt: t.prompt, completion: t.completion }));
    },
  });
  const folder = `${cellId}-${engine}`;
  const entries = Object.fromEntries(
    buildJob(plan).files.map((f) => [
      `${folder}/${f.path}`,
      typeof f.data === 'string' ? new TextEncoder().encode(f.data) : f.data,
    ]),
  );
  const zip = zipSync(entries);
  downloadFile(`${folder}-job.zip`, zip.slice().buffer, 'application/zip');
}

export function importRunFolder(store: Store, notebookId: string, files: readonly File[]): Promise<StoredImport> {
  return importRunToStore(store, browserRunFiles(files), notebookId);
}
