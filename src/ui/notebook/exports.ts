// What a cell's output can be saved as: its solutions as JSONL, a priming set in TRL's prompt/completion
// form, a trained adapter in PEFT's files, a prime/rl cell as a job for veRL or TRL.
import { unpackFiles } from '../../store/adapterFiles.ts';
import type { Store } from '../../store/db.ts';
import { toJsonl } from '../../store/backup.ts';
import { getAdapter } from '../../store/runs.ts';
import { getDataset, tracesBy } from '../../store/traces.ts';
import { downloadFile } from '../download.ts';
import type { Notebook } from '../../notebook/types.ts';
import type { Engine } from '../../scaleout/plan.ts';
import { downloadJob } from './scaleout.ts';

export interface CellExports {
  traces(cellId: string): Promise<void>;
  /** A prime or rl cell as a job folder for a GPU cluster (zip). */
  job(cellId: string, engine: Engine, model?: string): Promise<void>;
  dataset(datasetId: string): Promise<void>;
  adapter(adapterId: string): Promise<void>;
}

export function cellExports(
  store: () => Promise<Store>,
  notebookId: string,
  notebook: () => Notebook | null,
): CellExports {
  return {
    async job(cellId, engine, model) {
      const nb = notebook();
      if (!nb) throw new Error('the notebook is not open');
      await downloadJob(await store(), notebookId, nb, cellId, engine, model);
    },
    async traces(cellId) {
      const rows = await tracesBy(await store(), 'cell', [notebookId, cellId]);
      downloadFile(`${cellId}-solutions.jsonl`, toJsonl(rows), 'application/jsonl');
    },
    async dataset(datasetId) {
      const d = await getDataset(await store(), datasetId);
      if (!d) throw new Error(`dataset ${datasetId} is not stored`);
      const lines = d.traces.map((t) =>
        JSON.stringify({
          prompt: t.prompt,
          completion: t.completion,
          numbers: t.problem.numbers,
          target: t.problem.target,
        }),
      );
      downloadFile(`${d.condition}-trl.jsonl`, lines.join('\n') + '\n', 'application/jsonl');
    },
    async adapter(adapterId) {
      const record = await getAdapter(await store(), adapterId);
      if (!record) throw new Error(`adapter ${adapterId} is not stored`);
      for (const [name, bytes] of Object.entries(unpackFiles(new Uint8Array(record.data))))
        downloadFile(`${record.name}-${name}`, bytes.slice().buffer);
    },
  };
}
