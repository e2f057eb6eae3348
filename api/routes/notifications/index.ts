import type { FastifyPluginAsyncZod } from '@fastify/type-provider-zod';
import { listNotifications } from '../../../db/notifications';
import { NotificationList, NotificationQuery } from '../../../schemas/case';
import { Problem } from '../../../schemas/problem';
import type { AppDeps } from '../../deps';
import { casesOf } from '../../audit';
import { toNotificationView } from '../../views';

const notificationRoutes: FastifyPluginAsyncZod<AppDeps> = async (app, { db }) => {
  app.get(
    '',
    {
      config: { roles: ['supervisor', 'police'] },
      schema: {
        tags: ['supervision'],
        summary: 'Escalations sent about cases within your jurisdictions, with their delivery state',
        querystring: NotificationQuery,
        response: { 200: NotificationList, 400: Problem },
      },
    },
    async (request) => {
      const { mine, ...query } = request.query;
      const officer = mine === 'true' && request.user.role === 'police' ? request.user.username : undefined;
      const rows = await listNotifications(db.db, { ...query, officer }, request.user.jurisdictions);
      await request.audit({
        action: 'notification.list',
        cases: casesOf(rows.map((r) => ({ id: r.notification.caseId, jurisdiction: r.jurisdiction }))),
      });
      return { items: rows.map((r) => toNotificationView(r.notification, r.officer)) };
    },
  );
};

export default notificationRoutes;
