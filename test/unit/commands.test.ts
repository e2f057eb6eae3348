import { EVENTS, UPDATES } from '../../schemas/catalogue';
import { COMMANDS } from '../../workflows/case/commands';
import * as messages from '../../workflows/case/messages';

// workflows/case/commands.ts: one row per update of the case's contract, which the workflow
// registers in one loop; the roles are the catalogue's own (schemas/catalogue.ts), not a copy.

const rowOf = (name: string) => COMMANDS.find((row) => row.update.name === name);

it('has one row for every update of the contract but openCase, and no other', () => {
  const updates = Object.values(messages)
    .filter(
      (value) => typeof value === 'object' && value !== null && 'type' in value && value.type === 'update',
    )
    .map((definition) => (definition as { name: string }).name)
    .filter((name) => name !== 'openCase');
  expect(COMMANDS.map((row) => row.update.name).sort()).toEqual(updates.sort());
  expect(new Set(COMMANDS.map((row) => row.update.name)).size).toBe(COMMANDS.length);
});

it('takes the roles of every supervisor command from the catalogue, and an event’s from its event', () => {
  for (const [name, spec] of Object.entries(UPDATES)) expect(rowOf(name)?.roles).toBe(spec.roles);
  const recordEvent = rowOf('recordEvent')!.roles as (event: { type: keyof typeof EVENTS }) => unknown;
  for (const [type, spec] of Object.entries(EVENTS))
    expect(recordEvent({ type: type as keyof typeof EVENTS })).toBe(spec.roles);
});
