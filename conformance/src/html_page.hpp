// The pieces every HTML page of mqttspec shares (the run report and the comparison of runs): one
// self-contained file with inline CSS and script, readable offline and on a phone.
//
// Filtering contract between the page and its script: every filterable row is a <tr class="row">
// with data-<group> attributes (space-separated values; a row is shown when one of its values is
// checked in each group), data-search (lower-case text the search box matches, every word) and,
// on comparison pages, data-differs="1". Sections (<section class="cases">) and groups
// (<section class="group">) with no row shown are hidden, and so are their contents entries
// (<li data-for="ID">).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mqttspec::conformance::html {

std::string escape(std::string_view text);
std::string lower(std::string_view text);  // ASCII lower case, for data-search
// An id attribute value from a label: "3.3 PUBLISH" -> "3-3-publish", prefixed.
std::string anchor(std::string_view prefix, std::string_view label);

// "<!DOCTYPE html>...<body>": charset, viewport, title, the shared style sheet.
std::string page_start(std::string_view title);
// The filter/search script and "</body></html>".
std::string page_end();

struct filter_group {
    std::string name;   // data-<name> on rows: "result", "version", "transport"
    std::string label;  // shown: "Result"
    std::vector<std::pair<std::string, std::size_t>> values;  // value and how many rows carry it
};
// The sticky bar: one fieldset of check boxes per group, the search box, "N of M shown", and the
// "differences only" toggle when asked (comparison pages).
std::string filter_bar(const std::vector<filter_group>& groups, bool differences_toggle);

// "<span class="v v-failed">failed</span>".
std::string verdict_badge(std::string_view verdict_name);

}  // namespace mqttspec::conformance::html
