# newsbot in a container: a static binary on a distroless base, running as
# a non-root user, with the library in the volume /data. CI builds the same
# binary with this file's go build line (.ci/run reads it from here) and
# runs it, since no container engine runs there.
#
#   docker build --build-arg VERSION=$(git describe --tags --always) -t newsbot .
#   docker run --rm -v newsbot-data:/data newsbot ask "What did Lavrov call for?"

FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w -X main.buildVersion=${VERSION}" -o /out/newsbot ./cmd/newsbot
# The shipped library (the seed article), for a fresh volume to start with.
RUN mkdir -p /out/data && cp -r data/articles /out/data/

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/newsbot /usr/local/bin/newsbot
COPY --from=build --chown=65532:65532 /out/data /data
USER 65532:65532
ENV NEWSBOT_DATA_DIR=/data
VOLUME ["/data"]
# /healthz, /readyz and /metrics when NEWSBOT_HTTP_ADDR is :9090 (compose.yaml).
EXPOSE 9090
WORKDIR /data
ENTRYPOINT ["/usr/local/bin/newsbot"]
CMD ["serve"]
