import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { createActivities } from '../../activities';
import { webhookChannel } from '../../activities/notifier';
import { findNotification } from '../../db/case-sync';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { loadPolicy } from '../../config/policy';
import { handover, projection } from '../helpers/fixtures';
import { POLICIES } from '../helpers/system';

// Notification delivery against a real HTTP receiver standing in for an SMS gateway or a
// police system: retried until it answers, never sent again once delivered.

let db: TestDatabase;
let server: Server;
let url: string;
const received: { headers: IncomingHttpHeaders; body: Record<string, unknown> }[] = [];
let failuresLeft = 0;

beforeAll(async () => {
  db = await createTestDatabase();
  server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      received.push({ headers: request.headers, body: JSON.parse(body) });
      response.statusCode = failuresLeft-- > 0 ? 503 : 204;
      response.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}/hook`;
});
afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await db?.drop();
});

async function caseWithNotification(): Promise<string> {
  const activities = createActivities({ db: db.database.db, channels: [] });
  const caseId = randomUUID();
  const { policy } = loadPolicy(POLICIES.standard);
  await activities.recordCase({
    caseId,
    opening: handover(),
    openedBy: 'liaison',
    openedAt: new Date().toISOString(),
    policy,
  });
  const notification = {
    id: `${caseId}:n1`,
    recipient: 'police' as const,
    reason: 'drug_use' as const,
    rule: 'R13',
    taskId: null,
    createdAt: Date.now(),
  };
  const batch = {
    caseId,
    revision: 1,
    at: Date.now(),
    projection: projection({ tier: 'abnormal', assignee: null }),
    tasks: [],
    timeline: [],
    notifications: [notification],
  };
  await activities.syncCase(batch);
  await activities.syncCase(batch); // a retried batch writes nothing twice
  return notification.id;
}

it('R13: a failed delivery is retried; once delivered it is never sent again', async () => {
  const id = await caseWithNotification();
  const { deliverNotification } = createActivities({ db: db.database.db, channels: [webhookChannel(url)] });
  failuresLeft = 1;
  received.length = 0;

  await expect(deliverNotification(id)).rejects.toThrow('webhook answered 503');
  expect(await findNotification(db.database.db, id)).toMatchObject({ status: 'pending', attempts: 1 });

  await deliverNotification(id);
  await deliverNotification(id);
  expect(received).toHaveLength(2);
  expect(received.map((r) => r.headers['idempotency-key'])).toEqual([id, id]);
  expect(received[1]!.body).toMatchObject({ id, reason: 'drug_use', rule: 'R13', recipient: 'police' });
  expect(await findNotification(db.database.db, id)).toMatchObject({ status: 'delivered', attempts: 2 });
});

it('R21: what leaves the system names the case and the reason, never the person', async () => {
  const id = await caseWithNotification();
  const { deliverNotification } = createActivities({ db: db.database.db, channels: [webhookChannel(url)] });
  failuresLeft = 0;
  received.length = 0;
  await deliverNotification(id);
  expect(Object.keys(received[0]!.body).sort()).toEqual([
    'caseId',
    'createdAt',
    'id',
    'reason',
    'recipient',
    'rule',
    'taskId',
  ]);
});
