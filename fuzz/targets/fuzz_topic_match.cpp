// topic_matches(filter, topic) against the reference level-by-level matcher, for pairs the codec
// and the reference both consider valid (the function's precondition), plus identities that any
// matcher must satisfy.
#include "common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace mqttspec;
    FuzzedDataProvider fdp(data, size);
    const auto cfg = fuzz::read_config(fdp);
    std::string filter, topic;
    if (cfg.mode & 1) {
        // Raw: "filter\0topic".
        const std::string all = fdp.ConsumeRemainingBytesAsString();
        const auto nul = all.find('\0');
        filter = all.substr(0, nul);
        topic = nul == std::string::npos ? std::string() : all.substr(nul + 1);
    } else {
        filter = fuzz::gen_topic(fdp, true);
        topic = fuzz::gen_topic(fdp, false);
    }
    if (!fuzz::ref::topic_filter(filter, true).ok() || !fuzz::ref::topic_name(topic).ok()) return 0;
    if (!codec::validate_topic_filter(filter, true) || !codec::validate_topic_name(topic)) return 0;

    const bool got = codec::topic_matches(filter, topic);
    const bool want = fuzz::ref::matches(filter, topic);
    FUZZ_CHECK(got == want, "topic_matches(\"" + filter + "\", \"" + topic + "\") = " + (got ? "true" : "false") +
                                ", reference says " + (want ? "true" : "false"));
    // A topic name used as a filter matches itself (names have no wildcards).
    if (!fuzz::ref::starts_with_share(topic))
        FUZZ_CHECK(codec::topic_matches(topic, topic), "topic does not match itself: \"" + topic + "\"");
    // "#" matches every topic not starting with '$' (4.7.2).
    FUZZ_CHECK(codec::topic_matches("#", topic) == (topic[0] != '$'), "\"#\" vs \"" + topic + "\"");
    return 0;
}
