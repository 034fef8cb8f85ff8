// render_report / write_report: the dataset report page, one self-contained HTML file.
#include <classflow/atomic_file.hpp>
#include <classflow/dataset_report.hpp>
#include <classflow/error.hpp>

#include "report/svg_chart.hpp"
#include "report/thumbnail.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>

namespace classflow {

namespace {

using detail::html_escape;

// Findings listed in full up to this many per list; `classflow check --format json` has them all.
constexpr std::size_t kMaxListed = 200;

constexpr const char* kStyle = R"(
:root{--ink:#1d2330;--muted:#5b6474;--line:#d9dee7;--bar:#3b6fd8;--bad:#b42318;--ok:#027a48;--warn:#b54708}
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:var(--ink);background:#f6f7f9}
main{max-width:1200px;margin:0 auto;padding:16px}
header h1{font-size:1.5rem;margin:.2em 0;overflow-wrap:anywhere}
h3,th code{overflow-wrap:anywhere}
td code.label,td.n{white-space:nowrap}
nav{display:flex;flex-wrap:wrap;gap:4px 14px;margin:8px 0}
section{background:#fff;border:1px solid var(--line);border-radius:8px;padding:16px;margin:16px 0}
h2{font-size:1.2rem;margin:0 0 .6em} h3{font-size:1rem;margin:1em 0 .4em}
p{margin:.4em 0}
.muted{color:var(--muted)}
.table-wrap{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}
th,td{text-align:left;padding:4px 8px;border-bottom:1px solid var(--line);vertical-align:top}
th{font-weight:600;background:#f0f2f6}
.n{text-align:right}
code{font-family:ui-monospace,"DejaVu Sans Mono",monospace;font-size:.9em;overflow-wrap:anywhere}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(120px,1fr));gap:8px}
.card{border:1px solid var(--line);border-radius:6px;padding:8px 10px}
.card b{display:block;font-size:1.4rem}
.bad{color:var(--bad)} .ok{color:var(--ok)} .warn{color:var(--warn)}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(300px,1fr));gap:16px}
svg.chart{max-width:560px;height:auto;display:block}
svg.bars{max-width:440px}
svg .lbl,svg .val{font-size:13px}
svg .bar{fill:var(--bar)} svg .lbl,svg .val{fill:var(--ink)} svg .axis{stroke:var(--muted)}
.thumbs{display:grid;grid-template-columns:repeat(auto-fill,minmax(104px,1fr));gap:10px}
figure{margin:0} figure img{width:100%;height:auto;aspect-ratio:1;border-radius:4px;display:block;background:#eee}
figcaption{font-size:12px;line-height:1.3;overflow-wrap:anywhere}
figcaption b{display:block}
.missing{display:flex;align-items:center;justify-content:center;aspect-ratio:1;background:#fee4e2;color:var(--bad);font-size:12px;border-radius:4px;text-align:center}
ul.files{margin:.2em 0 .8em;padding-left:1.2em}
@media (max-width:600px){body{font-size:14px} main{padding:8px} section{padding:10px}}
)";

std::string root_name(const CheckResult& check, int32_t root) { return check.bases[static_cast<std::size_t>(root)]; }

std::string file_html(const CheckResult& check, const CheckedFile& f) {
  std::string s = fmt::format("<code>{}/{}</code>", html_escape(root_name(check, f.root)), html_escape(f.path));
  if (!f.classes.empty()) {
    std::vector<std::string> names;
    for (const auto& c : f.classes) names.push_back(html_escape(c));
    s += fmt::format(" <span class=\"muted\">[{}]</span>", fmt::join(names, ", "));
  }
  return s;
}

// A summary number; `tone` colours it when non-zero: 0 never, 1 a warning, 2 a problem.
std::string card(const std::string& label, int64_t value, int tone) {
  const char* cls = value == 0 || tone == 0 ? "" : tone == 2 ? " class=\"bad\"" : " class=\"warn\"";
  return fmt::format("<div class=\"card\"><b{}>{}</b>{}</div>", cls, value, html_escape(label));
}

std::string mapping_section(const std::vector<LabelledDataset>& sets) {
  const Dataset& first = sets[0].dataset;
  const LabelSpec& labels = sets[0].labels;
  std::string s = "<section id=\"mapping\"><h2>Mapping</h2>\n";
  if (!first.labelled || !labels.has_class_index()) {
    s += fmt::format("<p>class_mode <b>{}</b>: no class mapping (label-less or numeric targets).</p></section>\n",
                     html_escape(labels.class_mode()));
    return s;
  }
  s += fmt::format("<p>class_mode <b>{}</b> ({}). The mapping is saved with <code>--save-class-indices</code> and "
                   "enforced with <code>--class-indices</code>.</p>\n",
                   html_escape(labels.class_mode()), html_escape(labels.label_summary()));
  if (auto pos = labels.positive_class())
    s += fmt::format("<p><b>binary:</b> label 1 = class <b>{}</b> (index 1); label 0 = class <b>{}</b> (index 0).</p>\n",
                     html_escape(*pos), html_escape(first.class_index.name_of(0)));
  s += "<div class=\"table-wrap\"><table><thead><tr><th class=\"n\">index</th><th>class</th><th>label</th>";
  for (const auto& set : sets)
    s += fmt::format("<th class=\"n\">images in <code>{}</code></th>", html_escape(set.dataset.root));
  s += "<th class=\"n\">class_weight</th></tr></thead><tbody>\n";
  const auto weights = first.class_weight();
  std::vector<std::vector<int64_t>> counts;
  for (const auto& set : sets) counts.push_back(set.dataset.class_counts());
  const auto& enc = labels.encoder();
  for (int32_t c = 0; c < first.class_index.size(); ++c) {
    const std::string& name = first.class_index.name_of(c);
    s += fmt::format("<tr><td class=\"n\">{}</td><td>{}</td><td><code class=\"label\">{}</code></td>", c, html_escape(name),
                     enc ? html_escape(enc->label_text(c)) : std::string("\u2014"));
    for (std::size_t d = 0; d < sets.size(); ++d) {
      const auto idx = sets[d].dataset.class_index.find(name);
      if (idx) s += fmt::format("<td class=\"n\">{}</td>", counts[d][static_cast<std::size_t>(*idx)]);
      else s += "<td class=\"n bad\">absent</td>";
    }
    s += fmt::format("<td class=\"n\">{:.4f}</td></tr>\n", weights[static_cast<std::size_t>(c)]);
  }
  // Classes the first root lacks: listed, without an index of the first root's mapping.
  std::vector<std::string> extra;
  for (const auto& set : sets)
    for (const auto& name : set.dataset.class_index.class_names())
      if (!first.class_index.find(name) && std::find(extra.begin(), extra.end(), name) == extra.end())
        extra.push_back(name);
  for (const auto& name : extra) {
    s += fmt::format("<tr><td class=\"n bad\">\u2014</td><td>{}</td><td class=\"bad\">not in the first root's mapping</td>",
                     html_escape(name));
    for (std::size_t d = 0; d < sets.size(); ++d) {
      const auto idx = sets[d].dataset.class_index.find(name);
      if (idx) s += fmt::format("<td class=\"n\">{}</td>", counts[d][static_cast<std::size_t>(*idx)]);
      else s += "<td class=\"n\">absent</td>";
    }
    s += "<td class=\"n\">\u2014</td></tr>\n";
  }
  s += "</tbody></table></div>\n<p class=\"muted\">class_weight: scikit-learn's compute_class_weight('balanced') "
       "on the first root, n_samples / (n_classes \u00d7 count); pass it to <code>model.fit(class_weight=...)</code> "
       "as a <code>{index: weight}</code> dict.</p></section>\n";
  return s;
}

std::string counts_section(const std::vector<LabelledDataset>& sets) {
  std::string s = "<section id=\"counts\"><h2>Class counts</h2><div class=\"charts\">\n";
  for (const auto& set : sets) {
    const Dataset& ds = set.dataset;
    s += fmt::format("<div><h3><code>{}</code>: {} images, {} classes</h3>\n", html_escape(ds.root), ds.num_samples(),
                     ds.class_index.size());
    if (!ds.labelled || ds.class_index.size() == 0) {
      s += "<p class=\"muted\">no classes (label-less)</p></div>\n";
      continue;
    }
    const auto counts = ds.class_counts();
    const auto weights = ds.class_weight();
    std::vector<detail::Bar> bars;
    int64_t lo = INT64_MAX, hi = 0;
    for (int32_t c = 0; c < ds.class_index.size(); ++c) {
      const int64_t n = counts[static_cast<std::size_t>(c)];
      lo = std::min(lo, n);
      hi = std::max(hi, n);
      bars.push_back({ds.class_index.name_of(c), static_cast<double>(n),
                      fmt::format("{} (w {:.2f})", n, weights[static_cast<std::size_t>(c)])});
    }
    s += fmt::format("<p>imbalance ratio (largest / smallest class): <b>{}</b></p>\n",
                     lo > 0 ? fmt::format("{:.2f}", static_cast<double>(hi) / static_cast<double>(lo))
                            : std::string("infinite (an empty class)"));
    s += detail::svg_bar_chart(bars, fmt::format("images per class in {}", ds.root));
    s += "<p class=\"muted\">w: class_weight within this root.</p>\n";
    s += "</div>\n";
  }
  return s + "</div></section>\n";
}

std::string thumbnails_section(const Registry& registry, const std::vector<LabelledDataset>& sets,
                               const ReportOptions& o) {
  if (o.thumbnails == 0) return {};
  std::string s = "<section id=\"thumbnails\"><h2>Thumbnails</h2>\n";
  for (const auto& set : sets) {
    const Dataset& ds = set.dataset;
    const auto& enc = set.labels.encoder();
    const std::string& base = ds.base_directory.empty() ? ds.root : ds.base_directory;
    // Samples of each class (multi-label: every class a sample has), in dataset order.
    const int32_t groups = ds.labelled ? std::max(1, ds.class_index.size()) : 1;
    std::vector<std::vector<std::size_t>> members(static_cast<std::size_t>(groups));
    for (std::size_t i = 0; i < ds.samples.size(); ++i) {
      if (!ds.labelled) members[0].push_back(i);
      else
        for (int32_t id : ds.samples[i].class_ids)
          if (id >= 0 && id < groups) members[static_cast<std::size_t>(id)].push_back(i);
    }
    for (int32_t g = 0; g < groups; ++g) {
      const auto& m = members[static_cast<std::size_t>(g)];
      const std::string name = ds.labelled && ds.class_index.size() > 0 ? ds.class_index.name_of(g) : "all images";
      const std::string label = enc && ds.labelled ? enc->label_text(g) : std::string();
      s += fmt::format("<h3>{} <span class=\"muted\">\u2014 <code>{}</code>{}{} \u2014 {} images</span></h3>\n",
                       html_escape(name), html_escape(ds.root), label.empty() ? "" : ", label ",
                       label.empty() ? "" : "<code>" + html_escape(label) + "</code>", m.size());
      s += "<div class=\"thumbs\">\n";
      const std::size_t shown = std::min<std::size_t>(m.size(), static_cast<std::size_t>(o.thumbnails));
      for (std::size_t j = 0; j < shown; ++j) {
        const std::size_t i = m[j * m.size() / shown];  // spread over the class
        const Sample& sample = ds.samples[i];
        std::string title = name + (label.empty() ? "" : " " + label);
        const auto uri = detail::thumbnail_data_uri(registry, base + "/" + sample.path, o.thumbnail_size);
        const std::string img =
            uri ? fmt::format("<img src=\"{}\" width=\"{}\" height=\"{}\" alt=\"{}\">", *uri, o.thumbnail_size,
                              o.thumbnail_size, html_escape(sample.path))
                : std::string("<div class=\"missing\">cannot be decoded<br>(see findings)</div>");
        s += fmt::format("<figure title=\"{}\">{}<figcaption><b>{}</b>{}</figcaption></figure>\n",
                         html_escape(sample.path), img, html_escape(title), html_escape(sample.path));
      }
      s += "</div>\n";
    }
  }
  return s + "</section>\n";
}

std::string sizes_section(const CheckResult& check) {
  std::vector<double> widths, heights, aspects;
  for (const auto& root : check.images)
    for (const auto& h : root)
      if (h.width > 0 && h.height > 0) {
        widths.push_back(h.width);
        heights.push_back(h.height);
        aspects.push_back(static_cast<double>(h.width) / h.height);
      }
  std::string s = fmt::format("<section id=\"sizes\"><h2>Image sizes</h2><p>{} images with a readable header", widths.size());
  auto median = [](std::vector<double> v) {
    if (v.empty()) return 0.0;
    std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2), v.end());
    return v[v.size() / 2];
  };
  if (!widths.empty()) {
    const auto [wl, wh] = std::minmax_element(widths.begin(), widths.end());
    const auto [hl, hh] = std::minmax_element(heights.begin(), heights.end());
    auto range = [](double lo, double hi) {
      return lo == hi ? fmt::format("{}", lo) : fmt::format("{}\u2013{}", lo, hi);
    };
    s += fmt::format(": width {} px (median {}), height {} px (median {}), aspect ratio (w/h) median {:.2f}",
                     range(*wl, *wh), median(widths), range(*hl, *hh), median(heights), median(aspects));
  }
  s += ".</p><div class=\"charts\">\n";
  s += "<div><h3>Width</h3>" + detail::svg_histogram(widths, 20, "image widths", "px") + "</div>\n";
  s += "<div><h3>Height</h3>" + detail::svg_histogram(heights, 20, "image heights", "px") + "</div>\n";
  s += "<div><h3>Aspect ratio (width / height)</h3>" + detail::svg_histogram(aspects, 20, "aspect ratios", "") +
       "</div>\n";
  return s + "</div></section>\n";
}

