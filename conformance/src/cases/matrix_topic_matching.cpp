// Cases generated from fixtures/matrices/wildcards.json ("kind": "topic-matching"): a Topic Filter, a
// Topic Name and whether the filter matches the name (4.7). One case per row and version.
//
// The subscriber subscribes with the row's filter (below the run's topic prefix) and to a sentinel
// topic; the publisher publishes to the row's topic. A matching row passes when the message arrives.
// A non-matching row proves the absence with a marker on the sentinel topic after a barrier on the
// publisher (expect_no_delivery_unordered_marker, which says why that marker is weaker than one on
// the same topic: a filter that must not match cannot carry an ordered marker).
#include <mqttspec/codec/json.hpp>

#include "mqttspec/conformance/case.hpp"
#include "mqttspec/conformance/fixtures.hpp"
#include "mqttspec/conformance/verifiers.hpp"

namespace mqttspec::conformance {
namespace {

struct matching_row {
    std::string filter, topic;
    bool match = false;
};

void run_matching_row(case_context& t, const matching_row& row) {
    auto& sub = t.connect("sub");
    auto& pub = t.connect("pub");
    const std::string filter = t.topic(row.filter);
    const std::string topic = t.topic(row.topic);
    const std::string sentinel = t.topic("sentinel");
    const auto suback = sub.subscribe(filter, 1);
    t.check(pattern(json{{"reason_codes", {{{"at_most", 2}}}}}).matches(suback.as_json),
            "the broker refused a valid subscription", "a granted QoS in SUBACK", suback.as_json.dump());
    sub.subscribe(sentinel, 0);
    const std::uint8_t qos = t.caps().maximum_qos >= 1 ? 1 : 0;
    const auto id = pub.publish(topic, "matrix-message", qos);
    if (qos == 1) pub.expect({{"type", "PUBACK"}, {"packet_id", id}});
    const pattern message(json{{"type", "PUBLISH"}, {"topic", topic}, {"payload", "matrix-message"}});
    if (row.match) {
        sub.expect(message);
    } else {
        expect_no_delivery_unordered_marker(pub, sub, sentinel, qos, message);
    }
}

std::vector<case_def> load_topic_matching(const json& doc, const std::filesystem::path& file) {
    std::string base_id, title;
    case_info common;
    std::vector<version_statements> versions;
    std::vector<case_def> out;
    read_matrix_rows(
        doc, file,
        [&](fixture_object& top) {
            base_id = top.string("id");
            title = top.string("title");
            read_level_and_needs(top, common);
            versions = read_statements_per_version(top);
        },
        [&](fixture_object& r, const std::string& name) {
            matching_row row;
            row.filter = r.string("filter");
            row.topic = r.string("topic");
            row.match = r.boolean("match");
            if (auto check = codec::validate_topic_filter(row.filter, false); !check) {
                r.fail("filter", "not a valid topic filter: " + std::string(codec::to_string(check.code)));
            }
            if (auto check = codec::validate_topic_name(row.topic); !check) {
                r.fail("topic", "not a valid topic name: " + std::string(codec::to_string(check.code)));
            }
            for (const auto& v : versions) {
                case_info info = common;
                info.id = v.prefix + base_id + "/" + name;
                info.title = substitute(json(title), {{"filter", row.filter}, {"topic", row.topic},
                                                      {"verb", row.match ? "receives" : "does not receive"}})
                                 .get<std::string>();
                info.statements = v.statements;
                out.push_back({validated_fixture_case(r, std::move(info)), [row](case_context& t) { run_matching_row(t, row); }});
            }
        });
    return out;
}

const register_matrix_format topic_matching_format("topic-matching", &load_topic_matching);

}  // namespace
}  // namespace mqttspec::conformance
