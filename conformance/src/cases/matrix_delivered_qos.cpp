// Cases generated from fixtures/matrices/delivered-qos.json ("kind": "delivered-qos"): a message
// published at one QoS to a subscription at another arrives at the lower of the published QoS and the
// QoS the SUBACK granted (3.1.1 MQTT-3.8.4-6, 5.0 MQTT-3.8.4-8). One case per row and version; the
// rows are the same for both versions, only the statement IDs differ.
//
// The grant itself is judged too: a server may grant less than requested, never more (3.1.1
// MQTT-3.8.4-5, 5.0 MQTT-3.8.4-7). A refused subscription (a code >= 0x80, which both versions allow,
// e.g. for authorisation) skips the case with the reason.
#include <algorithm>

#include "case_helpers.hpp"
#include "mqttspec/conformance/case.hpp"
#include "mqttspec/conformance/fixtures.hpp"

namespace mqttspec::conformance {
namespace {

struct delivered_qos_row {
    std::uint8_t published = 0, subscribed = 0;
    std::string delivery_statement, grant_statement;
};

void run_delivered_qos_row(case_context& t, const delivered_qos_row& row) {
    auto& sub = t.connect("sub");
    auto& pub = t.connect("pub");
    const auto topic = t.topic("t");
    const auto suback = sub.subscribe(topic, row.subscribed);
    const int granted = helpers::granted_qos(t, suback);  // a refusal skips
    t.check(granted <= row.subscribed, "the broker granted a higher QoS than the subscription requested",
            "granted QoS <= " + std::to_string(row.subscribed), suback.as_json.dump(), row.grant_statement);
    const auto expected = std::min<int>(row.published, granted);
    helpers::publish_completed(pub, topic, "qos-check", row.published);
    const auto msg = sub.expect({{"type", "PUBLISH"}, {"topic", topic}, {"payload", "qos-check"}});
    t.check(msg.as<codec::publish_packet>().qos == expected, "the message was delivered at the wrong QoS",
            "qos " + std::to_string(expected) + " (published " + std::to_string(row.published) + ", granted " +
                std::to_string(granted) + ")",
            msg.as_json.dump(), row.delivery_statement);
    sub.acknowledge(msg);
}

std::uint8_t read_qos(fixture_object& r, const std::string& key) {
    const json& v = r.required(key);
    if (!v.is_number_unsigned() || v.get<unsigned>() > 2) r.fail(key, "must be a QoS: 0, 1 or 2");
    return v.get<std::uint8_t>();
}

std::vector<case_def> load_delivered_qos(const json& doc, const std::filesystem::path& file) {
    std::string id_template, title_template;
    std::vector<version_statements> versions;
    std::vector<case_def> out;
    read_matrix_rows(
        doc, file,
        [&](fixture_object& top) {
            id_template = top.string("id");
            title_template = top.string("title");
            versions = read_statements_per_version(top);
            for (const auto& v : versions) {
                if (v.statements.size() != 2) {
                    top.fail("statements/" + v.name, "must name two statements: the delivered-QoS rule, then the granted-QoS rule");
                }
            }
        },
        [&](fixture_object& r, const std::string& name) {
            delivered_qos_row row;
            row.published = read_qos(r, "published");
            row.subscribed = read_qos(r, "subscribed");
            const std::vector<std::pair<std::string, std::string>> vars{
                {"name", name},
                {"published", std::to_string(row.published)},
                {"subscribed", std::to_string(row.subscribed)},
                {"delivered", std::to_string(std::min(row.published, row.subscribed))}};
            for (const auto& v : versions) {
                case_info info;
                info.id = v.prefix + substitute(json(id_template), vars).get<std::string>();
                info.title = substitute(json(title_template), vars).get<std::string>();
                info.statements = v.statements;
                // Only the published QoS is a need: a subscription may ask for more than the broker
                // supports, and the lower grant is then what the case judges.
                if (row.published == 1) info.needs = {requirement::qos1};
                if (row.published == 2) info.needs = {requirement::qos2};
                row.delivery_statement = v.statements[0];
                row.grant_statement = v.statements[1];
                out.push_back({validated_fixture_case(r, std::move(info)), [row](case_context& t) { run_delivered_qos_row(t, row); }});
            }
        });
    return out;
}

const register_matrix_format delivered_qos_format("delivered-qos", &load_delivered_qos);

}  // namespace
}  // namespace mqttspec::conformance
