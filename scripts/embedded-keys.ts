import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { ConfigError } from '../config/config';
import { formatPayloadKey, parsePayloadKeys, type PayloadKey } from '../codec/encryption-codec';

/**
 * The embedded default's audit key (`AUDIT_KEY` unset), kept in the data folder beside the token
 * secret, not in the database: `npm start` creates it, `npm run audit:verify` only reads it.
 */
export function embeddedAuditKey(dataDir: string, options: { create: boolean }): string {
  const file = join(dataDir, 'audit-key');
  if (!existsSync(file)) {
    if (!options.create)
      throw new ConfigError(
        `configuration is invalid (see .env.example):\n  AUDIT_KEY: required (no ${file})`,
      );
    writeFileSync(file, randomBytes(48).toString('base64url'), { mode: 0o600 });
  }
  return readFileSync(file, 'utf8').trim();
}

/**
 * Likewise its payload key: the histories written under it stay readable after a restart.
 * `npm start` creates it; `npm run resync` only reads it.
 */
export function embeddedPayloadKeys(dataDir: string, options: { create: boolean }): PayloadKey[] {
  const file = join(dataDir, 'payload-keys');
  if (!existsSync(file)) {
    if (!options.create)
      throw new ConfigError(
        `configuration is invalid (see .env.example):\n  PAYLOAD_KEYS: required (no ${file})`,
      );
    writeFileSync(file, formatPayloadKey({ id: 'embedded-1', key: randomBytes(32) }), { mode: 0o600 });
  }
  return parsePayloadKeys(readFileSync(file, 'utf8').trim());
}
