// validate_topic_name / validate_topic_filter / parse_shared_filter / is_shared_filter against the
// reference: same verdicts (and offsets outside shared subscriptions, where the error is the first
// wildcard misuse), and the shared-filter helpers agree with each other.
#include "common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace mqttspec;
    using codec::errc;
    FuzzedDataProvider fdp(data, size);
    const auto cfg = fuzz::read_config(fdp);
    const std::string s = (cfg.mode & 1) ? fdp.ConsumeRemainingBytesAsString() : fuzz::gen_topic(fdp, cfg.mode & 2);
    const std::string shown = "\"" + s + "\"";

    const auto name = codec::validate_topic_name(s);
    const auto name_ref = fuzz::ref::topic_name(s);
    FUZZ_CHECK(name.code == name_ref.code && (name_ref.ok() || name.offset == name_ref.offset),
               "validate_topic_name(" + shown + ") = " + std::string(codec::to_string(name.code)) + "@" +
                   std::to_string(name.offset) + ", reference " + std::string(codec::to_string(name_ref.code)));

    for (const bool allow_shared : {false, true}) {
        const auto got = codec::validate_topic_filter(s, allow_shared);
        const auto want = fuzz::ref::topic_filter(s, allow_shared);
        const std::string what = "validate_topic_filter(" + shown + ", " + (allow_shared ? "shared" : "plain") + ") = " +
                                 std::string(codec::to_string(got.code)) + "@" + std::to_string(got.offset) +
                                 ", reference " + std::string(codec::to_string(want.code)) + "@" +
                                 std::to_string(want.offset);
        FUZZ_CHECK(bool(got) == want.ok(), what);
        if (!want.ok() && !(allow_shared && fuzz::ref::starts_with_share(s)))
            FUZZ_CHECK(got.code == want.code && got.offset == want.offset, what);
        if (!want.ok() && allow_shared && fuzz::ref::starts_with_share(s))
            FUZZ_CHECK(got.code == errc::shared_subscription_invalid || got.code == errc::topic_filter_empty ||
                           got.code == errc::topic_filter_invalid_multilevel ||
                           got.code == errc::topic_filter_invalid_single_level,
                       what);
        FUZZ_CHECK(got || got.offset <= s.size(), what);
        // A valid topic name without wildcards is always a valid filter (4.7.3: names and filters share syntax).
        if (name_ref.ok() && !allow_shared) FUZZ_CHECK(bool(got), what);
    }

    const bool shared = codec::is_shared_filter(s);
    FUZZ_CHECK(shared == fuzz::ref::starts_with_share(s), "is_shared_filter(" + shown + ")");
    const auto parts = codec::parse_shared_filter(s);
    if (shared && codec::validate_topic_filter(s, true)) FUZZ_CHECK(parts.has_value(), "valid shared filter not parsed: " + shown);
    if (parts) {
        FUZZ_CHECK(shared, "parse_shared_filter accepted a non-shared filter: " + shown);
        FUZZ_CHECK(!parts->share_name.empty() && parts->share_name.find_first_of("/+#") == std::string_view::npos,
                   "bad share name from " + shown);
        FUZZ_CHECK("$share/" + std::string(parts->share_name) + "/" + std::string(parts->filter) == s,
                   "shared filter parts do not rebuild " + shown);
    }
    return 0;
}
