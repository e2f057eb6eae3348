# One image for the migration step, the worker and the API (docker-compose.yml picks the command).
# Built as test/ops/build.test.ts builds it without Docker: install, `npm run build`, prune the
# dev tools; the image then runs `node` on dist/ with production dependencies only.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim
WORKDIR /app
# Printed forms (R26) embed Noto Sans CJK: without it the documents route answers 503.
RUN apt-get update && apt-get install -y --no-install-recommends fonts-noto-cjk \
  && rm -rf /var/lib/apt/lists/*
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/policies ./policies
USER node
# 3000: the API; 9464: the worker's Temporal SDK metrics (TEMPORAL_METRICS_ADDRESS).
EXPOSE 3000 9464
# `node` itself, not `npm run`: the signal of `docker stop` reaches the process, so the worker
# drains and the API finishes its requests.
CMD ["node", "dist/api/main.js"]