std::string colors_section(const std::vector<LabelledDataset>& sets, const CheckResult& check) {
  std::string s = "<section id=\"colors\"><h2>Colour models per class</h2><div class=\"table-wrap\"><table><thead><tr>"
                  "<th>root</th><th>class</th><th class=\"n\">images</th><th class=\"n\">gray</th><th class=\"n\">rgb</th>"
                  "<th class=\"n\">palette</th><th class=\"n\">cmyk</th><th class=\"n\">alpha</th>"
                  "<th class=\"n\">16-bit</th><th class=\"n\">unknown</th><th class=\"n\">unreadable</th></tr></thead>"
                  "<tbody>\n";
  for (std::size_t d = 0; d < sets.size(); ++d) {
    const Dataset& ds = sets[d].dataset;
    if (!ds.labelled) continue;
    for (int32_t c = 0; c < ds.class_index.size(); ++c) {
      const ColorCounts& cc = check.colors[d][static_cast<std::size_t>(c)];
      s += fmt::format("<tr><td><code>{}</code></td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>"
                       "<td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>"
                       "<td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>\n",
                       html_escape(ds.root), html_escape(ds.class_index.name_of(c)), cc.images, cc.gray, cc.rgb,
                       cc.palette, cc.cmyk, cc.alpha, cc.high_bit_depth, cc.unknown, cc.unreadable);
    }
  }
  return s + "</tbody></table></div></section>\n";
}

