// `classflow preview`: one batch drawn as a grid, each tile titled with its class name and its
// encoded label vector, plus a legend of the mapping — the picture that answers "which class is
// [0,1]?".
#include "common.hpp"

#include <cairo.h>
#include <fmt/format.h>
#include <pango/pangocairo.h>
#include <opencv2/imgproc.hpp>

#include <cmath>
#include <iostream>

namespace classflow::cli {

namespace {

// The grid as a PNG through Cairo (already here for the text), written atomically: the CLI does
// not link OpenCV's imgcodecs, whose dependency tree would be mapped into every flow process.
void write_png(const std::string& output, const cv::Mat& bgr) {
  cv::Mat bgrx;
  cv::cvtColor(bgr, bgrx, cv::COLOR_BGR2BGRA);  // Cairo's RGB24: 32-bit native-endian xRGB
  cairo_surface_t* surface = cairo_image_surface_create_for_data(bgrx.data, CAIRO_FORMAT_RGB24, bgrx.cols, bgrx.rows,
                                                                 static_cast<int>(bgrx.step[0]));
  std::string png;
  const auto append = [](void* closure, const unsigned char* data, unsigned int length) {
    static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
    return CAIRO_STATUS_SUCCESS;
  };
  const cairo_status_t status = cairo_surface_write_to_png_stream(surface, append, &png);
  cairo_surface_destroy(surface);
  if (status != CAIRO_STATUS_SUCCESS)
    throw DataError(fmt::format("preview file '{}' cannot be encoded: {}", output, cairo_status_to_string(status)));
  write_file_atomically(output, png, "preview file");
}

constexpr int kTile = 160;      // image area of a tile, pixels
constexpr int kCaption = 40;    // two caption lines under each image
constexpr int kPad = 8;
const cv::Scalar kInk(20, 20, 20), kPaper(250, 250, 250), kAccent(160, 60, 0);

std::string number(double v) { return fmt::format("{:g}", v); }

// "[0,1,0]" for a vector label, "1" for a scalar one, "" when there are no labels.
std::string label_text(const Tensor& t, int64_t i) {
  if (t.data.empty() || t.shape.empty()) return "";
  int64_t per = 1;
  for (std::size_t k = 1; k < t.shape.size(); ++k) per *= t.shape[k];
  auto at = [&](int64_t k) -> double {
    switch (t.dtype) {
      case sdk::DType::float32: return t.as<float>()[k];
      case sdk::DType::int32: return t.as<int32_t>()[k];
      case sdk::DType::int64: return static_cast<double>(t.as<int64_t>()[k]);
      case sdk::DType::uint8: return t.as<uint8_t>()[k];
      case sdk::DType::uint16: return t.as<uint16_t>()[k];
    }
    return 0;
  };
  if (t.shape.size() == 1) return number(at(i));
  std::string s = "[";
  for (int64_t k = 0; k < per; ++k) s += (k ? "," : "") + number(at(i * per + k));
  return s + "]";
}

// UTF-8 text through Pango (shaping, fontconfig's font fallback) on a Cairo surface, blended
// into the BGR canvas: class names in any script are drawn as themselves, not as '???'. `y` is
// the baseline, `scale` the old Hershey scale (0.5 ~ 13 px). Characters no installed font has
// are counted, so the command can say so.
int g_missing_glyphs = 0;

void text(cv::Mat& img, const std::string& s, int x, int y, double scale, const cv::Scalar& colour) {
  if (s.empty()) return;
  const std::string shown = printable(s);
  const int px = std::max(8, static_cast<int>(std::lround(scale * 26)));
  cairo_surface_t* probe = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 1, 1);
  cairo_t* pc = cairo_create(probe);
  PangoLayout* layout = pango_cairo_create_layout(pc);
  PangoFontDescription* font = pango_font_description_from_string("Sans");
  pango_font_description_set_absolute_size(font, px * PANGO_SCALE);
  pango_layout_set_font_description(layout, font);
  pango_layout_set_text(layout, shown.c_str(), static_cast<int>(shown.size()));
  g_missing_glyphs += pango_layout_get_unknown_glyphs_count(layout);
  int w = 0, h = 0;
  pango_layout_get_pixel_size(layout, &w, &h);
  const int baseline = pango_layout_get_baseline(layout) / PANGO_SCALE;
  w = std::min(w, img.cols - x);
  const int top = y - baseline;
  if (w > 0 && h > 0) {
    cairo_surface_t* surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, w, h);
    cairo_t* cr = cairo_create(surface);
    // Colour as the canvas's BGR scalar; Cairo wants RGB.
    cairo_set_source_rgb(cr, colour[2] / 255.0, colour[1] / 255.0, colour[0] / 255.0);
    pango_cairo_update_layout(cr, layout);
    pango_cairo_show_layout(cr, layout);
    cairo_surface_flush(surface);
    const unsigned char* data = cairo_image_surface_get_data(surface);
    const int stride = cairo_image_surface_get_stride(surface);
    for (int r = 0; r < h; ++r) {
      const int yy = top + r;
      if (yy < 0 || yy >= img.rows) continue;
      const auto* src = reinterpret_cast<const uint32_t*>(data + static_cast<std::size_t>(r) * stride);
      auto* dst = img.ptr<cv::Vec3b>(yy);
      for (int c = 0; c < w; ++c) {
        const uint32_t argb = src[c];  // premultiplied
        const unsigned a = argb >> 24;
        if (a == 0 || x + c < 0) continue;
        cv::Vec3b& p = dst[x + c];
        const unsigned rgb[3] = {(argb >> 16) & 0xff, (argb >> 8) & 0xff, argb & 0xff};
        for (int k = 0; k < 3; ++k)  // BGR destination
          p[k] = static_cast<uint8_t>(rgb[2 - k] + p[k] * (255 - a) / 255);
      }
    }
    cairo_destroy(cr);
    cairo_surface_destroy(surface);
  }
  pango_font_description_free(font);
  g_object_unref(layout);
  cairo_destroy(pc);
  cairo_surface_destroy(probe);
}

}  // namespace

