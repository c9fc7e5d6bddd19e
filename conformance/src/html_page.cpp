#include "html_page.hpp"

#include <cctype>

#include "mqttspec/conformance/report.hpp"

namespace mqttspec::conformance::html {

namespace {

// Fixed table layout with wrapping cells: a long ID, hex dump or transcript line wraps inside its
// cell instead of widening the table (or squeezing the other columns). Below 700 px each row becomes
// a card with labelled fields.
constexpr std::string_view style_sheet = R"css(
*{box-sizing:border-box}
[hidden]{display:none!important}
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;margin:0 auto;max-width:1240px;padding:1rem;color:#1d1d1f;line-height:1.4;background:#fff}
h1,h2,h3,p,li{overflow-wrap:anywhere}
h1{font-size:1.5rem;margin:.2em 0 .4em}
h2{font-size:1.25rem;margin:1.6em 0 .5em;padding-bottom:.2em;border-bottom:2px solid #ddd}
h3{font-size:1.05rem;margin:1.2em 0 .4em}
h3 .n,li .n{font-weight:normal;color:#555;font-size:.9em}
code,pre{font-family:ui-monospace,"SFMono-Regular",Menlo,Consolas,"DejaVu Sans Mono",monospace;font-size:.88em}
a{color:#1a4fa0}
.meta{display:grid;grid-template-columns:max-content minmax(0,1fr);gap:.15em 1em;margin:.5em 0 1em}
.meta dt{font-weight:600;color:#444}
.meta dd{margin:0;overflow-wrap:anywhere;min-width:0}
.banner{background:#fdecea;border:2px solid #b00020;color:#7a0015;padding:.6em 1em;border-radius:6px;font-weight:600;margin:.6em 0;overflow-wrap:anywhere}
.counts{display:flex;flex-wrap:wrap;gap:.4em;padding:0;margin:.6em 0;list-style:none}
.counts li{border:1px solid #ccc;border-radius:4px;padding:.15em .6em;background:#fafafa}
.notes li{overflow-wrap:anywhere}
.summary-line{font-weight:600;overflow-wrap:anywhere}
.filters{position:sticky;top:0;z-index:2;background:#fff;border-bottom:1px solid #ccc;padding:.5em 0;margin:.5em 0;display:flex;flex-wrap:wrap;gap:.4em 1.2em;align-items:center}
.filters fieldset{border:0;padding:0;margin:0;display:flex;flex-wrap:wrap;gap:.1em .8em;align-items:center;min-width:0}
.filters legend{float:left;font-weight:600;margin-right:.3em;padding:0}
.filters label{white-space:nowrap}
.filters input[type=search]{flex:1 1 14em;min-width:0;max-width:100%;font-size:1rem;padding:.3em .5em}
.filters button{font-size:.9em}
#shown{color:#555;white-space:nowrap}
nav.contents ul{list-style:none;padding-left:1em;margin:.2em 0}
nav.contents>ul{padding-left:0;columns:2 22em;column-gap:2em}
nav.contents li{break-inside:avoid;overflow-wrap:anywhere}
table{border-collapse:collapse;width:100%;table-layout:fixed;margin-bottom:1em}
td,th{border:1px solid #ddd;padding:.3em .5em;text-align:left;vertical-align:top;overflow-wrap:anywhere;word-break:break-word;min-width:0}
th{background:#f3f3f3}
pre{white-space:pre-wrap;overflow-wrap:anywhere;word-break:break-word;background:#f6f6f6;padding:.5em;margin:.3em 0;max-width:100%}
details>summary{cursor:pointer;color:#1a4fa0}
details.changes{margin:.6em 0}details.changes>summary{font-weight:600;font-size:1.05rem;color:#1d1d1f}
.ev{margin-top:.25em}
.v{display:inline-block;padding:0 .4em;border-radius:3px;font-weight:600;white-space:nowrap}
.v-passed{color:#176b1d;background:#e7f4e8}.v-failed{color:#fff;background:#b00020}.v-skipped{color:#555;background:#eee}
.v-error{color:#fff;background:#7b1fa2}.v-non-strict{color:#7a4a00;background:#fff0d6}.v-waived{color:#1a4fa0;background:#e6eefb}
.v-unstable{color:#7a4a00;background:#ffd79a}.v-not-run{color:#7b1fa2;background:#f3e5f5}.v-absent{color:#888;background:none}
tr.differs td:first-child{border-left:4px solid #b00020}
@media (max-width:700px){
 body{padding:.5rem}
 .filters{position:static}
 .meta{grid-template-columns:minmax(0,1fr)}
 .meta dt{margin-top:.3em}
 table.cases,table.cases tbody,table.cases tr,table.cases td{display:block;width:100%}
 table.cases thead,table.cases colgroup{display:none}
 table.cases tr{border:1px solid #ccc;border-radius:4px;margin-bottom:.6em}
 table.cases td{border:0;border-top:1px solid #eee}
 table.cases td:empty{display:none}
 table.cases td[data-label]::before{content:attr(data-label) ": ";font-weight:600;color:#555}
}
)css";

// Check boxes and the search box decide which rows show (see the contract in html_page.hpp).
constexpr std::string_view script = R"js(
(function () {
  'use strict';
  var rows = Array.prototype.slice.call(document.querySelectorAll('tr.row'));
  var search = document.getElementById('search');
  var shown = document.getElementById('shown');
  var differencesOnly = document.getElementById('differences-only');
  var groups = Array.prototype.slice.call(document.querySelectorAll('.filters fieldset[data-group]'));
  var problems = ['failed', 'error', 'unstable', 'non-strict', 'not-run'];
  function boxes(fieldset) { return Array.prototype.slice.call(fieldset.querySelectorAll('input[type=checkbox]')); }
  function apply() {
    var wanted = groups.map(function (g) {
      var set = {};
      boxes(g).forEach(function (b) { if (b.checked) set[b.value] = true; });
      return { name: g.getAttribute('data-group'), set: set };
    });
    var words = (search ? search.value : '').toLowerCase().split(/\s+/).filter(Boolean);
    var count = 0;
    rows.forEach(function (row) {
      var ok = wanted.every(function (w) {
        return (row.getAttribute('data-' + w.name) || '').split(' ').some(function (v) { return w.set[v]; });
      });
      if (ok && differencesOnly && differencesOnly.checked) ok = row.getAttribute('data-differs') === '1';
      if (ok) {
        var text = row.getAttribute('data-search') || '';
        ok = words.every(function (word) { return text.indexOf(word) >= 0; });
      }
      row.hidden = !ok;
      if (ok) count++;
    });
    ['section.cases', 'section.group'].forEach(function (selector) {
      document.querySelectorAll(selector).forEach(function (section) {
        section.hidden = !section.querySelector('tr.row:not([hidden])');
        var entry = document.querySelector('li[data-for="' + section.id + '"]');
        if (entry) entry.hidden = section.hidden;
      });
    });
    if (shown) shown.textContent = count + ' of ' + rows.length + ' shown';
  }
  document.addEventListener('change', function (e) { if (e.target.closest && e.target.closest('.filters')) apply(); });
  if (search) search.addEventListener('input', apply);
  document.querySelectorAll('.filters button[data-preset]').forEach(function (button) {
    button.addEventListener('click', function () {
      var preset = button.getAttribute('data-preset');
      groups.forEach(function (g) {
        boxes(g).forEach(function (b) {
          b.checked = preset === 'all' || g.getAttribute('data-group') !== 'result' || problems.indexOf(b.value) >= 0;
        });
      });
      if (preset === 'all' && search) search.value = '';
      if (preset === 'all' && differencesOnly) differencesOnly.checked = false;
      apply();
    });
  });
  apply();
})();
)js";

}  // namespace

std::string escape(std::string_view text) { return xml_escape(text); }

std::string lower(std::string_view text) {
    std::string out(text);
    for (auto& ch : out) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    return out;
}

std::string anchor(std::string_view prefix, std::string_view label) {
    std::string out(prefix);
    bool dash = !out.empty();
    for (char ch : label) {
        if (std::isalnum(static_cast<unsigned char>(ch))) {
            if (dash && !out.empty() && out.back() != '-') out += '-';
            out += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
            dash = false;
        } else {
            dash = true;
        }
    }
    return out;
}

std::string page_start(std::string_view title) {
    std::string out = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
                      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>";
    out += escape(title);
    out += "</title>\n<style>";
    out += style_sheet;
    out += "</style></head><body>\n";
    return out;
}

std::string page_end() {
    std::string out = "<script>";
    out += script;
    out += "</script>\n</body></html>\n";
    return out;
}

std::string filter_bar(const std::vector<filter_group>& groups, bool differences_toggle) {
    std::string out = "<form class=\"filters\" onsubmit=\"return false\" aria-label=\"filters\">\n";
    for (const auto& g : groups) {
        out += "<fieldset data-group=\"" + escape(g.name) + "\"><legend>" + escape(g.label) + "</legend>";
        for (const auto& [value, n] : g.values) {
            out += "<label><input type=\"checkbox\" value=\"" + escape(value) + "\" checked> " + escape(value) + " <span class=\"n\">(" +
                   std::to_string(n) + ")</span></label>";
        }
        out += "</fieldset>\n";
    }
    if (differences_toggle) out += "<label><input type=\"checkbox\" id=\"differences-only\"> differences only</label>\n";
    out += "<input type=\"search\" id=\"search\" placeholder=\"search ID, title, statement, message\" aria-label=\"search\">\n"
           "<button type=\"button\" data-preset=\"problems\">not passing</button>"
           "<button type=\"button\" data-preset=\"all\">show all</button> <span id=\"shown\"></span>\n</form>\n";
    return out;
}

std::string verdict_badge(std::string_view verdict_name) {
    const std::string name = escape(verdict_name);
    return "<span class=\"v v-" + name + "\">" + name + "</span>";
}

}  // namespace mqttspec::conformance::html
