// Loaded by path (it runs inside the workflow sandbox too): failure messages and stack traces
// go into an encoded attributes payload, so the payload codec encrypts them like any payload.
import { DefaultFailureConverter } from '@temporalio/common';

export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
