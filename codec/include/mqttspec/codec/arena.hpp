// Owns strings for packets built at run time (JSON input, conformance cases, fuzzers), so the
// packet structs can stay views.
#pragma once

#include <deque>
#include <string>
#include <string_view>

namespace mqttspec::codec {

class arena {
public:
    // Copies `s` into the arena; the view stays valid for the arena's lifetime.
    std::string_view keep(std::string_view s) { return store_.emplace_back(s); }
    std::string_view keep(std::string&& s) { return store_.emplace_back(std::move(s)); }
    void clear() noexcept { store_.clear(); }

private:
    std::deque<std::string> store_;  // deque: growth never moves existing strings
};

}  // namespace mqttspec::codec
