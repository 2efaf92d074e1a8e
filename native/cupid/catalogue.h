// Internal: the §1.7 statistics of one clump (see catalogue.cc).
#pragma once

#include "cupid.h"
#include "grid.h"

namespace cupid {
namespace detail {

// Fills the position, size, sum, peak and volume columns of `row` from the
// clump's good values (both the DECONV-selected and the *_nodeconv variants)
// and returns CUPID's "ok" flag: +1 usable, 0 smaller than the beam on a
// spatial axis, -1 smaller than the spectral resolution (axis 3).
int describeClump(const Clump& c, const Grid& g, const double beamcorr[3], bool deconv, bool backoff,
                  CatalogueRow& row);

}  // namespace detail
}  // namespace cupid
