// Includes every fuzz target needs.
#pragma once

#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "../support/check.hpp"
#include "../support/generate.hpp"
#include "../support/invariants.hpp"
#include "../support/reference.hpp"
#include "mqttspec/codec/codec.hpp"
