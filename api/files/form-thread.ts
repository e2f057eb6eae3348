import { parentPort } from 'node:worker_threads';
import { FontMissingError, renderForm, type FormData } from './forms';
import type { DocumentKind } from '../../schemas/files';

// A printing thread of api/files/form-printer.ts: renders one form at a time, off the API's
// request thread (pdfkit is synchronous CPU work, about a second per form).

export interface FormJob {
  id: number;
  kind: DocumentKind;
  data: FormData;
}

export type FormResult =
  { id: number; pdf: Uint8Array } | { id: number; error: { fontMissing: boolean; message: string } };

parentPort!.on('message', (job: FormJob) => {
  renderForm(job.kind, job.data).then(
    (pdf) => parentPort!.postMessage({ id: job.id, pdf } satisfies FormResult),
    (error: unknown) =>
      parentPort!.postMessage({
        id: job.id,
        error: {
          fontMissing: error instanceof FontMissingError,
          message: error instanceof Error ? error.message : String(error),
        },
      } satisfies FormResult),
  );
});
