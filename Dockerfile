# RadBot in a container: one static binary (pure-Go SQLite, so no C library), run as a non-root user,
# with the database on a volume.
#
#   docker build -t radbot .
#   docker run -d --name radbot -v radbot-data:/data -p 8080:8080 \
#     -e RADBOT_HASH_KEY -e DISCORD_BOT_TOKEN -v "$PWD/radbot.yaml:/etc/radbot/radbot.yaml:ro" \
#     radbot serve --config /etc/radbot/radbot.yaml --listen 0.0.0.0:8080
#
# The database is /data/radbot.db unless the config's store.path says otherwise (relative paths are
# relative to /data). .ci/run builds the binary with the same command as below (it has no Docker).

FROM golang:1.26.8-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# ci: build
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/radbot ./cmd/radbot
RUN mkdir -p /out/data

# distroless/static: CA certificates and time zones, no shell, user nonroot (65532).
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/radbot /usr/local/bin/radbot
COPY --from=build --chown=65532:65532 /out/data /data
WORKDIR /data
VOLUME /data
USER 65532:65532
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/radbot"]
CMD ["serve", "--listen", "0.0.0.0:8080"]
