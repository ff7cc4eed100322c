"""The soak test of the whole service: `make soak`, and a short version in `make test`."""
