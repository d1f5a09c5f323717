// An imported run in the store: a run record (kind rl, config.imported holds its curve), and its annotated
// generations as traces of that run, so chart and compare cells of the notebook draw it beside their own runs
// and a table can show its completions with the behaviors highlighted.
import type { StepMetrics } from '../../behaviors/metrics.ts';
import type { RunCurve } from '../../charts/runCharts.ts';
import type { Store } from '../../store/db.ts';
import { putRun, runsOfNotebook } from '../../store/runs.ts';
import type { JsonObject, RunRecord } from '../../store/schema.ts';
import { appendTraces } from '../../store/traces.ts';
import type { RunFile } from './folder.ts';
import { importRun, type ImportedRun } from './importRun.ts';

export interface StoredImport extends ImportedRun {
  runId: string;
}

export async function importRunToStore(store: Store, files: RunFile[], notebookId: string): Promise<StoredImport> {
  const runId = `import-${crypto.randomUUID()}`;
  const run = await importRun(files, {
    onTraces: async (batch) => {
      await appendTraces(
        store,
        batch.map((t) => ({
          model: `imported ${runId}`,
          task: 'countdown',
          problem: t.problem,
          prompt: t.prompt,
          completion: t.completion,
          reward: t.reward,
          correct: t.reward >= 1 ? 1 : 0,
          annotations: [t.annotation],
          run: runId,
          step: t.step,
          notebookId,
          cellId: runId,
        })),
      );
    },
  });
  const now = Date.now();
  const record: RunRecord = {
    id: runId,
    kind: 'rl',
    model: run.model ?? 'imported',
    notebookId,
    config: {
      imported: { label: run.label, engine: run.engine, curve: run.curve, notes: run.notes } as unknown as JsonObject,
    },
    status: 'done',
    createdAt: now,
    updatedAt: now,
  };
  await putRun(store, record);
  return { ...run, runId };
}

/** The records of the runs imported into a notebook, oldest first. */
async function importedRecords(store: Store, notebookId: string): Promise<RunRecord[]> {
  const runs = await runsOfNotebook(store, notebookId);
  return runs.filter((r) => r.config.imported).sort((a, b) => a.createdAt - b.createdAt);
}

/** The curves of the runs imported into a notebook, oldest first. */
export async function importedCurves(store: Store, notebookId: string): Promise<RunCurve[]> {
  return (await importedRecords(store, notebookId)).map((r) => {
    const imported = r.config.imported as unknown as { label: string; curve: StepMetrics[] };
    return { label: `imported: ${imported.label}`, steps: imported.curve };
  });
}

/** An imported run as the notebook lists it: its label, engine and what the import noted. */
export interface ImportedRunSummary {
  runId: string;
  label: string;
  engine: string;
  notes: string[];
}

/** The runs imported into a notebook, oldest first. */
export async function importedRuns(store: Store, notebookId: string): Promise<ImportedRunSummary[]> {
  return (await importedRecords(store, notebookId)).map((r) => {
    const imported = r.config.imported as unknown as { label: string; engine: string; notes?: string[] };
    return { runId: r.id, label: imported.label, engine: imported.engine, notes: imported.notes ?? [] };
  });
}
