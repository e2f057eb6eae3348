import type { DataConverter, PayloadCodec } from '@temporalio/common';

export const FAILURE_CONVERTER_PATH = require.resolve('./failure-converter');

/**
 * What the client, the worker and the workflow bundle share: every payload through the codec,
 * and failures' messages and stack traces encoded too (an error may quote its inputs).
 */
export function encryptedDataConverter(codec: PayloadCodec): DataConverter {
  return { payloadCodecs: [codec], failureConverterPath: FAILURE_CONVERTER_PATH };
}