template <class T, class F>
std::string listing(const std::string& title, const std::vector<T>& items, F&& item_html) {
  std::string s = fmt::format("<h3>{}: {}</h3>\n", html_escape(title), items.size());
  if (items.empty()) return s;
  s += "<ul class=\"files\">\n";
  for (std::size_t i = 0; i < items.size() && i < kMaxListed; ++i) s += "<li>" + item_html(items[i]) + "</li>\n";
  if (items.size() > kMaxListed)
    s += fmt::format("<li class=\"muted\">\u2026 and {} more (classflow check --format json lists all)</li>\n",
                     items.size() - kMaxListed);
  return s + "</ul>\n";
}

std::string findings_section(const CheckResult& check) {
  std::string s = "<section id=\"findings\"><h2>Check findings</h2>\n";
  s += fmt::format("<p>{} files, {:.1f} MB, {}. Result: {}</p>\n", check.files, static_cast<double>(check.bytes) / 1e6,
                   !check.decoded          ? std::string("headers only (--no-decode)")
                   : check.corrupt.empty() ? std::string("every image decoded")
                                           : fmt::format("images decoded ({} could not be)", check.corrupt.size()),
                   check.exit_code() == 0 ? "<b class=\"ok\">clean</b>"
                                          : "<b class=\"bad\">problems that corrupt training or evaluation</b>");
  for (const auto& w : check.warnings) s += fmt::format("<p class=\"warn\">{}</p>\n", html_escape(w));
  s += listing("Corrupt or unreadable", check.corrupt, [&](const CorruptFile& c) {
    return file_html(check, c.file) + "<br><span class=\"muted\">" + html_escape(c.reason) + "</span>";
  });
  for (DuplicateKind kind : {DuplicateKind::conflict, DuplicateKind::leak, DuplicateKind::duplicate}) {
    std::vector<DuplicateGroup> groups;
    for (const auto& g : check.duplicates)
      if (g.kind == kind) groups.push_back(g);
    const char* title = kind == DuplicateKind::conflict ? "Conflicts (one picture under several classes)"
                        : kind == DuplicateKind::leak   ? "Leaks (the same file in several roots)"
                                                        : "Duplicates (byte-identical files in one class)";
    s += listing(title, groups, [&](const DuplicateGroup& g) {
      std::string h = fmt::format("{} identical files ({} bytes){}:<ul>", g.files.size(), g.bytes,
                                  g.kind == DuplicateKind::leak && g.label_conflict ? ", labelled differently" : "");
      for (const auto& f : g.files) h += "<li>" + file_html(check, f) + "</li>";
      return h + "</ul>";
    });
  }
  s += listing("Extension disagrees with content", check.extension_mismatch, [&](const ExtensionMismatch& m) {
    return file_html(check, m.file) + fmt::format(": named <code>{}</code> but its bytes are a format of decoder "
                                                  "<code>{}</code>",
                                                  html_escape(m.extension), html_escape(m.content));
  });
  s += listing("Small (a side below half of the target size)", check.small, [&](const SmallImage& m) {
    return file_html(check, m.file) + fmt::format(": {}\u00d7{} (H\u00d7W)", m.height, m.width);
  });
  if (!check.near_duplicates.empty())
    s += listing("Near-duplicates (perceptual hash)", check.near_duplicates, [&](const NearDuplicate& n) {
      return fmt::format("distance {}{}{}:<ul><li>{}</li><li>{}</li></ul>", n.distance,
                         n.cross_root ? ", across roots" : "", n.label_conflict ? ", different classes" : "",
                         file_html(check, n.a), file_html(check, n.b));
    });
  return s + "</section>\n";
}

}  // namespace

