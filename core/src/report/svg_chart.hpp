// Inline SVG charts of the report, drawn from the data (no scripts; they scale with the page).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace classflow::detail {

/// `text` with &, <, >, " and ' escaped for HTML and SVG text and attributes; invalid UTF-8,
/// C0/C1 controls and DEL shown as \xNN (the page stays valid UTF-8, nothing is hidden).
std::string html_escape(const std::string& text);

/// One bar of a horizontal bar chart.
struct Bar {
  std::string label;  ///< drawn left of the bar (shortened when long; the full text in <title>)
  double value = 0;
  std::string note;   ///< drawn right of the bar, e.g. "500 (w 1.00)"
};

/// Horizontal bars, one row per bar, scaled to the largest value; `caption` is the accessible
/// title. The SVG has a viewBox and width 100%, so it shrinks on a phone.
std::string svg_bar_chart(const std::vector<Bar>& bars, const std::string& caption);

/// A histogram of `values` in `bins` equal-width bins between their minimum and maximum, with the
/// axis ends and the tallest bin's count labelled; `unit` follows the axis numbers ("px").
std::string svg_histogram(const std::vector<double>& values, int bins, const std::string& caption,
                          const std::string& unit);

}  // namespace classflow::detail
