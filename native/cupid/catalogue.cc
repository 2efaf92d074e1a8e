// §1.7 the catalogue columns of one clump, and the column layout of the
// catalogue (CUPID's columns, our *_nodeconv ones, GaussClumps' extras).
#include <cmath>
#include <limits>

#include "catalogue.h"

namespace cupid {
namespace detail {
namespace {

const double kNaN = std::numeric_limits<double>::quiet_NaN();
// 8 ln 2 as CUPID writes it.
const double kEightLn2 = 5.5451774;

}  // namespace

int describeClump(const Clump& c, const Grid& g, const double beamcorr[3], bool deconv, bool backoff,
                  CatalogueRow& row) {
  const int ndim = g.ndim;
  bool any = false;
  double dmin = 0, dmax = 0;
  long peak[3] = {0, 0, 0};
  for (std::size_t k = 0; k < c.pixels.size(); ++k) {
    double v = c.values[k];
    if (!good(v)) continue;
    if (!any) {
      dmin = dmax = v;
      g.coords(c.pixels[k], peak[0], peak[1], peak[2]);
      any = true;
    } else if (v < dmin) {
      dmin = v;
    } else if (v > dmax) {
      dmax = v;
      g.coords(c.pixels[k], peak[0], peak[1], peak[2]);
    }
  }

  // Pixel indices are GRID values (lbnd = 1): index + 1.
  double s1[3] = {0, 0, 0}, s2[3] = {0, 0, 0};
  double s = 0, sd = 0;
  long n = 0;
  for (std::size_t k = 0; k < c.pixels.size(); ++k) {
    double v = c.values[k];
    if (!good(v)) continue;
    double d = backoff ? (dmax > dmin ? v - dmin : 1.0) : v;
    long x[3];
    g.coords(c.pixels[k], x[0], x[1], x[2]);
    for (int a = 0; a < 3; ++a) {
      double i = static_cast<double>(x[a] + 1);
      double tt = d * i;
      s1[a] += tt;
      s2[a] += tt * i;
    }
    sd += d;
    s += v;
    ++n;
  }

  int ok = 0;
  double factor = 1.0;  // deconvolved peak correction, CUPID's "peakfactor"
  for (int a = 0; a < 3; ++a) row.peak[a] = row.cen[a] = row.size[a] = row.sizeNoDeconv[a] = kNaN;
  if (s != 0) {
    for (int a = 0; a < ndim; ++a) {
      double cen = s1[a] / sd;
      double v0 = s2[a] / sd - cen * cen;
      if (v0 <= 0.0) v0 = 0.25;
      double v = v0 - beamcorr[a] * beamcorr[a] / kEightLn2;
      if (a == 0) {
        ok = v > 0 ? 1 : (ndim > 1 ? 0 : -1);
        // CUPID takes the ratio even when v <= 0; a negative product later
        // disables the correction.
        factor = v0 / v;
        row.size[0] = ok > 0 ? std::sqrt(v) : 0.0;
        row.sizeNoDeconv[0] = ok > 0 ? std::sqrt(v0) : 0.0;
      } else if (v > 0) {
        factor *= v0 / v;
        row.size[a] = std::sqrt(v);
        row.sizeNoDeconv[a] = std::sqrt(v0);
      } else {
        row.size[a] = row.sizeNoDeconv[a] = 0.0;
        ok = a == 1 ? 0 : -1;
      }
      row.peak[a] = static_cast<double>(peak[a] + 1) - 0.5;
      row.cen[a] = cen - 0.5;
    }
  } else {
    factor = 1.0;
  }
  if (!deconv)
    for (int a = 0; a < ndim; ++a) row.size[a] = row.sizeNoDeconv[a];

  row.sum = s;
  row.peakNoDeconv = any ? dmax : kNaN;
  row.peakValue = any ? dmax * (deconv && factor > 0.0 ? std::sqrt(factor) : 1.0) : kNaN;
  row.volume = static_cast<double>(n);
  return ok;
}

}  // namespace detail

std::vector<std::string> catalogueColumns(int ndim, const std::vector<CatalogueRow>& rows) {
  std::vector<std::string> cols = {"index", "cell", "accepted", "reject_reason"};
  const char* groups[] = {"Peak", "Cen", "Size"};
  for (const char* grp : groups)
    for (int a = 1; a <= ndim; ++a) cols.push_back(grp + std::to_string(a));
  cols.insert(cols.end(), {"Sum", "Peak", "Volume"});
  for (int a = 1; a <= ndim; ++a) cols.push_back("Size" + std::to_string(a) + "_nodeconv");
  cols.push_back("Peak_nodeconv");

  // Extra columns: GCFWHMi then GCANGLE, then the raw extension values.
  std::map<std::string, bool> extra;
  for (const auto& r : rows)
    for (const auto& kv : r.extension) extra[kv.first] = true;
  for (int a = 1; a <= ndim; ++a)
    if (extra.count("GCFWHM" + std::to_string(a))) cols.push_back("GCFWHM" + std::to_string(a));
  if (extra.count("GCANGLE")) cols.push_back("GCANGLE");
  for (const auto& kv : extra)
    if (kv.first.compare(0, 2, "GC") != 0) cols.push_back(kv.first);
  return cols;
}

double catalogueValue(const CatalogueRow& row, int ndim, const std::string& column) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  if (column == "index") return row.accepted ? row.index : nan;
  if (column == "cell") return row.cell;
  if (column == "accepted") return row.accepted ? 1 : 0;
  if (column == "Sum") return row.sum;
  if (column == "Peak") return row.peakValue;
  if (column == "Volume") return row.volume;
  if (column == "Peak_nodeconv") return row.peakNoDeconv;
  auto axis = [&](const char* prefix, const char* suffix) -> int {
    std::string p(prefix), s(suffix);
    if (column.size() != p.size() + 1 + s.size() || column.compare(0, p.size(), p) != 0 ||
        column.compare(p.size() + 1, std::string::npos, s) != 0)
      return -1;
    int a = column[p.size()] - '1';
    return a >= 0 && a < ndim ? a : -1;
  };
  int a;
  if ((a = axis("Peak", "")) >= 0) return row.peak[a];
  if ((a = axis("Cen", "")) >= 0) return row.cen[a];
  if ((a = axis("Size", "")) >= 0) return row.size[a];
  if ((a = axis("Size", "_nodeconv")) >= 0) return row.sizeNoDeconv[a];
  auto it = row.extension.find(column);
  return it == row.extension.end() ? nan : it->second;
}

}  // namespace cupid
