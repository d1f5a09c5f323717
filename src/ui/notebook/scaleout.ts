// The app's side of scale-out: a prime/rl cell's job folder as a zip download, and a results folder the user
// picked imported into the notebook's runs (src/scaleout/).
import { zipSync } from 'fflate';
import { datasetId } from '../../app/handlers/env.ts';
import type { Notebook } from '../../notebook/types.ts';
import type { Store } from '../../store/db.ts';
import { annotateTraces, getDataset, tracesBy } from '../../store/traces.ts';
import type { Secrets } from '../../store/secrets.ts';
import type { TraceRecord } from '../../store/schema.ts';
import { agreementNotes, judgeTraces, type TraceJudge } from '../../app/judgeTraces.ts';
import { summarizeStep } from '../../behaviors/metrics.ts';
import { BEHAVIORS, type Annotation } from '../../behaviors/types.ts';
import { browserRunFiles } from '../../scaleout/import/folder.ts';
import {
  importedRuns,
  importRunToStore,
  type ImportedRunSummary,
  type StoredImport,
} from '../../scaleout/import/toStore.ts';
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
      return dataset.traces.map((t) => ({ prompt: t.prompt, completion: t.completion, problem: t.problem }));
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

/** The judges the view of an imported run offers (the annotate cell's local-model judge needs a model cell). */
export type RunAnnotator = 'rules' | 'claude';

/** What the notebook shows of its imported runs: the list, each run's completions, and a judge run on them. */
export interface ImportedRunsView {
  list(): Promise<ImportedRunSummary[]>;
  traces(runId: string): Promise<TraceRecord[]>;
  /** Annotates every completion of the run, stores the annotations, and says what the judge found. */
  annotate(runId: string, annotator: RunAnnotator, signal?: AbortSignal): Promise<string[]>;
}

export function importedRunsView(
  store: () => Promise<Store>,
  notebookId: string,
  secrets: () => Secrets | undefined,
  anthropicBaseURL?: string,
): ImportedRunsView {
  const traces = async (runId: string) => tracesBy(await store(), 'cell', [notebookId, runId]);
  return {
    list: async () => importedRuns(await store(), notebookId),
    traces,
    annotate: async (runId, annotator, signal) => {
      const all = await traces(runId);
      if (!all.length) throw new Error('this run brought no completions to annotate');
      const judge: TraceJudge =
        annotator === 'rules'
          ? { annotator }
          : { annotator, apiKey: secrets()?.get('anthropic'), baseURL: anthropicBaseURL };
      const labels = await judgeTraces(judge, all, signal);
      await annotateTraces(
        await store(),
        all.map((t, i) => ({ id: t.id, annotation: labels[i] })),
      );
      return [behaviorRates(all, labels), ...(annotator === 'rules' ? [] : agreementNotes(all, labels))];
    },
  };
}

function behaviorRates(traces: TraceRecord[], labels: Annotation[]): string {
  const m = summarizeStep(
    0,
    traces.map((t, i) => ({ completion: t.completion, reward: t.reward, annotation: labels[i] })),
  );
  const rates = BEHAVIORS.map((b) => `${b} ${m.behaviors[b].toFixed(2)}`).join(', ');
  return `By ${labels[0].annotator}, on ${traces.length} completions, per solution: ${rates}.`;
}
