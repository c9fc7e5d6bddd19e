#!/bin/bash -eu
# OSS-Fuzz / ClusterFuzzLite build: compiles every fuzz_<surface> target with the compiler, flags and
# fuzzing engine the infrastructure provides ($CXX, $CXXFLAGS, $LIB_FUZZING_ENGINE) and installs them
# in $OUT with their seed corpora (fuzz_<surface>_seed_corpus.zip) and the dictionary
# (fuzz_<surface>.dict). Run from the repository root ($SRC/mqttspec).
src=${SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
[ -f "$src/CMakeLists.txt" ] || src=$SRC/mqttspec
build=$WORK/mqttspec-build

cmake -S "$src" -B "$build" -G Ninja \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_COMPILER="$CXX" \
  -DCMAKE_CXX_FLAGS="$CXXFLAGS" \
  -DMQTTSPEC_BUILD_FUZZERS=ON \
  -DMQTTSPEC_LIB_FUZZING_ENGINE="$LIB_FUZZING_ENGINE" \
  -DMQTTSPEC_BUILD_TESTS=OFF -DMQTTSPEC_BUILD_TOOL=OFF -DMQTTSPEC_BUILD_BENCHMARKS=OFF \
  -DMQTTSPEC_INSTALL=OFF
cmake --build "$build" -j "$(nproc)"

for bin in "$build"/bin/fuzz_*; do
  name=$(basename "$bin")
  cp "$bin" "$OUT/"
  cp "$src/fuzz/mqtt.dict" "$OUT/$name.dict"
  if [ -d "$src/corpus/$name" ]; then
    (cd "$src/corpus/$name" && zip -q -r "$OUT/${name}_seed_corpus.zip" .)
  fi
done
