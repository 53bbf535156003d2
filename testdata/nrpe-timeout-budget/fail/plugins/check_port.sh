#!/bin/bash
# An NRPE check that only probes the dqlite port: nc waits with no limit
# unless -w is given, and nothing else in this file names a program the
# budget bounds.
nc -z 127.0.0.1 19001
