// Development driver for the clump finders: runs findClumps on a FITS image
// and writes the mask, the catalogue (the reference CSV layout) and a JSON
// summary, for comparison with ../../../../shared/cupid/reference (compare.py).
//
// Build (from native/cupid, one job: the machine is shared):
//   g++ -std=c++17 -O2 -Wall -Wextra -I. *.cc tools/cupid-run.cc -lcfitsio -lpthread -o /tmp/cupid-run
//
// Usage:
//   cupid-run IN.fits METHOD [--config K=V,K=V] [--rms X] [--velax N] [--nodeconv]
//             [--backoff 0|1] [--progress] --mask OUT.fits --cat OUT.csv [--json RESULT.json]
// then, against a reference run folder:
//   /usr/bin/python3 tools/compare.py REF_DIR OUT.fits OUT.csv [RESULT.json]
#include <fitsio.h>

#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <iostream>
#include <limits>
#include <sstream>

#include "cupid.h"

namespace {

struct Image {
  cupid::Array array;
  std::vector<long> shape;  // significant axes, FITS order (NAXIS1 first)
};

void fitsCheck(int status, const std::string& what) {
  if (status) {
    char text[FLEN_STATUS];
    fits_get_errstatus(status, text);
    throw std::runtime_error(what + ": " + text);
  }
}

// The primary image, or the first image HDU with data; blanks become NaN and
// length-1 axes are dropped.
Image readImage(const std::string& path) {
  fitsfile* f = nullptr;
  int status = 0;
  fits_open_image(&f, path.c_str(), READONLY, &status);
  fitsCheck(status, "cannot open " + path);
  int naxis = 0, type = 0;
  long naxes[9] = {0};
  fits_get_img_equivtype(f, &type, &status);
  fits_get_img_dim(f, &naxis, &status);
  if (naxis > 9) naxis = 9;
  fits_get_img_size(f, naxis, naxes, &status);
  fitsCheck(status, "cannot read the image header of " + path);
  Image img;
  std::size_t n = naxis ? 1 : 0;
  for (int i = 0; i < naxis; ++i) {
    n *= static_cast<std::size_t>(naxes[i]);
    if (naxes[i] > 1) img.shape.push_back(naxes[i]);
  }
  if (n == 0) throw std::runtime_error(path + " holds no image data");
  if (img.shape.size() > 3) throw std::runtime_error(path + " has more than 3 significant axes");
  if (img.shape.empty()) img.shape.push_back(1);
  cupid::Array& a = img.array;
  a.ndim = static_cast<int>(img.shape.size());
  for (int i = 0; i < a.ndim; ++i) a.dims[i] = static_cast<std::size_t>(img.shape[i]);
  a.isFloat32 = type == FLOAT_IMG || type == BYTE_IMG || type == SBYTE_IMG || type == SHORT_IMG || type == USHORT_IMG;
  a.data.resize(n);
  double nulval = std::numeric_limits<double>::quiet_NaN();
  int anynul = 0;
  fits_read_img(f, TDOUBLE, 1, static_cast<LONGLONG>(n), &nulval, a.data.data(), &anynul, &status);
  fitsCheck(status, "cannot read the pixels of " + path);
  fits_close_file(f, &status);
  for (double& v : a.data)
    if (std::isinf(v)) v = nulval;
  return img;
}

template <typename T>
void writeImage(const std::string& path, const std::vector<long>& shape, int bitpix, int datatype,
                std::vector<T>& data) {
  fitsfile* f = nullptr;
  int status = 0;
  std::string target = "!" + path;  // overwrite
  fits_create_file(&f, target.c_str(), &status);
  std::vector<long> naxes(shape);
  fits_create_img(f, bitpix, static_cast<int>(naxes.size()), naxes.data(), &status);
  fits_write_img(f, datatype, 1, static_cast<LONGLONG>(data.size()), data.data(), &status);
  fits_close_file(f, &status);
  fitsCheck(status, "cannot write " + path);
}

// Python's repr for floats (the reference CSVs' format): shortest round-trip text.
std::string number(double v) {
  if (std::isnan(v)) return "";
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  std::string s(buf, r.ptr);
  if (s.find_first_of(".eni") == std::string::npos) s += ".0";
  return s;
}

std::string jsonString(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

void writeCatalogue(const std::string& path, const cupid::FindClumpsResult& r) {
  std::ofstream out(path);
  std::vector<std::string> cols = cupid::catalogueColumns(r.ndim, r.rows);
  for (std::size_t i = 0; i < cols.size(); ++i) out << (i ? "," : "") << cols[i];
  out << "\n";
  for (const auto& row : r.rows) {
    for (std::size_t i = 0; i < cols.size(); ++i) {
      if (i) out << ",";
      const std::string& c = cols[i];
      if (c == "index") {
        if (row.accepted) out << row.index;
      } else if (c == "cell") {
        out << row.cell;
      } else if (c == "accepted") {
        out << (row.accepted ? 1 : 0);
      } else if (c == "reject_reason") {
        out << row.rejectReason;
      } else {
        out << number(cupid::catalogueValue(row, r.ndim, c));
      }
    }
    out << "\n";
  }
  if (!out) throw std::runtime_error("cannot write " + path);
}

void writeJson(const std::string& path, const std::string& method, const cupid::FindClumpsResult& r,
               double seconds) {
  std::ofstream out(path);
  out << "{\n \"method\": " << jsonString(method) << ",\n \"ndim\": " << r.ndim << ",\n";
  out << " \"rms\": " << number(r.rms) << ",\n \"config_resolved\": {";
  bool first = true;
  for (const auto& [k, v] : r.resolved) {
    out << (first ? "\n  " : ",\n  ") << jsonString(k) << ": " << jsonString(v);
    first = false;
  }
  out << "\n },\n \"beamcorr_cupid_axis_order\": [";
  for (int i = 0; i < r.ndim; ++i) out << (i ? ", " : "") << number(r.beamcorr[i]);
  long inClumps = 0;
  for (auto m : r.mask) inClumps += m != 0;
  out << "],\n \"n_clumps_from_algorithm\": " << r.rows.size()
      << ",\n \"n_rejected_beam_spatial\": " << r.nRejectedBeamSpatial
      << ",\n \"n_rejected_beam_spectral\": " << r.nRejectedBeamSpectral
      << ",\n \"n_rejected_bad_pixels\": " << r.nRejectedBadPixels << ",\n \"n_clumps_final\": " << r.nClumps
      << ",\n \"mask_pixels_in_clumps\": " << (r.mask.empty() ? std::string("null") : std::to_string(inClumps))
      << ",\n \"time_s\": " << number(seconds) << "\n}\n";
  if (!out) throw std::runtime_error("cannot write " + path);
}

int usage() {
  std::cerr << "usage: cupid-run IN.fits METHOD [--config K=V,K=V] [--rms X] [--velax N] [--nodeconv]\n"
               "                 [--backoff 0|1] [--progress] --mask OUT.fits --cat OUT.csv [--json RESULT.json]\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) return usage();
  std::string in = argv[1];
  cupid::FindClumpsOptions opt;
  opt.method = argv[2];
  std::string maskPath, catPath, jsonPath;
  bool progress = false;
  try {
    for (int i = 3; i < argc; ++i) {
      std::string arg = argv[i];
      auto value = [&]() -> std::string {
        if (i + 1 >= argc) throw std::runtime_error(arg + " needs a value");
        return argv[++i];
      };
      if (arg == "--config") {
        std::stringstream ss(value());
        std::string item;
        while (std::getline(ss, item, ',')) {
          if (item.empty()) continue;
          auto eq = item.find('=');
          if (eq == std::string::npos) throw std::runtime_error("--config item \"" + item + "\" is not K=V");
          opt.config[item.substr(0, eq)] = item.substr(eq + 1);
        }
      } else if (arg == "--rms") {
        opt.rms = std::stod(value());
      } else if (arg == "--velax") {
        opt.velax = std::stoi(value());
      } else if (arg == "--nodeconv") {
        opt.deconv = false;
      } else if (arg == "--backoff") {
        opt.backoff = std::stoi(value());
      } else if (arg == "--progress") {
        progress = true;
      } else if (arg == "--mask") {
        maskPath = value();
      } else if (arg == "--cat") {
        catPath = value();
      } else if (arg == "--json") {
        jsonPath = value();
      } else {
        return usage();
      }
    }

    Image img = readImage(in);
    cupid::Control control;
    auto t0 = std::chrono::steady_clock::now();
    if (progress)
      control.progress = [t0](double f, const char* stage) {
        double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        std::fprintf(stderr, "%8.3f s %5.1f%% %s\n", t, 100 * f, stage);
      };
    std::clock_t c0 = std::clock();
    cupid::FindClumpsResult r = cupid::findClumps(img.array, opt, control);
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    double cpu = static_cast<double>(std::clock() - c0) / CLOCKS_PER_SEC;

    if (!maskPath.empty()) {
      if (!r.model.empty())
        writeImage(maskPath, img.shape, FLOAT_IMG, TFLOAT, r.model);
      else
        writeImage(maskPath, img.shape, LONG_IMG, TINT, r.mask);
    }
    if (!catPath.empty()) writeCatalogue(catPath, r);
    if (!jsonPath.empty()) writeJson(jsonPath, opt.method, r, seconds);
    std::fprintf(stderr, "%s: %zu clumps from the algorithm, %d accepted, rms %.17g, cpu %.3f s, %.3f s\n",
                 opt.method.c_str(), r.rows.size(), r.nClumps, r.rms, cpu, seconds);
    return 0;
  } catch (const cupid::Error& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "failed: " << e.what() << "\n";
    return 3;
  }
}
