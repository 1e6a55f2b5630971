# precache in a container: `docker build -t precache .`
FROM node:24-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json tsconfig.json ./
COPY bin ./bin
COPY src ./src
COPY test ./test
COPY bench ./bench
RUN npm ci --no-audit --no-fund && npm prune --omit=dev
ENTRYPOINT ["node", "--max-semi-space-size=2", "/app/dist/src/cli/main.js"]
