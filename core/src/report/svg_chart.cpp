#include "report/svg_chart.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace classflow::detail {

std::string html_escape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t n = text.size();
  for (std::size_t i = 0; i < n;) {
    const unsigned char c = p[i];
    // A name from disk may be any bytes: invalid UTF-8 and control characters are shown as
    // \xNN (as the CLI prints them), so the page stays valid UTF-8 and nothing is hidden.
    std::size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    bool valid = len > 0 && i + len <= n;
    for (std::size_t k = 1; valid && k < len; ++k) valid = (p[i + k] & 0xC0) == 0x80;
    if (valid && len > 1) {
      const uint32_t cp = len == 2 ? ((c & 0x1Fu) << 6 | (p[i + 1] & 0x3Fu))
                          : len == 3 ? ((c & 0x0Fu) << 12 | (p[i + 1] & 0x3Fu) << 6 | (p[i + 2] & 0x3Fu))
                                     : ((c & 0x07u) << 18 | (p[i + 1] & 0x3Fu) << 12 | (p[i + 2] & 0x3Fu) << 6 |
                                        (p[i + 3] & 0x3Fu));
      const uint32_t min = len == 2 ? 0x80 : len == 3 ? 0x800 : 0x10000;
      valid = cp >= min && cp <= 0x10FFFF && !(cp >= 0xD800 && cp <= 0xDFFF) && !(cp >= 0x80 && cp < 0xA0);
    }
    if (!valid || c < 0x20 || c == 0x7F) {
      out += fmt::format("\\x{:02x}", c);
      ++i;
      continue;
    }
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out.append(text, i, len);
    }
    i += len;
  }
  return out;
}

namespace {

// At most `n` code points of UTF-8 `s`, with an ellipsis when cut (never inside a character).
std::string shorten(const std::string& s, std::size_t n) {
  std::size_t points = 0, i = 0;
  for (; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80 && points++ == n) break;
  }
  return i < s.size() ? s.substr(0, i) + "\u2026" : s;
}

std::string number(double v) {
  if (std::fabs(v - std::round(v)) < 1e-9 && std::fabs(v) < 1e15) return fmt::format("{}", static_cast<int64_t>(std::round(v)));
  return fmt::format("{:.3g}", v);
}

}  // namespace

std::string svg_bar_chart(const std::vector<Bar>& bars, const std::string& caption) {
  constexpr int kRow = 24, kLabel = 100, kBar = 170, kNote = 90, kWidth = kLabel + kBar + kNote;
  const int height = std::max<int>(1, static_cast<int>(bars.size())) * kRow + 8;
  double top = 0;
  for (const auto& b : bars) top = std::max(top, b.value);
  std::string s = fmt::format(
      "<svg class=\"chart bars\" viewBox=\"0 0 {} {}\" width=\"100%\" role=\"img\" aria-label=\"{}\" "
      "xmlns=\"http://www.w3.org/2000/svg\"><title>{}</title>\n",
      kWidth, height, html_escape(caption), html_escape(caption));
  for (std::size_t i = 0; i < bars.size(); ++i) {
    const Bar& b = bars[i];
    const int y = static_cast<int>(i) * kRow + 4;
    const double w = top > 0 ? kBar * b.value / top : 0;
    s += fmt::format(
        "<g><title>{}: {}</title><text x=\"{}\" y=\"{}\" text-anchor=\"end\" class=\"lbl\">{}</text>"
        "<rect x=\"{}\" y=\"{}\" width=\"{:.1f}\" height=\"{}\" class=\"bar\"/>"
        "<text x=\"{:.1f}\" y=\"{}\" class=\"val\">{}</text></g>\n",
        html_escape(b.label), number(b.value), kLabel - 8, y + 16, html_escape(shorten(b.label, 13)), kLabel, y + 3,
        std::max(w, 1.0), kRow - 6, kLabel + std::max(w, 1.0) + 6, y + 16, html_escape(b.note));
  }
  return s + "</svg>\n";
}

std::string svg_histogram(const std::vector<double>& values, int bins, const std::string& caption,
                          const std::string& unit) {
  constexpr int kWidth = 480, kHeight = 200, kLeft = 40, kBottom = 36, kTop = 18;
  std::string s = fmt::format(
      "<svg class=\"chart\" viewBox=\"0 0 {} {}\" width=\"100%\" role=\"img\" aria-label=\"{}\" "
      "xmlns=\"http://www.w3.org/2000/svg\"><title>{}</title>\n",
      kWidth, kHeight, html_escape(caption), html_escape(caption));
  if (values.empty()) return s + "<text x=\"10\" y=\"30\" class=\"lbl\">no images</text></svg>\n";
  const auto [lo_it, hi_it] = std::minmax_element(values.begin(), values.end());
  const double lo = *lo_it, hi = *hi_it;
  const double span = hi > lo ? hi - lo : 1.0;
  if (hi <= lo) bins = 1;
  std::vector<int64_t> counts(static_cast<std::size_t>(bins), 0);
  for (double v : values) {
    int b = static_cast<int>((v - lo) / span * bins);
    counts[static_cast<std::size_t>(std::clamp(b, 0, bins - 1))]++;
  }
  const int64_t top = *std::max_element(counts.begin(), counts.end());
  const double plot_w = kWidth - kLeft - 10, plot_h = kHeight - kBottom - kTop;
  const double bw = plot_w / bins;
  for (int b = 0; b < bins; ++b) {
    const int64_t c = counts[static_cast<std::size_t>(b)];
    const double h = top > 0 ? plot_h * static_cast<double>(c) / static_cast<double>(top) : 0;
    const double from = lo + span * b / bins, to = lo + span * (b + 1) / bins;
    s += fmt::format("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" class=\"bar\">"
                     "<title>{}\u2013{} {}: {} images</title></rect>\n",
                     kLeft + b * bw + 1, kTop + plot_h - h, std::max(bw - 2, 1.0), h, number(from),
                     number(hi > lo ? to : hi), unit, c);
  }
  s += fmt::format("<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" class=\"axis\"/>\n", kLeft, kTop + plot_h,
                   kWidth - 10, kTop + plot_h);
  s += fmt::format("<text x=\"{}\" y=\"{}\" class=\"lbl\">{} {}</text>\n", kLeft, kHeight - 14, number(lo), unit);
  s += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\" class=\"lbl\">{} {}</text>\n", kWidth - 10,
                   kHeight - 14, number(hi), unit);
  s += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\" class=\"lbl\">{}</text>\n", kLeft - 4, kTop + 10, top);
  return s + "</svg>\n";
}

}  // namespace classflow::detail
