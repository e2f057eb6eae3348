import { z } from 'zod';
import { JurisdictionCode } from './common';

export const JurisdictionView = z
  .object({
    code: JurisdictionCode,
    name: z.string(),
    parentCode: z.string().nullable(),
    mine: z
      .boolean()
      .meta({ description: 'within the caller’s jurisdictions (a destination they may choose)' }),
  })
  .meta({ id: 'Jurisdiction' });
export const JurisdictionList = z.object({ items: z.array(JurisdictionView) });
