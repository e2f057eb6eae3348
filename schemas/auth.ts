import { z } from 'zod';
import { DEVICE_ID_PATTERN } from './codes';
import { JurisdictionCode, Role } from './common';

export const DeviceId = z.string().regex(DEVICE_ID_PATTERN, 'must be 22 to 64 base64url characters');

export const LoginBody = z.strictObject({
  username: z.string().min(1).max(100),
  password: z.string().min(1).max(200),
  device: DeviceId.optional().meta({
    description:
      "the browser's random id (issue 18): with it the reply carries `offline.vaultKey`, the key of this user's outbox on this browser",
  }),
});

export const UserView = z
  .object({
    id: z.string(),
    username: z.string(),
    displayName: z.string(),
    role: Role,
    jurisdictions: z.array(JurisdictionCode),
  })
  .meta({ id: 'User' });
export type UserView = z.infer<typeof UserView>;

export const LoginReply = z.object({
  token: z.string(),
  expiresAt: z.string(),
  user: UserView,
  /** How long the console may keep this user's inbox and cases readable offline (0: not at all). */
  offline: z.object({
    keepSeconds: z.number().int().min(0),
    vaultKey: z
      .string()
      .regex(/^[A-Za-z0-9_-]{43}$/)
      .optional()
      .meta({
        description:
          'only when the login sent `device`: 32 bytes (base64url) derived on the server from the user and the device, the same at each login of this user on this browser; the console opens its encrypted outbox with it and keeps it no longer than the session',
      }),
  }),
});

export const PasswordChangeBody = z.strictObject({
  current: z.string().min(1).max(200),
  next: z.string().min(1).max(200).meta({
    description:
      'at least 12 characters, not the username, not one of the common passwords (else 422 password_too_weak)',
  }),
});
