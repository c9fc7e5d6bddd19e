// Everything the codec offers.
#pragma once

#include "mqttspec/codec/arena.hpp"
#include "mqttspec/codec/decoder.hpp"
#include "mqttspec/codec/encoder.hpp"
#include "mqttspec/codec/error.hpp"
#include "mqttspec/codec/packets.hpp"
#include "mqttspec/codec/properties.hpp"
#include "mqttspec/codec/raw_builder.hpp"
#include "mqttspec/codec/reason_codes.hpp"
#include "mqttspec/codec/topic.hpp"
#include "mqttspec/codec/types.hpp"
#include "mqttspec/codec/utf8.hpp"
