import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import {
  METADATA_ENCODING_KEY,
  type Payload,
  type PayloadCodec,
  type SerializationContext,
} from '@temporalio/common';
import { temporal } from '@temporalio/proto';

export const ENCODING = 'binary/encrypted';
export const METADATA_KEY_ID = 'encryption-key-id';
/** The workflow id that owns a payload (`case-<id>`, never personal data), bound to the ciphertext. */
export const METADATA_SCOPE = 'encryption-scope';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export interface PayloadKey {
  id: string;
  /** 32 bytes: AES-256. */
  key: Buffer;
}

const KEY_ID = /^[A-Za-z0-9_.-]{1,64}$/;

/** `PAYLOAD_KEYS`: comma-separated `keyId:base64(32 bytes)`; the first encrypts, all decrypt. */
export function parsePayloadKeys(text: string): PayloadKey[] {
  const keys = text
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => {
      const colon = part.indexOf(':');
      const id = part.slice(0, colon);
      const key = Buffer.from(part.slice(colon + 1), 'base64');
      if (colon < 1 || !KEY_ID.test(id))
        throw new Error('each key must be keyId:base64 with a keyId of letters, digits, _ . -');
      if (key.length !== 32)
        throw new Error(`key ${id} must be 32 bytes of base64 (openssl rand -base64 32)`);
      return { id, key };
    });
  if (keys.length === 0) throw new Error('at least one key is needed');
  if (new Set(keys.map((k) => k.id)).size !== keys.length) throw new Error('key ids must be unique');
  return keys;
}

export function formatPayloadKey(key: PayloadKey): string {
  return `${key.id}:${key.key.toString('base64')}`;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The scope tag of an encrypted payload: the id of the workflow that owns it, or null. */
export function payloadScope(payload: Payload): string | null {
  const scope = payload.metadata?.[METADATA_SCOPE];
  return scope ? decoder.decode(scope) : null;
}

export function isEncrypted(payload: Payload): boolean {
  const encoding = payload.metadata?.[METADATA_ENCODING_KEY];
  return !!encoding && decoder.decode(encoding) === ENCODING;
}

/**
 * Encrypts each payload whole (metadata and data, as the protobuf `Payload`) with AES-256-GCM
 * under the first key; decrypts with whichever key the payload names. The owning workflow's id
 * (from the SDK's serialization context) travels in the metadata as the payload's scope and is
 * authenticated as GCM's additional data, so the codec endpoint can check the caller's
 * jurisdiction and a scope swapped onto another case's ciphertext fails to decrypt. Payloads it
 * did not encrypt (history from before encryption was switched on) pass through unchanged.
 */
export class EncryptionCodec implements PayloadCodec {
  private readonly byId: Map<string, Buffer>;
  private readonly current: PayloadKey;

  constructor(keys: PayloadKey[]) {
    if (keys.length === 0) throw new Error('EncryptionCodec needs at least one key');
    this.current = keys[0]!;
    this.byId = new Map(keys.map((k) => [k.id, k.key]));
  }

  async encode(payloads: Payload[], context?: SerializationContext): Promise<Payload[]> {
    const scope = context?.workflowId;
    return payloads.map((payload) => {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', this.current.key, iv);
      if (scope) cipher.setAAD(encoder.encode(scope));
      const plain = temporal.api.common.v1.Payload.encode(payload).finish();
      const data = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      return {
        metadata: {
          [METADATA_ENCODING_KEY]: encoder.encode(ENCODING),
          [METADATA_KEY_ID]: encoder.encode(this.current.id),
          ...(scope ? { [METADATA_SCOPE]: encoder.encode(scope) } : {}),
        },
        data: new Uint8Array(data),
      };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      if (!isEncrypted(payload)) return payload;
      const idBytes = payload.metadata?.[METADATA_KEY_ID];
      const keyId = idBytes ? decoder.decode(idBytes) : '';
      const key = this.byId.get(keyId);
      if (!key) throw new Error(`payload encrypted with unknown key id "${keyId}"; add it to PAYLOAD_KEYS`);
      const data = Buffer.from(payload.data ?? new Uint8Array());
      if (data.length < IV_BYTES + TAG_BYTES) throw new Error('encrypted payload is truncated');
      const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
      const scope = payloadScope(payload);
      if (scope) decipher.setAAD(encoder.encode(scope));
      decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
      const plain = Buffer.concat([
        decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)),
        decipher.final(),
      ]);
      return temporal.api.common.v1.Payload.decode(plain) as Payload;
    });
  }
}
