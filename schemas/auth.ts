import { z } from 'zod';
import { JurisdictionCode, Role } from './common';

export const LoginBody = z.strictObject({
  username: z.string().min(1).max(100),
  password: z.string().min(1).max(200),
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
  offline: z.object({ keepSeconds: z.number().int().min(0) }),
});
