// MQTT 3.1 runs of 3.1.1 cases (mqttspec/conformance/v31.hpp): which cases apply, and that their
// connections speak 3.1 ("MQIsdp", level 3).
#include <gtest/gtest.h>

#include <algorithm>

#include "fake_broker.hpp"
#include "mqttspec/conformance/v31.hpp"

namespace mqttspec::conformance {
namespace {

using namespace testing;

const case_def& v31_variant_of(const std::vector<case_def>& variants, const std::string& id) {
    const auto it = std::find_if(variants.begin(), variants.end(), [&](const case_def& c) { return c.info.id == id; });
    if (it == variants.end()) throw std::runtime_error("no 3.1 variant " + id);
    return *it;
}

TEST(V31Cases, OnlyCasesOfRulesMqtt31SharesApply) {
    EXPECT_TRUE(applies_to_v31(find_case("v311/pingreq/pingresp").info));
    EXPECT_TRUE(applies_to_v31(find_case("v311/will/published-on-abnormal-close").info));
    // Session Present, zero-length Client Identifiers, malformed-packet rows, 5.0 cases: no.
    EXPECT_FALSE(applies_to_v31(find_case("v311/session/session-present").info));
    EXPECT_FALSE(applies_to_v31(find_case("v311/session/queued-qos1-while-offline").info));
    EXPECT_FALSE(applies_to_v31(find_case("v311/connect/empty-client-id-assigned-unique").info));
    EXPECT_FALSE(applies_to_v31(find_case("v311/connect/protocol-name-wrong").info));
    EXPECT_FALSE(applies_to_v31(find_case("v5/connect/client-id-23-alphanumeric").info));
    const auto variants = v31_variants(case_registry());
    const auto& ping = v31_variant_of(variants, "v31/pingreq/pingresp");
    EXPECT_EQ(ping.info.version, codec::protocol_version::v3_1);
    EXPECT_TRUE(std::none_of(variants.begin(), variants.end(), [](const case_def& c) { return c.info.id.starts_with("v31/malformed/"); }));
}

TEST(V31Cases, ConnectsWithMQIsdpLevel3) {
    fake_broker broker([](fake_session& s) {
        const auto connect = s.read_packet();
        // 10 <len> 00 06 "MQIsdp" 03: the 3.1 protocol name and level; anything else is refused.
        const std::vector<std::uint8_t> name = {0x00, 0x06, 'M', 'Q', 'I', 's', 'd', 'p', 0x03};
        if (!std::equal(name.begin(), name.end(), connect.begin() + 2)) {
            s.send_hex("20 02 00 01");
            s.close();
            return;
        }
        // 3.1: Client Identifiers of 1-23 characters (after flags and Keep Alive, a 2-byte length).
        const std::size_t id_length = static_cast<std::size_t>(connect.at(14)) << 8 | connect.at(15);
        if (id_length < 1 || id_length > 23) {
            s.send_hex("20 02 00 02");
            s.close();
            return;
        }
        s.send_hex("20 02 00 00");
        for (;;) {
            const auto packet = s.read_packet();
            if ((packet[0] >> 4) == 12) s.send_hex("d0 00");
            if ((packet[0] >> 4) == 14) break;
        }
        s.wait_for_close();
    });
    auto env = fake_environment(broker);
    env.caps[codec::protocol_version::v3_1] = capabilities::from_profile(codec::protocol_version::v3_1, env.prof);
    const auto variants = v31_variants(case_registry());
    // Case index 123456789 makes the usual identifier (prefix, nonce, index, name) longer than 23 characters.
    const auto r = run_case(v31_variant_of(variants, "v31/pingreq/pingresp"), env, 123456789);
    EXPECT_EQ(r.result, verdict::passed) << r.message << "\n" << r.transcript_text;
    // The 3.1.1 case itself is refused by this 3.1-only peer.
    EXPECT_NE(run_case(find_case("v311/pingreq/pingresp"), env, 1).result, verdict::passed);
}

}  // namespace
}  // namespace mqttspec::conformance
