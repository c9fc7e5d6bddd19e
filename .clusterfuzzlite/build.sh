#!/bin/bash -eu
# ClusterFuzzLite entry point: the real build script lives with the fuzz targets.
exec "$SRC/mqttspec/fuzz/oss-fuzz/build.sh"
