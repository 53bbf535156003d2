# opslint in a container: `docker build -t opslint .` then
# `docker run --rm -v "$PWD:/src" -w /src opslint check`.
# The build needs crates.io (or a vendored `cargo vendor` directory).
FROM rust:1-slim-bookworm AS build
WORKDIR /opslint
COPY . .
RUN cargo build --release --locked --bin opslint

FROM debian:bookworm-slim
# git: opslint reads the repository's index for its project context.
RUN apt-get update \
 && apt-get install -y --no-install-recommends git ca-certificates \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /opslint/target/release/opslint /usr/local/bin/opslint
ENTRYPOINT ["opslint"]
CMD ["check"]
