# precache in a container: the same single executable as `npm run package`.
#   docker build -t precache .
#   docker run --rm precache --help
# Build stage: compile, bundle and inject into the pinned Node 24 (package.json's `node` devDependency).
FROM node:24-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json tsconfig.json ./
RUN npm ci --no-audit --no-fund
COPY bin ./bin
COPY src ./src
COPY test ./test
COPY bench ./bench
COPY scripts/package ./scripts/package
RUN npm run package && ./build/precache --version

# Run stage: no Node, no npm; qemu-img for the nova cache driver's force_raw_images.
FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends qemu-utils ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --home-dir /var/lib/precache --create-home --shell /usr/sbin/nologin precache \
 && install -d -o precache -g precache -m 0700 /var/lib/precache/keys
COPY --from=build /src/build/precache /usr/local/bin/precache
USER precache
WORKDIR /var/lib/precache
# seeder 4001/tcp, peer 4002/tcp (libp2p); metrics when [DEFAULT] metrics_listen is set
EXPOSE 4001/tcp 4002/tcp
ENTRYPOINT ["/usr/local/bin/precache"]
CMD ["--help"]
