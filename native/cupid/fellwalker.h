// Internal: FellWalker's clump merging (fwjoin.cc), used by fellwalker.cc.
#pragma once

#include <cstdint>
#include <vector>

#include "grid.h"

namespace cupid {
namespace detail {

// §2.2 step 4 on the walk labels (-1 or clump numbers 1..maxLabel): merges
// clumps whose peak is less than `mindip` above the col to their best
// neighbour, relabels the merged pixels and returns the highest clump number
// left. Does nothing when mindip <= 0.
int mergeClumps(const Array& a, const Grid& g, Labels& labels, int maxLabel, double mindip,
                const Control& control);

}  // namespace detail
}  // namespace cupid