int run_preview_command(const PluginOptions& plugins, const ScanFlags& scan, const LoaderFlags& loader_flags,
                        const std::string& output, int64_t batch_index, int64_t augmented) {
  if (augmented < 1 || augmented > 64)
    throw UsageError(fmt::format("augmented '{}' is out of range; expected 1..64 copies of each tile", augmented));
  LoaderOptions lo = loader_flags.to_options(scan);
  lo.dtype = ImageDType::uint8;  // display pixels as decoded
  lo.standardize = {};
  lo.rescale = 0.0f;
  lo.data_format = DataFormat::channels_last;
  std::shared_ptr<const Registry> registry = plugins.make_registry();
  DataLoader::check_options(*registry, lo);
  LabelledDataset r = run_scan(*registry, scan);
  DataLoader loader(registry, std::move(r.dataset), r.labels, lo);
  Batch b = loader.batch(batch_index, 0);
  // --augmented N: each sample again as epochs 1..N-1 make it (their augmentation draws), so the
  // copies sit next to each other: tile t is sample t / N, copy t % N.
  std::vector<Batch> copies;
  for (int64_t k = 1; k < augmented; ++k) copies.push_back(loader.samples(b.sample_indices, k));
  for (const auto& copy : copies)
    if (copy.size() != b.size()) augmented = 1;  // a file skipped in one copy only: show the batch plain

  const int n = static_cast<int>(b.size() * augmented);
  const int cols = std::max(1, static_cast<int>(std::ceil(std::sqrt(static_cast<double>(std::max(n, 1))))));
  const int rows = (n + cols - 1) / cols;
  const int cell_w = kTile + 2 * kPad, cell_h = kTile + kCaption + 2 * kPad;
  const ClassIndex& idx = loader.class_index();
  const int legend_lines = idx.size() + 2;
  const int width = std::max(cols * cell_w, 760);
  const int height = 36 + rows * cell_h + legend_lines * 20 + kPad;
  cv::Mat canvas(height, width, CV_8UC3, kPaper);
  text(canvas, fmt::format("{} | class_mode {} | batch {} of {}", loader.dataset().found_message(), r.labels.class_mode(),
                           batch_index, loader.num_batches()),
       kPad, 24, 0.5, kInk);

  const int h = lo.target_size[0], w = lo.target_size[1];
  const int c = static_cast<int>(b.images.shape.size() == 4 ? b.images.shape[3] : 3);
  for (int t = 0; t < n; ++t) {
    const int i = static_cast<int>(t / augmented), k = static_cast<int>(t % augmented);
    const Batch& from = k == 0 ? b : copies[static_cast<std::size_t>(k - 1)];
    cv::Mat img(h, w, CV_8UC(c), const_cast<unsigned char*>(from.images.data.data()) + static_cast<std::size_t>(i) * h * w * c);
    cv::Mat bgr;
    if (c == 1) cv::cvtColor(img, bgr, cv::COLOR_GRAY2BGR);
    else if (c == 4) cv::cvtColor(img, bgr, cv::COLOR_RGBA2BGR);
    else cv::cvtColor(img, bgr, cv::COLOR_RGB2BGR);
    double s = std::min(static_cast<double>(kTile) / w, static_cast<double>(kTile) / h);
    cv::Mat shown;
    // Small images (digits are 8x8) are enlarged with nearest so their pixels stay visible.
    cv::resize(bgr, shown, cv::Size(std::max(1, static_cast<int>(w * s)), std::max(1, static_cast<int>(h * s))), 0, 0,
               s > 1 ? cv::INTER_NEAREST : cv::INTER_AREA);
    int x = (t % cols) * cell_w + kPad, y = 36 + (t / cols) * cell_h + kPad;
    shown.copyTo(canvas(cv::Rect(x, y, shown.cols, shown.rows)));
    std::string name = b.class_ids[static_cast<std::size_t>(i)] >= 0 ? idx.name_of(b.class_ids[static_cast<std::size_t>(i)]) : "-";
    text(canvas, fmt::format("{} {}", name, label_text(b.labels, i)), x, y + kTile + 16, 0.45, kInk);
    text(canvas, augmented > 1 ? fmt::format("{} (epoch {} draw)", b.paths[static_cast<std::size_t>(i)], k)
                               : b.paths[static_cast<std::size_t>(i)],
         x, y + kTile + 32, 0.35, kAccent);
  }

  int y = 36 + rows * cell_h + 16;
  text(canvas, "legend: index  class  encoded label", kPad, y, 0.5, kInk);
  auto enc = loader.encoder();
  for (int32_t k = 0; k < idx.size(); ++k) {
    y += 20;
    const std::string label = enc ? enc->label_text(k) : std::string();
    text(canvas, fmt::format("{:>5}  {}  {}", k, idx.name_of(k), label), kPad, y, 0.45, kInk);
  }
  if (g_missing_glyphs > 0)
    std::cerr << "warning: " << g_missing_glyphs
              << " characters of class names or paths have no glyph in the installed fonts and show as boxes; "
                 "expected a font covering them (e.g. Debian fonts-noto)\n";
  write_png(output, canvas);
  fmt::print("{}\nwrote {} ({} images of batch {}, {}x{} px)\n", loader.dataset().found_message(), output, n,
             batch_index, canvas.cols, canvas.rows);
  return 0;
}

}  // namespace classflow::cli