std::string render_report(const Registry& registry, const std::vector<LabelledDataset>& sets, const CheckResult& check,
                          const ReportOptions& o) {
  if (sets.empty()) throw UsageError("a report needs at least one dataset root");
  if (check.roots.size() != sets.size())
    throw UsageError(fmt::format("the check covers {} roots but the report {}; check the same datasets",
                                 check.roots.size(), sets.size()));
  if (o.thumbnails < 0 || o.thumbnails > 64)
    throw UsageError(fmt::format("thumbnails {} per class is outside 0..64", o.thumbnails));
  if (o.thumbnail_size < 16 || o.thumbnail_size > 512)
    throw UsageError(fmt::format("thumbnail size {} is outside 16..512 pixels", o.thumbnail_size));
  std::vector<std::string> roots;
  int64_t images = 0;
  for (const auto& set : sets) {
    roots.push_back(set.dataset.root);
    images += set.dataset.num_samples();
  }
  const std::string title = o.title.empty() ? fmt::format("classflow report: {}", fmt::join(roots, ", ")) : o.title;
  std::string h;
  h.reserve(1 << 20);
  h += "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n";
  // Nothing may be fetched: inline styles and data: images only.
  h += "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src data:; style-src "
       "'unsafe-inline'\">\n";
  h += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  h += fmt::format("<title>{}</title>\n<style>{}</style></head><body><main>\n", html_escape(title), kStyle);
  auto plural = [](int64_t n, const char* one, const char* many) { return fmt::format("{} {}", n, n == 1 ? one : many); };
  h += fmt::format("<header><h1>{}</h1><p class=\"muted\">classflow {} \u00b7 {} \u00b7 {} \u00b7 {}</p>\n",
                   html_escape(title), CLASSFLOW_VERSION_STRING, plural(static_cast<int64_t>(sets.size()), "root", "roots"),
                   plural(images, "image", "images"), plural(sets[0].dataset.class_index.size(), "class", "classes"));
  h += "<nav><a href=\"#mapping\">Mapping</a><a href=\"#counts\">Class counts</a><a href=\"#thumbnails\">Thumbnails</a>"
       "<a href=\"#sizes\">Image sizes</a><a href=\"#colors\">Colour models</a><a href=\"#findings\">Findings</a></nav>\n";
  h += "<div class=\"cards\">";
  h += card("images", images, 0);
  h += card("corrupt", static_cast<int64_t>(check.corrupt.size()), 2);
  h += card("conflicts", check.count(DuplicateKind::conflict), 2);
  h += card("leaks", check.count(DuplicateKind::leak), 2);
  h += card("duplicates", check.count(DuplicateKind::duplicate), 1);
  h += card("extension mismatches", static_cast<int64_t>(check.extension_mismatch.size()), 1);
  h += card("small images", static_cast<int64_t>(check.small.size()), 1);
  h += card("near-duplicate pairs", static_cast<int64_t>(check.near_duplicates.size()), 1);
  h += "</div></header>\n";
  h += mapping_section(sets);
  h += counts_section(sets);
  h += thumbnails_section(registry, sets, o);
  h += sizes_section(check);
  h += colors_section(sets, check);
  h += findings_section(check);
  h += "</main></body></html>\n";
  return h;
}

void write_report(const Registry& registry, const std::vector<LabelledDataset>& sets, const CheckResult& check,
                  const std::string& path, const ReportOptions& options) {
  // Never write the page over one of the images it describes.
  for (const auto& set : sets) refuse_output_over_samples(set.dataset, path, "report output");
  const std::string html = render_report(registry, sets, check, options);
  AtomicFile file(path, "report");
  file.write(html);
  file.commit();
}

}  // namespace classflow
